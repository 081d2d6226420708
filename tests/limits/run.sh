#!/bin/bash
# run.sh — deadlines (--timeout: interruption checks compiled into the code),
# memory limits (--max-memory, growth to all of 4 GiB) and the `wacc run`
# command line (options before the artifact, the program's after it).
#
#   run.sh WACC        exit 0 pass, 1 fail, 77 skipped (no wat2wasm)
# The component case needs jco (scripts/npm-deps.sh) and is skipped without.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
JCO="${WACC_NODE_DIR:-$ROOT/.node}/node_modules/@bytecodealliance/jco/dist/jco.js"
command -v wat2wasm > /dev/null || { echo "SKIP: wat2wasm (wabt) not found"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-limits.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }

for f in loops bounded hostloop sleep args memory big; do
    wat2wasm "$HERE/$f.wat" -o "$W/$f.wasm" && "$WACC" compile "$W/$f.wasm" -o "$W/$f.so" ||
        { check "build $f" 1; echo "$pass passed, $fail failed"; exit 1; }
done

# expect NAME STATUS STDOUT STDERR-SUBSTRING -- wacc run ARGS...
# (STATUS "nz": any non-zero status; STDERR "": stderr must be empty)
expect() {
    local name="$1" st="$2" out="$3" err="$4"
    shift 5
    local got gs
    got="$("$WACC" run "$@" 2> "$W/err" < /dev/null)"
    gs=$?
    local ok=0
    if [ "$st" = nz ]; then [ $gs != 0 ] || ok=1; else [ $gs = "$st" ] || ok=1; fi
    [ "$got" = "$out" ] || ok=1
    if [ -z "$err" ]; then [ ! -s "$W/err" ] || ok=1; else grep -qF -- "$err" "$W/err" || ok=1; fi
    [ "$(wc -l < "$W/err")" -le 1 ] || ok=1       # one line at most
    [ $ok = 0 ] || echo "  status $gs, stdout [$got], stderr [$(cat "$W/err")]"
    check "$name" $ok
}

# ---- deadlines ----
DL="deadline exceeded"
expect "timeout: tight loop"            nz "" "$DL" -- --timeout 1s --invoke spin "$W/loops.so"
expect "timeout: recursion, no loops"   nz "" "$DL" -- --timeout 500ms --invoke fib "$W/loops.so" 60
expect "timeout: mutual recursion"      nz "" "$DL" -- --timeout 500ms --invoke mutual "$W/loops.so" 60
expect "timeout: recursion via table"   nz "" "$DL" -- --timeout 500ms --invoke tfib "$W/loops.so" 60
expect "timeout: mutual 20 before it"   0 6765 "" -- --timeout 1m --invoke mutual "$W/loops.so" 20
expect "timeout: tfib 20 before it"     0 6765 "" -- --timeout 1m --invoke tfib "$W/loops.so" 20
expect "timeout: deep calls in a loop"  nz "" "$DL" -- --timeout 0.5 --invoke deep "$W/loops.so"
expect "timeout: deep in a recursion"   nz "" "$DL" -- --timeout 500ms --invoke deepfib "$W/loops.so" 60
expect "deepfib 20 before it"           0 26765 "" -- --timeout 1m --invoke deepfib "$W/loops.so" 20
SO="call stack exhausted"
expect "stack overflow, deadline armed" nz "" "$SO" -- --timeout 1m --invoke inf "$W/loops.so" 0
expect "stack overflow, no deadline"    nz "" "$SO" -- --invoke inf "$W/loops.so" 0
expect "timeout: memory loop"           nz "" "$DL" -- --timeout 500ms --invoke sum "$W/loops.so"
expect "timeout: SIMD memory loop"      nz "" "$DL" -- --timeout 500ms --invoke vsum "$W/loops.so"
expect "timeout: br_table loop"         nz "" "$DL" -- --timeout 500ms --invoke tabloop "$W/loops.so" 1
expect "br_table loop that ends"        0 4 "" -- --timeout 1m --invoke tabloop "$W/loops.so" 4
expect "timeout: dispatch loop"         nz "" "$DL" -- --timeout 500ms --invoke dispatch "$W/loops.so" 1
expect "dispatch loop that ends"        0 6 "" -- --timeout 1m --invoke dispatch "$W/loops.so" 0
# bounded inner loops poll not at all, the enclosing loop does
# (lower_interrupt.c); loops almost like them keep their poll
expect "timeout: bounded loop in an endless one" nz "" "$DL" -- --timeout 500ms --invoke nest "$W/bounded.so" 0
expect "bounded loop nest that ends"    0 14850 "" -- --timeout 1m --invoke nest "$W/bounded.so" 3
for fn in outer neskip reset signed skiptest long; do
    expect "timeout: endless loop, almost bounded or in a bounded one ($fn)" nz "" "$DL" -- --timeout 500ms --invoke $fn "$W/bounded.so"
