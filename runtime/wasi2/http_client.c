/*
 * http_client.c — wasi:http/outgoing-handler and the client half of
 * wasi:http/types (outgoing-request, request-options,
 * future-incoming-response, incoming-response) over libcurl's multi
 * interface.
 *
 * Only hosts granted with --allow-http HOST[:PORT] (w->allow_http) are
 * reachable; anything else is error-code.HTTP-request-denied. Bodies are
 * streamed both ways through small buffers: curl's read callback takes the
 * guest's request body (pausing while it is empty), its write callback
 * fills a buffer the guest's input-stream drains (pausing while it is
 * full). Nothing here blocks: readiness drives curl_multi_perform, and a
 * guest that waits gets curl's socket and timeout through w2_wait (so under
 * wacc serve the request's fiber parks). request-options timeouts: connect
 * through CURLOPT_CONNECTTIMEOUT_MS, first-byte and between-bytes checked
 * in the progress callback.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "http_int.h"
#include "wacc_otel.h"

#define RBUF_CAP 65536u         /* request body bytes buffered for curl */
#define WBUF_CAP (256u * 1024)  /* response body bytes buffered for the guest */
#define POLL_SLICE_NS 10000000ull   /* re-check curl at least this often when unsure */

struct h_clients {
    CURLM *multi;
};

typedef struct h_client {
    int refs;
    struct h_clients *cs;
    CURL *easy;
    struct curl_slist *hdrs;
    char *url;
    char errbuf[CURL_ERROR_SIZE];
    /* request body */
    bool upload, body_done, body_failed;
    uint8_t *rbuf;
    size_t roff, rlen, rcap;
    /* response */
    long status;
    bool head_done, done, taken;
    CURLcode result;
    const char *timeout_label;  /* first-byte / between-bytes abort */
    h_fields *headers, *trailers;
    uint8_t *wbuf;
    size_t woff, wlen;
    bool paused;                /* a callback paused the transfer */
    /* request-options (ns; 0: none) */
    uint64_t first_byte_ns, between_ns;
    uint64_t started, last_rx;
    /* its CLIENT span (wacc_wasi2_set_trace), ended once with the status */
    struct wacc_otel *otel;
    bool traced;
    wacc_span span;
} h_client;

typedef struct h_outreq {
    uint8_t htype;
    h_fields *headers;
    char *method;               /* token; NULL: GET */
    char *scheme;               /* "http", "https", other; NULL: none */
    char *authority, *path;     /* NULL: none */
    h_out *out;
} h_outreq;

typedef struct h_opts {
    uint8_t htype;
    uint64_t t[3];              /* connect, first-byte, between-bytes (ns) */
    bool set[3];
} h_opts;

typedef struct h_futresp {
    uint8_t htype;
    bool got;
    h_client *cl;
} h_futresp;

typedef struct h_inresp {
    uint8_t htype;
    bool consumed;
    uint16_t status;
    h_fields *headers;
    h_client *cl;
} h_inresp;

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* ---- the multi handle ---- */

static struct h_clients *clients(wacc_wasi2 *w)
{
    if (!w->clients) {
        /* reference counted by libcurl; thread-safe since 7.84 */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        struct h_clients *cs = calloc(1, sizeof *cs);
        if (!cs || !(cs->multi = curl_multi_init())) {
            free(cs);
            curl_global_cleanup();
            return NULL;
        }
        w->clients = cs;
    }
    return w->clients;
}

void h_client_free_all(wacc_wasi2 *w)
{
    if (w->clients) {
        curl_multi_cleanup(w->clients->multi);
        free(w->clients);
        w->clients = NULL;
        curl_global_cleanup();
    }
}

void wacc_wasi2_set_trace(wacc_wasi2 *w, struct wacc_otel *o, const struct wacc_span_context *parent)
{
    w->otel = o;
    w->trace_parent = o ? parent : NULL;
}

/* End the transfer's span (once): the response status, 0 if it failed. */
static void span_end(h_client *cl)
{
    if (!cl->traced)
        return;
    cl->traced = false;
    bool ok = cl->done ? cl->result == CURLE_OK : cl->head_done;
    wacc_otel_http_end(cl->otel, &cl->span, ok ? (int)cl->status : 0);
}

