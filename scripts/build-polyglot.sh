#!/usr/bin/env bash
# build-polyglot.sh — builds the components of tests/polyglot/ and
# examples/auth-service/ from C, C++, Rust and JS on `wacc bindgen c`
# bindings, each cached by content hash like build-components.sh:
#
#   kitchen-provider-c     tests/polyglot/kitchen/provider.c     (clang-19)
#   kitchen-provider-cpp   tests/polyglot/kitchen/provider.cpp   (clang++-19, libc++, -fno-exceptions)
#   kitchen-consumer-c     tests/polyglot/kitchen/consumer.c     (clang-19)
#   auth-provider          examples/auth-service/provider/       (rustc wasm32-wasi, HS256 JWT)
#   auth-directory         examples/auth-service/directory/      (clang++-19)
#   auth-front             examples/auth-service/front/          (componentize-js)
#   resource-guest-c       tests/polyglot/resource/guest.c       (clang-19; a host-implemented resource)
#   bench-front            benchmarks/polyglot/guest/front.c     (clang-19, no libc: the blueprint's
#   bench-provider-client  .../provider_client.c                  parts as wasi:http services, for
#   bench-directory-server .../directory_server.c                 benchmarks/polyglot; their world in
#   bench-directory-client .../directory_client.c                 wit/bench.wit)
#
# C/C++/Rust: core module (reactor; the generated <world>.c carries the
# component-type custom section) → `jco new --wasi-reactor`.
#
#   build-polyglot.sh WACC [-o OUTDIR] [NAME...]
#
# OUTDIR (default <cache>/latest) gets NAME.component.wasm symlinks.
# Environment: WACC_NODE_DIR, WACC_COMPONENTS_CACHE (as build-components.sh),
# OPT (C/C++/Rust optimisation, default -O1).
# Exit status: 0 built, 1 a build failed, 77 a tool is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
NM="$NODE_DIR/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CJS_DIR="$NM/@bytecodealliance/componentize-js"
CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}"
OPT="${OPT:--O1}"
RUSTC="${RUSTC:-$(command -v /usr/bin/rustc || command -v rustc || echo rustc)}"   # Debian's first
ALL=(kitchen-provider-c kitchen-provider-cpp kitchen-consumer-c auth-provider auth-directory auth-front
     resource-guest-c bench-front bench-provider-client bench-directory-server bench-directory-client)

[ $# -ge 1 ] || { sed -n '2,24p' "$0"; exit 2; }
WACC="$1"
shift
out=""
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
out="${out:-$CACHE/latest}"

missing() { echo "build-polyglot: $*" >&2; exit 77; }
command -v node >/dev/null 2>&1 || missing "node not found (install nodejs)"
[ -f "$JCO_DIR/dist/jco.js" ] || missing "jco not installed in $NM (run scripts/npm-deps.sh)"
needs() { command -v "$1" >/dev/null 2>&1 || missing "$1 not found ($2)"; }
for n in "${names[@]}"; do
  case "$n" in
    *-c|bench-*) needs clang-19 "apt-get install clang-19 wasi-libc" ;;
    *-cpp|auth-directory)
      needs clang++-19 "apt-get install clang-19"
      [ -d /usr/lib/wasm32-wasi/c++/v1 ] || [ -d /usr/include/wasm32-wasi/c++/v1 ] ||
        ls /usr/lib/llvm-19/lib/wasm32-wasi 2>/dev/null | grep -q 'libc++' ||
        missing "libc++ for wasm32 not found (apt-get install libc++-19-dev-wasm32 libc++abi-19-dev-wasm32)" ;;
    auth-provider)
      needs "$RUSTC" "apt-get install rustc libstd-rust-dev-wasm32"
      case " $("$RUSTC" --print target-list 2>/dev/null | tr "\n" " ") " in *" wasm32-wasi "*) ;; *) missing "rustc has no wasm32-wasi target" ;; esac
      [ -n "$(ls /usr/lib/rustlib/wasm32-wasi/lib/libstd-*.rlib 2>/dev/null)" ] ||
        missing "the Rust standard library for wasm32-wasi is missing (apt-get install libstd-rust-dev-wasm32)" ;;
    auth-front)
      [ -f "$CJS_DIR/src/cli.js" ] || missing "componentize-js not installed in $NM (run scripts/npm-deps.sh)" ;;
  esac
done

