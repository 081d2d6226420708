#!/usr/bin/env bash
# An artifact is an ordinary shared object: ELF type DYN, no undefined
# dynamic symbols (generated code reaches the runtime only via the vmctx),
# exports the descriptor symbol, and loads with the system's dlopen tools.
# usage: artifact_elf.sh path/to/wacc
set -u
WACC=${1:?usage: artifact_elf.sh WACC}
T=$(mktemp -d "${TMPDIR:-/tmp}/wacc-elf-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# (module (memory 1) (data (i32.const 16) "hi")
#   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
printf '\0asm\1\0\0\0\1\7\1\x60\2\x7f\x7f\1\x7f\3\2\1\0\5\3\1\0\1\7\7\1\3add\0\0\n\x09\1\7\0\x20\0\x20\1\x6a\x0b\x0b\x08\1\0\x41\x10\x0b\2hi' > "$T/m.wasm"
for O in -O0 -O2; do
    if ! "$WACC" compile "$T/m.wasm" -o "$T/m.so" $O; then fail "compile $O"; continue; fi
    und=$(nm -D --undefined-only "$T/m.so" 2>&1)
    [ -z "$und" ] || fail "$O: undefined dynamic symbols: $und"
    readelf -h "$T/m.so" | grep -q 'Type:.*DYN' || fail "$O: readelf -h does not say DYN"
    nm -D --defined-only "$T/m.so" | grep -q ' wacc_descriptor$' || fail "$O: no wacc_descriptor symbol"
    readelf -S "$T/m.so" | grep -q '\.wacc_meta' || fail "$O: no .wacc_meta section"
    out=$("$WACC" run --invoke add "$T/m.so" 40 2 2>&1)
    [ "$out" = 42 ] || fail "$O: run --invoke add 40 2 printed '$out'"
    "$WACC" inspect "$T/m.so" | grep -q '^file checksum: OK' || fail "$O: inspect"
done
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
