#!/bin/bash
# run.sh — the real-toolchain components (README.md here) under wacc:
# builds them (scripts/build-components.sh, cached), compiles each with
# `wacc compile` (-O2; the JS component kitchen at -O1: a 12 MB JS engine
# costs ~4 min of CI at -O2, and hello-js already runs that engine at -O2),
# runs every line of runs.txt with `wacc run` and every call
# of expected/*.invoke with `wacc run --invoke`, and compares stdout, stderr
# and exit status with expected/ (recorded from jco transpile + node).
#
#   run.sh WACC [NAME...]     test (NAME: runs.txt names / invoke components)
#   run.sh --reference        re-record expected/ under jco transpile + node
#
# Exit status: 0 nothing failed, 1 a failure, 77 skipped: node/jco/
# componentize-js/clang missing, or this wacc cannot run components yet
# (probed with the composed component). A run that wacc refuses for a WASI
# import it does not provide ("unknown import: wasi:...") is counted as
# skipped, not failed, until WASI 0.2 exists.
# Environment: KEEP=1 keeps the work folder; WACC_NODE_DIR, CLANG,
# WACC_COMPONENTS_CACHE as for build-components.sh.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
JCO_DIR="$NODE_DIR/node_modules/@bytecodealliance/jco"
TEST_ENV="WACC_TEST_VAR=hello"
INVOKE_COMPONENTS=(kitchen composed)

if [ $# -lt 1 ]; then
    echo "usage: run.sh WACC [NAME...] | run.sh --reference" >&2
    exit 2
fi
MODE=test
WACC=""
if [ "$1" = --reference ]; then
    MODE=reference
else
    WACC="$1"
    # absolute: commands run from their own work folder
    case "$WACC" in
        /*) ;;
        */*) WACC="$(cd "$(dirname "$WACC")" && pwd)/$(basename "$WACC")" ;;
    esac
fi
shift
only=("$@")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wacc-components.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

"$ROOT/scripts/build-components.sh" -o "$WORK/c" > "$WORK/build.log" 2>&1
st=$?
if [ $st = 77 ]; then
    echo "SKIP: $(tail -n 1 "$WORK/build.log")"
    exit 77
elif [ $st != 0 ]; then
    cat "$WORK/build.log"
    echo "0 passed, 1 failed (building the components)"
    exit 1
fi

