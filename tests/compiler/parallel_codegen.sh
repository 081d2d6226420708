#!/usr/bin/env bash
# Parallel code generation (compiler/emit/split.c): the artifact must be
# byte-identical for any -j (at every level: a split module is optimised per
# part, -O1 and -O2 alike), a split module must link into a .so without
# undefined symbols, and it must behave like the unsplit one. WACC_PARTS
# forces the number of parts so small modules exercise the split path; with
# WACC_HUGE=1 they are lowered in parts (compiler/lower/lower_module.c).
#
# Modules: a tiny core module (always), a C WASI program (needs clang-19 +
# wasi-libc), and the C hello component (scripts/build-components.sh, needs
# node + jco; cached in $WACC_COMPONENTS_CACHE). Missing tools skip those
# modules; the tiny module always runs.
# usage: parallel_codegen.sh path/to/wacc
set -u
WACC=${1:?usage: parallel_codegen.sh WACC}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/wacc-par-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# check NAME WASM OPT RUN...: compile unsplit and in 3 parts at -j1/-j2, compare
check() {
    local name=$1 wasm=$2 opt=$3
    shift 3
    WACC_PARTS=1 "$WACC" compile "$wasm" -o "$T/$name.one.so" "$opt" -j1 --quiet || { fail "$name $opt: compile (1 part)"; return; }
    for j in 1 2; do
        WACC_PARTS=3 "$WACC" compile "$wasm" -o "$T/$name.j$j.so" "$opt" -j$j --quiet ||
            { fail "$name $opt: compile -j$j (3 parts)"; return; }
    done
    cmp -s "$T/$name.j1.so" "$T/$name.j2.so" || fail "$name $opt: -j1 and -j2 artifacts differ"
    WACC_PARTS=3 WACC_JOBS=2 "$WACC" compile "$wasm" -o "$T/$name.env.so" "$opt" --quiet &&
        cmp -s "$T/$name.j1.so" "$T/$name.env.so" || fail "$name $opt: WACC_JOBS=2 artifact differs"
    local und
    und=$(nm -D --undefined-only "$T/$name.j2.so" 2>&1)
    [ -z "$und" ] || fail "$name $opt: undefined dynamic symbols: $und"
    "$WACC" inspect "$T/$name.j2.so" | grep -q '^file checksum: OK' || fail "$name $opt: inspect"
    local a b
    a=$("$@" "$T/$name.one.so" 2>&1; echo "exit $?")
    b=$("$@" "$T/$name.j2.so" 2>&1; echo "exit $?")
    [ "$a" = "$b" ] || fail "$name $opt: split artifact behaves differently: '$b' vs '$a'"
    echo "ok $name $opt"
}

run_add() { "$WACC" run --invoke add "$1" 40 2; }
run_prog() { "$WACC" run "$1" one two; }
run_plain() { "$WACC" run "$1"; }

# (module (memory 1) (data (i32.const 16) "hi")
#   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
printf '\0asm\1\0\0\0\1\7\1\x60\2\x7f\x7f\1\x7f\3\2\1\0\5\3\1\0\1\7\7\1\3add\0\0\n\x09\1\7\0\x20\0\x20\1\x6a\x0b\x0b\x08\1\0\x41\x10\x0b\2hi' > "$T/m.wasm"
for O in -O0 -O2; do check tiny "$T/m.wasm" $O run_add; done
[ "$("$WACC" run --invoke add "$T/tiny.j2.so" 40 2)" = 42 ] || fail "tiny: add 40 2"

if command -v "${CLANG:-clang-19}" >/dev/null 2>&1 &&
    "${CLANG:-clang-19}" --target=wasm32-wasi -O2 "$ROOT/tests/programs/hello.c" -o "$T/hello.wasm" 2>/dev/null; then
    for O in -O1 -O2; do check prog "$T/hello.wasm" $O run_prog; done
    # the huge-module path: lowered in parts (WACC_HUGE=1 with WACC_PARTS=3),
    # cheaper passes, each part through bitcode
    WACC_HUGE=1 check prog-huge "$T/hello.wasm" -O2 run_prog
else
    echo "skip: no clang-19 / wasi-libc for the C program"
fi

if "$ROOT/scripts/build-components.sh" -o "$T/comp" hello >"$T/build.log" 2>&1; then
    for O in -O1 -O2; do check component "$T/comp/hello.component.wasm" $O run_plain; done
    # its core modules lowered in parts (each module's names prefixed)
    WACC_HUGE=1 check component-huge "$T/comp/hello.component.wasm" -O2 run_plain
else
    echo "skip: hello component not built: $(tail -n 1 "$T/build.log")"
fi
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
