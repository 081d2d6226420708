/*
 * acall.c — async Component Model costs (the async issue's benchmarks):
 *
 *   (1) host -> async export: wacc_component_call of `async func(x: u32)
 *       -> u32` lifted with a callback that calls task.return and exits at
 *       once, and lifted stackful (async, no callback), next to the same
 *       call as a sync export (acallee.wat);
 *   (2) component -> component async call, through the fused async
 *       adapter (the default) and on the runtime's generic path
 *       (WACC_NO_FUSE=1): B's async-lowered call of A's async export,
 *       which returns at once (task.return, EXIT), yields once first
 *       (YIELD, then task.return from its callback; B waits on a waitable
 *       set), or takes a 1 KiB string and returns at once; per call =
 *       (t(run n) - t(run 0)) / n; with B's sync call of A's sync
 *       `inc: func(x: u32) -> u32` as the reference (apair.wat);
 *   (3) stream<string> A -> B: 64 n strings of 16 bytes written and read
 *       64 at a time, per string, with the compiled element copy (fused)
 *       and abi-glue's load/store (WACC_NO_FUSE=1);
 *       stream<u8> throughput A -> B: A writes M MiB in 64 KiB (1 MiB)
 *       chunks, B reads into a 64 KiB (1 MiB) buffer, both waiting on
 *       waitable sets when blocked; GB/s next to memcpy of the same bytes
 *       in this driver (chunks of the same size between two buffers of
 *       that size, and one M MiB memcpy).
 *
 *   wacc-acall --callee ACALLEE.so --pair APAIR.so [--batch K] [--reps R]
 *              [--n N] [--mib M] [--sreps S] [--only NAME]
 *              [--fuse both|fused|generic]
 *
 * Each sample of (1) and (2) times a batch of K calls (one clock read pair
 * per batch); the figure is the median over R samples divided by K. (3) is
 * the median over S runs of run-stream(M). Every result is checked. Built
 * from benchmarks/components/ by run-async.sh. Uses only the public API
 * (wacc.h) and abi-glue's values (abi-glue/abi.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "wacc.h"

#define BENCH_NAME "wacc-acall"
#include "bench.h"

typedef struct bench {
    wacc_engine *e;
    int batch, reps, sreps;
    const char *only;
    const char *fuse;               /* "both" (default), "fused" or "generic": (2)'s instances */
} bench;

static void row(const char *what, double ns)
{
    if (ns >= 1e3)
        printf("| %-62s | %10.2f us |\n", what, ns / 1e3);
    else
        printf("| %-62s | %10.1f ns |\n", what, ns);
    fflush(stdout);
}

static void row_gbs(const char *what, double gbs)
{
    printf("| %-62s | %8.2f GB/s |\n", what, gbs);
    fflush(stdout);
}

static bool wanted(const bench *b, const char *name)
{
    return !b->only || strcmp(b->only, name) == 0;
}

/* One call f(x), checked: the result must be the u32 `expect`. */
static void ccall(wacc_store *s, wacc_cfunc *f, uint32_t x, uint32_t expect, wacc_arena *arena)
{
    wacc_cval arg = wacc_cval_uint(WACC_CT_U32, x), res;
    wacc_trap trap;
    if (!wacc_component_call(s, f, &arg, 1, &res, 1, arena, &trap))
        die("wacc_component_call", trap.message);
    if (res.kind != WACC_CT_U32 || res.x.u != expect) {
        char m[96];
        snprintf(m, sizeof m, "result %llu, expected %u", (unsigned long long)res.x.u, expect);
        die("wacc_component_call", m);
    }
    wacc_arena_reset(arena);
}

/* Median over `reps` batches of `batch` calls f(x), per call. */
static double time_call(wacc_store *s, wacc_cfunc *f, uint32_t x, uint32_t expect, int batch,
                        int reps)
{
    double *t = calloc((size_t)reps, sizeof *t);
    if (!t)
        die("component", "out of memory");
    wacc_arena arena;
    wacc_arena_init(&arena);
    ccall(s, f, x, expect, &arena);     /* warm up, check */
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (int i = 0; i < batch; i++)
            ccall(s, f, x, expect, &arena);
        t[r] = (now_ns() - t0) / batch;
    }
    wacc_arena_fini(&arena);
    double m = median(t, reps);
    free(t);
    return m;
}

