#!/bin/bash
# run.sh — wasi:sockets 0.2 under `wacc run` (runtime/wasi2/fns_sockets_*.c).
#
# sock.c (modes: see its header) is built into a component: clang-19
# --target=wasm32-wasi, its sockets imports (sockabi.h) typed by sock.wit
# embedded with jco's bundled WASI WIT (tests/components/jco-embed.mjs),
# then `jco new --wasi-command` (preview1 adapter). The component is cached
# by content hash under $WACC_COMPONENTS_CACHE (default build/components)
# like scripts/build-components.sh. Then:
#   tcp     the echo server component (--tcp-listen 127.0.0.1:0) serves the
#           echo client component and a python3 client (256 KB, compared)
#   udp     a round trip between two sockets of one component
#   dns     localhost with --allow-dns; an IP literal without it; a bad name
#   grants  probe.expected: each operation with no grants, then with some
#   states  states.expected: the TCP state machine's error codes
#
#   run.sh WACC [NAME...]   exit 0 pass, 1 fail, 77 skipped (a tool missing)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
NODE_DIR="${WACC_NODE_DIR:-$ROOT/.node}"
JCO_DIR="$NODE_DIR/node_modules/@bytecodealliance/jco"
CLANG="${CLANG:-clang-19}"
CACHE="${WACC_COMPONENTS_CACHE:-$ROOT/build/components}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] ||
  { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }
# the system python (a pyenv shim in PATH can take seconds to start)
PY="${PYTHON3:-$(command -v /usr/bin/python3 || command -v python3)}"
[ -n "$PY" ] || { echo "SKIP: python3 not found"; exit 77; }
WASI_WIT="$JCO_DIR/lib/wit/builtin/0.2.12"

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-sockets.XXXXXX")
BG=""
cleanup() { [ -n "$BG" ] && kill "$BG" 2> /dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT
pass=0
fail=0
check() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
names=("$@")
selected() { [ ${#names[@]} = 0 ] || [[ " ${names[*]} " == *" $1 "* ]]; }

# ---- build (cached by the hash of everything it is made from) ----
version() { sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$1/package.json" | head -n 1; }
key=$( { echo "jco $(version "$JCO_DIR") $("$CLANG" --version | head -n 1)";
         cat "$HERE/sock.c" "$HERE/sockabi.h" "$HERE/sock.wit" "$ROOT/tests/components/jco-embed.mjs";
         sed -n '/^# ---- build/,/^# ---- end build/p' "$0";
         cat "$WASI_WIT"/wasi-{io,clocks,sockets}/package.wit; } | sha256sum | cut -c1-16)
D="$CACHE/sock-$key"
if [ ! -f "$D/sock.component.wasm" ]; then
  rm -rf "$D.tmp" && mkdir -p "$D.tmp"
  { cat "$HERE/sock.wit"
    for p in io clocks sockets; do   # nested packages: one WIT source for jco-embed
      sed -e '1s/^package \(.*\);$/package \1 {/' "$WASI_WIT/wasi-$p/package.wit"; echo "}"
    done; } > "$D.tmp/all.wit"
  if "$CLANG" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-debug "$HERE/sock.c" \
       -o "$D.tmp/sock.core.wasm" > "$D.tmp/build.log" 2>&1 &&
     node "$ROOT/tests/components/jco-embed.mjs" "$JCO_DIR" "$D.tmp/sock.core.wasm" "$D.tmp/all.wit" \
       sock "$D.tmp/sock.embed.wasm" >> "$D.tmp/build.log" 2>&1 &&
     node "$JCO_DIR/dist/jco.js" new "$D.tmp/sock.embed.wasm" --wasi-command \
       -o "$D.tmp/sock.component.wasm" >> "$D.tmp/build.log" 2>&1; then
    rm -rf "$D" && mv "$D.tmp" "$D"
  else
    cat "$D.tmp/build.log"
    check "build sock component" 1
    exit 1
  fi
fi
# ---- end build
"$WACC" compile -O0 "$D/sock.component.wasm" -o "$W/sock.so" > "$W/compile.log" 2>&1   # -O0: 1 s, not 8
st=$?
[ $st = 0 ] || cat "$W/compile.log"
check "compile sock component" $st
[ $st = 0 ] || exit 1
S="$W/sock.so"
run() { timeout 30 "$WACC" run "$@"; }

# ---- tcp: echo server and clients ----
if selected tcp; then
  run --tcp-listen 127.0.0.1:0 "$S" tcp-server 0 2 > "$W/srv.out" 2> "$W/srv.err" &
  BG=$!
  for _ in $(seq 300); do grep -q '^listening' "$W/srv.out" 2> /dev/null && break; sleep 0.05; done
  port=$(sed -n 's/^listening on \([0-9]*\) (is-listening 1)$/\1/p' "$W/srv.out")
  [ -n "$port" ]
  check "tcp: server listens on an ephemeral port (${port:-none})" $?
  if [ -n "$port" ]; then
    got=$(run --tcp-connect "127.0.0.1:$port" "$S" tcp-client "$port" "hello, wacc" 2>&1)
    [ "$got" = "echo: hello, wacc" ]
    check "tcp: client component through the server component (got: $got)" $?
    "$PY" - "$port" > "$W/py.out" 2>&1 <<'EOF'
import socket, sys
data = bytes(range(256)) * 1000
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
back = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    back += chunk
print("ok" if back == data else "mismatch: %d bytes back" % len(back))
EOF
    [ "$(cat "$W/py.out")" = ok ]
    check "tcp: python client, 256000 bytes echoed ($(cat "$W/py.out"))" $?
  fi
  wait "$BG"
  st=$?
  BG=""
  printf 'listening on %s (is-listening 1)\nclient 1: 11 bytes, from 127.0.0.1: yes\nclient 2: 256000 bytes, from 127.0.0.1: yes\nserved 2\n' \
    "$port" | diff -u - "$W/srv.out" && [ $st = 0 ]
  check "tcp: server output and exit status ($st)" $?
  got=$(run --tcp-connect 127.0.0.1:1 "$S" tcp-client "${port:-1}" x 2>&1)
  [ "$got" = "connect: access-denied" ]
  check "tcp: connect to a port not granted is access-denied (got: $got)" $?
fi

# ---- udp ----
if selected udp; then
  got=$(run --udp 127.0.0.1/32 "$S" udp 2>&1)
  exp=$(printf "b got 'ping' from a: yes\na got 'pong' from b: yes\na got 'again' from b's port: yes")
  [ "$got" = "$exp" ]
  check "udp: round trip, connected and not" $?
  [ "$got" = "$exp" ] || echo "$got"
fi

# ---- dns ----
if selected dns; then
  got=$(run --allow-dns "$S" dns localhost 2>&1)
  echo "$got" | grep -qx 'localhost: 127.0.0.1'
  check "dns: localhost resolves to 127.0.0.1 (got: $(echo $got))" $?
  got=$(run "$S" dns localhost 2>&1)
  [ "$got" = "resolve-addresses localhost: access-denied" ]
  check "dns: without --allow-dns: access-denied" $?
  got=$(run "$S" dns 10.9.8.7 2>&1)
  [ "$got" = "10.9.8.7: 10.9.8.7" ]
  check "dns: an IP literal needs no lookup and no grant (got: $got)" $?
  got=$(run --allow-dns "$S" dns "no such..name" 2>&1)
  [ "$got" = "resolve-addresses no such..name: invalid-argument" ]
  check "dns: a malformed name is invalid-argument (got: $got)" $?
  got=$(run --allow-dns "$S" dns "no-such-host.invalid" 2>&1)
  case "$got" in
    "no-such-host.invalid: name-unresolvable"|"no-such-host.invalid: temporary-resolver-failure"|\
    "no-such-host.invalid: permanent-resolver-failure") st=0 ;;
    *) st=1 ;;
  esac
  check "dns: an unknown name fails in next-address (got: $got)" $st
fi

# ---- grants: every operation denied without them; then some granted ----
if selected grants; then
  closed=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  got=$(run "$S" probe "$closed" 2>&1)
  exp=$(printf 'create-tcp-socket: access-denied\ncreate-udp-socket: access-denied\nresolve-addresses localhost: access-denied')
  [ "$got" = "$exp" ]
  check "grants: nothing by default" $?
  [ "$got" = "$exp" ] || echo "$got"
  run --tcp-connect "127.0.0.1:$closed" --udp "127.0.0.1:$closed" "$S" probe "$closed" > "$W/probe.out" 2>&1
  sed "s/PORT/$closed/g" "$HERE/probe.expected" | diff -u - "$W/probe.out"
  check "grants: tcp-connect and udp to one port; the rest denied" $?
  got=$(run --tcp-listen 127.0.0.1:0 --tcp-connect 127.0.0.0/8 --udp '*:*' --allow-dns "$S" probe "$closed" 2>&1 |
        grep -c ': access-denied$')
  [ "$got" = 0 ]
  check "grants: everything granted: nothing denied ($got denied)" $?
  got=$("$WACC" run --tcp-connect 127.0.0.1:99999 "$S" probe 1 2>&1)
  case "$got" in *"--tcp-connect '127.0.0.1:99999'"*) st=0 ;; *) st=1 ;; esac
  check "grants: a bad port is a one-line error (got: $got)" $st
fi

# ---- states ----
if selected states; then
  closed=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run --tcp-connect "127.0.0.1:$closed" --tcp-listen 127.0.0.1:0 "$S" states "$closed" > "$W/states.out" 2>&1
  diff -u "$HERE/states.expected" "$W/states.out"
  check "states: the tcp state machine's errors" $?
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
