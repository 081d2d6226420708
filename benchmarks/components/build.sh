#!/bin/sh
# Builds the probes of wacc-ccall: core.wat (wat2wasm), callee.wat and
# pair.wat (component text -> binary with jco parse), each compiled to a .so
# with wacc, into BUILD_DIR/ccall/.
#
# Usage: benchmarks/components/build.sh [BUILD_DIR]   (default build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
wacc=$build/compiler/driver/wacc
work=$build/ccall
mkdir -p "$work"
jco=
for j in "$root/.node/node_modules/.bin/jco" /tmp/jco/node_modules/.bin/jco; do
    [ -x "$j" ] && { jco=$j; break; }
done
command -v jco >/dev/null 2>&1 && [ -z "$jco" ] && jco=$(command -v jco)
[ -n "$jco" ] || { echo "build.sh: jco not found (scripts/npm-deps.sh installs it into .node/)" >&2; exit 1; }
wat2wasm "$here/core.wat" -o "$work/core.wasm"
"$wacc" compile "$work/core.wasm" -o "$work/core.so"
for c in callee pair; do
    "$jco" parse "$here/$c.wat" -o "$work/$c.wasm" >/dev/null
    "$wacc" compile "$work/$c.wasm" -o "$work/$c.so"
done
