#!/usr/bin/env bash
# Install everything wacc needs to build and test on Debian bookworm.
# Idempotent: skips apt-get when every package is already installed.
set -euo pipefail
PKGS=(build-essential pkg-config meson ninja-build
      llvm-19-dev clang-19 lld-19 libelf-dev libxxhash-dev libcjson-dev
      check wabt wasi-libc libclang-rt-19-dev-wasm32 binutils
      libuv1-dev libhttp-parser-dev libcurl4-openssl-dev libsodium-dev
      wrk hey curl libidn2-dev
      python3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
      docker-registry apache2-utils skopeo podman crun
      rustc libstd-rust-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Component tests: jco (node) converts component .wast scripts. Debian's
# nodejs + npm unless a node with npm is already there (e.g. NodeSource).
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm || true
fi
if command -v npm >/dev/null 2>&1; then
  "$(dirname "${BASH_SOURCE[0]}")/npm-deps.sh" || echo "deps: jco install failed: component .wast tests will be skipped" >&2
else
  echo "deps: npm not found: component .wast tests will be skipped (install nodejs + npm)" >&2
fi
