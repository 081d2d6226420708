;; Host -> async export calls (benchmarks/components, wacc-acall):
;; get: func(x: u32) -> u32 (sync, the reference), and the same work as
;; async exports: cb-now (async lift with a callback; the core function
;; calls task.return and returns EXIT at once, the callback never runs) and
;; stackful (async lift without a callback; the core function calls
;; task.return and returns).
(component
  (core module $m
    (import "" "task.return" (func $task.return (param i32)))
    (func (export "get") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "cb-now") (param i32) (result i32)
      (call $task.return (i32.add (local.get 0) (i32.const 1)))
      (i32.const 0 (; EXIT ;)))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable)
    (func (export "stackful") (param i32)
      (call $task.return (i32.add (local.get 0) (i32.const 1)))))
  (canon task.return (result u32) (core func $task.return))
  (core instance $i (instantiate $m (with "" (instance (export "task.return" (func $task.return))))))
  (func (export "get") (param "x" u32) (result u32) (canon lift (core func $i "get")))
  (func (export "cb-now") async (param "x" u32) (result u32)
    (canon lift (core func $i "cb-now") async (callback (core func $i "cb"))))
  (func (export "stackful") async (param "x" u32) (result u32)
    (canon lift (core func $i "stackful") async)))