static void bench_callee(const bench *b, const char *path)
{
    comp c;
    comp_open(b->e, path, &c);
    if (wanted(b, "get"))
        row("(1) host -> component, get: func(x: u32) -> u32 (sync)",
            time_call(c.s, comp_func(&c, "get"), 41, 42, b->batch, b->reps));
    if (wanted(b, "cb-now"))
        row("(1) host -> async export, callback, task.return at once",
            time_call(c.s, comp_func(&c, "cb-now"), 41, 42, b->batch, b->reps));
    if (wanted(b, "stackful"))
        row("(1) host -> async export, stackful (async lift, no callback)",
            time_call(c.s, comp_func(&c, "stackful"), 41, 42, b->batch, b->reps));
    comp_close(&c);
}

/* B.name(n) sums the results of n calls of A's f(i) = i + 1. */
static void bench_run(const bench *b, comp *c, const char *name, uint32_t n, const char *what)
{
    wacc_cfunc *run = comp_func(c, name);
    int batch = b->batch / (int)n > 0 ? b->batch / (int)n : 1;
    double t0 = time_call(c->s, run, 0, 0, b->batch, b->reps);
    uint32_t sum = (uint32_t)((uint64_t)n * (n + 1) / 2);
    double tn = time_call(c->s, run, n, sum, batch, b->reps);
    char w[128];
    snprintf(w, sizeof w, "    host -> B, %s(0) (subtracted below)", name);
    row(w, t0);
    row(what, (tn - t0) / n);
}

/* The component -> component rows, with the fused adapters (sync and
 * async: the default) or the runtime's generic path (WACC_NO_FUSE=1 at
 * instantiation). */
static void bench_pair_as(const bench *b, const char *path, uint32_t n, bool fused)
{
    comp c;
    if (!fused)
        setenv("WACC_NO_FUSE", "1", 1);
    comp_open(b->e, path, &c);
    if (!fused)
        unsetenv("WACC_NO_FUSE");
    const char *how = fused ? "fused" : "WACC_NO_FUSE=1";
    char w[128];
    /* name: the -only word and the export run-<name> */
    static const struct { const char *name, *label; } calls[] = {
        { "sync", "(2) B -> A, inc: func(x: u32) -> u32, sync" },
        { "now", "(2) B -> A, async -> async export, returns at once" },
        { "yield", "(2) B -> A, async, callee yields once (B waits)" },
        { "str", "(2) B -> A, async, 1 KiB string param, at once" },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (!wanted(b, calls[i].name))
            continue;
        char fn[32];
        snprintf(fn, sizeof fn, "run-%s", calls[i].name);
        snprintf(w, sizeof w, "%s, %s", calls[i].label, how);
        bench_run(b, &c, fn, n, w);
    }
    if (wanted(b, "words")) {
        /* run-words(k) returns k: per element = (t(k) - t(0)) / k */
        uint32_t k = 64u * n;
        wacc_cfunc *run = comp_func(&c, "run-words");
        double t0 = time_call(c.s, run, 0, 0, 1, b->reps);
        double tk = time_call(c.s, run, k, k, 1, b->reps);
        snprintf(w, sizeof w, "    host -> B, run-words(0), %s", how);
        row(w, t0);
        snprintf(w, sizeof w, "(3) stream<string> A -> B, 16-byte strings, per string, %s", how);
        row(w, (tk - t0) / k);
    }
    comp_close(&c);
}

static void bench_pair(const bench *b, const char *path, uint32_t n)
{
    if (strcmp(b->fuse, "generic") != 0)
        bench_pair_as(b, path, n, true);
    if (strcmp(b->fuse, "fused") != 0)
        bench_pair_as(b, path, n, false);
}