JCO=(node "$JCO_DIR/dist/jco.js")
WASI_WIT="$JCO_DIR/lib/wit/builtin/0.2.12"
version() { sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$1/package.json" | head -n 1; }
TOOLS="jco $(version "$JCO_DIR") $(clang-19 --version 2>/dev/null | head -n 1) $("$RUSTC" --version 2>/dev/null) node $(node --version) $OPT"
K="$ROOT/tests/polyglot/kitchen"
A="$ROOT/examples/auth-service"
R="$ROOT/tests/polyglot/resource"
P="$ROOT/benchmarks/polyglot"
CFLAGS=(--target=wasm32-wasi "$OPT" -Wall -Wextra -Werror)
mkdir -p "$CACHE" "$out"

# world WIT and sources of each component
world_of() {
  case "$1" in
    kitchen-provider-*) echo "$K/kitchen.wit provider" ;;
    kitchen-consumer-c) echo "$K/kitchen.wit consumer" ;;
    auth-provider) echo "$A/wit authentication" ;;
    auth-directory) echo "$A/wit users" ;;
    auth-front) echo "" ;;      # JS: no C bindings
    resource-guest-c) echo "$R/counters.wit app" ;;
    bench-*) echo "" ;;         # hand-written Canonical ABI, no bindings
  esac
}
inputs() {
  case "$1" in
    kitchen-provider-c) echo "$K/provider.c" ;;
    kitchen-provider-cpp) echo "$K/provider.cpp" ;;
    kitchen-consumer-c) echo "$K/consumer.c" ;;
    auth-provider) echo "$A/provider/provider.rs $A/provider/jwt.rs $A/provider/bindings.rs" ;;
    auth-directory) echo "$A/directory/directory.cpp" ;;
    auth-front) echo "$A/front/front.js $A/front/wit/front.wit $A/wit/auth.wit" ;;
    resource-guest-c) echo "$R/guest.c" ;;
    bench-*) local f="${1#bench-}"; echo "$P/guest/${f//-/_}.c $P/guest/http.h $P/wit/bench.wit $A/wit/auth.wit $ROOT/tests/http/embed.mjs $ROOT/wit/wasi-0.2/*/*.wit" ;;
    *) echo "build-polyglot: unknown component '$1' (known: ${ALL[*]})" >&2; return 1 ;;
  esac
}

# gen NAME DIR: the bindings of NAME's world into DIR (cheap; part of the key)
gen() {
  local wit world
  read -r wit world <<< "$(world_of "$1")"
  mkdir -p "$2"
  [ -n "$wit" ] || return 0
  "$WACC" bindgen c "$wit" --world "$world" --out "$2" > /dev/null
}

key() {
  local f
  {
    echo "$1 $TOOLS"
    cat "$0"
    for f in $(inputs "$1") $(find "$2" -maxdepth 1 -type f | sort); do echo "== ${f##*/}"; cat "$f"; done
  } | sha256sum | cut -c1-16
}

# DIR/NAME.core.wasm -> DIR/NAME.component.wasm (the component type comes
# from the bindings' custom section; the preview1 reactor adapter is jco's)
componentize() {
  "${JCO[@]}" new "$2/$1.core.wasm" --wasi-reactor -o "$2/$1.component.wasm"
}

# a cdylib is linked without crt1: without crt1-reactor's _initialize (which
# runs the constructors once) wasm-ld wraps every export in constructor/
# destructor calls, and the destructors tear the C library down after the
# first call
rust_reactor_crt() {
  local f
  for f in "$(dirname "$("$RUSTC" --print target-libdir --target wasm32-wasi)")/lib/self-contained/crt1-reactor.o" \
           /usr/lib/rustlib/wasm32-wasi/lib/self-contained/crt1-reactor.o /usr/lib/wasm32-wasi/crt1-reactor.o; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  echo /usr/lib/wasm32-wasi/crt1-reactor.o
}

