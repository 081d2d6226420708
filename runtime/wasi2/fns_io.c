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
    o->err = e;
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

/* Host waits end with a trap when the waiter says the guest must stop. */
uint32_t w2_stopped(w2_call *c)
{
    (void)c;
    return WACC_TRAP_DEADLINE;
}

bool w2_pollable_ready(wacc_wasi2 *w, w2_obj *p, struct pollfd *pf, uint64_t *deadline_ns)
{
    pf->fd = -1;
    pf->events = 0;
    pf->revents = 0;
    if (p->src_kind) {
        w2_obj *o = w2_get(w, p->src, p->src_kind);
        if (!o || !o->ops || !o->ops->ready)
            return true;
        return o->ops->ready(w, o, pf, deadline_ns);
    }
    if (p->fd >= 0) {
        struct pollfd q = { p->fd, p->events, 0 };
        if (poll(&q, 1, 0) != 0)
            return true;
        *pf = q;
        return false;
    }
    if (p->deadline == 0 || w2_now_ns() >= p->deadline)
        return true;
    if (p->deadline < *deadline_ns || *deadline_ns == 0)
        *deadline_ns = p->deadline;
    return false;
}

static uint32_t pollable_ready(w2_call *c)
{
    w2_obj *p = w2_get(c->w, c->a[0].x.u, K_POLLABLE);
    struct pollfd pf;
    uint64_t dl = 0;
    return w2_ret(c, wacc_cval_bool(!p || w2_pollable_ready(c->w, p, &pf, &dl)));
}

static uint32_t pollable_block(w2_call *c)
{
    for (;;) {
        w2_obj *p = w2_get(c->w, c->a[0].x.u, K_POLLABLE);
        struct pollfd pf;
        uint64_t dl = 0;
        if (!p || w2_pollable_ready(c->w, p, &pf, &dl))
            return 0;
        if (!w2_wait(c->w, &pf, pf.fd >= 0 ? 1 : 0, dl))
            return w2_stopped(c);
    }
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
        uint64_t earliest = 0;
        for (uint32_t i = 0; i < in->n; i++) {
            w2_obj *p = w2_get(c->w, in->x.elems[i].x.u, K_POLLABLE);
            if (!p || w2_pollable_ready(c->w, p, &pf[nfd], &earliest))
                idx[nready++] = i;
            else if (pf[nfd].fd >= 0)
                nfd++;
        }
        if (nready) {
            wacc_cval *v = wacc_arena_alloc(c->arena, nready * sizeof *v);
            if (!v)
                return WACC_TRAP_HOST;
            for (uint32_t i = 0; i < nready; i++)
                v[i] = wacc_cval_uint(WACC_CT_U32, idx[i]);
            return w2_ret(c, wacc_cval_list(v, nready));
        }
        if (!w2_wait(c->w, pf, nfd, earliest))
            return w2_stopped(c);
    }
}

