#!/bin/bash
# js.sh — a real JS wasi:http component (js/app.js, componentize-js:
# StarlingMonkey, ~14 MB) under wacc, and the same routes under `jco serve
# --isolate-requests instance` (node, the reference host): same statuses and
# bodies. wacc runs each request through wacc-http-harness
# (wacc_wasi2_http_handle, what `wacc serve` calls); a response that failed
# (handler threw, trap, deadline) counts as the 500 the server answers.
#
# componentize-js 0.22/0.23's engine exports wasi:http/incoming-handler@0.2.10,
# so the world's WASI deps are 0.2.10: jco's bundled 0.2.10 io/clocks/sockets
# and the repo's wit/wasi-0.2 http/cli/random/filesystem renamed to 0.2.10.
# The component is cached by content hash in $WACC_COMPONENTS_CACHE, its .so
# (-O0) by component and compiler hash in $WACC_COMPONENTS_CACHE/so.
#
#   js.sh WACC HARNESS     exit 0 pass, 1 fail, 77 skipped (no node / componentize-js)
# HTTP_JS_WASM=app.wasm HTTP_JS_SO=app.so js.sh ...: use these instead of
# building (a component built from js/app.js and that component compiled).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
H="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CJS_DIR="$NM/@bytecodealliance/componentize-js"
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] && [ -f "$CJS_DIR/src/cli.js" ] ||
  { echo "SKIP: node, jco or componentize-js not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-http-js.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -- "-$p" 2> /dev/null || kill "$p" 2> /dev/null; done
  [ "${KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
version() { sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$1/package.json" | head -n 1; }

# ---- the component (cached by content hash) ----
CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}"
B="$JCO_DIR/lib/wit/builtin/0.2.10"
key=$( { cat "$HERE/js/app.js" "$HERE/js/world.wit" "$0" "$B"/*/*.wit \
             "$ROOT"/wit/wasi-0.2/{http,cli,random,filesystem}/*.wit;
         echo "jco $(version "$JCO_DIR") componentize-js $(version "$CJS_DIR") node $(node --version)"; } |
       sha256sum | cut -c1-16)
comp="${HTTP_JS_WASM:-$CACHE/http-js-$key/app.wasm}"
if [ ! -f "$comp" ]; then
  d="$CACHE/http-js-$key.tmp.$$"
  mkdir -p "$d/wit/deps"
  cp "$HERE/js/world.wit" "$d/wit/"
  for p in io clocks sockets; do cp -r "$B/wasi-$p" "$d/wit/deps/$p"; done
  for p in http cli random filesystem; do
    mkdir -p "$d/wit/deps/$p"
    # 0.2.12 -> 0.2.10; cli's worlds include packages jco's 0.2.10 set has no worlds for
    sed 's/0\.2\.12/0.2.10/g' "$ROOT/wit/wasi-0.2/$p/$p.wit" |
      awk -v p="$p" 'p == "cli" && /^(@[a-z]+\(.*\)[ ]*)?$/ { held = held $0 "\n"; next }
                     p == "cli" && /^world / { exit }
                     { printf "%s", held; held = ""; print }' > "$d/wit/deps/$p/$p.wit"
  done
  echo "js.sh: building the JS component (componentize-js, a few minutes)"
  if node "$CJS_DIR/src/cli.js" "$HERE/js/app.js" --wit "$d/wit" -n handler -o "$d/app.wasm" \
       > "$d/build.log" 2>&1; then
    rm -rf "$CACHE/http-js-$key"
    mv "$d" "$CACHE/http-js-$key"
  else
    tail -n 30 "$d/build.log"
    rm -rf "$d"
  fi
fi
[ -f "$comp" ]
check "js: componentize-js build" $?
[ -f "$comp" ] || { echo "$pass passed, $fail failed"; exit 1; }

SO_CACHE="$CACHE/so"
mkdir -p "$SO_CACHE"
compiler="$(dirname "$WACC")/libwacc-compiler.so"
[ -f "$compiler" ] || compiler="$WACC"
so="${HTTP_JS_SO:-$SO_CACHE/http-js-O0-$(sha256sum < "$comp" | cut -c1-16)-$(sha256sum < "$compiler" | cut -c1-16).so}"
if [ ! -f "$so" ]; then
  # -O0: 45 s of CPU instead of ~6 min at -O1, and these requests spend
  # their time in host copies, not in the JS engine
  echo "js.sh: wacc compile -O0 of the JS component (about a minute)"
  "$WACC" compile -O0 "$comp" -o "$so.tmp.$$" > "$W/compile.log" 2>&1 && mv "$so.tmp.$$" "$so"
fi
[ -f "$so" ]
check "js: wacc compile -O0" $?
[ -f "$so" ] || { cat "$W/compile.log"; echo "$pass passed, $fail failed"; exit 1; }

# ---- upstream for /fetch ----
setsid node "$HERE/upstream.mjs" 600 > "$W/upstream.port" 2> "$W/upstream.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$W/upstream.port" ] && break; sleep 0.1; done
UP="127.0.0.1:$(head -n 1 "$W/upstream.port")"

head -c 8M /dev/urandom > "$W/in8.bin"
X64=$(head -c 64M /dev/zero | tr '\0' x | sha256sum | cut -d' ' -f1)
IN8=$(sha256sum < "$W/in8.bin" | cut -d' ' -f1)

# wacc NAME ARGS...: one request through the harness; the answer as
# "STATUS SHA256" (500 when the response failed before its head) in $W/NAME.wacc
wacc_req() {
  local n="$1"
  shift
  "$H" "$@" --body-out "$W/$n.body" "$so" > "$W/$n.report" 2>&1
  local st
  st=$(sed -n 's/^status //p' "$W/$n.report")
  grep -q '^error ' "$W/$n.report" && [ -z "$st" ] && st=500
  echo "${st:-none} $(sed -n 's/^body-sha256 //p' "$W/$n.report")" > "$W/$n.wacc"
}

wacc_req hello -p /hello
[ "$(cat "$W/hello.body")" = "hello from js" ] && grep -q "^200 " "$W/hello.wacc"
check "wacc: /hello" $?
wacc_req headers -p "/headers?q=abc" -H "x-test: yes"
[ "$(cat "$W/headers.body")" = "method=GET q=abc x-test=yes" ] && grep -q "^201 " "$W/headers.wacc" &&
  grep -q "^header x-echo: yes" "$W/headers.report"
check "wacc: /headers: status 201, header, query" $?
wacc_req echo -m POST -p /echo --body "$W/in8.bin"
[ "$(cat "$W/echo.wacc")" = "200 $IN8" ]
check "wacc: /echo 8 MiB streamed back (sha256)" $?
wacc_req big1 -p "/big?mib=1"
wacc_req big -p /big
rss1=$(sed -n 's/^maxrss-kib //p' "$W/big1.report")
rss64=$(sed -n 's/^maxrss-kib //p' "$W/big.report")
[ "$(cat "$W/big.wacc")" = "200 $X64" ] && [ $((rss64 - rss1)) -lt 32768 ]
check "wacc: /big 64 MiB streamed (sha256; max RSS ${rss64:-?} KiB vs ${rss1:-?} KiB for 1 MiB)" $?
wacc_req fetch -p /fetch -H "x-upstream: $UP" --allow-http "$UP"
[ "$(cat "$W/fetch.body")" = "200 upstream data" ]
check "wacc: /fetch to a granted upstream" $?
wacc_req denied -p /fetch -H "x-upstream: $UP"
[ "$(cat "$W/denied.body")" = "fetch failed" ] && grep -q "^502 " "$W/denied.wacc"
check "wacc: /fetch to an ungranted upstream fails (502)" $?
wacc_req throw -p /throw
grep -q "^500 " "$W/throw.wacc"
check "wacc: /throw answers 500" $?
wacc_req loop -p /loop --timeout-ms 500
grep -q "^500 " "$W/loop.wacc" && grep -q "^trap .*deadline" "$W/loop.report"
check "wacc: /loop stopped by the deadline (500)" $?
wacc_req alloc -p /alloc --max-memory 268435456
grep -q "^500 " "$W/alloc.wacc"
check "wacc: /alloc stopped by --max-memory 256 MiB (500)" $?

# ---- the reference: jco serve (node) ----
if ! command -v curl > /dev/null; then
  echo "SKIP: reference comparison (no curl)"
else
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1",
                    () => { console.log(s.address().port); s.close(); })')
  setsid node "$JCO_DIR/dist/jco.js" serve --isolate-requests instance --host 127.0.0.1 \
    --port "$port" "$comp" > "$W/jco.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1800); do     # jco transpiles the component first (~30 s)
    grep -q '^Server listening' "$W/jco.log" && break
    sleep 0.1
  done
  grep -q '^Server listening' "$W/jco.log"
  check "jco serve: listening" $?
  # ref NAME CURL-ARGS... PATH: "STATUS SHA256" in $W/NAME.ref
  ref_req() {
    local n="$1"
    shift
    local st
    st=$(curl -s -m 120 -o "$W/$n.refbody" -w '%{http_code}' "$@")
    echo "$st $(sha256sum < "$W/$n.refbody" | cut -d' ' -f1)" > "$W/$n.ref"
  }
  R="http://127.0.0.1:$port"
  ref_req hello "$R/hello"
  ref_req headers -H "x-test: yes" "$R/headers?q=abc"
  ref_req echo -X POST --data-binary "@$W/in8.bin" "$R/echo"
  ref_req big "$R/big"
  ref_req fetch -H "x-upstream: $UP" "$R/fetch"
  ref_req throw "$R/throw"
  for n in hello headers echo big fetch throw; do
    if [ "$n" = throw ]; then      # the failed response's body is the server's, not the guest's
      [ "$(cut -d' ' -f1 "$W/$n.ref")" = "$(cut -d' ' -f1 "$W/$n.wacc")" ]
    else
      cmp -s "$W/$n.ref" "$W/$n.wacc"
    fi
    check "same as jco serve: $n ($(cat "$W/$n.wacc") / $(cat "$W/$n.ref"))" $?
  done
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
