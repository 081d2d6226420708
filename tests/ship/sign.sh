#!/usr/bin/env bash
# Signatures: keygen/sign/verify, and `wacc run --verify-key` refusing an
# unsigned, wrongly signed or tampered .wasm/.so/.sig/cache entry with one
# line, before any code is mapped (a .so whose constructor would write a
# file leaves none behind).
# usage: sign.sh WACC SRCDIR
set -u
WACC=$(realpath "$1"); SRC=$(realpath "$2")
command -v clang-19 >/dev/null || { echo "skip: clang-19 not found"; exit 77; }
command -v cc >/dev/null || { echo "skip: cc not found"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/cache XDG_CONFIG_HOME=$T/config
unset WACC_VERIFY_KEYS WACC_REQUIRE_SIGNATURES
cd "$T"
fail=0
ok()   { echo "ok: $*"; }
bad()  { echo "FAIL: $*"; fail=1; }
# expect_refused NAME CMD...: exit != 0, exactly one line on stderr, no marker
expect_refused() {
  local name=$1; shift
  rm -f marker
  "$@" >out 2>err; local rc=$?
  local lines; lines=$(wc -l <err)
  if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && [ ! -e marker ]; then ok "$name refused: $(cat err)"
  else bad "$name: rc=$rc, $lines stderr lines, marker $( [ -e marker ] && echo present || echo absent)"; cat err; fi
}
expect_runs() {
  local name=$1; shift
  "$@" >out 2>err; local rc=$?
  if grep -q "hello, world" out; then ok "$name runs"; else bad "$name: rc=$rc"; cat err; fi
}
clang-19 --target=wasm32-wasi -O1 -o hello.wasm "$SRC/tests/programs/hello.c" || exit 1
"$WACC" keygen -o key >/dev/null && "$WACC" keygen -o other >/dev/null || { bad keygen; exit 1; }
grep -q '^wacc-ed25519-public-key ' key.pub || bad "key.pub format"
[ "$(stat -c %a key)" = 600 ] || bad "secret key mode $(stat -c %a key)"
"$WACC" compile -O0 hello.wasm -o hello.so || exit 1
"$WACC" sign --key key hello.so >/dev/null && "$WACC" sign --key key hello.wasm >/dev/null || bad sign
"$WACC" verify --key key.pub hello.so >/dev/null || bad "verify .so"
"$WACC" verify --key key.pub hello.wasm >/dev/null || bad "verify .wasm"
expect_refused "verify, wrong key" "$WACC" verify --key other.pub hello.so

expect_runs  "signed .so" "$WACC" run -O0 --verify-key key.pub hello.so
expect_runs  "signed .wasm (detached)" "$WACC" run -O0 --verify-key key.pub hello.wasm
expect_runs  "two keys, one trusted" "$WACC" run -O0 --verify-key other.pub --verify-key key.pub hello.so
expect_refused "wrong key .so" "$WACC" run -O0 --verify-key other.pub hello.so
expect_refused "wrong key .wasm" "$WACC" run -O0 --verify-key other.pub hello.wasm

# embedded (Signatures.md custom section "signature", first section)
cp hello.wasm emb.wasm && "$WACC" sign --key key --embed emb.wasm || bad "sign --embed"
head -c 24 emb.wasm | grep -aq signature || bad "no leading signature section"
expect_runs  "embedded signature" "$WACC" run -O0 --verify-key key.pub emb.wasm
cp emb.wasm unsigned-copy.wasm
expect_runs  "embedded survives a copy" "$WACC" run -O0 --verify-key key.pub unsigned-copy.wasm

# unsigned
cp hello.wasm plain.wasm; cp hello.so plain.so
expect_refused "unsigned .wasm" "$WACC" run -O0 --verify-key key.pub plain.wasm
expect_refused "unsigned .so" "$WACC" run -O0 --verify-key key.pub plain.so
WACC_REQUIRE_SIGNATURES=1 expect_refused "required, no key" "$WACC" run -O0 plain.so

flip() {  # flip one byte at offset $2 of file $1
  local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $(( (b ^ 1) & 255 )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp hello.wasm t.wasm; cp hello.wasm.sig t.wasm.sig; flip t.wasm 5000
expect_refused "flipped byte in .wasm" "$WACC" run -O0 --verify-key key.pub t.wasm
cp hello.so t.so; cp hello.so.sig t.so.sig; flip t.so 3000
expect_refused "flipped byte in .so" "$WACC" run -O0 --verify-key key.pub t.so
cp hello.so t2.so; cp hello.so.sig t2.so.sig; flip t2.so.sig 60
expect_refused "flipped byte in .sig" "$WACC" run -O0 --verify-key key.pub t2.so
cp emb.wasm t3.wasm; flip t3.wasm 40
expect_refused "flipped byte in embedded signature" "$WACC" run -O0 --verify-key key.pub t3.wasm

# a native .so whose constructor writes ./marker: signed by another key,
# it must be refused before dlopen (no marker)
cat > evil.c <<'C'
#include <stdio.h>
__attribute__((constructor)) static void evil(void) { FILE *f = fopen("marker", "w"); if (f) fclose(f); }
C
cc -shared -fPIC -o evil.so evil.c || exit 1
"$WACC" sign --key other evil.so >/dev/null
expect_refused "foreign .so with a constructor" "$WACC" run -O0 --verify-key key.pub ./evil.so

# the compile cache: entries are signed by the local cache key; a tampered
# entry (here: replaced by the constructor .so) is refused before mapping
# and recompiled
export XDG_CACHE_HOME=$T/cache2
"$WACC" run -O0 --verify-key key.pub hello.wasm >/dev/null 2>&1
entry=$(ls cache2/wacc/*.so | head -1)
[ -n "$entry" ] && [ -e "$entry.sig" ] || bad "cache entry is not signed"
cp evil.so "$entry"
rm -f marker
"$WACC" run -O0 --verify-key key.pub hello.wasm >out 2>err0
grep -v "this goes to stderr" err0 >err   # hello.c's own stderr line
if grep -q "refused before loading" err && [ "$(wc -l <err)" -eq 1 ] && [ ! -e marker ] && grep -q "hello, world" out; then
  ok "tampered cache entry refused, recompiled: $(cat err)"
else bad "tampered cache entry"; cat err; fi
flip "$entry" 4000
"$WACC" run -O0 --verify-key key.pub hello.wasm >out 2>err
grep -q "refused before loading" err && grep -q "hello, world" out && ok "flipped byte in cache entry refused" || { bad "flipped cache byte"; cat err; }
# without a policy the loader stays as before
expect_runs "no policy" "$WACC" run -O0 hello.so
exit $fail
