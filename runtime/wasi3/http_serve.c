/*
 * http_serve.c — the server side of wasi:http@0.3.0: an exchange runs one
 * request through the guest's async export handler#handle without
 * waiting (wacc_component_call_start), so one instance serves several
 * requests at once. The request body goes into the guest through the
 * writable end of the stream consume-body returned (host-held: a copy
 * completes when the guest reads), the response body comes out of the
 * readable end the guest gave response.new; the server's wacc_http_io
 * never blocks, so wacc_wasi3_exchange_step moves what can move and
 * returns, and the server calls it again when its socket or the instance
 * moved (wacc_wasi3_exchange_pending).
 *
 * Completions (copy done, call resolved) run inside wacc_cinstance_poll:
 * they only record state; io is called from step. An exchange the server
 * ends before the guest resolved (client gone, deadline) becomes an orphan:
 * its body ends are dropped (the guest sees end-of-stream) and it is freed
 * when the call resolves or with the instance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http3_int.h"

#define IOBUF 16384u

struct wacc_wasi3_exchange {
    wacc_wasi3_http *h;
    struct wacc_wasi3_exchange *next;
    const wacc_http_io *io;             /* NULL: orphan (the server is done with it) */
    wacc_arena arena;                   /* the call's argument and result */
    wacc_cval arg;
    wacc_ccall *call;
    bool resolved, cancelled, pending;
    const wacc_cval *result;
    uint32_t req_rep;
    /* request body: io -> guest */
    wacc_hend *body_w, *trail_w, *res_r;
    uint8_t in[IOBUF];
    uint32_t inlen;
    bool in_busy, in_eof, in_err, trail_busy, trail_sent, res_busy, res_cancel;
    wacc_cval trail_v, res_v;
    /* response: guest -> io */
    h3_msg *resp;
    bool head_sent, out_busy, out_eof, rt_busy, rt_done, finished, failed;
    uint8_t out[IOBUF];
    uint32_t outlen, outoff;
    wacc_arena tarena;
    wacc_cval rt_v;
    uint32_t rt_result;
};

static void x_unlink(wacc_wasi3_exchange *x)
{
    for (wacc_wasi3_exchange **p = &x->h->xs; *p; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            return;
        }
}

static void x_destroy(wacc_wasi3_exchange *x)
{
    x_unlink(x);
    if (x->h->ci) {
        if (x->resp)
            h3_msg_free(x->h, x->resp);
    } else if (x->resp) {
        x->resp->contents = x->resp->trailers = x->resp->result_w = NULL;
        h3_msg_free(x->h, x->resp);
    }
    wacc_ccall_free(x->call);
    wacc_arena_fini(&x->arena);
    wacc_arena_fini(&x->tarena);
    free(x);
}

/* An orphan: drop the ends no copy is using; free it once nothing refers
 * to it any more. */
static void x_settle(wacc_wasi3_exchange *x)
{
    if (x->io || !x->h->ci)
        return;
    if (x->body_w && !x->in_busy) {
        wacc_hend_drop(x->body_w);
        x->body_w = NULL;
    }
    if (x->trail_w && !x->trail_busy) {
        wacc_hend_drop(x->trail_w);
        x->trail_w = NULL;
    }
    if (x->res_r && x->res_busy) {
        if (!x->res_cancel)
            wacc_hend_cancel(x->res_r);     /* on_res drops it */
        x->res_cancel = true;
    } else if (x->res_r) {
        wacc_hend_drop(x->res_r);
        x->res_r = NULL;
    }
    if (x->resp && !x->out_busy && !x->rt_busy) {
        h3_msg_free(x->h, x->resp);
        x->resp = NULL;
    }
    if (x->resolved && !x->body_w && !x->trail_w && !x->resp && !x->res_r)
        x_destroy(x);
}

/* ---- completions (inside wacc_cinstance_poll) ---- */

