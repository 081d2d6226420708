;; big.wat — needs 4 pages (256 KiB) to instantiate.
(module (memory 4) (func (export "size") (result i32) (memory.size)))
