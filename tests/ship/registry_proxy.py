#!/usr/bin/env python3
"""A test front for docker-registry (tests/ship/oci.sh), on 127.0.0.1 only.

- /token: the bearer token service (basic alice:secret -> {"token": ...}).
- /v2/...: needs "Authorization: Bearer <token>" (else 401 with a Bearer
  challenge), then forwards to the real registry with its basic credentials.
- repositories broken/*: broken registry answers for the client's error paths
  (broken/json: a manifest that is not JSON; broken/digest: a manifest whose
  Docker-Content-Digest does not match; broken/500: a server error;
  broken/short: a blob shorter than its descriptor says).
usage: registry_proxy.py PORT UPSTREAM_PORT
"""
import base64, hashlib, http.server, json, sys, urllib.request, urllib.error

PORT, UP = int(sys.argv[1]), int(sys.argv[2])
TOKEN = "tok-" + hashlib.sha256(str(PORT).encode()).hexdigest()[:16]
BASIC_UP = "Basic " + base64.b64encode(b"alice:secret").decode()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def broken(self):
        p = self.path
        if "/v2/broken/json/manifests/" in p:
            return self.reply(200, b"{not json", [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        if "/v2/broken/digest/manifests/" in p:
            body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}).encode()
            return self.reply(200, body, [("Docker-Content-Digest", "sha256:" + "0" * 64)])
        if "/v2/broken/500/" in p:
            return self.reply(500, b"oops")
        if "/v2/broken/short/manifests/" in p:
            cfg = b"{}"
            m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                 "config": {"mediaType": "application/vnd.wasm.config.v0+json",
                            "digest": "sha256:" + hashlib.sha256(cfg).hexdigest(), "size": len(cfg)},
                 "layers": [{"mediaType": "application/wasm", "digest": "sha256:" + "1" * 64, "size": 100}]}
            return self.reply(200, json.dumps(m).encode())
        if "/v2/broken/short/blobs/sha256:" + "1" * 64 in p:
            return self.reply(200, b"\0asm")
        if "/v2/broken/short/blobs/" in p:
            return self.reply(200, b"{}")
        return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no such repository"}]}')

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path.startswith("/token"):
            if self.headers.get("Authorization") != BASIC_UP:
                return self.reply(401, b"", [("WWW-Authenticate", 'Basic realm="token"')])
            return self.reply(200, json.dumps({"token": TOKEN}).encode(), [("Content-Type", "application/json")])
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            ch = 'Bearer realm="http://127.0.0.1:%d/token",service="wacc-test"' % PORT
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token needed"}]}',
                              [("WWW-Authenticate", ch)])
        if self.path.startswith("/v2/broken/"):
            return self.broken()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (UP, self.path), data=body if body or self.command in ("PUT", "PATCH", "POST") else None, method=self.command)
        for k in ("Content-Type", "Accept", "Content-Range"):
            if self.headers.get(k):
                req.add_header(k, self.headers.get(k))
        req.add_header("Authorization", BASIC_UP)
        try:
            r = urllib.request.urlopen(req)
            code, hdrs, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            code, hdrs, data = e.code, e.headers, e.read()
        out = []
        for k in ("Content-Type", "Docker-Content-Digest", "Location", "Range", "Docker-Upload-UUID"):
            v = hdrs.get(k)
            if v:
                out.append((k, v.replace("127.0.0.1:%d" % UP, "127.0.0.1:%d" % PORT)))
        self.reply(code, data, out)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
