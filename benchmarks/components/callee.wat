;; Host -> component calls (benchmarks/components): noop: func(),
;; get: func() -> u32, consume: func(s: string) -> u32 (its length).
(component
  (core module $m
    (memory (export "mem") 1)
    ;; The only allocation is consume's argument, dead once consume returns:
    ;; every realloc gets the same 2 KiB scratch area at 4096.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.gt_u (local.get 3) (i32.const 2048)) (then unreachable))
      (i32.const 4096))
    (func (export "noop"))
    (func (export "get") (result i32) (i32.const 42))
    (func (export "consume") (param i32 i32) (result i32) (local.get 1)))
  (core instance $i (instantiate $m))
  (func (export "noop") (canon lift (core func $i "noop")))
  (func (export "get") (result u32) (canon lift (core func $i "get")))
  (func (export "consume") (param "s" string) (result u32)
    (canon lift (core func $i "consume") (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))
