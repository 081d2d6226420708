#!/usr/bin/env python3
"""A tiny OTLP/HTTP receiver for tests/ship/otel.sh, on 127.0.0.1 only:
every POST /v1/traces body is appended to OUT as one line of JSON.
usage: otlp_receiver.py PORT OUT"""
import http.server, json, sys

PORT, OUT = int(sys.argv[1]), sys.argv[2]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        ok = self.path == "/v1/traces" and self.headers.get("Content-Type") == "application/json"
        if ok:
            json.loads(body)  # must be JSON
            with open(OUT, "ab") as f:
                f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