void h_client_unref(h_client *cl)
{
    if (!cl || --cl->refs > 0)
        return;
    span_end(cl);
    if (cl->easy) {
        curl_multi_remove_handle(cl->cs->multi, cl->easy);
        curl_easy_cleanup(cl->easy);
    }
    curl_slist_free_all(cl->hdrs);
    hf_free(cl->headers);
    hf_free(cl->trailers);
    free(cl->url);
    free(cl->rbuf);
    free(cl->wbuf);
    free(cl);
}

/* Run curl and collect finished transfers. */
static void drive(wacc_wasi2 *w)
{
    struct h_clients *cs = w->clients;
    if (!cs)
        return;
    int running, left;
    curl_multi_perform(cs->multi, &running);
    CURLMsg *m;
    while ((m = curl_multi_info_read(cs->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        h_client *cl = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&cl);
        if (cl) {
            cl->done = true;
            cl->result = m->data.result;
            span_end(cl);
        }
    }
}

static void unpause(wacc_wasi2 *w, h_client *cl)
{
    if (cl->paused && !cl->done) {
        cl->paused = false;
        curl_easy_pause(cl->easy, CURLPAUSE_CONT);
    }
    drive(w);
}

/* What moves curl: one of its fds (the first; with several, a short
 * deadline re-checks the others) and its timeout. */
static void curl_wait_info(wacc_wasi2 *w, h_client *cl, struct pollfd *pf, uint64_t *dl)
{
    struct h_clients *cs = w->clients;
    uint64_t now = w2_now_ns(), d = 0;
    fd_set r, wr, ex;
    FD_ZERO(&r);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    int maxfd = -1, nfd = 0;
    curl_multi_fdset(cs->multi, &r, &wr, &ex, &maxfd);
    for (int fd = 0; fd <= maxfd; fd++) {
        short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) | (FD_ISSET(fd, &wr) ? POLLOUT : 0));
        if (!ev)
            continue;
        if (nfd++ == 0) {
            pf->fd = fd;
            pf->events = ev;
        }
    }
    long ms = -1;
    curl_multi_timeout(cs->multi, &ms);
    if (ms >= 0)
        d = now + (uint64_t)ms * 1000000ull;
    if (nfd != 1 && (d == 0 || d > now + POLL_SLICE_NS))
        d = now + POLL_SLICE_NS;
    if (cl && !cl->head_done && cl->first_byte_ns) {
        uint64_t t = cl->started + cl->first_byte_ns;
        if (d == 0 || t < d)
            d = t;
    }
    if (cl && cl->head_done && cl->between_ns) {
        uint64_t t = cl->last_rx + cl->between_ns;
        if (d == 0 || t < d)
            d = t;
    }
    if (d && (*dl == 0 || d < *dl))
        *dl = d;
}

