#!/usr/bin/env bash
# One command: install dependencies, build wacc, compile and run the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
mkdir -p build/examples
wat2wasm --debug-names examples/fib.wat -o build/examples/fib.wasm
./build/compiler/driver/wacc compile build/examples/fib.wasm -o build/examples/fib.so
./build/compiler/driver/wacc inspect build/examples/fib.so
echo "fib(30) ="
./build/compiler/driver/wacc run --invoke fib build/examples/fib.so 30