static void on_done(void *ud, const wacc_cval *result, bool cancelled)
{
    wacc_wasi3_exchange *x = ud;
    x->resolved = true;
    x->cancelled = cancelled;
    x->result = result;
    x->pending = true;
    if (!x->io && result && result->n == 0) {
        /* an orphan's response: the server is gone, free it */
        h3_msg *m = h3_take(x->h, result->x.payload->x.u, O3_RESPONSE);
        if (m)
            h3_msg_free(x->h, m);
    }
    x_settle(x);
}

static uint32_t on_in(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    wacc_wasi3_exchange *x = ud;
    x->in_busy = false;
    x->pending = true;
    if (result == WACC_COPY_DROPPED) {
        x->inlen = 0;
        x->in_eof = true;               /* the guest dropped the body: the rest is discarded */
    } else {
        if (n > x->inlen)
            n = x->inlen;
        memmove(x->in, x->in + n, x->inlen - n);
        x->inlen -= n;
    }
    x_settle(x);
    return 0;
}

static uint32_t on_trail(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)result; (void)n;
    wacc_wasi3_exchange *x = ud;
    x->trail_busy = false;
    x->trail_sent = true;
    x->pending = true;
    x_settle(x);
    return 0;
}

static uint32_t on_out(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    wacc_wasi3_exchange *x = ud;
    x->out_busy = false;
    x->pending = true;
    x->outlen = n;
    x->outoff = 0;
    if (result == WACC_COPY_DROPPED)
        x->out_eof = true;
    x_settle(x);
    return 0;
}

static uint32_t on_rtrail(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)n;
    wacc_wasi3_exchange *x = ud;
    x->rt_busy = false;
    x->rt_done = true;
    x->rt_result = result;
    x->pending = true;
    x_settle(x);
    return 0;
}

/* ---- the incoming request ---- */

/* The guest's verdict on the request body (consume-body's `res`): read,
 * so that its write completes; the server has nothing to do with it. */
static uint32_t on_res(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)result; (void)n;
    wacc_wasi3_exchange *x = ud;
    if (x->res_r == e) {
        wacc_hend_drop(e);
        x->res_r = NULL;
    }
    x->res_busy = false;
    x->pending = true;
    x_settle(x);
    return 0;
}

void h3_incoming_body(wacc_wasi3_exchange *x, wacc_hend *body_w, wacc_hend *trailers_w, wacc_hend *res_r)
{
    x->body_w = body_w;
    x->trail_w = trailers_w;
    x->res_r = res_r;
    x->pending = true;
    if (res_r && wacc_hend_read(res_r, &x->res_v, 1, &x->tarena, on_res, x))
        x->res_busy = true;
    x_settle(x);
}

static h_fields *fields_of(const wacc_http_request *req)
{
    h_fields *f = hf_new(true);
    for (size_t i = 0; f && i < req->nheaders; i++)
        if (!hf_add(f, req->headers[i].name, req->headers[i].name_len, req->headers[i].value,
                    req->headers[i].value_len)) {
            hf_free(f);
            return NULL;
        }
    return f;
}

