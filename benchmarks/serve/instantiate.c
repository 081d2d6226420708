/*
 * instantiate.c — per-request instantiate + teardown cost of `wacc serve`:
 * what runtime/serve does for every request before and after the guest's
 * handle (a fresh store, WASI 0.2 context and component instance), N times.
 *
 *   wacc-serve-instantiate APP.so [N]    prints µs per request, by phase
 *
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a loaded
 * machine does not inflate them; WACC_BENCH_WALL=1 measures wall time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wacc.h"
#include "wasi2.h"

static clockid_t clk = CLOCK_THREAD_CPUTIME_ID;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: wacc-serve-instantiate APP.so [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    if (n <= 0) {
        fprintf(stderr, "N must be positive\n");
        return 2;
    }
    const char *wall = getenv("WACC_BENCH_WALL");
    if (wall && *wall && *wall != '0')
        clk = CLOCK_MONOTONIC;
    char err[WACC_ERR_LEN];
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = wacc_artifact_load(e, argv[1], err);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    static const char *argv0[] = { "app" };
    cfg.argv = argv0;
    cfg.argc = 1;
    cfg.stdin_fd = -1;
    double t_ctx = 0, t_inst = 0, t_free = 0;
    for (int i = 0; i < n + 100; i++) {         /* the first 100: warm-up */
        double t0 = now_us();
        wacc_store *s = wacc_store_new(e);
        wacc_wasi2 *w = wacc_wasi2_new(&cfg, err);
        wacc_component_host host;
        wacc_wasi2_host(w, &host);
        double t1 = now_us();
        wacc_trap trap;
        wacc_cinstance *ci = wacc_component_instantiate(s, a, &host, &trap, err);
        if (!ci) {
            fprintf(stderr, "instantiate: %s\n", trap.code ? trap.message : err);
            return 1;
        }
        double t2 = now_us();
        wacc_cinstance_free(ci);
        wacc_store_free(s);
        wacc_wasi2_free(w);
        double t3 = now_us();
        if (i >= 100) {
            t_ctx += t1 - t0;
            t_inst += t2 - t1;
            t_free += t3 - t2;
        }
    }
    printf("%s per request (%d): store+wasi2 %.2f us, instantiate %.2f us, teardown %.2f us, "
           "total %.2f us\n", clk == CLOCK_MONOTONIC ? "wall" : "cpu", n, t_ctx / n, t_inst / n, t_free / n, (t_ctx + t_inst + t_free) / n);
    wacc_artifact_free(a);
    wacc_engine_free(e);
    return 0;
}
