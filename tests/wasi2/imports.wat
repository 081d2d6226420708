;; imports.wat — a component importing WASI 0.2 interfaces of older patch
;; versions (0.2.0, 0.2.3: served by wacc's 0.2.12) and wasi:sockets, whose
;; calls must fail with error-code.access-denied. Exports (run.sh calls them
;; with `wacc run --invoke`):
;;   rand() -> bool        get-random-u64 (0.2.0) returned something non-zero
;;   mono() -> bool        monotonic-clock.now (0.2.3) advances
;;   lookup() -> u32       resolve-addresses on the instance network:
;;                         result discriminant * 100 + error-code index
;;                         (101 = err(access-denied))
(component
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:clocks/monotonic-clock@0.2.3" (instance $clock
    (export "now" (func (result u64)))))
  (import "wasi:sockets/network@0.2.3" (instance $net
    (export "network" (type (sub resource)))
    (type $ec (enum "unknown" "access-denied" "not-supported" "invalid-argument" "out-of-memory"
      "timeout" "concurrency-conflict" "not-in-progress" "would-block" "invalid-state"
      "new-socket-limit" "address-not-bindable" "address-in-use" "remote-unreachable"
      "connection-refused" "connection-reset" "connection-aborted" "datagram-too-large"
      "name-unresolvable" "temporary-resolver-failure" "permanent-resolver-failure"))
    (export "error-code" (type (eq $ec)))))
  (alias export $net "network" (type $network))
  (alias export $net "error-code" (type $error-code))
  (import "wasi:sockets/instance-network@0.2.3" (instance $inet
    (alias outer 1 $network (type $n))
    (export "network" (type $n2 (eq $n)))
    (export "instance-network" (func (result (own $n2))))))
  (import "wasi:sockets/ip-name-lookup@0.2.3" (instance $lookup
    (alias outer 1 $network (type $n))
    (export "network" (type $n2 (eq $n)))
    (alias outer 1 $error-code (type $e))
    (export "error-code" (type $e2 (eq $e)))
    (export "resolve-address-stream" (type $ras (sub resource)))
    (export "resolve-addresses"
      (func (param "network" (borrow $n2)) (param "name" string) (result (result (own $ras) (error $e2)))))))

  (core module $m
    (import "wasi" "random" (func $random (result i64)))
    (import "wasi" "now" (func $now (result i64)))
    (import "wasi" "instance-network" (func $inet (result i32)))
    (import "wasi" "resolve" (func $resolve (param i32 i32 i32 i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "example.com")
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
    (func (export "rand") (result i32) (i64.ne (call $random) (i64.const 0)))
    (func (export "mono") (result i32) (local i64)
      (local.set 0 (call $now))
      (i64.gt_u (call $now) (local.get 0)))
    (func (export "lookup") (result i32)
      (call $resolve (call $inet) (i32.const 16) (i32.const 11) (i32.const 64))
      (i32.add (i32.mul (i32.load8_u (i32.const 64)) (i32.const 100))
               (i32.load8_u (i32.const 68)))))
  (core module $shim
    (table (export "t") 1 funcref)
    (func (export "resolve") (param i32 i32 i32 i32)
      (call_indirect (param i32 i32 i32 i32) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 0))))
  (core instance $shim (instantiate $shim))
  (core func $random (canon lower (func $random "get-random-u64")))
  (core func $now (canon lower (func $clock "now")))
  (core func $inet (canon lower (func $inet "instance-network")))
  (core instance $wasi
    (export "random" (func $random))
    (export "now" (func $now))
    (export "instance-network" (func $inet))
    (export "resolve" (func $shim "resolve")))
  (core instance $main (instantiate $m (with "wasi" (instance $wasi))))
  (alias core export $main "memory" (core memory $mem))
  (alias core export $main "realloc" (core func $realloc))
  (core func $resolve (canon lower (func $lookup "resolve-addresses") (memory $mem) (realloc $realloc)))
  (core instance $fix (export "$imports" (table $shim "t")) (export "0" (func $resolve)))
  (core module $fixup
    (import "" "$imports" (table 1 funcref))
    (import "" "0" (func (param i32 i32 i32 i32)))
    (elem (i32.const 0) func 0))
  (core instance (instantiate $fixup (with "" (instance $fix))))
  (func (export "rand") (result bool) (canon lift (core func $main "rand")))
  (func (export "mono") (result bool) (canon lift (core func $main "mono")))
  (func (export "lookup") (result u32) (canon lift (core func $main "lookup")))
)
