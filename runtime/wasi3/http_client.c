/*
 * http_client.c — wasi:http/client@0.3.0#send (and handler#handle when a
 * middleware imports it) as an async host function over libcurl's multi
 * interface, driven by the instance's event loop (wacc_watch_add on
 * curl's sockets and timeout).
 *
 * Only hosts granted with --allow-http HOST[:PORT] are reachable; anything
 * else is err(HTTP-request-denied). The transfer starts at once: the
 * request body streams from the guest's stream to curl's read callback
 * (curl pauses while nothing is buffered; chunked unless the guest set
 * content-length), then the request trailers (the guest's trailers future)
 * go out as chunked trailers. send completes with the response once its
 * head is in, and the body then streams into the stream consume-body
 * returns (curl pauses while the guest has not taken what is buffered).
 * request-options: connect-timeout is CURLOPT_CONNECTTIMEOUT_MS;
 * first-byte and between-bytes are deadlines on the loop (the transfer
 * ends with connection-read-timeout).
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>

#include "http3_int.h"

#define WBUF_CAP (256u * 1024)
#define MAX_WATCH 16

struct h3_clients;
struct h3_wslot {
    struct h3_clients *cs;
    wacc_watch *w;                      /* NULL: fired (the loop freed it) or none */
};

struct h3_clients {
    CURLM *multi;
    wacc_wasi3_http *h;
    struct h3_wslot w[MAX_WATCH];
    unsigned nw;
    struct h3_cl *all;
};

typedef struct h3_cl {
    struct h3_clients *cs;
    struct h3_cl *next;
    wacc_hcall *call;                   /* until the head is in */
    h3_msg *req;                        /* the request (taken) */
    CURL *easy;
    struct curl_slist *hdrs;
    char *url;
    char errbuf[CURL_ERROR_SIZE];
    /* request body: guest stream -> rchunk -> curl's read callback */
    uint8_t rchunk[16384];
    size_t roff, rlen;
    bool upload, rbusy, reof, rfail, up_paused;
    /* request trailers: the guest's future, read once the body ended */
    bool tbusy, tdone;
    h_fields *rtrailers;
    wacc_cval rtv;
    wacc_arena arena;
    bool started, in_multi;
    /* request-options first-byte / between-bytes (ns; 0: none) */
    uint64_t first_byte_ns, between_ns, t_start, last_rx;
    const char *timeout_label;
    /* response */
    long status;
    h_fields *headers;
    bool head_done, done, paused, released;
    CURLcode result;
    uint8_t *wbuf;
    size_t woff, wlen;
    wacc_hend *bw, *tw;                 /* consume-body's ends */
    bool bw_busy, tw_busy, tw_sent;
    wacc_cval tv;
    /* request.new's future: how the transmission ended */
    bool resw_busy, resw_sent;
    wacc_cval resv;
} h3_cl;

static void cl_free(h3_cl *cl)
{
    for (h3_cl **p = &cl->cs->all; *p; p = &(*p)->next)
        if (*p == cl) {
            *p = cl->next;
            break;
        }
    if (cl->easy) {
        if (cl->in_multi)
            curl_multi_remove_handle(cl->cs->multi, cl->easy);
        curl_easy_cleanup(cl->easy);
    }
    curl_slist_free_all(cl->hdrs);
    if (cl->req)
        h3_msg_free(cl->cs->h, cl->req);
    hf_free(cl->headers);
    hf_free(cl->rtrailers);
    free(cl->url);
    free(cl->wbuf);
    wacc_arena_fini(&cl->arena);
    free(cl);
}

void h3_clients_free(wacc_wasi3_http *h)
{
    struct h3_clients *cs = h->clients;
    if (!cs)
        return;
    while (cs->all) {
        h3_cl *cl = cs->all;
        cl->bw = cl->tw = NULL;         /* the instance (and its ends) is gone */
        if (cl->req)
            cl->req->contents = cl->req->trailers = cl->req->result_w = NULL;
        cl_free(cl);
    }
    curl_multi_cleanup(cs->multi);
    free(cs);
    h->clients = NULL;
}

/* ---- the loop ---- */

static void drive(struct h3_clients *cs);
static void pump(h3_cl *cl);

