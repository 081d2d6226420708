# tests/lib/c-guest.sh — sourced by the test scripts whose guests are C
# written against the Canonical ABI by hand (tests/http/guest.c,
# tests/serve/guest.c, tests/ship/otel_guest.c): builds one into a component
# with clang-19 --target=wasm32, `jco embed` (tests/http/embed.mjs; the
# repo's WASI 0.2 WIT as deps) and `jco new`, cached by content hash.
#
# The caller sets ROOT, CLANG, JCO_DIR and CACHE, then:
#   c_guest NAME SRC.c WORLD.wit WORLD [DEP_WIT_DIR...]
# sets C_GUEST to the component's path and returns 0, or prints the build
# log and returns 1.
c_guest() {
  cg_name=$1 cg_src=$2 cg_wit=$3 cg_world=$4
  shift 4
  cg_key=$( { cat "$cg_src" "$cg_wit" "$ROOT/tests/http/embed.mjs" "$ROOT"/wit/wasi-0.2/*/*.wit
              cat "$(dirname "$cg_src")"/*.h 2>/dev/null     # headers next to the guest
              for cg_x in "$@"; do cat "$cg_x"/*.wit; done
              "$CLANG" --version | head -n 1; grep '"version"' "$JCO_DIR/package.json"; } |
            sha256sum | cut -c1-16)
  C_GUEST="$CACHE/$cg_name-$cg_key/guest.wasm"
  [ -f "$C_GUEST" ] && return 0
  cg_d="$CACHE/$cg_name-$cg_key.tmp.$$"
  mkdir -p "$cg_d/wit/deps"
  cp "$cg_wit" "$cg_d/wit/"
  for cg_p in io clocks http random cli filesystem sockets; do cp -r "$ROOT/wit/wasi-0.2/$cg_p" "$cg_d/wit/deps/"; done
  for cg_x in "$@"; do
    mkdir -p "$cg_d/wit/deps/$(basename "$cg_x")"
    cp "$cg_x"/*.wit "$cg_d/wit/deps/$(basename "$cg_x")/"
  done
  if "$CLANG" --target=wasm32 -nostdlib -O2 -fno-builtin -Wl,--no-entry -Wl,--strip-debug \
       "$cg_src" -o "$cg_d/guest.core.wasm" > "$cg_d/build.log" 2>&1 &&
     node "$ROOT/tests/http/embed.mjs" "$JCO_DIR" "$cg_d/guest.core.wasm" "$cg_d/wit" "$cg_world" \
       "$cg_d/guest.embed.wasm" >> "$cg_d/build.log" 2>&1 &&
     node "$JCO_DIR/dist/jco.js" new "$cg_d/guest.embed.wasm" -o "$cg_d/guest.wasm" >> "$cg_d/build.log" 2>&1; then
    rm -rf "$CACHE/$cg_name-$cg_key"
    mv "$cg_d" "$CACHE/$cg_name-$cg_key"
    return 0
  fi
  cat "$cg_d/build.log"
  rm -rf "$cg_d"
  return 1
}
