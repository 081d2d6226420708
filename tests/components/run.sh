#!/bin/bash
# run.sh — the real-toolchain components (README.md here) under wacc:
# builds them (scripts/build-components.sh, cached), compiles each with
# `wacc compile`, runs every line of runs.txt with `wacc run` and every call
# of expected/*.invoke with `wacc run --invoke`, and compares stdout, stderr
# and exit status with expected/ (recorded from jco transpile + node).
#
#   run.sh WACC [NAME...]     test (NAME: runs.txt names / invoke components)
#   run.sh --reference        re-record expected/ under jco transpile + node
#
# Exit status: 0 all passed, 1 a failure, 77 skipped: node/jco/
# componentize-js/clang missing, or this wacc cannot run components yet
# (probed with the composed component).
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
    prepare() {
        art="$WORK/$1.so"
        [ -f "$art" ] && return 0
        "$WACC" compile "$WORK/c/$1.component.wasm" -o "$art" > "$WORK/$1.compile.log" 2>&1
    }
    run_cmd() { # options come before the file for `wacc run`
        local c="$1" opts=()
        shift
        while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
        "$WACC" run "${opts[@]}" "$WORK/$c.so" "$@"
    }
    invoke() { "$WACC" run "$WORK/$1.so" --invoke "$2"; }
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

# ---- probe: can this wacc run a component at all? --------------------------
if [ $MODE = test ]; then
    probe="$(head -n 1 "$HERE/expected/composed.invoke" | cut -f1)"
    if ! prepare composed; then
        echo "FAIL: wacc compile composed.component.wasm: $(head -c 600 "$WORK/composed.compile.log")"
        echo "0 passed, 1 failed"
        exit 1
    fi
    out="$(invoke composed "$probe" 2>&1)"
    case "$out" in
        *"is a component"* | *"not supported"* | *unsupported* | *"not implemented"*)
            echo "SKIP: wacc cannot run components yet: $(printf '%s' "$out" | head -n 1)"
            exit 77 ;;
    esac
fi

pass=0
fail=0
failed=()
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); failed+=("$1"); }

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
    if [ -n "$why" ]; then bad "$name" "$why"; else ok "$name"; fi
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
        else
            bad "$comp: $call" "expected $want, got ${got:-nothing} $(head -c 300 "$WORK/invoke.err")"
        fi
    done < "$HERE/expected/$comp.invoke"
    if [ -f "$HERE/expected/$comp.session" ]; then
        echo "note: $comp: $(wc -l < "$HERE/expected/$comp.session") resource calls in expected/$comp.session need several calls on one instance (not a \`wacc run --invoke\`)"
    fi
done

if [ $MODE = reference ]; then
    for comp in hello fileio stdin exit hello-js provider app; do
        node "$JCO_DIR/dist/jco.js" wit "$WORK/c/$comp.component.wasm" > "$HERE/expected/$comp.wit"
    done
fi

echo "$pass passed, $fail failed${failed[*]:+ (${failed[*]})}"
[ $fail = 0 ]
