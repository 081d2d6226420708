/*
 * fns_io.c — wasi:io: error, poll (pollables on clocks and host fds) and
 * streams (stdio fds, or positioned I/O on a file descriptor).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "w2_int.h"

#define MAX_READ (1u << 20)
#define WRITE_BUDGET 65536u

/* ---- wasi:io/error ---- */

static uint32_t to_debug_string(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_ERROR);
    const char *m = o && o->msg ? o->msg : "error";
    return w2_ret(c, w2_str(c, m, strlen(m)));
}

/* ---- stream results ---- */

uint32_t w2_stream_closed(w2_call *c)
{
    return w2_err_label(c, "closed");
}

uint32_t w2_stream_failed(w2_call *c, int e)
{
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_ERROR, &o);
    if (!rep)
        return WACC_TRAP_HOST;
    const char *s = strerror(e);
    o->msg = malloc(strlen(s) + 1);
    if (o->msg)
        strcpy(o->msg, s);
    o->err_label = w2_errno_label(e);
    const wacc_ctype *et = w2_case_type(c->rt, "error");
    uint32_t i = w2_label(et, "last-operation-failed");
    wacc_cval *h = w2_box(c, wacc_cval_handle(WACC_CT_OWN, rep));
    wacc_cval *v = h ? w2_box(c, wacc_cval_variant(WACC_CT_VARIANT, i, h)) : NULL;
    if (i == UINT32_MAX || !v) {
        w2_release(c->w, rep);
        return w2_trap(c, "stream-error has no last-operation-failed case");
    }
    *c->res = wacc_cval_variant(WACC_CT_RESULT, 1, v);
    return 0;
}

/* ---- wasi:io/poll ---- */

static bool ready(w2_obj *p, int timeout_ms)
{
    if (p->fd >= 0) {
        struct pollfd pf = { p->fd, p->deadline ? POLLOUT : POLLIN, 0 };
        return poll(&pf, 1, timeout_ms) != 0;
    }
    return p->deadline == 0 || w2_now_ns() >= p->deadline;
}

static uint32_t pollable_ready(w2_call *c)
{
    w2_obj *p = w2_get(c->w, c->a[0].x.u, K_POLLABLE);
    return w2_ret(c, wacc_cval_bool(!p || ready(p, 0)));
}

static void sleep_until(uint64_t deadline)
{
    uint64_t now;
    while ((now = w2_now_ns()) < deadline) {
        uint64_t d = deadline - now;
        struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };
        nanosleep(&ts, NULL);
    }
}

static uint32_t pollable_block(w2_call *c)
{
    w2_obj *p = w2_get(c->w, c->a[0].x.u, K_POLLABLE);
    if (p && p->fd >= 0)
        ready(p, -1);
    else if (p)
        sleep_until(p->deadline);
    return 0;
}

static uint32_t poll_list(w2_call *c)
{
    const wacc_cval *in = &c->a[0];
    if (in->n == 0)
        return w2_trap(c, "poll: empty list");
    uint32_t *idx = wacc_arena_alloc(c->arena, in->n * sizeof *idx);
    struct pollfd *pf = wacc_arena_alloc(c->arena, in->n * sizeof *pf);
    if (!idx || !pf)
        return WACC_TRAP_HOST;
    for (;;) {
        uint32_t nready = 0, nfd = 0;
        uint64_t earliest = UINT64_MAX;
        for (uint32_t i = 0; i < in->n; i++) {
            w2_obj *p = w2_get(c->w, in->x.elems[i].x.u, K_POLLABLE);
            if (!p || ready(p, 0)) {
                idx[nready++] = i;
            } else if (p->fd >= 0) {
                pf[nfd].fd = p->fd;
                pf[nfd].events = p->deadline ? POLLOUT : POLLIN;
                pf[nfd++].revents = 0;
            } else if (p->deadline < earliest) {
                earliest = p->deadline;
            }
        }
        if (nready) {
            wacc_cval *v = wacc_arena_alloc(c->arena, nready * sizeof *v);
            if (!v)
                return WACC_TRAP_HOST;
            for (uint32_t i = 0; i < nready; i++)
                v[i] = wacc_cval_uint(WACC_CT_U32, idx[i]);
            return w2_ret(c, wacc_cval_list(v, nready));
        }
        int timeout = -1;
        if (earliest != UINT64_MAX) {
            uint64_t now = w2_now_ns();
            uint64_t ms = earliest > now ? (earliest - now + 999999) / 1000000 : 0;
            timeout = ms > 1000000 ? 1000000 : (int)ms;
        }
        if (nfd)
            poll(pf, nfd, timeout);
        else if (earliest != UINT64_MAX)
            sleep_until(earliest);
    }
}

