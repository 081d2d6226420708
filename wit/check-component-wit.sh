#!/bin/sh
# `wacc wit APP.wasm` against `jco wit`: build a WASI command component from C
# (clang wasm32-wasi + jco new with the preview1 command adapter) and compare
# the worlds. Skips (77) when clang's wasm target or jco is not installed.
# usage: check-component-wit.sh WACC SOURCE_ROOT
set -eu
WACC=$1
ROOT=$2
JCO=""
for j in "$ROOT/.node/node_modules/.bin/jco" /tmp/jco/node_modules/.bin/jco; do
    [ -x "$j" ] && { JCO=$j; break; }
done
[ -n "$JCO" ] || { echo "skip: no jco"; exit 77; }
command -v clang-19 >/dev/null || { echo "skip: no clang-19"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$T/hello.c"
clang-19 --target=wasm32-wasi -O2 "$T/hello.c" -o "$T/hello.wasm" 2>/dev/null \
    || { echo "skip: clang-19 cannot build wasm32-wasi"; exit 77; }
"$JCO" new "$T/hello.wasm" --wasi-command -o "$T/hello.component.wasm" >/dev/null
"$JCO" wit "$T/hello.component.wasm" | sed -e '/^$/d' > "$T/jco.wit"
"$WACC" wit "$T/hello.component.wasm" --world-only | sed -e '/^$/d' > "$T/wacc.wit"
diff -u "$T/jco.wit" "$T/wacc.wit"
# the full output (world + interfaces) parses and resolves again
"$WACC" wit "$T/hello.component.wasm" > "$T/full.wit"
"$WACC" wit "$T/full.wit" --all > "$T/again.wit"
diff -u "$T/full.wit" "$T/again.wit"
grep -q 'resource output-stream' "$T/full.wit"
echo "1 passed, 0 failed"