/* When the transfer times out waiting for the response (first byte, or
 * the next bytes while the guest takes them); 0: no such deadline. */
static uint64_t read_deadline(const h3_cl *cl)
{
    if (cl->done || !cl->in_multi)
        return 0;
    if (!cl->head_done && cl->first_byte_ns)
        return cl->t_start + cl->first_byte_ns;
    if (cl->head_done && cl->between_ns && !cl->paused)
        return cl->last_rx + cl->between_ns;
    return 0;
}

static void complete_err(h3_cl *cl, const char *label, const char *msg);

/* The transfer ended: what the guest still writes of the request goes
 * nowhere (its writes see the drop). */
static void req_ends_drop(h3_cl *cl)
{
    h3_msg *r = cl->req;
    if (!r || cl->rbusy || cl->tbusy)
        return;                         /* (after the copy in flight completes) */
    if (r->contents)
        wacc_hend_drop(r->contents);
    if (r->trailers)
        wacc_hend_drop(r->trailers);
    r->contents = r->trailers = NULL;
}

/* Transfers past their read deadline end with connection-read-timeout. */
static void check_timeouts(struct h3_clients *cs)
{
    uint64_t now = wacc_monotonic_ns();
    for (h3_cl *cl = cs->all; cl; cl = cl->next) {
        uint64_t t = read_deadline(cl);
        if (!t || now < t)
            continue;
        curl_multi_remove_handle(cs->multi, cl->easy);
        cl->in_multi = false;
        cl->done = true;
        cl->result = CURLE_OPERATION_TIMEDOUT;
        cl->timeout_label = "connection-read-timeout";
        req_ends_drop(cl);
        if (cl->call)
            complete_err(cl, cl->timeout_label, NULL);
    }
}

static uint32_t on_watch(void *ud, short revents)
{
    struct h3_wslot *slot = ud;
    (void)revents;
    slot->w = NULL;                     /* one-shot: already removed */
    drive(slot->cs);
    return 0;
}

/* Watch curl's sockets and timeout (one-shot watches, renewed each time). */
static void rewatch(struct h3_clients *cs)
{
    wacc_cinstance *ci = cs->h->ci;
    if (!ci)
        return;
    for (unsigned i = 0; i < cs->nw; i++)
        if (cs->w[i].w)
            wacc_watch_remove(ci, cs->w[i].w);
    cs->nw = 0;
    if (!cs->all)
        return;
    fd_set r, wr, ex;
    FD_ZERO(&r);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    int maxfd = -1;
    curl_multi_fdset(cs->multi, &r, &wr, &ex, &maxfd);
    long ms = -1;
    curl_multi_timeout(cs->multi, &ms);
    uint64_t dl = ms >= 0 ? wacc_monotonic_ns() + (uint64_t)ms * 1000000ull : 0;
    for (h3_cl *cl = cs->all; cl; cl = cl->next) {
        uint64_t t = read_deadline(cl);
        if (t && (dl == 0 || t < dl))
            dl = t;
    }
    bool any = false;
    for (int fd = 0; fd <= maxfd && cs->nw < MAX_WATCH - 1; fd++) {
        short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) | (FD_ISSET(fd, &wr) ? POLLOUT : 0));
        struct h3_wslot *sl = &cs->w[cs->nw];
        sl->cs = cs;
        if (ev && (sl->w = wacc_watch_add(ci, fd, ev, 0, on_watch, sl)))
            cs->nw++, any = true;
    }
    if (!any && ms < 0)
        dl = wacc_monotonic_ns() + 10000000ull;     /* curl has nothing to say: look again soon */
    struct h3_wslot *sl = &cs->w[cs->nw];
    sl->cs = cs;
    if (dl && (sl->w = wacc_watch_add(ci, -1, 0, dl, on_watch, sl)))
        cs->nw++;
}

static const char *curl_label(h3_cl *cl)
{
    return cl->timeout_label ? cl->timeout_label : h_curl_label(cl->easy, cl->result);
}

