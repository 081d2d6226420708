#!/usr/bin/env bash
# benchmarks/ship/otlp-serve.sh — `wacc serve` hello req/s without and with
# --otlp (4 spans + 1 metric sample per request: SERVER, instantiate,
# handler, guest work none; exported as OTLP/HTTP JSON to a receiver on
# 127.0.0.1 that reads and discards every POST). Bounded load: hey -n
# REQUESTS -c 64 per cell, ROUNDS alternating rounds, medians. Prints a
# markdown table and the exporter's own counts (exported / dropped).
# usage: benchmarks/ship/otlp-serve.sh [BUILD_DIR] [REQUESTS] [ROUNDS]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(realpath "${1:-$ROOT/build}"); N=${2:-30000}; R=${3:-3}
WACC=$B/compiler/driver/wacc
command -v hey >/dev/null || { echo "otlp-serve: hey is needed (scripts/deps.sh)"; exit 1; }
T=$(mktemp -d); PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
"$ROOT/tests/serve/component.sh" "$WACC" build "$T" >/dev/null
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OP=$(port)
python3 - "$OP" <<'PY' & PIDS="$PIDS $!"
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
sleep 0.5
cell() {  # cell [--otlp URL]: req/s of one bounded hey run against a fresh server
  "$WACC" serve --addr 127.0.0.1:0 --quiet "$@" "$T/guest.so" 2>"$T/serve.err" & local sv=$!
  local url=""
  for i in $(seq 100); do url=$(sed -n 's/^wacc serve: listening on //p' "$T/serve.err"); [ -n "$url" ] && break; sleep 0.05; done
  hey -n 2000 -c 16 "$url/hello" >/dev/null 2>&1           # warm
  local rps
  rps=$(hey -n "$N" -c 64 -t 10 "$url/hello" | awk "/Requests\\/sec:/ {print \$2}")
  kill -TERM $sv; wait $sv 2>/dev/null || true
  grep -h "otlp:" "$T/serve.err" >>"$T/otlp.log" || true
  printf '%.0f\n' "$rps"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$T/off"; : >"$T/on"
for r in $(seq "$R"); do
  cell >>"$T/off"
  cell --otlp "http://127.0.0.1:$OP" >>"$T/on"
done
off=$(median <"$T/off"); on=$(median <"$T/on")
echo "| wacc serve hello, hey -n $N -c 64 (median of $R) | req/s | |"
echo "|---|---:|---:|"
echo "| without --otlp | $off | 1.00× |"
echo "| with --otlp (receiver on 127.0.0.1, discards) | $on | $(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.2f×", a/b}') |"
echo
echo "rounds without: $(tr '\n' ' ' <"$T/off")  with: $(tr '\n' ' ' <"$T/on")"
echo "exporter at exit, per run with --otlp:"; sed 's/^/  /' "$T/otlp.log"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
