/*
 * test_fiber.c — runtime/fiber: resume/suspend, nesting, thousands of
 * fibers, stack reuse, and wasm on fibers: results, traps that unwind only
 * within their fiber, stack exhaustion on a fiber's stack (small and
 * default size), a guest parked inside a host call while others run.
 *
 * Under AddressSanitizer run with ASAN_OPTIONS=handle_segv=0.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "fiber.h"
#include "wacc.h"
#include "e2e_wasm.h"

static const uint8_t T_I32[] = { WACC_I32, WACC_I32, WACC_I32 };

/* ---- plain fibers ---- */

struct counter {
    int n, rounds;
    wacc_fiber *self;
    bool saw_current;
};

static void count_fn(void *arg)
{
    struct counter *c = arg;
    for (int i = 0; i < c->rounds; i++) {
        c->n++;
        if (wacc_fiber_current() == c->self)
            c->saw_current = true;
        wacc_fiber_suspend();
    }
    c->n += 1000;
}

START_TEST(resume_suspend)
{
    char err[128];
    struct counter c = { .rounds = 3 };
    c.self = wacc_fiber_new(NULL, count_fn, &c, err);
    ck_assert_ptr_nonnull(c.self);
    ck_assert_ptr_null(wacc_fiber_current());
    for (int i = 1; i <= 3; i++) {
        ck_assert(!wacc_fiber_resume(c.self));
        ck_assert_int_eq(c.n, i);
        ck_assert_ptr_null(wacc_fiber_current());
    }
    ck_assert(wacc_fiber_resume(c.self));
    ck_assert(wacc_fiber_done(c.self));
    ck_assert_int_eq(c.n, 1003);
    ck_assert(c.saw_current);
    wacc_fiber_free(c.self);
}
END_TEST

/* Floating-point and integer state survive switches (callee-saved regs). */
static void fp_fn(void *arg)
{
    double *d = arg;
    volatile double x = 1.5;
    double acc = 0;
    for (int i = 0; i < 10; i++) {
        acc += x * i;
        wacc_fiber_suspend();
    }
    *d = acc;
}

START_TEST(fp_state)
{
    char err[128];
    double out = 0, mine = 0;
    wacc_fiber *f = wacc_fiber_new(NULL, fp_fn, &out, err);
    int steps = 0;
    volatile double y = 0.25;
    while (!wacc_fiber_resume(f)) {
        mine += y * steps;
        steps++;
    }
    ck_assert(out == 1.5 * 45);
    ck_assert(mine == 0.25 * 45);
    wacc_fiber_free(f);
}
END_TEST

struct nest { wacc_fiber *inner; int log[8]; int n; };

static void inner_fn(void *arg)
{
    struct nest *t = arg;
    t->log[t->n++] = 2;
    wacc_fiber_suspend();               /* back to the outer fiber */
    t->log[t->n++] = 4;
}

static void outer_fn(void *arg)
{
    struct nest *t = arg;
    t->log[t->n++] = 1;
    ck_assert(!wacc_fiber_resume(t->inner));
    t->log[t->n++] = 3;
    wacc_fiber_suspend();               /* back to the thread */
    ck_assert(wacc_fiber_resume(t->inner));
    t->log[t->n++] = 5;
}

