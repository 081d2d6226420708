#!/usr/bin/env bash
# A component artifact's metadata (.wacc_meta) keeps the component's
# structure but not its core modules' contents (compiler/driver/
# component_strip.c): each core module, nested ones too, is the empty module
# there, and everything else (custom sections included) is kept. The
# artifact still runs, and its input hash is over the original input.
# usage: strip.sh path/to/wacc
set -u
WACC=${1:?usage: strip.sh WACC}
T=$(mktemp -d "${TMPDIR:-/tmp}/wacc-strip-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# (component
#   (component $inner
#     (core module $m
#       (memory (export "memory") 1)
#       (data (i32.const 0) "STRIP-DATA-MARKER-0123456789-...")   ; 127 bytes: section sizes of 2 LEB bytes
#       (func (export "f") (result i32) i32.const 42))
#     (core instance $i (instantiate $m))
#     (type $ft (func (result u32)))
#     (alias core export $i "f" (core func $cf))
#     (func $f (type $ft) (canon lift (core func $cf)))
#     (export "f" (func $f)))
#   (core module $m2 (func (export "g") (result i32) i32.const 7))
#   (core instance $j (instantiate $m2))
#   (type $gt (func (result u32)))
#   (alias core export $j "g" (core func $cg))
#   (func $g (type $gt) (canon lift (core func $cg)))
#   (instance $x (instantiate $inner))
#   (alias export $x "f" (func $f))
#   (export "f" (func $f))
#   (export "g" (func $g))
#   (@custom "keep-marker" "KEEP-CUSTOM-MARKER"))
# (jco parse: 539 bytes; stripped: 312 bytes)
{
    printf '\000asm\015\000\001\000\004\266\002\000asm\015\000\001\000\001\303\001\000asm\001\000\000\000'
    printf '\001\005\001`\000\001\177\003\002\001\000\005\003\001\000\001\007\016\002\006memory\002\000\001f'
    printf '\000\000\012\006\001\004\000A*\013\013\205\001\001\000A\000\013\177STRIP-DATA-MARKER-0123456789-'
    printf '0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789-01234567'
    printf '89\000\011\004name\000\002\001m\002\004\001\000\000\000\007\005\001@\000\000y\006\007\001\000'
    printf '\000\001\000\001f\010\006\001\000\000\000\000\000\013\007\001\000\001f\001\000\000\000?\016compo'
    printf 'nent-name\000\006\005inner\001\007\000\000\001\000\002cf\001\006\000\021\001\000\001m\001\006'
    printf '\000\022\001\000\001i\001\005\001\001\000\001f\001\006\003\001\000\002ft\001.\000asm\001\000\000'
    printf '\000\001\005\001`\000\001\177\003\002\001\000\007\005\001\001g\000\000\012\006\001\004\000A\007'
    printf '\013\000\012\004name\000\003\002m2\002\004\001\000\000\000\007\005\001@\000\000y\006\007\001\000'
    printf '\000\001\000\001g\010\006\001\000\000\000\000\000\005\004\001\000\000\000\006\006\001\001\000'
    printf '\000\001f\013\015\002\000\001f\001\001\000\000\001g\001\000\000\000\036\013keep-markerKEEP-CUSTO'
    printf 'M-MARKER\000M\016component-name\001\007\000\000\001\000\002cg\001\007\000\021\001\000\002m2\001'
    printf '\006\000\022\001\000\001j\001\010\001\002\000\001g\001\001f\001\006\003\001\000\002gt\001\011'
    printf '\004\001\000\005inner\001\005\005\001\000\001x'
} > "$T/c.wasm"

for O in -O0 -O2; do
    if ! "$WACC" compile "$T/c.wasm" -o "$T/c.so" $O; then fail "compile $O"; continue; fi
    out=$("$WACC" run --invoke 'f()' "$T/c.so" 2>&1)
    [ "$out" = 42 ] || fail "$O: run --invoke 'f()' (nested component) printed '$out'"
    out=$("$WACC" run --invoke 'g()' "$T/c.so" 2>&1)
    [ "$out" = 7 ] || fail "$O: run --invoke 'g()' printed '$out'"
    info=$("$WACC" inspect "$T/c.so" 2>&1)
    grep -q '^file checksum: OK' <<<"$info" || fail "$O: inspect: no 'file checksum: OK'"
    grep -q '^core modules: 2 ' <<<"$info" || fail "$O: inspect: not 2 core modules"
    grep -q '^component description: 312 bytes' <<<"$info" ||
        fail "$O: component description is not the stripped 312 bytes: $(grep '^component description' <<<"$info")"
    if command -v xxhsum >/dev/null; then
        want=$(xxhsum -H3 "$T/c.wasm" | sed 's/.*= //')
        grep -q "^input hash: $want" <<<"$info" || fail "$O: input hash is not XXH3 of the input ($want)"
    fi
    # The component's own metadata section: no module contents, custom sections kept.
    if objcopy --dump-section .wacc_meta="$T/meta.bin" "$T/c.so" "$T/junk.so" 2>"$T/err"; then
        grep -q 'STRIP-DATA-MARKER' "$T/meta.bin" && fail "$O: .wacc_meta still holds a core module's data"
        grep -q 'KEEP-CUSTOM-MARKER' "$T/meta.bin" || fail "$O: .wacc_meta lost the custom section"
        grep -q 'component-name' "$T/meta.bin" || fail "$O: .wacc_meta lost the component-name section"
    else
        fail "$O: objcopy --dump-section .wacc_meta: $(cat "$T/err")"
    fi
done
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
