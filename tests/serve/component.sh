#!/bin/bash
# component.sh — `wacc serve` with a real wasi:http component: guest.c
# (Canonical ABI by hand) built with clang-19 --target=wasm32, `jco embed`
# (tests/http/embed.mjs, wit/guest.wit + the repo's wit/wasi-0.2) and
# `jco new` (cached by content hash in $WACC_COMPONENTS_CACHE), compiled with
# `wacc compile`, then
#   component.sh WACC component   serve_test.py's component case
#   component.sh WACC load N      load_test.py: N requests, 1/100 trap,
#                                 1/500 past the deadline
#   component.sh WACC build DIR   only build: DIR/guest.wasm, DIR/guest.so
#                                 (scripts/bench-serve)
# Exit 0 pass, 1 fail, 77 skipped (no clang-19 / jco / python3).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WHAT="$2"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v python3 > /dev/null || { echo "SKIP: python3 not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] ||
  { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-serve.XXXXXX")
trap 'rm -rf "$W"' EXIT
CACHE="${WACC_COMPONENTS_CACHE:-$W/cache}"
. "$ROOT/tests/lib/c-guest.sh"
c_guest serve-guest "$HERE/guest.c" "$HERE/wit/guest.wit" guest || { echo "FAIL: building the guest"; exit 1; }
comp="$C_GUEST"
"$WACC" compile -O1 "$comp" -o "$W/guest.so" > "$W/compile.log" 2>&1 ||
  { cat "$W/compile.log"; echo "FAIL: wacc compile"; exit 1; }
case "$WHAT" in
build)
  mkdir -p "$3" && cp "$comp" "$W/guest.so" "$3/" && exit 0
  exit 1 ;;
component)
  exec python3 "$HERE/serve_test.py" component "$WACC" serve --addr 127.0.0.1:0 --workers 2 \
    --timeout 2s --max-memory 16MiB --route /api="$W/guest.so" "$W/guest.so" ;;
load)
  exec python3 "$HERE/load_test.py" "$3" "$WACC" serve --addr 127.0.0.1:0 --workers 2 \
    --timeout 300ms "$W/guest.so" ;;
esac
echo "component.sh: unknown case '$WHAT'"
exit 2