wacc_wasi3_exchange *wacc_wasi3_http_start(wacc_wasi3_http *h, const wacc_http_request *req,
                                           const wacc_http_io *io, wacc_trap *trap,
                                           char err[WACC_ERR_LEN])
{
    memset(trap, 0, sizeof *trap);
    err[0] = '\0';
    wacc_cfunc *f = h->ci ? wacc_cinstance_func(h->ci, "wasi:http/handler@0.3.0#handle") : NULL;
    if (!f) {
        snprintf(err, WACC_ERR_LEN, "the component does not export wasi:http/handler@0.3.0");
        return NULL;
    }
    wacc_wasi3_exchange *x = calloc(1, sizeof *x);
    h3_msg *m = x ? calloc(1, sizeof *m) : NULL;
    if (m) {
        m->t = O3_REQUEST;
        m->headers = fields_of(req);
        m->method = strdup(req->method);
        m->has_path = m->has_scheme = true;
        m->path = strdup(req->path_with_query);
        m->scheme = strdup(req->scheme ? req->scheme : "http");
        m->has_auth = req->authority != NULL;
        m->authority = req->authority ? strdup(req->authority) : NULL;
        m->x = x;
    }
    if (!m || !m->headers || !m->method || !m->path || !m->scheme || (req->authority && !m->authority) ||
        !(x->req_rep = h3_add(h, m))) {
        h3_msg_free(h, m);
        free(x);
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    x->h = h;
    x->io = io;
    wacc_arena_init(&x->arena);
    wacc_arena_init(&x->tarena);
    x->arg = wacc_cval_handle(WACC_CT_OWN, x->req_rep);
    x->next = h->xs;
    h->xs = x;
    x->call = wacc_component_call_start(h->s, f, &x->arg, 1, &x->arena, on_done, x, trap);
    if (!x->call) {
        x_unlink(x);
        wacc_arena_fini(&x->arena);
        wacc_arena_fini(&x->tarena);
        free(x);
        if (!trap->code)
            snprintf(err, WACC_ERR_LEN, "%s", trap->message);
        return NULL;
    }
    return x;
}

/* ---- moving bytes ---- */

static bool fail(wacc_wasi3_exchange *x, const char *label, const char *detail)
{
    if (!x->failed && !x->finished)
        x->io->resp_error(x->io->ud, label, detail);
    x->failed = true;
    return true;
}

static bool pump_request(wacc_wasi3_exchange *x)
{
    const wacc_http_io *io = x->io;
    bool moved = false;
    if (x->body_w && !x->in_busy) {
        if (x->inlen == 0 && !x->in_eof) {
            long n = io->body_read(io->ud, x->in, sizeof x->in);
            if (n > 0) {
                x->inlen = (uint32_t)n;
            } else if (n < 0) {
                x->in_eof = true;
                x->in_err = n == -2;
            }
            moved |= n != 0;
        }
        if (x->inlen > 0) {
            if (wacc_hend_write(x->body_w, x->in, x->inlen, on_in, x))
                x->in_busy = true;
            else
                x->inlen = 0, x->in_eof = true;     /* the guest dropped it */
            moved = true;
        } else if (x->in_eof) {
            wacc_hend_drop(x->body_w);
            x->body_w = NULL;
            moved = true;
        }
    }
    if (!x->body_w && x->in_eof && x->trail_w && !x->trail_busy && !x->trail_sent) {
        /* trailers: ok(none), or err(connection-terminated) for a body cut short */
        const wacc_ctype *ft = wacc_hend_type(x->trail_w);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        if (x->in_err && rt && rt->n > 1 && rt->fields[1].type) {
            wacc_cval *ec = wacc_arena_alloc(&x->tarena, sizeof *ec);
            if (ec && h3_error_code(&x->tarena, rt->fields[1].type, "connection-terminated", NULL, ec))
                x->trail_v = wacc_cval_variant(WACC_CT_RESULT, 1, ec);
        } else {
            wacc_cval *none = wacc_arena_alloc(&x->tarena, sizeof *none);
            if (none) {
                *none = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
                x->trail_v = wacc_cval_variant(WACC_CT_RESULT, 0, none);
            }
        }
        if (wacc_hend_write(x->trail_w, &x->trail_v, 1, on_trail, x))
            x->trail_busy = true;
        else
            x->trail_sent = true;
        moved = true;
    }
    if (x->trail_w && x->trail_sent && !x->trail_busy) {
        wacc_hend_drop(x->trail_w);
        x->trail_w = NULL;
    }
    return moved;
}

static bool take_response(wacc_wasi3_exchange *x)
{
    const wacc_cval *r = x->result;
    if (x->cancelled || !r)
        return fail(x, "internal-error", "the handler was cancelled");
    if (r->n != 0) {
        const wacc_cfunc *f = wacc_cinstance_func(x->h->ci, "wasi:http/handler@0.3.0#handle");
        const wacc_ctype *rt = f ? wacc_cfunc_result(f) : NULL;
        const wacc_ctype *et = rt && rt->n > 1 ? rt->fields[1].type : NULL;
        return fail(x, r->x.payload ? h3_error_label(et, r->x.payload) : "internal-error",
                    "handle returned an error");
    }
    x->resp = h3_take(x->h, r->x.payload->x.u, O3_RESPONSE);
    if (!x->resp)
        return fail(x, "internal-error", "handle returned an unknown response");
    return true;
}

static const char *send_trailers(wacc_wasi3_exchange *x)
{
    const wacc_http_io *io = x->io;
    if (x->rt_result != WACC_COPY_COMPLETED)
        return io->resp_finish(io->ud, NULL, 0) ? NULL : "client gone";
    const wacc_cval *v = &x->rt_v;
    if (v->n != 0) {
        const wacc_ctype *ft = wacc_hend_type(x->resp->trailers);
        const wacc_ctype *et = ft && ft->elem && ft->elem->n > 1 ? ft->elem->fields[1].type : NULL;
        fail(x, v->x.payload ? h3_error_label(et, v->x.payload) : "internal-error", "response trailers");
        return NULL;
    }
    h_fields *tf = NULL;
    const wacc_cval *opt = v->x.payload;
    if (opt && opt->n == 1) {
        h3_fields *o = h3_take(x->h, opt->x.payload->x.u, O3_FIELDS);
        if (o) {
            tf = o->f;
            free(o);
        }
    }
    wacc_http_header *th = tf ? hf_headers(tf, &x->tarena) : NULL;
    bool ok = io->resp_finish(io->ud, th, th ? tf->n : 0);
    hf_free(tf);
    return ok ? NULL : "client gone";
}

static bool pump_response(wacc_wasi3_exchange *x)
{
    const wacc_http_io *io = x->io;
    bool moved = false;
    if (x->failed || x->finished)
        return false;
    if (x->resolved && !x->resp) {
        take_response(x);
        if (x->failed)
            return true;
        moved = true;
    }
    h3_msg *m = x->resp;
    if (!m)
        return moved;
    if (!x->head_sent) {
        wacc_http_header *hh = hf_headers(m->headers, &x->tarena);
        x->head_sent = true;
        if (!io->resp_head(io->ud, m->status, hh, hh ? m->headers->n : 0))
            return fail(x, "connection-terminated", "client gone");
        if (!m->contents)
            x->out_eof = true;
        moved = true;
    }
    for (;;) {
        if (x->outoff < x->outlen) {
            size_t room = io->resp_room(io->ud);
            if (room == 0)
                return moved;
            size_t w = x->outlen - x->outoff < room ? x->outlen - x->outoff : room;
            if (!io->resp_write(io->ud, x->out + x->outoff, w))
                return fail(x, "connection-terminated", "client gone");
            x->outoff += (uint32_t)w;
            moved = true;
            continue;
        }
        if (x->out_busy || x->out_eof)
            break;
        x->outlen = x->outoff = 0;
        if (wacc_hend_read(m->contents, x->out, sizeof x->out, NULL, on_out, x))
            x->out_busy = true;
        else
            x->out_eof = true;
        moved = true;
        break;
    }
    if (x->out_eof && x->outoff == x->outlen && !x->out_busy) {
        if (m->contents) {
            wacc_hend_drop(m->contents);
            m->contents = NULL;
        }
        if (!x->rt_done && !x->rt_busy) {
            if (m->trailers && wacc_hend_read(m->trailers, &x->rt_v, 1, &x->tarena, on_rtrail, x)) {
                x->rt_busy = true;
            } else {
                x->rt_done = true;
                x->rt_result = WACC_COPY_DROPPED;
            }
            moved = true;
        }
        if (x->rt_done) {
            const char *bad = send_trailers(x);
            if (bad)
                return fail(x, "connection-terminated", bad);
            x->finished = true;
            moved = true;
        }
    }
    return moved;
}

static bool is_done(const wacc_wasi3_exchange *x)
{
    return x->failed || (x->finished && x->resolved);
}

int wacc_wasi3_exchange_step(wacc_wasi3_exchange *x, wacc_trap *trap)
{
    memset(trap, 0, sizeof *trap);
    for (int round = 0; round < 1000; round++) {
        x->pending = false;
        bool moved = pump_request(x);
        moved |= pump_response(x);
        if (is_done(x))
            return 1;
        if (wacc_cinstance_poll(x->h->ci, trap) != 0)
            return -1;
        if (!moved && !x->pending)
            break;
    }
    return is_done(x) ? 1 : 0;
}

bool wacc_wasi3_exchange_pending(const wacc_wasi3_exchange *x)
{
    return x->pending;
}

void wacc_wasi3_exchange_free(wacc_wasi3_exchange *x)
{
    if (!x)
        return;
    x->io = NULL;
    /* the guest may still hold the incoming request */
    h3_msg *m = h3_get(x->h, x->req_rep, O3_REQUEST);
    if (m && m->x == x)
        m->x = NULL;
    if (!x->h->ci) {
        x_destroy(x);
        return;
    }
    if (x->resp && x->resp->contents && x->out_busy)
        wacc_hend_cancel(x->resp->contents);
    if (x->body_w && x->in_busy)
        wacc_hend_cancel(x->body_w);
    x_settle(x);
}

void h3_exchanges_free(wacc_wasi3_http *h)
{
    wacc_cinstance *ci = h->ci;
    h->ci = NULL;           /* the instance is gone: no end is touched */
    while (h->xs)
        x_destroy(h->xs);
    h->ci = ci;
}

/* ---- relays: consume-body of a body the host holds ---- */

typedef struct relay {
    wacc_wasi3_http *h;
    wacc_hend *src, *dst, *tsrc, *tdst;
    uint8_t buf[IOBUF];
    uint32_t len, off;
    wacc_arena arena;
    wacc_cval tv;
} relay;

static uint32_t relay_step(relay *r);

static uint32_t relay_wrote(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    relay *r = ud;
    r->off += n;
    if (result != WACC_COPY_COMPLETED)
        r->off = r->len;            /* the reader is gone */
    return relay_step(r);
}

static uint32_t relay_read(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    relay *r = ud;
    r->len = n;
    r->off = 0;
    if (result != WACC_COPY_COMPLETED) {
        wacc_hend_drop(r->src);
        r->src = NULL;
    }
    return relay_step(r);
}

static uint32_t relay_tdone(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)result; (void)n;
    relay *r = ud;
    wacc_hend_drop(r->tdst);
    wacc_arena_fini(&r->arena);
    free(r);
    return 0;
}

