#!/bin/bash
# test-aarch64-spec.sh [BUILDDIR] — the whole core spec suite (core,
# core/simd) and the relaxed-SIMD proposal on aarch64: every script is
# converted and compiled on this x86-64 host (BUILDDIR's wacc, -O2 or $WACC_OPT,
# --target aarch64-linux-gnu --emit-dir), then run by the runtime-only
# aarch64 wacc (BUILDDIR/aarch64, built by scripts/build-aarch64.sh) under
# qemu-aarch64 with --precompiled. Prints per-file results and the totals.
# CI runs a subset (meson test --suite aarch64, tests/aarch64/spec.sh).
set -u
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
B="$(cd "${1:-$SRC/build}" && pwd)"
A64="${WACC_AARCH64_BUILD:-$B/aarch64}"
TS="${WACC_TESTSUITE:-$SRC/../shared/testsuite}"
[ -d "$TS/core" ] || TS=/work/shared/testsuite
"$SRC/scripts/build-aarch64.sh" "$A64" > /dev/null || exit 1
D="${WACC_EMIT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/wacc-a64spec.XXXXXX")}"
mkdir -p "$D"
J="${WACC_JOBS:-2}"
echo "compiling for aarch64 into $D ..."
nice "$B/compiler/driver/wacc" wast -O"${WACC_OPT:-2}" -j"$J" --target aarch64-linux-gnu --emit-dir "$D" \
  "$TS"/core/*.wast "$TS"/core/simd/*.wast "$TS"/proposals/relaxed-simd/*.wast > "$D/emit.log" 2>&1
echo "running under qemu-aarch64 ..."
grep -q " 0 failed" <(tail -1 "$D/emit.log") || { echo "compiling failed:"; tail -20 "$D/emit.log"; exit 1; }
nice qemu-aarch64 -L /usr/aarch64-linux-gnu "$A64/compiler/driver/wacc" wast -j"$J" --precompiled "$D"/*/*.json
