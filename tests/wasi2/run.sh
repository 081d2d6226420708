#!/bin/bash
# run.sh — WASI 0.2 tests. Sandbox: escape.c made a component (clang-19
# --target=wasm32-wasi, then `jco new --wasi-command`, the preview1 adapter
# over wasi:filesystem), compiled with `wacc compile`, run with `wacc run
# --dir` on a fresh directory next to a host file and host symlinks that
# point out of it. Output must equal escape.expected, and nothing outside
# the granted directory may change. imports.wat (jco parse): 0.2.0/0.2.3
# imports, sockets access-denied; link errors for a wrong function type and
# unsupported versions.
#
#   run.sh WACC        exit 0 pass, 1 fail, 77 skipped (no clang-19 / jco)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
JCO="${WACC_NODE_DIR:-$ROOT/.node}/node_modules/@bytecodealliance/jco/dist/jco.js"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO" ] || { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-wasi2.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }

"$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug "$HERE/escape.c" -o "$W/escape.core.wasm" &&
  node "$JCO" new "$W/escape.core.wasm" --wasi-command -o "$W/escape.component.wasm" > "$W/build.log" 2>&1 &&
  "$WACC" compile "$W/escape.component.wasm" -o "$W/escape.so" >> "$W/build.log" 2>&1
st=$?
check "escape: build" $st
[ $st = 0 ] || { cat "$W/build.log"; echo "$pass passed, $fail failed"; exit 1; }

mkdir -p "$W/run/sandbox"
echo "outside, must not be reachable" > "$W/run/outside.txt"
ln -s .. "$W/run/sandbox/up"
ln -s ../outside.txt "$W/run/sandbox/out-rel"
ln -s "$W/run/outside.txt" "$W/run/sandbox/out-abs"
(cd "$W/run" && "$WACC" run --dir "$W/run/sandbox::/sandbox" "$W/escape.so" /sandbox) \
  > "$W/out" 2> "$W/err" < /dev/null
st=$?
check "escape: exit status 0 (got $st)" $st
diff -u "$HERE/escape.expected" "$W/out" > "$W/diff"
d=$?
[ $d = 0 ] || cat "$W/diff" "$W/err"
check "escape: output" $d
[ "$(cat "$W/run/outside.txt")" = "outside, must not be reachable" ] &&
  [ "$(ls "$W/run")" = "$(printf 'outside.txt\nsandbox')" ]
check "escape: nothing outside the sandbox changed" $?

# ---- misc.c: clocks/sleep (poll), random, positioned I/O, truncate,
# timestamps, symlinks, directories; main's return 7 exits with 1 (the
# adapter's exit(err), as under jco) ----
if "$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug "$HERE/misc.c" -o "$W/misc.core.wasm" \
       > "$W/misc.log" 2>&1 &&
   node "$JCO" new "$W/misc.core.wasm" --wasi-command -o "$W/misc.component.wasm" >> "$W/misc.log" 2>&1 &&
   "$WACC" compile "$W/misc.component.wasm" -o "$W/misc.so" >> "$W/misc.log" 2>&1; then
    mkdir -p "$W/misc"
    "$WACC" run --dir "$W/misc::/m" "$W/misc.so" /m > "$W/misc.out" 2> "$W/misc.err" < /dev/null
    st=$?
    [ $st = 1 ] && [ "$(cat "$W/misc.err")" = "misc: done" ]
    check "misc: exit status 1 and stderr (got $st)" $?
    diff -u "$HERE/misc.expected" "$W/misc.out"
    check "misc: output" $?
    # --timeout bounds a guest blocked in a WASI 0.2 wait (poll on a clock)
    "$WACC" run --timeout 1s --dir "$W/misc::/m" "$W/misc.so" /m sleep > /dev/null 2> "$W/sleep.err" < /dev/null
    st=$?
    [ $st != 0 ] && grep -q "deadline exceeded" "$W/sleep.err"
    check "misc: --timeout stops a sleeping guest (status $st: $(head -c 200 "$W/sleep.err"))" $?
else
    cat "$W/misc.log"
    check "misc: build" 1
fi

# ---- imports.wat: older 0.2.x imports served by 0.2.12, sockets fail
# with access-denied at call time ----
if node "$JCO" parse "$HERE/imports.wat" -o "$W/imports.wasm" > "$W/imports.log" 2>&1 &&
   "$WACC" compile "$W/imports.wasm" -o "$W/imports.so" >> "$W/imports.log" 2>&1; then
    for c in "rand()=true" "mono()=true" "lookup()=101"; do
        got="$("$WACC" run --invoke "${c%%=*}" "$W/imports.so" 2>&1)"
        [ "$got" = "${c#*=}" ]
        check "imports: ${c%%=*} = ${c#*=} (got $got)" $?
    done
else
    cat "$W/imports.log"
    check "imports: build" 1
fi

# ---- link errors: wrong function type, unsupported versions ----
bad() { # bad VERSION RESULT-TYPE CORE-TYPE EXPECTED-MESSAGE
    cat > "$W/bad.wat" <<WAT
(component
  (import "wasi:random/random@$1" (instance \$random
    (export "get-random-u64" (func (result $2)))))
  (core module \$m (import "wasi" "r" (func (result $3))))
  (core func \$r (canon lower (func \$random "get-random-u64")))
  (core instance \$w (export "r" (func \$r)))
  (core instance (instantiate \$m (with "wasi" (instance \$w))))
)
WAT
    node "$JCO" parse "$W/bad.wat" -o "$W/bad.wasm" > /dev/null 2>&1 &&
      "$WACC" compile "$W/bad.wasm" -o "$W/bad.so" > /dev/null 2>&1
    local out
    out="$("$WACC" run "$W/bad.so" 2>&1)"
    case "$out" in *"$4"*) check "link error: $4" 0 ;; *) echo "$out"; check "link error: $4" 1 ;; esac
}
bad 0.2.12 u32 i32 "type mismatch: WASI has ()->u64, the component imports ()->u32"
bad 0.4.0 u64 i64 "WASI version 0.4.0 is not supported"
bad 0.2.13 u64 i64 "WASI version 0.2.13 is not supported"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
