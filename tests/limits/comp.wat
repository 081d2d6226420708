;; comp.wat — a component (jco parse) whose `spin` export never returns and
;; whose `quick` export does.
(component
  (core module $m
    (func (export "spin") (loop (br 0)))
    (func (export "quick") (result i32) (i32.const 42)))
  (core instance $i (instantiate $m))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "quick") (result u32) (canon lift (core func $i "quick")))
)
