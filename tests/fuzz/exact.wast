;; With --bounds-checks memory and globals after a trap hold exactly the
;; stores made before it, whatever the trapping address: every access is
;; checked by an explicit branch, so LLVM sees each trap as a loop exit and
;; keeps earlier stores before it. (With guard pages alone, the default,
;; LLVM may sink a store out of a loop past a load that then traps, or drop
;; a store that a later one overwrites: tests/fuzz/trap-order.wast has the
;; cases that are exact in both modes.)
(module
  (memory (export "memory") 16 17)
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "get") (param i32) (result i32) (i32.load (local.get 0)))
  ;; a store to a fixed address in a loop (LICM would keep it in a register
  ;; and store it at the loop's exits); the load runs off the end at i = 5
  (func (export "counted") (local $i i32) (local $s i32)
    (loop $l
      (i32.store (i32.const 64) (local.get $i))
      (local.set $s (i32.add (local.get $s)
        (i32.load (i32.add (i32.const 1048556) (i32.mul (local.get $i) (i32.const 4))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  ;; the same with a global
  (func (export "counted-global") (local $i i32) (local $s i32)
    (loop $l
      (global.set $g (local.get $i))
      (local.set $s (i32.add (local.get $s)
        (i32.load (i32.add (i32.const 1048556) (i32.mul (local.get $i) (i32.const 4))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  ;; a store overwritten after a load whose address is a parameter
  (func (export "overwrite") (param $a i32)
    (i32.store (i32.const 32) (i32.const 11))
    (drop (i32.load (local.get $a)))
    (i32.store (i32.const 32) (i32.const 22)))
  ;; a loop-invariant load after a store in the loop's first iteration
  (func (export "invariant") (param $a i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (i32.store (i32.const 96) (i32.add (local.get $i) (i32.const 100)))
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $s))
)
(assert_trap (invoke "counted") "out of bounds memory access")
(assert_return (invoke "get" (i32.const 64)) (i32.const 5))
(assert_trap (invoke "counted-global") "out of bounds memory access")
(assert_return (get "g") (i32.const 5))
(assert_trap (invoke "overwrite" (i32.const 1048576)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 32)) (i32.const 11))
(assert_return (invoke "overwrite" (i32.const 0)))
(assert_return (invoke "get" (i32.const 32)) (i32.const 22))
(assert_trap (invoke "invariant" (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "get" (i32.const 96)) (i32.const 100))
(assert_return (invoke "invariant" (i32.const 96)) (i32.const 1045))
