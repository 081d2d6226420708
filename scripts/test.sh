#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite
# (unit tests, the WebAssembly core spec suite through `wacc wast`, bad-input
# tests), then the decoder/validator/runtime unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson test -C build --num-processes "$jobs" --print-errorlogs
[ -f build-san/build.ninja ] || meson setup build-san -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-san
meson test -C build-san --suite unit --num-processes "$jobs" --print-errorlogs
