#!/usr/bin/env python3
"""A tiny OTLP/HTTP receiver for the ship tests, on 127.0.0.1 only: every
POST /v1/traces body is appended to OUT as one line of JSON, every POST
/v1/metrics body to METRICS (default OUT.metrics).
usage: otlp_receiver.py PORT OUT [METRICS]"""
import http.server, json, sys

PORT, OUT = int(sys.argv[1]), sys.argv[2]
METRICS = sys.argv[3] if len(sys.argv) > 3 else OUT + ".metrics"


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        dest = {"/v1/traces": OUT, "/v1/metrics": METRICS}.get(self.path)
        ok = dest is not None and self.headers.get("Content-Type") == "application/json"
        if ok:
            json.loads(body)  # must be JSON
            with open(dest, "ab") as f:
                f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
