/*
 * startup.c — start-up microbenchmark of libwacc (DESIGN.md "Performance
 * targets"): artifact load, instantiate, store free, host -> wasm call,
 * live instances per GiB, and `wacc run` process start -> exit.
 *
 *   wacc-startup --hello HELLO.so [--call NOOP.so] [--big BIG.so]
 *                [--wacc WACC --native NATIVE_HELLO] [--iters N] [--instances N]
 *
 * Every timing is the median of many iterations (CLOCK_MONOTONIC). Imports
 * of HELLO.so (WASI) are satisfied by host functions that trap if called:
 * instantiation links them but never runs them. NOOP.so must export a
 * function "noop" of type [] -> [i32] (benchmarks/startup/noop.wat).
 *
 * Uses only the public API (wacc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wacc.h"

extern char **environ;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row(const char *what, double ns, const char *target)
{
    if (ns >= 1e6)
        printf("| %-44s | %10.2f ms | %-10s |\n", what, ns / 1e6, target);
    else if (ns >= 1e3)
        printf("| %-44s | %10.2f us | %-10s |\n", what, ns / 1e3, target);
    else
        printf("| %-44s | %10.1f ns | %-10s |\n", what, ns, target);
    fflush(stdout);
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "wacc-startup: %s: %s\n", what, msg);
    exit(1);
}

/* ---- artifact load ---- */

static void bench_load(wacc_engine *e, const char *path, int iters, const char *label)
{
    char err[WACC_ERR_LEN];
    double *t_load = calloc((size_t)iters, sizeof *t_load);
    double *t_free = calloc((size_t)iters, sizeof *t_free);
    if (!t_load || !t_free)
        die("load", "out of memory");
    for (int i = 0; i < iters; i++) {
        double t0 = now_ns();
        wacc_artifact *a = wacc_artifact_load(e, path, err);
        double t1 = now_ns();
        if (!a)
            die(path, err);
        wacc_artifact_free(a);
        double t2 = now_ns();
        t_load[i] = t1 - t0;
        t_free[i] = t2 - t1;
    }
    char what[128];
    snprintf(what, sizeof what, "artifact load, %s", label);
    row(what, median(t_load, iters), "<= 50 us");
    snprintf(what, sizeof what, "artifact free, %s", label);
    row(what, median(t_free, iters), "");
    free(t_load);
    free(t_free);
}

/* ---- instantiate ---- */

static uint32_t trap_if_called(void *data, wacc_val *vals)
{
    (void)data;
    (void)vals;
    return WACC_TRAP_UNREACHABLE;
}

/* One host function per function import (others unsupported here). */
static wacc_extern *make_imports(wacc_store *s, wacc_artifact *a, uint32_t *n)
{
    *n = wacc_artifact_num_imports(a);
    wacc_extern *im = calloc(*n + 1, sizeof *im);
    if (!im)
        die("imports", "out of memory");
    for (uint32_t i = 0; i < *n; i++) {
        wacc_functype ft;
        if (!wacc_artifact_import_functype(a, i, &ft))
            die("imports", "the module imports something other than a function");
        im[i].kind = WACC_EXTERN_FUNC;
        im[i].of.func = wacc_func_new_host(s, &ft, trap_if_called, NULL);
        if (!im[i].of.func)
            die("imports", "cannot create a host function");
    }
    return im;
}

static void bench_instantiate(wacc_engine *e, wacc_artifact *a, int iters, const char *label)
{
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    double *t_new = calloc((size_t)iters, sizeof *t_new);
    double *t_inst = calloc((size_t)iters, sizeof *t_inst);
    double *t_free = calloc((size_t)iters, sizeof *t_free);
    if (!t_new || !t_inst || !t_free)
        die("instantiate", "out of memory");
    for (int i = 0; i < iters; i++) {
        double t0 = now_ns();
        wacc_store *s = wacc_store_new(e);
        if (!s)
            die("store", "out of memory");
        uint32_t n;
        wacc_extern *im = make_imports(s, a, &n);
        double t1 = now_ns();
        wacc_instance *inst = wacc_instantiate(s, a, im, n, &trap, err);
        double t2 = now_ns();
        if (!inst)
            die("instantiate", trap.code ? trap.message : err);
        wacc_store_free(s);
        double t3 = now_ns();
        free(im);
        t_new[i] = t1 - t0;
        t_inst[i] = t2 - t1;
        t_free[i] = t3 - t2;
    }
    char what[128];
    snprintf(what, sizeof what, "store new + host imports, %s", label);
    row(what, median(t_new, iters), "");
    snprintf(what, sizeof what, "instantiate, %s", label);
    row(what, median(t_inst, iters), "<= 2 us");
    snprintf(what, sizeof what, "store free (1 instance), %s", label);
    row(what, median(t_free, iters), "");
    free(t_new);
    free(t_inst);
    free(t_free);
}

/* ---- call ---- */

static void bench_call(wacc_engine *e, const char *path, int iters)
{
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    wacc_artifact *a = wacc_artifact_load(e, path, err);
    if (!a)
        die(path, err);
    wacc_store *s = wacc_store_new(e);
    wacc_instance *inst = s ? wacc_instantiate(s, a, NULL, 0, &trap, err) : NULL;
    if (!inst)
        die(path, trap.code ? trap.message : err);
    wacc_extern ex;
    if (!wacc_instance_export(inst, "noop", &ex) || ex.kind != WACC_EXTERN_FUNC)
        die(path, "no function export \"noop\"");
    enum { BATCH = 1000 };
    double *t = calloc((size_t)iters, sizeof *t);
    if (!t)
        die("call", "out of memory");
    int32_t sum = 0;
    for (int i = 0; i < iters; i++) {
        double t0 = now_ns();
        for (int k = 0; k < BATCH; k++) {
            wacc_val r;
            if (!wacc_call(s, ex.of.func, NULL, 0, &r, 1, &trap))
                die("call", trap.message);
            sum += r.i32;
        }
        t[i] = (now_ns() - t0) / BATCH;
    }
    if (sum != 42 * BATCH * iters)
        die("call", "wrong result");
    row("host -> wasm call [] -> [i32] (wacc_call)", median(t, iters), "<= 30 ns");
    free(t);
    wacc_store_free(s);
    wacc_artifact_free(a);
}