static uint32_t new_pollable(w2_call *c, int fd, bool out)
{
    w2_obj *p;
    uint32_t rep = w2_new(c->w, K_POLLABLE, &p);
    if (!rep)
        return WACC_TRAP_HOST;
    p->fd = fd;
    p->deadline = out && fd >= 0 ? 1 : 0;
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

/* ---- wasi:io/streams: input ---- */

/* Reads at most len bytes into a fresh arena buffer; *n = 0 at the end. */
static int do_read(w2_call *c, w2_obj *o, uint64_t len, uint8_t **buf, size_t *n)
{
    if (len > MAX_READ)
        len = MAX_READ;
    *n = 0;
    *buf = wacc_arena_alloc(c->arena, len ? len : 1);
    if (!*buf)
        return ENOMEM;
    if (o->fd < 0 || o->closed || len == 0)
        return 0;
    for (;;) {
        ssize_t r = o->is_file ? pread(o->fd, *buf, len, (off_t)o->pos) : read(o->fd, *buf, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        *n = (size_t)r;
        o->pos += (uint64_t)r;
        return 0;
    }
}

static uint32_t read_common(w2_call *c, bool skip)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_INSTREAM);
    if (!o)
        return w2_trap(c, "not an input stream");
    if (o->closed || o->fd < 0)
        return w2_stream_closed(c);
    uint8_t *buf;
    size_t n;
    int e = do_read(c, o, c->a[1].x.u, &buf, &n);
    if (e)
        return w2_stream_failed(c, e);
    if (n == 0 && c->a[1].x.u > 0) {
        o->closed = true;
        return w2_stream_closed(c);
    }
    wacc_cval v;
    if (skip) {
        v = wacc_cval_uint(WACC_CT_U64, n);
    } else {
        v = w2_bytes(buf, n);
    }
    return w2_ok(c, &v);
}

static uint32_t in_read(w2_call *c) { return read_common(c, false); }
static uint32_t in_skip(w2_call *c) { return read_common(c, true); }

static uint32_t in_subscribe(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_INSTREAM);
    return new_pollable(c, o && !o->is_file && !o->closed ? o->fd : -1, false);
}

/* ---- wasi:io/streams: output ---- */

static int write_all(w2_obj *o, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r;
        if (o->append) {
            off_t end = lseek(o->fd, 0, SEEK_END);
            r = end < 0 ? -1 : pwrite(o->fd, p, n, end);
        } else if (o->is_file)
            r = pwrite(o->fd, p, n, (off_t)o->pos);
        else
            r = write(o->fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        p += r;
        n -= (size_t)r;
        o->pos += (uint64_t)r;
    }
    return 0;
}

static w2_obj *out_stream(w2_call *c)
{
    return w2_get(c->w, c->a[0].x.u, K_OUTSTREAM);
}

static uint32_t out_check_write(w2_call *c)
{
    if (!out_stream(c))
        return w2_trap(c, "not an output stream");
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, WRITE_BUDGET);
    return w2_ok(c, &v);
}

