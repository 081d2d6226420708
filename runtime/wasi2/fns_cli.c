/*
 * fns_cli.c — wasi:cli (environment, exit, stdio, terminals), wasi:clocks,
 * wasi:random.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "w2_int.h"

/* ---- wasi:cli/environment ---- */

static uint32_t get_environment(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    wacc_cval *pairs = wacc_arena_alloc(c->arena, ((size_t)w->envc + 1) * 3 * sizeof *pairs);
    if (!pairs)
        return WACC_TRAP_HOST;
    wacc_cval *kv = pairs + w->envc;
    for (uint32_t i = 0; i < w->envc; i++) {
        const char *e = w->envp[i];
        const char *eq = strchr(e, '=');
        size_t kl = eq ? (size_t)(eq - e) : strlen(e);
        kv[2 * i] = wacc_cval_string(e, (uint32_t)kl);
        kv[2 * i + 1] = eq ? wacc_cval_string(eq + 1, (uint32_t)strlen(eq + 1)) : wacc_cval_string("", 0);
        pairs[i] = wacc_cval_tuple(&kv[2 * i], 2);
    }
    return w2_ret(c, wacc_cval_list(pairs, w->envc));
}

static uint32_t get_arguments(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    wacc_cval *v = wacc_arena_alloc(c->arena, ((size_t)w->argc + 1) * sizeof *v);
    if (!v)
        return WACC_TRAP_HOST;
    for (uint32_t i = 0; i < w->argc; i++)
        v[i] = wacc_cval_string(w->argv[i], (uint32_t)strlen(w->argv[i]));
    return w2_ret(c, wacc_cval_list(v, w->argc));
}

static uint32_t initial_cwd(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
}

/* ---- wasi:cli/exit ---- */

static uint32_t do_exit(w2_call *c, int status)
{
    fflush(stdout);
    c->w->exited = true;
    c->w->exit_status = status;
    return wacc_host_exit(status);
}

static uint32_t exit_(w2_call *c)
{
    return do_exit(c, c->n > 0 && c->a[0].n != 0 ? 1 : 0);
}

static uint32_t exit_with_code(w2_call *c)
{
    return do_exit(c, c->n > 0 ? (int)(c->a[0].x.u & 0xff) : 0);
}

/* ---- wasi:cli/std* ---- */