/* ---- curl callbacks ---- */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    h_client *cl = ud;
    size_t len = size * n, nl, vl;
    const char *name, *v;
    cl->last_rx = w2_now_ns();
    switch (h_curl_header_line(p, len, &cl->status, &name, &nl, &v, &vl)) {
    case H_LINE_STATUS:
        hf_free(cl->headers);
        cl->headers = hf_new(true);
        return cl->headers ? len : 0;
    case H_LINE_END:                    /* end of a header block */
        if (cl->status >= 200 && !cl->head_done)
            cl->head_done = true;
        return len;
    case H_LINE_SKIP:
        return len;
    }
    h_fields *f;
    if (cl->head_done) {
        if (!cl->trailers && !(cl->trailers = hf_new(true)))
            return 0;
        f = cl->trailers;
    } else {
        if (!cl->headers && !(cl->headers = hf_new(true)))
            return 0;
        f = cl->headers;
    }
    return hf_add(f, name, nl, (const uint8_t *)v, vl) ? len : 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    h_client *cl = ud;
    size_t len = size * n;
    cl->last_rx = w2_now_ns();
    cl->head_done = true;
    if (!cl->wbuf && !(cl->wbuf = malloc(WBUF_CAP)))
        return 0;
    if (cl->woff > 0 && cl->woff == cl->wlen)
        cl->woff = cl->wlen = 0;
    if (WBUF_CAP - cl->wlen < len && cl->woff > 0) {
        memmove(cl->wbuf, cl->wbuf + cl->woff, cl->wlen - cl->woff);
        cl->wlen -= cl->woff;
        cl->woff = 0;
    }
    if (WBUF_CAP - cl->wlen < len) {
        cl->paused = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    memcpy(cl->wbuf + cl->wlen, p, len);
    cl->wlen += len;
    return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    h_client *cl = ud;
    size_t cap = size * n, have = cl->rlen - cl->roff;
    if (have) {
        size_t k = have < cap ? have : cap;
        memcpy(p, cl->rbuf + cl->roff, k);
        cl->roff += k;
        if (cl->roff == cl->rlen)
            cl->roff = cl->rlen = 0;
        return k;
    }
    if (cl->body_failed)
        return CURL_READFUNC_ABORT;
    if (cl->body_done)
        return 0;
    cl->paused = true;
    return CURL_READFUNC_PAUSE;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    h_client *cl = ud;
    uint64_t now = w2_now_ns();
    if (!cl->head_done && cl->first_byte_ns && now > cl->started + cl->first_byte_ns) {
        cl->timeout_label = "connection-read-timeout";
        return 1;
    }
    if (cl->head_done && !cl->done && cl->between_ns && !cl->paused &&
        now > cl->last_rx + cl->between_ns) {
        cl->timeout_label = "connection-read-timeout";
        return 1;
    }
    return 0;
}

/* ---- bodies (called from http_types.c) ---- */

long h_client_read(wacc_wasi2 *w, h_client *cl, uint8_t *buf, size_t cap, int *err)
{
    for (int pass = 0; pass < 2; pass++) {
        if (cl->wlen > cl->woff) {
            size_t k = cl->wlen - cl->woff;
            if (k > cap)
                k = cap;
            memcpy(buf, cl->wbuf + cl->woff, k);
            cl->woff += k;
            if (cl->paused)
                unpause(w, cl);
            return (long)k;
        }
        if (cl->done) {
            if (cl->result == CURLE_OK)
                return -1;
            *err = EIO;
            return -2;
        }
        if (pass == 0)
            drive(w);
    }
    return 0;
}

bool h_client_in_ready(wacc_wasi2 *w, h_client *cl, struct pollfd *pf, uint64_t *dl)
{
    drive(w);
    if (cl->wlen > cl->woff || cl->done)
        return true;
    curl_wait_info(w, cl, pf, dl);
    return false;
}

uint64_t h_client_room(wacc_wasi2 *w, h_client *cl)
{
    (void)w;
    if (cl->done || cl->body_failed)
        return RBUF_CAP;        /* the write reports the failure */
    size_t pending = cl->rlen - cl->roff;
    return pending < RBUF_CAP ? RBUF_CAP - pending : 0;
}

int h_client_write(wacc_wasi2 *w, h_client *cl, const uint8_t *p, size_t n)
{
    if (cl->done && cl->result != CURLE_OK)
        return EPIPE;
    if (cl->done)               /* the server answered without reading it all */
        return 0;
    if (cl->roff > 0) {
        memmove(cl->rbuf, cl->rbuf + cl->roff, cl->rlen - cl->roff);
        cl->rlen -= cl->roff;
        cl->roff = 0;
    }
    if (!cl->rbuf || n > cl->rcap - cl->rlen) {
        /* RBUF_CAP normally (room); more once, for what the guest wrote
         * before outgoing-handler.handle */
        size_t cap = cl->rlen + n > RBUF_CAP ? cl->rlen + n : RBUF_CAP;
        uint8_t *nb = realloc(cl->rbuf, cap);
        if (!nb)
            return ENOMEM;
        cl->rbuf = nb;
        cl->rcap = cap;
    }
    memcpy(cl->rbuf + cl->rlen, p, n);
    cl->rlen += n;
    unpause(w, cl);
    return 0;
}

