;; loops.wat — guests for the deadline tests (run.sh): every export but
;; `quick` and `fib 10` runs until a deadline stops it.
(module
  (memory 1)
  ;; a tight loop: only the back-edge check stops it
  (func (export "spin") (loop (br 0)))
  ;; exponential recursion without any loop: only the prologue stack check
  ;; (which fails while the store is interrupted) stops it
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; deep recursion in a loop: each call returns, the loop never ends
  (func $down (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "deep") (loop (drop (call $down (i32.const 20000))) (br 0)))
  ;; memory traffic in the loop body (vectorisable loop inside an endless one)
  (func (export "sum") (local i32 i32)
    (loop
      (local.set 0 (i32.const 0))
      (loop
        (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
        (local.set 0 (i32.add (local.get 0) (i32.const 4)))
        (br_if 0 (i32.lt_u (local.get 0) (i32.const 65536))))
      (i32.store (i32.const 0) (local.get 1))
      (br 0)))
  ;; the same with wasm SIMD (already vectorised: LLVM's vectoriser leaves
  ;; it alone; a short loop, tested by a counter every 128 iterations)
  (func (export "vsum") (local i32 v128)
    (loop
      (local.set 0 (i32.const 0))
      (loop
        (local.set 1 (f64x2.add (local.get 1) (v128.load (local.get 0))))
        (local.set 0 (i32.add (local.get 0) (i32.const 16)))
        (br_if 0 (i32.lt_u (local.get 0) (i32.const 65536))))
      (v128.store (i32.const 0) (local.get 1))
      (br 0)))
  ;; a short loop closed by a br_table (LLVM folds it into one block: the
  ;; header split of the counted test with header == latch; `tabloop 4`
  ;; returns 4; `tabloop 1` never ends)
  (func (export "tabloop") (param i32) (result i32) (local i32)
    (block $out
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 2)))
        ;; index 0 or 1: again; 2 (local 1 reached the parameter): out
        (br_table $l $l $out (select (i32.const 2) (i32.and (i32.shr_u (local.get 1) (i32.const 1)) (i32.const 1))
                                     (i32.eq (local.get 1) (local.get 0))))))
    (local.get 1))
  ;; an interpreter's dispatch loop (a br_table over the opcodes of a
  ;; program in memory, every case back to one latch: lua's luaV_execute);
  ;; `dispatch 0` runs a program that ends (returns 6), `dispatch 1` one
  ;; that jumps back forever (the latch polls, v6)
  (func (export "dispatch") (param i32) (result i32) (local $pc i32) (local $acc i32)
    (i32.store8 (i32.const 100) (i32.const 0))      ;; add 1
    (i32.store8 (i32.const 101) (i32.const 1))      ;; add 2
    (i32.store8 (i32.const 102) (i32.const 0))      ;; add 1
    (i32.store8 (i32.const 103) (i32.const 2))      ;; add 2, halt unless param
    (i32.store8 (i32.const 104) (i32.const 3))      ;; jump to 100
    (local.set $pc (i32.const 100))
    (block $halt
      (loop $next
        (block $jump
          (block $c2
            (block $c1
              (block $c0
                (br_table $c0 $c1 $c2 $jump (i32.load8_u (local.get $pc))))
              (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
              (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
              (br $next))
            (local.set $acc (i32.add (local.get $acc) (i32.const 2)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
            (br $next))
          (local.set $acc (i32.add (local.get $acc) (i32.const 2)))
          (br_if $halt (i32.eqz (local.get 0)))
          (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
          (br $next))
        (local.set $pc (i32.const 100))
        (br $next)))
    (local.get $acc))
  ;; mutual recursion, stopped at calls (the stack check)
  (func $ping (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $pong (i32.sub (local.get 0) (i32.const 1)))
                     (call $pong (i32.sub (local.get 0) (i32.const 2)))))))
  (func $pong (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $ping (i32.sub (local.get 0) (i32.const 1)))
                     (call $ping (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mutual") (param i32) (result i32) (call $ping (local.get 0)))
  ;; recursion through the table only (call_indirect): no direct call
  ;; closes the cycle
  (type $i2i (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $tfib)
  (func $tfib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call_indirect (type $i2i) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
                     (call_indirect (type $i2i) (i32.sub (local.get 0) (i32.const 2)) (i32.const 0))))))
  (func (export "tfib") (param i32) (result i32) (call $tfib (local.get 0)))
;; a deadline deep in a recursion: 20000 frames down, then fib (no
  ;; loops) until the deadline: it must say deadline, not stack exhausted
  ;; (function entries are stopped through the stack check)
  (func $deepfib (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $fib (local.get 1)))
      (else (i32.add (i32.const 1) (call $deepfib (i32.sub (local.get 0) (i32.const 1)) (local.get 1))))))
  (func (export "deepfib") (param i32) (result i32) (call $deepfib (i32.const 20000) (local.get 0)))
  ;; unbounded recursion: stack exhausted, also while a deadline is armed
  (func $inf (export "inf") (param i32) (result i32)
    (i32.add (i32.const 1) (call $inf (i32.add (local.get 0) (i32.const 1)))))
  ;; finishes at once
  (func (export "quick") (result i32) (call $fib (i32.const 10)))
)
