#!/bin/sh
# host_api.sh WACC HOST_API: the embedding API test (host_api.c). The
# component is host_api.wat, turned into a binary by jco's text parser
# (host_api.mjs; node + jco from scripts/npm-deps.sh) and compiled with
# `wacc compile`; then HOST_API runs it. Exits 77 (meson: skipped) without
# node or jco.
wacc="$1"; host_api="$2"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
node="${WACC_NODE:-node}"
if ! command -v "$node" >/dev/null 2>&1; then
  echo "skipped: node not found"; exit 77
fi
if [ ! -f "${WACC_NODE_DIR:-$root/.node}/node_modules/@bytecodealliance/jco/dist/api.js" ]; then
  echo "skipped: jco not installed (run scripts/npm-deps.sh)"; exit 77
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/wacc-host-api.XXXXXX")" || exit 1
trap 'rm -rf "$tmp"' EXIT
"$node" "$here/host_api.mjs" "$here/host_api.wat" "$tmp/host_api.wasm" || exit $?
"$wacc" compile "$tmp/host_api.wasm" -o "$tmp/host_api.so" || exit 1
"$host_api" "$tmp/host_api.so"