bool h_client_out_ready(wacc_wasi2 *w, h_client *cl, struct pollfd *pf, uint64_t *dl)
{
    drive(w);
    if (cl->done || cl->rlen - cl->roff < RBUF_CAP)
        return true;
    curl_wait_info(w, cl, pf, dl);
    return false;
}

void h_client_body_done(wacc_wasi2 *w, h_client *cl, bool ok)
{
    if (!cl)
        return;
    if (ok)
        cl->body_done = true;
    else
        cl->body_failed = true;
    unpause(w, cl);
}

/* ---- error codes ---- */

static const char *curl_label(h_client *cl)
{
    return cl->timeout_label ? cl->timeout_label : h_curl_label(cl->easy, cl->result);
}

/* ---- outgoing-request ---- */

static h_outreq *oreq(w2_call *c)
{
    return h_get(c->w, c->a[0].x.u, H_OUTREQ);
}

static uint32_t oreq_new(w2_call *c)
{
    h_fields *f = h_take_fields(c->w, c->a[0].x.u);
    if (!f)
        return w2_trap(c, "outgoing-request: not a fields");
    h_outreq *r = calloc(1, sizeof *r);
    h_out *b = calloc(1, sizeof *b);
    if (!r || !b) {
        free(r);
        free(b);
        hf_free(f);
        return WACC_TRAP_HOST;
    }
    f->immutable = true;
    r->htype = H_OUTREQ;
    r->headers = f;
    r->out = b;
    b->refs = 1;
    b->clen = hf_content_length(f);
    if (b->clen < -1)
        b->clen = -1;
    uint32_t rep = h_new_obj(c->w, r);
    if (!rep) {
        h_client_drop(c->w, r);
        return WACC_TRAP_HOST;
    }
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

static uint32_t unit_err(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
}

static uint32_t oreq_body(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    if (r->out->body_taken)
        return unit_err(c);
    uint32_t rep = h_new_outbody(c->w, r->out);
    if (!rep)
        return WACC_TRAP_HOST;
    r->out->body_taken = true;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t oreq_method(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    return w2_ret(c, h_method_val(c, c->rt, r->method ? r->method : "GET"));
}

static bool is_token(const char *s, size_t n)
{
    const char *bad = hf_check(s, n, NULL, 0, false);     /* names are tokens too */
    return !bad || strcmp(bad, "invalid-syntax") != 0;
}

static uint32_t oreq_set_method(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    const wacc_cval *v = &c->a[1];
    const char *m = h_method_str(v, c->ptypes[1]);
    size_t n = v->x.payload ? v->x.payload->n : (m ? strlen(m) : 0);
    if (!m || !is_token(m, n))
        return unit_err(c);
    char *d = dupn(m, n);
    if (!d)
        return WACC_TRAP_HOST;
    free(r->method);
    r->method = d;
    return w2_ok(c, NULL);
}

static uint32_t opt_str(w2_call *c, const char *s)
{
    if (!s)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, w2_str(c, s, strlen(s)));
    return p ? w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p)) : WACC_TRAP_HOST;
}

static uint32_t oreq_path(w2_call *c)
{
    h_outreq *r = oreq(c);
    return r ? opt_str(c, r->path) : w2_trap(c, "not an outgoing-request");
}

static uint32_t oreq_authority(w2_call *c)
{
    h_outreq *r = oreq(c);
    return r ? opt_str(c, r->authority) : w2_trap(c, "not an outgoing-request");
}

/* Set *slot from option<string> argument 1 if ok(s, n) accepts it. */
static uint32_t set_opt_string(w2_call *c, char **slot, bool (*ok)(const char *, size_t))
{
    const wacc_cval *v = &c->a[1];
    char *d = NULL;
    if (v->n == 1) {
        const wacc_cval *s = v->x.payload;
        if (!ok(s->x.str, s->n))
            return unit_err(c);
        if (!(d = dupn(s->x.str, s->n)))
            return WACC_TRAP_HOST;
    }
    free(*slot);
    *slot = d;
    return w2_ok(c, NULL);
}

