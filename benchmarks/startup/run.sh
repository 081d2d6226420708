#!/bin/sh
# Runtime start-up benchmark (DESIGN.md "Performance targets"): builds the
# probes (hello.c -> wasm32-wasi -> .so, noop.wat -> .so, native hello) and
# runs wacc-startup. A big artifact (sqlite3.so from scripts/bench) is loaded
# too if present.
#
# Usage: benchmarks/startup/run.sh [BUILD_DIR] [wacc-startup options...]
#        (BUILD_DIR defaults to build; it must have been built with ninja)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in /*) ;; *) build=$root/$build ;; esac
wacc=$build/compiler/driver/wacc
bench=$build/benchmarks/startup/wacc-startup
work=$build/startup
mkdir -p "$work"
kernels=$root/benchmarks/kernels
clang-19 -O2 "$kernels/hello.c" -o "$work/hello.native"
clang-19 --target=wasm32-wasi -O2 "$kernels/hello.c" -o "$work/hello.wasm"
"$wacc" compile "$work/hello.wasm" -o "$work/hello.so"
wat2wasm "$root/benchmarks/startup/noop.wat" -o "$work/noop.wasm"
"$wacc" compile "$work/noop.wasm" -o "$work/noop.so"
big=
for f in "$root/build/bench/sqlite3.so" "$build/bench/sqlite3.so"; do
    [ -f "$f" ] && big=$f
done
exec "$bench" --hello "$work/hello.so" --call "$work/noop.so" ${big:+--big "$big"} \
    --wacc "$wacc" --native "$work/hello.native" "$@"