wanted() { # wanted NAME: is NAME selected on the command line?
    [ ${#only[@]} = 0 ] && return 0
    local o
    for o in "${only[@]}"; do [ "$o" = "$1" ] && return 0; done
    return 1
}

# ---- the two runtimes ------------------------------------------------------
# prepare COMPONENT: make it runnable (wacc: compile to .so; reference:
# jco transpile); sets $art. run_cmd COMPONENT [--dir ..] [--env ..] -- ARGS
# runs it as a command; invoke COMPONENT CALL calls one export.
if [ $MODE = test ]; then
    # .so files are kept in $SO_CACHE keyed by the component and the
    # compiler (libwacc-compiler.so next to wacc, which holds all of it, or
    # else wacc itself): the JS components hold a whole JS engine and take
    # minutes to compile
    SO_CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}/so"
    mkdir -p "$SO_CACHE"
    compiler="$(dirname "$(command -v "$WACC")")/libwacc-compiler.so"
    [ -f "$compiler" ] || compiler="$(command -v "$WACC")"
    wacc_key="$(sha256sum < "$compiler" | cut -c1-16)"
    prepare() {
        local key opt=-O2
        [ "$1" = kitchen ] && opt=-O1
        key="$(sha256sum < "$WORK/c/$1.component.wasm" | cut -c1-16)"
        art="$SO_CACHE/$1-$key-$wacc_key$opt.so"
        if [ -f "$art" ]; then
            touch "$art"
            return 0
        fi
        # other builds of this component unused for a day go (39 MB each for JS)
        find "$SO_CACHE" -name "$1-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-*.so" -mmin +1440 -delete 2>/dev/null
        local t0 t1
        t0=$(date +%s.%N)
        "$WACC" compile $opt "$WORK/c/$1.component.wasm" -o "$art.tmp" > "$WORK/$1.compile.log" 2>&1 ||
            { rm -f "$art.tmp"; return 1; }
        t1=$(date +%s.%N)
        mv "$art.tmp" "$art"
        awk -v a="$t0" -v b="$t1" -v n="$1" -v s="$(stat -c %s "$art")" \
            'BEGIN { printf "compiled %s: %.1f s, %d bytes\n", n, b - a, s }'
    }
    run_cmd() { # options come before the file for `wacc run`
        local c="$1" opts=()
        shift
        while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
        [ "${1-}" = -- ] && shift     # everything after the file goes to the program
        "$WACC" run "${opts[@]}" "$(so "$c")" "$@"
    }
    so() { prepare "$1" > /dev/null && echo "$art"; }
    invoke() { local f; f=$(so "$1") && "$WACC" run --invoke "$2" "$f"; }
else
    command -v node >/dev/null 2>&1 || { echo "SKIP: node not found"; exit 77; }
    # the transpiled code imports @bytecodealliance/preview2-shim: give it the
    # one jco 1.35 depends on (0.26), nested under jco or hoisted
    shim="$JCO_DIR/node_modules/@bytecodealliance/preview2-shim"
    [ -d "$shim" ] || shim="$NODE_DIR/node_modules/@bytecodealliance/preview2-shim"
    mkdir -p "$WORK/node_modules/@bytecodealliance"
    ln -s "$shim" "$WORK/node_modules/@bytecodealliance/preview2-shim"
    prepare() {
        art="$WORK/$1/$1.js"
        [ -f "$art" ] && return 0
        node "$JCO_DIR/dist/jco.js" transpile "$WORK/c/$1.component.wasm" -o "$WORK/$1" \
            --name "$1" -q --no-typescript > "$WORK/$1.compile.log" 2>&1
    }
    run_cmd() {
        local c="$1"
        shift
        node "$HERE/reference.mjs" run "$WORK/$c/$c.js" "$@"
    }
    invoke() { :; }
fi

pass=0
fail=0
skip=0
failed=()
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); failed+=("$1"); }
# needs_wasi FILE: did wacc refuse the component for a WASI import it does
# not provide yet (WASI 0.2)? Such a run counts as skipped, not failed.
needs_wasi() {
    local m
    m="$(grep -o 'unknown import: wasi:[^ ]*' "$1" | head -n 1)"
    [ -n "$m" ] || return 1
    echo "SKIP $2: ${m#unknown import: } (WASI 0.2 not provided yet)"
    skip=$((skip + 1))
}
ALL=(hello fileio stdin exit hello-js kitchen provider app composed)

# ---- each component's world: `wacc wit --world-only` = `jco wit` ------------
if [ $MODE = test ]; then
    for comp in "${ALL[@]}"; do
        wanted "$comp" || continue
        # jco ends with one blank line more
        if "$WACC" wit --world-only "$WORK/c/$comp.component.wasm" > "$WORK/$comp.wit" 2>&1 &&
           diff -u <(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$HERE/expected/$comp.wit") "$WORK/$comp.wit" \
               > "$WORK/$comp.wit.diff"; then
            ok "$comp: wit"
        else
            bad "$comp: wit" "$(head -n 20 "$WORK/$comp.wit.diff" "$WORK/$comp.wit")"
        fi
    done
fi

# ---- probe: can this wacc run a component at all? --------------------------
if [ $MODE = test ]; then
    probe="$(head -n 1 "$HERE/expected/composed.invoke" | cut -f1)"
    if ! prepare composed; then
        echo "FAIL: wacc compile composed.component.wasm: $(head -c 600 "$WORK/composed.compile.log")"
        echo "$pass passed, $((fail + 1)) failed, 0 skipped"
        exit 1
    fi
    out="$(invoke composed "$probe" 2>&1)"
    case "$out" in
        *"is a component"* | *"not supported"* | *unsupported* | *"not implemented"*)
            echo "SKIP: wacc cannot run components yet: $(printf '%s' "$out" | head -n 1)"
            echo "$pass passed, $fail failed, 0 skipped${failed[*]:+ (failed: ${failed[*]})}"
            [ $fail = 0 ] && exit 77
            exit 1 ;;
    esac
fi

