#!/bin/bash
# ops.sh — `wacc serve` with the shipping/operating libraries:
#   --verify-key: an unsigned or tampered artifact is refused with one line
#   before the server starts; a signed one is served;
#   --otlp: one SERVER span per request (method, route, path, status,
#   guest µs, an incoming traceparent continued) with INTERNAL children
#   "instantiate" and the handler (trap reason when it traps), a CLIENT
#   span under the handler for the guest's outbound wasi:http call, whose
#   traceparent header reaches the upstream (both started by this test on
#   127.0.0.1); HTTP server metrics on /v1/metrics; a guest span made
#   through wasi:otel/tracing (tests/ship/otel_guest.c) under the handler.
# The guest is tests/http/guest.c (/hello, /fetch), built and cached like
# tests/http/run.sh does (same cache key).
#   ops.sh WACC     exit 0 pass, 1 fail, 77 skipped (no clang-19 / jco / python3)
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WACC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
HT="$ROOT/tests/http"
NM="${WACC_NODE_DIR:-$ROOT/.node}/node_modules"
JCO_DIR="$NM/@bytecodealliance/jco"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" > /dev/null || { echo "SKIP: $CLANG not found"; exit 77; }
command -v python3 > /dev/null || { echo "SKIP: python3 not found"; exit 77; }
command -v curl > /dev/null || { echo "SKIP: curl not found"; exit 77; }
command -v node > /dev/null && [ -f "$JCO_DIR/dist/jco.js" ] ||
  { echo "SKIP: jco not installed (scripts/npm-deps.sh)"; exit 77; }