START_TEST(nesting)
{
    char err[128];
    struct nest t = { 0 };
    wacc_fiber_pool *p = wacc_fiber_pool_new(64 * 1024, 4);
    t.inner = wacc_fiber_new(p, inner_fn, &t, err);
    wacc_fiber *outer = wacc_fiber_new(p, outer_fn, &t, err);
    ck_assert(!wacc_fiber_resume(outer));
    ck_assert_int_eq(t.n, 3);
    ck_assert(wacc_fiber_resume(outer));
    ck_assert_int_eq(t.n, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(t.log[i], i + 1);
    wacc_fiber_free(t.inner);
    wacc_fiber_free(outer);
    wacc_fiber_pool_free(p);
}
END_TEST

/* 5,000 live fibers, round-robin, then their stacks are reused. */
START_TEST(thousands)
{
    enum { N = 5000 };
    char err[128];
    wacc_fiber_pool *p = wacc_fiber_pool_new(128 * 1024, N);
    struct counter *c = calloc(N, sizeof *c);
    wacc_fiber **f = calloc(N, sizeof *f);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            c[i] = (struct counter){ .rounds = 4 };
            f[i] = c[i].self = wacc_fiber_new(p, count_fn, &c[i], err);
            ck_assert_msg(f[i] != NULL, "%s", err);
        }
        for (int r = 0; r < 4; r++)
            for (int i = 0; i < N; i++)
                ck_assert(!wacc_fiber_resume(f[i]));
        for (int i = 0; i < N; i++) {
            ck_assert(wacc_fiber_resume(f[i]));
            ck_assert_int_eq(c[i].n, 1004);
            wacc_fiber_free(f[i]);
        }
    }
    free(c);
    free(f);
    wacc_fiber_pool_free(p);
}
END_TEST

/* ---- wasm on fibers ---- */

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tmpdir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct guest {
    wacc_engine *e;
    wacc_artifact *a;
    wacc_store *s;
    wacc_instance *inst;
    bool park;                  /* host_add suspends the fiber */
    int parked;
};

static uint32_t host_add(void *data, wacc_val *vals)
{
    struct guest *g = data;
    if (g->park && wacc_fiber_current()) {
        g->parked++;
        wacc_fiber_suspend();
    }
    vals[0].i32 += vals[1].i32;
    return 0;
}

static wacc_artifact *e2e_artifact(wacc_engine *e)
{
    static char path[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/wacc-fiber-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        atexit(rm_tmpdir);
        snprintf(path, sizeof path, "%s/e2e.so", tmpdir);
        wacc_compile_options o = { .opt_level = 1, .cpu = NULL, .explicit_bounds = false };
        char err[512];
        if (!wacc_compile_file(e2e_wasm, e2e_wasm_len, &o, path, err))
            ck_abort_msg("compile: %s", err);
    }
    char err[WACC_ERR_LEN];
    wacc_artifact *a = wacc_artifact_load(e, path, err);
    if (!a)
        ck_abort_msg("load: %s", err);
    return a;
}

static void guest_new(struct guest *g, wacc_engine *e, wacc_artifact *a)
{
    memset(g, 0, sizeof *g);
    g->e = e;
    g->a = a;
    g->s = wacc_store_new(e);
    wacc_functype ft = { 2, 1, T_I32, T_I32 };
    wacc_extern imp = { WACC_EXTERN_FUNC, { .func = wacc_func_new_host(g->s, &ft, host_add, g) } };
    wacc_trap trap;
    char err[WACC_ERR_LEN];
    g->inst = wacc_instantiate(g->s, a, &imp, 1, &trap, err);
    if (!g->inst)
        ck_abort_msg("instantiate: %s", err);
}

static bool gcall(struct guest *g, const char *name, int32_t a, int32_t b, uint32_t nargs,
                  int32_t *r, wacc_trap *trap)
{
    wacc_extern x;
    ck_assert(wacc_instance_export(g->inst, name, &x));
    wacc_val args[2] = { { .i32 = a }, { .i32 = b } }, res[1] = { { .i32 = 0 } };
    memset(trap, 0, sizeof *trap);
    bool ok = wacc_call(g->s, x.of.func, args, nargs, res, 1, trap);
    *r = res[0].i32;
    return ok;
}

struct job {
    struct guest *g;
    int result;                 /* 0 ok, else a failed step */
    int32_t value;
};

/* On a fiber: a call, a trap, stack exhaustion, an out-of-bounds load, a call. */
static void traps_fn(void *arg)
{
    struct job *j = arg;
    wacc_trap trap;
    int32_t r;
    j->result = 1;
    if (!gcall(j->g, "div", 9, 3, 2, &r, &trap) || r != 3)
        return;
    j->result = 2;
    if (gcall(j->g, "div", 1, 0, 2, &r, &trap) || trap.code != WACC_TRAP_INT_DIV_ZERO)
        return;
    j->result = 3;
    if (gcall(j->g, "rec", 0, 0, 1, &r, &trap) || trap.code != WACC_TRAP_STACK_EXHAUSTED)
        return;
    j->result = 4;
    if (gcall(j->g, "load", 70000, 0, 1, &r, &trap) || trap.code != WACC_TRAP_MEMORY_OOB)
        return;
    j->result = 5;
    if (!gcall(j->g, "div", 8, 2, 2, &r, &trap) || r != 4)
        return;
    j->result = 0;
}

