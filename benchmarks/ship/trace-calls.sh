#!/usr/bin/env bash
# benchmarks/ship/trace-calls.sh — what --trace-calls costs per component ->
# component call: benchmarks/ship/calls-loop.wat (app calls greeter 200,000
# times, u32 -> u32) under `wacc run` with the fused adapter (default), the
# generic path (WACC_NO_FUSE=1), and --otlp --trace-calls (generic path + a
# span per call; receiver on 127.0.0.1 that discards; the bounded queue
# drops what the exporter cannot keep up with). Medians of RUNS.
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
f=$(for i in $(seq "$N"); do ms "$WACC" run "$T/loop.so"; done | median)
g=$(for i in $(seq "$N"); do WACC_NO_FUSE=1 ms "$WACC" run "$T/loop.so"; done | median)
t=$(for i in $(seq "$N"); do ms "$WACC" run --otlp "http://127.0.0.1:$P" --trace-calls "$T/loop.so"; done | median)
echo "| 200,000 calls app -> greeter (u32 -> u32), wacc run, median of $N | ms | per call |"
echo "|---|---:|---:|"
for row in "fused adapter (default):$f" "generic path (WACC_NO_FUSE=1):$g" "--otlp --trace-calls:$t"; do
  echo "| ${row%%:*} | ${row##*:} | $(awk -v m="${row##*:}" 'BEGIN{printf "%.0f ns", m*1e6/200000}') |"
done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
