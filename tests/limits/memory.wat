;; memory.wat — memory.grow up to all of 4 GiB, and around --max-memory.
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  ;; grow to 65536 pages; write the last byte; read it back
  (func (export "full") (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store8 (i32.const -1) (i32.const 7))
    (i32.add (i32.mul (memory.size) (i32.const 10)) (i32.load8_u (i32.const -1))))
  ;; a leaf function: with a full memory, x + 8 wraps to the bottom of
  ;; memory (the compiler's address anchoring must not turn it into a trap)
  (func $wrap (param $x i32) (result i32)
    (i32.store (local.get $x) (i32.const 5))
    (i32.add (i32.load (local.get $x)) (i32.load (i32.add (local.get $x) (i32.const 8)))))
  (func (export "wrap") (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store (i32.const 4) (i32.const 100))
    (call $wrap (i32.const -4)))
  ;; the other way round: x - 8 wraps to the top of memory
  (func $wrap_down (param $x i32) (result i32)
    (i32.store (local.get $x) (i32.const 5))
    (i32.add (i32.load (local.get $x)) (i32.load (i32.add (local.get $x) (i32.const -8)))))
  (func (export "wrap_down") (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store (i32.const -4) (i32.const 200))
    (call $wrap_down (i32.const 4)))
;; a loop in a function that grows memory (so not a leaf): the compiler
  ;; lowers such a loop twice and picks the copy by memory 0's size at
  ;; loop entry; with a full memory, p + 8 wraps to the bottom
  (func (export "wrap_loop") (param $grow i32) (param $p i32) (result i32) (local $i i32) (local $s i32)
    (if (local.get $grow)
      (then (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))))
    (i32.store (i32.const 4) (i32.const 100))
    (loop
      (i32.store (local.get $p) (i32.const 1))
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.load (local.get $p)) (i32.load (i32.add (local.get $p) (i32.const 8))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))
  ;; a function that calls only functions that never grow memory is
  ;; anchored like a leaf (lower_nogrow.c) and tests at entry; with a full
  ;; memory, p + 8 after a call and a br_if still wraps to the bottom
  (func $id (param i32) (result i32) (local.get 0))
  (func $nogrow (param $x i32) (result i32) (local $v i32)
    (i32.store (local.get $x) (i32.const 5))
    (local.set $v (i32.load (call $id (local.get $x))))
    (block
      (br_if 0 (i32.eqz (local.get $v)))
      (return (i32.add (local.get $v) (i32.load (i32.add (local.get $x) (i32.const 8))))))
    (i32.const -1))
  (func (export "wrap_nogrow") (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store (i32.const 4) (i32.const 300))
    (call $nogrow (i32.const -4)))
  ;; the same anchored inside a loop (so it keeps its entry test: a
  ;; function anchored only outside loops is lowered without it)
  (func $nogrow_loop (param $p i32) (result i32) (local $i i32) (local $s i32)
    (loop
      (i32.store (local.get $p) (i32.const 1))
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.load (call $id (local.get $p))) (i32.load (i32.add (local.get $p) (i32.const 8))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))
  (func (export "wrap_nogrow_loop") (param $p i32) (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store (i32.const 4) (i32.const 100))
    (call $nogrow_loop (local.get $p)))
  ;; a call that grows the memory to 4 GiB before the accesses at p and
  ;; p + 8: the entry test saw a memory that was not full, so no anchoring
  ;; in a function whose callee may grow
  (func $fill (drop (memory.grow (i32.sub (i32.const 65536) (memory.size)))))
  (func (export "wrap_after_grow") (param $p i32) (result i32)
    (call $fill)
    (i32.store (i32.const 4) (i32.const 400))
    (i32.store (local.get $p) (i32.const 5))
    (i32.add (i32.load (local.get $p)) (i32.load (i32.add (local.get $p) (i32.const 8)))))
  ;; a loop that calls a function that never grows memory, in a function
  ;; that grows it: lowered twice, the copy picked at loop entry
  (func (export "wrap_loop_call") (param $grow i32) (param $p i32) (result i32) (local $i i32) (local $s i32)
    (if (local.get $grow)
      (then (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))))
    (i32.store (i32.const 4) (i32.const 100))
    (loop
      (i32.store (local.get $p) (i32.const 1))
      (local.set $s (i32.add (local.get $s)
        (i32.add (i32.load (call $id (local.get $p))) (i32.load (i32.add (local.get $p) (i32.const 8))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))
  ;; a versioned loop that calls functions lowered after it: with a full
  ;; memory its plain copy calls their plain versions (lower_func.c
  ;; plain_decl; $later anchors x + 8, which wraps, $later_id does not)
  (func (export "wrap_loop_later") (param $grow i32) (param $p i32) (result i32) (local $i i32) (local $s i32)
    (if (local.get $grow)
      (then (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))))
    (i32.store (i32.const 4) (i32.const 100))
    (loop
      (i32.store (local.get $p) (i32.const 1))
      (local.set $s (i32.add (local.get $s)
        (i32.add (call $later (call $later_id (local.get $p))) (i32.load (i32.add (local.get $p) (i32.const 8))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $s))
  (func $later_id (param i32) (result i32) (local.get 0))
  (func $later (param $x i32) (result i32)
    (i32.add (i32.load (local.get $x)) (i32.load (i32.add (local.get $x) (i32.const 8)))))
  ;; a byte loop whose index bump gets nuw after the access (across the
  ;; br_if that leaves the loop): with a full memory it runs off the top
  ;; and wraps to the bottom (the plain copy), else it traps at the end
  (func $count (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block
      (loop
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
        (br_if 1 (i32.eqz (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br 0)))
    (local.get $s))
  (func (export "count_full") (result i32)
    (drop (memory.grow (i32.sub (i32.const 65536) (memory.size))))
    (i32.store8 (i32.const -2) (i32.const 1))
    (i32.store8 (i32.const -1) (i32.const 2))
    (call $count (i32.const -2) (i32.const 4)))
  ;; (bytes 0 and 1 come from the data segment: LLVM 19's SLP vectoriser
  ;; merges byte stores at 4 GiB - 2 .. 1 into one store, see iv-widen.md)
  (data (i32.const 0) "\03\04")
  (func (export "count") (param $p i32) (param $n i32) (result i32)
    (call $count (local.get $p) (local.get $n)))
)