/* Complete send with err(label). */
static void complete_err(h3_cl *cl, const char *label, const char *msg)
{
    wacc_hcall *call = cl->call;
    cl->call = NULL;
    if (!call)
        return;
    const wacc_ctype *rt = wacc_cfunc_result(wacc_hcall_type(call));
    const wacc_ctype *et = rt && rt->n > 1 ? rt->fields[1].type : NULL;
    wacc_arena *a = wacc_hcall_arena(call);
    wacc_cval *ec = wacc_arena_alloc(a, sizeof *ec);
    wacc_cval r = wacc_cval_variant(WACC_CT_RESULT, 1, ec);
    if (!et || !ec || !h3_error_code(a, et, label, msg, ec))
        r.x.payload = NULL;
    wacc_hcall_return(call, &r);
}

/* Complete send with ok(response) once the head is in. */
static void complete_ok(h3_cl *cl)
{
    wacc_hcall *call = cl->call;
    cl->call = NULL;
    h3_msg *m = calloc(1, sizeof *m);
    uint32_t rep = m ? h3_add(cl->cs->h, m) : 0;
    if (!rep) {
        free(m);
        cl->call = call;
        complete_err(cl, "internal-error", "out of memory");
        return;
    }
    m->t = O3_RESPONSE;
    m->status = (uint16_t)cl->status;
    m->headers = cl->headers ? cl->headers : hf_new(true);
    cl->headers = NULL;
    m->cl = cl;
    wacc_cval *own = wacc_arena_alloc(wacc_hcall_arena(call), sizeof *own);
    if (own)
        *own = wacc_cval_handle(WACC_CT_OWN, rep);
    wacc_cval r = wacc_cval_variant(WACC_CT_RESULT, 0, own);
    wacc_hcall_return(call, &r);
}

static void drive(struct h3_clients *cs)
{
    int running, left;
    curl_multi_perform(cs->multi, &running);
    check_timeouts(cs);
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(cs->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        h3_cl *cl = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&cl);
        if (!cl)
            continue;
        cl->done = true;
        cl->result = msg->data.result;
        req_ends_drop(cl);
        if (cl->result == CURLE_OK && !cl->head_done) {
            cl->head_done = true;
            if (cl->call)
                complete_ok(cl);
        }
        if (cl->call)
            complete_err(cl, curl_label(cl), cl->errbuf[0] ? cl->errbuf : NULL);
    }
    for (h3_cl *cl = cs->all, *next; cl; cl = next) {
        next = cl->next;
        pump(cl);
    }
    rewatch(cs);
}

/* ---- curl callbacks ---- */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    h3_cl *cl = ud;
    size_t len = size * n, nl, vl;
    const char *name, *v;
    cl->last_rx = wacc_monotonic_ns();
    switch (h_curl_header_line(p, len, &cl->status, &name, &nl, &v, &vl)) {
    case H_LINE_STATUS:
        hf_free(cl->headers);
        cl->headers = hf_new(true);
        return cl->headers ? len : 0;
    case H_LINE_END:
        if (cl->status >= 200 && !cl->head_done) {
            cl->head_done = true;
            if (cl->call)
                complete_ok(cl);
        }
        return len;
    case H_LINE_SKIP:
        return len;
    }
    if (cl->head_done || !cl->headers)
        return len;
    return hf_add(cl->headers, name, nl, (const uint8_t *)v, vl) ? len : 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    h3_cl *cl = ud;
    size_t len = size * n;
    cl->last_rx = wacc_monotonic_ns();
    if (cl->released)
        return len;                     /* nobody reads it */
    if (!cl->wbuf && !(cl->wbuf = malloc(WBUF_CAP)))
        return 0;
    if (cl->woff > 0 && !cl->bw_busy) {
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

/* ---- the response body into the guest ---- */

static uint32_t on_bw(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    h3_cl *cl = ud;
    cl->bw_busy = false;
    cl->woff += n;
    if (result == WACC_COPY_DROPPED)
        cl->released = true;
    pump(cl);
    return 0;
}

static uint32_t on_tw(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)result; (void)n;
    h3_cl *cl = ud;
    cl->tw_busy = false;
    cl->tw_sent = true;
    pump(cl);
    return 0;
}

static uint32_t on_resw(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e; (void)result; (void)n;
    h3_cl *cl = ud;
    cl->resw_busy = false;
    pump(cl);
    return 0;
}

