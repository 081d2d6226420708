#!/bin/bash
# run.sh — WASI 0.3 wasi:http under `wacc serve` (suite wasi3-http).
# service.wat (component text) → binary with jco's `parse` (cached by
# content hash in $WACC_COMPONENTS_CACHE) → `wacc compile`, then
# serve3_test.py CASE against `wacc serve`.
#
#   run.sh WACC CASE        CASE: serve | reuse | outbound | tcp
#   run.sh WACC build DIR   only build: DIR/service.wasm, DIR/service.so
# Exit 0 pass, 1 fail, 77 skipped (no node / jco / python3).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WHAT="$2"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
command -v python3 > /dev/null || { echo "SKIP: python3 not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] ||
  { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-w3http.XXXXXX")
trap 'rm -rf "$W"' EXIT
CACHE="${WACC_COMPONENTS_CACHE:-$W/cache}"
key=$( { cat "$HERE/service.wat"; grep '"version"' "$JCO_DIR/package.json"; } | sha256sum | cut -c1-16)
comp="$CACHE/w3http-service-$key/service.wasm"
if [ ! -f "$comp" ]; then
  d="$CACHE/w3http-service-$key.tmp.$$"
  mkdir -p "$d"
  if node "$JCO_DIR/dist/jco.js" parse "$HERE/service.wat" -o "$d/service.wasm" > "$d/build.log" 2>&1; then
    rm -rf "$CACHE/w3http-service-$key"
    mv "$d" "$CACHE/w3http-service-$key"
  else
    cat "$d/build.log"; rm -rf "$d"; echo "FAIL: jco parse service.wat"; exit 1
  fi
fi
"$WACC" compile -O1 "$comp" -o "$W/service.so" > "$W/compile.log" 2>&1 ||
  { cat "$W/compile.log"; echo "FAIL: wacc compile"; exit 1; }
case "$WHAT" in
build) mkdir -p "$3" && cp "$comp" "$W/service.so" "$3/" ;;
*) python3 "$HERE/serve3_test.py" "$WHAT" "$WACC" "$W/service.so" ;;
esac
