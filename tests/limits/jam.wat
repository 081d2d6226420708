;; jam.wat — guests for the outer-loop interleaving (lower_jam.c; run.sh):
;; rows of mandelbrot's escape loop, x the outer loop, in the shapes that are
;; interleaved and some that are not. run.sh compares every result with the
;; same module compiled with WACC_NO_JAM=1, and a few with values from C.
;; The rows differ only in their suffix, prefix or loop test.
(module
  (memory 1)
  ;; for x in 0..n: sum = sum * 31 + escape(x, y): the plain shape
  (func (export "sum") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; each pixel's count stored at 4x, then a checksum of the stores (n <= 16384)
  (func (export "stores") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (i32.store (i32.shl (local.get $x) (i32.const 2)) (local.get $i))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.set $x (i32.const 0))
    (loop $chk
      (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31))
                               (i32.load (i32.shl (local.get $x) (i32.const 2)))))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $chk (i32.lt_u (local.get $x) (local.get $n))))
    (local.get $sum))
  ;; traps after pixel k (its store done); returns the sum when k >= n
  (func (export "trap") (param $n i32) (param $y i32) (param $k i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (local.get $sum) (local.get $i)))
        (i32.store (i32.shl (local.get $x) (i32.const 2)) (local.get $sum))
        (if (i32.eq (local.get $x) (local.get $k)) (then unreachable))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; leaves the row once the sum passes lim: returns x * 100000 + sum
  (func (export "brk") (param $n i32) (param $y i32) (param $lim i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (local.get $sum) (local.get $i)))
        (br_if $out (i32.gt_u (local.get $sum) (local.get $lim)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (i32.add (i32.mul (local.get $x) (i32.const 100000)) (local.get $sum)))
  ;; x from n - 1 down to 0
  (func (export "down") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (local.set $x (i32.sub (local.get $n) (i32.const 1)))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
        (local.set $x (i32.sub (local.get $x) (i32.const 1)))
        (br_if $row (i32.ge_s (local.get $x) (i32.const 0)))))
    (local.get $sum))
  ;; x += 3 while x < n
  (func (export "step3") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 3)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; the last pixel's count and z used after the row: sum * 1000 + i + (zr > 0)
  (func (export "last") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (local.get $sum) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (i32.add (i32.add (i32.mul (local.get $sum) (i32.const 1000)) (local.get $i)) (f64.gt (local.get $zr) (f64.const 0))))
  ;; c depends on the running sum (not independent: not interleaved)
  (func (export "dep") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)) (f64.mul (f64.convert_i32_u (i32.and (local.get $sum) (i32.const 1))) (f64.const 0.001))))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; cr read from memory (a load in the prefix: not interleaved); memory holds zeros
  (func (export "table") (param $n i32) (param $y i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.load offset=8192 (i32.shl (local.get $x) (i32.const 3))) (f64.const -0.75)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; no bound of 200: ends only where every c escapes (ci = cb / 4, cb = 8: |c| > 2); endless otherwise
  (func (export "endless") (param $n i32) (param $cb i32) (result i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64) 
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (local.set $ci (f64.mul (f64.convert_i32_s (local.get $cb)) (f64.const 0.25)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (block $out
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $it)))
        (local.set $sum (i32.add (local.get $sum) (local.get $i)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n)))))
    (local.get $sum))
  ;; Newton's square root of x + 1 to 1e-12 (at most 60 steps; f64.abs, a division):
  ;; sum = sum * 31 + steps, a one-block inner loop
  (func (export "newton") (param $n i32) (result i32) (local $x i32) (local $i i32) (local $a f64) (local $y f64) (local $sum i32)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const -1))))
    (loop $row
      (local.set $a (f64.convert_i32_u (i32.add (local.get $x) (i32.const 1))))
      (local.set $y (local.get $a))
      (local.set $i (i32.const 0))
      (loop $step
        (local.set $y (f64.mul (f64.const 0.5) (f64.add (local.get $y) (f64.div (local.get $a) (local.get $y)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $step (i32.and (f64.gt (f64.abs (f64.sub (f64.mul (local.get $y) (local.get $y)) (local.get $a)))
                                      (f64.mul (local.get $a) (f64.const 1e-12)))
                              (i32.lt_u (local.get $i) (i32.const 60)))))
      (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
      (local.set $x (i32.add (local.get $x) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $x) (local.get $n))))
    (local.get $sum))
  ;; the benchmark: the number of points of an n x n image that stay (200 iterations)
  (func (export "image") (param $n i32) (result i32) (local $y i32) (local $x i32) (local $i i32) (local $zr f64) (local $zi f64) (local $t f64) (local $cr f64) (local $ci f64) (local $sum i32) (local $nf f64)
    (local.set $nf (f64.convert_i32_u (local.get $n)))
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (loop $col
      (local.set $ci (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $y) (i32.const 1))) (local.get $nf)) (f64.const -1)))
      (local.set $x (i32.const 0))
      (loop $row
        (local.set $cr (f64.add (f64.div (f64.convert_i32_u (i32.shl (local.get $x) (i32.const 1))) (local.get $nf)) (f64.const -1.5)))
        (local.set $zr (f64.const 0)) (local.set $zi (f64.const 0)) (local.set $i (i32.const 0))
        (block $esc
          (loop $it
            (br_if $esc (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                                         (f64.mul (local.get $zi) (local.get $zi))) (f64.const 4)))
            (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                            (f64.mul (local.get $zi) (local.get $zi))) (local.get $cr)))
            (local.set $zi (f64.add (f64.mul (f64.add (local.get $zr) (local.get $zr)) (local.get $zi)) (local.get $ci)))
            (local.set $zr (local.get $t))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $it (i32.lt_u (local.get $i) (i32.const 200)))))
        (local.set $sum (i32.add (local.get $sum) (i32.eq (local.get $i) (i32.const 200))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $x) (local.get $n))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $col (i32.lt_u (local.get $y) (local.get $n))))
    (local.get $sum))
)
