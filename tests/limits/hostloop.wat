;; hostloop.wat — a WASI command whose only loop calls the host on every
;; iteration (clock_time_get and fd_write of nothing): run.sh stops it with
;; --timeout.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop
      (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 64)))
      (i32.store (i32.const 0) (i32.const 128))
      (i32.store (i32.const 4) (i32.const 0))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 72)))
      (br 0)))
)
