#!/bin/bash
# run.sh — polyglot components (README.md here): builds them from C and C++
# on `wacc bindgen c` bindings (scripts/build-polyglot.sh, cached), joins
# them with `wacc compose`, and runs every composition's calls under wacc
# (`wacc compile -O1`, `wacc run --invoke`) and under jco transpile + node;
# both must print expected/NAME.invoke.
#
#   run.sh WACC
#
# Exit status: 0 all passed, 1 a failure, 77 skipped (a tool is missing).
# Environment: KEEP=1 keeps the work folder; WACC_NODE_DIR,
# WACC_COMPONENTS_CACHE as for scripts/build-components.sh.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
JCO_DIR="$NODE_DIR/node_modules/@bytecodealliance/jco"
[ $# -ge 1 ] || { echo "usage: run.sh WACC" >&2; exit 2; }
WACC="$1"
case "$WACC" in /*) ;; */*) WACC="$(cd "$(dirname "$WACC")" && pwd)/$(basename "$WACC")" ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wacc-polyglot.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

"$ROOT/scripts/build-polyglot.sh" "$WACC" -o "$WORK/c" kitchen-provider-c kitchen-provider-cpp \
  kitchen-consumer-c > "$WORK/build.log" 2>&1
st=$?
if [ $st = 77 ]; then echo "SKIP: $(tail -n 1 "$WORK/build.log")"; exit 77; fi
if [ $st != 0 ]; then cat "$WORK/build.log"; echo "FAIL: building the components"; exit 1; fi

shim="$JCO_DIR/node_modules/@bytecodealliance/preview2-shim"
[ -d "$shim" ] || shim="$NODE_DIR/node_modules/@bytecodealliance/preview2-shim"
mkdir -p "$WORK/node_modules/@bytecodealliance"
ln -s "$shim" "$WORK/node_modules/@bytecodealliance/preview2-shim"

pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# check NAME CASES: NAME.wasm under wacc and under node against expected/CASES.invoke
check() {
  local n="$1" cases="$2" exp="$HERE/expected/$2.invoke"
  if ! "$WACC" compile -O1 "$WORK/$n.wasm" -o "$WORK/$n.so" > "$WORK/$n.log" 2>&1; then
    bad "$n" "wacc compile: $(head -n 3 "$WORK/$n.log")"
    return
  fi
  : > "$WORK/$n.wacc"
  local call
  while IFS=$'\t' read -r call _; do
    printf '%s\t%s\n' "$call" "$("$WACC" run "$WORK/$n.so" --invoke "$call" 2>&1)" >> "$WORK/$n.wacc"
  done < "$exp"
  if diff -u "$exp" "$WORK/$n.wacc" > "$WORK/$n.diff"; then ok "$n (wacc)"; else bad "$n (wacc)" "$(head -n 20 "$WORK/$n.diff")"; fi
  if ! node "$JCO_DIR/dist/jco.js" transpile "$WORK/$n.wasm" -o "$WORK/js-$n" --name "$n" -q \
       --no-typescript > "$WORK/$n.jco.log" 2>&1; then
    bad "$n (jco)" "jco transpile: $(head -n 5 "$WORK/$n.jco.log")"
    return
  fi
  node "$ROOT/tests/components/reference.mjs" invoke "$WORK/js-$n/$n.js" "$HERE/cases/$cases.mjs" \
    > "$WORK/$n.node" 2>&1
  if diff -u "$exp" "$WORK/$n.node" > "$WORK/$n.ndiff"; then ok "$n (jco+node)"; else bad "$n (jco+node)" "$(head -n 20 "$WORK/$n.ndiff")"; fi
}

# compose NAME SOCKET PLUG...
compose() {
  local n="$1" s="$2"
  shift 2
  local plugs=() p
  for p in "$@"; do plugs+=(--plug "$WORK/c/$p.component.wasm"); done
  if "$WACC" compose "$WORK/c/$s.component.wasm" "${plugs[@]}" -o "$WORK/$n.wasm" > "$WORK/$n.clog" 2>&1; then
    return 0
  fi
  bad "$n" "wacc compose: $(cat "$WORK/$n.clog")"
  return 1
}

compose kitchen-c kitchen-consumer-c kitchen-provider-c && check kitchen-c kitchen
compose kitchen-cpp kitchen-consumer-c kitchen-provider-cpp && check kitchen-cpp kitchen

# compose errors: a plug that satisfies nothing, a --wire naming no import
if "$WACC" compose "$WORK/c/kitchen-consumer-c.component.wasm" --plug "$WORK/c/kitchen-consumer-c.component.wasm" \
     -o "$WORK/x.wasm" 2> "$WORK/err1" || ! grep -q "satisfies no import" "$WORK/err1"; then
  bad compose-unused-plug "$(cat "$WORK/err1")"
else ok compose-unused-plug; fi
if "$WACC" compose "$WORK/c/kitchen-consumer-c.component.wasm" --plug "$WORK/c/kitchen-provider-c.component.wasm" \
     --wire kitchen-consumer-c:r2:kitchen/nope=kitchen-provider-c -o "$WORK/x.wasm" 2> "$WORK/err2" ||
   ! grep -q "matches no import" "$WORK/err2"; then
  bad compose-bad-wire "$(cat "$WORK/err2")"
else ok compose-bad-wire; fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