uint32_t w2_new_pollable_fd(w2_call *c, int fd, short events)
{
    w2_obj *p;
    uint32_t rep = w2_new(c->w, K_POLLABLE, &p);
    if (!rep)
        return WACC_TRAP_HOST;
    p->fd = fd;
    p->events = events;
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

uint32_t w2_new_pollable_src(w2_call *c, uint8_t kind, uint32_t src)
{
    w2_obj *p;
    uint32_t rep = w2_new(c->w, K_POLLABLE, &p);
    if (!rep)
        return WACC_TRAP_HOST;
    p->fd = -1;
    p->src_kind = kind;
    p->src = src;
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

/* ---- wasi:io/streams: input ---- */

/* Reads at most len bytes into a fresh arena buffer; *n = 0 at the end. */
/* Reads at most len bytes into a fresh arena buffer. Returns 0 with *n > 0,
 * 0 with *n == 0 at the end (o->closed set), EAGAIN when nothing is there
 * yet (only if !block; blocking reads wait through the waiter), ECANCELED
 * when the waiter says stop, or an errno. */
static int do_read(w2_call *c, uint32_t rep, uint64_t len, bool block, uint8_t **buf, size_t *n)
{
    if (len > MAX_READ)
        len = MAX_READ;
    *n = 0;
    *buf = wacc_arena_alloc(c->arena, len ? len : 1);
    if (!*buf)
        return ENOMEM;
    for (;;) {
        w2_obj *o = w2_get(c->w, rep, K_INSTREAM);     /* objs may move while waiting */
        if (!o || o->closed || (o->fd < 0 && !o->ops) || len == 0)
            return 0;
        struct pollfd pf = { -1, 0, 0 };
        uint64_t dl = 0;
        if (o->ops && o->ops->read) {
            int err = 0;
            long r = o->ops->read(c->w, o, *buf, len, &err);
            if (r > 0) {
                *n = (size_t)r;
                o->pos += (uint64_t)r;
                return 0;
            }
            if (r == -1) {
                o->closed = true;
                return 0;
            }
            if (r < -1)
                return err ? err : EIO;
            if (!block)
                return EAGAIN;
            if (o->ops->ready && o->ops->ready(c->w, o, &pf, &dl))
                continue;
        } else {
            ssize_t r = o->is_file ? pread(o->fd, *buf, len, (off_t)o->pos) : read(o->fd, *buf, len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return errno;
            if (r >= 0) {
                *n = (size_t)r;
                o->pos += (uint64_t)r;
                if (r == 0)
                    o->closed = true;
                return 0;
            }
            if (!block)
                return EAGAIN;
            pf.fd = o->fd;
            pf.events = POLLIN;
        }
        if (!w2_wait(c->w, &pf, pf.fd >= 0 ? 1 : 0, dl))
            return ECANCELED;
    }
}

static uint32_t read_common(w2_call *c, bool skip, bool block)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = w2_get(c->w, rep, K_INSTREAM);
    if (!o)
        return w2_trap(c, "not an input stream");
    if (o->closed || (o->fd < 0 && !o->ops))
        return w2_stream_closed(c);
    uint8_t *buf;
    size_t n;
    int e = do_read(c, rep, c->a[1].x.u, block, &buf, &n);
    if (e == ECANCELED)
        return w2_stopped(c);
    if (e == EAGAIN)
        e = 0;          /* non-blocking read: an empty list */
    else if (e)
        return w2_stream_failed(c, e);
    else if (n == 0 && c->a[1].x.u > 0)
        return w2_stream_closed(c);
    wacc_cval v;
    if (skip) {
        v = wacc_cval_uint(WACC_CT_U64, n);
    } else {
        v = w2_bytes(buf, n);
    }
    return w2_ok(c, &v);
}

static uint32_t in_read(w2_call *c) { return read_common(c, false, false); }
static uint32_t in_skip(w2_call *c) { return read_common(c, true, false); }
static uint32_t in_blocking_read(w2_call *c) { return read_common(c, false, true); }
static uint32_t in_blocking_skip(w2_call *c) { return read_common(c, true, true); }

static uint32_t in_subscribe(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = w2_get(c->w, rep, K_INSTREAM);
    if (o && o->ops)
        return w2_new_pollable_src(c, K_INSTREAM, rep);
    return w2_new_pollable_fd(c, o && !o->is_file && !o->closed ? o->fd : -1, POLLIN);
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

static uint64_t room_of(wacc_wasi2 *w, w2_obj *o)
{
    if (o->ops)
        return o->ops->room ? o->ops->room(w, o) : WRITE_BUDGET;
    return WRITE_BUDGET;
}

/* Writes n bytes (the caller checked the budget or waited for room). */
static int out_put(wacc_wasi2 *w, w2_obj *o, const uint8_t *p, size_t n)
{
    if (o->ops)
        return o->ops->write ? o->ops->write(w, o, p, n) : EPIPE;
    return write_all(o, p, n);
}

static bool out_closed(w2_obj *o)
{
    return o->fd < 0 && !o->ops;
}

/* One wait on the object behind an output stream: returns at once when its
 * ops say it is ready (and, with need_room, has room), else waits for what
 * they asked for (an fd, a deadline). 0, or ECANCELED when the waiter says
 * stop. The callers loop and look again. */
static int wait_obj(w2_call *c, w2_obj *o, bool need_room)
{
    struct pollfd pf = { -1, 0, 0 };
    uint64_t dl = 0;
    if (o->ops->ready && o->ops->ready(c->w, o, &pf, &dl) && (!need_room || room_of(c->w, o) > 0))
        return 0;
    return w2_wait(c->w, &pf, pf.fd >= 0 ? 1 : 0, dl) ? 0 : ECANCELED;
}

/* Waits until stream `rep` accepts `need` bytes (blocking-* functions).
 * 0, EPIPE (gone), ECANCELED (stop). */
static int wait_room(w2_call *c, uint32_t rep, uint64_t need)
{
    for (;;) {
        w2_obj *o = w2_get(c->w, rep, K_OUTSTREAM);
        if (!o || out_closed(o))
            return EPIPE;
        if (!o->ops || room_of(c->w, o) >= need)
            return 0;
        if (wait_obj(c, o, true) != 0)
            return ECANCELED;
    }
}

/* Flush; blocking: wait until done. */
static int do_flush(w2_call *c, uint32_t rep, bool block)
{
    for (;;) {
        w2_obj *o = w2_get(c->w, rep, K_OUTSTREAM);
        if (!o || out_closed(o))
            return EPIPE;
        if (!o->ops || !o->ops->flush)
            return 0;
        int e = o->ops->flush(c->w, o);
        if (e != EAGAIN)
            return e;
        if (!block)
            return 0;
        if (wait_obj(c, o, false) != 0)
            return ECANCELED;
    }
}

static uint32_t out_result(w2_call *c, int e)
{
    if (e == ECANCELED)
        return w2_stopped(c);
    if (e == EPIPE)
        return w2_stream_closed(c);
    if (e)
        return w2_stream_failed(c, e);
    return w2_ok(c, NULL);
}

static uint32_t out_check_write(w2_call *c)
{
    w2_obj *o = out_stream(c);
    if (!o)
        return w2_trap(c, "not an output stream");
    if (out_closed(o))
        return w2_stream_closed(c);
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, room_of(c->w, o));
    return w2_ok(c, &v);
}

static uint32_t write_common(w2_call *c, bool block)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = out_stream(c);
    if (!o)
        return w2_trap(c, "not an output stream");
    if (out_closed(o))
        return w2_stream_closed(c);
    const uint8_t *buf = w2_arg_bytes(c, 1);
    if (!buf)
        return WACC_TRAP_HOST;
    size_t n = c->a[1].n;
    int e = 0;
    if (block) {
        /* blocking-write-and-flush: contents of any size, in budget-sized pieces */
        while (n > 0 && e == 0) {
            if ((e = wait_room(c, rep, 1)) != 0)
                break;
            o = w2_get(c->w, rep, K_OUTSTREAM);
            uint64_t k = room_of(c->w, o);
            if (k > n)
                k = n;
            e = out_put(c->w, o, buf, (size_t)k);
            buf += k;
            n -= (size_t)k;
        }
        if (e == 0)
            e = do_flush(c, rep, true);
    } else {
        if (o->ops && n > room_of(c->w, o))
            return w2_trap(c, "output-stream.write: more than check-write permitted");
        e = out_put(c->w, o, buf, n);
    }
    return out_result(c, e);
}

static uint32_t out_write(w2_call *c) { return write_common(c, false); }
static uint32_t out_blocking_write(w2_call *c) { return write_common(c, true); }

static uint32_t out_flush(w2_call *c)
{
    if (!out_stream(c))
        return w2_trap(c, "not an output stream");
    return out_result(c, do_flush(c, (uint32_t)c->a[0].x.u, false));
}

static uint32_t out_blocking_flush(w2_call *c)
{
    if (!out_stream(c))
        return w2_trap(c, "not an output stream");
    return out_result(c, do_flush(c, (uint32_t)c->a[0].x.u, true));
}

static uint32_t out_subscribe(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = out_stream(c);
    if (o && o->ops)
        return w2_new_pollable_src(c, K_OUTSTREAM, rep);
    return w2_new_pollable_fd(c, -1, POLLOUT);      /* files and stdio: always ready */
}

static uint32_t zeroes_common(w2_call *c, bool block)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = out_stream(c);
    if (!o)
        return w2_trap(c, "not an output stream");
    if (out_closed(o))
        return w2_stream_closed(c);
    static const uint8_t zeroes[4096];
    uint64_t n = c->a[1].x.u;
    if (!block && o->ops && n > room_of(c->w, o))
        return w2_trap(c, "output-stream.write-zeroes: more than check-write permitted");
    int e = 0;
    while (n > 0 && e == 0) {
        if (block && (e = wait_room(c, rep, 1)) != 0)
            break;
        o = w2_get(c->w, rep, K_OUTSTREAM);
        uint64_t k = n > sizeof zeroes ? sizeof zeroes : n;
        if (o->ops && k > room_of(c->w, o))
            k = room_of(c->w, o);
        e = out_put(c->w, o, zeroes, (size_t)k);
        n -= k;
    }
    if (e == 0 && block)
        e = do_flush(c, rep, true);
    return out_result(c, e);
}

