;; Host -> core wasm calls, for reference (benchmarks/components).
(module
  (func (export "noop"))
  (func (export "get") (result i32) (i32.const 42)))
