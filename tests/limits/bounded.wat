;; bounded.wat — guests for the deadline tests of bounded loops (run.sh):
;; an innermost loop whose trip count a constant bounds polls not at all
;; (lower_interrupt.c), so the enclosing loop must; and loops that look
;; almost bounded but are not must keep their poll. None of the (b)
;; loops ends before the deadline.
(module
  (memory 1)
  ;; (a) a bounded inner loop (i = 0 .. 99) in an outer loop that runs n
  ;; times (n = 0: 2^32 times, i.e. until the deadline); returns the sum
  (func (export "nest") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $outer
      (local.set $i (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (local.get $s)
                               (i32.load (i32.shl (i32.and (local.get $s) (i32.const 255)) (i32.const 2)))))
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (i32.store (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 1024)) (local.get $s))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $inner (i32.lt_s (local.get $i) (i32.const 100))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $outer (local.get $n)))
    (local.get $s))
  ;; a bounded loop (1000 iterations) around an endless one: the outer loop
  ;; drops its poll (its inner loop polls), the inner one keeps it
  (func (export "outer") (local $i i32) (local $j i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (i32.store (i32.and (local.get $j) (i32.const 4092)) (local.get $i))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        ;; the word at 0 stays 0 (i is 0 in the first iteration): no exit
        (br_if $inner (i32.eqz (i32.load (i32.const 0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (i32.const 1000)))))
  ;; (b) endless: i = 1, 3, 5, ... compared `ne` with 100, which the step
  ;; skips over (it wraps and never meets it)
  (func (export "neskip") (local $i i32)
    (local.set $i (i32.const 1))
    (loop $l
      (i32.store (i32.const 8) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $l (i32.ne (local.get $i) (i32.const 100)))))
  ;; (b) endless: i counts to 100, but is reset to 0 inside the loop while
  ;; the word at 0 is zero (it is: LLVM cannot know)
  (func (export "reset") (local $i i32)
    (loop $l
      (i32.store (i32.const 8) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (if (i32.eqz (i32.load (i32.const 0))) (then (local.set $i (i32.const 0))))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  ;; (b) i = 0, -1, -2, ... (i64) against 100: bounded unsigned (one
  ;; iteration), endless signed
  (func (export "signed") (local $i i64)
    (loop $l
      (i64.store (i32.const 8) (local.get $i))
      (local.set $i (i64.sub (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_s (local.get $i) (i64.const 100)))))
  ;; (b) endless: the counted exit test is skipped on the path taken while
  ;; the word at 0 is zero (a second back edge that does not test i)
  (func (export "skiptest") (local $i i32)
    (loop $l
      (i32.store (i32.const 8) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.eqz (i32.load (i32.const 0))))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  ;; (b) i = 1, 2, ... until it wraps to 0: bounded, but by 2^64 - 1
  ;; iterations, far beyond the limit (4096)
  (func (export "long") (local $i i64)
    (local.set $i (i64.const 1))
    (loop $l
      (i64.store (i32.and (i32.wrap_i64 (local.get $i)) (i32.const 4088)) (local.get $i))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.ne (local.get $i) (i64.const 0)))))
)
