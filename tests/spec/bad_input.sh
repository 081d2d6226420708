#!/usr/bin/env bash
# Bad inputs to the wacc driver: every case must print exactly one line
# "wacc: ..." on stderr and exit with status 1 (never a signal, never 0).
# Also checks that a corrupt cache entry is rebuilt, not used.
# usage: bad_input.sh path/to/wacc
set -u
WACC=${1:?usage: bad_input.sh WACC}
T=$(mktemp -d "${TMPDIR:-/tmp}/wacc-bad-XXXXXX")
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"
fails=0

# (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
printf '\0asm\1\0\0\0\1\7\1\x60\2\x7f\x7f\1\x7f\3\2\1\0\7\7\1\3add\0\0\n\x09\1\7\0\x20\0\x20\1\x6a\x0b' > "$T/ok.wasm"
head -c 20 "$T/ok.wasm" > "$T/truncated.wasm"
awk 'BEGIN { srand(42); for (i = 0; i < 300; i++) printf "%c", int(rand() * 255) + 1 }' > "$T/random.wasm"
{ printf '\0asm\1\0\0\0'; cat "$T/random.wasm"; } > "$T/random_body.wasm"
printf '\0asm\1\0\0\0\x0e\1\0' > "$T/bad_section.wasm"                # unknown section id
printf '\0asm\2\0\0\0' > "$T/bad_version.wasm"
# (func (result i32)) with an empty body: decodes, fails validation
printf '\0asm\1\0\0\0\1\5\1\x60\0\1\x7f\3\2\1\0\n\4\1\2\0\x0b' > "$T/invalid.wasm"
: > "$T/empty.wasm"
echo "hello" > "$T/text.so"

check() {   # check NAME CMD...: expect exit 1 and a one-line error
    local name=$1; shift
    "$@" > "$T/out" 2> "$T/err"
    local rc=$? lines
    lines=$(wc -l < "$T/err")
    if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -q '^wacc: ' "$T/err"; then
        echo "FAIL $name: exit $rc, $lines stderr line(s):"
        sed 's/^/    /' "$T/err" | head -5
        fails=$((fails + 1))
    else
        echo "ok   $name: $(cat "$T/err")"
    fi
}

for f in truncated random random_body bad_section bad_version invalid empty; do
    check "compile $f.wasm" "$WACC" compile "$T/$f.wasm" -o "$T/$f.so"
    check "run $f.wasm" "$WACC" run "$T/$f.wasm"
done
check "compile missing file" "$WACC" compile "$T/nope.wasm" -o "$T/nope.so"
check "compile a directory" "$WACC" compile "$T" -o "$T/dir.so"
check "run text file" "$WACC" run "$T/text.so"
check "inspect text file" "$WACC" inspect "$T/text.so"

for lib in /usr/lib/x86_64-linux-gnu/libelf.so.1 /usr/lib64/libelf.so.1 /lib/x86_64-linux-gnu/libc.so.6; do
    if [ -f "$lib" ]; then
        check "run foreign .so ($lib)" "$WACC" run "$lib"
        check "inspect foreign .so ($lib)" "$WACC" inspect "$lib"
        break
    fi
done

# A good artifact with one byte flipped in the middle.
if "$WACC" compile "$T/ok.wasm" -o "$T/ok.so"; then
    size=$(stat -c %s "$T/ok.so")
    for off in $((size / 2)) 100 $((size - 3)); do
        cp "$T/ok.so" "$T/flip.so"
        b=$(od -An -tu1 -j "$off" -N1 "$T/flip.so" | tr -d ' ')
        printf "$(printf '\\%03o' $(( (b ^ 0x5a) & 255 )))" |
            dd of="$T/flip.so" bs=1 seek="$off" conv=notrunc status=none
        check "run flipped byte @$off" "$WACC" run --invoke add "$T/flip.so" 1 2
        check "inspect flipped byte @$off" "$WACC" inspect "$T/flip.so"
    done
    head -c $((size / 2)) "$T/ok.so" > "$T/half.so"
    check "run truncated artifact" "$WACC" run "$T/half.so"
else
    echo "FAIL compile ok.wasm"; fails=$((fails + 1))
fi

# Cache: a corrupt entry must be deleted and rebuilt.
out=$("$WACC" run --invoke add "$T/ok.wasm" 2 3 2>&1)
if [ "$out" != 5 ]; then echo "FAIL run ok.wasm (cold cache): $out"; fails=$((fails + 1)); fi
entry=$(ls "$XDG_CACHE_HOME"/wacc/*.so 2>/dev/null | head -1)
if [ -z "$entry" ]; then
    echo "FAIL no cache entry written"; fails=$((fails + 1))
else
    printf 'XXXX' | dd of="$entry" bs=1 seek=200 conv=notrunc status=none
    out=$("$WACC" run --invoke add "$T/ok.wasm" 2 3 2>&1)
    if [ "$out" != 5 ]; then echo "FAIL run with corrupt cache entry: $out"; fails=$((fails + 1)); fi
    if ! "$WACC" inspect "$entry" > /dev/null; then
        echo "FAIL corrupt cache entry was not rebuilt"; fails=$((fails + 1))
    else
        echo "ok   corrupt cache entry rebuilt"
    fi
fi

# Usage errors exit 2.
"$WACC" frobnicate > /dev/null 2>&1
rc=$?
if [ "$rc" -ne 2 ]; then echo "FAIL unknown command: exit $rc"; fails=$((fails + 1)); fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
