#!/bin/sh
# fuzz-diff in CI: a fixed seed set (and the regression seeds of mismatches
# found and fixed, tests/fuzz/seeds.txt) must give identical results under
# wacc and V8. Skips (77) without binaryen or node.
root="$1"; build="$2"
WACC_FUZZ_OUT="$(mktemp -d)"; export WACC_FUZZ_OUT
trap 'rm -rf "$WACC_FUZZ_OUT"' EXIT
status=0
bash "$root/scripts/fuzz-diff" 60 1 "$build" || status=$?
[ "$status" -ne 0 ] && exit "$status"
for seed in $(grep -v '^#' "$root/tests/fuzz/seeds.txt" 2>/dev/null); do
  bash "$root/scripts/fuzz-diff" 1 "$seed" "$build" || exit $?
done
exit 0
