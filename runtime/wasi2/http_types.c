/*
 * http_types.c — wasi:http/types on the server side: incoming-request,
 * incoming-body (and its input-stream), future-trailers, outgoing-response,
 * outgoing-body (and its output-stream), response-outparam; and
 * wacc_wasi2_http_handle, which runs one request through the guest's
 * wasi:http/incoming-handler#handle with the server's wacc_http_io.
 *
 * The exchange (w2_http) lives on wacc_wasi2_http_handle's stack; objects
 * name it by generation, so an object the guest keeps past the request
 * finds it gone (reads fail, writes are refused) instead of a dangling
 * pointer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define PEEK_CAP 16384u          /* readiness probe of a request body */
#define PEND_CAP (1u << 20)      /* body bytes written before the head is set */

/* ---- objects ---- */

typedef struct h_inreq {
    uint8_t htype;
    bool consumed;
    uint64_t gen;
} h_inreq;

typedef struct h_inbody {
    uint8_t htype;
    bool stream_taken;
    h_in *b;
} h_inbody;

typedef struct h_futtrail {
    uint8_t htype;
    bool got;
    h_in *b;
} h_futtrail;

typedef struct h_outresp {
    uint8_t htype;
    uint16_t status;
    h_fields *headers;
    h_out *out;
} h_outresp;

typedef struct h_outbody {
    uint8_t htype;
    h_out *b;
} h_outbody;

typedef struct h_outparam {
    uint8_t htype;
    uint64_t gen;
} h_outparam;

static void free_impl(wacc_wasi2 *w, void *impl);
static bool obj_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl);

static void obj_drop(wacc_wasi2 *w, w2_obj *o)
{
    free_impl(w, o->impl);
    o->impl = NULL;
}

static const w2_ops obj_ops = { .ready = obj_ready, .drop = obj_drop };

uint32_t h_new_obj(wacc_wasi2 *w, void *impl)
{
    w2_obj *o;
    uint32_t rep = w2_new(w, K_OTHER, &o);
    if (rep) {
        o->ops = &obj_ops;
        o->impl = impl;
    }
    return rep;
}

void *h_get(wacc_wasi2 *w, uint64_t rep, uint8_t t)
{
    w2_obj *o = w2_get(w, rep, K_OTHER);
    if (!o || o->ops != &obj_ops || !o->impl || *(uint8_t *)o->impl != t)
        return NULL;
    return o->impl;
}

/* Take the impl out of object rep (an own<> argument the host now owns). */
static void *take(wacc_wasi2 *w, uint64_t rep, uint8_t t)
{
    void *impl = h_get(w, rep, t);
    if (impl) {
        w->objs[rep].impl = NULL;
        w2_release(w, (uint32_t)rep);
    }
    return impl;
}

h_fields *h_take_fields(wacc_wasi2 *w, uint64_t rep)
{
    return take(w, rep, H_FIELDS);
}

static uint32_t ret_own(w2_call *c, void *impl, bool ok_wrap)
{
    uint32_t rep = h_new_obj(c->w, impl);
    if (!rep) {
        free_impl(c->w, impl);
        return WACC_TRAP_HOST;
    }
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return ok_wrap ? w2_ok(c, &h) : w2_ret(c, h);
}

uint32_t h_ret_fields(w2_call *c, h_fields *f)
{
    return ret_own(c, f, false);
}

w2_http *h_exchange(wacc_wasi2 *w, uint64_t gen)
{
    return w->http && w->http->gen == gen ? w->http : NULL;
}

/* err of a result whose error case has no payload */
static uint32_t h_err_unit(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
}

/* ---- method and scheme ---- */

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                       "OPTIONS", "TRACE", "PATCH" };
static const char *const method_labels[] = { "get", "head", "post", "put", "delete", "connect",
                                             "options", "trace", "patch" };

wacc_cval h_method_val(w2_call *c, const wacc_ctype *t, const char *m)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(m, methods[i]) == 0)
            return wacc_cval_variant(WACC_CT_VARIANT, w2_label(t, method_labels[i]), NULL);
    wacc_cval *s = w2_box(c, w2_str(c, m, strlen(m)));
    return wacc_cval_variant(WACC_CT_VARIANT, w2_label(t, "other"), s);
}

