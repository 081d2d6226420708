#!/usr/bin/env python3
"""serve3_test.py CASE WACC SERVICE.so — `wacc serve` with the WASI 0.3
service of service.wat (its answers: "count=N inflight=K\\n<body>", N the
requests its instance started, K those in it at the time).

  serve     echo, reuse (N grows in one instance), concurrency (K=2 while
            another request waits for its body, both in one instance), a
            trap fails only that instance's requests (the waiting one too)
            and the next request gets a new instance (N=1)
  reuse     --reuse 2: a new instance every 2 requests;
            --reuse-concurrency 1: a waiting request keeps the next one
            out of its instance
  outbound  /fetch: client.send to an upstream on 127.0.0.1 (--allow-http);
            /proxy: the request body streams to the upstream as it arrives,
            with request trailers; a first-byte timeout
  tcp       /tcp: a TCP echo through wasi:sockets 0.3 (connect, send, receive;
            --tcp-connect); /listen: bind + listen, answer the port, then
            (the response done, the task going on) accept one connection
            and echo it (--tcp-listen); /udp: a datagram to a UDP echo and its
            answer (--udp); /dns: ip-name-lookup of localhost (--allow-dns)
"""
import http.server
import re
import socket
import subprocess
import sys
import threading
import time


SERVERS = []


def fail(msg):
    print("FAIL:", msg)
    for sv in SERVERS:
        print("server log:\n" + "".join(sv.log))
    sys.exit(1)


class Server:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.log = []
        SERVERS.append(self)
        deadline = time.time() + 20
        self.port = None
        while time.time() < deadline:
            line = self.p.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if not self.port:
            self.stop()
            fail("server did not start: " + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.p.stderr:
            self.log.append(line)

    def stop(self):
        if self in SERVERS:
            SERVERS.remove(self)
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def request(port, method, path, body=b"", headers=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    h = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{h}"
              f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return read_response(s)


def read_response(s):
    data = b""
    while True:
        try:
            c = s.recv(65536)
        except socket.timeout:
            fail("response timed out")
        if not c:
            break
        data += c
        if parse(data):
            break
    s.close()
    r = parse(data)
    if not r:
        return (0, b"")     # cut
    return r


def parse(data):
    """(status, body) of one complete response in data, or None."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    status = int(head.split(b" ")[1])
    hl = head.lower()
    if b"transfer-encoding: chunked" in hl:
        body = b""
        while True:
            line, sep, rest = rest.partition(b"\r\n")
            if not sep:
                return None
            n = int(line.split(b";")[0], 16)
            if n == 0:
                return (status, body) if rest.endswith(b"\r\n") else None
            if len(rest) < n + 2:
                return None
            body += rest[:n]
            rest = rest[n + 2:]
    m = re.search(rb"content-length: (\d+)", hl)
    if m:
        n = int(m.group(1))
        return (status, rest[:n]) if len(rest) >= n else None
    return None


def waiting(port, path):
    """A request whose body (5 bytes) is not sent yet: its handler waits."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
              f"Content-Length: 5\r\n\r\n".encode())
    time.sleep(0.3)
    return s


def expect(got, status, body, what):
    if got != (status, body):
        fail(f"{what}: expected {status} {body!r}, got {got[0]} {got[1]!r}")
    print(f"ok: {what}: {status} {body[:40]!r}{'...' if len(body) > 40 else ''}")


def case_serve(wacc, so):
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1", "--timeout", "10s", so])
    try:
        p = sv.port
        expect(request(p, "GET", "/hello"), 200, b"count=1 inflight=1\n", "first request")
        expect(request(p, "POST", "/echo", b"abc"), 200, b"count=2 inflight=1\nabc",
               "echo, same instance")
        big = bytes(range(256)) * 100
        expect(request(p, "PUT", "/big", big), 200, b"count=3 inflight=1\n" + big,
               "25,600-byte body through the streams")
        a = waiting(p, "/slow")
        expect(request(p, "GET", "/b"), 200, b"count=5 inflight=2\n",
               "concurrent request in the same instance")
        a.sendall(b"hello")
        expect(read_response(a), 200, b"count=4 inflight=1\nhello", "the waiting request")
        a = waiting(p, "/slow2")
        st, _ = request(p, "GET", "/trap")
        if st != 500:
            fail(f"/trap: expected 500, got {st}")
        print("ok: /trap is a 500")
        st, _ = read_response(a)
        if st == 200:
            fail("the request waiting in the trapped instance succeeded")
        print(f"ok: the request in flight in the trapped instance failed ({st or 'cut'})")
        expect(request(p, "GET", "/after"), 200, b"count=1 inflight=1\n",
               "after the trap: a new instance")
        # a request blocked in a synchronously lowered wait-for, or in WASI
        # 0.2's pollable.block, parks (its task's stack), and the worker
        # serves the next request meanwhile
        for path in ("/sleep", "/block"):
            done = []
            def slow():
                done.append(("slow", request(p, "GET", path)))
            t = threading.Thread(target=slow, daemon=True)
            t.start()
            time.sleep(0.2)
            done.append(("quick", request(p, "GET", "/quick")))
            t.join(15)
            order = [w for w, _ in done]
            if order != ["quick", "slow"] or any(r[0] != 200 for _, r in done):
                fail(f"{path} and /quick on one worker: {done}")
            print(f"ok: /quick answered while {path} waited: {done}")
        log = "".join(sv.log)
        if "trap: unreachable" not in log:
            fail("the access log does not say why:\n" + log)
    finally:
        sv.stop()
    if sv.p.returncode != 0:
        fail(f"wacc serve exited {sv.p.returncode}")


def case_reuse(wacc, so):
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1", "--reuse", "2", so])
    try:
        got = [request(sv.port, "GET", "/r")[1] for _ in range(5)]
        want = [b"count=%d inflight=1\n" % n for n in (1, 2, 1, 2, 1)]
        if got != want:
            fail(f"--reuse 2: {got}")
        print("ok: --reuse 2: counts 1 2 1 2 1")
    finally:
        sv.stop()
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1",
                 "--reuse-concurrency", "1", so])
    try:
        a = waiting(sv.port, "/slow")
        expect(request(sv.port, "GET", "/b"), 200, b"count=1 inflight=1\n",
               "--reuse-concurrency 1: the second request gets its own instance")
        a.sendall(b"hello")
        expect(read_response(a), 200, b"count=1 inflight=1\nhello", "the waiting request")
        expect(request(sv.port, "GET", "/c"), 200, b"count=2 inflight=1\n",
               "an idle instance is reused")
    finally:
        sv.stop()


