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
)