done
# loops bounded by run-time values run a copy without polls when a test
# before them proves the entry short (lower_version.c); otherwise the
# original, which polls. Same results with versioning off (WACC_NO_VERSION=1).
wat2wasm "$HERE/version.wat" -o "$W/version.wasm" && "$WACC" compile "$W/version.wasm" -o "$W/version.so" &&
    WACC_NO_VERSION=1 "$WACC" compile "$W/version.wasm" -o "$W/version0.so"
check "build version (with and without versioning)" $?
cmp -s "$W/version.so" "$W/version0.so"
check "loops are versioned (the artifacts differ)" $((1 - $?))
for c in "signed 519750 -5 100" "down 1450350 300 7" "step8 1237500 5 2000" "inner 974951 50 0 400" \
         "inner 5085335 3000 0 400" "ne 2098149 50 0 400" "ne 1112 50 7 30" "ne 163817099 5000 3 300"; do
    set -- $c
    fn=$1 want=$2
    shift 2
    expect "versioned loop that ends ($fn $*)" 0 "$want" "" -- --timeout 1m --invoke $fn "$W/version.so" "$@"
    expect "unversioned, the same ($fn $*)" 0 "$want" "" -- --timeout 1m --invoke $fn "$W/version0.so" "$@"
done
for c in "signed -2147483648 2147483647" "down -1 0" "step8 -16 -3" "inner 50 0 -1" "ne 50 0 -1" "around 10"; do
    set -- $c
    fn=$1
    shift
    expect "timeout: versioned loop too long for its copy, or in an endless one ($fn $*)" nz "" "$DL" -- \
        --timeout 500ms --invoke $fn "$W/version.so" "$@"
done
# two iterations of an outer loop at once around a pure inner loop
# (lower_jam.c): the same results, traps and deadlines as without it
# (WACC_NO_JAM=1); `image` is the mandelbrot benchmark, checked against C
wat2wasm "$HERE/jam.wat" -o "$W/jam.wasm" && "$WACC" compile "$W/jam.wasm" -o "$W/jam.so" &&
    WACC_NO_JAM=1 "$WACC" compile "$W/jam.wasm" -o "$W/jam0.so"
check "build jam (with and without interleaving)" $?
cmp -s "$W/jam.so" "$W/jam0.so"
check "loops are interleaved (the artifacts differ)" $((1 - $?))
expect "interleaved: image 100 (as C)" 0 3787 "" -- --invoke image "$W/jam.so" 100
expect "interleaved: image 101 (as C)" 0 3896 "" -- --invoke image "$W/jam.so" 101
for c in "sum 100 50" "sum 7 3" "sum 1 0" "sum 2 1" "stores 101 40" "stores 64 32" "trap 50 25 60" \
         "brk 100 50 3000" "brk 101 50 0" "brk 3 1 100000" "down 99 45" "down 1 0" "step3 100 50" \
         "step3 101 50" "step3 2 1" "last 100 50" "last 1 0" "dep 100 50" "table 100 50" "endless 50 8" \
         "image 1" "image 2" "image 33" "newton 1" "newton 2" "newton 1001"; do
    set -- $c
    fn=$1
    shift
    want="$("$WACC" run --invoke $fn "$W/jam0.so" "$@" 2>&1)"
    expect "interleaved loop, as without ($fn $*)" 0 "$want" "" -- --timeout 1m --invoke $fn "$W/jam.so" "$@"
done
for k in 0 1 20 49; do
    # the same trap, at the same wasm offset, as without interleaving
    want="$("$WACC" run --invoke trap "$W/jam0.so" 50 25 $k 2>&1 | sed -n 's/.*\(trap: unreachable in function #2 (wasm offset 0x[0-9a-f]*)\).*/\1/p')"
    [ -n "$want" ] || want="(jam0.so did not trap)"
    expect "interleaved loop traps in A's or B's suffix (trap 50 25 $k)" nz "" "$want" -- \
        --invoke trap "$W/jam.so" 50 25 $k
done
for c in "4 0" "3 0" "1 0" "64 1"; do
    expect "timeout: interleaved loop that never ends (endless $c)" nz "" "$DL" -- \
        --timeout 500ms --invoke endless "$W/jam.so" $c
done
expect "timeout: host calls in a loop"  nz "" "$DL" -- --timeout 500ms "$W/hostloop.so"
expect "timeout: stops a host wait (poll_oneoff)" nz "" "$DL" -- --timeout 300ms "$W/sleep.so"
expect "timeout: .wasm through cache"   nz "" "$DL" -- --timeout 500ms --no-cache --invoke spin "$W/loops.wasm"
expect "timeout: finishes before it"    0 55 "" -- --timeout 10s --invoke quick "$W/loops.so"
expect "timeout: fib 20 before it"      0 6765 "" -- --timeout 1m --invoke fib "$W/loops.so" 20
expect "timeout: bad value"             2 "" "bad --timeout" -- --timeout 5parsecs "$W/loops.so"
# compiled without the checks: a warning, host waits only
"$WACC" compile --no-interrupt-checks "$W/loops.wasm" -o "$W/nochk.so" &&
    "$WACC" inspect "$W/nochk.so" | grep -q "interrupt checks: no" &&
    "$WACC" inspect "$W/loops.so" | grep -q "interrupt checks: yes"
