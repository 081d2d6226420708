#!/bin/sh
# WASI 0.2 I/O throughput: copy.c reads a 64 MiB file from a granted
# directory (`wacc run --dir`) or the same bytes from stdin (a pipe) and
# writes them to stdout (/dev/null), in 64 KiB chunks. Reports MB/s for the
# wacc-run component and for the same program built natively.
#
# Usage: benchmarks/wasi2/run.sh [BUILD_DIR] [MIB]   (default build, 64)
# Needs clang-19 (wasm32-wasi sysroot), jco (scripts/npm-deps.sh puts it in
# .node/), a C compiler (cc) and BUILD_DIR/compiler/driver/wacc
# with libwacc-compiler.so next to it (ninja -C BUILD_DIR compiler/driver/wacc
# compiler/driver/libwacc-compiler.so).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
mib=${2:-64}
case $build in /*) ;; *) build=$root/$build ;; esac
wacc=$build/compiler/driver/wacc
work=$build/wasi2-bench
clang=${CLANG:-clang-19}
mkdir -p "$work/dir"
[ -x "$wacc" ] || { echo "run.sh: $wacc not built (ninja -C $build compiler/driver/wacc compiler/driver/libwacc-compiler.so)" >&2; exit 1; }
jco=
for j in "$root/.node/node_modules/.bin/jco" /tmp/jco/node_modules/.bin/jco; do
    [ -x "$j" ] && { jco=$j; break; }
done
command -v jco >/dev/null 2>&1 && [ -z "$jco" ] && jco=$(command -v jco)
[ -n "$jco" ] || { echo "run.sh: jco not found (scripts/npm-deps.sh installs it into .node/)" >&2; exit 1; }

# build: native, core module, component, .so
cc -O2 "$here/copy.c" -o "$work/copy-native"
"$clang" --target=wasm32-wasi -O2 -Wl,--strip-debug "$here/copy.c" -o "$work/copy.core.wasm"
"$jco" new "$work/copy.core.wasm" --wasi-command -o "$work/copy.component.wasm" >/dev/null
"$wacc" compile "$work/copy.component.wasm" -o "$work/copy.so"

data=$work/dir/data.bin
if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" != $((mib * 1048576)) ]; then
    head -c $((mib * 1048576)) /dev/urandom > "$data"
fi

now() { date +%s.%N; }
# report NAME T0 T1
report() {
    awk -v n="$1" -v a="$2" -v b="$3" -v m="$mib" \
        'BEGIN { t = b - a; printf "%-22s %7.3f s  %8.1f MB/s\n", n, t, m * 1.048576 / t }'
}
best() { # best of 3: NAME CMD... (stdout to /dev/null, stderr checked)
    name=$1; shift
    bt=
    for i in 1 2 3; do
        t0=$(now)
        "$@" > /dev/null 2> "$work/err"
        t1=$(now)
        grep -q "^bytes=$((mib * 1048576)) " "$work/err" || { echo "$name: wrong output:"; cat "$work/err"; exit 1; }
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
        if [ -z "$bt" ] || awk -v a="$t" -v b="$bt" 'BEGIN { exit !(a < b) }'; then bt=$t; fi
    done
    report "$name" 0 "$bt"
}
file_native() { "$work/copy-native" "$data"; }
file_wacc() { "$wacc" run --dir "$work/dir::/d" "$work/copy.so" /d/data.bin; }
stdin_native() { cat "$data" | "$work/copy-native"; }
stdin_wacc() { cat "$data" | "$wacc" run "$work/copy.so"; }
echo "copy $mib MiB, 64 KiB chunks (best of 3)"
best "file   native" file_native
best "file   wacc run --dir" file_wacc
best "stdin  native" stdin_native
best "stdin  wacc run" stdin_wacc