W=$(mktemp -d "${TMPDIR:-/tmp}/wacc-serveops.XXXXXX")
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"' EXIT
export XDG_CACHE_HOME=$W/xdg XDG_CONFIG_HOME=$W/xdgc
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT WACC_VERIFY_KEYS WACC_REQUIRE_SIGNATURES
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# ---- the guest (cached by content hash, shared with tests/http/run.sh) ----
CACHE="${WACC_COMPONENTS_CACHE:-$W/cache}"
key=$( { cat "$HT/guest.c" "$HT/wit/guest.wit" "$HT/embed.mjs" "$ROOT"/wit/wasi-0.2/*/*.wit;
         "$CLANG" --version | head -n 1; grep '"version"' "$JCO_DIR/package.json"; } |
       sha256sum | cut -c1-16)
comp="$CACHE/http-guest-$key/guest.wasm"
if [ ! -f "$comp" ]; then
  d="$CACHE/http-guest-$key.tmp.$$"
  mkdir -p "$d/wit/deps"
  cp "$HT/wit/guest.wit" "$d/wit/"
  for p in io clocks http random cli filesystem sockets; do cp -r "$ROOT/wit/wasi-0.2/$p" "$d/wit/deps/"; done
  if "$CLANG" --target=wasm32 -nostdlib -O2 -fno-builtin -Wl,--no-entry -Wl,--strip-debug \
       "$HT/guest.c" -o "$d/guest.core.wasm" > "$d/build.log" 2>&1 &&
     node "$HT/embed.mjs" "$JCO_DIR" "$d/guest.core.wasm" "$d/wit" guest "$d/guest.embed.wasm" \
       >> "$d/build.log" 2>&1 &&
     node "$JCO_DIR/dist/jco.js" new "$d/guest.embed.wasm" -o "$d/guest.wasm" >> "$d/build.log" 2>&1; then
    rm -rf "$CACHE/http-guest-$key"
    mv "$d" "$CACHE/http-guest-$key"
  else
    cat "$d/build.log"; rm -rf "$d"; echo "FAIL: building the guest"; exit 1
  fi
fi
cd "$W"
cp "$comp" guest.wasm
"$WACC" compile -O1 guest.wasm -o guest.so > compile.log 2>&1 || { cat compile.log; echo "FAIL: compile"; exit 1; }
"$WACC" keygen -o key > /dev/null && "$WACC" keygen -o other > /dev/null || { echo "FAIL: keygen"; exit 1; }
cp guest.so plain.so; cp guest.wasm plain.wasm
"$WACC" sign --key key guest.so > /dev/null && "$WACC" sign --key key guest.wasm > /dev/null || { echo "FAIL: sign"; exit 1; }

# ---- refusals: exit != 0, one line, before listening ----
refused() {
  local name=$1; shift
  timeout 20 "$WACC" serve --addr 127.0.0.1:0 --quiet "$@" > out 2> err; local rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(wc -l < err)" -eq 1 ] && ! grep -q listening err
  then ok "$name refused: $(cat err)"; else bad "$name: rc=$rc"; cat err; fi
}
refused "unsigned .so" --verify-key key.pub plain.so
refused "unsigned .wasm" --verify-key key.pub plain.wasm
refused "wrong key" --verify-key other.pub guest.so
cp guest.so tampered.so; cp guest.so.sig tampered.so.sig
printf 'X' | dd of=tampered.so bs=1 seek=4000 conv=notrunc status=none
refused "tampered .so" --verify-key key.pub tampered.so
refused "unsigned route" --verify-key key.pub --route /x=plain.so guest.so
refused "required, no key" --require-signatures plain.so

# ---- serve signed, traced ----
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OP=$(port); UP=$(port)
python3 "$ROOT/tests/ship/otlp_receiver.py" "$OP" "$W/spans.jsonl" & PIDS="$PIDS $!"
python3 - "$UP" "$W/upstream.txt" <<'PY' & PIDS="$PIDS $!"
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (self.path, self.headers.get("traceparent", "-")))
        b = b"upstream says hi"
        self.send_response(200); self.send_header("content-length", str(len(b))); self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$UP/" && break; sleep 0.1; done
rm -f upstream.txt
OTEL_METRIC_EXPORT_INTERVAL=300 "$WACC" serve --addr 127.0.0.1:0 --workers 1 --quiet --verify-key key.pub --otlp "http://127.0.0.1:$OP" \
  --allow-http "127.0.0.1:$UP" guest.so 2> serve.err & SV=$!; PIDS="$PIDS $SV"
URL=""
for i in $(seq 100); do
  URL=$(sed -n 's/^wacc serve: listening on //p' serve.err); [ -n "$URL" ] && break; sleep 0.1
done
[ -n "$URL" ] || { bad "signed guest.so not served"; cat serve.err; exit 1; }
ok "signed .so served at $URL"
TP=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
b=$(curl -s -H "traceparent: $TP" "$URL/hello")
[ "$b" = "hello" ] && ok "/hello" || bad "/hello: '$b'"
b=$(curl -s -H "x-upstream: 127.0.0.1:$UP" -H "x-upstream-path: /data" "$URL/fetch")
[ "$b" = "200 upstream says hi" ] && ok "/fetch through the upstream" || bad "/fetch: '$b'"
curl -s -o /dev/null "$URL/set-twice"
# a periodic metrics export while serving (every 300 ms; exporter wakes every 500 ms)
for i in $(seq 50); do [ -s spans.jsonl.metrics ] && break; sleep 0.1; done
[ -s spans.jsonl.metrics ] && ok "metrics exported while serving" || bad "no periodic metrics export"
kill -TERM $SV; wait $SV; rc=$?
[ $rc -eq 0 ] && ok "stopped" || bad "serve exit $rc"; cat serve.err | grep -v listening
python3 - spans.jsonl upstream.txt "$TP" <<'PY' && ok "spans: SERVER per request > instantiate + handler > CLIENT; traceparent continued; trap reason" || bad "spans"
import json, sys
spans = []
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            spans += ss["spans"]
def attrs(s): return {a["key"]: list(a["value"].values())[0] for a in s["attributes"]}
server = [s for s in spans if s["kind"] == 2]
client = [s for s in spans if s["kind"] == 3]
internal = [s for s in spans if s["kind"] == 1]
assert len(server) == 3 and len(client) == 1 and len(internal) == 6, [(s["name"], s["kind"]) for s in spans]
by_path = {attrs(s)["url.path"]: s for s in server}
hello, fetch, twice = by_path["/hello"], by_path["/fetch"], by_path["/set-twice"]
a = attrs(hello)
assert hello["name"] == "GET /", hello["name"]
assert a["http.request.method"] == "GET" and a["http.route"] == "/", a
assert a["http.response.status_code"] == "200", a
assert int(a["wacc.guest_us"]) >= 0, a
tp = sys.argv[3].split("-")
assert hello["traceId"] == tp[1] and hello["parentSpanId"] == tp[2], hello
assert fetch["traceId"] != tp[1] and not fetch.get("parentSpanId"), fetch
def children(p): return {s["name"]: s for s in internal if s.get("parentSpanId") == p["spanId"]}
H = "wasi:http/incoming-handler#handle"
for srv in (hello, fetch, twice):
    ch = children(srv)
    assert set(ch) == {"instantiate", H}, (srv["name"], sorted(ch))
    for c in ch.values():
        assert c["traceId"] == srv["traceId"]
        assert int(srv["startTimeUnixNano"]) <= int(c["startTimeUnixNano"]) <= int(c["endTimeUnixNano"]) <= int(srv["endTimeUnixNano"]), c
    ia, ha = attrs(ch["instantiate"]), attrs(ch[H])
    assert ia["wacc.artifact"] == "guest.so" and ia["http.route"] == "/", ia
    assert ia["wacc.instance.prewarmed"] in ("0", "1") and int(ia["wacc.instantiate_us"]) >= 0, ia
    assert int(ch["instantiate"]["endTimeUnixNano"]) <= int(ch[H]["startTimeUnixNano"])
    assert ha["wacc.artifact"] == "guest.so", ha
# the first request instantiated, a later one took the instance made ahead
assert attrs(children(hello)["instantiate"])["wacc.instance.prewarmed"] == "0"
assert attrs(children(twice)["instantiate"])["wacc.instance.prewarmed"] == "1"
ha = attrs(children(hello)[H])
assert ha["http.response.status_code"] == "200" and children(hello)[H]["status"]["code"] == 0, ha
th = children(twice)[H]; ta = attrs(th)
assert th["status"]["code"] == 2 and ta["error.type"] == "wasm-trap" and ta["wacc.trap"], ta
print("  trap on the handler span: %s" % ta["wacc.trap"])
handler = children(fetch)[H]
c = client[0]; ca = attrs(c)
assert c["traceId"] == fetch["traceId"] and c["parentSpanId"] == handler["spanId"], c
assert ca["http.request.method"] == "GET" and ca["url.full"].endswith("/data"), ca
assert ca["http.response.status_code"] == "200", ca
assert int(c["startTimeUnixNano"]) >= int(handler["startTimeUnixNano"])
assert int(c["endTimeUnixNano"]) <= int(handler["endTimeUnixNano"])
up = open(sys.argv[2]).read().split()
assert up == ["/data", "00-%s-%s-01" % (c["traceId"], c["spanId"])], up
print("  %d spans" % len(spans))
PY
python3 - spans.jsonl.metrics <<'PY' && ok "metrics: http.server.request.duration + wacc.server.requests" || bad "metrics"
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
assert len(posts) >= 1
def points(post, name):
    for rm in post["resourceMetrics"]:
        assert {"key": "service.name", "value": {"stringValue": "wacc"}} in rm["resource"]["attributes"]
        for sm in rm["scopeMetrics"]:
            for m in sm["metrics"]:
                if m["name"] == name:
                    return m
    raise AssertionError("no " + name)
last = posts[-1]
h = points(last, "http.server.request.duration")
assert h["unit"] == "s" and h["histogram"]["aggregationTemporality"] == 2
def key(p): 
    a = {x["key"]: list(x["value"].values())[0] for x in p["attributes"]}
    return (a["http.request.method"], a["http.route"], a["http.response.status_code"])
hp = {key(p): p for p in h["histogram"]["dataPoints"]}
total = sum(int(p["count"]) for p in hp.values())
assert total == 3, hp.keys()
ok200 = hp[("GET", "/", "200")]
assert int(ok200["count"]) >= 2 and len(ok200["bucketCounts"]) == len(ok200["explicitBounds"]) + 1
assert sum(int(x) for x in ok200["bucketCounts"]) == int(ok200["count"])
assert 0 < ok200["sum"] < 30 and ok200["min"] <= ok200["max"]
c = points(last, "wacc.server.requests")
assert c["sum"]["isMonotonic"] is True
assert sum(int(p["asInt"]) for p in c["sum"]["dataPoints"]) == 3
print("  %d exports; series %s" % (len(posts), sorted(hp)))
PY

# ---- wasi:otel: a guest span (tests/ship/otel_guest.c) joins the request's trace ----
SH="$ROOT/tests/ship"
key=$( { cat "$SH/otel_guest.c" "$SH/wit/otel-guest.wit" "$HT/embed.mjs" "$ROOT"/wit/wasi-0.2/*/*.wit \
         "$ROOT"/wit/wasi-otel/*.wit; "$CLANG" --version | head -n 1; grep '"version"' "$JCO_DIR/package.json"; } |
       sha256sum | cut -c1-16)
og="$CACHE/otel-guest-$key/guest.wasm"
if [ ! -f "$og" ]; then
  d="$CACHE/otel-guest-$key.tmp.$$"
  mkdir -p "$d/wit/deps/otel"
  cp "$SH/wit/otel-guest.wit" "$d/wit/"
  for p in io clocks http random cli filesystem sockets; do cp -r "$ROOT/wit/wasi-0.2/$p" "$d/wit/deps/"; done
  cp "$ROOT"/wit/wasi-otel/*.wit "$d/wit/deps/otel/"
  if "$CLANG" --target=wasm32 -nostdlib -O2 -fno-builtin -Wl,--no-entry -Wl,--strip-debug \
       "$SH/otel_guest.c" -o "$d/guest.core.wasm" > "$d/build.log" 2>&1 &&
     node "$HT/embed.mjs" "$JCO_DIR" "$d/guest.core.wasm" "$d/wit" otel-guest "$d/guest.embed.wasm" \
       >> "$d/build.log" 2>&1 &&
     node "$JCO_DIR/dist/jco.js" new "$d/guest.embed.wasm" -o "$d/guest.wasm" >> "$d/build.log" 2>&1; then
    rm -rf "$CACHE/otel-guest-$key"
    mv "$d" "$CACHE/otel-guest-$key"
  else
    cat "$d/build.log"; rm -rf "$d"; bad "building the wasi:otel guest"; exit 1
  fi
fi
cp "$og" otel-guest.wasm
"$WACC" compile -O1 otel-guest.wasm -o otel-guest.so > compile.log 2>&1 || { cat compile.log; bad "compile otel guest"; exit 1; }
rm -f spans.jsonl
"$WACC" serve --addr 127.0.0.1:0 --workers 1 --quiet --otlp "http://127.0.0.1:$OP" otel-guest.so 2> serve.err & SV=$!; PIDS="$PIDS $SV"
URL=""
for i in $(seq 100); do
  URL=$(sed -n 's/^wacc serve: listening on //p' serve.err); [ -n "$URL" ] && break; sleep 0.1
done
[ -n "$URL" ] || { bad "otel guest not served"; cat serve.err; exit 1; }
b=$(curl -s -H "traceparent: $TP" "$URL/work")
kill -TERM $SV; wait $SV
python3 - spans.jsonl "$TP" "$b" <<'PY' && ok "wasi:otel guest span: child of the handler span, in the continued trace, attributes/status/scope" || bad "wasi:otel guest span"
import json, sys
spans = []
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            spans += ss["spans"]
def attrs(s): return {a["key"]: list(a["value"].values())[0] for a in s["attributes"]}
by = {s["name"]: s for s in spans}
g, h, srv = by["guest-work"], by["wasi:http/incoming-handler#handle"], by["GET /"]
tp = sys.argv[2].split("-")
assert srv["traceId"] == tp[1] and srv["parentSpanId"] == tp[2]
assert g["traceId"] == tp[1] and g["parentSpanId"] == h["spanId"] and h["parentSpanId"] == srv["spanId"], (g, h)
# the guest saw the handler span as current, then its own span
assert sys.argv[3] == "parent=%s current=%s" % (h["spanId"], g["spanId"]), sys.argv[3]
a = attrs(g)
assert g["kind"] == 1 and g["status"]["code"] == 1, g
assert a["guest.answer"] == "42" and g["attributes"][0]["value"] == {"intValue": "42"}, a
assert a["guest.word"] == "hello" and a["guest.ratio"] == "0.5" and a["otel.scope.name"] == "otel-guest", a
assert int(h["startTimeUnixNano"]) <= int(g["startTimeUnixNano"]) <= int(g["endTimeUnixNano"]) <= int(h["endTimeUnixNano"]), (g, h)
print("  guest span %s under handler %s" % (g["spanId"], h["spanId"]))
PY
# without --otlp the guest still runs: current-span-context is the invalid
# (all-zero) context, and a span in no trace is not tracked
"$WACC" serve --addr 127.0.0.1:0 --workers 1 --quiet otel-guest.so 2> serve.err & SV=$!; PIDS="$PIDS $SV"
URL=""
for i in $(seq 100); do
  URL=$(sed -n 's/^wacc serve: listening on //p' serve.err); [ -n "$URL" ] && break; sleep 0.1
done
b=$(curl -s "$URL/work")
kill -TERM $SV; wait $SV
[ "$b" = "parent=0000000000000000 current=0000000000000000" ] && ok "wasi:otel without a collector: $b" || bad "untraced otel guest: '$b'"
exit $fail
