#!/usr/bin/env python3
"""bench.py — `wacc serve` against other ways to serve the same handler
(run by scripts/bench-serve, which builds everything first).

    bench.py OUT.md --wacc WACC --native SERVE_NATIVE --instantiate BIN
             --guest-so GUEST.so --guest-wasm GUEST.wasm [--jco JCO_JS]
             [--seconds S] [--workers N]

Rows: wacc serve of tests/serve/guest.c (a C wasi:http component: a fresh
instance per request), the native C server on the same HTTP library
(runtime/serve with a C handler, tests/serve/native_server.c), and
`jco serve` (node) of the same component (one instance per worker, and
--isolate-requests instance: a fresh one per request, like wacc). Measured
with hey on /hello: requests/s and p50/p99 at concurrency 1 and 64; cold
start (process start -> first 200, median of 10); per-request instantiate +
teardown (wacc-serve-instantiate). Containers and density: a later part
(see the placeholder rows)."""
import argparse
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get_status(port):
    """GET /hello over a raw socket (no proxy settings, no library start-up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        head = s.recv(64)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return int(m.group(1)) if m else 0


def wait_200(port, proc, limit=60.0):
    t0 = time.time()
    while time.time() - t0 < limit:
        if proc.poll() is not None:
            return None
        try:
            if get_status(port) == 200:
                return time.time()
        except OSError:                     # not up yet
            time.sleep(0.0002)
    return None


def start(argv, port):
    cmd = [a.replace("PORT", str(port)) for a in argv]
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = wait_200(port, p)
    return p, (t1 - t0) if t1 else None


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def hey(port, c, seconds):
    out = subprocess.run(["hey", "-z", "%ds" % seconds, "-c", str(c),
                          "http://127.0.0.1:%d/hello" % port],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50% in ([\d.]+) secs", out)
    p99 = re.search(r"99% in ([\d.]+) secs", out)
    ok = re.search(r"\[200\]\s+(\d+) responses", out)
    bad = re.findall(r"\[(\d{3})\]\s+\d+ responses", out)
    if not rps or not ok or set(bad) - {"200"}:
        return None
    return float(rps.group(1)), float(p50.group(1)) * 1e3, float(p99.group(1)) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--wacc", required=True)
    ap.add_argument("--native", required=True)
    ap.add_argument("--instantiate", required=True)
    ap.add_argument("--guest-so", required=True)
    ap.add_argument("--guest-wasm", required=True)
    ap.add_argument("--jco")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    a = ap.parse_args()
    w = str(a.workers)
    servers = [
        ("wacc serve (C component, fresh instance per request)",
         [a.wacc, "serve", "--quiet", "--workers", w, "--addr", "127.0.0.1:PORT", a.guest_so]),
        ("native C server, same HTTP library (runtime/serve + C handler)",
         [a.native, "--quiet", "--workers", w, "--addr", "127.0.0.1:PORT"]),
    ]
    if a.jco:
        servers += [
            ("jco serve (node), one instance", ["node", a.jco, "serve", "--port", "PORT",
                                                 "--host", "127.0.0.1", a.guest_wasm]),
            ("jco serve (node), --isolate-requests instance",
             ["node", a.jco, "serve", "--port", "PORT", "--host", "127.0.0.1",
              "--isolate-requests", "instance", a.guest_wasm]),
        ]
    load0 = os.getloadavg()[0]
    rows = []
    for name, argv in servers:
        print("==", name, flush=True)
        colds = []
        for _ in range(10 if "jco" not in name else 3):
            port = free_port()
            p, t = start(argv, port)
            stop(p)
            if t is None:
                break
            colds.append(t * 1e3)
        port = free_port()
        p, t = start(argv, port)
        if t is None:
            rows.append((name, None, None, None))
            stop(p)
            continue
        r1 = hey(port, 1, a.seconds)
        r64 = hey(port, 64, a.seconds)
        stop(p)
        cold = statistics.median(colds) if colds else None
        rows.append((name, r1, r64, cold))
        print(name, r1, r64, cold, flush=True)
    inst = subprocess.run([a.instantiate, a.guest_so, "5000"], capture_output=True,
                          text=True).stdout.strip()
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    native = next((r for r in rows if r[0].startswith("native") and r[2]), None)

    def fmt(r):
        return "%.0f | %.2f | %.2f" % r if r else "failed | | "

    lines = ["# `wacc serve` benchmarks",
             "",
             "Machine: %s, %d cores, %s; %s; workers %s; hey %ds per cell on /hello "
             "(loopback, hey on the same machine); load average at the start %.1f (other "
             "work on the machine makes every number lower and noisier)."
             % (cpu, os.cpu_count(), platform.platform(),
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), w, a.seconds, load0),
             "",
             "| server | c=1 req/s | p50 ms | p99 ms | c=64 req/s | p50 ms | p99 ms | c=64 vs native | cold start → first 200 (ms, median) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r1, r64, cold in rows:
        ratio = "%.2f×" % (r64[0] / native[2][0]) if (r64 and native) else "–"
        lines.append("| %s | %s | %s | %s | %s |" % (name, fmt(r1), fmt(r64), ratio,
                                                     "%.1f" % cold if cold else "–"))
    lines += ["| native server in a container (crun/runc/podman) | – | | | – | | | – | see serve-containers.md |",
              "",
              "Per-request instantiate + teardown (store + WASI 0.2 context + component instance, "
              "`wacc-serve-instantiate`): " + (inst or "failed"),
              "",
              "Containers (cold start) and density (services per GiB): serve-containers.md "
              "(scripts/bench-serve-containers)."]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
