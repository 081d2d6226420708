;; version.wat — guests for the deadline tests of versioned loops (run.sh):
;; a loop whose trip count run-time values bound gets a copy without polls,
;; entered when a test before it proves the entry ends within a few
;; thousand iterations (lower_version.c); otherwise the original, which
;; polls, runs. Each outer loop below holds a bounded inner loop (0 .. 99,
;; no poll of its own), the shape that is versioned; `run` is that inner
;; loop's work, the same in every function.
(module
  (memory 1)
  (func $run (param $s i32) (result i32) (local $i i32)
    (loop $inner
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.shl (i32.and (local.get $s) (i32.const 255)) (i32.const 2)))))
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (i32.store (i32.add (i32.shl (local.get $i) (i32.const 2)) (i32.const 1024)) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $inner (i32.lt_s (local.get $i) (i32.const 100))))
    (local.get $s))
  ;; for (j = a; j <s b; j++): ends (a = -5, b = 100: 105 runs), or runs
  ;; 2^32 times (a = INT_MIN, b = INT_MAX: the original, polled)
  (func (export "signed") (param $a i32) (param $b i32) (result i32) (local $s i32)
    (block $done
      (br_if $done (i32.ge_s (local.get $a) (local.get $b)))
      (loop $outer
        (local.set $s (call $run (local.get $s)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br_if $outer (i32.lt_s (local.get $a) (local.get $b)))))
    (local.get $s))
  ;; for (j = a; j >u b; j--)
  (func (export "down") (param $a i32) (param $b i32) (result i32) (local $s i32)
    (block $done
      (br_if $done (i32.le_u (local.get $a) (local.get $b)))
      (loop $outer
        (local.set $s (call $run (local.get $s)))
        (local.set $a (i32.sub (local.get $a) (i32.const 1)))
        (br_if $outer (i32.gt_u (local.get $a) (local.get $b)))))
    (local.get $s))
  ;; for (j = a; j <u b; j += 8): with b within 7 of 2^32 the step can
  ;; wrap past b (a = -16, b = -3: endless), otherwise it ends
  (func (export "step8") (param $a i32) (param $b i32) (result i32) (local $s i32)
    (block $done
      (br_if $done (i32.ge_u (local.get $a) (local.get $b)))
      (loop $outer
        (local.set $s (call $run (local.get $s)))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (br_if $outer (i32.lt_u (local.get $a) (local.get $b)))))
    (local.get $s))
  ;; for (d = depth; d != 0; d--) { len = start + d; while (len <u limit)
  ;; { ...; len += 4 } }: the inner loop's bound is the argument limit,
  ;; so the copy runs when limit is small (e.g. 400; start = -8: every
  ;; inner loop ends at once), the original (polled) when it is 2^32 - 1
  (func (export "inner") (param $depth i32) (param $start i32) (param $limit i32) (result i32)
    (local $s i32) (local $len i32)
    (block $done
      (br_if $done (i32.eqz (local.get $depth)))
      (loop $outer
        (local.set $len (i32.add (local.get $start) (local.get $depth)))
        (block $end
          (br_if $end (i32.ge_u (local.get $len) (local.get $limit)))
          (loop $scan
            (local.set $s (i32.add (local.get $s)
                                   (i32.load (i32.and (local.get $len) (i32.const 4092)))))
            (i32.store (i32.and (i32.add (local.get $len) (local.get $s)) (i32.const 4092)) (local.get $len))
            (local.set $len (i32.add (local.get $len) (i32.const 4)))
            (br_if $scan (i32.lt_u (local.get $len) (local.get $limit)))))
        (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
        (br_if $outer (local.get $depth))))
    (local.get $s))
  ;; the same with the inner loop of xz's match finder: if (len <u limit)
  ;; while (++len != limit) { ... }: the guard keeps len + 1 <= limit, so
  ;; limit bounds it too (limit = 2^32 - 1: the original, polled)
  (func (export "ne") (param $depth i32) (param $start i32) (param $limit i32) (result i32)
    (local $s i32) (local $len i32)
    (block $done
      (br_if $done (i32.eqz (local.get $depth)))
      (loop $outer
        (local.set $len (i32.and (i32.add (local.get $start) (local.get $depth)) (i32.const 63)))
        (block $end
          (br_if $end (i32.ge_u (local.get $len) (local.get $limit)))
          (loop $scan
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (br_if $end (i32.eq (local.get $len) (local.get $limit)))
            (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.and (local.get $len) (i32.const 4095)))))
            (i32.store8 (i32.and (i32.add (local.get $len) (local.get $s)) (i32.const 4095)) (local.get $len))
            (br_if $scan (i32.ne (i32.load8_u (i32.const 5000)) (i32.const 77)))))
        (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
        (br_if $outer (local.get $depth))))
    (local.get $s))
  ;; an endless loop around a versioned one (n runs each): it must poll
  (func (export "around") (param $n i32) (local $s i32) (local $k i32)
    (loop $forever
      (local.set $s (call $run (local.get $s)))
      (local.set $k (local.get $n))
      (loop $outer
        (local.set $s (call $run (local.get $s)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $outer (local.get $k)))
      (i32.store (i32.const 8) (local.get $s))
      (br $forever))))