/* Keeps the compiler from dropping a memcpy whose result is never read. */
static void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static double time_memcpy(const bench *b, size_t total, size_t chunk)
{
    /* page-aligned, as the chunks in the two components' memories are */
    char *src = aligned_alloc(4096, chunk), *dst = aligned_alloc(4096, chunk);
    double *t = calloc((size_t)b->sreps, sizeof *t);
    if (!src || !dst || !t)
        die("memcpy", "out of memory");
    memset(src, 'w', chunk);
    memset(dst, 0, chunk);
    for (int r = 0; r < b->sreps; r++) {
        double t0 = now_ns();
        for (size_t done = 0; done < total; done += chunk) {
            memcpy(dst, src, chunk);
            clobber(dst);
        }
        t[r] = now_ns() - t0;
    }
    double m = median(t, b->sreps);
    free(t);
    free(dst);
    free(src);
    return m;
}

/* B.name(mib) streams mib MiB from A in chunks of `chunk` bytes. */
static void bench_stream(const bench *b, comp *c, const char *name, uint32_t mib, size_t chunk)
{
    wacc_cfunc *run = comp_func(c, name);
    uint32_t bytes = mib << 20;
    double t0 = time_call(c->s, run, 0, 0, 1, b->reps);
    double t = time_call(c->s, run, mib, bytes, 1, b->sreps);
    const char *unit = chunk >= (1u << 20) ? "MiB" : "KiB";
    size_t k = chunk >= (1u << 20) ? chunk >> 20 : chunk >> 10;
    char w[128];
    snprintf(w, sizeof w, "    host -> B, %s(0) (call, empty stream)", name);
    row(w, t0);
    snprintf(w, sizeof w, "    host -> B, %s(%u): %u MiB", name, mib, mib);
    row(w, t);
    snprintf(w, sizeof w, "(3) stream<u8> A -> B, %zu %s chunks, %u MiB", k, unit, mib);
    row_gbs(w, bytes / t);
    snprintf(w, sizeof w, "    memcpy, %zu %s chunks between two %zu %s buffers", k, unit, k, unit);
    row_gbs(w, bytes / time_memcpy(b, bytes, chunk));
}

static void bench_streams(const bench *b, const char *path, uint32_t mib)
{
    comp c;
    comp_open(b->e, path, &c);
    bench_stream(b, &c, "run-stream", mib, 64u << 10);
    bench_stream(b, &c, "run-stream-1m", mib, 1u << 20);
    comp_close(&c);
    char w[128];
    snprintf(w, sizeof w, "    memcpy, one %u MiB copy", mib);
    row_gbs(w, (mib << 20) / time_memcpy(b, (size_t)mib << 20, (size_t)mib << 20));
}

int main(int argc, char **argv)
{
    const char *callee = NULL, *pair = NULL;
    bench b = { NULL, 1000, 201, 21, NULL, "both" };
    uint32_t n = 1000, mib = 256;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die(argv[i], "missing value");
        if (strcmp(argv[i], "--callee") == 0)
            callee = v;
        else if (strcmp(argv[i], "--pair") == 0)
            pair = v;
        else if (strcmp(argv[i], "--batch") == 0)
            b.batch = atoi(v);
        else if (strcmp(argv[i], "--reps") == 0)
            b.reps = atoi(v);
        else if (strcmp(argv[i], "--sreps") == 0)
            b.sreps = atoi(v);
        else if (strcmp(argv[i], "--n") == 0)
            n = (uint32_t)atoi(v);
        else if (strcmp(argv[i], "--mib") == 0)
            mib = (uint32_t)atoi(v);
        else if (strcmp(argv[i], "--only") == 0)
            b.only = v;
        else if (strcmp(argv[i], "--fuse") == 0)
            b.fuse = v;
        else
            die(argv[i], "unknown option");
        i++;
    }
    if (b.batch < 1 || b.reps < 1 || b.sreps < 1 || n < 1 || n > 65535 || mib < 1 || mib > 4095)
        die("options", "--batch, --reps, --sreps >= 1; --n 1..65535; --mib 1..4095");
    b.e = wacc_engine_new();
    if (!b.e)
        die("engine", "out of memory");
    printf("| %-62s | %13s |\n", "call (median of batches)", "time/call");
    printf("|%s|%s|\n", "----------------------------------------------------------------",
           "--------------:");
    if (callee)
        bench_callee(&b, callee);
    if (pair) {
        bench_pair(&b, pair, n);
        if (wanted(&b, "stream"))
            bench_streams(&b, pair, mib);
    }
    wacc_engine_free(b.e);
    return 0;
}