const char *h_method_str(const wacc_cval *v, const wacc_ctype *t)
{
    if (v->n >= t->n)
        return NULL;
    const char *l = t->fields[v->n].label;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(l, method_labels[i]) == 0)
            return methods[i];
    return v->x.payload ? v->x.payload->x.str : NULL;    /* other: not NUL-terminated */
}

wacc_cval h_scheme_val(w2_call *c, const wacc_ctype *t, const char *s)
{
    if (strcasecmp(s, "http") == 0)
        return wacc_cval_variant(WACC_CT_VARIANT, w2_label(t, "HTTP"), NULL);
    if (strcasecmp(s, "https") == 0)
        return wacc_cval_variant(WACC_CT_VARIANT, w2_label(t, "HTTPS"), NULL);
    wacc_cval *p = w2_box(c, w2_str(c, s, strlen(s)));
    return wacc_cval_variant(WACC_CT_VARIANT, w2_label(t, "other"), p);
}

const char *h_scheme_str(const wacc_cval *v, const wacc_ctype *t)
{
    if (v->n >= t->n)
        return NULL;
    const char *l = t->fields[v->n].label;
    if (strcmp(l, "HTTP") == 0)
        return "http";
    if (strcmp(l, "HTTPS") == 0)
        return "https";
    return v->x.payload ? v->x.payload->x.str : NULL;
}

/* ---- incoming bodies (h_in) ---- */

void h_in_unref(h_in *b)
{
    if (b && --b->refs == 0) {
        if (b->cl)
            h_client_unref(b->cl);
        hf_free(b->trailers);
        free(b->buf);
        free(b);
    }
}

static long in_read(wacc_wasi2 *w, w2_obj *o, uint8_t *buf, size_t cap, int *err)
{
    h_in *b = o->impl;
    if (b->off < b->len) {
        size_t k = b->len - b->off < cap ? b->len - b->off : cap;
        memcpy(buf, b->buf + b->off, k);
        b->off += k;
        return (long)k;
    }
    if (b->failed) {
        *err = EIO;
        return -2;
    }
    if (b->eof)
        return -1;
    if (b->cl) {
        long r = h_client_read(w, b->cl, buf, cap, err);
        if (r == -1)
            b->eof = true;
        else if (r < -1)
            b->failed = true;
        return r;
    }
    w2_http *x = h_exchange(w, b->gen);
    if (!x) {
        *err = EPIPE;
        return -2;
    }
    long r = x->io->body_read(x->io->ud, buf, cap);
    if (r == -1)
        b->eof = true;
    else if (r < -1) {
        b->failed = true;
        *err = EIO;
        r = -2;
    }
    return r;
}

/* Is there something to read (bytes, the end, an error)? */
static bool in_probe(wacc_wasi2 *w, h_in *b, struct pollfd *pf, uint64_t *dl)
{
    if (b->off < b->len || b->eof || b->failed)
        return true;
    if (b->cl)
        return h_client_in_ready(w, b->cl, pf, dl);
    w2_http *x = h_exchange(w, b->gen);
    if (!x)
        return true;
    if (!b->buf && !(b->buf = malloc(PEEK_CAP)))
        return true;
    long r = x->io->body_read(x->io->ud, b->buf, PEEK_CAP);
    b->off = 0;
    b->len = r > 0 ? (size_t)r : 0;
    if (r == -1)
        b->eof = true;
    else if (r < -1)
        b->failed = true;
    return r != 0;
}

static bool in_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    return in_probe(w, o->impl, pf, dl);
}

static void in_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    h_in_unref(o->impl);
    o->impl = NULL;
}

static const w2_ops in_ops = { .read = in_read, .ready = in_ready, .drop = in_drop };

