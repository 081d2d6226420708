/*
 * ccall.c — Component Model call costs (the Component Model issue's two
 * numbers), with core-wasm calls for reference:
 *
 *   (a) host -> component typed call, no arguments and no result
 *       (wacc_component_call of `noop: func()`), next to a host -> core
 *       wasm call (wacc_call) and typed calls returning a u32 / taking a
 *       1 KiB string;
 *   (b) component -> component call passing a 1 KiB string: B.run(n) calls
 *       A.consume(s) n times; per call = (t(run n) - t(run 0)) / n; with
 *       the fused adapter the compiler generated for the call (the default)
 *       and with the runtime's generic lift/lower path (WACC_NO_FUSE=1);
 *       the same for B.run-own(n): pass(own R) -> own R, n times (the
 *       handle moved from B to A and back).
 *
 *   wacc-ccall --core CORE.so --callee CALLEE.so --pair PAIR.so
 *              [--batch K] [--reps R] [--n N] [--only NAME]
 *
 * Each sample times a batch of K calls (one clock read pair per batch, so
 * the clock's own ~20 ns does not dominate a ~100 ns call); the figure is the
 * median over R samples, divided by K. Built from benchmarks/components/
 * (core.wat, callee.wat, pair.wat) by benchmarks/components/run.sh.
 *
 * Uses only the public API (wacc.h) and abi-glue's values (abi-glue/abi.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "wacc.h"

#define BENCH_NAME "wacc-ccall"
#include "bench.h"

typedef struct bench {
    wacc_engine *e;
    int batch, reps;
    const char *only;
} bench;

static void row(const char *what, double ns, const char *anchor)
{
    if (ns >= 1e3)
        printf("| %-58s | %10.2f us | %-26s |\n", what, ns / 1e3, anchor);
    else
        printf("| %-58s | %10.1f ns | %-26s |\n", what, ns, anchor);
    fflush(stdout);
}

static bool wanted(const bench *b, const char *name)
{
    return !b->only || strcmp(b->only, name) == 0;
}

/* ---- core wasm reference ---- */

static double time_core(const bench *b, wacc_store *s, wacc_func *f, uint32_t nresults)
{
    double *t = calloc((size_t)b->reps, sizeof *t);
    if (!t)
        die("core", "out of memory");
    wacc_val res[1];
    wacc_trap trap;
    for (int r = 0; r < b->reps; r++) {
        double t0 = now_ns();
        for (int i = 0; i < b->batch; i++)
            if (!wacc_call(s, f, NULL, 0, res, nresults, &trap))
                die("wacc_call", trap.message);
        t[r] = (now_ns() - t0) / b->batch;
    }
    double m = median(t, b->reps);
    free(t);
    return m;
}

static void bench_core(const bench *b, const char *path)
{
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    wacc_artifact *a = wacc_artifact_load(b->e, path, err);
    if (!a)
        die(path, err);
    wacc_store *s = wacc_store_new(b->e);
    wacc_instance *inst = s ? wacc_instantiate(s, a, NULL, 0, &trap, err) : NULL;
    if (!inst)
        die(path, s ? (trap.code ? trap.message : err) : "out of memory");
    wacc_extern noop, get;
    if (!wacc_instance_export(inst, "noop", &noop) || !wacc_instance_export(inst, "get", &get))
        die(path, "missing export noop or get");
    if (wanted(b, "core-noop"))
        row("(a) host -> core wasm, wacc_call [] -> []", time_core(b, s, noop.of.func, 0), "");
    if (wanted(b, "core-get"))
        row("    host -> core wasm, wacc_call [] -> [i32]", time_core(b, s, get.of.func, 1), "");
    wacc_store_free(s);
    wacc_artifact_free(a);
}

/* ---- components ---- */

/* One call, checked: the result (if any) must be the u32 `expect`. */
static void ccall(wacc_store *s, wacc_cfunc *f, const wacc_cval *args, uint32_t nargs,
                  uint32_t nresults, uint64_t expect, wacc_arena *arena)
{
    wacc_cval res;
    wacc_trap trap;
    if (!wacc_component_call(s, f, args, nargs, &res, nresults, arena, &trap))
        die("wacc_component_call", trap.message);
    if (nresults && (res.kind != WACC_CT_U32 || res.x.u != expect)) {
        char m[96];
        snprintf(m, sizeof m, "result %llu, expected %llu", (unsigned long long)res.x.u,
                 (unsigned long long)expect);
        die("wacc_component_call", m);
    }
    wacc_arena_reset(arena);
}

static double time_comp(const bench *b, wacc_store *s, wacc_cfunc *f, const wacc_cval *args,
                        uint32_t nargs, uint32_t nresults, uint64_t expect, int batch)
{
    double *t = calloc((size_t)b->reps, sizeof *t);
    if (!t)
        die("component", "out of memory");
    wacc_arena arena;
    wacc_arena_init(&arena);
    ccall(s, f, args, nargs, nresults, expect, &arena);     /* warm up, check */
    for (int r = 0; r < b->reps; r++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++)
            ccall(s, f, args, nargs, nresults, expect, &arena);
        t[r] = (now_ns() - t0) / batch;
    }
    wacc_arena_fini(&arena);
    double m = median(t, b->reps);
    free(t);
    return m;
}