/* Once the transfer is over: request.new's future gets ok, or err(the
 * transfer's error-code). */
static void resolve_request(h3_cl *cl)
{
    h3_msg *r = cl->req;
    if (!r || !r->result_w || cl->resw_busy)
        return;
    if (!cl->resw_sent) {
        const wacc_ctype *ft = wacc_hend_type(r->result_w);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        wacc_cval *p = wacc_arena_alloc(&cl->arena, sizeof *p);
        cl->resv = wacc_cval_variant(WACC_CT_RESULT, 0, NULL);
        if (cl->result != CURLE_OK && p && rt && rt->n > 1 && rt->fields[1].type &&
            h3_error_code(&cl->arena, rt->fields[1].type, curl_label(cl), NULL, p))
            cl->resv = wacc_cval_variant(WACC_CT_RESULT, 1, p);
        cl->resw_sent = true;
        if (wacc_hend_write(r->result_w, &cl->resv, 1, on_resw, cl)) {
            cl->resw_busy = true;
            return;
        }
    }
    wacc_hend_drop(r->result_w);
    r->result_w = NULL;
}

static void pump(h3_cl *cl)
{
    if (cl->done)
        resolve_request(cl);
    if (cl->bw && !cl->bw_busy) {
        if (cl->released) {
            wacc_hend_drop(cl->bw);
            cl->bw = NULL;
        } else if (cl->woff < cl->wlen) {
            if (wacc_hend_write(cl->bw, cl->wbuf + cl->woff, (uint32_t)(cl->wlen - cl->woff), on_bw, cl))
                cl->bw_busy = true;
            else
                cl->released = true;
            return;
        } else if (cl->paused && !cl->done) {
            cl->woff = cl->wlen = 0;
            cl->paused = false;
            curl_easy_pause(cl->easy, CURLPAUSE_CONT);
        } else if (cl->done) {
            wacc_hend_drop(cl->bw);
            cl->bw = NULL;
        }
    }
    if (!cl->bw && cl->tw && cl->done && !cl->tw_busy && !cl->tw_sent) {
        const wacc_ctype *ft = wacc_hend_type(cl->tw);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        wacc_cval *p = wacc_arena_alloc(&cl->arena, sizeof *p);
        if (p && cl->result != CURLE_OK && rt && rt->n > 1 && rt->fields[1].type &&
            h3_error_code(&cl->arena, rt->fields[1].type, curl_label(cl), NULL, p)) {
            cl->tv = wacc_cval_variant(WACC_CT_RESULT, 1, p);
        } else if (p) {
            *p = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
            cl->tv = wacc_cval_variant(WACC_CT_RESULT, 0, p);
        }
        if (wacc_hend_write(cl->tw, &cl->tv, 1, on_tw, cl))
            cl->tw_busy = true;
        else
            cl->tw_sent = true;
    }
    if (cl->tw && cl->tw_sent && !cl->tw_busy) {
        wacc_hend_drop(cl->tw);
        cl->tw = NULL;
    }
    if (cl->released && cl->done && !cl->bw && !cl->tw && !cl->call && !cl->resw_busy)
        cl_free(cl);
}

void h3_client_body(h3_cl *cl, wacc_hend *bw, wacc_hend *tw, wacc_hend *res)
{
    if (res)
        wacc_hend_drop(res);
    cl->bw = bw;
    cl->tw = tw;
    pump(cl);
}

void h3_client_release(h3_cl *cl)
{
    cl->released = true;
    if (cl->paused && !cl->done) {
        cl->paused = false;
        curl_easy_pause(cl->easy, CURLPAUSE_CONT);
    }
    if (cl->done && !cl->bw && !cl->tw && !cl->call && !cl->resw_busy)
        cl_free(cl);
}

/* ---- starting a transfer ---- */

/* ---- the request body and trailers: guest -> curl ---- */

