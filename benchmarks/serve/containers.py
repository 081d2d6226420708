#!/usr/bin/env python3
"""containers.py — the native hello server in containers vs `wacc serve`
(issue 9, "Benchmarks"; run by scripts/bench-serve-containers).

    containers.py OUT.md --wacc WACC --native SERVE_NATIVE --static HELLO_STATIC
                  --bundle BUNDLE --image IMAGE --guest-so GUEST.so
                  [--runs N] [--density 1,100,1000] [--containers 1,10,100]
                  [--podman 1,10,50]

Cold start: process start -> first HTTP 200 on GET /hello (median of
--runs), for `wacc serve` (the C component), the native server (dynamic and
static) started directly, `crun run` and `runc run` of an OCI bundle holding
the static server (host network: no network namespace), and
`podman run --network host` of the image built from scratch. Each is
stopped and removed before the next start (the container's teardown is not
timed). Density: density.py. Writes OUT.md and OUT.svg (bar charts)."""
import argparse
import ast
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import density  # noqa: E402


def hybrid_cgroup_fix(err):
    """crun on a hybrid cgroup v1/v2 host without the hugetlb hierarchy."""
    if "hybrid mode not supported" not in err:
        return False
    os.makedirs("/sys/fs/cgroup/hugetlb", exist_ok=True)
    return subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "cgroup",
                           "/sys/fs/cgroup/hugetlb"]).returncode == 0


def timed_start(argv, port, cleanup=None):
    """Seconds from spawning argv to the first 200 on port (None: failed)."""
    t0 = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ok = density.get_ok(port, limit=60)
    t = time.time() - t0
    err = ""
    if cleanup:
        cleanup()
    density.stop_all([p])
    if not ok:
        err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return (t if ok else None), err


def cold_starts(a):
    w = str(a.workers)
    rows = []

    def direct(name, argv_of):
        ts = []
        for _ in range(a.runs):
            port = density.free_ports(1)[0]
            t, err = timed_start(argv_of(port), port)
            if t is None:
                print(name, "failed:", err.strip()[:300], flush=True)
                break
            ts.append(t * 1e3)
        rows.append((name, statistics.median(ts) if ts else None, len(ts)))
        print("cold", rows[-1], flush=True)

    direct("wacc serve (C component)", lambda p: [a.wacc, "serve", "--quiet", "--workers", w,
                                                  "--addr", "127.0.0.1:%d" % p, a.guest_so])
    direct("native server, direct (dynamic)", lambda p: [a.native, "--quiet", "--workers", w,
                                                         "--addr", "127.0.0.1:%d" % p])
    direct("native server, direct (static)", lambda p: [a.static, "--quiet", "--workers", w,
                                                        "--addr", "127.0.0.1:%d" % p])
    for rt in ("crun", "runc"):
        ts = []
        fixed = False
        k = 0
        while len(ts) < a.runs and k < a.runs + 2:
            k += 1
            port = density.free_ports(1)[0]
            density.bundle_config(a.bundle, port, workers=a.workers)
            cid = "wacc-cold-%s-%d-%d" % (rt, os.getpid(), k)

            def cleanup(rt=rt, cid=cid):
                subprocess.run([rt, "kill", cid, "KILL"], capture_output=True)
                time.sleep(0.05)
                subprocess.run([rt, "delete", "-f", cid], capture_output=True)
            t, err = timed_start([rt, "run", "-b", a.bundle, cid], port, cleanup)
            if t is None:
                if not fixed and hybrid_cgroup_fix(err):
                    fixed = True
                    continue
                print(rt, "failed:", err.strip()[:300], flush=True)
                break
            ts.append(t * 1e3)
        rows.append(("%s run (OCI bundle, static server)" % rt,
                     statistics.median(ts) if ts else None, len(ts)))
        print("cold", rows[-1], flush=True)
    ts = []
    for k in range(a.podman_runs):
        port = density.free_ports(1)[0]
        name = "wacc-cold-podman-%d-%d" % (os.getpid(), k)
        t, err = timed_start(["podman", "run", "--rm", "--network", "host", "--ulimit",
                              "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--name", name,
                              a.image, "--quiet", "--workers", w, "--addr", "127.0.0.1:%d" % port],
                             port, lambda name=name: subprocess.run(
                                 ["podman", "rm", "-f", "-t", "0", name], capture_output=True))
        if t is None:
            print("podman failed:", err.strip()[:300], flush=True)
            break
        ts.append(t * 1e3)
    rows.append(("podman run --network host (image from scratch)",
                 statistics.median(ts) if ts else None, len(ts)))
    print("cold", rows[-1], flush=True)
    return rows