uint32_t h_new_inbody(wacc_wasi2 *w, h_in *b)
{
    h_inbody *ib = calloc(1, sizeof *ib);
    if (!ib)
        return 0;
    ib->htype = H_INBODY;
    ib->b = b;
    b->refs++;
    uint32_t rep = h_new_obj(w, ib);
    if (!rep)
        free_impl(w, ib);
    return rep;
}

static uint32_t inbody_stream(w2_call *c)
{
    h_inbody *ib = h_get(c->w, c->a[0].x.u, H_INBODY);
    if (!ib)
        return w2_trap(c, "not an incoming-body");
    if (ib->stream_taken)
        return h_err_unit(c);
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_INSTREAM, &o);
    if (!rep)
        return WACC_TRAP_HOST;
    ib->stream_taken = true;
    o->ops = &in_ops;
    o->impl = ib->b;
    ib->b->refs++;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t inbody_finish(w2_call *c)
{
    h_inbody *ib = take(c->w, c->a[0].x.u, H_INBODY);
    if (!ib)
        return w2_trap(c, "not an incoming-body");
    h_futtrail *ft = calloc(1, sizeof *ft);
    if (!ft) {
        free_impl(c->w, ib);
        return WACC_TRAP_HOST;
    }
    ft->htype = H_FUTTRAIL;
    ft->b = ib->b;
    ft->b->refs++;
    free_impl(c->w, ib);
    return ret_own(c, ft, false);
}

/* future-trailers: ready once the body is all received (unread bytes are
 * skipped). */
static bool trailers_ready(wacc_wasi2 *w, h_futtrail *ft, struct pollfd *pf, uint64_t *dl)
{
    h_in *b = ft->b;
    uint8_t junk[4096];
    for (;;) {
        b->off = b->len = 0;
        if (b->eof || b->failed)
            return true;
        if (b->cl) {
            int err = 0;
            long r = h_client_read(w, b->cl, junk, sizeof junk, &err);
            if (r == -1)
                b->eof = true;
            else if (r < -1)
                b->failed = true;
            else if (r == 0 && !h_client_in_ready(w, b->cl, pf, dl))
                return false;
        } else if (!in_probe(w, b, pf, dl)) {
            return false;
        }
    }
}

static uint32_t futtrail_subscribe(w2_call *c)
{
    return h_future_subscribe(c, H_FUTTRAIL, "not a future-trailers");
}

static uint32_t futtrail_get(w2_call *c)
{
    h_futtrail *ft = h_get(c->w, c->a[0].x.u, H_FUTTRAIL);
    if (!ft)
        return w2_trap(c, "not a future-trailers");
    struct pollfd pf;
    uint64_t dl = 0;
    if (!trailers_ready(c->w, ft, &pf, &dl))
        return h_future_none(c);
    /* option<result<result<option<trailers>, error-code>>> */
    if (ft->got)
        return h_future_taken(c);
    uint32_t code;
    if (ft->b->failed) {
        code = h_future_error(c, "HTTP-protocol-error", NULL);
    } else {
        wacc_cval opt = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
        if (ft->b->trailers && ft->b->trailers->n) {
            h_fields *t = hf_clone(ft->b->trailers, true);
            uint32_t rep = t ? h_new_obj(c->w, t) : 0;
            if (!rep) {
                hf_free(t);
                return WACC_TRAP_HOST;
            }
            opt = wacc_cval_variant(WACC_CT_OPTION, 1, w2_box(c, wacc_cval_handle(WACC_CT_OWN, rep)));
        }
        code = h_future_ok(c, opt);
    }
    if (code == 0)
        ft->got = true;
    return code;
}

/* ---- outgoing bodies (h_out) ---- */

void h_out_unref(h_out *b)
{
    if (b && --b->refs == 0) {
        if (b->cl)
            h_client_unref(b->cl);
        free(b->pend);
        free(b);
    }
}

/* The body failed: tell the server (after the head: the response is cut). */
static void out_fail(wacc_wasi2 *w, h_out *b, const char *label, const char *detail)
{
    if (b->failed || b->finished)
        return;
    b->failed = true;
    if (b->sink == 1) {
        w2_http *x = h_exchange(w, b->gen);
        if (x && !x->failed && !x->finished) {
            x->failed = true;
            x->io->resp_error(x->io->ud, label, detail);
        }
    } else if (b->sink == 2) {
        h_client_body_done(w, b->cl, false);
    }
}

