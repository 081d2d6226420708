;; Regressions found by scripts/fuzz-diff: stores made before a trapping
;; load stay in memory after the trap (seed 61210: GVN hoisted a
;; loop-invariant load to the preheader, LICM sank the store to the exits).
;; Exact in the default mode for constant addresses past the memory's
;; maximum, which trap through an explicit branch; a load that runs out of
;; bounds at run time is exact only with --bounds-checks (exact.wast).
(module
  (memory (export "memory") 16 17)
  (func (export "get") (param i32) (result i32) (i32.load (local.get 0)))
  ;; seed 61210's shape: store, then an out-of-bounds constant load, in a loop
  (func (export "loop-store") (param $p i32) (local $i i32)
    (loop $l
      (i32.store offset=4 (i32.and (local.get $p) (i32.const 15)) (i32.const -12))
      (if (i32.eqz (i32.load8_u offset=22 (i32.const 1510492541)))
        (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10)))))
  ;; a store overwritten after the trapping load (dead-store elimination)
  (func (export "overwrite")
    (i32.store (i32.const 32) (i32.const 11))
    (drop (i32.load (i32.const 1114112)))
    (i32.store (i32.const 32) (i32.const 22)))
  ;; the address reaches the load through a local
  (func (export "via-local") (local $a i32)
    (local.set $a (i32.const 2000000))
    (i32.store (i32.const 48) (i32.const 33))
    (drop (i64.load (local.get $a)))
    (i32.store (i32.const 48) (i32.const 44)))
)
(assert_return (invoke "get" (i32.const 4)) (i32.const 0))
(assert_trap (invoke "loop-store" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 4)) (i32.const -12))
(assert_trap (invoke "overwrite") "out of bounds memory access")
(assert_return (invoke "get" (i32.const 32)) (i32.const 11))
(assert_trap (invoke "via-local") "out of bounds memory access")
(assert_return (invoke "get" (i32.const 48)) (i32.const 33))
