/*
 * bench.h — what the component benchmark drivers (ccall.c, acall.c) share:
 * the clock, the median of samples, dying with a message, and opening a
 * component artifact into its own store. Define BENCH_NAME (the program's
 * name for messages) before including it.
 */
#ifndef WACC_BENCH_H
#define WACC_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wacc.h"

static inline double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static inline double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline void die(const char *what, const char *msg)
{
    fprintf(stderr, BENCH_NAME ": %s: %s\n", what, msg);
    exit(1);
}

/* A component artifact instantiated (no imports) in a store of its own. */
typedef struct comp {
    wacc_artifact *a;
    wacc_store *s;
    wacc_cinstance *ci;
} comp;

static inline void comp_open(wacc_engine *e, const char *path, comp *c)
{
    char err[WACC_ERR_LEN];
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    c->a = wacc_artifact_load(e, path, err);
    if (!c->a)
        die(path, err);
    if (!wacc_artifact_is_component(c->a))
        die(path, "not a component");
    c->s = wacc_store_new(e);
    if (!c->s)
        die(path, "out of memory");
    c->ci = wacc_component_instantiate(c->s, c->a, NULL, &trap, err);
    if (!c->ci)
        die(path, trap.code != WACC_TRAP_NONE ? trap.message : err);
}

static inline void comp_close(comp *c)
{
    wacc_cinstance_free(c->ci);
    wacc_store_free(c->s);
    wacc_artifact_free(c->a);
}

static inline wacc_cfunc *comp_func(comp *c, const char *name)
{
    wacc_cfunc *f = wacc_cinstance_func(c->ci, name);
    if (!f)
        die(name, "no such exported function");
    return f;
}

#endif