static uint32_t out_write_zeroes(w2_call *c) { return zeroes_common(c, false); }
static uint32_t out_blocking_write_zeroes(w2_call *c) { return zeroes_common(c, true); }

static uint32_t splice_common(w2_call *c, bool block)
{
    uint32_t rep = (uint32_t)c->a[0].x.u, srep = (uint32_t)c->a[1].x.u;
    w2_obj *o = out_stream(c);
    w2_obj *src = w2_get(c->w, srep, K_INSTREAM);
    if (!o || !src)
        return w2_trap(c, "splice: not a stream");
    if (out_closed(o) || src->closed || (src->fd < 0 && !src->ops))
        return w2_stream_closed(c);
    uint64_t len = c->a[2].x.u;
    if (block) {
        int e = wait_room(c, rep, 1);
        if (e)
            return out_result(c, e);
    }
    o = w2_get(c->w, rep, K_OUTSTREAM);
    uint64_t room = room_of(c->w, o);
    if (len > room)
        len = room;
    uint8_t *buf;
    size_t n;
    int e = do_read(c, srep, len, block, &buf, &n);
    if (e == ECANCELED)
        return w2_stopped(c);
    if (e == EAGAIN)
        e = 0;
    else if (e)
        return w2_stream_failed(c, e);
    else if (n == 0 && len > 0)
        return w2_stream_closed(c);
    o = w2_get(c->w, rep, K_OUTSTREAM);
    if (n && (e = out_put(c->w, o, buf, n)) != 0)
        return out_result(c, e);
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, n);
    return w2_ok(c, &v);
}