static uint64_t out_room(wacc_wasi2 *w, w2_obj *o)
{
    h_out *b = o->impl;
    if (b->failed || b->finished)
        return PEEK_CAP;        /* the write then reports the stream closed */
    if (b->sink == 0)
        return PEND_CAP - b->npend;
    if (b->sink == 2)
        return h_client_room(w, b->cl);
    w2_http *x = h_exchange(w, b->gen);
    if (!x || x->failed)
        return PEEK_CAP;        /* as above */
    return x->io->resp_room(x->io->ud);
}

static int sink_write(wacc_wasi2 *w, h_out *b, const uint8_t *p, size_t n)
{
    if (b->sink == 2)
        return h_client_write(w, b->cl, p, n);
    w2_http *x = h_exchange(w, b->gen);
    if (!x || x->failed || !x->io->resp_write(x->io->ud, p, n))
        return EPIPE;
    return 0;
}

static int out_write(wacc_wasi2 *w, w2_obj *o, const uint8_t *p, size_t n)
{
    h_out *b = o->impl;
    if (b->failed || b->finished)
        return EPIPE;
    if (b->clen >= 0 && b->written + n > (uint64_t)b->clen) {
        out_fail(w, b, b->sink == 2 ? "HTTP-request-body-size" : "HTTP-response-body-size",
                 "more body bytes than its Content-Length");
        return EIO;
    }
    b->written += n;
    if (b->sink == 0) {
        if (n > PEND_CAP - b->npend)
            return EIO;
        if (!b->pend && !(b->pend = malloc(PEND_CAP)))
            return ENOMEM;
        memcpy(b->pend + b->npend, p, n);
        b->npend += n;
        return 0;
    }
    int e = sink_write(w, b, p, n);
    if (e)
        out_fail(w, b, "connection-terminated", "the peer went away");
    return e;
}

int h_out_attach(wacc_wasi2 *w, h_out *b)
{
    if (b->npend == 0)
        return 0;
    int e = sink_write(w, b, b->pend, b->npend);
    b->npend = 0;
    free(b->pend);
    b->pend = NULL;
    return e;
}

static bool out_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    h_out *b = o->impl;
    if (b->sink == 2 && !b->failed && !b->finished)
        return h_client_out_ready(w, b->cl, pf, dl);
    return out_room(w, o) > 0;
}

static void out_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    h_out_unref(o->impl);
    o->impl = NULL;
}

static const w2_ops out_ops = { .room = out_room, .write = out_write, .ready = out_ready,
                                .drop = out_drop };

uint32_t h_new_outbody(wacc_wasi2 *w, h_out *b)
{
    h_outbody *ob = calloc(1, sizeof *ob);
    if (!ob)
        return 0;
    ob->htype = H_OUTBODY;
    ob->b = b;
    b->refs++;
    uint32_t rep = h_new_obj(w, ob);
    if (!rep)
        free_impl(w, ob);
    return rep;
}