class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"from upstream " + self.path.encode()
        self.send_response(203)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def raw_upstream(on_first=None, answer=True, stall=None):
    """A one-shot HTTP/1.1 upstream on a raw socket: reads a chunked
    request (on_first() once the first chunk is in), answers 200 "got=<body>
    trailers=<trailer lines>" (answer=False: never answers; stall, an
    Event: sends the head and 4 of 100 body bytes, then waits for it). Its
    port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)

    def run():
        c, _ = ls.accept()
        c.settimeout(10)
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                buf += c.recv(65536)
            head, _, buf = buf.partition(b"\r\n\r\n")
            body, first = b"", True
            while True:
                while b"\r\n" not in buf:
                    buf += c.recv(65536)
                line, _, buf = buf.partition(b"\r\n")
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    break
                while len(buf) < n + 2:
                    buf += c.recv(65536)
                body += buf[:n]
                buf = buf[n + 2:]
                if first and on_first:
                    on_first()
                first = False
            while not buf.endswith(b"\r\n\r\n") and buf != b"\r\n":
                buf += c.recv(65536)
            trailers = b" ".join(t for t in buf.split(b"\r\n") if t)
            if not answer:
                time.sleep(5)
                return
            if stall:
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
                stall.wait(10)
                return
            out = b"got=" + body + b" trailers=" + trailers.lower()
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(out) + out)
        except OSError:
            pass
        finally:
            c.close()
            ls.close()
    threading.Thread(target=run, daemon=True).start()
    return ls.getsockname()[1]


def case_outbound(wacc, so):
    up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    auth = f"127.0.0.1:{up.server_address[1]}"
    first = threading.Event()
    sp = raw_upstream(on_first=first.set)
    slow = raw_upstream(answer=False)
    release = threading.Event()
    stalled = raw_upstream(stall=release)
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1", "--timeout", "10s",
                 "--allow-http", auth, "--allow-http", f"127.0.0.1:{sp}",
                 "--allow-http", f"127.0.0.1:{slow}", "--allow-http", f"127.0.0.1:{stalled}", so])
    try:
        # the body streams: the upstream has the first chunk before the
        # client sent the rest; then the request trailers
        c = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
        c.sendall(f"POST /proxy HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  f"x-upstream: 127.0.0.1:{sp}\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\npart1\r\n".encode())
        if not first.wait(5):
            fail("/proxy: the upstream did not get the first part of the body before the rest was sent")
        c.sendall(b"5\r\npart2\r\n0\r\n\r\n")
        expect(read_response(c), 200, b"upstream=200 got=part1part2 trailers=x-sum: 10",
               "client.send streams the request body, then its trailers")
        # (the upstream never answers: without the timeout the request would
        # end in HTTP-response-incomplete when it closes after 5 s)
        got = request(sv.port, "POST", "/proxy", b"x", headers={"x-upstream": f"127.0.0.1:{slow}"})
        expect(got, 200, b"error=9", "first-byte timeout (1 s): connection-read-timeout")
        # between-bytes: the body stops after 4 bytes; the transfer ends
        # (request.new's future: err, so the guest traps: a 500) while the
        # upstream still holds the connection open (without the timeout the
        # request would end at its own --timeout: "deadline exceeded")
        got = request(sv.port, "POST", "/proxy", b"x", headers={"x-upstream": f"127.0.0.1:{stalled}"})
        release.set()
        time.sleep(0.2)         # (the access log line)
        log = "".join(sv.log)
        if got[0] != 500 or "deadline" in log or "trap: unreachable" not in log:
            fail(f"between-bytes timeout: expected the guest's trap (500), got {got}:\n{log}")
        print("ok: between-bytes timeout (1 s) ends a stalled response: 500")
        expect(request(sv.port, "GET", "/fetch", headers={"x-upstream": auth}), 200,
               b"upstream=203 from upstream /up", "client.send to the upstream")
        expect(request(sv.port, "GET", "/fetch", headers={"x-upstream": auth}), 200,
               b"upstream=203 from upstream /up", "again, same instance")
        st, _ = request(sv.port, "GET", "/fetch", headers={"x-upstream": "127.0.0.1:1"})
        if st != 500:
            fail(f"a host not granted: expected 500, got {st}")
        print("ok: a host not granted by --allow-http: denied (500)")
    finally:
        sv.stop()
        up.shutdown()


def echo_server():
    """A TCP echo on 127.0.0.1: reads until the peer ends its send side,
    sends it all back, closes. Returns its port."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)

    def run():
        while True:
            c, _ = ls.accept()
            data = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
            c.sendall(b"echo: " + data)
            c.close()
    threading.Thread(target=run, daemon=True).start()
    return ls.getsockname()[1]


