#!/bin/sh
# One component .wast file through `wacc wast`: run.sh WACC FILE.wast
# Exits 77 (meson: skipped) when node or jco is not installed
# (scripts/npm-deps.sh installs jco into $WACC_NODE_DIR or <repo>/.node).
#
# known-failures.txt names files that still fail some commands, with the
# number of failures accepted today (the work left, listed in the README):
# such a file passes while it fails at most that many commands, so it can
# only get better; more failures (a regression) fail the test.
wacc="$1"; file="$2"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="${WACC_NODE_DIR:-$root/.node}"
if ! command -v "${WACC_NODE:-node}" >/dev/null 2>&1; then
  echo "skipped: node not found"; exit 77
fi
if [ ! -f "$dir/node_modules/@bytecodealliance/jco/dist/api.js" ]; then
  echo "skipped: jco not installed in $dir (run scripts/npm-deps.sh)"; exit 77
fi
rel="${file#*/testsuite/component/}"
# skip.txt may name single commands as FILE:LINE (with the reason).
# shellcheck disable=SC2046
set -- $(sh "$here/skip-lines.sh" "$rel" "$here/skip.txt")
out="$("$wacc" wast --component "$@" "$file" 2>&1)"; status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] && exit 0
allowed="$(awk -v f="$rel" '$1 == f { print $2 }' "$here/known-failures.txt")"
failed="$(printf '%s\n' "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, .*/\2/p' | tail -n 1)"
if [ -n "$allowed" ] && [ -n "$failed" ] && [ "$failed" -le "$allowed" ]; then
  echo "known failures: $failed (at most $allowed accepted, see tests/component/known-failures.txt)"
  exit 0
fi
exit "$status"
