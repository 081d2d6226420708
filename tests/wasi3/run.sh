#!/bin/bash
# run.sh — WASI 0.3 tests (runtime/wasi3 on the async host API of wacc.h).
# Components written here in component text (*.wat), turned into binaries
# with jco's `parse` (cached by content hash under
# $WACC_COMPONENTS_CACHE/wasi3), compiled with `wacc compile`, run with
# `wacc run`; stdout and exit status must equal expected/NAME.out and
# NAME.rc, which reference.sh records from the same components under jco
# 1.35 + @bytecodealliance/preview3-shim on Node 24.
#
#   hello   stdout through a stream (write-via-stream + its result future)
#   cat     stdin -> stdout through streams (also 300 KB of binary, and
#           an empty stdin)
#   timer   monotonic-clock wait-for: synchronous (at least its time) and
#           two async subtasks completing shortest first; --timeout stops
#           a guest waiting for a timer
#   args    get-arguments, get-environment, exit-with-code(7)
#   fs      file copy through descriptor read-/write-via-stream, and a
#           read-directory stream listing (compared sorted)
#   mixed   a 0.2 import (monotonic-clock@0.2.3) next to 0.3 stdout
#
#   host    host_async (host_async.c) runs timer.so with its own C
#           implementations of the imports (wacc.h async host API only)
#
#   run.sh WACC [HOST_ASYNC]   exit 0 pass, 1 fail, 77 skipped (no node / jco)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO="$NM/@bytecodealliance/jco/dist/jco.js"
CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}/wasi3"
command -v node > /dev/null && [ -f "$JCO" ] || { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-wasi3.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
mkdir -p "$CACHE"
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
jcov="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$NM/@bytecodealliance/jco/package.json" | head -1)"

# build NAME: $W/NAME.so from NAME.wat (the binary cached by content hash)
build() {
    local h
    h="$( (cat "$HERE/$1.wat"; echo "jco $jcov") | sha256sum | cut -c1-16)"
    if [ ! -f "$CACHE/$1.$h.wasm" ]; then
        node "$JCO" parse "$HERE/$1.wat" -o "$W/$1.wasm" > "$W/$1.log" 2>&1 &&
            mv "$W/$1.wasm" "$CACHE/$1.$h.wasm" || { cat "$W/$1.log"; return 1; }
    fi
    "$WACC" compile "$CACHE/$1.$h.wasm" -o "$W/$1.so" > "$W/$1.log" 2>&1 || { cat "$W/$1.log"; return 1; }
}

# expect NAME OUTFILE STATUS: output and status against expected/NAME.*
expect() {
    diff -u "$HERE/expected/$1.out" "$2" > "$W/diff"
    local d=$?
    [ $d = 0 ] || cat "$W/diff" "$W/err"
    check "$1: output" $d
    [ "$3" = "$(cat "$HERE/expected/$1.rc")" ]
    local r=$?
    check "$1: exit status $(cat "$HERE/expected/$1.rc") (got $3)" $r
}

: > "$W/empty"      # (not /dev/null: stdin is read)
for n in hello cat timer args fs mixed sockets sockopts; do
    build $n
    check "$n: build" $?
done

# wasi:sockets 0.3 under `wacc run` (the sockets host in the chain): a
# socket only with a grant
"$WACC" run --tcp-connect 127.0.0.1:1 "$W/sockets.so" > "$W/out" 2> "$W/err" < "$W/empty"
st=$?
[ $st = 0 ]
r=$?
check "sockets: tcp-socket.create with --tcp-connect (status $st: $(head -c 200 "$W/err"))" $r
"$WACC" run "$W/sockets.so" > "$W/out" 2> "$W/err" < "$W/empty"
st=$?
[ $st = 1 ]
check "sockets: access-denied without a grant (status $st)" $?

# socket options (setsockopt/getsockopt): each value read back, 0 refused
"$WACC" run --tcp-connect 127.0.0.1:1 --udp 127.0.0.1:1 "$W/sockopts.so" > "$W/out" 2> "$W/err" < "$W/empty"
st=$?
[ $st = 0 ]
r=$?
check "sockopts: tcp and udp socket options (status $st = the failed check; $(head -c 200 "$W/err"))" $r

"$WACC" run "$W/hello.so" > "$W/out" 2> "$W/err" < "$W/empty"
expect hello "$W/out" $?

printf 'line one\nline two\n' | "$WACC" run "$W/cat.so" > "$W/out" 2> "$W/err"
expect cat "$W/out" $?
head -c 300000 /dev/urandom > "$W/big"
"$WACC" run "$W/cat.so" < "$W/big" > "$W/big.out" 2> "$W/err"
st=$?
cmp -s "$W/big" "$W/big.out" && [ $st = 0 ]
check "cat: 300000 bytes of binary through (status $st)" $?
: > "$W/empty"
"$WACC" run "$W/cat.so" < "$W/empty" > "$W/out" 2> "$W/err"
st=$?
[ $st = 0 ] && [ ! -s "$W/out" ]
check "cat: empty stdin (status $st)" $?

(sleep 2) | "$WACC" run --timeout 300ms "$W/cat.so" > "$W/out" 2> "$W/err"
st=$?
[ $st != 0 ] && grep -q "deadline exceeded" "$W/err"
r=$?
check "cat: --timeout stops a guest waiting for stdin (status $st: $(head -c 200 "$W/err"))" $r

"$WACC" run "$W/timer.so" > "$W/out" 2> "$W/err" < "$W/empty"
expect timer "$W/out" $?
"$WACC" run --timeout 100ms "$W/timer.so" > "$W/out" 2> "$W/err" < "$W/empty"
st=$?
[ $st != 0 ] && grep -q "deadline exceeded" "$W/err"
r=$?
check "timer: --timeout stops a guest waiting for a timer (status $st: $(head -c 200 "$W/err"))" $r

"$WACC" run --argv0 args --env FOO=bar --env EMPTY= "$W/args.so" one "two words" \
  > "$W/out" 2> "$W/err" < "$W/empty"
expect args "$W/out" $?

mkdir -p "$W/fs/sub"
cp "$HERE/expected/fs.in.txt" "$W/fs/in.txt"
echo x > "$W/fs/zzz"
(cd "$W/fs" && "$WACC" run --dir .::. "$W/fs.so") > "$W/out" 2> "$W/err" < "$W/empty"
st=$?
(head -1 "$W/out"; tail -n +2 "$W/out" | LC_ALL=C sort) > "$W/out.sorted"
expect fs "$W/out.sorted" $st
cmp -s "$W/fs/in.txt" "$W/fs/out.txt"
check "fs: out.txt is a copy of in.txt" $?

"$WACC" run "$W/mixed.so" > "$W/out" 2> "$W/err" < "$W/empty"
expect mixed "$W/out" $?

if [ $# -ge 2 ]; then
    "$2" "$W/timer.so" > "$W/host.out" 2>&1
    st=$?
    [ $st = 0 ] || cat "$W/host.out"
    check "host: the async host API from C ($(tail -1 "$W/host.out"))" $st
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