START_TEST(wasm_traps_on_fibers)
{
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = e2e_artifact(e);
    char err[128];
    size_t sizes[] = { 256 * 1024, 1024 * 1024, 0 };
    for (int k = 0; k < 3; k++) {
        wacc_fiber_pool *p = wacc_fiber_pool_new(sizes[k], 2);
        for (int rep = 0; rep < 3; rep++) {      /* pooled stacks reused after a trap */
            struct guest g;
            guest_new(&g, e, a);
            struct job j = { .g = &g };
            wacc_fiber *f = wacc_fiber_new(p, traps_fn, &j, err);
            ck_assert(wacc_fiber_resume(f));
            ck_assert_msg(j.result == 0, "stack %zu: step %d failed", sizes[k], j.result);
            wacc_fiber_free(f);
            /* the thread's own stack still works, with its own limit */
            struct job m = { .g = &g };
            traps_fn(&m);
            ck_assert_int_eq(m.result, 0);
            wacc_store_free(g.s);
        }
        wacc_fiber_pool_free(p);
    }
    wacc_artifact_free(a);
    wacc_engine_free(e);
}
END_TEST

/* Guests parked inside a host call (wasm frames below) while other fibers
 * run wasm, trap and overflow their stacks; every parked one resumes. */
static void park_fn(void *arg)
{
    struct job *j = arg;
    wacc_trap trap;
    int32_t r;
    j->result = 1;
    if (!gcall(j->g, "call_host", j->value, 0, 1, &r, &trap) || r != j->value + 100)
        return;
    j->result = 0;
}

START_TEST(parked_guests)
{
    enum { N = 200 };
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = e2e_artifact(e);
    wacc_fiber_pool *p = wacc_fiber_pool_new(512 * 1024, N);
    char err[128];
    struct guest *g = calloc(N, sizeof *g);
    struct job *j = calloc(N, sizeof *j);
    wacc_fiber **f = calloc(N, sizeof *f);
    for (int i = 0; i < N; i++) {
        guest_new(&g[i], e, a);
        g[i].park = i % 2 == 0;
        j[i] = (struct job){ .g = &g[i], .value = i };
        f[i] = wacc_fiber_new(p, i % 2 == 0 ? park_fn : traps_fn, &j[i], err);
        ck_assert_ptr_nonnull(f[i]);
    }
    for (int i = 0; i < N; i++) {
        bool done = wacc_fiber_resume(f[i]);
        ck_assert(done == (i % 2 == 1));        /* parkers are parked in wasm */
    }
    /* a trap on the thread's stack meanwhile does not disturb them */
    struct job m = { .g = &g[1] };
    traps_fn(&m);
    ck_assert_int_eq(m.result, 0);
    for (int i = 0; i < N; i += 2) {
        ck_assert(wacc_fiber_resume(f[i]));
        ck_assert_int_eq(g[i].parked, 1);
    }
    for (int i = 0; i < N; i++) {
        ck_assert_msg(j[i].result == 0, "fiber %d: step %d", i, j[i].result);
        wacc_fiber_free(f[i]);
        wacc_store_free(g[i].s);
    }
    free(g);
    free(j);
    free(f);
    wacc_fiber_pool_free(p);
    wacc_artifact_free(a);
    wacc_engine_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fiber");
    TCase *tc = tcase_create("fibers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, resume_suspend);
    tcase_add_test(tc, fp_state);
    tcase_add_test(tc, nesting);
    tcase_add_test(tc, thousands);
    tcase_add_test(tc, wasm_traps_on_fibers);
    tcase_add_test(tc, parked_guests);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
