#!/bin/bash
# wasi.sh — the WASI preview1 C programs (tests/programs/run.sh) compiled
# with --target aarch64-linux-gnu and run by the aarch64 wacc under qemu;
# outputs compared with the programs built natively (x86-64).
#   wasi.sh HOST_WACC SOURCE_ROOT BUILD_ROOT
. "$(dirname "$0")/common.sh" "$1" "$2" "$3"
COMPILE_FLAGS="--target aarch64-linux-gnu" WASI_RUNNER="$A64WACC run" \
  exec "$SRC/tests/programs/run.sh" "$HOST_WACC"