static bool path_ok(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '/' && !(n == 1 && s[0] == '*')))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '#')
            return false;
    return true;
}

static bool authority_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(ch > 0x20 && ch < 0x7f) || strchr("/?#@\\\"<>{}|^`", ch))
            return false;
    }
    return true;
}

static uint32_t oreq_set_path(w2_call *c)
{
    h_outreq *r = oreq(c);
    return r ? set_opt_string(c, &r->path, path_ok) : w2_trap(c, "not an outgoing-request");
}

static uint32_t oreq_set_authority(w2_call *c)
{
    h_outreq *r = oreq(c);
    return r ? set_opt_string(c, &r->authority, authority_ok) : w2_trap(c, "not an outgoing-request");
}

static uint32_t oreq_scheme(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    if (!r->scheme)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, h_scheme_val(c, w2_case_type(c->rt, "some"), r->scheme));
    return p ? w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p)) : WACC_TRAP_HOST;
}

static uint32_t oreq_set_scheme(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    const wacc_cval *v = &c->a[1];
    char *d = NULL;
    if (v->n == 1) {
        const wacc_ctype *st = w2_case_type(c->ptypes[1], "some");
        const char *s = h_scheme_str(v->x.payload, st);
        const wacc_cval *pl = v->x.payload->x.payload;
        size_t n = pl ? pl->n : (s ? strlen(s) : 0);
        if (!s || n == 0)
            return unit_err(c);
        for (size_t i = 0; i < n; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                  (i > 0 && ((s[i] >= '0' && s[i] <= '9') || strchr("+-.", s[i])))))
                return unit_err(c);
        if (!(d = dupn(s, n)))
            return WACC_TRAP_HOST;
    }
    free(r->scheme);
    r->scheme = d;
    return w2_ok(c, NULL);
}

static uint32_t oreq_headers(w2_call *c)
{
    h_outreq *r = oreq(c);
    if (!r)
        return w2_trap(c, "not an outgoing-request");
    h_fields *f = hf_clone(r->headers, true);
    return f ? h_ret_fields(c, f) : WACC_TRAP_HOST;
}

/* ---- request-options ---- */

static uint32_t opts_new(w2_call *c)
{
    h_opts *o = calloc(1, sizeof *o);
    if (!o)
        return WACC_TRAP_HOST;
    o->htype = H_OPTS;
    uint32_t rep = h_new_obj(c->w, o);
    if (!rep) {
        free(o);
        return WACC_TRAP_HOST;
    }
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

static uint32_t opts_get(w2_call *c, int i)
{
    h_opts *o = h_get(c->w, c->a[0].x.u, H_OPTS);
    if (!o)
        return w2_trap(c, "not a request-options");
    if (!o->set[i])
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, wacc_cval_uint(WACC_CT_U64, o->t[i]));
    return p ? w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p)) : WACC_TRAP_HOST;
}

static uint32_t opts_set(w2_call *c, int i)
{
    h_opts *o = h_get(c->w, c->a[0].x.u, H_OPTS);
    if (!o)
        return w2_trap(c, "not a request-options");
    o->set[i] = c->a[1].n == 1;
    o->t[i] = o->set[i] ? c->a[1].x.payload->x.u : 0;
    return w2_ok(c, NULL);
}

static uint32_t opts_connect(w2_call *c) { return opts_get(c, 0); }
static uint32_t opts_first(w2_call *c) { return opts_get(c, 1); }
static uint32_t opts_between(w2_call *c) { return opts_get(c, 2); }
static uint32_t opts_set_connect(w2_call *c) { return opts_set(c, 0); }
static uint32_t opts_set_first(w2_call *c) { return opts_set(c, 1); }
static uint32_t opts_set_between(w2_call *c) { return opts_set(c, 2); }

/* ---- outgoing-handler.handle ---- */

/* Is host[:port] of the request granted by an --allow-http entry
 * ("HOST" grants every port, "HOST:PORT" that one)? */