/* ---- instances per GiB ---- */

/* VmRSS and VmPTE of this process, in KiB. */
static void mem_kib(long *rss, long *pte)
{
    *rss = *pte = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmPTE:", 6) == 0)
            *pte = strtol(line + 6, NULL, 10);
    }
    fclose(f);
}

static void bench_density(wacc_engine *e, wacc_artifact *a, int count)
{
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    wacc_store *s = wacc_store_new(e);
    if (!s)
        die("store", "out of memory");
    uint32_t n;
    wacc_extern *im = make_imports(s, a, &n);
    /* warm up allocator and page cache with one instance */
    if (!wacc_instantiate(s, a, im, n, &trap, err))
        die("instantiate", trap.code ? trap.message : err);
    long rss0, pte0, rss1, pte1;
    mem_kib(&rss0, &pte0);
    double t0 = now_ns();
    int made = 0;
    for (; made < count; made++) {
        if (!wacc_instantiate(s, a, im, n, &trap, err)) {
            fprintf(stderr, "wacc-startup: instance %d: %s\n", made + 2,
                    trap.code ? trap.message : err);
            break;
        }
    }
    double t1 = now_ns();
    mem_kib(&rss1, &pte1);
    double per = made ? (double)(rss1 - rss0) * 1024.0 / made : 0;
    double per_pte = made ? (double)(rss1 - rss0 + pte1 - pte0) * 1024.0 / made : 0;
    printf("| %-44s | %10d    | %-10s |\n", "live hello instances created", made + 1, "");
    printf("| %-44s | %10.2f KiB | %-10s |\n", "RSS per live hello instance", per / 1024, "");
    printf("| %-44s | %10.2f KiB | %-10s |\n", "RSS + page tables per instance", per_pte / 1024, "");
    printf("| %-44s | %10.0f    | %-10s |\n", "hello instances per GiB (RSS + page tables)",
           per_pte > 0 ? (double)(1u << 30) / per_pte : 0.0, ">= 10,000");
    row("instantiate, amortised while the store grows", made ? (t1 - t0) / made : 0, "");
    double t2 = now_ns();
    wacc_store_free(s);
    row("store free, per instance", made ? (now_ns() - t2) / (made + 1) : 0, "");
    free(im);
}

/* ---- processes ---- */

static double spawn_once(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = now_ns();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        die(argv[0], strerror(rc));
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    double t1 = now_ns();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die(argv[0], "did not exit with status 0");
    return t1 - t0;
}

static void bench_process(char *const argv[], int iters, const char *label, const char *target)
{
    double *t = calloc((size_t)iters, sizeof *t);
    if (!t)
        die("process", "out of memory");
    spawn_once(argv);       /* page cache */
    for (int i = 0; i < iters; i++)
        t[i] = spawn_once(argv);
    row(label, median(t, iters), target);
    free(t);
}

int main(int argc, char **argv)
{
    const char *hello = NULL, *noop = NULL, *big = NULL, *wacc = NULL, *native = NULL;
    int iters = 2000, instances = 10000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "wacc-startup: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--hello") == 0)
            hello = v;
        else if (strcmp(a, "--call") == 0)
            noop = v;
        else if (strcmp(a, "--big") == 0)
            big = v;
        else if (strcmp(a, "--wacc") == 0)
            wacc = v;
        else if (strcmp(a, "--native") == 0)
            native = v;
        else if (strcmp(a, "--iters") == 0)
            iters = atoi(v);
        else if (strcmp(a, "--instances") == 0)
            instances = atoi(v);
        else {
            fprintf(stderr, "wacc-startup: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (!hello || iters < 1) {
        fprintf(stderr, "usage: wacc-startup --hello HELLO.so [--call NOOP.so] [--big BIG.so] "
                        "[--wacc WACC --native NATIVE_HELLO] [--iters N] [--instances N]\n");
        return 2;
    }
    wacc_engine *e = wacc_engine_new();
    if (!e)
        die("engine", "out of memory");
    printf("| %-44s | %13s | %-10s |\n", "what (median)", "time", "target");
    printf("|%s|%s|%s|\n", "----------------------------------------------",
           "---------------", "------------");
    bench_load(e, hello, iters, "hello");
    if (big)
        bench_load(e, big, iters / 10 > 20 ? iters / 10 : 20, "big");

    char err[WACC_ERR_LEN];
    wacc_artifact *a = wacc_artifact_load(e, hello, err);
    if (!a)
        die(hello, err);
    bench_instantiate(e, a, iters, "hello");
    if (noop)
        bench_call(e, noop, iters);
    if (instances > 0)
        bench_density(e, a, instances - 1);
    wacc_artifact_free(a);

    int piters = iters / 10 > 50 ? iters / 10 : 50;
    if (native) {
        char *av[] = { (char *)native, NULL };
        bench_process(av, piters, "process start -> exit, native hello", "");
    }
    if (wacc) {
        char *av[] = { (char *)wacc, "run", (char *)hello, NULL };
        bench_process(av, piters, "process start -> exit, wacc run hello.so", "<= 1 ms");
    }
    wacc_engine_free(e);
    return 0;
}
