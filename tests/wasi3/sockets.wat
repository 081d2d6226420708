;; sockets: a 0.3 command that imports wasi:sockets (only what it uses):
;; tcp-socket.create(ipv4) must succeed under `wacc run`, where the 0.3
;; sockets host is chained after cli/clocks/filesystem (issue 10). Returns ok
;; when the socket was made (then drops it), err otherwise.
(component
  (type $ec (variant (case "access-denied") (case "not-supported") (case "invalid-argument")
    (case "out-of-memory") (case "timeout") (case "invalid-state") (case "address-not-bindable")
    (case "address-in-use") (case "remote-unreachable") (case "connection-refused")
    (case "connection-broken") (case "connection-reset") (case "connection-aborted")
    (case "datagram-too-large") (case "other" (option string))))
  (type $af (enum "ipv4" "ipv6"))
  (import "wasi:sockets/types@0.3.0" (instance $types
    (export "error-code" (type $ec' (eq $ec)))
    (export "ip-address-family" (type $af' (eq $af)))
    (export "tcp-socket" (type $tcp (sub resource)))
    (export "[static]tcp-socket.create" (func (param "address-family" $af') (result (result (own $tcp) (error $ec')))))
  ))
  (alias export $types "tcp-socket" (type $tcp))
  (core module $Memory
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "create" (func $create (param i32 i32)))
    (import "" "drop" (func $drop (param i32)))
    (import "" "task.return" (func $task.return (param i32)))
    (func (export "cb") (param i32 i32 i32) (result i32) (i32.const 0))
    (func (export "run") (result i32)
      ;; result<own tcp-socket, error-code> at 64: tag byte, payload at 68
      (call $create (i32.const 0) (i32.const 64))
      (if (i32.eqz (i32.load8_u (i32.const 64)))
        (then
          (call $drop (i32.load (i32.const 68)))
          (call $task.return (i32.const 0)))
        (else (call $task.return (i32.const 1))))
      (i32.const 0 (; EXIT ;)))
  )
  (core func $create (canon lower (func $types "[static]tcp-socket.create") (memory (core memory $memory "mem"))
    (realloc (core func $memory "realloc"))))
  (core func $drop (canon resource.drop $tcp))
  (core func $task.return (canon task.return (result (result))))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "create" (func $create))
    (export "drop" (func $drop))
    (export "task.return" (func $task.return))
  ))))
  (func $run async (result (result)) (canon lift (core func $m "run") async (callback (core func $m "cb"))))
  (instance $runi (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $runi))
)
