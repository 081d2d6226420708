#!/bin/bash
# bindgen.sh — `wacc bindgen c` without running anything: the bindings of
# the polyglot, blueprint and WASI 0.2 worlds compile with clang-19 for
# wasm32-wasi at -Wall -Wextra -Werror (the generated static assertions
# check every C type against its Canonical ABI layout) and their headers
# with clang++-19; and the WIT mistakes of the circulating auth snippet
# (wit/broken-auth.wit) get file:line:col messages saying what is expected.
#
#   bindgen.sh WACC
# Exit status: 0 passed, 1 failed, 77 clang-19/wasi-libc missing.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$1"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wacc-bindgen.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
command -v clang-19 > /dev/null || { echo "SKIP: clang-19 not found"; exit 77; }
echo 'int x;' > "$WORK/probe.c"
clang-19 --target=wasm32-wasi -c "$WORK/probe.c" -o "$WORK/probe.o" 2> /dev/null ||
  { echo "SKIP: clang-19 cannot build for wasm32-wasi (wasi-libc?)"; exit 77; }
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# gen NAME WIT WORLD [--deps DIR]
gen() {
  local n="$1" wit="$2" world="$3"
  shift 3
  local d="$WORK/$n"
  if ! "$WACC" bindgen c "$wit" --world "$world" "$@" --out "$d" > "$WORK/$n.log" 2>&1; then
    bad "$n" "bindgen: $(cat "$WORK/$n.log")"
    return
  fi
  local snake="${world//-/_}"
  if ! clang-19 --target=wasm32-wasi -O1 -Wall -Wextra -Werror -c "$d/$snake.c" -o "$d/x.o" > "$WORK/$n.log" 2>&1; then
    bad "$n" "clang-19: $(head -n 10 "$WORK/$n.log")"
    return
  fi
  printf '#include "%s.h"\n' "$snake" > "$d/x.cpp"
  if command -v clang++-19 > /dev/null &&
     ! clang++-19 --target=wasm32-wasi -fsyntax-only -Wall -Wextra -Werror -I"$d" "$d/x.cpp" > "$WORK/$n.log" 2>&1; then
    bad "$n" "clang++-19: $(head -n 10 "$WORK/$n.log")"
    return
  fi
  ok "$n"
}

gen kitchen-provider "$HERE/kitchen/kitchen.wit" provider
gen kitchen-consumer "$HERE/kitchen/kitchen.wit" consumer
gen auth-authentication "$ROOT/examples/auth-service/wit" authentication
gen auth-users "$ROOT/examples/auth-service/wit" users
gen wasi-command "$ROOT/wit/wasi-0.2/cli" command --deps "$ROOT/wit/wasi-0.2"
gen wasi-proxy "$ROOT/wit/wasi-0.2/http" proxy --deps "$ROOT/wit/wasi-0.2"

# through a component and back: the bindings compile, jco new reads the
# component type they carry, and `wacc wit` of the component shows the
# world (expected/NAME.wit)
JCO="${WACC_NODE_DIR:-$ROOT/.node}/node_modules/@bytecodealliance/jco/dist/jco.js"
roundtrip() { # NAME (wit/NAME.wit, world app, guest wit/NAME.c)
  local n="$1" d="$WORK/$1"
  gen "$n" "$HERE/wit/$n.wit" app
  [ -f "$d/app.c" ] || return
  if ! command -v node > /dev/null || [ ! -f "$JCO" ]; then
    echo "SKIP $n (jco new): node/jco not found"
    return
  fi
  if clang-19 --target=wasm32-wasi -O1 -mexec-model=reactor -Wall -Wextra -Werror -I"$d" \
       "$HERE/wit/$n.c" "$d/app.c" -o "$d/core.wasm" > "$d/log" 2>&1 &&
     node "$JCO" new "$d/core.wasm" --wasi-reactor -o "$d/comp.wasm" >> "$d/log" 2>&1 &&
     "$WACC" wit "$d/comp.wasm" --world-only > "$d/comp.wit" 2>> "$d/log" &&
     diff -u "$HERE/expected/$n.wit" "$d/comp.wit" >> "$d/log"; then
    ok "$n (jco new, wacc wit)"
  else
    bad "$n (jco new, wacc wit)" "$(head -n 20 "$d/log")"
  fi
}
# types defined in a world itself
roundtrip world-types
# async func, stream<T>, future<T> (bound synchronously)
roundtrip async-types

# the snippet's mistakes, one at a time (the parser stops at the first)
cp "$HERE/wit/broken-auth.wit" "$WORK/auth.wit"
expect_err() { # NAME EXPECTED-TEXT
  local out
  for cmd in wit bindgen; do
    if [ $cmd = wit ]; then out="$("$WACC" wit "$WORK/auth.wit" 2>&1)"
    else out="$("$WACC" bindgen c "$WORK/auth.wit" --out "$WORK/g" 2>&1)"; fi
    case "$out" in
      *"$2"*) ok "$1 ($cmd)" ;;
      *) bad "$1 ($cmd)" "got: $out" ;;
    esac
  done
}
expect_err "list without element type" "auth.wit:8:16: expected '<' after 'list', found ','"
sed -i 's/roles: list,/roles: list<string>,/' "$WORK/auth.wit"
expect_err "missing ';' after a bare result" "auth.wit:10:48: expected ';' at the end of this line, found '}' on line 11 (a bare \`result\` carries no values: write result<T, E>)"
sed -i 's/-> result$/-> result<user, string>;/' "$WORK/auth.wit"
if "$WACC" bindgen c "$WORK/auth.wit" --out "$WORK/fixed" > "$WORK/fixed.log" 2>&1; then ok "fixed snippet"; else bad "fixed snippet" "$(cat "$WORK/fixed.log")"; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
