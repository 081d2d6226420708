#!/usr/bin/env bash
# Extra packages for scripts/bench: python3 (the driver), tcl (generates the
# SQLite amalgamation), nodejs (V8 baseline), wabt (wasm2c baseline), and
# deb-src entries so `apt-get source` can fetch zlib, bzip2, zstd and sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  python3 tcl dpkg-dev nodejs