static void unpause_upload(h3_cl *cl)
{
    if (cl->up_paused && cl->in_multi && !cl->done) {
        cl->up_paused = false;
        curl_easy_pause(cl->easy, cl->paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
        drive(cl->cs);
    }
}

static uint32_t on_rbody(void *ud, wacc_hend *e, uint32_t result, uint32_t n);
static uint32_t on_rtrail(void *ud, wacc_hend *e, uint32_t result, uint32_t n);

/* Ask the guest for more body (rchunk is empty), or, once it ended, for
 * the trailers. */
static void feed(h3_cl *cl)
{
    h3_msg *r = cl->req;
    if (cl->rbusy || cl->tbusy || cl->roff < cl->rlen || !r)
        return;
    if (!cl->reof) {
        cl->roff = cl->rlen = 0;
        if (r->contents && wacc_hend_read(r->contents, cl->rchunk, sizeof cl->rchunk, NULL, on_rbody, cl)) {
            cl->rbusy = true;
            return;
        }
        cl->reof = true;
    }
    if (!cl->tdone) {
        if (r->trailers && wacc_hend_read(r->trailers, &cl->rtv, 1, &cl->arena, on_rtrail, cl)) {
            cl->tbusy = true;
            return;
        }
        cl->tdone = true;
    }
}

static uint32_t on_rbody(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    h3_cl *cl = ud;
    cl->rbusy = false;
    cl->roff = 0;
    cl->rlen = n;
    if (result != WACC_COPY_COMPLETED) {        /* the guest dropped its end: the body's end */
        cl->reof = true;
        wacc_hend_drop(cl->req->contents);
        cl->req->contents = NULL;
    }
    if (cl->done)
        req_ends_drop(cl);
    else
        feed(cl);
    unpause_upload(cl);
    return 0;
}

/* The trailers future: result<option<trailers>, error-code>. */
static uint32_t on_rtrail(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    h3_cl *cl = ud;
    cl->tbusy = false;
    cl->tdone = true;
    if (result == WACC_COPY_COMPLETED && n == 1) {
        const wacc_cval *v = &cl->rtv;
        if (v->n != 0) {
            cl->rfail = true;                   /* err(error-code): the request fails */
        } else if (v->x.payload && v->x.payload->n == 1 && v->x.payload->x.payload) {
            h3_fields *f = h3_take(cl->cs->h, v->x.payload->x.payload->x.u, O3_FIELDS);
            if (f) {
                cl->rtrailers = f->f;
                free(f);
            }
        }
    }
    wacc_hend_drop(cl->req->trailers);
    cl->req->trailers = NULL;
    unpause_upload(cl);
    return 0;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
    h3_cl *cl = ud;
    size_t cap = size * n;
    if (cl->roff < cl->rlen) {
        size_t k = cl->rlen - cl->roff < cap ? cl->rlen - cl->roff : cap;
        memcpy(p, cl->rchunk + cl->roff, k);
        cl->roff += k;
        if (cl->roff == cl->rlen)
            feed(cl);
        return k;
    }
    if (cl->rfail)
        return CURL_READFUNC_ABORT;
    if (cl->reof && cl->tdone)
        return 0;                               /* the end (then the trailers) */
    feed(cl);
    cl->up_paused = true;
    return CURL_READFUNC_PAUSE;
}

static int on_trailers(struct curl_slist **list, void *ud)
{
    h3_cl *cl = ud;
    struct curl_slist *l = h_curl_headers(cl->rtrailers, NULL);
    /* h_curl_headers starts with "Expect:" (a request header): not a trailer */
    for (struct curl_slist *i = l ? l->next : NULL; i; i = i->next) {
        struct curl_slist *nl = curl_slist_append(*list, i->data);
        if (!nl) {
            curl_slist_free_all(l);
            return CURL_TRAILERFUNC_ABORT;
        }
        *list = nl;
    }
    curl_slist_free_all(l);
    return CURL_TRAILERFUNC_OK;
}

/* ---- starting a transfer ---- */

static void start(h3_cl *cl)
{
    h3_msg *r = cl->req;
    CURL *e = cl->easy;
    const char *m = r->method;
    bool gethead = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    int64_t clen = hf_content_length(r->headers);
    cl->started = true;
    cl->upload = r->contents && (!gethead || clen > 0);
    if (!cl->upload) {              /* no body: the guest's writes see the drop */
        if (r->contents) {
            wacc_hend_drop(r->contents);
            r->contents = NULL;
        }
        if (r->trailers) {
            wacc_hend_drop(r->trailers);
            r->trailers = NULL;
        }
        cl->reof = cl->tdone = true;
    }
    if (strcmp(m, "HEAD") == 0)
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    if (cl->upload) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, cl);
        curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, on_trailers);
        curl_easy_setopt(e, CURLOPT_TRAILERDATA, cl);
        if (clen >= 0)
            curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)clen);
        if (strcmp(m, "PUT") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    } else if (!gethead) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    }
    cl->t_start = cl->last_rx = wacc_monotonic_ns();
    if (curl_multi_add_handle(cl->cs->multi, e) != CURLM_OK) {
        cl->done = cl->released = true;
        complete_err(cl, "internal-error", "curl");
        return;
    }
    cl->in_multi = true;
    feed(cl);
    drive(cl->cs);
}