static uint32_t relay_tread(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)n;
    relay *r = ud;
    wacc_hend_drop(r->tsrc);
    r->tsrc = NULL;
    if (result != WACC_COPY_COMPLETED || !wacc_hend_write(r->tdst, &r->tv, 1, relay_tdone, r))
        return relay_tdone(r, NULL, 0, 0);
    return 0;
}

static uint32_t relay_step(relay *r)
{
    if (r->off < r->len && r->dst) {
        if (!wacc_hend_write(r->dst, r->buf + r->off, r->len - r->off, relay_wrote, r))
            r->off = r->len;
        else
            return 0;
    }
    if (r->src) {
        if (wacc_hend_read(r->src, r->buf, sizeof r->buf, NULL, relay_read, r))
            return 0;
        wacc_hend_drop(r->src);
        r->src = NULL;
    }
    /* the body ended: close it, relay the trailers */
    if (r->dst) {
        wacc_hend_drop(r->dst);
        r->dst = NULL;
    }
    if (r->tsrc && wacc_hend_read(r->tsrc, &r->tv, 1, &r->arena, relay_tread, r))
        return 0;
    if (r->tsrc)
        wacc_hend_drop(r->tsrc);
    r->tsrc = NULL;
    return relay_tdone(r, NULL, 0, 0);
}

bool h3_relay_body(wacc_wasi3_http *h, h3_msg *m, wacc_hend *bw, wacc_hend *tw, wacc_hend *res)
{
    relay *r = calloc(1, sizeof *r);
    if (!r)
        return false;
    if (res)
        wacc_hend_drop(res);
    r->h = h;
    r->src = m->contents;
    r->tsrc = m->trailers;
    r->dst = bw;
    r->tdst = tw;
    wacc_arena_init(&r->arena);
    return relay_step(r) == 0;
}
