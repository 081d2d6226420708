;; Call probe for benchmarks/startup: an exported [] -> [i32] function.
(module
  (memory 1)
  (func (export "noop") (result i32) i32.const 42))
