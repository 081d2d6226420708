#!/bin/bash
# fiber_cross.sh — runtime/fiber for aarch64: built alone (stub internal.h,
# fiber_cross/test.c) with aarch64-linux-gnu-gcc and run under
# qemu-aarch64. Exit 77 without the cross compiler or qemu-user.
#   fiber_cross.sh SRCROOT
set -u
ROOT="$1"
CC=aarch64-linux-gnu-gcc
QEMU=qemu-aarch64
command -v $CC > /dev/null || { echo "SKIP: $CC not installed"; exit 77; }
command -v $QEMU > /dev/null || command -v qemu-aarch64-static > /dev/null ||
  { echo "SKIP: qemu-user not installed"; exit 77; }
command -v $QEMU > /dev/null || QEMU=qemu-aarch64-static
W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-fiber-cross.XXXXXX")
trap 'rm -rf "$W"' EXIT
$CC -std=c17 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static \
  -I"$ROOT/tests/unit/fiber_cross" -I"$ROOT/runtime/fiber" \
  "$ROOT/tests/unit/fiber_cross/test.c" "$ROOT/runtime/fiber/fiber.c" "$ROOT/runtime/fiber/switch.S" \
  -o "$W/fiber-test" || { echo "FAIL: build"; exit 1; }
$QEMU "$W/fiber-test"
