;; comp.wat — a component (jco parse) whose `spin` export never returns and
;; whose `quick` export does; `afib` is an async (stackful) export: its
;; recursion, without loops, runs on a stack of its own (a fiber), whose
;; stack limit the runtime sets when it switches to it.
(component
  (core module $m
    (import "" "task.return" (func $task.return (param i32)))
    (func (export "spin") (loop (br 0)))
    (func (export "quick") (result i32) (i32.const 42))
    (func $fib (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "afib") (param i32) (call $task.return (call $fib (local.get 0)))))
  (canon task.return (result u32) (core func $task.return))
  (core instance $i (instantiate $m (with "" (instance (export "task.return" (func $task.return))))))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "quick") (result u32) (canon lift (core func $i "quick")))
  (func (export "afib") async (param "n" u32) (result u32) (canon lift (core func $i "afib") async))
)
