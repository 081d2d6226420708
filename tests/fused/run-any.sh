#!/bin/sh
# Like run.sh, for scripts that need not contain a fused call: runs a
# component .wast with the compiled adapters and with WACC_NO_FUSE=1; both
# must pass every command with the same summary line.
#   run-any.sh WACC FILE.wast       (exits 77 when jco is not installed)
wacc="$1"; file="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${WACC_NODE_DIR:-$root/.node}"
if ! command -v "${WACC_NODE:-node}" >/dev/null 2>&1 ||
   [ ! -f "$dir/node_modules/@bytecodealliance/jco/dist/api.js" ]; then
  echo "skipped: node or jco not installed (scripts/npm-deps.sh)"; exit 77
fi
fused="$(WACC_NO_FUSE= "$wacc" wast --component "$file" 2>&1)"; s1=$?
generic="$(WACC_NO_FUSE=1 "$wacc" wast --component "$file" 2>&1)"; s2=$?
printf 'fused:\n%s\ngeneric (WACC_NO_FUSE=1):\n%s\n' "$fused" "$generic"
[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] || { echo "FAIL: a run failed"; exit 1; }
a="$(printf '%s\n' "$fused" | grep -E '^[0-9]+ passed' | tail -n 1)"
b="$(printf '%s\n' "$generic" | grep -E '^[0-9]+ passed' | tail -n 1)"
[ "$a" = "$b" ] || { echo "FAIL: fused and generic results differ"; exit 1; }
exit 0
