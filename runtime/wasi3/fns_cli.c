/*
 * fns_cli.c — wasi:cli@0.3.0 (stdio as streams, environment, exit,
 * terminal-*), wasi:clocks@0.3.0 (monotonic wait-for / wait-until as
 * timers on the loop, system clock, timezone) and wasi:random@0.3.0.
 * Functions that are the same as in 0.2 (get-environment, get-arguments,
 * exit, exit-with-code, get-terminal-*, monotonic now, random) are
 * runtime/wasi2's implementations (ctx.c falls back to them by name).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "w3_int.h"

static const wacc_ctype *tuple_field(const wacc_ctype *t, uint32_t i)
{
    return t && (t->kind == WACC_CT_TUPLE || t->kind == WACC_CT_RECORD) && i < t->n ? t->fields[i].type : NULL;
}

/* wasi:cli/stdin#read-via-stream: () -> tuple<stream<u8>, future<result<_, error-code>>> */
static uint32_t stdin_read(w3_call *c)
{
    const wacc_ctype *st = tuple_field(c->v.rt, 0), *ft = tuple_field(c->v.rt, 1);
    if (!st || st->kind != WACC_CT_STREAM || !ft || ft->kind != WACC_CT_FUTURE)
        return w2_trap(&c->v, "read-via-stream: unexpected result type");
    wacc_cval *e = wacc_arena_alloc(c->v.arena, 2 * sizeof *e);
    if (!e)
        return WACC_TRAP_OUT_OF_MEMORY;
    int fd = c->v.w->stdio[0];
    if (fd < 0) {
        /* no stdin: a stream that ends at once */
        fd = -1;
    }
    if (!w3_source_fd(c->ci, fd, false, false, 0, st, ft, NULL, &e[0], &e[1]))
        return WACC_TRAP_OUT_OF_MEMORY;
    c->res = wacc_cval_tuple(e, 2);
    return 0;
}

static uint32_t out_write(w3_call *c, int fd)
{
    const wacc_ctype *ft = c->v.rt;
    if (c->v.n != 1 || !ft || ft->kind != WACC_CT_FUTURE)
        return w2_trap(&c->v, "write-via-stream: unexpected type");
    if (!w3_sink_fd(c->ci, fd, false, false, false, 0, &c->v.a[0], ft, NULL, &c->res))
        return WACC_TRAP_OUT_OF_MEMORY;
    return 0;
}

static uint32_t stdout_write(w3_call *c)
{
    return out_write(c, c->v.w->stdio[1]);
}

static uint32_t stderr_write(w3_call *c)
{
    return out_write(c, c->v.w->stdio[2]);
}

/* get-initial-cwd: 0.2's initial-cwd */
static uint32_t initial_cwd(w3_call *c)
{
    w2_impl f = w2_impl_named("wasi:cli/environment#initial-cwd");
    return f ? f(&c->v) : w2_unsupported(&c->v);
}

/* ---- clocks ---- */

typedef struct timer {
    wacc_hcall *hc;
    wacc_watch *w;
    wacc_cinstance *ci;
} timer;

static uint32_t timer_fired(void *ud, short revents)
{
    (void)revents;
    timer *t = ud;
    return w3_return(t->hc, NULL);
}

static void timer_cancel(void *ud, wacc_hcall *hc)
{
    timer *t = ud;
    wacc_watch_remove(t->ci, t->w);
    wacc_hcall_cancelled(hc);
}

static uint32_t wait_until_ns(w3_call *c, uint64_t when)
{
    if (when <= wacc_monotonic_ns())
        return 0;
    timer *t = wacc_arena_alloc(c->v.arena, sizeof *t);
    if (!t)
        return WACC_TRAP_OUT_OF_MEMORY;
    t->hc = c->hc;
    t->ci = c->ci;
    if (!(t->w = wacc_watch_add(c->ci, -1, 0, when, timer_fired, t)))
        return WACC_TRAP_OUT_OF_MEMORY;
    wacc_hcall_on_cancel(c->hc, timer_cancel, t);
    return W3_LATER;
}

static uint32_t wait_until(w3_call *c)
{
    return wait_until_ns(c, c->v.a[0].x.u);
}

static uint32_t wait_for(w3_call *c)
{
    uint64_t now = wacc_monotonic_ns(), d = c->v.a[0].x.u;
    return wait_until_ns(c, d > UINT64_MAX - now ? UINT64_MAX : now + d);
}

static uint32_t mono_resolution(w3_call *c)
{
    struct timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    c->res = wacc_cval_uint(WACC_CT_U64, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return 0;
}

static uint32_t sys_now(w3_call *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    wacc_cval *f = wacc_arena_alloc(c->v.arena, 2 * sizeof *f);
    if (!f)
        return WACC_TRAP_OUT_OF_MEMORY;
    f[0] = wacc_cval_sint(WACC_CT_S64, (int64_t)ts.tv_sec);
    f[1] = wacc_cval_uint(WACC_CT_U32, (uint64_t)ts.tv_nsec);
    c->res = wacc_cval_record(f, 2);
    return 0;
}

static uint32_t sys_resolution(w3_call *c)
{
    struct timespec ts;
    clock_getres(CLOCK_REALTIME, &ts);
    c->res = wacc_cval_uint(WACC_CT_U64, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return 0;
}

/* timezone: UTC (the sandbox has no zone database access) */
static uint32_t tz_iana_id(w3_call *c)
{
    wacc_cval *s = w2_box(&c->v, w2_str(&c->v, "UTC", 3));
    if (!s)
        return WACC_TRAP_OUT_OF_MEMORY;
    c->res = wacc_cval_variant(WACC_CT_OPTION, 1, s);
    return 0;
}

static uint32_t tz_utc_offset(w3_call *c)
{
    wacc_cval *s = w2_box(&c->v, wacc_cval_sint(WACC_CT_S64, 0));
    if (!s)
        return WACC_TRAP_OUT_OF_MEMORY;
    c->res = wacc_cval_variant(WACC_CT_OPTION, 1, s);
    return 0;
}

static uint32_t tz_debug(w3_call *c)
{
    c->res = w2_str(&c->v, "UTC", 3);
    return 0;
}

/* ---- random (names that differ from 0.2) ---- */

static uint32_t insecure_seed(w3_call *c)
{
    w2_impl f = w2_impl_named("wasi:random/insecure-seed#insecure-seed");
    return f ? f(&c->v) : w2_unsupported(&c->v);
}

const w3_fn w3_fns_cli[] = {
    { "wasi:cli/stdin#read-via-stream", stdin_read },
    { "wasi:cli/stdout#write-via-stream", stdout_write },
    { "wasi:cli/stderr#write-via-stream", stderr_write },
    { "wasi:cli/environment#get-initial-cwd", initial_cwd },
    { NULL, NULL },
};

const w3_fn w3_fns_clocks[] = {
    { "wasi:clocks/monotonic-clock#wait-until", wait_until },
    { "wasi:clocks/monotonic-clock#wait-for", wait_for },
    { "wasi:clocks/monotonic-clock#get-resolution", mono_resolution },
    { "wasi:clocks/system-clock#now", sys_now },
    { "wasi:clocks/system-clock#get-resolution", sys_resolution },
    { "wasi:clocks/timezone#iana-id", tz_iana_id },
    { "wasi:clocks/timezone#utc-offset", tz_utc_offset },
    { "wasi:clocks/timezone#to-debug-string", tz_debug },
    { "wasi:random/insecure-seed#get-insecure-seed", insecure_seed },
    { NULL, NULL },
};