bool wacc_wasi2_http_granted(const char *const *allow, uint32_t nallow,
                             const char *authority, bool tls)
{
    const char *host = authority, *end;
    if (host[0] == '[') {
        end = strchr(host, ']');
        if (!end)
            return false;
        end++;
    } else {
        end = strrchr(host, ':');
        if (!end)
            end = host + strlen(host);
    }
    size_t hl = (size_t)(end - host);
    long port = *end == ':' ? strtol(end + 1, NULL, 10) : (tls ? 443 : 80);
    for (uint32_t i = 0; i < nallow; i++) {
        const char *g = allow[i], *ge;
        if (g[0] == '[') {
            ge = strchr(g, ']');
            ge = ge ? ge + 1 : g + strlen(g);
        } else {
            ge = strrchr(g, ':');
            if (!ge)
                ge = g + strlen(g);
        }
        size_t gl = (size_t)(ge - g);
        if (gl != hl || strncasecmp(g, host, hl) != 0)
            continue;
        if (*ge != ':' || strtol(ge + 1, NULL, 10) == port)
            return true;
    }
    return false;
}

static h_client *start(w2_call *c, h_outreq *r, h_opts *o, const char **label)
{
    struct h_clients *cs = clients(c->w);
    *label = "internal-error";
    if (!cs)
        return NULL;
    h_client *cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->refs = 1;
    cl->cs = cs;
    bool tls = !r->scheme || strcasecmp(r->scheme, "https") == 0;
    size_t ul = strlen(r->authority) + (r->path ? strlen(r->path) : 1) + 16;
    if (!(cl->url = malloc(ul)) || !(cl->easy = curl_easy_init())) {
        h_client_unref(cl);
        return NULL;
    }
    snprintf(cl->url, ul, "%s://%s%s", tls ? "https" : "http", r->authority, r->path ? r->path : "/");
    CURL *e = cl->easy;
    h_curl_common(e, cl->url, cl, cl->errbuf, on_header, on_write);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, cl);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_HTTP_TRANSFER_DECODING, 1L);
    const char *m = r->method ? r->method : "GET";
    bool body = r->out->body_taken;
    if (strcmp(m, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (body) {
        cl->upload = true;
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, cl);
        if (r->out->clen >= 0)
            curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->out->clen);
    }
    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && !(body && strcmp(m, "PUT") == 0))
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    else if (strcmp(m, "GET") == 0 && body)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");
    /* headers: the guest's, less the ones curl writes from the options */
    char tp[56];
    if (c->w->otel) {                   /* a CLIENT span; its id goes out as traceparent */
        cl->otel = c->w->otel;
        cl->traced = true;
        wacc_otel_http_client_begin(cl->otel, &cl->span, w2_trace_current(c->w), m, cl->url, tp);
    }
    struct curl_slist *l = h_curl_headers(r->headers, cl->traced ? tp : NULL);
    if (!l) {
        h_client_unref(cl);
        return NULL;
    }
    cl->hdrs = l;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, l);
    if (o && o->set[0])
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->t[0] / 1000000 ? o->t[0] / 1000000 : 1));
    if (o && o->set[1])
        cl->first_byte_ns = o->t[1] ? o->t[1] : 1;
    if (o && o->set[2])
        cl->between_ns = o->t[2] ? o->t[2] : 1;
    cl->started = cl->last_rx = w2_now_ns();
    if (curl_multi_add_handle(cs->multi, e) != CURLM_OK) {
        h_client_unref(cl);
        return NULL;
    }
    *label = NULL;
    return cl;
}

