# lib.sh — shared by tests/polyglot/run.sh and examples/auth-service/run.sh
# (sourced): a work folder, the component builds (scripts/build-polyglot.sh),
# `wacc compose`, and check: a composition's calls under wacc and under
# jco transpile + node against expected/NAME.invoke.
#
# The caller sets HERE (its folder: cases/, expected/), ROOT, WACC.
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
JCO_DIR="$NODE_DIR/node_modules/@bytecodealliance/jco"
case "$WACC" in /*) ;; */*) WACC="$(cd "$(dirname "$WACC")" && pwd)/$(basename "$WACC")" ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wacc-polyglot.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

SO_CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}/so"
mkdir -p "$SO_CACHE"
compiler="$(dirname "$(command -v "$WACC")")/libwacc-compiler.so"
[ -f "$compiler" ] || compiler="$(command -v "$WACC")"
WACC_KEY="$(cat "$compiler" "$(command -v "$WACC")" | sha256sum | cut -c1-16)"

# build NAME...: exits 77/1 when a tool is missing / a build fails
build() {
  "$ROOT/scripts/build-polyglot.sh" "$WACC" -o "$WORK/c" "$@" > "$WORK/build.log" 2>&1
  local st=$?
  if [ $st = 77 ]; then echo "SKIP: $(tail -n 1 "$WORK/build.log")"; exit 77; fi
  if [ $st != 0 ]; then cat "$WORK/build.log"; echo "FAIL: building the components"; exit 1; fi
}

shim="$JCO_DIR/node_modules/@bytecodealliance/preview2-shim"
[ -d "$shim" ] || shim="$NODE_DIR/node_modules/@bytecodealliance/preview2-shim"
mkdir -p "$WORK/node_modules/@bytecodealliance"
ln -s "$shim" "$WORK/node_modules/@bytecodealliance/preview2-shim"

pass=0 fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# check NAME CASES [-Ox]: NAME.wasm under wacc and under node against expected/CASES.invoke
check() {
  local n="$1" cases="$2" exp="$HERE/expected/$2.invoke" opt="${3:--O1}"
  # the .so is cached by the component's and the compiler's content (the JS
  # front holds a whole JS engine: minutes to compile)
  local so
  so="$SO_CACHE/$n-$(sha256sum < "$WORK/$n.wasm" | cut -c1-16)-$WACC_KEY$opt.so"
  if [ ! -f "$so" ]; then
    if ! "$WACC" compile "$opt" "$WORK/$n.wasm" -o "$so.tmp" > "$WORK/$n.log" 2>&1; then
      rm -f "$so.tmp"
      bad "$n" "wacc compile: $(head -n 3 "$WORK/$n.log")"
      return
    fi
    mv "$so.tmp" "$so"
  fi
  ln -sfn "$so" "$WORK/$n.so"
  : > "$WORK/$n.wacc"
  local call
  while IFS=$'\t' read -r call _; do
    printf '%s\t%s\n' "$call" "$("$WACC" run --invoke "$call" "$WORK/$n.so" 2>&1)" >> "$WORK/$n.wacc"
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

# compose NAME SOCKET PLUG...: WORK/NAME.wasm
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


# exports NAME SOCKET: `wacc wit` of the composition NAME shows the socket's
# exports (functions too: they are aliased from a nested instance there)
exports() {
  local n="$1" s="$2"
  "$WACC" wit "$WORK/c/$s.component.wasm" 2>&1 | grep '^  export ' > "$WORK/$n.want-exports"
  "$WACC" wit "$WORK/$n.wasm" 2>&1 | grep '^  export ' > "$WORK/$n.exports"
  if [ -s "$WORK/$n.want-exports" ] && diff -u "$WORK/$n.want-exports" "$WORK/$n.exports" > "$WORK/$n.ediff"; then
    ok "$n (wacc wit: exports)"
  else
    bad "$n (wacc wit: exports)" "$(head -n 20 "$WORK/$n.ediff")"
  fi
}
