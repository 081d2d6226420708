#!/bin/sh
# Component Model call costs: builds the probes (build.sh) and runs
# wacc-ccall (ninja -C BUILD_DIR benchmarks/components/wacc-ccall first).
#
# Usage: benchmarks/components/run.sh [BUILD_DIR] [wacc-ccall options...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in /*) ;; *) build=$root/$build ;; esac
"$here/build.sh" "$build"
work=$build/ccall
exec "$build/benchmarks/components/wacc-ccall" --core "$work/core.so" \
    --callee "$work/callee.so" --pair "$work/pair.so" "$@"