static uint32_t oh_handle(w2_call *c)
{
    h_outreq *r = h_get(c->w, c->a[0].x.u, H_OUTREQ);
    if (!r)
        return w2_trap(c, "outgoing-handler.handle: not an outgoing-request");
    c->w->objs[c->a[0].x.u].impl = NULL;
    w2_release(c->w, (uint32_t)c->a[0].x.u);
    h_opts *o = NULL;
    if (c->a[1].n == 1) {
        uint64_t orep = c->a[1].x.payload->x.u;
        o = h_get(c->w, orep, H_OPTS);
        if (o) {
            c->w->objs[orep].impl = NULL;
            w2_release(c->w, (uint32_t)orep);
        }
    }
    uint32_t ret;
    const char *label = NULL;
    bool tls = !r->scheme || strcasecmp(r->scheme, "https") == 0;
    if (r->scheme && strcasecmp(r->scheme, "http") != 0 && strcasecmp(r->scheme, "https") != 0)
        label = "HTTP-protocol-error";
    else if (!r->authority)
        label = "HTTP-request-URI-invalid";
    else if (!wacc_wasi2_http_granted((const char *const *)c->w->allow_http, c->w->nallow_http,
                                          r->authority, tls))
        label = "HTTP-request-denied";
    h_client *cl = label ? NULL : start(c, r, o, &label);
    if (!cl) {
        ret = h_err(c, label, NULL);
    } else {
        /* the request body (already taken, or never) now feeds curl */
        h_out *b = r->out;
        b->sink = 2;
        b->cl = cl;
        cl->refs++;
        if (b->finished)
            cl->body_done = true;
        else if (b->failed)
            cl->body_failed = true;
        else if (!b->body_taken)
            cl->body_done = true;
        h_out_attach(c->w, b);
        h_futresp *f = calloc(1, sizeof *f);
        uint32_t rep = f ? h_new_obj(c->w, f) : 0;
        if (!rep) {
            free(f);
            h_client_unref(cl);
            ret = WACC_TRAP_HOST;
        } else {
            f->htype = H_FUTRESP;
            f->cl = cl;
            drive(c->w);
            wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
            ret = w2_ok(c, &h);
        }
    }
    h_client_drop(c->w, r);
    free(o);
    return ret;
}

/* ---- future-incoming-response, incoming-response ---- */

static bool futresp_ready(wacc_wasi2 *w, h_futresp *f, struct pollfd *pf, uint64_t *dl)
{
    if (f->got || !f->cl)
        return true;
    drive(w);
    if (f->cl->head_done || f->cl->done)
        return true;
    curl_wait_info(w, f->cl, pf, dl);
    return false;
}

bool h_client_ready(wacc_wasi2 *w, void *impl, struct pollfd *pf, uint64_t *dl)
{
    return *(uint8_t *)impl == H_FUTRESP ? futresp_ready(w, impl, pf, dl) : true;
}

static uint32_t futresp_subscribe(w2_call *c)
{
    return h_future_subscribe(c, H_FUTRESP, "not a future-incoming-response");
}

static uint32_t futresp_get(w2_call *c)
{
    h_futresp *f = h_get(c->w, c->a[0].x.u, H_FUTRESP);
    if (!f)
        return w2_trap(c, "not a future-incoming-response");
    struct pollfd pf;
    uint64_t dl = 0;
    if (!futresp_ready(c->w, f, &pf, &dl))
        return h_future_none(c);
    if (f->got)
        return h_future_taken(c);
    h_client *cl = f->cl;
    uint32_t code;
    if (cl->head_done && cl->status >= 100) {
        h_inresp *ir = calloc(1, sizeof *ir);
        uint32_t rep = ir ? h_new_obj(c->w, ir) : 0;
        if (!rep) {
            free(ir);
            return WACC_TRAP_HOST;
        }
        ir->htype = H_INRESP;
        ir->status = (uint16_t)cl->status;
        ir->headers = cl->headers;
        cl->headers = NULL;
        ir->cl = cl;
        cl->refs++;
        code = h_future_ok(c, wacc_cval_handle(WACC_CT_OWN, rep));
    } else {
        const char *label = cl->done ? curl_label(cl) : "HTTP-response-incomplete";
        const char *msg = cl->errbuf[0] ? cl->errbuf : curl_easy_strerror(cl->result);
        code = h_future_error(c, label, msg);
    }
    if (code == 0)
        f->got = true;
    return code;
}