build() {
  local n="$1" d="$2" world
  read -r _ world <<< "$(world_of "$n")"
  case "$n" in
    kitchen-provider-c|kitchen-consumer-c|resource-guest-c)
      clang-19 "${CFLAGS[@]}" -mexec-model=reactor -Wl,--strip-debug -I"$d/gen" $(inputs "$n") \
        "$d/gen/$world.c" -o "$d/$n.core.wasm"
      componentize "$n" "$d" ;;
    kitchen-provider-cpp|auth-directory)
      clang++-19 "${CFLAGS[@]}" -fno-exceptions -I"$d/gen" -c $(inputs "$n") -o "$d/main.o"
      clang-19 "${CFLAGS[@]}" -I"$d/gen" -c "$d/gen/$world.c" -o "$d/bindings.o"
      clang++-19 --target=wasm32-wasi -mexec-model=reactor -fno-exceptions -Wl,--strip-debug \
        "$d/main.o" "$d/bindings.o" -o "$d/$n.core.wasm"
      componentize "$n" "$d" ;;
    auth-provider)
      # the C bindings (an object) linked into a Rust cdylib that implements them
      clang-19 "${CFLAGS[@]}" -I"$d/gen" -c "$d/gen/$world.c" -o "$d/bindings.o"
      "$RUSTC" --target wasm32-wasi --crate-type cdylib --edition 2021 -C opt-level="${OPT#-O}" -C panic=abort -C strip=debuginfo \
        -C link-arg="$d/bindings.o" -C link-arg=--export=cabi_realloc \
        -C link-arg="$(rust_reactor_crt)" -C link-arg=--export=_initialize \
        "$A/provider/provider.rs" -o "$d/$n.core.wasm"
      componentize "$n" "$d" ;;
    bench-*)
      # no libc: the component type comes from `jco embed` of wit/bench.wit
      # (with the auth package and the repo's WASI 0.2 as deps)
      local f="${n#bench-}" p
      mkdir -p "$d/wit/deps/auth"
      cp "$P/wit/bench.wit" "$d/wit/"
      cp "$A/wit/auth.wit" "$d/wit/deps/auth/"
      for p in io clocks http random cli filesystem sockets; do cp -r "$ROOT/wit/wasi-0.2/$p" "$d/wit/deps/"; done
      clang-19 --target=wasm32 -nostdlib "$OPT" -fno-builtin -Wall -Wextra -Werror -Wl,--no-entry \
        -Wl,--strip-debug "$P/guest/${f//-/_}.c" -o "$d/$n.core.wasm"
      node "$ROOT/tests/http/embed.mjs" "$JCO_DIR" "$d/$n.core.wasm" "$d/wit" "$f" "$d/$n.embed.wasm"
      "${JCO[@]}" new "$d/$n.embed.wasm" -o "$d/$n.component.wasm" ;;
    auth-front)
      # componentize-js 0.22's engine exports wasi:http/incoming-handler@0.2.10:
      # jco's bundled 0.2.10 io/clocks/sockets, and the repo's wit/wasi-0.2
      # http/cli/random/filesystem renamed to 0.2.10 (as tests/http/js.sh does)
      mkdir -p "$d/wit/deps/codesec-auth"
      cp "$A/front/wit/front.wit" "$d/wit/"
      cp "$A/wit/auth.wit" "$d/wit/deps/codesec-auth/"
      local p B="$JCO_DIR/lib/wit/builtin/0.2.10"
      for p in io clocks sockets; do cp -r "$B/wasi-$p" "$d/wit/deps/$p"; done
      for p in http cli random filesystem; do
        mkdir -p "$d/wit/deps/$p"
        sed 's/0\.2\.12/0.2.10/g' "$ROOT/wit/wasi-0.2/$p/$p.wit" |
          awk -v p="$p" 'p == "cli" && /^(@[a-z]+\(.*\)[ ]*)?$/ { held = held $0 "\n"; next }
                         p == "cli" && /^world / { exit }
                         { printf "%s", held; held = ""; print }' > "$d/wit/deps/$p/$p.wit"
      done
      node "$CJS_DIR/src/cli.js" "$A/front/front.js" --wit "$d/wit" -n front -o "$d/$n.component.wasm" ;;
  esac
}

built() {
  local n="$1" h d t0 t1 tmpgen
  tmpgen="$(mktemp -d)"
  gen "$n" "$tmpgen" || { rm -rf "$tmpgen"; return 1; }
  h="$(key "$n" "$tmpgen")" || { rm -rf "$tmpgen"; return 1; }
  d="$CACHE/$h"
  if [ ! -f "$d/$n.component.wasm" ]; then
    rm -rf "$d.tmp"
    mkdir -p "$d.tmp"
    mv "$tmpgen" "$d.tmp/gen"
    echo "build-polyglot: building $n ($h)" >&2
    t0=$(date +%s.%N)
    if ! build "$n" "$d.tmp" > "$d.tmp/build.log" 2>&1; then
      echo "build-polyglot: $n failed:" >&2
      tail -n 30 "$d.tmp/build.log" >&2
      return 1
    fi
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }' > "$d.tmp/build-seconds"
    rm -rf "$d"
    mv "$d.tmp" "$d"
  else
    rm -rf "$tmpgen"
  fi
  echo "$d/$n.component.wasm"
}

status=0
for n in "${names[@]}"; do
  if f="$(built "$n")"; then
    ln -sfn "$f" "$out/$n.component.wasm"
  else
    status=1
  fi
done
exit $status
