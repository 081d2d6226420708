#!/usr/bin/env bash
# OpenTelemetry: `wacc run --otlp` against a receiver started by the test on
# 127.0.0.1 (otlp_receiver.py): span names, one trace, parent/child links,
# $TRACEPARENT continued, attributes; the OTEL_EXPORTER_OTLP_ENDPOINT
# variable; a collector that is down changes nothing for the program.
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
"$WACC" run --otlp "ftp://x" hello.so >out 2>err
[ $? -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && ok "bad --otlp URL: $(cat err)" || bad "bad URL"
exit $fail
