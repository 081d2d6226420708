#!/usr/bin/env bash
# build-aarch64.sh [BUILDDIR] — build the runtime-only wacc for aarch64
# (meson -Dcompiler=false, no LLVM) with Debian's cross toolchain, then run
# artifacts compiled on x86-64 with `wacc compile --target aarch64-linux-gnu`:
#
#   qemu-aarch64 -L /usr/aarch64-linux-gnu BUILDDIR/compiler/driver/wacc run app.so
#
# Installs gcc-aarch64-linux-gnu and qemu-user with apt-get if missing. The
# arm64 builds of the libraries wacc links (libcurl, libuv, libsodium, cJSON,
# libelf, xxHash, http-parser and what they need) are Debian's arm64 packages,
# downloaded with apt-get into BUILDDIR/apt (a private apt state: the system's
# architectures and packages are not touched) and unpacked into
# BUILDDIR/sysroot; the wacc binary finds them there through its rpath.
# Exit status 3: the packages could not be fetched (no network).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
B="${1:-$SRC/build-aarch64}"
mkdir -p "$B"
B="$(cd "$B" && pwd)"

need=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "build-aarch64: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The arm64 library packages (their dependency closure minus what the cross
# toolchain already provides: libc, libgcc, kernel headers).
SYS="$B/sysroot"
if [ ! -f "$SYS/.done" ]; then
  A="$B/apt"
  mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$A/debs"
  : > "$A/status"
  cat > "$A/apt.conf" <<CONF
Dir::State "$A/state";
Dir::State::status "$A/status";
Dir::Cache "$A/cache";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
CONF
  export APT_CONFIG="$A/apt.conf"
  echo "build-aarch64: fetching the arm64 package lists (private apt state in $A)"
  apt-get update -qq || { echo "build-aarch64: cannot fetch the arm64 package lists"; exit 3; }
  ROOTS=(libcurl4-openssl-dev libuv1-dev libhttp-parser-dev libsodium-dev libcjson-dev
         libelf-dev libxxhash-dev libidn2-dev)
  mapfile -t PKGS < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances "${ROOTS[@]}" | grep -v '^[ <]' | sort -u |
      grep -Ev '^(libc6|libc6-dev|libc-dev-bin|libgcc-s1|gcc-12-base|linux-libc-dev|libcrypt-dev|libnsl-dev|libtirpc-dev|rpcsvc-proto)$')
  echo "build-aarch64: downloading ${#PKGS[@]} arm64 packages"
  (cd "$A/debs" && apt-get download -qq "${PKGS[@]}") ||
    { echo "build-aarch64: cannot download the arm64 packages"; exit 3; }
  rm -rf "$SYS"
  mkdir -p "$SYS"
  for d in "$A/debs"/*.deb; do dpkg-deb -x "$d" "$SYS"; done
  # absolute symlinks (libfoo.so -> /lib/...) must point into the sysroot
  find "$SYS" -type l | while read -r l; do
    t="$(readlink "$l")"
    case "$t" in /*) ln -sfn "$SYS$t" "$l" ;; esac
  done
  unset APT_CONFIG
  touch "$SYS/.done"
fi

LIBS="$SYS/usr/lib/aarch64-linux-gnu"
LIBS2="$SYS/lib/aarch64-linux-gnu"
cat > "$B/sysroot.ini" <<INI
[properties]
sys_root = '$SYS'
pkg_config_libdir = ['$LIBS/pkgconfig', '$SYS/usr/share/pkgconfig']

[built-in options]
c_args = ['-isystem', '$SYS/usr/include']
c_link_args = ['-L$LIBS', '-Wl,--disable-new-dtags', '-Wl,-rpath-link,$LIBS', '-Wl,-rpath-link,$LIBS2', '-Wl,-rpath,$LIBS', '-Wl,-rpath,$LIBS2']
INI

if [ ! -f "$B/build.ninja" ]; then
  meson setup "$B" "$SRC" --cross-file "$SRC/cross/aarch64-linux-gnu.ini" --cross-file "$B/sysroot.ini" \
    -Dcompiler=false -Dtests=false
fi
nice ninja -C "$B" -j"${WACC_JOBS:-2}" compiler/driver/wacc
file "$B/compiler/driver/wacc" | sed 's/, BuildID.*//'
echo "build-aarch64: run it with: qemu-aarch64 -L /usr/aarch64-linux-gnu $B/compiler/driver/wacc run APP.so"
