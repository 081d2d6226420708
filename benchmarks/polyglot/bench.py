#!/usr/bin/env python3
"""bench.py — the measurements of benchmarks/polyglot/run.sh (which builds
everything into WORK first): the auth-service front door (requests/s, p50,
p99 with hey, bounded in requests and time, 127.0.0.1 only) for the
blueprint in one .so and as three services over loopback HTTP, under
`wacc serve` and as native processes; and the cost of one validate-token
call inside the .so (host_auth, a C host) vs over loopback (hey -c 1
against the provider service). Writes OUT (.md) and OUT.svg, prints the
table."""
import argparse
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from containers import svg_bars, fmt_num  # noqa: E402  (the bar charts of benchmarks/serve)

ALICE = '{"id":"u-1001","username":"alice","roles":["admin","billing"]}'
WIRE = "u-1001\nalice\nadmin\nbilling\n"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(port, path, headers):
    """One GET over a raw socket: (status, body)."""
    h = "".join("%s: %s\r\n" % kv for kv in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("GET %s HTTP/1.1\r\nhost: x\r\nconnection: close\r\n%s\r\n" % (path, h)).encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            n, _, rest = rest.partition(b"\r\n")
            k = int(n, 16)
            if k == 0:
                break
            out, rest = out + rest[:k], rest[k + 2:]
        body = out
    return (int(m.group(1)) if m else 0), body.decode(errors="replace")


class Services:
    def __init__(self):
        self.procs = []

    def start(self, argv, port):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(p)
        t0 = time.time()
        while time.time() - t0 < 60:
            if p.poll() is not None:
                raise RuntimeError("%s exited: %s" % (argv[0], p.stderr.read().decode()[-500:]))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("%s did not listen" % argv[0])

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


def hey(port, path, headers, n, c, parse=True):
    argv = ["hey", "-n", str(n), "-c", str(c), "-t", "30"]
    for k, v in headers.items():
        argv += ["-H", "%s: %s" % (k, v)]
    out = subprocess.run(argv + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                         text=True, timeout=600).stdout
    if not parse:
        return None
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    avg = re.search(r"Average:\s+([\d.]+) secs", out)
    p50 = re.search(r"50% in ([\d.]+) secs", out)
    p99 = re.search(r"99% in ([\d.]+) secs", out)
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    if not rps or set(codes) != {"200"}:
        raise RuntimeError("hey: %s" % out[-800:])
    return {"rps": float(rps.group(1)), "avg": float(avg.group(1)) * 1e3,
            "p50": float(p50.group(1)) * 1e3, "p99": float(p99.group(1)) * 1e3}


def main():
    ap = argparse.ArgumentParser()
    for k in ("work", "wacc", "native", "host_auth", "out"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    ap.add_argument("-n", type=int, default=4000)
    ap.add_argument("-c", type=int, default=8)
    ap.add_argument("--js", type=int, default=1)
    ap.add_argument("--js-n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    W = a.work
    token = open(os.path.join(W, "token")).read().strip()
    auth = {"authorization": "Bearer " + token}
    lib = os.path.join(W, "native", "libauth-native.so")
    wk = str(a.workers)

    def serve(so, port, env=(), http=()):
        argv = [a.wacc, "serve", "--addr", "127.0.0.1:%d" % port, "--workers", wk, "--quiet",
                "--timeout", "60s"]
        for e in env:
            argv += ["--env", e]
        for h in http:
            argv += ["--allow-http", h]
        return argv + [os.path.join(W, so)]

    def native(role, port, *extra):
        return [a.native, "--lib", lib, "--role", role, "--addr", "127.0.0.1:%d" % port,
                "--workers", wk] + list(extra)

    def one(front):
        p = free_port()
        return [(front(p), p)], p

    def three(front_so_or_native, is_native):
        pd, pp, pf = free_port(), free_port(), free_port()
        if is_native:
            cmds = [(native("directory", pd), pd),
                    (native("provider", pp, "--directory", "127.0.0.1:%d" % pd), pp),
                    (native("front", pf, "--provider", "127.0.0.1:%d" % pp), pf)]
        else:
            cmds = [(serve("svc-directory.so", pd), pd),
                    (serve("svc-provider.so", pp, ["DIRECTORY=127.0.0.1:%d" % pd], ["127.0.0.1:%d" % pd]), pp),
                    (serve(front_so_or_native, pf, ["PROVIDER=127.0.0.1:%d" % pp], ["127.0.0.1:%d" % pp]), pf)]
        return cmds, pf, pp

    rows = []          # (label, result)
    calls = []         # (label, microseconds per validate-token)
    variants = []
    if a.js:
        variants.append(("one .so: JS front + Rust provider + C++ directory (wacc serve)", "js-one"))
    variants.append(("one .so: C front + Rust provider + C++ directory (wacc serve)", "c-one"))
    if a.js:
        variants.append(("three services over loopback, JS front (wacc serve each)", "js-three"))
    variants.append(("three services over loopback, C front (wacc serve each)", "c-three"))
    variants.append(("native, one process (Rust + C++ linked, C HTTP front)", "n-one"))
    variants.append(("native, three processes over loopback", "n-three"))
    for label, v in variants:
        sv = Services()
        try:
            pp = None
            if v == "js-one":
                cmds, pf = one(lambda p: serve("one-js.so", p))
            elif v == "c-one":
                cmds, pf = one(lambda p: serve("one-c.so", p))
            elif v == "n-one":
                cmds, pf = one(lambda p: native("one", p))
            else:
                cmds, pf, pp = three("svc-front-js.so" if v == "js-three" else "svc-front.so", v == "n-three")
            for argv, port in cmds:
                sv.start(argv, port)
            st, body = get(pf, "/", auth)
            if (st, body) != (200, ALICE):
                raise RuntimeError("%s: front door answered %d %r" % (label, st, body[:200]))
            n = a.js_n if v.startswith("js") else a.n
            hey(pf, "/", auth, max(n // 10, 10), a.c, parse=False)     # warm-up
            r = hey(pf, "/", auth, n, a.c)
            r["n"] = n
            rows.append((label, r))
            print("%-70s %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms" % (label, r["rps"], r["p50"], r["p99"]),
                  flush=True)
            if pp and v in ("c-three", "n-three"):
                st, body = get(pp, "/validate", auth)
                if (st, body) != (200, WIRE):
                    raise RuntimeError("%s: provider service answered %d %r" % (label, st, body[:200]))
                hey(pp, "/validate", auth, 200, 1, parse=False)
                r1 = hey(pp, "/validate", auth, max(a.n // 4, 100), 1)
                kind = "wacc serve" if v == "c-three" else "native"
                calls.append(("over loopback: the provider service (%s), which asks the directory "
                              "service (%s) — hey -c 1, mean" % (kind, kind), r1["avg"] * 1e3))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print("polyglot bench: %s: %s" % (label, e), file=sys.stderr)
            rows.append((label, None))
        finally:
            sv.stop()

    # validate-token inside the .so: a C host calling the composed provider + directory
    tf = os.path.join(W, "token1")
    with open(tf, "w") as f:
        f.write(token + "\n")
    k = max(a.n * 5, 5000)
    p = subprocess.run([a.host_auth, os.path.join(W, "core.so"), tf, str(k)], capture_output=True,
                       text=True, timeout=600)
    m = re.search(r"([\d.]+) us/call", p.stderr)
    if m:
        calls.insert(0, ("inside the .so: Rust provider -> C++ directory through a fused adapter "
                         "(C host, %d calls)" % k, float(m.group(1))))
    else:
        print("polyglot bench: host_auth: %s" % p.stderr[-300:], file=sys.stderr)

    # the same call natively, in-process (Rust provider -> C++ directory, plain calls)
    p = subprocess.run([a.native, "--lib", lib, "--time-validate", str(k), token], capture_output=True,
                       text=True, timeout=600)
    m = re.search(r"([\d.]+) us/call", p.stdout)
    if m:
        calls.insert(1, ("native, in-process: Rust provider -> C++ directory, function calls "
                         "(%d calls)" % k, float(m.group(1))))
    else:
        print("polyglot bench: native validate: %s" % p.stderr[-300:], file=sys.stderr)

    load = os.getloadavg()[0]
    md = ["# Polyglot: the auth-service blueprint, one .so vs three services", "",
          "`benchmarks/polyglot/run.sh -n %d -c %d` on %s, %d cores, load average %.1f at the end; "
          "each service `--workers %d`; hey -c %d, keep-alive, 127.0.0.1; the JS rows %d requests "
          "(every request instantiates a fresh JS engine)." %
          (a.n, a.c, time.strftime("%Y-%m-%d"), os.cpu_count(), load, a.workers, a.c, a.js_n), "",
          "| front door (GET / with a valid token) | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for label, r in rows:
        if r:
            md.append("| %s | %s | %.2f | %.2f |" % (label, fmt_num(r["rps"]), r["p50"], r["p99"]))
        else:
            md.append("| %s | failed | | |" % label)
    md += ["", "| one validate-token call | µs |", "|---|---:|"]
    for label, us in calls:
        md.append("| %s | %s |" % (label, fmt_num(us)))
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")
    s1, y = svg_bars("Front door, requests/s (higher is better)", "req/s",
                     [(l[:62], r["rps"]) for l, r in rows if r], 10, x0=430)
    s2, y = svg_bars("One validate-token call, µs (lower is better)", "µs",
                     [(l.split(":")[0] + (" (%s)" % ("wacc serve" if "wacc serve" in l else "native")
                                          if "loopback" in l else ""), us) for l, us in calls], y, x0=430)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="980" height="%d" font-family="sans-serif">' % (y + 10),
           '<rect width="100%" height="100%" fill="white"/>'] + s1 + s2 + ["</svg>"]
    with open(os.path.splitext(a.out)[0] + ".svg", "w") as f:
        f.write("\n".join(svg) + "\n")
    print()
    print("\n".join(md))


if __name__ == "__main__":
    main()
