;; host_api.wat — the component of the embedding API test (host_api.c).
;;
;; Imports (the host provides them as typed C callbacks):
;;   log: func(msg: string)
;;   transform: func(s: string) -> string
;; Exports:
;;   greet: func(name: string) -> string         logs "greet called", returns transform(name)
;;   sum: func(xs: list<u32>) -> u64
;;   swap: func(p: point) -> point                point = record { x: s32, y: s32 }
;;   classify: func(n: s32) -> sign               sign = variant { neg(u32), zero, pos(u32) }
;;   checked-div: func(a: u32, b: u32) -> result<u32, string>
;;   first: func(xs: list<string>) -> option<string>
;;   fail: func()                                 traps (unreachable)
;;
;; Memory: 0..4095 static data and return areas, the heap (bump realloc)
;; from 4096 on.
(component
  (import "log" (func $log (param "msg" string)))
  (import "transform" (func $transform (param "s" string) (result string)))

  (core module $libc
    (memory (export "mem") 1)
    (global $heap (mut i32) (i32.const 4096))
    ;; bump allocator: never frees; grows the memory when needed
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32)
                             (param $size i32) (result i32)
      (local $p i32) (local $end i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.xor (i32.sub (local.get $align) (i32.const 1)) (i32.const -1))))
      (local.set $end (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.lt_s
                (memory.grow
                  (i32.shr_u (i32.sub (i32.add (local.get $end) (i32.const 65535))
                                      (i32.shl (memory.size) (i32.const 16)))
                             (i32.const 16)))
                (i32.const 0))
            (then unreachable))))
      (global.set $heap (local.get $end))
      (if (local.get $old)
        (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
      (local.get $p))
  )
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))

  (core func $log_lowered (canon lower (func $log) (memory $mem) (realloc $realloc)))
  (core func $transform_lowered (canon lower (func $transform) (memory $mem) (realloc $realloc)))

  (core module $m
    (import "libc" "mem" (memory 1))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "transform" (func $transform (param i32 i32 i32)))
    (data (i32.const 16) "greet called")
    (data (i32.const 32) "division by zero")

    ;; greet(ptr, len) -> retptr (string at 256: ptr, len)
    (func (export "greet") (param $p i32) (param $n i32) (result i32)
      (call $log (i32.const 16) (i32.const 12))
      (call $transform (local.get $p) (local.get $n) (i32.const 256))
      (i32.const 256))

    ;; sum(ptr, len) -> u64
    (func (export "sum") (param $p i32) (param $n i32) (result i64)
      (local $acc i64)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $acc (i64.add (local.get $acc) (i64.load32_u (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $acc))

    ;; swap(x, y) -> retptr (point at 512)
    (func (export "swap") (param $x i32) (param $y i32) (result i32)
      (i32.store (i32.const 512) (local.get $y))
      (i32.store (i32.const 516) (local.get $x))
      (i32.const 512))

    ;; classify(n) -> retptr (sign at 600: u8 case, u32 payload at +4)
    (func (export "classify") (param $n i32) (result i32)
      (if (i32.lt_s (local.get $n) (i32.const 0))
        (then
          (i32.store8 (i32.const 600) (i32.const 0))
          (i32.store (i32.const 604) (i32.sub (i32.const 0) (local.get $n))))
        (else
          (if (i32.eqz (local.get $n))
            (then (i32.store8 (i32.const 600) (i32.const 1)))
            (else
              (i32.store8 (i32.const 600) (i32.const 2))
              (i32.store (i32.const 604) (local.get $n))))))
      (i32.const 600))

    ;; checked-div(a, b) -> retptr (result at 640: u8 case, payload at +4)
    (func (export "checked-div") (param $a i32) (param $b i32) (result i32)
      (if (i32.eqz (local.get $b))
        (then
          (i32.store8 (i32.const 640) (i32.const 1))
          (i32.store (i32.const 644) (i32.const 32))
          (i32.store (i32.const 648) (i32.const 16)))
        (else
          (i32.store8 (i32.const 640) (i32.const 0))
          (i32.store (i32.const 644) (i32.div_u (local.get $a) (local.get $b)))))
      (i32.const 640))

    ;; first(ptr, len) -> retptr (option<string> at 700: u8 case, ptr/len at +4)
    (func (export "first") (param $p i32) (param $n i32) (result i32)
      (if (i32.eqz (local.get $n))
        (then (i32.store8 (i32.const 700) (i32.const 0)))
        (else
          (i32.store8 (i32.const 700) (i32.const 1))
          (i32.store (i32.const 704) (i32.load (local.get $p)))
          (i32.store (i32.const 708) (i32.load offset=4 (local.get $p)))))
      (i32.const 700))

    (func (export "fail") unreachable)
  )
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "log" (func $log_lowered))
      (export "transform" (func $transform_lowered))))))

  (type $point' (record (field "x" s32) (field "y" s32)))
  (export $point "point" (type $point'))
  (type $sign' (variant (case "neg" u32) (case "zero") (case "pos" u32)))
  (export $sign "sign" (type $sign'))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $i "greet") (memory $mem) (realloc $realloc)))
  (func (export "sum") (param "xs" (list u32)) (result u64)
    (canon lift (core func $i "sum") (memory $mem) (realloc $realloc)))
  (func (export "swap") (param "p" $point) (result $point)
    (canon lift (core func $i "swap") (memory $mem)))
  (func (export "classify") (param "n" s32) (result $sign)
    (canon lift (core func $i "classify") (memory $mem)))
  (func (export "checked-div") (param "a" u32) (param "b" u32) (result (result u32 (error string)))
    (canon lift (core func $i "checked-div") (memory $mem)))
  (func (export "first") (param "xs" (list string)) (result (option string))
    (canon lift (core func $i "first") (memory $mem) (realloc $realloc)))
  (func (export "fail")
    (canon lift (core func $i "fail")))
)
