#!/usr/bin/env bash
# build-components.sh — builds the real-toolchain component corpus of
# tests/components/ (see tests/components/README.md) from its sources:
#
#   C  → core module (clang-19 --target=wasm32-wasi) → `jco new --wasi-command`
#        (jco's bundled wasi_snapshot_preview1 command adapter):
#        hello, fileio, stdin, exit
#   JS → componentize-js (StarlingMonkey inside the component, ~12 MB):
#        hello-js (wasi:cli/run), kitchen (custom interface r1:kitchen/api)
#   C + WIT → core module → jco-embed.mjs → `jco new`: provider, app; then
#        composed: both nested in one outer component written in component
#        text (the printed inner components inlined) and `jco parse`d.
#
#   build-components.sh [-o OUTDIR] [NAME...]
#
# Every component is cached under $WACC_COMPONENTS_CACHE (default
# <repo>/build/components)/<hash>/NAME.component.wasm, the hash covering its
# sources, WIT, this script and the tool versions, so componentize-js (slow)
# runs only when something changed. OUTDIR (default <cache>/latest) gets a
# symlink NAME.component.wasm per component, and build-times.txt lists the
# seconds each one took when it was built.
#
# Environment: WACC_NODE_DIR (node packages, default <repo>/.node; see
#              scripts/npm-deps.sh), CLANG (clang-19), WACC_COMPONENTS_CACHE.
# Exit status: 0 built, 1 a build failed, 77 a tool is missing (message
#              says which).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tests/components"
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
NM="$NODE_DIR/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CJS_DIR="$NM/@bytecodealliance/componentize-js"
CLANG="${CLANG:-clang-19}"
CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}"
ALL=(hello fileio stdin exit hello-js kitchen provider app composed)

out=""
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
out="${out:-$CACHE/latest}"

missing() { echo "build-components: $*" >&2; exit 77; }
command -v node >/dev/null 2>&1 || missing "node not found (install nodejs)"
[ -f "$JCO_DIR/dist/jco.js" ] || missing "jco not installed in $NM (run scripts/npm-deps.sh)"
[ -f "$CJS_DIR/src/cli.js" ] || missing "componentize-js not installed in $NM (run scripts/npm-deps.sh)"
command -v "$CLANG" >/dev/null 2>&1 || missing "$CLANG not found"

JCO=(node "$JCO_DIR/dist/jco.js")
CJS=(node "$CJS_DIR/src/cli.js")
WASI_WIT="$JCO_DIR/lib/wit/builtin/0.2.12"   # the WASI WIT jco bundles
CFLAGS=(--target=wasm32-wasi -O2 -Wl,--strip-debug)
# the composition's components import no WASI at all: no crt, no entry
CFLAGS_LIB=("${CFLAGS[@]}" -mexec-model=reactor -nostartfiles -Wl,--no-entry)

version() { sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$1/package.json" | head -n 1; }
TOOLS="jco $(version "$JCO_DIR") componentize-js $(version "$CJS_DIR") $("$CLANG" --version | head -n 1) node $(node --version)"

mkdir -p "$CACHE" "$out"

# The files each component is built from (paths relative to tests/components).
inputs() {
  case "$1" in
    hello|fileio|stdin|exit) echo "src/c/$1.c" ;;
    hello-js) echo "src/js/hello.js wit/hello-js/world.wit" ;;
    kitchen) echo "src/js/kitchen.js wit/kitchen/kitchen.wit" ;;
    provider) echo "src/compose/provider.c src/compose/cabi.h wit/compose/compose.wit jco-embed.mjs" ;;
    app) echo "src/compose/app.c src/compose/cabi.h wit/compose/compose.wit jco-embed.mjs" ;;
    composed) echo "$(inputs provider) $(inputs app)" ;;
    *) echo "build-components: unknown component '$1' (known: ${ALL[*]})" >&2; return 1 ;;
  esac
}

key() {
  local f
  {
    echo "$1 $TOOLS"
    cat "$0"
    for f in $(inputs "$1"); do echo "== $f"; cat "$SRC/$f"; done
  } | sha256sum | cut -c1-16
}

