;; Component -> component call (benchmarks/components): A exports
;; consume: func(s: string) -> u32 (the length); B imports it and exports
;; run: func(n: u32) -> u32, which calls consume n times with a 1 KiB string
;; from its own memory and returns the sum of the lengths. The outer
;; component instantiates both and links B's import to A's export.
;; With a resource handle: A implements R and exports pass: func(r: own R)
;; -> own R (the same handle); B's run-own(n) makes one R and passes it
;; down and back n times (two handle moves per call), then drops it.
(component
  (component $A
    (core module $m
      (memory (export "mem") 1)
      ;; consume's argument is dead once consume returns: every realloc
      ;; gets the same 2 KiB scratch area at 4096.
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (if (i32.gt_u (local.get 3) (i32.const 2048)) (then unreachable))
        (i32.const 4096))
      (func (export "consume") (param i32 i32) (result i32) (local.get 1)))
    (core instance $i (instantiate $m))
    (func (export "consume") (param "s" string) (result u32)
      (canon lift (core func $i "consume") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
    (type $R' (resource (rep i32)))
    (export $R "R" (type $R'))
    (core func $new (canon resource.new $R'))
    (core module $rm
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 7)))
      (func (export "pass") (param i32) (result i32) (local.get 0)))
    (core instance $r (instantiate $rm (with "" (instance (export "new" (func $new))))))
    (func (export "make") (result (own $R)) (canon lift (core func $r "make")))
    (func (export "pass") (param "r" (own $R)) (result (own $R)) (canon lift (core func $r "pass"))))
  (component $B
    (import "consume" (func $consume (param "s" string) (result u32)))
    (import "r" (type $R (sub resource)))
    (import "make" (func $make (result (own $R))))
    (import "pass" (func $pass (param "r" (own $R)) (result (own $R))))
    (core func $make-lowered (canon lower (func $make)))
    (core func $pass-lowered (canon lower (func $pass)))
    (core func $drop (canon resource.drop $R))
    (core module $rmain
      (import "a" "make" (func $make (result i32)))
      (import "a" "pass" (func $pass (param i32) (result i32)))
      (import "a" "drop" (func $drop (param i32)))
      (func (export "run-own") (param $n i32) (result i32) (local $h i32) (local $k i32)
        (local.set $h (call $make))
        (local.set $k (local.get $n))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $k)))
            (local.set $h (call $pass (local.get $h)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $next)))
        (call $drop (local.get $h))
        (local.get $n)))
    (core instance $rmain (instantiate $rmain
      (with "a" (instance (export "make" (func $make-lowered)) (export "pass" (func $pass-lowered))
                          (export "drop" (func $drop))))))
    (func (export "run-own") (param "n" u32) (result u32) (canon lift (core func $rmain "run-own")))
    (core module $libc (memory (export "mem") 1))
    (core instance $libc (instantiate $libc))
    (core func $consume-lowered (canon lower (func $consume) (memory (core memory $libc "mem"))))
    (core module $main
      (import "libc" "mem" (memory 1))
      (import "a" "consume" (func $consume (param i32 i32) (result i32)))
      (data (i32.const 0)
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
      (func (export "run") (param $n i32) (result i32) (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $sum (i32.add (local.get $sum)
                                     (call $consume (i32.const 0) (i32.const 1024))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum)))
    (core instance $main (instantiate $main
      (with "libc" (instance $libc))
      (with "a" (instance (export "consume" (func $consume-lowered))))))
    (func (export "run") (param "n" u32) (result u32) (canon lift (core func $main "run"))))
  (instance $a (instantiate $A))
  (alias export $a "R" (type $R))
  (instance $b (instantiate $B (with "consume" (func $a "consume")) (with "r" (type $R))
                               (with "make" (func $a "make")) (with "pass" (func $a "pass"))))
  (export "run" (func $b "run"))
  (export "run-own" (func $b "run-own"))
  (export "consume" (func $a "consume")))
