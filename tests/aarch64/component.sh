#!/bin/bash
# component.sh — a WASI 0.2 component on aarch64: tests/wasi2/misc.c made a
# component (clang-19 + jco new --wasi-command), compiled on x86-64 with
# --target aarch64-linux-gnu, run by the aarch64 wacc under qemu; output and
# exit status as on x86-64 (tests/wasi2/run.sh).
#   component.sh HOST_WACC SOURCE_ROOT BUILD_ROOT
. "$(dirname "$0")/common.sh" "$1" "$2" "$3"
JCO="${WACC_NODE_DIR:-$SRC/.node}/node_modules/@bytecodealliance/jco/dist/jco.js"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO" ] || { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-a64comp.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
H="$SRC/tests/wasi2"
if ! { "$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug "$H/misc.c" -o "$W/misc.core.wasm" &&
       node "$JCO" new "$W/misc.core.wasm" --wasi-command -o "$W/misc.component.wasm" &&
       "$HOST_WACC" compile --target aarch64-linux-gnu "$W/misc.component.wasm" -o "$W/misc.so"; } > "$W/build.log" 2>&1; then
  cat "$W/build.log"; echo "FAIL: build"; exit 1
fi
mkdir -p "$W/misc"
$A64WACC run --dir "$W/misc::/m" "$W/misc.so" /m > "$W/out" 2> "$W/err" < /dev/null
st=$?
fail=0
if [ $st != 1 ] || [ "$(cat "$W/err")" != "misc: done" ]; then
  echo "FAIL: exit status $st (want 1), stderr: $(head -c 300 "$W/err")"; fail=1
fi
diff -u "$H/misc.expected" "$W/out" || { echo "FAIL: output"; fail=1; }
[ $fail = 0 ] && echo "PASS: component misc on aarch64"
exit $fail
