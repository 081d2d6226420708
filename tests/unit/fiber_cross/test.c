/*
 * test.c — runtime/fiber built alone (stub internal.h) for another
 * architecture and run under qemu-user by fiber_cross.sh: resume/suspend,
 * callee-saved integer and FP registers across switches, nesting, a
 * thousand fibers, stack reuse, and the per-stack state following each
 * fiber. Prints "ok" and exits 0, or names the failed check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fiber.h"
#include "internal.h"

__thread struct wacc_stack_state stub_state;

#define CHECK(c) do { if (!(c)) { printf("FAIL: %s (line %d)\n", #c, __LINE__); exit(1); } } while (0)

struct ctr { int n; uintptr_t low; };

static void count(void *arg)
{
    struct ctr *c = arg;
    void *lo, *hi;
    wacc_fiber_stack(wacc_fiber_current(), &lo, &hi);
    for (int i = 0; i < 5; i++) {
        c->n++;
        CHECK(stub_state.low == (uintptr_t)lo);     /* our stack's state is current */
        CHECK((uintptr_t)&i > (uintptr_t)lo && (uintptr_t)&i < (uintptr_t)hi);
        wacc_fiber_suspend();
    }
}

static void fp(void *arg)
{
    double *out = arg;
    volatile double x = 0.5;
    double a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
    for (int i = 0; i < 20; i++) {
        a += x; b += x; c += x; d += x; e += x; f += x; g += x; h += x;
        wacc_fiber_suspend();
    }
    *out = a + b + c + d + e + f + g + h;
}

static wacc_fiber *inner;
static int log_[8], nlog;

static void in_fn(void *arg)
{
    (void)arg;
    log_[nlog++] = 2;
    wacc_fiber_suspend();
    log_[nlog++] = 4;
}

static void out_fn(void *arg)
{
    (void)arg;
    log_[nlog++] = 1;
    CHECK(!wacc_fiber_resume(inner));
    log_[nlog++] = 3;
    wacc_fiber_suspend();
    CHECK(wacc_fiber_resume(inner));
    log_[nlog++] = 5;
}

int main(void)
{
    char err[128];
    stub_state.low = 12345;                         /* the thread's own */
    wacc_fiber_pool *p = wacc_fiber_pool_new(64 * 1024, 2000);
    enum { N = 1000 };
    static struct ctr c[N];
    static wacc_fiber *f[N];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            c[i].n = 0;
            f[i] = wacc_fiber_new(p, count, &c[i], err);
            CHECK(f[i] != NULL);
        }
        for (int r = 0; r < 5; r++)
            for (int i = 0; i < N; i++) {
                CHECK(!wacc_fiber_resume(f[i]));
                CHECK(stub_state.low == 12345);     /* ours again */
            }
        for (int i = 0; i < N; i++) {
            CHECK(wacc_fiber_resume(f[i]));
            CHECK(c[i].n == 5);
            wacc_fiber_free(f[i]);
        }
    }
    double out = 0;
    volatile double y = 0.25;
    double a = 10, b = 20, cc = 30, d = 40;
    wacc_fiber *g = wacc_fiber_new(p, fp, &out, err);
    while (!wacc_fiber_resume(g)) {
        a += y; b += y; cc += y; d += y;
    }
    CHECK(out == 36 + 8 * 20 * 0.5);
    CHECK(a + b + cc + d == 100 + 4 * 20 * 0.25);
    wacc_fiber_free(g);
    inner = wacc_fiber_new(p, in_fn, NULL, err);
    wacc_fiber *o = wacc_fiber_new(p, out_fn, NULL, err);
    CHECK(!wacc_fiber_resume(o));
    CHECK(nlog == 3);
    CHECK(wacc_fiber_resume(o));
    for (int i = 0; i < 5; i++)
        CHECK(log_[i] == i + 1);
    wacc_fiber_free(inner);
    wacc_fiber_free(o);
    wacc_fiber_pool_free(p);
    printf("ok\n");
    return 0;
}
