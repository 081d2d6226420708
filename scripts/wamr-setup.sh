#!/usr/bin/env bash
# Builds WAMR 2.4.5 (the wasm-micro-runtime of the Bytecode Alliance) for the
# `wamr` engine of scripts/bench: `wamrc`, its AOT compiler, against Debian's
# LLVM 19, and `iwasm` with AOT and WASI (libc-wasi). Benchmark-only, not in CI.
#
# Usage: scripts/wamr-setup.sh [DIR]        (default DIR: build/wamr)
#   WAMR_SRC=/path/to/wasm-micro-runtime    use this source tree instead of
#                                           cloning tag WAMR-2.4.5 from GitHub
#   WAMR_GIT=URL-or-path                    clone the tag from this git repository
#                                           (default: https://github.com/bytecodealliance/wasm-micro-runtime)
#   WAMR_TAG=WAMR-2.4.5                     the tag to clone
# Writes DIR/wamrc and DIR/iwasm (and DIR/VERSION: where the source came from).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:-$ROOT/build/wamr}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
TAG="${WAMR_TAG:-WAMR-2.4.5}"
GIT="${WAMR_GIT:-https://github.com/bytecodealliance/wasm-micro-runtime}"
LLVM_PREFIX="${LLVM_PREFIX:-/usr/lib/llvm-19}"

# Build tools and LLVM 19 with its CMake package (LLVMConfig.cmake).
PKGS="cmake ninja-build g++ git ca-certificates llvm-19-dev zlib1g-dev libzstd-dev"
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ ! -f "$LLVM_PREFIX/lib/cmake/llvm/LLVMConfig.cmake" ]; then
  echo "wamr-setup: no LLVMConfig.cmake under $LLVM_PREFIX (install llvm-19-dev)" >&2
  exit 1
fi

# The source: WAMR_SRC, or a shallow clone of the tag.
if [ -n "${WAMR_SRC:-}" ]; then
  if [ ! -d "$WAMR_SRC" ]; then
    echo "wamr-setup: WAMR_SRC=$WAMR_SRC is not a directory" >&2
    exit 1
  fi
  SRC="$(cd "$WAMR_SRC" && pwd)"
  ORIGIN="WAMR_SRC=$SRC"
else
  SRC="$DIR/src"
  if [ ! -d "$SRC/wamr-compiler" ]; then
    rm -rf "$SRC"
    case "$GIT" in /*) GIT="file://$GIT" ;; esac
    if ! git clone -q --depth 1 -b "$TAG" "$GIT" "$SRC"; then
      echo "wamr-setup: cannot clone $TAG from $GIT; set WAMR_SRC to a WAMR source tree or WAMR_GIT to a mirror" >&2
      exit 1
    fi
  fi
  ORIGIN="$GIT tag $TAG"
fi
for d in wamr-compiler product-mini/platforms/linux core/iwasm; do
  if [ ! -d "$SRC/$d" ]; then
    echo "wamr-setup: $SRC is not a WAMR source tree (no $d)" >&2
    exit 1
  fi
done
COMMIT="$(git -C "$SRC" rev-parse HEAD 2>/dev/null || echo unknown)"

# wamrc against the system LLVM (WAMR_BUILD_WITH_CUSTOM_LLVM: skip core/deps/llvm,
# find_package(LLVM) through CMAKE_PREFIX_PATH). Debian's LLVM is one shared
# libLLVM-19.so (LLVM_LINK_LLVM_DYLIB), which wamrc links.
JOBS="${JOBS:-2}"
nice cmake -S "$SRC/wamr-compiler" -B "$DIR/build-wamrc" -G Ninja -Wno-dev \
  -DCMAKE_BUILD_TYPE=Release \
  -DWAMR_BUILD_WITH_CUSTOM_LLVM=1 \
  -DCMAKE_PREFIX_PATH="$LLVM_PREFIX" >/dev/null
nice ninja -C "$DIR/build-wamrc" -j "$JOBS" wamrc

# iwasm: AOT loader + WASI (libc-wasi); no interpreter (its SIMD support would
# fetch SIMDe from GitHub at configure time), no JITs. On x86-64 Linux WAMR uses
# hardware bounds checks (guard pages), matching wamrc's default --bounds-checks=0.
nice cmake -S "$SRC/product-mini/platforms/linux" -B "$DIR/build-iwasm" -G Ninja -Wno-dev \
  -DCMAKE_BUILD_TYPE=Release \
  -DWAMR_BUILD_AOT=1 -DWAMR_BUILD_LIBC_WASI=1 -DWAMR_BUILD_LIBC_BUILTIN=1 \
  -DWAMR_BUILD_SIMD=1 -DWAMR_BUILD_BULK_MEMORY=1 \
  -DWAMR_BUILD_INTERP=0 -DWAMR_BUILD_FAST_INTERP=0 -DWAMR_BUILD_JIT=0 -DWAMR_BUILD_FAST_JIT=0 >/dev/null
nice ninja -C "$DIR/build-iwasm" -j "$JOBS" iwasm

cp "$DIR/build-wamrc/wamrc" "$DIR/wamrc"
cp "$DIR/build-iwasm/iwasm" "$DIR/iwasm"
printf '%s\ncommit %s\nLLVM %s\n' "$ORIGIN" "$COMMIT" "$("$LLVM_PREFIX/bin/llvm-config" --version)" > "$DIR/VERSION"
echo "wamr-setup: $DIR/wamrc and $DIR/iwasm ($ORIGIN, commit $COMMIT)"
