#!/bin/bash
# spec.sh — the core spec suite on aarch64, a subset for CI: each script is
# converted and compiled on this (x86-64) host with
#   wacc wast -O2 --target aarch64-linux-gnu --emit-dir D FILE.wast
# and its commands are run by the runtime-only aarch64 wacc under qemu:
#   qemu-aarch64 -L /usr/aarch64-linux-gnu wacc wast --precompiled D/*/*.json
# The full run is scripts/test-aarch64-spec.sh.
#   spec.sh HOST_WACC SOURCE_ROOT BUILD_ROOT TESTSUITE_DIR
. "$(dirname "$0")/common.sh" "$1" "$2" "$3"
TS="$4"
[ -d "$TS/core" ] || { echo "SKIP: spec testsuite not found at $TS"; exit 77; }
command -v wast2json > /dev/null || { echo "SKIP: wast2json not found (wabt)"; exit 77; }
# Scalar and memory semantics, traps (signal handler), stack exhaustion,
# tables/indirect calls, linking, SIMD and relaxed SIMD (the NEON forms).
SUBSET="core/address core/call core/call_indirect core/conversions core/f32
  core/i32 core/i64 core/int_exprs core/linking core/memory_grow
  core/memory_trap core/traps core/br_table core/table_grow
  core/simd/simd_i8x16_arith2 core/simd/simd_i16x8_q15mulr_sat_s
  core/simd/simd_conversions core/simd/simd_load
  proposals/relaxed-simd/i8x16_relaxed_swizzle proposals/relaxed-simd/i16x8_relaxed_q15mulr_s
  proposals/relaxed-simd/i32x4_relaxed_trunc proposals/relaxed-simd/relaxed_laneselect
  proposals/relaxed-simd/relaxed_madd_nmadd proposals/relaxed-simd/relaxed_min_max"
files=()
for f in $SUBSET; do files+=("$TS/$f.wast"); done
D=$(mktemp -d "${TMPDIR:-/tmp}/wacc-a64spec.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$D"' EXIT
"$HOST_WACC" wast -O2 -j2 --target aarch64-linux-gnu --emit-dir "$D" "${files[@]}" > "$D/emit.log" 2>&1 ||
  { echo "FAIL: compiling for aarch64"; cat "$D/emit.log"; exit 1; }
# `wacc wast` exits non-zero when a command fails
$A64WACC wast -j2 --precompiled "$D"/*/*.json
