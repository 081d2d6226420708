;; Component -> component call (benchmarks/components): A exports
;; consume: func(s: string) -> u32 (the length); B imports it and exports
;; run: func(n: u32) -> u32, which calls consume n times with a 1 KiB string
;; from its own memory and returns the sum of the lengths. The outer
;; component instantiates both and links B's import to A's export.
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
      (canon lift (core func $i "consume") (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))
  (component $B
    (import "consume" (func $consume (param "s" string) (result u32)))
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
  (instance $b (instantiate $B (with "consume" (func $a "consume"))))
  (export "run" (func $b "run"))
  (export "consume" (func $a "consume")))