def densities(a, tmp):
    out = []   # (name, n, kib, processes, measured?)

    def run(name, f, ns):
        for n in ns:
            try:
                kib, procs, kd = f(n)
            except Exception as e:          # a runtime failing is a result, not a crash
                print(name, n, "failed:", e, flush=True)
                kib, procs, kd = None, 0, 0
            out.append((name, n, kib, procs, kd))
            print("density", out[-1], flush=True)

    run("wacc serve, 1 process, distinct .so per route",
        lambda n: density.wacc_serve(a.wacc, a.guest_so, n, tmp), a.density)
    run("wacc serve, 1 process, same .so on every route",
        lambda n: density.wacc_serve(a.wacc, a.guest_so, n, tmp, distinct=False), a.density)
    run("(breakdown) wacc serve, distinct .so per route, never requested: no spare instance",
        lambda n: density.wacc_serve(a.wacc, a.guest_so, n, tmp, request=False), a.density)
    run("native server processes (dynamic)", lambda n: density.native(a.native, n), a.density)
    run("native server processes (static)", lambda n: density.native(a.static, n), a.density)
    run("crun containers (static server)",
        lambda n: density.crun_many(a.bundle, n, os.path.join(tmp, "crun")), a.containers)
    run("podman containers (static server + conmon)",
        lambda n: density.podman_many(a.image, n), a.podman)
    return out


def svg_bars(title, unit, items, y0, x0=330, bar=380):
    """items: [(label, value)]: horizontal bars on a linear scale, labels
    left of x0."""
    items = [(l, v) for l, v in items if v]
    top = max(v for _, v in items) if items else 1
    h = 22
    s = ['<text x="10" y="%d" font-size="14" font-weight="bold">%s</text>' % (y0 + 16, title)]
    for i, (label, v) in enumerate(items):
        y = y0 + 28 + i * h
        bw = max(1.0, bar * v / top)
        s.append('<text x="10" y="%d" font-size="12">%s</text>' % (y + 14, label))
        s.append('<rect x="%d" y="%d" width="%.1f" height="16" fill="#4a7bb7"/>' % (x0, y + 2, bw))
        s.append('<text x="%.1f" y="%d" font-size="12">%s %s</text>' % (x0 + 5 + bw, y + 14,
                                                                         fmt_num(v), unit))
    return s, y0 + 36 + len(items) * h


