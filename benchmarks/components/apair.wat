;; Component -> component async calls and a stream (benchmarks/components,
;; wacc-acall). The outer component instantiates A and B and links B's
;; imports to A's exports; the calls take the runtime's generic path (there
;; are no fused async adapters).
;;
;; A exports inc: func(x: u32) -> u32 (sync, the reference); now: async
;; func(x: u32) -> u32 (callback lift, task.return and EXIT at once);
;; yield1 (the same, but it first returns YIELD and calls task.return from
;; its callback); produce: async func(mib: u32) -> stream<u8> (stackful: it
;; returns the readable end with task.return, then writes mib MiB in 64 KiB
;; chunks, waiting on a waitable set whenever a write blocks, and drops the
;; writable end).
;;
;; B exports run-sync(n) (sync: n sync calls of inc(i)), run-now(n) and
;; run-yield(n) (stackful async: n async-lowered calls of now(i) / yield1(i);
;; a call that does not return at once is joined to a waitable set and
;; waited for), each returning the sum of the results; and run-stream(mib)
;; (stackful async: calls produce, reads the stream into a 64 KiB buffer,
;; waiting when a read blocks, until the writer drops it; returns the number
;; of bytes read).
(component
  (component $A
    (type $S (stream u8))
    (core module $Mem (memory (export "mem") 2))
    (core instance $mem (instantiate $Mem))
    (core module $AM
      (import "" "mem" (memory 2))
      (import "" "task.return" (func $task.return (param i32)))
      (import "" "task.return-s" (func $task.return-s (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "wswait" (func $wswait (param i32 i32) (result i32)))
      (import "" "wsdrop" (func $wsdrop (param i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "snew" (func $snew (result i64)))
      (import "" "swrite" (func $swrite (param i32 i32 i32) (result i32)))
      (import "" "sdropw" (func $sdropw (param i32)))
      ;; yield1's argument until its callback runs: B waits for each call
      ;; before the next, so one at a time (context.get/set would do for
      ;; concurrent calls, but a frame using them gets no fused adapters,
      ;; and inc's fused call is the reference)
      (global $x (mut i32) (i32.const 0))
      (func $check (param $ok i32)
        (if (i32.eqz (local.get $ok)) (then unreachable)))
      (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "now") (param i32) (result i32)
        (call $task.return (i32.add (local.get 0) (i32.const 1)))
        (i32.const 0 (; EXIT ;)))
      (func (export "yield1") (param i32) (result i32)
        (global.set $x (local.get 0))
        (i32.const 1 (; YIELD ;)))
      (func (export "cb") (param $ev i32) (param $p1 i32) (param $p2 i32) (result i32)
        (call $check (i32.eqz (local.get $ev) (; NONE ;)))
        (call $task.return (i32.add (global.get $x) (i32.const 1)))
        (i32.const 0 (; EXIT ;)))
      ;; memory: 0 event, 0x10000 the 64 KiB chunk
      (func (export "produce") (param $mib i32)
        (local $p i64) (local $w i32) (local $ws i32) (local $left i32) (local $n i32) (local $rc i32)
        (local.set $p (call $snew))
        (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))))
        (call $task.return-s (i32.wrap_i64 (local.get $p)))
        (local.set $ws (call $wsnew))
        (call $join (local.get $w) (local.get $ws))
        (local.set $left (i32.shl (local.get $mib) (i32.const 20)))
        (block $done
          (loop $write
            (br_if $done (i32.eqz (local.get $left)))
            (local.set $n (select (local.get $left) (i32.const 0x10000)
                                  (i32.lt_u (local.get $left) (i32.const 0x10000))))
            (local.set $rc (call $swrite (local.get $w) (i32.const 0x10000) (local.get $n)))
            (if (i32.eq (local.get $rc) (i32.const -1 (; BLOCKED ;)))
              (then
                (call $check (i32.eq (call $wswait (local.get $ws) (i32.const 0))
                                     (i32.const 3 (; STREAM_WRITE ;))))
                (local.set $rc (i32.load offset=4 (i32.const 0)))))
            (br_if $done (i32.eq (i32.and (local.get $rc) (i32.const 0xf)) (i32.const 1 (; DROPPED ;))))
            (local.set $left (i32.sub (local.get $left) (i32.shr_u (local.get $rc) (i32.const 4))))
            (br $write)))
        (call $join (local.get $w) (i32.const 0))
        (call $wsdrop (local.get $ws))
        (call $sdropw (local.get $w))))
    (canon task.return (result u32) (core func $task.return))
    (canon task.return (result $S) (core func $task.return-s))
    (canon waitable-set.new (core func $wsnew))
    (canon waitable-set.wait (memory (core memory $mem "mem")) (core func $wswait))
    (canon waitable-set.drop (core func $wsdrop))
    (canon waitable.join (core func $join))
    (canon stream.new $S (core func $snew))
    (canon stream.write $S async (memory (core memory $mem "mem")) (core func $swrite))
    (canon stream.drop-writable $S (core func $sdropw))
    (core instance $am (instantiate $AM (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "task.return" (func $task.return))
      (export "task.return-s" (func $task.return-s))
      (export "wsnew" (func $wsnew))
      (export "wswait" (func $wswait))
      (export "wsdrop" (func $wsdrop))
      (export "join" (func $join))
      (export "snew" (func $snew))
      (export "swrite" (func $swrite))
      (export "sdropw" (func $sdropw))))))
    (func (export "inc") (param "x" u32) (result u32) (canon lift (core func $am "inc")))
    (func (export "now") async (param "x" u32) (result u32)
      (canon lift (core func $am "now") async (callback (core func $am "cb"))))
    (func (export "yield1") async (param "x" u32) (result u32)
      (canon lift (core func $am "yield1") async (callback (core func $am "cb"))))
    (func (export "produce") async (param "mib" u32) (result $S)
      (canon lift (core func $am "produce") async)))

  (component $B
    (type $S (stream u8))
    (import "inc" (func $inc (param "x" u32) (result u32)))
    (import "now" (func $now async (param "x" u32) (result u32)))
    (import "yield1" (func $yield1 async (param "x" u32) (result u32)))
    (import "produce" (func $produce async (param "mib" u32) (result $S)))
    (core module $Mem (memory (export "mem") 2))
    (core instance $mem (instantiate $Mem))
    (core module $BM
      (import "" "mem" (memory 2))
      (import "" "inc" (func $inc (param i32) (result i32)))
      (import "" "now" (func $now (param i32 i32) (result i32)))
      (import "" "yield1" (func $yield1 (param i32 i32) (result i32)))
      (import "" "produce" (func $produce (param i32 i32) (result i32)))
      (import "" "task.return" (func $task.return (param i32)))
      (import "" "wsnew" (func $wsnew (result i32)))
      (import "" "wswait" (func $wswait (param i32 i32) (result i32)))
      (import "" "wsdrop" (func $wsdrop (param i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "stdrop" (func $stdrop (param i32)))
      (import "" "sread" (func $sread (param i32 i32 i32) (result i32)))
      (import "" "sdropr" (func $sdropr (param i32)))
      (global $ws (mut i32) (i32.const 0))
      (func $check (param $ok i32)
        (if (i32.eqz (local.get $ok)) (then unreachable)))
      (func $set (result i32)
        (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $wsnew))))
        (global.get $ws))
      ;; the result of an async-lowered call: wait until its subtask returned
      (func $finish (param $r i32) (local $h i32)
        (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 2 (; RETURNED ;)))
          (then (return)))
        (local.set $h (i32.shr_u (local.get $r) (i32.const 4)))
        (call $join (local.get $h) (call $set))
        (loop $wait
          (call $check (i32.eq (call $wswait (call $set) (i32.const 0)) (i32.const 1 (; SUBTASK ;))))
          (call $check (i32.eq (i32.load (i32.const 0)) (local.get $h)))
          (br_if $wait (i32.ne (i32.load offset=4 (i32.const 0)) (i32.const 2 (; RETURNED ;)))))
        (call $stdrop (local.get $h)))
      (func (export "run-sync") (param $n i32) (result i32) (local $i i32) (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eq (local.get $i) (local.get $n)))
            (local.set $sum (i32.add (local.get $sum) (call $inc (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (local.get $sum))
      ;; memory: 0 event, 8 call result, 0x10000 the 64 KiB read buffer
      (func (export "run-now") (param $n i32) (local $i i32) (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eq (local.get $i) (local.get $n)))
            (call $finish (call $now (local.get $i) (i32.const 8)))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (call $task.return (local.get $sum)))
      (func (export "run-yield") (param $n i32) (local $i i32) (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eq (local.get $i) (local.get $n)))
            (call $finish (call $yield1 (local.get $i) (i32.const 8)))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (call $task.return (local.get $sum)))
      (func (export "run-stream") (param $mib i32) (local $r i32) (local $rc i32) (local $total i32)
        (call $finish (call $produce (local.get $mib) (i32.const 8)))
        (local.set $r (i32.load (i32.const 8)))
        (call $join (local.get $r) (call $set))
        (loop $read
          (local.set $rc (call $sread (local.get $r) (i32.const 0x10000) (i32.const 0x10000)))
          (if (i32.eq (local.get $rc) (i32.const -1 (; BLOCKED ;)))
            (then
              (call $check (i32.eq (call $wswait (call $set) (i32.const 0))
                                   (i32.const 2 (; STREAM_READ ;))))
              (local.set $rc (i32.load offset=4 (i32.const 0)))))
          (local.set $total (i32.add (local.get $total) (i32.shr_u (local.get $rc) (i32.const 4))))
          (br_if $read (i32.ne (i32.and (local.get $rc) (i32.const 0xf)) (i32.const 1 (; DROPPED ;)))))
        (call $join (local.get $r) (i32.const 0))
        (call $sdropr (local.get $r))
        (call $task.return (local.get $total))))
    (canon lower (func $inc) (core func $inc'))
    (canon lower (func $now) async (memory (core memory $mem "mem")) (core func $now'))
    (canon lower (func $yield1) async (memory (core memory $mem "mem")) (core func $yield1'))
    (canon lower (func $produce) async (memory (core memory $mem "mem")) (core func $produce'))
    (canon task.return (result u32) (core func $task.return))
    (canon waitable-set.new (core func $wsnew))
    (canon waitable-set.wait (memory (core memory $mem "mem")) (core func $wswait))
    (canon waitable-set.drop (core func $wsdrop))
    (canon waitable.join (core func $join))
    (canon subtask.drop (core func $stdrop))
    (canon stream.read $S async (memory (core memory $mem "mem")) (core func $sread))
    (canon stream.drop-readable $S (core func $sdropr))
    (core instance $bm (instantiate $BM (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "inc" (func $inc'))
      (export "now" (func $now'))
      (export "yield1" (func $yield1'))
      (export "produce" (func $produce'))
      (export "task.return" (func $task.return))
      (export "wsnew" (func $wsnew))
      (export "wswait" (func $wswait))
      (export "wsdrop" (func $wsdrop))
      (export "join" (func $join))
      (export "stdrop" (func $stdrop))
      (export "sread" (func $sread))
      (export "sdropr" (func $sdropr))))))
    (func (export "run-sync") (param "n" u32) (result u32) (canon lift (core func $bm "run-sync")))
    (func (export "run-now") async (param "n" u32) (result u32) (canon lift (core func $bm "run-now") async))
    (func (export "run-yield") async (param "n" u32) (result u32) (canon lift (core func $bm "run-yield") async))
    (func (export "run-stream") async (param "mib" u32) (result u32) (canon lift (core func $bm "run-stream") async)))

  (instance $a (instantiate $A))
  (instance $b (instantiate $B (with "inc" (func $a "inc")) (with "now" (func $a "now"))
                               (with "yield1" (func $a "yield1")) (with "produce" (func $a "produce"))))
  (export "run-sync" (func $b "run-sync"))
  (export "run-now" (func $b "run-now"))
  (export "run-yield" (func $b "run-yield"))
  (export "run-stream" (func $b "run-stream")))
