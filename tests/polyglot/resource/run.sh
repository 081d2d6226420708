#!/bin/bash
# run.sh — `wacc bindgen c --host` for a resource the host implements
# (counters.wit): the guest (guest.c, on the guest bindings, built by
# scripts/build-polyglot.sh, cached) runs under the C host (host.c, on the
# host bindings, built by meson) and must print expected.txt.
#
#   run.sh WACC RESOURCE_HOST
#
# Exit status: 0 passed, 1 failed, 77 skipped (a tool is missing).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
[ $# = 2 ] || { echo "usage: run.sh WACC RESOURCE_HOST" >&2; exit 2; }
WACC="$1"
HOST="$2"
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-resource.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
"$ROOT/scripts/build-polyglot.sh" "$WACC" -o "$W" resource-guest-c > "$W/build.log" 2>&1
st=$?
if [ $st = 77 ]; then echo "SKIP: $(tail -n 1 "$W/build.log")"; exit 77; fi
if [ $st != 0 ]; then cat "$W/build.log"; echo "FAIL: building the guest"; exit 1; fi
if ! "$WACC" compile -O1 "$W/resource-guest-c.component.wasm" -o "$W/app.so" > "$W/compile.log" 2>&1; then
  cat "$W/compile.log"
  echo "FAIL: wacc compile"
  exit 1
fi
"$HOST" "$W/app.so" > "$W/out" 2> "$W/err"
st=$?
if [ $st = 0 ] && diff -u "$HERE/expected.txt" "$W/out"; then
  echo "PASS resource host bindings"
  exit 0
fi
cat "$W/err"
echo "FAIL resource host bindings (exit $st)"
exit 1
