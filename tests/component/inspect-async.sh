#!/usr/bin/env bash
# `wacc wit` (on the component) and `wacc inspect` (on its artifact) print
# async functions, streams and futures with their element types.
# usage: inspect-async.sh path/to/wacc
set -u
WACC=${1:?usage: inspect-async.sh WACC}
T=$(mktemp -d "${TMPDIR:-/tmp}/wacc-inspect-async-XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# (component
#   (type $S (stream u8))
#   (type $F (future string))
#   (core module $m
#     (memory (export "mem") 1)
#     (func (export "f") (param i32) (result i32) unreachable)
#     (func (export "cb") (param i32 i32 i32) (result i32) unreachable)
#     (func (export "g") (param i32)))
#   (core instance $i (instantiate $m))
#   (func (export "f") async (param "s" $S) (result $F)
#     (canon lift (core func $i "f") async (callback (core func $i "cb"))))
#   (func (export "g") async (param "x" u32)
#     (canon lift (core func $i "g") async)))
# (jco parse: 233 bytes)
base64 -d > "$T/a.wasm" <<'B64'
AGFzbQ0AAQAHBwJmAX1lAXMBVQBhc20BAAAAAREDYAF/AX9gA39/fwF/YAF/AAMEAwABAgUDAQAB
BxQEA21lbQIAAWYAAAJjYgABAWcAAgoMAwMAAAsDAAALAgALAAkEbmFtZQACAW0CBAEAAAAHCAFD
AQFzAAABBg4CAAABAAFmAAABAAJjYggJAQAAAAIGBwECBwgBQwEBeHkBAAYHAQAAAQABZwgHAQAA
AgEGAwsNAgABZgEAAAABZwEBAAApDmNvbXBvbmVudC1uYW1lAQYAEQEAAW0BBgASAQABaQEIAwIA
AVMBAUY=
B64

want_f='export f: async func(s: stream<u8>) -> future<string>;'
want_g='export g: async func(x: u32);'

wit="$("$WACC" wit "$T/a.wasm" 2>&1)" || fail "wacc wit: $wit"
grep -qF "$want_f" <<<"$wit" || fail "wacc wit: no '$want_f' in: $wit"
grep -qF "$want_g" <<<"$wit" || fail "wacc wit: no '$want_g' in: $wit"

out="$("$WACC" compile -O0 "$T/a.wasm" -o "$T/a.so" 2>&1)" || fail "wacc compile: $out"
ins="$("$WACC" inspect "$T/a.so" 2>&1)" || fail "wacc inspect: $ins"
grep -qF "$want_f" <<<"$ins" || fail "wacc inspect: no '$want_f' in: $ins"
grep -qF "$want_g" <<<"$ins" || fail "wacc inspect: no '$want_g' in: $ins"

[ "$fails" -eq 0 ] && echo "ok: wit and inspect print async functions, streams and futures"
exit $((fails > 0))
