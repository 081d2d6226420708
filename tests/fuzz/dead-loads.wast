;; Regressions found by scripts/fuzz-diff (differential fuzzing against V8):
;; an out-of-bounds load traps even when LLVM can prove its value dead.
(module
  (memory 16 17)
  ;; the loaded value goes into a local that is overwritten (seed 19)
  (func (export "overwritten") (result i32) (local i32)
    (local.set 0 (i32.xor (i32.const 5) (i32.load8_u offset=2 (i32.const 1048577))))
    (local.set 0 (i32.const 0))
    (local.get 0))
  ;; multiplied by zero
  (func (export "times-zero") (result i64)
    (i64.mul (i64.load (i32.const 1048570)) (i64.const 0)))
  ;; both arms of a select with a constant condition
  (func (export "select") (result f64)
    (select (f64.const 1) (f64.load (i32.const 2000000)) (i32.const 1)))
  ;; stored over by a later store (dead store, then dead load)
  (func (export "dead-store")
    (i32.store (i32.const 16) (i32.load16_s (i32.const 1048575)))
    (i32.store (i32.const 16) (i32.const 7)))
  ;; in a loop whose result is dropped
  (func (export "loop") (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.load (i32.add (local.get 0) (i32.const 1048572)))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 64)))))
  ;; vectorisable loops (the keep calls have vector variants): a copy whose
  ;; source runs past the end, and a loop whose loaded values are dead
  (func (export "vec-copy") (local i32)
    (loop $l
      (i32.store (local.get 0) (i32.load (i32.add (local.get 0) (i32.const 1048000))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1024)))))
  (func (export "vec-dead") (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1)
        (i32.mul (i32.load (i32.add (local.get 0) (i32.const 1048000))) (i32.const 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1024))))
    (local.get 1))
  (func (export "vec-in-bounds") (result i32) (local i32 i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (i32.store (i32.add (local.get 0) (i32.const 4096)) (local.get 1))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1024))))
    (local.get 1))
;; float and vector keeps (llvm.annotation on the value's bits): a dead f64
  ;; load in a loop the vectoriser may take, in a loop with other control
  ;; flow (the <1 x i64> form), in a five-trip loop that is fully unrolled,
  ;; and dead f32 and v128 loads outside loops
  (func (export "f64-vec-dead") (local i32 f64)
    (loop $l
      (local.set 1 (f64.load (i32.add (local.get 0) (i32.const 1048000))))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1024)))))
  (func (export "f64-branchy-dead") (result i32) (local i32 i32 f64)
    (loop $l
      (local.set 2 (f64.load (i32.add (local.get 0) (i32.const 1048000))))
      (if (i32.and (local.get 0) (i32.const 8))
        (then (local.set 1 (i32.add (local.get 1) (i32.const 1)))))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 1024))))
    (local.get 1))
  (func (export "f64-five") (result f64) (local i32 f64 f64)
    (loop $l
      (local.set 1 (f64.load (i32.add (local.get 0) (i32.const 1048544))))
      (local.set 2 (f64.add (local.get 2) (f64.mul (local.get 1) (f64.const 0))))
      (local.set 2 (f64.const 1))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get 0) (i32.const 40))))
    (local.get 2))
  (func (export "f32-dead") (result f32) (local f32)
    (local.set 0 (f32.load (i32.const 1048574)))
    (local.set 0 (f32.const 2))
    (local.get 0))
  (func (export "v128-dead") (result i32) (local v128)
    (local.set 0 (v128.load (i32.const 1048570)))
    (local.set 0 (v128.const i32x4 0 0 0 0))
    (i32x4.extract_lane 0 (local.get 0)))
  (func (export "in-bounds") (result i32) (local i32)
    (local.set 0 (i32.load (i32.const 1048572)))
    (i32.const 1)))
(assert_trap (invoke "overwritten") "out of bounds memory access")
(assert_trap (invoke "times-zero") "out of bounds memory access")
(assert_trap (invoke "select") "out of bounds memory access")
(assert_trap (invoke "dead-store") "out of bounds memory access")
(assert_trap (invoke "loop") "out of bounds memory access")
(assert_return (invoke "in-bounds") (i32.const 1))
(assert_trap (invoke "vec-copy") "out of bounds memory access")
(assert_trap (invoke "vec-dead") "out of bounds memory access")
(assert_return (invoke "vec-in-bounds") (i32.const 0))
(assert_trap (invoke "f64-vec-dead") "out of bounds memory access")
(assert_trap (invoke "f64-branchy-dead") "out of bounds memory access")
(assert_trap (invoke "f64-five") "out of bounds memory access")
(assert_trap (invoke "f32-dead") "out of bounds memory access")
(assert_trap (invoke "v128-dead") "out of bounds memory access")
