#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite
# (unit tests, the WebAssembly core spec suite through `wacc wast`, bad-input
# tests), then the decoder/validator/runtime unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer, with a few async scripts.
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
# The async runtime under ASan with fake stacks (a pointer left into a
# returned frame is caught only so), on the scripts that had such bugs:
# trap-on-reenter (a trapped host call's task kept its caller), wasi3 (an
# instance freed with a host call in flight). intercept_tls_get_addr=0:
# GCC 12's LeakSanitizer misreads glibc >= 2.25 dynamic TLS blocks and
# crashes at exit ("Tracer caught signal 11"; google/sanitizers#1322).
ASAN_OPTIONS=detect_stack_use_after_return=1:intercept_tls_get_addr=0 \
    meson test -C build-san spec/async/trap-on-reenter nofuse/spec/async/trap-on-reenter wasi3 \
    --num-processes "$jobs" --print-errorlogs