def udp_echo_server():
    """A UDP echo on 127.0.0.1 (bound before the server starts): "echo: " + datagram."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))

    def run():
        while True:
            d, a = u.recvfrom(65536)
            u.sendto(b"echo: " + d, a)
    threading.Thread(target=run, daemon=True).start()
    return u.getsockname()[1]


def case_tcp(wacc, so):
    port = echo_server()
    auth = f"127.0.0.1:{port}"
    uauth = f"127.0.0.1:{udp_echo_server()}"
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1", "--timeout", "10s",
                 "--tcp-connect", auth, "--tcp-listen", "127.0.0.1:0", "--udp", uauth,
                 "--allow-dns", so])
    try:
        st, body = request(sv.port, "GET", "/dns")
        if st != 200 or b"127.0.0.1 " not in body or not body.startswith(b"dns="):
            fail(f"/dns: {st} {body!r}")
        print(f"ok: ip-name-lookup of localhost: {body!r}")
        expect(request(sv.port, "GET", "/udp", headers={"x-upstream": uauth}), 200,
               b"udp=echo: ping over udp", "a UDP datagram and its echo through wasi:sockets 0.3")
        st, body = request(sv.port, "GET", "/listen")
        m = re.match(rb"port=(\d+)$", body)
        if st != 200 or not m:
            fail(f"/listen: {st} {body!r}")
        print(f"ok: /listen answered {body!r}; its task goes on after the response")
        c = socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10)
        c.sendall(b"hello over an accepted socket")
        c.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            got += d
        c.close()
        if got != b"echo: hello over an accepted socket":
            fail(f"accepted connection: {got!r}")
        print(f"ok: the accepted connection echoed {got!r}")
        expect(request(sv.port, "GET", "/tcp", headers={"x-upstream": auth}), 200,
               b"tcp=echo: ping over wasi:sockets 0.3", "TCP echo through wasi:sockets 0.3")
        expect(request(sv.port, "GET", "/tcp", headers={"x-upstream": auth}), 200,
               b"tcp=echo: ping over wasi:sockets 0.3", "again, same instance")
        st, _ = request(sv.port, "GET", "/tcp", headers={"x-upstream": "127.0.0.1:1"})
        if st != 500:
            fail(f"an address not granted: expected 500, got {st}")
        print("ok: an address not granted by --tcp-connect: refused (500)")
        st, _ = request(sv.port, "GET", "/udp", headers={"x-upstream": "127.0.0.1:9"})
        if st != 500:
            fail(f"a UDP address not granted: expected 500, got {st}")
        print("ok: a UDP address not granted by --udp: refused (500)")
        # the guest traps on a failed connect / send: its instance was replaced
        expect(request(sv.port, "GET", "/e"), 200, b"count=1 inflight=1\n",
               "serving goes on in a new instance")
    finally:
        sv.stop()
    sv = Server([wacc, "serve", "--addr", "127.0.0.1:0", "--workers", "1", so])
    try:
        st, _ = request(sv.port, "GET", "/dns")
        if st != 500:
            fail(f"/dns without --allow-dns: expected 500, got {st}")
        print("ok: ip-name-lookup without --allow-dns: refused (500)")
    finally:
        sv.stop()


def main():
    case, wacc, so = sys.argv[1:4]
    {"serve": case_serve, "reuse": case_reuse, "outbound": case_outbound,
     "tcp": case_tcp}[case](wacc, so)
    print("PASS")


if __name__ == "__main__":
    main()
