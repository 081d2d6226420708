#!/bin/sh
# Builds the probes of wacc-acall: acallee.wat and apair.wat (component text
# -> binary with jco parse), each compiled to a .so with wacc, into
# BUILD_DIR/acall/.
#
# Usage: benchmarks/components/build-async.sh [BUILD_DIR]   (default build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
wacc=$build/compiler/driver/wacc
work=$build/acall
mkdir -p "$work"
jco=
for j in "${WACC_NODE_DIR:-$root/.node}/node_modules/.bin/jco" "$root/.node/node_modules/.bin/jco" \
         /tmp/jco/node_modules/.bin/jco; do
    [ -x "$j" ] && { jco=$j; break; }
done
command -v jco >/dev/null 2>&1 && [ -z "$jco" ] && jco=$(command -v jco)
[ -n "$jco" ] || { echo "build-async.sh: jco not found (scripts/npm-deps.sh installs it into .node/)" >&2; exit 1; }
for c in acallee apair; do
    "$jco" parse "$here/$c.wat" -o "$work/$c.wasm" >/dev/null
    "$wacc" compile --quiet "$work/$c.wasm" -o "$work/$c.so"
done
