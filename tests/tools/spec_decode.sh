#!/bin/sh
# Runs every binary module of the spec suite (core, SIMD and the proposals the
# decoder supports) through wasm_decode + wasm_validate.
# Usage: spec_decode.sh CHECKER TESTSUITE_DIR   (exit 77 = skipped)
checker=$1
suite=$2
if [ ! -d "$suite/core" ] || ! command -v wast2json >/dev/null 2>&1; then
    echo "spec suite or wast2json not found: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert() { # dir flags files...
    d=$1; f=$2; shift 2
    for w in "$@"; do
        n=$(basename "$w" .wast)
        mkdir -p "$tmp/$d/$n"
        wast2json $f "$w" -o "$tmp/$d/$n/$n.json" 2>/dev/null || echo "wast2json failed: $w"
    done
}
convert core "" "$suite"/core/*.wast "$suite"/core/simd/*.wast
convert tail-call --enable-tail-call "$suite"/proposals/tail-call/*.wast
convert extended-const --enable-extended-const "$suite"/proposals/extended-const/*.wast
convert multi-memory --enable-multi-memory "$suite"/proposals/multi-memory/*.wast
convert memory64 --enable-memory64 "$suite"/proposals/memory64/*.wast
rc=0
"$checker" "$tmp"/core/*/*.json || rc=1
"$checker" -f tail-call "$tmp"/tail-call/*/*.json || rc=1
"$checker" -f extended-const "$tmp"/extended-const/*/*.json || rc=1
"$checker" -f multi-memory "$tmp"/multi-memory/*/*.json || rc=1
"$checker" -f memory64 "$tmp"/memory64/*/*.json || rc=1
exit $rc