static uint32_t out_splice(w2_call *c) { return splice_common(c, false); }
static uint32_t out_blocking_splice(w2_call *c) { return splice_common(c, true); }

const w2_fn w2_fns_io[] = {
    { "wasi:io/error#[method]error.to-debug-string", to_debug_string },
    { "wasi:io/poll#[method]pollable.ready", pollable_ready },
    { "wasi:io/poll#[method]pollable.block", pollable_block },
    { "wasi:io/poll#poll", poll_list },
    { "wasi:io/streams#[method]input-stream.read", in_read },
    { "wasi:io/streams#[method]input-stream.blocking-read", in_blocking_read },
    { "wasi:io/streams#[method]input-stream.skip", in_skip },
    { "wasi:io/streams#[method]input-stream.blocking-skip", in_blocking_skip },
    { "wasi:io/streams#[method]input-stream.subscribe", in_subscribe },
    { "wasi:io/streams#[method]output-stream.check-write", out_check_write },
    { "wasi:io/streams#[method]output-stream.write", out_write },
    { "wasi:io/streams#[method]output-stream.blocking-write-and-flush", out_blocking_write },
    { "wasi:io/streams#[method]output-stream.flush", out_flush },
    { "wasi:io/streams#[method]output-stream.blocking-flush", out_blocking_flush },
    { "wasi:io/streams#[method]output-stream.subscribe", out_subscribe },
    { "wasi:io/streams#[method]output-stream.write-zeroes", out_write_zeroes },
    { "wasi:io/streams#[method]output-stream.blocking-write-zeroes-and-flush", out_blocking_write_zeroes },
    { "wasi:io/streams#[method]output-stream.splice", out_splice },
    { "wasi:io/streams#[method]output-stream.blocking-splice", out_blocking_splice },
    { NULL, NULL },
};