# A WIT folder for componentize-js: the world file plus the bundled WASI
# packages as deps/.
wit_dir() {
  local d="$1" world="$2" p
  mkdir -p "$d/deps"
  cp "$world" "$d/"
  for p in "$WASI_WIT"/*; do ln -sfn "$p" "$d/deps/$(basename "$p")"; done
}

# build NAME DIR: writes DIR/NAME.component.wasm (and intermediates)
build() {
  local n="$1" d="$2"
  case "$n" in
    hello|fileio|stdin|exit)
      "$CLANG" "${CFLAGS[@]}" "$SRC/src/c/$n.c" -o "$d/$n.core.wasm"
      "${JCO[@]}" new "$d/$n.core.wasm" --wasi-command -o "$d/$n.component.wasm"
      ;;
    hello-js)
      wit_dir "$d/wit" "$SRC/wit/hello-js/world.wit"
      "${CJS[@]}" "$SRC/src/js/hello.js" --wit "$d/wit" -n hello -o "$d/$n.component.wasm"
      ;;
    kitchen)
      wit_dir "$d/wit" "$SRC/wit/kitchen/kitchen.wit"
      "${CJS[@]}" "$SRC/src/js/kitchen.js" --wit "$d/wit" -n kitchen -o "$d/$n.component.wasm"
      ;;
    provider|app)
      local world=provider
      [ "$n" = app ] && world=consumer
      "$CLANG" "${CFLAGS_LIB[@]}" "$SRC/src/compose/$n.c" -o "$d/$n.core.wasm"
      node "$SRC/jco-embed.mjs" "$JCO_DIR" "$d/$n.core.wasm" "$SRC/wit/compose/compose.wit" \
        "$world" "$d/$n.embed.wasm"
      "${JCO[@]}" new "$d/$n.embed.wasm" -o "$d/$n.component.wasm"
      ;;
    composed)
      # jco has no `compose`: nest the two components in one outer component
      # in text form (each printed by `jco print`, its leading "(component"
      # given an id) and instantiate app with provider's export.
      local p a
      p="$(built provider)" && a="$(built app)" || return 1
      {
        echo ";; provider's r1:compose/text wired into app's import; only app's export is exported"
        echo "(component"
        "${JCO[@]}" print "$p" | sed '1s/^(component/(component $provider/'
        "${JCO[@]}" print "$a" | sed '1s/^(component/(component $app/'
        cat <<'EOF'
  (instance $p (instantiate $provider))
  (alias export $p "r1:compose/text@0.1.0" (instance $text))
  (instance $a (instantiate $app (with "r1:compose/text@0.1.0" (instance $text))))
  (alias export $a "r1:compose/app@0.1.0" (instance $app-api))
  (export "r1:compose/app@0.1.0" (instance $app-api))
)
EOF
      } > "$d/$n.wat"
      "${JCO[@]}" parse "$d/$n.wat" -o "$d/$n.component.wasm"
      ;;
  esac
}

# built NAME: path of NAME's component, building it unless cached
built() {
  local n="$1" h d t0 t1
  h="$(key "$n")" || return 1
  d="$CACHE/$h"
  if [ ! -f "$d/$n.component.wasm" ]; then
    rm -rf "$d.tmp"
    mkdir -p "$d.tmp"
    echo "build-components: building $n ($h)" >&2
    t0=$(date +%s.%N)
    if ! build "$n" "$d.tmp" > "$d.tmp/build.log" 2>&1; then
      echo "build-components: $n failed:" >&2
      tail -n 30 "$d.tmp/build.log" >&2
      return 1
    fi
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' > "$d.tmp/build-seconds"
    rm -rf "$d"
    mv "$d.tmp" "$d"
  fi
  echo "$d/$n.component.wasm"
}

status=0
: > "$out/build-times.txt"
for n in "${names[@]}"; do
  if f="$(built "$n")"; then
    ln -sfn "$f" "$out/$n.component.wasm"
    printf '%-10s %8s s  %10s bytes  %s\n' "$n" "$(cat "$(dirname "$f")/build-seconds")" \
      "$(stat -c %s "$f")" "$f" >> "$out/build-times.txt"
  else
    status=1
  fi
done
exit $status