static uint32_t send_fn(void *data, wacc_hcall *call, const wacc_cval *args, uint32_t nargs)
{
    wacc_wasi3_http *h = data;
    (void)nargs;
    h3_msg *r = h3_take(h, args[0].x.u, O3_REQUEST);
    if (!r)
        return WACC_TRAP_HOST;
    h3_cl tmp = { .call = call };
    bool tls = r->has_scheme && strcasecmp(r->scheme, "https") == 0;
    if (!r->has_auth || !r->authority[0]) {
        h3_msg_free(h, r);
        complete_err(&tmp, "HTTP-request-URI-invalid", "no authority");
        return 0;
    }
    if (r->has_scheme && !tls && strcasecmp(r->scheme, "http") != 0) {
        h3_msg_free(h, r);
        complete_err(&tmp, "HTTP-protocol-error", "scheme not supported");
        return 0;
    }
    if (!h->cfg || !wacc_wasi2_http_granted(h->cfg->allow_http, h->cfg->nallow_http,
                                            r->authority, tls)) {
        h3_msg_free(h, r);
        complete_err(&tmp, "HTTP-request-denied", NULL);
        return 0;
    }
    if (!h->clients) {
        struct h3_clients *cs = calloc(1, sizeof *cs);
        if (cs && !(cs->multi = curl_multi_init())) {
            free(cs);
            cs = NULL;
        }
        if (!cs) {
            h3_msg_free(h, r);
            return WACC_TRAP_OUT_OF_MEMORY;
        }
        cs->h = h;
        h->clients = cs;
    }
    h3_cl *cl = calloc(1, sizeof *cl);
    if (!cl) {
        h3_msg_free(h, r);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    cl->cs = h->clients;
    cl->call = call;
    cl->req = r;
    wacc_arena_init(&cl->arena);
    cl->next = cl->cs->all;
    cl->cs->all = cl;
    size_t ul = strlen(r->authority) + (r->has_path ? strlen(r->path) : 1) + 16;
    if (!(cl->url = malloc(ul)) || !(cl->easy = curl_easy_init())) {
        cl->call = NULL;
        cl_free(cl);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    snprintf(cl->url, ul, "%s://%s%s", tls ? "https" : "http", r->authority,
             r->has_path && r->path[0] ? r->path : "/");
    CURL *e = cl->easy;
    h_curl_common(e, cl->url, cl, cl->errbuf, on_header, on_write);
    struct curl_slist *l = h_curl_headers(r->headers, NULL);
    if (!l) {
        cl->call = NULL;
        cl_free(cl);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    cl->hdrs = l;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, l);
    if (r->opts && r->opts->has[0])
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)(r->opts->ns[0] / 1000000 ? r->opts->ns[0] / 1000000 : 1));
    if (r->opts && r->opts->has[1])
        cl->first_byte_ns = r->opts->ns[1] ? r->opts->ns[1] : 1;
    if (r->opts && r->opts->has[2])
        cl->between_ns = r->opts->ns[2] ? r->opts->ns[2] : 1;
    start(cl);
    return 0;
}

bool h3_client_func(wacc_wasi3_http *h, const wacc_cfunc *type, wacc_component_host_async_fn *fn,
                    void **data, char *err)
{
    (void)type;
    (void)err;
    *fn = send_fn;
    *data = h;
    return true;
}