def fmt_num(v):
    return "%.0f" % v if v >= 100 else ("%.1f" % v if v >= 1 else "%.2f" % v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    for k in ("wacc", "native", "static", "bundle", "image", "guest_so"):
        ap.add_argument("--" + k.replace("_", "-"), required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--podman-runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--density", default="1,100,1000")
    ap.add_argument("--containers", default="1,10,100")
    ap.add_argument("--podman", default="1,10,50")
    ap.add_argument("--from-log", help="rebuild OUT.md/.svg from this run's stdout")
    a = ap.parse_args()
    a.density = [int(x) for x in a.density.split(",")]
    a.containers = [int(x) for x in a.containers.split(",")]
    a.podman = [int(x) for x in a.podman.split(",")]
    if a.from_log:                          # redo the report from a run's output
        cold, dens, load = [], [], [0.0, 0.0]
        for line in open(a.from_log):
            m = re.match(r"(cold|density|load) .*?(\((?:'|\d).*\))$", line.strip())
            if m:
                t = ast.literal_eval(m.group(2))
                if m.group(1) == "density" and len(t) == 4:     # a run before kernel Δ
                    t = t + (None,)
                {"cold": cold, "density": dens, "load": [load]}[m.group(1)].append(t)
                if m.group(1) == "load":
                    load = t
        report(a, cold, dens, (load[0],), (load[1],))
        return
    load0 = os.getloadavg()
    cold = cold_starts(a)
    with tempfile.TemporaryDirectory() as tmp:
        dens = densities(a, tmp)
    load1 = os.getloadavg()
    print("load", (load0[0], load1[0]), flush=True)
    report(a, cold, dens, load0, load1)


def report(a, cold, dens, load0, load1):
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    cpu = cpu.group(1) if cpu else "?"
    wacc_cold = next((c for n, c, _ in cold if n.startswith("wacc") and c), None)
    L = ["# `wacc serve` vs containers: cold start and density",
         "",
         "Machine: %s, %d vCPU, %d MiB RAM; %s. Load average %.1f at the start, %.1f at the end "
         "(other jobs were running: absolute times are inflated, compare ratios within this run). "
         "Command: `scripts/bench-serve-containers`." % (
             cpu, os.cpu_count(), os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") >> 20,
             time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load0[0], load1[0]),
         "",
         "## Cold start: process start → first HTTP 200 (GET /hello, workers %d)" % a.workers,
         "",
         "| how | median ms | runs | vs wacc serve |",
         "|---|---|---|---|"]
    for name, ms, n in cold:
        L.append("| %s | %s | %d | %s |" % (name, "%.1f" % ms if ms else "failed", n,
                                           "%.2f×" % (ms / wacc_cold) if ms and wacc_cold else "–"))
    L += ["",
          "The static server: tests/serve/native_server.c on runtime/serve, linked with "
          "`gcc -static` against Debian's libuv_a.a and libhttp_parser.a "
          "(benchmarks/serve/build-static.sh; libcurl's static dependency chain is incomplete in "
          "Debian, so benchmarks/serve/nocurl.c stands in for the unused outgoing-HTTP client). "
          "Image: `FROM scratch` + that one file (1.6 MB), built with podman, nothing pulled. "
          "crun/runc: an OCI bundle from `crun spec` without the network namespace "
          "(listens on the host's 127.0.0.1), rlimits nofile/nproc 1024.",
          "",
          "## Density: resident memory of N distinct hello services (each answered one request)",
          "",
          "PSS from /proc/PID/smaps_rollup summed over the processes (kernel memory for "
          "namespaces/cgroups/sockets not included). One `wacc serve --workers 1` with N routes "
          "`/sK=svcK.so`, each a distinct copy of the artifact file (own dlopen, own code pages). "
          "Serve runs every request on a fresh instance, and after a route's first request each "
          "worker keeps one pre-made spare instance for it (runtime/serve/request.c), so a "
          "requested route at rest holds its loaded artifact + one instance per worker; the "
          "(breakdown) row has routes that were never requested (no spare). With N routes the "
          "`wacc serve` driver also allocates grant arrays sized by argc per route "
          "(compiler/driver/cmd_serve.c: ~48 KiB per route at N=1000). Native and container services: one process per "
          "service, `--workers 1`. crun containers are capped at %d, podman at %d; larger N "
          "is extrapolated linearly (marked *) with the marginal cost between the two largest measured N. \"marginal\": "
          "(total(N) − total(1)) / (N − 1), the cost of one more service. \"kernel Δ\": growth of "
          "KernelStack + PageTables + Slab in /proc/meminfo while the services were up "
          "(system-wide, so other jobs add noise of a few MiB; not in PSS and not in services "
          "per GiB)." % (
              max(a.containers), max(a.podman)),
          "",
          "| services | how | processes | PSS MiB | KiB per service | marginal KiB | services per GiB | kernel Δ MiB (noisy) |",
          "|---|---|---|---|---|---|---|---|"]
    chart = []
    for name, n, kib, procs, kd in dens:
        if kib is None:
            L.append("| %d | %s | – | failed | | | | |" % (n, name))
            continue
        per = kib / n
        one = next((k for nm, m, k, _, _ in dens if nm == name and m == 1 and k), None)
        marg = "%.0f" % ((kib - one) / (n - 1)) if one and n > 1 else "–"
        L.append("| %d | %s | %d | %.1f | %.0f | %s | %.0f | %.1f |" % (
            n, name, procs, kib / 1024, per, marg, 1048576 / per, kd / 1024 if kd is not None else float("nan")))
    for name in dict.fromkeys(x[0] for x in dens):
        got = [(n, kib) for nm, n, kib, _, _ in dens if nm == name and kib]
        if not got or name.startswith("(breakdown)"):
            continue
        got.sort()
        n, kib = got[-1]
        N = max(a.density)
        if n < N and len(got) > 1:
            # total(N) = total(n) + (N - n) * the marginal cost between the two largest N
            m = (kib - got[-2][1]) / (n - got[-2][0])
            tot = kib + (N - n) * m
            L.append("| %d* | %s (extrapolated from %d: + %.0f KiB each) | | %.1f | %.0f | | %.0f | |" % (
                N, name, n, m, tot / 1024, tot / N, 1048576 / (tot / N)))
            n, kib = N, tot
        chart.append((name + ("" if n in [x for x, _ in got] else " *"), 1048576 / (kib / n)))
    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    x0 = 20 + int(6.5 * max(len(n) for n, _ in [(c[0], 0) for c in cold] + chart))
    s1, y = svg_bars("Cold start, process start to first 200 (ms, lower is better)", "ms",
                     [(n, c) for n, c, _ in cold], 0, x0)
    s2, y = svg_bars("Hello services per GiB at N=%d (PSS; * extrapolated; higher is better)" % max(a.density), "",
                     chart, y + 10, x0)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (x0 + 480, y + 10),
           '<rect width="100%" height="100%" fill="white"/>'] + s1 + s2 + ["</svg>"]
    with open(os.path.splitext(a.out)[0] + ".svg", "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