check "inspect: interrupt checks recorded" $?
expect "timeout: no checks compiled: warning" 0 55 "not in its own loops" -- \
    --timeout 10s --invoke quick "$W/nochk.so"
# calls still stop: the prologue stack check fails while interrupted
# (two lines on stderr: the warning, the trap)
"$WACC" run --timeout 500ms --invoke fib "$W/nochk.so" 60 > /dev/null 2> "$W/err" < /dev/null
[ $? != 0 ] && grep -q "warning" "$W/err" && grep -q "$DL" "$W/err"
check "timeout: no checks compiled: recursion stops" $?

if command -v node > /dev/null && [ -f "$JCO" ]; then
    if node "$JCO" parse "$HERE/comp.wat" -o "$W/comp.wasm" > "$W/comp.log" 2>&1 &&
       "$WACC" compile "$W/comp.wasm" -o "$W/comp.so" >> "$W/comp.log" 2>&1; then
        expect "timeout: component loop"      nz "" "$DL" -- --timeout 500ms --invoke 'spin()' "$W/comp.so"
        expect "timeout: component finishes"  0 42 "" -- --timeout 10s --invoke 'quick()' "$W/comp.so"
        expect "timeout: async export's recursion (own stack)" nz "" "$DL" -- \
            --timeout 500ms --invoke 'afib(60)' "$W/comp.so"
        expect "timeout: async export finishes" 0 6765 "" -- --timeout 1m --invoke 'afib(20)' "$W/comp.so"
    else
        cat "$W/comp.log"
        check "component: build" 1
    fi
else
    echo "SKIP component cases: jco not installed (scripts/npm-deps.sh)"
fi

# ---- memory ----
expect "memory: grow to 65536 pages, last byte" 0 655367 "" -- --invoke full "$W/memory.so"
expect "memory: i32 index wraps up (full)"      0 105 "" -- --invoke wrap "$W/memory.so"
expect "memory: i32 index wraps down (full)"    0 205 "" -- --invoke wrap_down "$W/memory.so"
expect "memory: versioned loop, full memory"     0 303 "" -- --invoke wrap_loop "$W/memory.so" 1 -4
expect "memory: versioned loop, not full"       0 3 "" -- --invoke wrap_loop "$W/memory.so" 0 16
expect "memory: no-grow caller, full"           0 305 "" -- --invoke wrap_nogrow "$W/memory.so"
expect "memory: no-grow caller, loop, full"     0 303 "" -- --invoke wrap_nogrow_loop "$W/memory.so" -4
expect "memory: callee grows to full"           0 405 "" -- --invoke wrap_after_grow "$W/memory.so" -4
expect "memory: loop with a call, full"         0 303 "" -- --invoke wrap_loop_call "$W/memory.so" 1 -4
expect "memory: loop with a call, not full"     0 3 "" -- --invoke wrap_loop_call "$W/memory.so" 0 16
expect "memory: loop, callees lowered later, full" 0 603 "" -- --invoke wrap_loop_later "$W/memory.so" 1 -4
expect "memory: loop, callees lowered later"    0 3 "" -- --invoke wrap_loop_later "$W/memory.so" 0 16
expect "memory: byte loop wraps (full)"         0 10 "" -- --invoke count_full "$W/memory.so"
expect "memory: byte loop past the end"         nz "" "out of bounds" -- --invoke count "$W/memory.so" 65534 4
expect "max-memory: grow within"   0 1 "" -- --max-memory 128KiB --invoke grow "$W/memory.so" 1
expect "max-memory: grow beyond"   0 -1 "" -- --max-memory 128KiB --invoke grow "$W/memory.so" 2
expect "max-memory: units"         0 -1 "" -- --max-memory=0.0625M --invoke grow "$W/memory.so" 1
expect "max-memory: module minimum over it" 1 "" "exceeds the memory limit of 131072 bytes" -- \
    --max-memory 128K --invoke size "$W/big.so"
expect "max-memory: bad value"     2 "" "bad --max-memory" -- --max-memory lots "$W/big.so"

# ---- command line: wacc's options, the artifact, the program's arguments ----
expect "args after the artifact go to the program" 0 "$(printf '%s\n' "$W/args.so" --memdb --size 60)" "" -- \
    "$W/args.so" --memdb --size 60
expect "--argv0, and -- passed through" 0 "$(printf '%s\n' prog a -- --timeout)" "" -- \
    --argv0 prog "$W/args.so" a -- --timeout
expect "unknown option before the artifact" 2 "" "unknown option '--memdb'" -- --memdb "$W/args.so"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
