#!/bin/bash
# run.sh — WASI program tests: every NAME.c here is built twice, as a
# wasm32-wasi command (then compiled by wacc) and natively; both run with the
# same arguments, environment and stdin, and their stdout, stderr and exit
# status must be equal. A program with NAME.expected has no native twin: its
# wasm stdout must equal that file.
#
#   run.sh WACC [NAME...]
#
# Per-program files:  NAME.args   one argument per line
#                     NAME.stdin  shell command whose output is piped to stdin
#                     "wasi-test: dir" in NAME.c: argv[1] is a granted directory
#                     (guest path /sandbox; a file outside.txt sits next to it
#                     on the host and must survive untouched)
# Environment:  WASI_RUNNER  runs FILE.so with `wacc run`'s WASI options
#                            (--dir HOST::GUEST, --env K=V, FILE, --, ARGS);
#                            default "WACC run"
#               COMPILE_FLAGS  extra `wacc compile` options (e.g. --target
#                            aarch64-linux-gnu with an aarch64 WASI_RUNNER)
#               CLANG (clang-19), CC (cc), WASI_SYSROOT (optional), KEEP=1
# Exit status: 0 all passed, 1 a failure, 77 skipped (no wasm toolchain).
set -u
if [ $# -lt 1 ]; then
    echo "usage: run.sh WACC [NAME...]" >&2
    exit 2
fi
WACC=$1
shift
SRC=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang-19}
CC=${CC:-cc}
RUNNER=${WASI_RUNNER:-"$WACC run"}
SYSROOT_FLAG=${WASI_SYSROOT:+--sysroot=$WASI_SYSROOT}
TEST_ENV="WACC_TEST_VAR=hello"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$SRC"/*.c; do
        n=$(basename "$f" .c)
        case $n in test_* | wasi_run) continue ;; esac
        names+=("$n")
    done
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wacc-programs.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

probe="$WORK/probe.c"
echo 'int main(void){return 0;}' > "$probe"
if ! $CLANG --target=wasm32-wasi $SYSROOT_FLAG -O2 "$probe" -o "$WORK/probe.wasm" 2>/dev/null; then
    echo "SKIP: $CLANG cannot build wasm32-wasi programs (need wasi-libc, libclang-rt-19-dev-wasm32)"
    exit 77
fi

pass=0
fail=0
failed=()
for n in "${names[@]}"; do
    w="$WORK/$n"
    mkdir -p "$w"
    src="$SRC/$n.c"
    ok=1
    why=""
    if ! $CLANG --target=wasm32-wasi $SYSROOT_FLAG -O2 -I"$SRC" "$src" -o "$w/$n.wasm" 2> "$w/build.log" ||
       ! $WACC compile ${COMPILE_FLAGS:-} "$w/$n.wasm" -o "$w/$n.so" 2>> "$w/build.log"; then
        ok=0
        why="build failed: $(head -c 600 "$w/build.log")"
    fi
    expected=""
    [ -f "$SRC/$n.expected" ] && expected="$SRC/$n.expected"
    if [ $ok = 1 ] && [ -z "$expected" ] &&
       ! $CC -O2 -I"$SRC" "$src" -o "$w/$n.native" 2>> "$w/build.log"; then
        ok=0
        why="native build failed: $(head -c 600 "$w/build.log")"
    fi
    args=()
    if [ -f "$SRC/$n.args" ]; then
        while IFS= read -r line || [ -n "$line" ]; do args+=("$line"); done < "$SRC/$n.args"
    fi
    if [ -f "$SRC/$n.stdin" ]; then
        sh "$SRC/$n.stdin" > "$w/stdin"
    else
        : > "$w/stdin"
    fi
    usesdir=0
    grep -q 'wasi-test: dir' "$src" && usesdir=1
    if [ $ok = 1 ]; then
        wdir=()
        warg=()
        ndir=()
        if [ $usesdir = 1 ]; then
            for side in wasm native; do
                mkdir -p "$w/$side/sandbox"
                echo "outside, must not be reachable" > "$w/$side/outside.txt"
            done
            wdir=(--dir "$w/wasm/sandbox::/sandbox")
            warg=(/sandbox)
            ndir=("$w/native/sandbox")
        fi
        # stdin through a pipe (not seekable), like `producer | program`
        cat "$w/stdin" | $RUNNER "${wdir[@]}" --env "$TEST_ENV" "$w/$n.so" "${warg[@]}" "${args[@]}" \
            > "$w/wasm.out" 2> "$w/wasm.err"
        wrc=$?
        if [ -n "$expected" ]; then
            if ! diff -u "$expected" "$w/wasm.out" > "$w/diff"; then
                ok=0
                why="stdout differs from $n.expected (exit $wrc):
$(head -40 "$w/diff")
$(head -5 "$w/wasm.err")"
            fi
        else
            (cd "$w" && cat "$w/stdin" | env -i "$TEST_ENV" "$w/$n.native" "${ndir[@]}" "${args[@]}" \
                > "$w/native.out" 2> "$w/native.err")
            nrc=$?
            if ! diff -u "$w/native.out" "$w/wasm.out" > "$w/diff"; then
                ok=0
                why="stdout differs (native < > wasm):
$(head -40 "$w/diff")
$(head -5 "$w/wasm.err")"
            elif ! diff -u "$w/native.err" "$w/wasm.err" > "$w/diff"; then
                ok=0
                why="stderr differs:
$(head -20 "$w/diff")"
            elif [ $nrc != $wrc ]; then
                ok=0
                why="exit status: native $nrc, wasm $wrc"
            fi
        fi
        if [ $ok = 1 ] && [ $usesdir = 1 ]; then
            left=$(cd "$w/wasm" && ls -A | tr '\n' ' ')
            if [ "$left" != "outside.txt sandbox " ] ||
               [ "$(cat "$w/wasm/outside.txt")" != "outside, must not be reachable" ]; then
                ok=0
                why="the program changed files outside its directory: $left"
            fi
        fi
    fi
    if [ $ok = 1 ]; then
        echo "PASS $n"
        pass=$((pass + 1))
    else
        echo "FAIL $n: $why"
        fail=$((fail + 1))
        failed+=("$n")
    fi
done
echo "$pass passed, $fail failed${failed[*]:+ (${failed[*]})}"
[ $fail = 0 ]