static uint32_t iresp_status(w2_call *c)
{
    h_inresp *r = h_get(c->w, c->a[0].x.u, H_INRESP);
    return r ? w2_ret(c, wacc_cval_uint(WACC_CT_U16, r->status)) : w2_trap(c, "not an incoming-response");
}

static uint32_t iresp_headers(w2_call *c)
{
    h_inresp *r = h_get(c->w, c->a[0].x.u, H_INRESP);
    if (!r)
        return w2_trap(c, "not an incoming-response");
    h_fields *f = hf_clone(r->headers, true);
    return f ? h_ret_fields(c, f) : WACC_TRAP_HOST;
}

static uint32_t iresp_consume(w2_call *c)
{
    h_inresp *r = h_get(c->w, c->a[0].x.u, H_INRESP);
    if (!r)
        return w2_trap(c, "not an incoming-response");
    if (r->consumed)
        return unit_err(c);
    h_in *b = calloc(1, sizeof *b);
    if (!b)
        return WACC_TRAP_HOST;
    b->cl = r->cl;
    r->cl->refs++;
    uint32_t rep = h_new_inbody(c->w, b);
    if (!rep) {
        h_in_unref(b);
        return WACC_TRAP_HOST;
    }
    r->consumed = true;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t http_error_code(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
}

/* ---- object release (from http_types.c) ---- */

void h_client_drop(wacc_wasi2 *w, void *impl)
{
    (void)w;
    switch (*(uint8_t *)impl) {
    case H_OUTREQ: {
        h_outreq *r = impl;
        hf_free(r->headers);
        h_out_unref(r->out);
        free(r->method);
        free(r->scheme);
        free(r->authority);
        free(r->path);
        break;
    }
    case H_FUTRESP:
        h_client_unref(((h_futresp *)impl)->cl);
        break;
    case H_INRESP:
        hf_free(((h_inresp *)impl)->headers);
        h_client_unref(((h_inresp *)impl)->cl);
        break;
    default:
        break;
    }
    free(impl);
}

const w2_fn w2_fns_http_client[] = {
    { "wasi:http/outgoing-handler#handle", oh_handle },
    { "wasi:http/types#[constructor]outgoing-request", oreq_new },
    { "wasi:http/types#[method]outgoing-request.body", oreq_body },
    { "wasi:http/types#[method]outgoing-request.method", oreq_method },
    { "wasi:http/types#[method]outgoing-request.set-method", oreq_set_method },
    { "wasi:http/types#[method]outgoing-request.path-with-query", oreq_path },
    { "wasi:http/types#[method]outgoing-request.set-path-with-query", oreq_set_path },
    { "wasi:http/types#[method]outgoing-request.scheme", oreq_scheme },
    { "wasi:http/types#[method]outgoing-request.set-scheme", oreq_set_scheme },
    { "wasi:http/types#[method]outgoing-request.authority", oreq_authority },
    { "wasi:http/types#[method]outgoing-request.set-authority", oreq_set_authority },
    { "wasi:http/types#[method]outgoing-request.headers", oreq_headers },
    { "wasi:http/types#[constructor]request-options", opts_new },
    { "wasi:http/types#[method]request-options.connect-timeout", opts_connect },
    { "wasi:http/types#[method]request-options.set-connect-timeout", opts_set_connect },
    { "wasi:http/types#[method]request-options.first-byte-timeout", opts_first },
    { "wasi:http/types#[method]request-options.set-first-byte-timeout", opts_set_first },
    { "wasi:http/types#[method]request-options.between-bytes-timeout", opts_between },
    { "wasi:http/types#[method]request-options.set-between-bytes-timeout", opts_set_between },
    { "wasi:http/types#[method]future-incoming-response.subscribe", futresp_subscribe },
    { "wasi:http/types#[method]future-incoming-response.get", futresp_get },
    { "wasi:http/types#[method]incoming-response.status", iresp_status },
    { "wasi:http/types#[method]incoming-response.headers", iresp_headers },
    { "wasi:http/types#[method]incoming-response.consume", iresp_consume },
    { "wasi:http/types#http-error-code", http_error_code },
    { NULL, NULL },
};