# ---- commands (runs.txt) -----------------------------------------------------
while IFS=$'\t' read -r name comp opts argstr || [ -n "$name" ]; do
    case "$name" in '' | '#'*) continue ;; esac
    wanted "$name" || wanted "$comp" || continue
    if ! prepare "$comp"; then
        bad "$name" "cannot prepare $comp: $(head -c 600 "$WORK/$comp.compile.log")"
        continue
    fi
    w="$WORK/run-$name"
    mkdir -p "$w"
    args=()
    if [ -n "$argstr" ]; then
        IFS='|' read -r -a args <<< "$argstr|"
    fi
    ropts=()
    stdin=/dev/null
    usesdir=0
    IFS=',' read -r -a ol <<< "$opts"
    for o in "${ol[@]}"; do
        case "$o" in
            env) ropts+=(--env "$TEST_ENV") ;;
            dir) usesdir=1
                 mkdir -p "$w/sandbox"
                 echo "outside, must not be reachable" > "$w/outside.txt"
                 ropts+=(--dir "$w/sandbox::/sandbox") ;;
            stdin=*) stdin="$HERE/stdin/${o#stdin=}" ;;
        esac
    done
    # stdin through a pipe (not seekable), like `producer | program`
    cat "$stdin" | (cd "$w" && run_cmd "$comp" "${ropts[@]}" -- "${args[@]}") \
        > "$w/stdout" 2> "$w/stderr"
    status=$?
    echo "$status" > "$w/status"
    if [ $usesdir = 1 ] && [ "$(cat "$w/outside.txt")" != "outside, must not be reachable" ]; then
        bad "$name" "outside.txt was changed"
        continue
    fi
    if [ $MODE = reference ]; then
        for f in stdout stderr status; do cp "$w/$f" "$HERE/expected/$name.$f"; done
        ok "$name (recorded, exit $status)"
        continue
    fi
    why=""
    for f in status stdout stderr; do
        if ! diff -u "$HERE/expected/$name.$f" "$w/$f" > "$w/diff.$f"; then
            why="$why
$f differs (expected < > wacc):
$(head -n 30 "$w/diff.$f")"
        fi
    done
    if [ -z "$why" ]; then
        ok "$name"
    elif ! needs_wasi "$w/stderr" "$name"; then
        bad "$name" "$why"
    fi
done < "$HERE/runs.txt"

# ---- exports called with --invoke (cases/*.mjs → expected/*.invoke) ---------
for comp in "${INVOKE_COMPONENTS[@]}"; do
    wanted "$comp" || continue
    if ! prepare "$comp"; then
        bad "$comp" "cannot prepare: $(head -c 600 "$WORK/$comp.compile.log")"
        continue
    fi
    if [ $MODE = reference ]; then
        node "$HERE/reference.mjs" invoke "$art" "$HERE/cases/$comp.mjs" > "$WORK/$comp.all" || {
            bad "$comp" "reference.mjs invoke failed"
            continue
        }
        # calls on a resource across several calls (" ; ") cannot be said
        # with one `wacc run --invoke`: kept apart in NAME.session
        grep -v ' ; ' "$WORK/$comp.all" > "$HERE/expected/$comp.invoke"
        grep ' ; ' "$WORK/$comp.all" > "$HERE/expected/$comp.session" ||
            rm -f "$HERE/expected/$comp.session"
        node "$JCO_DIR/dist/jco.js" wit "$WORK/c/$comp.component.wasm" > "$HERE/expected/$comp.wit"
        ok "$comp (recorded $(wc -l < "$HERE/expected/$comp.invoke") calls)"
        continue
    fi
    while IFS=$'\t' read -r call want || [ -n "$call" ]; do
        [ -n "$call" ] || continue
        got="$(invoke "$comp" "$call" 2> "$WORK/invoke.err")"
        if [ "$got" = "$want" ]; then
            ok "$comp: $call"
        elif needs_wasi "$WORK/invoke.err" "$comp: $call"; then
            :
        else
            bad "$comp: $call" "expected $want, got ${got:-nothing} $(head -c 300 "$WORK/invoke.err")"
        fi
    done < "$HERE/expected/$comp.invoke"
    if [ -f "$HERE/expected/$comp.session" ]; then
        echo "note: $comp: $(wc -l < "$HERE/expected/$comp.session") resource calls in expected/$comp.session need several calls on one instance (not a \`wacc run --invoke\`)"
    fi
done

if [ $MODE = reference ]; then
    for comp in "${ALL[@]}"; do
        node "$JCO_DIR/dist/jco.js" wit "$WORK/c/$comp.component.wasm" > "$HERE/expected/$comp.wit"
    done
fi

echo "$pass passed, $fail failed, $skip skipped${failed[*]:+ (failed: ${failed[*]})}"
[ $fail = 0 ]
