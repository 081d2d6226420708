#!/bin/bash
# run.sh — polyglot components (README.md here): builds them from C and C++
# on `wacc bindgen c` bindings (scripts/build-polyglot.sh, cached), joins
# them with `wacc compose`, and runs every composition's calls under wacc
# (`wacc compile -O1`, `wacc run --invoke`) and under jco transpile + node;
# both must print expected/NAME.invoke.
#
#   run.sh WACC
#
# Exit status: 0 all passed, 1 a failure, 77 skipped (a tool is missing).
# Environment: KEEP=1 keeps the work folder; WACC_NODE_DIR,
# WACC_COMPONENTS_CACHE as for scripts/build-components.sh.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh WACC" >&2; exit 2; }
WACC="$1"
. "$HERE/lib.sh"
build kitchen-provider-c kitchen-provider-cpp kitchen-consumer-c

compose kitchen-c kitchen-consumer-c kitchen-provider-c && check kitchen-c kitchen && exports kitchen-c kitchen-consumer-c
compose kitchen-cpp kitchen-consumer-c kitchen-provider-cpp && check kitchen-cpp kitchen

# compose errors: a plug that satisfies nothing, a --wire naming no import
if "$WACC" compose "$WORK/c/kitchen-consumer-c.component.wasm" --plug "$WORK/c/kitchen-consumer-c.component.wasm" \
     -o "$WORK/x.wasm" 2> "$WORK/err1" || ! grep -q "satisfies no import" "$WORK/err1"; then
  bad compose-unused-plug "$(cat "$WORK/err1")"
else ok compose-unused-plug; fi
if "$WACC" compose "$WORK/c/kitchen-consumer-c.component.wasm" --plug "$WORK/c/kitchen-provider-c.component.wasm" \
     --wire kitchen-consumer-c:r2:kitchen/nope=kitchen-provider-c -o "$WORK/x.wasm" 2> "$WORK/err2" ||
   ! grep -q "matches no import" "$WORK/err2"; then
  bad compose-bad-wire "$(cat "$WORK/err2")"
else ok compose-bad-wire; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
