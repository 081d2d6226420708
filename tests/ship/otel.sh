#!/usr/bin/env bash
# OpenTelemetry: `wacc run --otlp` against a receiver started by the test on
# 127.0.0.1 (otlp_receiver.py): span names, one trace, parent/child links,
# $TRACEPARENT continued, attributes; the OTEL_EXPORTER_OTLP_ENDPOINT
# variable; a collector that is down changes nothing for the program;
# --trace-calls: component -> component calls (tests/ship/calls.wat) as
# spans under "run", a trapping one with status ERROR.
# usage: otel.sh WACC SRCDIR
set -u
WACC=$(realpath "$1"); SRC=$(realpath "$2")
command -v python3 >/dev/null || { echo "skip: python3 not found"; exit 77; }
command -v clang-19 >/dev/null || { echo "skip: clang-19 not found"; exit 77; }
T=$(mktemp -d); PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/cache XDG_CONFIG_HOME=$T/config
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT TRACEPARENT
cd "$T"
fail=0
ok()  { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$SRC/tests/ship/otlp_receiver.py" "$P" "$T/spans.jsonl" & PID=$!
for i in $(seq 50); do curl -s -o /dev/null -X POST "http://127.0.0.1:$P/x" && break; sleep 0.1; done
clang-19 --target=wasm32-wasi -O1 -o hello.wasm "$SRC/tests/programs/hello.c" || exit 1
"$WACC" compile -O0 hello.wasm -o hello.so || exit 1

TP=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
TRACEPARENT=$TP "$WACC" run --otlp "http://127.0.0.1:$P" hello.so a >out 2>err
rc=$?
[ $rc -eq 3 ] && grep -q "hello, world" out && ok "program unchanged under --otlp (exit 3)" || { bad "run rc=$rc"; cat err; }
python3 - spans.jsonl <<'PY' && ok "spans: wacc run > load, instantiate, run; traceparent continued; attributes" || bad "spans"
import json, sys
spans = []
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
        assert attrs["service.name"] == {"stringValue": "wacc"}, attrs
        for ss in rs["scopeSpans"]:
            spans += ss["spans"]
by = {s["name"]: s for s in spans}
assert set(by) == {"wacc run", "load", "instantiate", "run"}, sorted(by)
root = by["wacc run"]
assert all(s["traceId"] == "4bf92f3577b34da6a3ce929d0e0e4736" for s in spans)
assert root["parentSpanId"] == "00f067aa0ba902b7"
for n in ("load", "instantiate", "run"):
    assert by[n]["parentSpanId"] == root["spanId"], n
    assert int(by[n]["startTimeUnixNano"]) >= int(root["startTimeUnixNano"])
    assert int(by[n]["endTimeUnixNano"]) <= int(root["endTimeUnixNano"])
assert int(by["load"]["endTimeUnixNano"]) <= int(by["instantiate"]["startTimeUnixNano"])
ra = {a["key"]: a["value"] for a in root["attributes"]}
assert ra["process.exit.code"] == {"intValue": "3"}, ra
assert ra["wacc.kind"] == {"stringValue": "module"}
assert root["status"]["code"] == 2          # non-zero exit: ERROR
assert len({s["spanId"] for s in spans}) == 4
print("  %d spans, trace %s" % (len(spans), root["traceId"]))
PY

rm -f spans.jsonl
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$P" OTEL_SERVICE_NAME=edge-auth "$WACC" run hello.so >out 2>err
grep -q '"edge-auth"' spans.jsonl 2>/dev/null && grep -q '"wacc run"' spans.jsonl \
  && ok "OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME" || { bad "env endpoint"; cat err; }
rm -f spans.jsonl
"$WACC" run hello.so >out 2>err
[ ! -e spans.jsonl ] && ok "no endpoint: nothing exported" || bad "exported without an endpoint"

# the collector is down: the program's output and exit code are unchanged
"$WACC" run --otlp "http://127.0.0.1:1" hello.so >out 2>err
rc=$?
[ $rc -eq 3 ] && grep -q "hello, world" out && ok "collector down: unchanged" || { bad "collector down rc=$rc"; cat err; }
# --trace-calls: component -> component calls as spans (tests/ship/calls.wat:
# app -> greeter), needs jco to convert the text (cached by content hash)
JCO_DIR="${WACC_NODE_DIR:-$SRC/.node}/node_modules/@bytecodealliance/jco"
if command -v node >/dev/null && [ -f "$JCO_DIR/dist/api.js" ]; then
  CACHE="${WACC_COMPONENTS_CACHE:-$T/ccache}"
  key=$( { cat "$SRC/tests/ship/calls.wat" "$SRC/tests/ship/wat2component.mjs"; grep '"version"' "$JCO_DIR/package.json"; } | sha256sum | cut -c1-16)
  cw="$CACHE/ship-calls-$key.wasm"
  if [ ! -f "$cw" ]; then
    mkdir -p "$CACHE" && node "$SRC/tests/ship/wat2component.mjs" "$JCO_DIR" "$SRC/tests/ship/calls.wat" "$cw.tmp.$$" && mv "$cw.tmp.$$" "$cw"
  fi
  cp "$cw" calls.wasm && "$WACC" compile -O0 calls.wasm -o calls.so || { bad "calls.wasm"; exit 1; }
  rm -f spans.jsonl
  "$WACC" run --otlp "http://127.0.0.1:$P" --trace-calls calls.so >out 2>err; rc1=$?
  "$WACC" run --otlp "http://127.0.0.1:$P" --trace-calls --invoke 'greet-via(13)' calls.so >out2 2>err2; rc2=$?
  "$WACC" run --otlp "http://127.0.0.1:$P" --invoke 'greet-via(4)' calls.so >out3 2>err3; rc3=$?
  [ $rc1 -eq 0 ] && [ $rc2 -ne 0 ] && [ $rc3 -eq 0 ] && [ "$(cat out3)" = 40 ] || { bad "calls runs: $rc1 $rc2 $rc3"; cat err err2 err3; }
  python3 - spans.jsonl <<'PY' && ok "--trace-calls: app -> greeter calls as spans under run (names, caller/callee, trap status); none without the flag" || bad "--trace-calls spans"
import json, sys
spans = []
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            spans += ss["spans"]
def attrs(s): return {a["key"]: list(a["value"].values())[0] for a in s["attributes"]}
roots = [s for s in spans if s["name"] == "wacc run"]
assert len(roots) == 3, [s["name"] for s in spans]
calls = [s for s in spans if s["name"] == "wacc:test/greeter#greet"]
assert len(calls) == 3, [s["name"] for s in spans]           # 2 in run, 1 trapping; none untraced
by_id = {s["spanId"]: s for s in spans}
for c in calls:
    a = attrs(c)
    assert a["wacc.call.caller"] == "app" and a["wacc.call.callee"] == "greeter", a
    assert a["wacc.call.function"] == "wacc:test/greeter#greet" and c["kind"] == 1
    parent = by_id[c["parentSpanId"]]
    assert parent["name"] == "run" and parent["traceId"] == c["traceId"], parent["name"]
    assert int(parent["startTimeUnixNano"]) <= int(c["startTimeUnixNano"]) <= int(c["endTimeUnixNano"]) <= int(parent["endTimeUnixNano"])
bad = [c for c in calls if c["status"]["code"] == 2]
assert len(bad) == 1 and attrs(bad[0])["error.type"] == "wasm-trap", [c["status"] for c in calls]
assert len({c["parentSpanId"] for c in calls if c["status"]["code"] != 2}) == 1    # both under one run
print("  %d call spans" % len(calls))
PY
else
  echo "note: jco not installed (scripts/npm-deps.sh): --trace-calls not checked"
fi

"$WACC" run --otlp "ftp://x" hello.so >out 2>err
[ $? -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && ok "bad --otlp URL: $(cat err)" || bad "bad URL"
exit $fail