static char *kib_string(void)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(1024);
    if (!s)
        die("string", "out of memory");
    for (int i = 0; i < 1024; i++)
        s[i] = hex[i % 16];
    return s;
}

static void bench_callee(const bench *b, const char *path)
{
    comp c;
    comp_open(b->e, path, &c);
    wacc_cfunc *noop = comp_func(&c, "noop"), *get = comp_func(&c, "get");
    wacc_cfunc *consume = comp_func(&c, "consume");
    if (wanted(b, "noop"))
        row("(a) host -> component, noop: func()", time_comp(b, c.s, noop, NULL, 0, 0, 0, b->batch),
            "Wasmtime 140 ns");
    if (wanted(b, "get"))
        row("    host -> component, get: func() -> u32", time_comp(b, c.s, get, NULL, 0, 1, 42, b->batch),
            "");
    char *str = kib_string();
    wacc_cval arg = wacc_cval_string(str, 1024);
    if (wanted(b, "consume"))
        row("    host -> component, consume(1 KiB string) -> u32",
            time_comp(b, c.s, consume, &arg, 1, 1, 1024, b->batch), "");
    free(str);
    comp_close(&c);
}

/* fused: B's lowered `consume` is the compiled adapter (the runtime's
 * default); otherwise the generic path (WACC_NO_FUSE=1, read when the
 * component is instantiated). */
static void bench_pair(const bench *b, const char *path, uint32_t n, bool fused)
{
    comp c;
    if (fused)
        unsetenv("WACC_NO_FUSE");
    else
        setenv("WACC_NO_FUSE", "1", 1);
    comp_open(b->e, path, &c);
    unsetenv("WACC_NO_FUSE");
    wacc_cfunc *run = comp_func(&c, "run");
    wacc_cval zero = wacc_cval_uint(WACC_CT_U32, 0), many = wacc_cval_uint(WACC_CT_U32, n);
    int batch = b->batch / (int)n > 0 ? b->batch / (int)n : 1;
    if (wanted(b, "pair") || wanted(b, "run0")) {
        double t0 = time_comp(b, c.s, run, &zero, 1, 1, 0, b->batch);
        row("    host -> B, run(0) -> u32 (subtracted below)", t0, "");
        if (wanted(b, "pair")) {
            double tn = time_comp(b, c.s, run, &many, 1, 1, (uint64_t)n * 1024, batch);
            char what[96];
            snprintf(what, sizeof what, "    host -> B, run(%u) -> u32, per consume call", n);
            row(what, tn / n, "");
            row(fused ? "(b) component B -> component A, consume(1 KiB string)"
                      : "(b) B -> A, consume(1 KiB string), WACC_NO_FUSE=1",
                (tn - t0) / n, fused ? "HTTP 17.6 us, gRPC 352 us" : "");
        }
    }
    if (wanted(b, "pair") || wanted(b, "own")) {
        wacc_cfunc *run_own = comp_func(&c, "run-own");
        double o0 = time_comp(b, c.s, run_own, &zero, 1, 1, 0, b->batch);
        double on = time_comp(b, c.s, run_own, &many, 1, 1, n, batch);
        row(fused ? "(b) B -> A, pass(own R) -> own R"
                  : "(b) B -> A, pass(own R) -> own R, WACC_NO_FUSE=1",
            (on - o0) / n, "");
    }
    comp_close(&c);
}

int main(int argc, char **argv)
{
    const char *core = NULL, *callee = NULL, *pair = NULL;
    bench b = { NULL, 1000, 201, NULL };
    uint32_t n = 1000;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die(argv[i], "missing value");
        if (strcmp(argv[i], "--core") == 0)
            core = v;
        else if (strcmp(argv[i], "--callee") == 0)
            callee = v;
        else if (strcmp(argv[i], "--pair") == 0)
            pair = v;
        else if (strcmp(argv[i], "--batch") == 0)
            b.batch = atoi(v);
        else if (strcmp(argv[i], "--reps") == 0)
            b.reps = atoi(v);
        else if (strcmp(argv[i], "--n") == 0)
            n = (uint32_t)atoi(v);
        else if (strcmp(argv[i], "--only") == 0)
            b.only = v;
        else
            die(argv[i], "unknown option");
        i++;
    }
    if (b.batch < 1 || b.reps < 1 || n < 1)
        die("options", "--batch, --reps and --n must be >= 1");
    b.e = wacc_engine_new();
    if (!b.e)
        die("engine", "out of memory");
    printf("| %-58s | %13s | %-26s |\n", "call (median of batches)", "time/call", "anchor (issue)");
    printf("|%s|%s|%s|\n", "------------------------------------------------------------",
           "--------------:", "----------------------------");
    if (core)
        bench_core(&b, core);
    if (callee)
        bench_callee(&b, callee);
    if (pair) {
        bench_pair(&b, pair, n, true);
        bench_pair(&b, pair, n, false);
    }
    wacc_engine_free(b.e);
    return 0;
}
