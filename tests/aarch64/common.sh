# common.sh — sourced by the aarch64 tests: makes sure the runtime-only
# aarch64 wacc exists (scripts/build-aarch64.sh into $A64, once, under a
# lock), and sets A64WACC (the command that runs it under qemu-aarch64).
# Exits 77 (skip) without the cross compiler, qemu-aarch64, or the arm64
# library packages (no network for the first build).
#   usage: . common.sh HOST_WACC SOURCE_ROOT BUILD_ROOT
set -u
HOST_WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
SRC="$(cd "$2" && pwd)"
A64="${WACC_AARCH64_BUILD:-$3/aarch64}"
command -v qemu-aarch64 > /dev/null || { echo "SKIP: qemu-aarch64 not found (apt-get install qemu-user)"; exit 77; }
command -v aarch64-linux-gnu-gcc > /dev/null ||
  { echo "SKIP: aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu)"; exit 77; }
mkdir -p "$A64"
(
  flock 9
  # incremental: ninja does nothing when the runtime is unchanged
  "$SRC/scripts/build-aarch64.sh" "$A64" > "$A64/build.log" 2>&1
  st=$?
  if [ $st = 3 ]; then echo "SKIP: arm64 library packages unavailable: $(tail -1 "$A64/build.log")"; exit 77; fi
  if [ $st != 0 ]; then echo "FAIL: aarch64 build"; tail -30 "$A64/build.log"; exit 1; fi
) 9> "$A64/.lock"
st=$?
[ $st = 0 ] || exit $st
A64WACC="qemu-aarch64 -L /usr/aarch64-linux-gnu $A64/compiler/driver/wacc"