static uint32_t out_write(w2_call *c)
{
    w2_obj *o = out_stream(c);
    if (!o)
        return w2_trap(c, "not an output stream");
    if (o->fd < 0)
        return w2_stream_closed(c);
    const uint8_t *buf = w2_arg_bytes(c, 1);
    if (!buf)
        return WACC_TRAP_HOST;
    int e = write_all(o, buf, c->a[1].n);
    if (e == EPIPE)
        return w2_stream_closed(c);
    if (e)
        return w2_stream_failed(c, e);
    return w2_ok(c, NULL);
}

static uint32_t out_flush(w2_call *c)
{
    if (!out_stream(c))
        return w2_trap(c, "not an output stream");
    return w2_ok(c, NULL);
}

static uint32_t out_subscribe(w2_call *c)
{
    return new_pollable(c, -1, true);
}

static uint32_t out_write_zeroes(w2_call *c)
{
    w2_obj *o = out_stream(c);
    if (!o)
        return w2_trap(c, "not an output stream");
    if (o->fd < 0)
        return w2_stream_closed(c);
    static const uint8_t zeroes[4096];
    uint64_t n = c->a[1].x.u;
    while (n > 0) {
        size_t k = n > sizeof zeroes ? sizeof zeroes : (size_t)n;
        int e = write_all(o, zeroes, k);
        if (e)
            return e == EPIPE ? w2_stream_closed(c) : w2_stream_failed(c, e);
        n -= k;
    }
    return w2_ok(c, NULL);
}

static uint32_t out_splice(w2_call *c)
{
    w2_obj *o = out_stream(c);
    w2_obj *src = w2_get(c->w, c->a[1].x.u, K_INSTREAM);
    if (!o || !src)
        return w2_trap(c, "splice: not a stream");
    if (o->fd < 0 || src->closed || src->fd < 0)
        return w2_stream_closed(c);
    uint8_t *buf;
    size_t n;
    int e = do_read(c, src, c->a[2].x.u, &buf, &n);
    if (e)
        return w2_stream_failed(c, e);
    if (n == 0 && c->a[2].x.u > 0) {
        src->closed = true;
        return w2_stream_closed(c);
    }
    if ((e = write_all(o, buf, n)) != 0)
        return e == EPIPE ? w2_stream_closed(c) : w2_stream_failed(c, e);
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, n);
    return w2_ok(c, &v);
}

const w2_fn w2_fns_io[] = {
    { "wasi:io/error#[method]error.to-debug-string", to_debug_string },
    { "wasi:io/poll#[method]pollable.ready", pollable_ready },
    { "wasi:io/poll#[method]pollable.block", pollable_block },
    { "wasi:io/poll#poll", poll_list },
    { "wasi:io/streams#[method]input-stream.read", in_read },
    { "wasi:io/streams#[method]input-stream.blocking-read", in_read },
    { "wasi:io/streams#[method]input-stream.skip", in_skip },
    { "wasi:io/streams#[method]input-stream.blocking-skip", in_skip },
    { "wasi:io/streams#[method]input-stream.subscribe", in_subscribe },
    { "wasi:io/streams#[method]output-stream.check-write", out_check_write },
    { "wasi:io/streams#[method]output-stream.write", out_write },
    { "wasi:io/streams#[method]output-stream.blocking-write-and-flush", out_write },
    { "wasi:io/streams#[method]output-stream.flush", out_flush },
    { "wasi:io/streams#[method]output-stream.blocking-flush", out_flush },
    { "wasi:io/streams#[method]output-stream.subscribe", out_subscribe },
    { "wasi:io/streams#[method]output-stream.write-zeroes", out_write_zeroes },
    { "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush", out_write_zeroes },
    { "wasi:io/streams#[method]output-stream.splice", out_splice },
    { "wasi:io/streams#[method]output-stream.blocking-splice", out_splice },
    { NULL, NULL },
};