static uint32_t outbody_write(w2_call *c)
{
    h_outbody *ob = h_get(c->w, c->a[0].x.u, H_OUTBODY);
    if (!ob)
        return w2_trap(c, "not an outgoing-body");
    if (ob->b->stream_taken)
        return h_err_unit(c);
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_OUTSTREAM, &o);
    if (!rep)
        return WACC_TRAP_HOST;
    ob->b->stream_taken = true;
    o->ops = &out_ops;
    o->impl = ob->b;
    ob->b->refs++;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t outbody_finish(w2_call *c)
{
    h_outbody *ob = take(c->w, c->a[0].x.u, H_OUTBODY);
    if (!ob)
        return w2_trap(c, "not an outgoing-body");
    h_out *b = ob->b;           /* ob's reference, released below */
    free(ob);
    h_fields *tr = NULL;
    if (c->a[1].n == 1 && !(tr = h_take_fields(c->w, c->a[1].x.payload->x.u))) {
        h_out_unref(b);
        return w2_trap(c, "outgoing-body.finish: not a trailers fields");
    }
    uint32_t r;
    bool request = b->sink == 2;
    if (b->failed) {
        r = h_err(c, "internal-error", "the body failed");
    } else if (b->clen >= 0 && b->written != (uint64_t)b->clen) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu body bytes written, Content-Length is %lld",
                 (unsigned long long)b->written, (long long)b->clen);
        const char *label = request ? "HTTP-request-body-size" : "HTTP-response-body-size";
        out_fail(c->w, b, label, msg);
        r = h_err(c, label, NULL);
    } else {
        b->finished = true;
        r = w2_ok(c, NULL);
        if (b->sink == 1) {
            w2_http *x = h_exchange(c->w, b->gen);
            if (x && !x->failed && !x->finished) {
                wacc_arena a;
                wacc_arena_init(&a);
                wacc_http_header *h = tr ? hf_headers(tr, &a) : NULL;
                x->finished = true;
                if (!x->io->resp_finish(x->io->ud, h, tr && h ? tr->n : 0))
                    x->failed = true;
                wacc_arena_fini(&a);
            }
        } else if (b->sink == 2) {
            h_client_body_done(c->w, b->cl, true);
        }
        /* sink 0: finished before the response was set; set sends it all */
    }
    hf_free(tr);
    h_out_unref(b);
    return r;
}

/* ---- incoming-request ---- */

static w2_http *req_exchange(w2_call *c)
{
    h_inreq *r = h_get(c->w, c->a[0].x.u, H_INREQ);
    return r ? h_exchange(c->w, r->gen) : NULL;
}

static uint32_t inreq_method(w2_call *c)
{
    w2_http *x = req_exchange(c);
    if (!x)
        return w2_trap(c, "incoming-request used after its request ended");
    return w2_ret(c, h_method_val(c, c->rt, x->req->method));
}

static uint32_t opt_string(w2_call *c, const char *s)
{
    if (!s)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, w2_str(c, s, strlen(s)));
    return p ? w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p)) : WACC_TRAP_HOST;
}

static uint32_t inreq_path(w2_call *c)
{
    w2_http *x = req_exchange(c);
    if (!x)
        return w2_trap(c, "incoming-request used after its request ended");
    return opt_string(c, x->req->path_with_query);
}

static uint32_t inreq_authority(w2_call *c)
{
    w2_http *x = req_exchange(c);
    if (!x)
        return w2_trap(c, "incoming-request used after its request ended");
    return opt_string(c, x->req->authority);
}

static uint32_t inreq_scheme(w2_call *c)
{
    w2_http *x = req_exchange(c);
    if (!x)
        return w2_trap(c, "incoming-request used after its request ended");
    if (!x->req->scheme)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, h_scheme_val(c, w2_case_type(c->rt, "some"), x->req->scheme));
    return p ? w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p)) : WACC_TRAP_HOST;
}

static uint32_t inreq_headers(w2_call *c)
{
    w2_http *x = req_exchange(c);
    if (!x)
        return w2_trap(c, "incoming-request used after its request ended");
    h_fields *f = hf_new(true);
    if (!f)
        return WACC_TRAP_HOST;
    for (size_t i = 0; i < x->req->nheaders; i++) {
        const wacc_http_header *h = &x->req->headers[i];
        if (!hf_add(f, h->name, h->name_len, h->value, h->value_len)) {
            hf_free(f);
            return WACC_TRAP_HOST;
        }
    }
    return h_ret_fields(c, f);
}

