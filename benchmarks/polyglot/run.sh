#!/bin/bash
# run.sh — the auth-service blueprint (examples/auth-service) composed into
# one .so vs the same three parts as three services calling each other over
# loopback HTTP, under `wacc serve` and as native processes. Not part of CI.
#
#   benchmarks/polyglot/run.sh [-n REQUESTS] [-c CONCURRENCY] [--no-js]
#
# Needs a build in ./build (BUILD=...), clang-19, rustc (Debian's, with
# wasm32-wasi), clang++-19 + libc++ for wasm32, node + jco/componentize-js
# (WACC_NODE_DIR), hey. Components and .so files are cached by content in
# WACC_COMPONENTS_CACHE (the JS front compiles for minutes once, at -O1).
# Writes benchmarks/results/polyglot.{md,svg} and prints the table.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
B="${BUILD:-$ROOT/build}"
WACC="$B/compiler/driver/wacc"
CACHE="${WACC_COMPONENTS_CACHE:-$B/components}"
RUSTC="${RUSTC:-$(command -v /usr/bin/rustc || command -v rustc)}"
N=4000 C=8 JS=1 JS_N=200
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="$2"; shift 2 ;;
    -c) C="$2"; shift 2 ;;
    --no-js) JS=0; shift ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
for t in hey clang-19 clang++-19 node "$RUSTC"; do
  command -v "$t" > /dev/null || { echo "polyglot bench: $t not found"; exit 1; }
done
[ -x "$WACC" ] && [ -x "$B/benchmarks/polyglot/polyglot-native" ] && [ -x "$B/tests/polyglot/host_auth" ] ||
  { echo "polyglot bench: build first (meson setup build && ninja -C build)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-bench-polyglot.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
mkdir -p "$W/c" "$CACHE/so"

# ---- the blueprint's parts and the C wasi:http guests (guest/*.c), cached ----
parts=(auth-provider auth-directory bench-front bench-provider-client bench-directory-server bench-directory-client)
[ $JS = 1 ] && parts+=(auth-front)
"$ROOT/scripts/build-polyglot.sh" "$WACC" -o "$W/c" "${parts[@]}"

# ---- compositions and their .so (cached by content and compiler) ----
WACC_KEY="$(cat "$B/compiler/driver/libwacc-compiler.so" "$WACC" 2> /dev/null | sha256sum | cut -c1-16)"
compose() {   # compose NAME OPT SOCKET PLUG...
  local n="$1" opt="$2" s="$3" p plugs=() so
  shift 3
  for p in "$@"; do plugs+=(--plug "$W/c/$p.component.wasm"); done
  "$WACC" compose "$W/c/$s.component.wasm" "${plugs[@]}" -o "$W/$n.wasm"
  so="$CACHE/so/$n-$(sha256sum < "$W/$n.wasm" | cut -c1-16)-$WACC_KEY$opt.so"
  if [ ! -f "$so" ]; then
    echo "polyglot bench: wacc compile $opt $n" >&2
    nice "$WACC" compile "$opt" "$W/$n.wasm" -o "$so.tmp"
    mv "$so.tmp" "$so"
  fi
  ln -sfn "$so" "$W/$n.so"
}
compose one-c -O2 bench-front auth-provider auth-directory      # one .so: C front
compose core -O2 auth-provider auth-directory                   # validate-token in a .so
compose svc-directory -O2 bench-directory-server auth-directory # three services
compose svc-provider -O2 bench-front auth-provider bench-directory-client
compose svc-front -O2 bench-front bench-provider-client
if [ $JS = 1 ]; then
  compose one-js -O1 auth-front auth-provider auth-directory    # the blueprint as shipped
  compose svc-front-js -O1 auth-front bench-provider-client
fi

# ---- native: the Rust provider and the C++ directory in one host object ----
nd="$W/native"
mkdir -p "$nd"
"$RUSTC" --crate-type staticlib --edition 2021 -C opt-level=2 -C panic=abort \
  "$ROOT/examples/auth-service/provider/provider.rs" -o "$nd/libprovider.a"
clang++-19 -O2 -fPIC -fno-exceptions -I"$HERE/native" -c "$ROOT/examples/auth-service/directory/directory.cpp" -o "$nd/directory.o"
clang-19 -O2 -fPIC -Wall -Wextra -Werror -I"$HERE/native" -c "$HERE/native/glue.c" -o "$nd/glue.o"
clang++-19 -shared -o "$nd/libauth-native.so" "$nd/directory.o" "$nd/glue.o" \
  -Wl,--whole-archive "$nd/libprovider.a" -Wl,--no-whole-archive -lpthread -ldl

# ---- tokens ----
node -e "import('$ROOT/examples/auth-service/tokens.mjs').then(m => console.log(m.tokens[0][1]))" > "$W/token"

python3 "$HERE/bench.py" --work "$W" --wacc "$WACC" --native "$B/benchmarks/polyglot/polyglot-native" \
  --host-auth "$B/tests/polyglot/host_auth" -n "$N" -c "$C" --js "$JS" --js-n "$JS_N" \
  --out "$ROOT/benchmarks/results/polyglot.md"
