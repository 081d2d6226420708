#!/bin/bash
# run.sh — wasi:http tests without a server. guest.c (a handler written
# against the Canonical ABI by hand) is built with clang-19 --target=wasm32,
# `jco embed` (wit/guest.wit + the repo's wit/wasi-0.2 as deps) and `jco new`,
# compiled with `wacc compile`, and each route is run through
# wacc-http-harness (wacc_wasi2_http_handle with an in-memory request). The
# harness's report (status, headers, trailers, body hash, errors) must equal
# guest.expected; the 8 MiB and 64 MiB echoes must come back with the same
# hash in bounded memory.
#
#   run.sh WACC HARNESS     exit 0 pass, 1 fail, 77 skipped (no clang-19 / jco)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
H="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] ||
  { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-http.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }

# ---- build guest.c (cached by content hash) ----
CACHE="${WACC_COMPONENTS_CACHE:-$W/cache}"
. "$ROOT/tests/lib/c-guest.sh"
c_guest http-guest "$HERE/guest.c" "$HERE/wit/guest.wit" guest
comp="$C_GUEST"
[ -f "$comp" ]
check "guest: build" $?
"$WACC" compile "$comp" -o "$W/guest.so" > "$W/compile.log" 2>&1
st=$?
check "guest: wacc compile" $st
[ $st = 0 ] || { cat "$W/compile.log"; echo "$pass passed, $fail failed"; exit 1; }

# ---- routes: the report without the memory line ----
run() { "$H" "$@" "$W/guest.so" 2>&1 | grep -v '^maxrss-kib'; }
{
  for p in /hello /headers /status /trailers /never-set /set-twice /drop-body /err /err-timeout \
           /clen /request-trailers /nope; do
    echo "== $p"
    run -p "$p" -H 'x-test: yes' --body-out "$W/body"
    [ -s "$W/body" ] && { echo "-- body"; cat "$W/body"; echo; }
  done
  echo "== POST /echo (text)"
  run -m POST -p /echo --body-str "ping" --body-out "$W/body"
  cat "$W/body"; echo
} > "$W/routes.out"
diff -u "$HERE/guest.expected" "$W/routes.out"
check "routes: report equals guest.expected" $?

# ---- streaming: 8 MiB and 64 MiB echoed, hash and memory checked ----
for mib in 8 64; do
  head -c "${mib}M" /dev/urandom > "$W/in.bin"
  want=$(sha256sum < "$W/in.bin" | cut -d' ' -f1)
  "$H" -m POST -p /echo --body "$W/in.bin" "$W/guest.so" > "$W/echo.out" 2>&1
  got=$(sed -n 's/^body-sha256 //p' "$W/echo.out")
  rss=$(sed -n 's/^maxrss-kib //p' "$W/echo.out")
  [ "$got" = "$want" ] && grep -q '^finished' "$W/echo.out"
  check "echo ${mib} MiB: same sha256" $?
  [ -n "$rss" ] && [ "$rss" -lt 65536 ]
  check "echo ${mib} MiB: bounded memory (max RSS ${rss:-?} KiB < 64 MiB)" $?
  rm -f "$W/in.bin"
done

# ---- outbound (outgoing-handler over libcurl) to a node upstream on 127.0.0.1 ----
node "$HERE/upstream.mjs" 120 > "$W/upstream.port" 2> "$W/upstream.log" &
UP=$!
trap 'kill $UP 2> /dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$W"' EXIT
for _ in $(seq 50); do [ -s "$W/upstream.port" ] && break; sleep 0.1; done
PORT=$(head -n 1 "$W/upstream.port")
U="x-upstream: 127.0.0.1:$PORT"
A=(--allow-http "127.0.0.1:$PORT")
body() { "$H" "$@" --body-out "$W/body" "$W/guest.so" > "$W/report" 2>&1; cat "$W/body"; }
[ "$(body -p /fetch -H "$U" "${A[@]}")" = "200 upstream data" ]
check "fetch: granted host answers" $?
[ "$(body -p /fetch -H "$U")" = "error 15" ]
check "fetch: ungranted host is HTTP-request-denied (15)" $?
[ "$(body -p /fetch -H "$U" --allow-http "127.0.0.1:1")" = "error 15" ]
check "fetch: a grant for another port does not match" $?
[ "$(body -p /fetch -H "x-upstream: 127.0.0.1:1" --allow-http 127.0.0.1)" = "error 6" ]
check "fetch: closed port is connection-refused (6)" $?
[ "$(body -p /fetch -H "x-upstream: no-such-host.invalid" --allow-http no-such-host.invalid)" = "error 1" ]
check "fetch: unknown host is DNS-error (1)" $?
[ "$(body -p /fetch-timeout -H "$U" -H "x-upstream-path: /slow" "${A[@]}")" = "error 9" ]
check "fetch: first-byte-timeout is connection-read-timeout (9)" $?
head -c 8M /dev/urandom > "$W/in.bin"
want="$(sha256sum < "$W/in.bin" | cut -d' ' -f1) 8388608"
[ "$(body -m POST -p /proxy -H "$U" -H "x-upstream-path: /sha" --body "$W/in.bin" "${A[@]}")" = "$want" ]
check "proxy: 8 MiB request body streamed upstream (sha256)" $?
rm -f "$W/in.bin"
"$H" -p /fetch-stream -H "$U" -H "x-upstream-path: /big?mib=64" "${A[@]}" "$W/guest.so" > "$W/report" 2>&1
want=$(head -c 64M /dev/zero | tr '\0' y | sha256sum | cut -d' ' -f1)
rss=$(sed -n 's/^maxrss-kib //p' "$W/report")
grep -q "^body-sha256 $want" "$W/report" && [ -n "$rss" ] && [ "$rss" -lt 65536 ]
check "fetch-stream: 64 MiB upstream body streamed through (sha256, max RSS ${rss:-?} KiB)" $?

# ---- a command (wasi:cli/run) calling out under `wacc run`: the default poll(2) waiter ----
[ "$("$WACC" run --env "UPSTREAM=127.0.0.1:$PORT" --allow-http "127.0.0.1:$PORT" "$W/guest.so")" = "200 upstream data" ]
check "wacc run --allow-http: a command's outbound GET" $?
out=$("$WACC" run --env "UPSTREAM=127.0.0.1:$PORT" "$W/guest.so")
[ $? = 1 ] && [ "$out" = "error 15" ]
check "wacc run without --allow-http: HTTP-request-denied, exit 1" $?

echo "$pass passed, $fail failed"
[ $fail = 0 ]
