#!/bin/sh
# Async Component Model costs: builds the probes (build-async.sh) and runs
# wacc-acall (ninja -C BUILD_DIR benchmarks/components/wacc-acall first).
#
# Usage: benchmarks/components/run-async.sh [BUILD_DIR] [wacc-acall options...]
#   options: --batch K --reps R --n N --mib M --sreps S --fuse both|fused|generic
#            --only get|cb-now|stackful|sync|now|yield|str|words|stream
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
case $build in /*) ;; *) build=$root/$build ;; esac
"$here/build-async.sh" "$build"
work=$build/acall
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$build/benchmarks/components/wacc-acall" --callee "$work/acallee.so" \
    --pair "$work/apair.so" "$@"