static uint32_t std_stream(w2_call *c, int which)
{
    w2_obj *o;
    uint32_t rep = w2_new(c->w, which == 0 ? K_INSTREAM : K_OUTSTREAM, &o);
    if (!rep)
        return WACC_TRAP_HOST;
    o->fd = c->w->stdio[which];
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

static uint32_t get_stdin(w2_call *c) { return std_stream(c, 0); }
static uint32_t get_stdout(w2_call *c) { return std_stream(c, 1); }
static uint32_t get_stderr(w2_call *c) { return std_stream(c, 2); }

/* Terminals are not exposed: every get-terminal-* is none. */
static uint32_t no_terminal(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
}

/* ---- wasi:clocks ---- */

uint64_t w2_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t mono_now(w2_call *c)
{
    return w2_ret(c, wacc_cval_uint(WACC_CT_U64, w2_now_ns()));
}

static uint32_t mono_resolution(w2_call *c)
{
    struct timespec ts;
    clock_getres(CLOCK_MONOTONIC, &ts);
    return w2_ret(c, wacc_cval_uint(WACC_CT_U64, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec));
}

static uint32_t clock_pollable(w2_call *c, uint64_t deadline)
{
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_POLLABLE, &o);
    if (!rep)
        return WACC_TRAP_HOST;
    o->deadline = deadline ? deadline : 1;
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

static uint32_t subscribe_instant(w2_call *c)
{
    return clock_pollable(c, c->a[0].x.u);
}

static uint32_t subscribe_duration(w2_call *c)
{
    uint64_t now = w2_now_ns(), d = c->a[0].x.u;
    return clock_pollable(c, d > UINT64_MAX - now ? UINT64_MAX : now + d);
}

static uint32_t datetime(w2_call *c, const struct timespec *ts)
{
    wacc_cval *f = wacc_arena_alloc(c->arena, 2 * sizeof *f);
    if (!f)
        return WACC_TRAP_HOST;
    f[0] = wacc_cval_uint(WACC_CT_U64, (uint64_t)ts->tv_sec);
    f[1] = wacc_cval_uint(WACC_CT_U32, (uint64_t)ts->tv_nsec);
    return w2_ret(c, wacc_cval_record(f, 2));
}

static uint32_t wall_now(w2_call *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return datetime(c, &ts);
}

static uint32_t wall_resolution(w2_call *c)
{
    struct timespec ts;
    clock_getres(CLOCK_REALTIME, &ts);
    return datetime(c, &ts);
}

/* wasi:clocks/timezone (unstable): the guest sees UTC, not the host's zone. */
static uint32_t tz_display(w2_call *c)
{
    wacc_cval *f = wacc_arena_alloc(c->arena, 3 * sizeof *f);
    if (!f)
        return WACC_TRAP_HOST;
    f[0] = wacc_cval_sint(WACC_CT_S32, 0);
    f[1] = wacc_cval_string("UTC", 3);
    f[2] = wacc_cval_bool(false);
    return w2_ret(c, wacc_cval_record(f, 3));
}

static uint32_t tz_utc_offset(w2_call *c)
{
    return w2_ret(c, wacc_cval_sint(WACC_CT_S32, 0));
}

/* ---- wasi:random ---- */

static uint32_t random_bytes(w2_call *c, bool secure)
{
    uint64_t len = c->a[0].x.u;
    if (len > (1u << 28))
        return w2_trap(c, "get-random-bytes: length too large");
    uint8_t *buf = wacc_arena_alloc(c->arena, len ? len : 1);
    if (!buf)
        return WACC_TRAP_HOST;
    size_t got = 0;
    while (got < len) {
        ssize_t r = getrandom(buf + got, len - got, 0);
        if (r < 0 && errno != EINTR)
            return w2_trap(c, "getrandom failed");
        if (r > 0)
            got += (size_t)r;
    }
    (void)secure;
    return w2_ret(c, w2_bytes(buf, (size_t)len));
}

static uint32_t random_u64(w2_call *c)
{
    uint64_t x = 0;
    while (getrandom(&x, sizeof x, 0) != (ssize_t)sizeof x) {
        if (errno != EINTR)
            return w2_trap(c, "getrandom failed");
    }
    return w2_ret(c, wacc_cval_uint(WACC_CT_U64, x));
}

static uint32_t get_random_bytes(w2_call *c) { return random_bytes(c, true); }
static uint32_t get_insecure_random_bytes(w2_call *c) { return random_bytes(c, false); }

static uint32_t insecure_seed(w2_call *c)
{
    wacc_cval *t = wacc_arena_alloc(c->arena, 2 * sizeof *t);
    if (!t)
        return WACC_TRAP_HOST;
    t[0] = wacc_cval_uint(WACC_CT_U64, c->w->seed[0]);
    t[1] = wacc_cval_uint(WACC_CT_U64, c->w->seed[1]);
    return w2_ret(c, wacc_cval_tuple(t, 2));
}

const w2_fn w2_fns_cli[] = {
    { "wasi:cli/environment#get-environment", get_environment },
    { "wasi:cli/environment#get-arguments", get_arguments },
    { "wasi:cli/environment#initial-cwd", initial_cwd },
    { "wasi:cli/exit#exit", exit_ },
    { "wasi:cli/exit#exit-with-code", exit_with_code },
    { "wasi:cli/stdin#get-stdin", get_stdin },
    { "wasi:cli/stdout#get-stdout", get_stdout },
    { "wasi:cli/stderr#get-stderr", get_stderr },
    { "wasi:cli/terminal-stdin#get-terminal-stdin", no_terminal },
    { "wasi:cli/terminal-stdout#get-terminal-stdout", no_terminal },
    { "wasi:cli/terminal-stderr#get-terminal-stderr", no_terminal },
    { "wasi:clocks/monotonic-clock#now", mono_now },
    { "wasi:clocks/monotonic-clock#resolution", mono_resolution },
    { "wasi:clocks/monotonic-clock#subscribe-instant", subscribe_instant },
    { "wasi:clocks/monotonic-clock#subscribe-duration", subscribe_duration },
    { "wasi:clocks/wall-clock#now", wall_now },
    { "wasi:clocks/timezone#display", tz_display },
    { "wasi:clocks/timezone#utc-offset", tz_utc_offset },
    { "wasi:clocks/wall-clock#resolution", wall_resolution },
    { "wasi:random/random#get-random-bytes", get_random_bytes },
    { "wasi:random/random#get-random-u64", random_u64 },
    { "wasi:random/insecure#get-insecure-random-bytes", get_insecure_random_bytes },
    { "wasi:random/insecure#get-insecure-random-u64", random_u64 },
    { "wasi:random/insecure-seed#insecure-seed", insecure_seed },
    { NULL, NULL },
};
