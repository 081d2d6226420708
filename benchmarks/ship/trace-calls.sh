#!/usr/bin/env bash
# benchmarks/ship/trace-calls.sh — what --trace-calls costs per component ->
# component call: benchmarks/ship/calls-loop.wat (spin(n): app calls
# greeter n times, u32 -> u32) under `wacc run --invoke` with the fused
# adapter (default), the generic path (WACC_NO_FUSE=1), and --otlp
# --trace-calls (generic path + a span per call; receiver on 127.0.0.1 that
# discards; the bounded queue drops what the exporter cannot keep up with).
# Per call: (median time of spin(n) - median time of spin(0)) / n, with n
# sized per mode. Medians of RUNS.
# usage: benchmarks/ship/trace-calls.sh [BUILD_DIR] [RUNS]   (needs node + jco)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(realpath "${1:-$ROOT/build}"); N=${2:-5}
WACC=$B/compiler/driver/wacc
JCO_DIR="${WACC_NODE_DIR:-$ROOT/.node}/node_modules/@bytecodealliance/jco"
T=$(mktemp -d); PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
node "$ROOT/tests/ship/wat2component.mjs" "$JCO_DIR" "$ROOT/benchmarks/ship/calls-loop.wat" "$T/loop.wasm"
"$WACC" compile -O2 "$T/loop.wasm" -o "$T/loop.so"
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$P" <<'PY' & PIDS="$PIDS $!"
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
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cell() {  # cell LABEL N [ENV=...] [wacc run options...]: one table row
  local label=$1 n=$2; shift 2
  local z t
  z=$(for i in $(seq "$N"); do ms env "$@" --invoke 'spin(0)' "$T/loop.so"; done | median)
  t=$(for i in $(seq "$N"); do ms env "$@" --invoke "spin($n)" "$T/loop.so"; done | median)
  echo "| $label | $n | $t ms (spin(0): $z ms) | $(awk -v t="$t" -v z="$z" -v n="$n" 'BEGIN{printf "%.0f ns", (t-z)*1e6/n}') |"
}
echo "| component → component call (u32 → u32), wacc run --invoke, median of $N | calls | time | per call |"
echo "|---|---:|---:|---:|"
cell "fused adapter (default)" 50000000 WACC_NO_FUSE= "$WACC" run
cell "generic path (WACC_NO_FUSE=1)" 1000000 WACC_NO_FUSE=1 "$WACC" run
cell "--otlp --trace-calls (a span per call)" 100000 WACC_NO_FUSE= "$WACC" run --otlp "http://127.0.0.1:$P" --trace-calls
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
