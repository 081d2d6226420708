#!/bin/sh
# ir.sh — instruction counts (valgrind callgrind "I refs", whole process) of
# two wacc builds' artifacts, for A/Bs on a VM without hardware counters
# (`perf stat -e instructions` says <not supported>) or at a load where CPU
# times are noise. Uses the .wasm files benchmarks/ab/ab.py left in
# build/bench/ab; each artifact is compiled with --cpu x86-64-v3 (valgrind
# has no AVX-512) and run by the wacc that compiled it (ABI may differ).
#   usage: benchmarks/ab/ir.sh WACC_A WACC_B [NAME:ARG]...
#   e.g.   benchmarks/ab/ir.sh /tmp/base/wacc build/compiler/driver/wacc sqlite3:20000 lua:10
set -eu
[ $# -ge 2 ] || { echo "usage: $0 WACC_A WACC_B [NAME:ARG]..." >&2; exit 2; }
command -v valgrind > /dev/null || { echo "valgrind not found (apt-get install valgrind)" >&2; exit 77; }
A=$(realpath "$1"); B=$(realpath "$2"); shift 2
[ $# -gt 0 ] || set -- fannkuch:9 raytrace:600 zlib:2 sqlite3:20000 lua:10 zstd:8
DIR=$(cd "$(dirname "$0")/../.." && pwd)/build/bench/ab
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "| program (arg) | A Ir | B Ir | B/A |"
echo "|---|---:|---:|---:|"
for spec in "$@"; do
  name=${spec%%:*}; arg=${spec#*:}
  [ -f "$DIR/$name.wasm" ] || { echo "$name: no $DIR/$name.wasm (run ab.py first)" >&2; continue; }
  for k in a b; do
    W=$A; [ $k = b ] && W=$B
    "$W" compile --quiet --cpu x86-64-v3 "$DIR/$name.wasm" -o "$TMP/$name.$k.so"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$W" run "$TMP/$name.$k.so" $arg \
      > "$TMP/out.$k" 2> "$TMP/cg.$k"
    eval "ir_$k=\$(awk '/refs:/{gsub(\",\",\"\",\$NF); print \$NF}' \"\$TMP/cg.\$k\")"
  done
  cmp -s "$TMP/out.a" "$TMP/out.b" || { echo "$name: outputs differ" >&2; exit 1; }
  awk -v n="$name ($arg)" -v a="$ir_a" -v b="$ir_b" \
    'BEGIN { printf "| %s | %d | %d | %.4f |\n", n, a, b, b / a }'
done
