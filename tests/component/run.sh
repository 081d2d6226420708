#!/bin/sh
# One component .wast file through `wacc wast`: run.sh WACC FILE.wast
# Exits 77 (meson: skipped) when node or jco is not installed
# (scripts/npm-deps.sh installs jco into $WACC_NODE_DIR or <repo>/.node).
wacc="$1"; file="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${WACC_NODE_DIR:-$root/.node}"
if ! command -v "${WACC_NODE:-node}" >/dev/null 2>&1; then
  echo "skipped: node not found"; exit 77
fi
if [ ! -f "$dir/node_modules/@bytecodealliance/jco/dist/api.js" ]; then
  echo "skipped: jco not installed in $dir (run scripts/npm-deps.sh)"; exit 77
fi
exec "$wacc" wast --component "$file"
