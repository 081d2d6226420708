#!/bin/bash
# run.sh — builds and tests the auth-service blueprint (README.md here):
# the provider (Rust), the directory (C++) and the front (JS) are built
# (scripts/build-polyglot.sh, cached), joined with `wacc compose`, compiled
# to one .so and called with valid, tampered, expired and malformed tokens
# under wacc and under jco transpile + node (same results: expected/).
#
#   run.sh WACC             everything (the JS front compiles for minutes once;
#                           its .so is cached by content)
#   run.sh WACC --core      provider + directory only
#   ... --host HOST_AUTH    also the C host of host/host_auth.c (on the
#                           `wacc bindgen c --host` bindings) running the
#                           provider alone with the directory in C
#
# When this wacc has `wacc serve`, the composed service also answers the same
# Authorization headers over HTTP (wasi:http/incoming-handler of the JS front).
#
# Exit status: 0 passed, 1 failed, 77 skipped (a tool is missing).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: run.sh WACC [--core] [--host HOST_AUTH]" >&2; exit 2; }
WACC="$1"
shift
CORE_ONLY=0
HOST_AUTH=""
while [ $# -gt 0 ]; do
  case "$1" in
    --core) CORE_ONLY=1; shift ;;
    --host) HOST_AUTH="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$HOST_AUTH" in ""|/*) ;; *) HOST_AUTH="$(pwd)/$HOST_AUTH" ;; esac
. "$ROOT/tests/polyglot/lib.sh"

if [ $CORE_ONLY = 1 ]; then build auth-provider auth-directory; else build auth-provider auth-directory auth-front; fi
build bench-front bench-directory-client      # benchmarks/polyglot's C wasi:http parts

# the expected calls carry the tokens: make sure they are tokens.mjs's
for c in auth-core auth-service; do
  [ $CORE_ONLY = 1 ] && [ $c = auth-service ] && continue
  node -e "import('$HERE/cases/$c.mjs').then(m => { for (const x of m.cases) console.log(x.call) })" \
    > "$WORK/$c.calls"
  if ! cut -f1 "$HERE/expected/$c.invoke" | diff -q - "$WORK/$c.calls" > /dev/null; then
    bad "$c" "expected/$c.invoke does not hold the calls of cases/$c.mjs (tokens.mjs changed?)"
  fi
done

# provider + directory: plugs themselves plugged (the provider imports the directory)
compose auth-core auth-provider auth-directory && check auth-core auth-core && exports auth-core auth-provider
# the provider service of benchmarks/polyglot: a socket that imports
# wasi:http/types without wasi:io/poll, a plug that imports both: the kept
# imports are written in dependency order (poll before http/types)
if compose svc-provider bench-front auth-provider bench-directory-client; then
  if "$WACC" wit "$WORK/svc-provider.wasm" --world-only > "$WORK/svc-provider.wit" 2>&1 &&
     grep -n 'import wasi:io/poll@\|import wasi:http/types@' "$WORK/svc-provider.wit" | head -n 1 | grep -q poll &&
     "$WACC" compile -O0 "$WORK/svc-provider.wasm" -o "$WORK/svc-provider.so" > "$WORK/svc.log" 2>&1; then
    ok "svc-provider (compose: imports in dependency order)"
  else
    bad "svc-provider (compose: imports in dependency order)" "$(head -n 20 "$WORK/svc-provider.wit" "$WORK/svc.log" 2>/dev/null)"
  fi
fi
# the provider alone under a C host: the directory is a C function there
if [ -n "$HOST_AUTH" ]; then
  cp "$WORK/c/auth-provider.component.wasm" "$WORK/auth-provider.wasm"
  node -e "import('$HERE/tokens.mjs').then(m => { for (const [, t] of m.tokens) console.log(t) })" > "$WORK/tokens"
  if "$WACC" compile -O1 "$WORK/auth-provider.wasm" -o "$WORK/auth-provider.so" > "$WORK/hc.log" 2>&1 &&
     "$HOST_AUTH" "$WORK/auth-provider.so" "$WORK/tokens" > "$WORK/host.out" 2> "$WORK/host.err" &&
     cut -f2 "$HERE/expected/auth-core.invoke" | diff -u - "$WORK/host.out" > "$WORK/host.diff"; then
    ok "host_auth (bindgen --host)"
  else
    bad "host_auth (bindgen --host)" "$(cat "$WORK/hc.log" "$WORK/host.err" "$WORK/host.diff" 2>/dev/null | head -n 20)"
  fi
fi
if [ $CORE_ONLY = 0 ]; then
  compose auth-service auth-front auth-provider auth-directory && check auth-service auth-service -O0 &&
    exports auth-service auth-front
fi
# over HTTP: wacc serve with the composed .so, the same answers as handle()
if [ $CORE_ONLY = 0 ] && [ -f "$WORK/auth-service.so" ] && command -v curl > /dev/null &&
   "$WACC" help 2>&1 | grep -q '^  serve'; then
  setsid "$WACC" serve --addr 127.0.0.1:0 --workers 1 --timeout 20s "$WORK/auth-service.so" \
    2> "$WORK/serve.err" &
  spid=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/serve.err" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    bad "auth-service (wacc serve)" "no listening line: $(head -n 5 "$WORK/serve.err")"
  else
    node -e "import('$HERE/cases/auth-service.mjs').then(m => { for (const c of m.auth) console.log(c) })" \
      > "$WORK/auth.headers"
    : > "$WORK/http.out"
    while IFS= read -r a; do
      st=$(curl -s -m 20 -o "$WORK/http.body" -w '%{http_code}' -H "Authorization: $a" "http://127.0.0.1:$port/")
      printf '(%s, "%s")\n' "$st" "$(sed 's/\\/\\\\/g; s/"/\\"/g' "$WORK/http.body")" >> "$WORK/http.out"
    done < "$WORK/auth.headers"
    if cut -f2 "$HERE/expected/auth-service.invoke" | diff -u - "$WORK/http.out" > "$WORK/http.diff"; then
      ok "auth-service (wacc serve, $(wc -l < "$WORK/auth.headers") requests)"
    else
      bad "auth-service (wacc serve)" "$(head -n 20 "$WORK/http.diff")"
    fi
  fi
  kill -TERM -- "-$spid" 2> /dev/null || kill -TERM "$spid" 2> /dev/null
  wait "$spid" 2> /dev/null
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
