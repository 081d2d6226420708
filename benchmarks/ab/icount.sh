#!/bin/sh
# Instruction counts (valgrind callgrind, Ir) of two wacc builds' code on
# scripts/bench workloads, for VMs without hardware counters (perf stat
# -e instructions: <not supported>) and noisy machines. Artifacts are
# compiled with --cpu x86-64-v3 (valgrind has no AVX-512).
# Usage: benchmarks/ab/icount.sh WACC_A WACC_B BENCHDIR "name args..." ...
#   BENCHDIR holds NAME.wasm (scripts/bench's work directory, e.g. build/bench)
#   e.g. benchmarks/ab/icount.sh old/wacc new/wacc build/bench "matmul 256 2" "zlib 2"
set -eu
A=$1 B=$2 DIR=$3
shift 3
command -v valgrind >/dev/null || { echo "icount: valgrind not found" >&2; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf '| program | args | A Ir | B Ir | B/A |\n|---|---|---:|---:|---:|\n'
for spec in "$@"; do
    set -- $spec
    name=$1
    shift
    for w in A B; do
        eval bin=\$$w
        "$bin" compile --quiet --cpu x86-64-v3 "$DIR/$name.wasm" -o "$T/$name.$w.so"
        valgrind --tool=callgrind --callgrind-out-file="$T/cg.$w" "$bin" run "$T/$name.$w.so" "$@" \
            >"$T/out.$w" 2>"$T/err.$w"
        grep -o 'Collected : [0-9]*' "$T/err.$w" | grep -o '[0-9]*$' >"$T/ir.$w"
    done
    cmp -s "$T/out.A" "$T/out.B" || { echo "icount: $name: outputs differ" >&2; exit 1; }
    a=$(cat "$T/ir.A") b=$(cat "$T/ir.B")
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$*" "$a" "$b" "$(echo "scale=3; $b / $a" | bc)"
done
