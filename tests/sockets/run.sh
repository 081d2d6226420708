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
#   serve   httpsock.c, a wasi:http handler using sockets (clang --target=wasm32
#           -nostdlib, tests/http/embed.mjs with the repo's wit/wasi-0.2), under
#           `wacc serve --workers 1`: a request whose upstream answers late is
#           parked while a second request (fast upstream) and a DNS lookup finish
#
#   run.sh WACC [NAME...]   exit 0 pass, 1 fail, 77 skipped (a tool missing)
#   (WACC_COMPILE=OTHER-WACC compiles with another build, e.g. for an ASan WACC)
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
# httpsock (for `serve`), cached the same way
key2=$( { echo "jco $(version "$JCO_DIR") $("$CLANG" --version | head -n 1)";
          cat "$HERE/httpsock.c" "$HERE/sockabi.h" "$HERE/httpsock.wit" "$ROOT/tests/http/embed.mjs" \
              "$ROOT"/wit/wasi-0.2/*/*.wit; } | sha256sum | cut -c1-16)
D2="$CACHE/httpsock-$key2"
if selected serve && [ ! -f "$D2/httpsock.wasm" ]; then
  rm -rf "$D2.tmp" && mkdir -p "$D2.tmp/wit/deps"
  cp "$HERE/httpsock.wit" "$D2.tmp/wit/"
  for p in io clocks http random cli filesystem sockets; do cp -r "$ROOT/wit/wasi-0.2/$p" "$D2.tmp/wit/deps/"; done
  if "$CLANG" --target=wasm32 -nostdlib -O2 -fno-builtin -Wall -Wextra -Werror -Wl,--no-entry \
       -Wl,--strip-debug "$HERE/httpsock.c" -o "$D2.tmp/httpsock.core.wasm" > "$D2.tmp/build.log" 2>&1 &&
     node "$ROOT/tests/http/embed.mjs" "$JCO_DIR" "$D2.tmp/httpsock.core.wasm" "$D2.tmp/wit" httpsock \
       "$D2.tmp/httpsock.embed.wasm" >> "$D2.tmp/build.log" 2>&1 &&
     node "$JCO_DIR/dist/jco.js" new "$D2.tmp/httpsock.embed.wasm" -o "$D2.tmp/httpsock.wasm" \
       >> "$D2.tmp/build.log" 2>&1; then
    rm -rf "$D2" && mv "$D2.tmp" "$D2"
  else
    cat "$D2.tmp/build.log"
    check "build httpsock component" 1
  fi
fi
"${WACC_COMPILE:-$WACC}" compile -O0 "$D/sock.component.wasm" -o "$W/sock.so" > "$W/compile.log" 2>&1   # -O0: 1 s, not 8
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
    st=$?
    check "tcp: python client, 256000 bytes echoed ($(cat "$W/py.out"))" $st
  fi
  wait "$BG"
  st=$?
  BG=""
  printf 'listening on %s (is-listening 1)\nclient 1: 11 bytes, from 127.0.0.1: yes\nclient 2: 256000 bytes, from 127.0.0.1: yes\nserved 2\n' \
    "$port" | diff -u - "$W/srv.out" && [ $st = 0 ]
  check "tcp: server output and exit status ($st)" $?
  # non-blocking writes into a slow reader, then a drop without flush
  "$PY" - "$W/blast.port" > "$W/blast.out" 2>&1 <<'EOF' &
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # small, as the writer's
l.bind(("127.0.0.1", 0))
l.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(l.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
l.settimeout(20)
c, _ = l.accept()
c.settimeout(20)
time.sleep(0.5)                 # let the writer fill every buffer
pattern = bytes((i * 7) & 255 for i in range(65536))
n, ok = 0, True
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    want = (pattern * 2)[n % 65536:n % 65536 + len(b)] if len(b) <= 65536 else None
    if want is not None and b != want:
        ok = False
    n += len(b)
print("got %d %s" % (n, "ok" if ok else "corrupt"))
EOF
  BG=$!
  for _ in $(seq 300); do [ -f "$W/blast.port" ] && break; sleep 0.05; done
  bport=$(cat "$W/blast.port" 2> /dev/null)
  got=$(run --tcp-connect "127.0.0.1:${bport:-1}" "$S" tcp-blast "${bport:-1}" 1048576 2>&1)
  wait "$BG"
  BG=""
  [ "$got" = "sent 1048576 bytes, waited: yes" ] && [ "$(cat "$W/blast.out")" = "got 1048576 ok" ]
  st=$?
  check "tcp: 1 MiB of non-blocking writes, dropped unflushed, all arrive ($got / $(cat "$W/blast.out"))" $st
  if "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2> /dev/null; then
    got=$(run --tcp-listen '[::1]:0' --tcp-connect '[::1]/128' "$S" ipv6 2>&1)
    [ "$got" = "ipv6: family ipv6, accepted from ::1, read 'six'" ]
    check "tcp: ipv6 listener and client on [::1] (got: $got)" $?
  else
    echo "SKIP tcp: ipv6 (no ::1 here)"
  fi
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
  st=$?
  check "dns: localhost resolves to 127.0.0.1 (got: $(echo $got))" $st
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

# ---- serve: sockets inside HTTP requests; a waiting request is parked ----
if selected serve && ! command -v curl > /dev/null; then
  echo "SKIP serve: curl not found"
elif selected serve && [ -f "$D2/httpsock.wasm" ] &&
   "${WACC_COMPILE:-$WACC}" compile -O0 "$D2/httpsock.wasm" -o "$W/httpsock.so" > "$W/compile2.log" 2>&1; then
  "$PY" - "$W/up" > /dev/null 2>&1 <<'EOF' &
import os, socket, sys, threading, time
def serve(delay, name):
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(8)
    open(sys.argv[1] + "." + name + ".tmp", "w").write(str(l.getsockname()[1]))
    os.rename(sys.argv[1] + "." + name + ".tmp", sys.argv[1] + "." + name)
    while True:
        c, _ = l.accept()
        def h(c=c):
            data = b""
            while True:
                b = c.recv(100)
                if not b:
                    break
                data += b
            time.sleep(delay)
            c.sendall(name.encode() + b" got " + data)
            c.close()
        threading.Thread(target=h, daemon=True).start()
threading.Thread(target=serve, args=(3.0, "slow"), daemon=True).start()
threading.Thread(target=serve, args=(0.0, "fast"), daemon=True).start()
time.sleep(40)
EOF
  UP=$!
  timeout 60 "$WACC" serve --addr 127.0.0.1:0 --workers 1 --tcp-connect 127.0.0.0/8 --allow-dns \
    "$W/httpsock.so" > "$W/serve.out" 2>&1 &
  BG=$!
  for _ in $(seq 300); do
    [ -f "$W/up.slow" ] && [ -f "$W/up.fast" ] && grep -q 'listening on' "$W/serve.out" && break
    sleep 0.05
  done
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$W/serve.out")
  : > "$W/order"             # both append (O_APPEND): the order of completion
  { curl -s -m 20 "$url/tcp/$(cat "$W/up.slow")"; echo; echo "A done"; } >> "$W/order" &
  A=$!
  sleep 0.3
  { curl -s -m 20 "$url/tcp/$(cat "$W/up.fast")"; echo; echo "B done"; } >> "$W/order"
  curl -s -m 20 "$url/dns" > "$W/dns.out"
  wait $A
  kill "$BG" "$UP" 2> /dev/null
  wait "$BG" 2> /dev/null
  BG=""
  printf 'upstream: fast got ping\nB done\nupstream: slow got ping\nA done\n' | diff -u - "$W/order"
  check "serve: a request waiting on its upstream is parked; the next one finishes first" $?
  [ "$(cat "$W/dns.out")" = "localhost: 127.0.0.1" ]
  st=$?
  check "serve: ip-name-lookup inside a request ($(cat "$W/dns.out"))" $st
elif selected serve; then
  cat "$W/compile2.log" 2> /dev/null
  check "serve: httpsock component" 1
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
