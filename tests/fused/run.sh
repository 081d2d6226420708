#!/bin/sh
# Fused adapters (k2): runs a component .wast twice, with the compiled
# adapters (default) and with the runtime's generic path (WACC_NO_FUSE=1);
# both must pass every command, with the same summary line, and (unless
# --any) at least one lowering must have been fused.
#   run.sh [--any] WACC FILE.wast       (exits 77 when jco is not installed)
need_fused=yes
if [ "$1" = "--any" ]; then need_fused=no; shift; fi
wacc="$1"; file="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${WACC_NODE_DIR:-$root/.node}"
if ! command -v "${WACC_NODE:-node}" >/dev/null 2>&1 ||
   [ ! -f "$dir/node_modules/@bytecodealliance/jco/dist/api.js" ]; then
  echo "skipped: node or jco not installed (scripts/npm-deps.sh)"; exit 77
fi
fused="$(WACC_NO_FUSE= WACC_FUSE_TRACE=1 "$wacc" wast --component "$file" 2>&1)"; s1=$?
generic="$(WACC_NO_FUSE=1 "$wacc" wast --component "$file" 2>&1)"; s2=$?
printf 'fused:\n%s\ngeneric (WACC_NO_FUSE=1):\n%s\n' "$fused" "$generic"
n="$(printf '%s\n' "$fused" | grep -cE ': fused (async )?adapter$')"
echo "fused lowerings: $n"
[ "$need_fused" = no ] || [ "$n" -gt 0 ] || { echo "FAIL: no lowering was fused"; exit 1; }
[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] || { echo "FAIL: a run failed"; exit 1; }
a="$(printf '%s\n' "$fused" | grep -E '^[0-9]+ passed' | tail -n 1)"
b="$(printf '%s\n' "$generic" | grep -E '^[0-9]+ passed' | tail -n 1)"
[ "$a" = "$b" ] || { echo "FAIL: fused and generic results differ"; exit 1; }
exit 0
