;; tests/ship/calls.wat — two components, app -> greeter: app's wasi:cli/run
;; calls wacc:test/greeter#greet twice (1 -> 10, 2 -> 20; exit 0), and its
;; export greet-via(n) calls it once (greet traps on 13). For --trace-calls
;; (tests/ship/otel.sh); converted with jco parse.
(component
  (component $greeter
    (core module $m
      (func (export "greet") (param i32) (result i32)
        (if (i32.eq (local.get 0) (i32.const 13)) (then unreachable))
        (i32.mul (local.get 0) (i32.const 10))))
    (core instance $i (instantiate $m))
    (func $greet (param "n" u32) (result u32) (canon lift (core func $i "greet")))
    (instance $api (export "greet" (func $greet)))
    (export "wacc:test/greeter" (instance $api)))
  (component $app
    (import "wacc:test/greeter" (instance $g (export "greet" (func (param "n" u32) (result u32)))))
    (alias export $g "greet" (func $greet))
    (core func $greet_l (canon lower (func $greet)))
    (core module $m
      (import "g" "greet" (func $greet (param i32) (result i32)))
      (func (export "run") (result i32)
        (if (i32.ne (call $greet (i32.const 1)) (i32.const 10)) (then (return (i32.const 1))))
        (if (i32.ne (call $greet (i32.const 2)) (i32.const 20)) (then (return (i32.const 1))))
        (i32.const 0))
      (func (export "via") (param i32) (result i32) (call $greet (local.get 0))))
    (core instance $gi (export "greet" (func $greet_l)))
    (core instance $i (instantiate $m (with "g" (instance $gi))))
    (func $run (result (result)) (canon lift (core func $i "run")))
    (instance $ri (export "run" (func $run)))
    (export "wasi:cli/run@0.2.0" (instance $ri))
    (func $via (param "n" u32) (result u32) (canon lift (core func $i "via")))
    (export "greet-via" (func $via)))
  (instance $gr (instantiate $greeter))
  (alias export $gr "wacc:test/greeter" (instance $gapi))
  (instance $a (instantiate $app (with "wacc:test/greeter" (instance $gapi))))
  (alias export $a "wasi:cli/run@0.2.0" (instance $run))
  (export "wasi:cli/run@0.2.0" (instance $run))
  (alias export $a "greet-via" (func $via))
  (export "greet-via" (func $via)))