static uint32_t inreq_consume(w2_call *c)
{
    h_inreq *r = h_get(c->w, c->a[0].x.u, H_INREQ);
    if (!r)
        return w2_trap(c, "not an incoming-request");
    if (r->consumed || !h_exchange(c->w, r->gen))
        return h_err_unit(c);
    h_in *b = calloc(1, sizeof *b);
    if (!b)
        return WACC_TRAP_HOST;
    b->gen = r->gen;
    uint32_t rep = h_new_inbody(c->w, b);
    if (!rep) {
        free(b);
        return WACC_TRAP_HOST;
    }
    r->consumed = true;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

/* ---- outgoing-response ---- */

static uint32_t outresp_new(w2_call *c)
{
    h_fields *f = h_take_fields(c->w, c->a[0].x.u);
    if (!f)
        return w2_trap(c, "outgoing-response: not a fields");
    h_outresp *r = calloc(1, sizeof *r);
    h_out *b = calloc(1, sizeof *b);
    if (!r || !b) {
        free(r);
        free(b);
        hf_free(f);
        return WACC_TRAP_HOST;
    }
    f->immutable = true;
    r->htype = H_OUTRESP;
    r->status = 200;
    r->headers = f;
    r->out = b;
    b->refs = 1;
    b->clen = hf_content_length(f);
    if (b->clen < -1)
        b->clen = -1;
    return ret_own(c, r, false);
}

static uint32_t outresp_status(w2_call *c)
{
    h_outresp *r = h_get(c->w, c->a[0].x.u, H_OUTRESP);
    if (!r)
        return w2_trap(c, "not an outgoing-response");
    return w2_ret(c, wacc_cval_uint(WACC_CT_U16, r->status));
}

static uint32_t outresp_set_status(w2_call *c)
{
    h_outresp *r = h_get(c->w, c->a[0].x.u, H_OUTRESP);
    if (!r)
        return w2_trap(c, "not an outgoing-response");
    uint64_t s = c->a[1].x.u;
    if (s < 100 || s > 999)         /* as the http crate's StatusCode */
        return h_err_unit(c);
    r->status = (uint16_t)s;
    return w2_ok(c, NULL);
}

static uint32_t outresp_headers(w2_call *c)
{
    h_outresp *r = h_get(c->w, c->a[0].x.u, H_OUTRESP);
    if (!r)
        return w2_trap(c, "not an outgoing-response");
    h_fields *f = hf_clone(r->headers, true);
    return f ? h_ret_fields(c, f) : WACC_TRAP_HOST;
}

static uint32_t outresp_body(w2_call *c)
{
    h_outresp *r = h_get(c->w, c->a[0].x.u, H_OUTRESP);
    if (!r)
        return w2_trap(c, "not an outgoing-response");
    if (r->out->body_taken)
        return h_err_unit(c);
    uint32_t rep = h_new_outbody(c->w, r->out);
    if (!rep)
        return WACC_TRAP_HOST;
    r->out->body_taken = true;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

/* ---- response-outparam ---- */

static uint32_t outparam_set(w2_call *c)
{
    h_outparam *p = take(c->w, c->a[0].x.u, H_OUTPARAM);
    if (!p)
        return w2_trap(c, "response-outparam.set: not a response-outparam");
    uint64_t gen = p->gen;
    free(p);
    w2_http *x = h_exchange(c->w, gen);
    const wacc_cval *res = &c->a[1];
    if (res->n == 0) {
        h_outresp *r = take(c->w, res->x.payload->x.u, H_OUTRESP);
        if (!r)
            return w2_trap(c, "response-outparam.set: not an outgoing-response");
        if (!x) {
            free_impl(c->w, r);
            return 0;
        }
        if (x->set) {
            free_impl(c->w, r);
            return w2_trap(c, "response-outparam.set called twice");
        }
        x->set = true;
        wacc_http_header *h = hf_headers(r->headers, c->arena);
        if (!h) {
            free_impl(c->w, r);
            return WACC_TRAP_HOST;
        }
        x->head_sent = true;
        if (!x->io->resp_head(x->io->ud, r->status, h, r->headers->n))
            x->failed = true;
        h_out *b = r->out;
        b->refs++;
        x->out = b;
        b->sink = 1;
        b->gen = gen;
        free_impl(c->w, r);
        if (!x->failed && h_out_attach(c->w, b) != 0)
            x->failed = true;
        if (!x->failed && b->finished && !x->finished) {    /* finished before set */
            x->finished = true;
            x->io->resp_finish(x->io->ud, NULL, 0);
        }
        return 0;
    }
    if (!x)
        return 0;
    if (x->set)
        return w2_trap(c, "response-outparam.set called twice");
    x->set = true;
    x->failed = true;
    const wacc_ctype *et = w2_case_type(c->ptypes[1], "error");
    const wacc_cval *e = res->x.payload;
    const char *label = e && et && e->n < et->n ? et->fields[e->n].label : "internal-error";
    char detail[256] = "";
    if (e && e->x.payload && e->x.payload->kind == WACC_CT_OPTION && e->x.payload->n == 1 &&
        e->x.payload->x.payload && e->x.payload->x.payload->kind == WACC_CT_STRING)
        snprintf(detail, sizeof detail, "%.*s", (int)e->x.payload->x.payload->n,
                 e->x.payload->x.payload->x.str);
    x->io->resp_error(x->io->ud, label, detail);
    return 0;
}

/* ---- the generic object callbacks ---- */

static void free_impl(wacc_wasi2 *w, void *impl)
{
    if (!impl)
        return;
    switch (*(uint8_t *)impl) {
    case H_FIELDS:
        hf_free(impl);
        return;
    case H_INREQ:
    case H_OUTPARAM:
        break;
    case H_INBODY:
        h_in_unref(((h_inbody *)impl)->b);
        break;
    case H_FUTTRAIL:
        h_in_unref(((h_futtrail *)impl)->b);
        break;
    case H_OUTRESP:
        hf_free(((h_outresp *)impl)->headers);
        h_out_unref(((h_outresp *)impl)->out);
        break;
    case H_OUTBODY: {
        h_out *b = ((h_outbody *)impl)->b;
        if (!b->finished)
            out_fail(w, b, "internal-error", "outgoing-body dropped before finish");
        h_out_unref(b);
        break;
    }
    default:
        h_client_drop(w, impl);
        return;
    }
    free(impl);
}

static bool obj_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    if (!o->impl)
        return true;
    switch (*(uint8_t *)o->impl) {
    case H_FUTTRAIL:
        return trailers_ready(w, o->impl, pf, dl);
    case H_FUTRESP:
        return h_client_ready(w, o->impl, pf, dl);
    default:
        return true;
    }
}

/* ---- the server entry points ---- */

static bool is_handler_iface(const char *n)
{
    static const char base[] = "wasi:http/incoming-handler";
    size_t bl = sizeof base - 1;
    return strncmp(n, base, bl) == 0 &&
           (n[bl] == 0 || strncmp(n + bl, "@0.2.", 5) == 0);
}

static wacc_cfunc *handler_func(wacc_cinstance *ci)
{
    for (uint32_t i = 0; i < wacc_cinstance_num_exports(ci); i++) {
        char kind;
        const char *n = wacc_cinstance_export_name(ci, i, &kind);
        if (kind == 'i' && n && is_handler_iface(n)) {
            char fname[300];
            snprintf(fname, sizeof fname, "%s#handle", n);
            wacc_cfunc *f = wacc_cinstance_func(ci, fname);
            if (f)
                return f;
        }
    }
    return NULL;
}

bool wacc_wasi2_is_http_handler(wacc_cinstance *ci)
{
    return handler_func(ci) != NULL;
}

bool wacc_wasi2_http_handle(wacc_wasi2 *w, wacc_store *s, wacc_cinstance *ci,
                            const wacc_http_request *req, const wacc_http_io *io,
                            wacc_trap *trap, char err[WACC_ERR_LEN])
{
    memset(trap, 0, sizeof *trap);
    err[0] = 0;
    wacc_cfunc *f = handler_func(ci);
    if (!f) {
        snprintf(err, WACC_ERR_LEN, "the component does not export wasi:http/incoming-handler");
        io->resp_error(io->ud, "internal-error", err);
        return false;
    }
    w2_http x;
    memset(&x, 0, sizeof x);
    x.gen = ++w->http_gen;
    x.req = req;
    x.io = io;
    w2_http *saved = w->http;
    w->http = &x;
    h_inreq *r = calloc(1, sizeof *r);
    h_outparam *p = calloc(1, sizeof *p);
    uint32_t rrep = 0, prep = 0;
    if (r) {
        r->htype = H_INREQ;
        r->gen = x.gen;
        if (!(rrep = h_new_obj(w, r)))
            free(r);
    }
    if (p) {
        p->htype = H_OUTPARAM;
        p->gen = x.gen;
        if (!(prep = h_new_obj(w, p)))
            free(p);
    }
    bool ok = false;
    if (!rrep || !prep) {
        w2_release(w, rrep);
        w2_release(w, prep);
        snprintf(err, WACC_ERR_LEN, "out of memory");
        io->resp_error(io->ud, "internal-error", err);
        w->http = saved;
        return false;
    }
    wacc_cval args[2] = { wacc_cval_handle(WACC_CT_OWN, rrep), wacc_cval_handle(WACC_CT_OWN, prep) };
    wacc_arena arena;
    wacc_arena_init(&arena);
    ok = wacc_component_call(s, f, args, 2, NULL, 0, &arena, trap);
    wacc_arena_fini(&arena);
    if (!ok) {
        snprintf(err, WACC_ERR_LEN, "%s", trap->message[0] ? trap->message : wacc_trap_name(trap->code));
        if (!x.failed && !x.finished) {
            x.failed = true;
            io->resp_error(io->ud, "internal-error", err);
        }
    } else if (!x.set) {
        snprintf(err, WACC_ERR_LEN, "response-outparam was never set");
        io->resp_error(io->ud, "internal-error", err);
    } else if (!x.failed && !x.finished) {
        /* handle returned with the body never taken, or taken and still
         * held (not dropped: that failed it): the body ends here, as the
         * instance does (StarlingMonkey leaves the body of its 500 for a
         * throwing handler open; jco serve answers that 500) -- unless
         * fewer bytes than its Content-Length were written */
        h_out *b = x.out;
        if (b && b->clen >= 0 && b->written != (uint64_t)b->clen) {
            snprintf(err, WACC_ERR_LEN, "handle returned before outgoing-body.finish (%llu of "
                     "%lld Content-Length bytes)", (unsigned long long)b->written, (long long)b->clen);
            x.failed = true;
            io->resp_error(io->ud, "HTTP-response-body-size", err);
        } else {
            if (b)
                b->finished = true;
            x.finished = true;
            if (!io->resp_finish(io->ud, NULL, 0))
                x.failed = true;
        }
    }
    if (x.out)
        h_out_unref(x.out);
    w->http = saved;
    return ok;
}

const w2_fn w2_fns_http_types[] = {
    { "wasi:http/types#[method]incoming-request.method", inreq_method },
    { "wasi:http/types#[method]incoming-request.path-with-query", inreq_path },
    { "wasi:http/types#[method]incoming-request.scheme", inreq_scheme },
    { "wasi:http/types#[method]incoming-request.authority", inreq_authority },
    { "wasi:http/types#[method]incoming-request.headers", inreq_headers },
    { "wasi:http/types#[method]incoming-request.consume", inreq_consume },
    { "wasi:http/types#[method]incoming-body.stream", inbody_stream },
    { "wasi:http/types#[static]incoming-body.finish", inbody_finish },
    { "wasi:http/types#[method]future-trailers.subscribe", futtrail_subscribe },
    { "wasi:http/types#[method]future-trailers.get", futtrail_get },
    { "wasi:http/types#[constructor]outgoing-response", outresp_new },
    { "wasi:http/types#[method]outgoing-response.status-code", outresp_status },
    { "wasi:http/types#[method]outgoing-response.set-status-code", outresp_set_status },
    { "wasi:http/types#[method]outgoing-response.headers", outresp_headers },
    { "wasi:http/types#[method]outgoing-response.body", outresp_body },
    { "wasi:http/types#[method]outgoing-body.write", outbody_write },
    { "wasi:http/types#[static]outgoing-body.finish", outbody_finish },
    { "wasi:http/types#[static]response-outparam.set", outparam_set },
    { NULL, NULL },
};
