/*
 * request.c — one request: its route, its fiber, the wacc_http_io
 * callbacks the guest's body and response go through, the waiter that
 * parks the fiber, a fresh component instance, and the access-log line.
 *
 * The io callbacks run on the request's fiber and never block: "nothing
 * yet" makes the guest wait (req_wait), which parks the fiber; the
 * connection's drive loop resumes it when its I/O moved (kicked), a polled
 * fd is ready or its timer fired.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve_int.h"

/* ---- routing ---- */

const wacc_serve_route *sv_route(const wacc_serve *sv, const char *path)
{
    for (unsigned i = 0; i < sv->nroutes; i++) {       /* longest prefix first */
        const char *p = sv->routes[i].prefix;
        size_t n = strlen(p);
        if (n > 0 && p[n - 1] == '/')
            n--;                        /* "/" and "/api/" match like "" and "/api" */
        if (strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/' || path[n] == '?'))
            return &sv->routes[i];
    }
    return NULL;
}

/* ---- the access log ---- */

void sv_log(const wacc_serve *sv, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(sv->cfg.log_fd, line, (size_t)n);     /* one write: lines never interleave */
    (void)w;
}

/* ---- response ---- */

static bool is_hop_header(const char *name, size_t n)
{
    static const char *const hop[] = { "connection", "transfer-encoding", "keep-alive",
                                       "upgrade", "proxy-connection", "te", "trailer" };
    for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
        if (strlen(hop[i]) == n && strncasecmp(hop[i], name, n) == 0)
            return true;
    return false;
}

static bool gone(struct request *r)
{
    return r->c->closing || r->replied;
}

static bool io_head(void *ud, unsigned status, const wacc_http_header *h, size_t n)
{
    struct request *r = ud;
    struct conn *c = r->c;
    if (gone(r) || r->head_sent)
        return false;
    if (status < 100 || status > 999)
        status = 500;
    r->status = status;
    r->head_sent = true;
    bool is_head = r->hreq.method[0] == 'H' && strcmp(r->hreq.method, "HEAD") == 0;
    r->no_body = is_head || status == 204 || status == 304 || status < 200;
    char line[128];
    const char *reason = http_status_str((enum http_status)status);
    int len = snprintf(line, sizeof line, "HTTP/1.1 %u %s\r\n", status,
                       strcmp(reason, "<unknown>") == 0 ? "Unknown" : reason);
    sv_out(c, line, (size_t)len);
    for (size_t i = 0; i < n; i++) {
        if (is_hop_header(h[i].name, h[i].name_len))
            continue;
        if (h[i].name_len == 14 && strncasecmp(h[i].name, "content-length", 14) == 0) {
            char v[24];
            size_t vl = h[i].value_len < sizeof v - 1 ? h[i].value_len : sizeof v - 1;
            memcpy(v, h[i].value, vl);
            v[vl] = '\0';
            char *end;
            unsigned long long cl = strtoull(v, &end, 10);
            if (end == v || *end != '\0' || r->has_cl)
                continue;       /* an invalid or second one is dropped */
            r->has_cl = true;
            r->cl_left = is_head ? 0 : cl;
        }
        sv_out(c, h[i].name, h[i].name_len);
        sv_out(c, ": ", 2);
        sv_out(c, h[i].value, h[i].value_len);
        sv_out(c, "\r\n", 2);
    }
    if (!r->has_cl && !r->no_body) {
        if (c->parser.http_major > 1 || (c->parser.http_major == 1 && c->parser.http_minor >= 1))
            r->chunked = true;
        else
            c->keepalive = false;       /* HTTP/1.0: the end of the body is the close */
    }
    if (r->chunked)
        sv_out(c, "transfer-encoding: chunked\r\n", 28);
    if (!c->keepalive)
        sv_out(c, "connection: close\r\n", 19);
    else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
        sv_out(c, "connection: keep-alive\r\n", 24);     /* HTTP/1.0 closes otherwise */
    sv_out(c, "\r\n", 2);
    return !c->closing;
}

static size_t io_room(void *ud)
{
    struct request *r = ud;
    if (gone(r))
        return OUT_MAX;                 /* the write fails at once */
    size_t q = sv_out_queued(r->c);
    return q >= OUT_MAX ? 0 : OUT_MAX - q;
}

static bool io_write(void *ud, const uint8_t *p, size_t n)
{
    struct request *r = ud;
    struct conn *c = r->c;
    if (gone(r) || !r->head_sent || r->finished)
        return false;
    if (n == 0)
        return true;
    r->resp_bytes += n;
    if (r->no_body)
        return true;
    if (r->has_cl) {
        if (n > r->cl_left) {           /* more than content-length said */
            snprintf(r->detail, sizeof r->detail, "response body longer than content-length");
            r->failed = true;
            c->keepalive = false;
            n = (size_t)r->cl_left;
        }
        r->cl_left -= n;
        sv_out(c, p, n);
        return !r->failed && !c->closing;
    }
    if (r->chunked) {
        char hdr[24];
        int hl = snprintf(hdr, sizeof hdr, "%zx\r\n", n);
        sv_out(c, hdr, (size_t)hl);
        sv_out(c, p, n);
        sv_out(c, "\r\n", 2);
    } else {
        sv_out(c, p, n);
    }
    return !c->closing;
}

static bool io_finish(void *ud, const wacc_http_header *t, size_t n)
{
    struct request *r = ud;
    struct conn *c = r->c;
    if (gone(r) || !r->head_sent || r->finished)
        return false;
    r->finished = true;
    if (r->has_cl && r->cl_left > 0) {  /* shorter than promised: the client must see it */
        snprintf(r->detail, sizeof r->detail, "response body shorter than content-length");
        r->failed = true;
        c->keepalive = false;
        return false;
    }
    if (r->chunked) {
        sv_out(c, "0\r\n", 3);
        for (size_t i = 0; i < n; i++) {
            if (is_hop_header(t[i].name, t[i].name_len))
                continue;
            sv_out(c, t[i].name, t[i].name_len);
            sv_out(c, ": ", 2);
            sv_out(c, t[i].value, t[i].value_len);
            sv_out(c, "\r\n", 2);
        }
        sv_out(c, "\r\n", 2);
    }
    return !c->closing;
}

static unsigned error_status(const char *label)
{
    if (!label)
        return 500;
    if (strstr(label, "timeout"))
        return 504;
    if (strncmp(label, "connection-", 11) == 0 || strncmp(label, "DNS-", 4) == 0 ||
        strncmp(label, "destination-", 12) == 0 || strncmp(label, "TLS-", 4) == 0)
        return 502;
    return 500;
}

static void io_error(void *ud, const char *label, const char *detail)
{
    struct request *r = ud;
    struct conn *c = r->c;
    if (r->failed || r->replied)
        return;
    r->failed = true;
    snprintf(r->detail, sizeof r->detail, "%.40s%s%.150s", label ? label : "error",
             detail && *detail ? ": " : "", detail ? detail : "");
    if (!r->head_sent && !c->closing) {
        r->status = error_status(label);
        r->replied = true;
        char buf[512];
        int n = snprintf(buf, sizeof buf,
                         "HTTP/1.1 %u %s\r\ncontent-type: text/plain\r\ncontent-length: %zu\r\n"
                         "%s\r\n%s\n", r->status, http_status_str((enum http_status)r->status),
                         strlen(label ? label : "error") + 1,
                         c->keepalive ? "" : "connection: close\r\n", label ? label : "error");
        sv_out(c, buf, (size_t)n);
    } else {
        c->keepalive = false;           /* the response is cut: close after it */
    }
}

/* ---- request body ---- */

static long io_read(void *ud, uint8_t *buf, size_t cap)
{
    struct request *r = ud;
    if (r->boff < r->blen) {
        size_t n = r->blen - r->boff;
        if (n > cap)
            n = cap;
        memcpy(buf, r->body + r->boff, n);
        r->boff += n;
        return (long)n;
    }
    if (r->body_failed || r->c->closing)
        return -2;
    if (r->msg_complete)
        return -1;
    if (r->expect_continue && !r->continue_sent && !r->head_sent) {
        r->continue_sent = true;
        sv_out(r->c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        sv_out_flush(r->c);
    }
    return 0;
}

/* ---- waiting ---- */

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sv_poll *p = h->data;
    if (!p->active)
        return;
    short re = 0;
    if (status < 0)
        re |= POLLERR;
    if (events & UV_READABLE)
        re |= POLLIN;
    if (events & UV_WRITABLE)
        re |= POLLOUT;
    if (events & UV_DISCONNECT)
        re |= POLLHUP;
    p->pfd->revents = re;
    p->r->kicked = true;
    sv_conn_drive(p->r->c);
}

static void on_poll_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_wait_timer(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->req) {
        c->req->kicked = true;
        sv_conn_drive(c);
    }
}

static bool stop_now(struct request *r)
{
    if (r->c->closing || r->c->w->hard)
        return true;
    if (r->deadline && uv_hrtime() >= r->deadline) {
        r->deadline_hit = true;
        return true;
    }
    return false;
}

static bool req_wait(void *ud, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns)
{
    struct request *r = ud;
    struct conn *c = r->c;
    if (stop_now(r))
        return false;
    uint64_t until = r->deadline;
    if (deadline_ns && (!until || deadline_ns < until))
        until = deadline_ns;
    uint64_t now = uv_hrtime();
    if (until) {
        if (until <= now)
            return true;                /* the caller's own deadline: it re-checks */
        uv_timer_start(&c->wait_timer, on_wait_timer, (until - now + 999999) / 1000000, 0);
    }
    struct sv_poll **polls = nfds ? calloc(nfds, sizeof *polls) : NULL;
    bool ready = false;
    for (unsigned i = 0; i < nfds && polls; i++) {
        fds[i].revents = 0;
        struct sv_poll *p = calloc(1, sizeof *p);
        if (!p || uv_poll_init(&c->w->loop, &p->h, fds[i].fd) != 0) {
            free(p);
            fds[i].revents = POLLNVAL;
            ready = true;
            continue;
        }
        p->h.data = p;
        p->r = r;
        p->pfd = &fds[i];
        p->active = true;
        int ev = ((fds[i].events & POLLIN) ? UV_READABLE : 0) |
                 ((fds[i].events & POLLOUT) ? UV_WRITABLE : 0) | UV_DISCONNECT;
        uv_poll_start(&p->h, ev, on_poll);
        polls[i] = p;
    }
    if (!ready) {
        r->waiting = true;
        r->kicked = false;
        wacc_fiber_suspend();
        r->waiting = false;
    }
    if (!c->closing)
        uv_timer_stop(&c->wait_timer);
    for (unsigned i = 0; i < nfds && polls; i++) {
        if (!polls[i])
            continue;
        polls[i]->active = false;
        uv_close((uv_handle_t *)&polls[i]->h, on_poll_closed);
    }
    free(polls);
    return !stop_now(r);
}

/* ---- the guest ---- */

static bool instance_new(const wacc_serve_config *cfg, const wacc_serve_route *rt, bool v3,
                         struct sv_instance *in, wacc_trap *trap, char err[WACC_ERR_LEN])
{
    uint64_t t0 = uv_hrtime();
    memset(in, 0, sizeof *in);
    memset(trap, 0, sizeof *trap);
    err[0] = '\0';
    in->s = wacc_store_new(cfg->engine);
    if (in->s && v3) {
        in->w3 = wacc_wasi3_new(&rt->wasi, err);
        in->w2 = in->w3 ? wacc_wasi3_wasi2(in->w3) : NULL;
        in->h3 = in->w3 ? wacc_wasi3_http_new(&rt->wasi, err) : NULL;
        in->sk = in->h3 ? wacc_wasi3_sockets_new(&rt->wasi, err) : NULL;
    } else if (in->s) {
        in->w2 = wacc_wasi2_new(&rt->wasi, err);
    }
    if (in->w2 && (!v3 || in->sk)) {
        wacc_wasi2_set_trace_calls(in->w2, cfg->trace_calls && cfg->otel);
        if (cfg->max_memory)
            wacc_store_set_max_memory(in->s, cfg->max_memory);
        wacc_component_host base, host3, hostsk;
        if (v3)
            wacc_wasi3_host(in->w3, &base);
        else
            wacc_wasi2_host(in->w2, &base);
        if (v3) {       /* sockets, then http, then the rest of WASI 0.3 (and 0.2) */
            wacc_wasi3_http_host(in->h3, &base, &host3);
            wacc_wasi3_sockets_host(in->sk, &host3, &hostsk);
        }
        in->ci = wacc_component_instantiate(in->s, rt->artifact, v3 ? &hostsk : &base, trap, err);
        if (in->ci && v3) {
            wacc_wasi3_bind(in->w3, in->ci);
            wacc_wasi3_http_bind(in->h3, in->s, in->ci);
            wacc_wasi3_sockets_bind(in->sk, in->ci);
        }
    } else if (!err[0]) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
    }
    if (in->ci) {
        in->inst_ns = uv_hrtime() - t0;
        return true;
    }
    if (in->s)
        wacc_store_free(in->s);
    if (!in->w3)
        wacc_wasi2_free(in->w2);
    wacc_wasi3_sockets_free(in->sk);
    wacc_wasi3_http_free(in->h3);
    wacc_wasi3_free(in->w3);
    memset(in, 0, sizeof *in);
    return false;
}

static void instance_free(struct sv_instance *in)
{
    if (in->h3)
        wacc_wasi3_http_bind(in->h3, NULL, NULL);   /* its stream ends go with the instance */
    if (in->sk)
        wacc_wasi3_sockets_bind(in->sk, NULL);
    if (in->w3)
        wacc_wasi3_bind(in->w3, NULL);
    if (in->ci)
        wacc_cinstance_free(in->ci);
    if (in->s)
        wacc_store_free(in->s);     /* before the context: guest handles point into it */
    if (!in->w3)
        wacc_wasi2_free(in->w2);
    wacc_wasi3_sockets_free(in->sk);
    wacc_wasi3_http_free(in->h3);
    wacc_wasi3_free(in->w3);
    memset(in, 0, sizeof *in);
}

static void on_refill(uv_idle_t *h)
{
    struct worker *w = h->data;
    const wacc_serve *sv = w->sv;
    for (unsigned i = 0; i < sv->nroutes; i++) {
        if (!sv->routes[i].artifact || !w->wanted[i] || w->spare[i].ci)
            continue;
        wacc_trap trap;
        char err[WACC_ERR_LEN];
        if (!w->stopping && instance_new(&sv->cfg, &sv->routes[i], false, &w->spare[i], &trap, err))
            return;                     /* one per turn of the loop */
        break;                          /* failing: the request will say why */
    }
    uv_idle_stop(h);
}

void sv_spares_start(struct worker *w)
{
    if (!w->stopping && !uv_is_closing((uv_handle_t *)&w->refill))
        uv_idle_start(&w->refill, on_refill);
}

void sv_spares_free(struct worker *w)
{
    for (unsigned i = 0; w->spare && i < w->sv->nroutes; i++)
        instance_free(&w->spare[i]);
}

/* The "instantiate" child span of the request: a spare made ahead of the
 * request is taken in no time (wacc.instance.prewarmed, with how long its
 * instantiation took when it was made); otherwise the span covers it. */
static void trace_instantiate(struct request *r, uint64_t t0_ns, const struct sv_instance *in,
                              bool spare, const wacc_trap *trap, const char *err)
{
    wacc_otel *o = r->c->w->sv->cfg.otel;
    wacc_span s;
    wacc_otel_span_begin(o, &s, "instantiate", WACC_SPAN_INTERNAL, &r->span.ctx);
    s.start_ns = t0_ns;
    wacc_otel_attr_str(&s, "wacc.artifact", r->route->name ? r->route->name : "");
    wacc_otel_attr_str(&s, "http.route", r->route->prefix);
    wacc_otel_attr_int(&s, "wacc.instance.prewarmed", spare);
    if (in->ci) {
        wacc_otel_attr_int(&s, "wacc.instantiate_us", (int64_t)(in->inst_ns / 1000));
    } else {
        wacc_otel_attr_str(&s, "error.type", trap->code ? "wasm-trap" : "link-error");
        wacc_otel_attr_str(&s, trap->code ? "wacc.trap" : "wacc.error", trap->code ? trap->message : err);
        wacc_otel_span_status(&s, WACC_SPAN_STATUS_ERROR);
    }
    wacc_otel_span_end(o, &s);
}

/* The "handler" child span ends with the response status and, when the
 * guest trapped, the trap's reason. */
static void trace_handler_end(struct request *r, const wacc_trap *trap)
{
    wacc_otel *o = r->c->w->sv->cfg.otel;
    if (!o)
        return;
    if (r->status)
        wacc_otel_attr_int(&r->hspan, "http.response.status_code", r->status);
    if (trap != NULL && trap->code) {
        wacc_otel_attr_str(&r->hspan, "error.type", "wasm-trap");
        wacc_otel_attr_str(&r->hspan, "wacc.trap", trap->message);
        wacc_otel_span_status(&r->hspan, WACC_SPAN_STATUS_ERROR);
    } else if (r->failed || r->status >= 500 || !r->status) {
        wacc_otel_attr_str(&r->hspan, "error.type", r->deadline_hit ? "deadline" : "guest-error");
        if (r->detail[0])
            wacc_otel_attr_str(&r->hspan, "wacc.error", r->detail);
        wacc_otel_span_status(&r->hspan, WACC_SPAN_STATUS_ERROR);
    }
    wacc_otel_span_end(o, &r->hspan);
}

static void trace_handler_begin(struct request *r, const char *name)
{
    wacc_otel *o = r->c->w->sv->cfg.otel;
    if (!o)
        return;
    wacc_otel_span_begin(o, &r->hspan, name, WACC_SPAN_INTERNAL, &r->span.ctx);
    wacc_otel_attr_str(&r->hspan, "wacc.artifact", r->route->name ? r->route->name : "native");
    wacc_otel_attr_str(&r->hspan, "http.route", r->route->prefix);
}

static void run_component(struct request *r)
{
    struct worker *w = r->c->w;
    wacc_otel *o = w->sv->cfg.otel;
    unsigned ri = (unsigned)(r->route - w->sv->routes);
    char err[WACC_ERR_LEN] = "";
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    uint64_t t0 = o ? wacc_otel_now_ns() : 0;
    struct sv_instance in = w->spare[ri];
    memset(&w->spare[ri], 0, sizeof in);
    w->wanted[ri] = true;
    sv_spares_start(w);                 /* the next one, when the worker is idle */
    bool spare = in.ci != NULL;
    bool made = spare || instance_new(&w->sv->cfg, r->route, false, &in, &trap, err);
    if (o)
        trace_instantiate(r, t0, &in, spare, &trap, err);
    if (!made) {
        r->io.resp_error(r, "internal-error", trap.code ? trap.message : err);
        return;
    }
    if (r->deadline)
        wacc_store_set_deadline(in.s, r->deadline);
    wacc_wasi2_set_waiter(in.w2, &r->waiter);
    trace_handler_begin(r, "wasi:http/incoming-handler#handle");
    if (o)
        wacc_wasi2_set_trace(in.w2, o, &r->hspan.ctx);
    memset(&trap, 0, sizeof trap);
    if (!wacc_wasi2_http_handle(in.w2, in.s, in.ci, &r->hreq, &r->io, &trap, err)) {
        if (!r->failed)
            r->io.resp_error(r, "internal-error", trap.code ? trap.message : err);
        else if (trap.code && !strstr(r->detail, "trap"))
            snprintf(r->detail, sizeof r->detail, "%.180s", trap.message);
    }
    trace_handler_end(r, &trap);
    instance_free(&in);
}

/* ---- WASI 0.3 services: pooled instances ---- */

/* ---- an instance with no request: its own waits on the worker's loop ---- */

struct sv_iwatch {
    struct sv_pinst *pi;                /* NULL once disarmed (callbacks still to come) */
    unsigned n, open;
    uv_poll_t polls[16];
    uv_timer_t timer;
};

static void iwatch_closed(uv_handle_t *h)
{
    struct sv_iwatch *iw = h->data;
    if (--iw->open == 0)
        free(iw);
}

static void idle_disarm(struct sv_pinst *pi)
{
    struct sv_iwatch *iw = pi->iwatch;
    if (!iw)
        return;
    pi->iwatch = NULL;
    iw->pi = NULL;
    for (unsigned i = 0; i < iw->n; i++)
        uv_close((uv_handle_t *)&iw->polls[i], iwatch_closed);
    uv_close((uv_handle_t *)&iw->timer, iwatch_closed);
}

static void pool_remove(struct sv_pinst *pi);
static void idle_arm(struct sv_pinst *pi);

static void idle_fire(struct sv_iwatch *iw)
{
    struct sv_pinst *pi = iw->pi;
    if (!pi)
        return;
    idle_disarm(pi);
    wacc_trap trap;
    if (wacc_cinstance_poll(pi->in.ci, &trap) != 0) {
        pi->broken = true;
        snprintf(pi->why, sizeof pi->why, "%.180s", trap.message);
        if (!pi->active)
            pool_remove(pi);
        return;
    }
    idle_arm(pi);
}

static void idle_on_poll(uv_poll_t *h, int status, int events)
{
    (void)status; (void)events;
    idle_fire(h->data);
}

static void idle_on_timer(uv_timer_t *t)
{
    idle_fire(t->data);
}

static void idle_arm(struct sv_pinst *pi)
{
    if (pi->active || pi->broken || pi->iwatch || pi->w->stopping)
        return;
    struct pollfd fds[16];
    uint64_t dl = 0;
    unsigned n = wacc_cinstance_fds(pi->in.ci, fds, 16, &dl);
    if (n > 16)
        n = 16;
    if (n == 0 && dl == 0)
        return;
    struct sv_iwatch *iw = calloc(1, sizeof *iw);
    if (!iw)
        return;
    iw->pi = pi;
    uv_timer_init(&pi->w->loop, &iw->timer);
    iw->timer.data = iw;
    iw->open = 1;
    for (unsigned i = 0; i < n; i++) {
        if (uv_poll_init(&pi->w->loop, &iw->polls[iw->n], fds[i].fd) != 0)
            continue;
        iw->polls[iw->n].data = iw;
        uv_poll_start(&iw->polls[iw->n], ((fds[i].events & POLLIN) ? UV_READABLE : 0) |
                      ((fds[i].events & POLLOUT) ? UV_WRITABLE : 0) | UV_DISCONNECT, idle_on_poll);
        iw->n++;
        iw->open++;
    }
    if (dl) {
        uint64_t now = uv_hrtime();
        uv_timer_start(&iw->timer, idle_on_timer, dl > now ? (dl - now + 999999) / 1000000 : 0, 0);
    }
    pi->iwatch = iw;
}

static void pinst_free(struct sv_pinst *pi)
{
    idle_disarm(pi);
    instance_free(&pi->in);
    free(pi);
}

static void pool_remove(struct sv_pinst *pi)
{
    for (struct sv_pinst **p = &pi->w->pools[pi->ri]; *p; p = &(*p)->next)
        if (*p == pi) {
            *p = pi->next;
            break;
        }
    pinst_free(pi);
}

void sv_pools_quiesce(struct worker *w)
{
    for (unsigned i = 0; w->pools && i < w->sv->nroutes; i++)
        for (struct sv_pinst *pi = w->pools[i]; pi; pi = pi->next)
            idle_disarm(pi);
}

void sv_pools_free(struct worker *w)
{
    for (unsigned i = 0; w->pools && i < w->sv->nroutes; i++)
        while (w->pools[i]) {
            struct sv_pinst *pi = w->pools[i];
            w->pools[i] = pi->next;
            idle_disarm(pi);            /* (quiesced when the worker stopped) */
            pinst_free(pi);
        }
}

/* An instance of route ri with room for one more request: the first one
 * in use that has some (requests share instances before new ones are
 * made), else an idle one, else a new one. */
static struct sv_pinst *pool_acquire(struct worker *w, unsigned ri, wacc_trap *trap, char err[WACC_ERR_LEN])
{
    const wacc_serve_config *cfg = &w->sv->cfg;
    struct sv_pinst *idle = NULL;
    for (struct sv_pinst *pi = w->pools[ri]; pi; pi = pi->next) {
        if (pi->broken || pi->served >= cfg->reuse || pi->active >= cfg->reuse_concurrency)
            continue;
        if (pi->active)
            return pi;
        if (!idle)
            idle = pi;
    }
    if (idle)
        return idle;
    struct sv_pinst *pi = calloc(1, sizeof *pi);
    if (!pi) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    if (!instance_new(cfg, &w->sv->routes[ri], true, &pi->in, trap, err)) {
        free(pi);
        return NULL;
    }
    pi->w = w;
    pi->ri = ri;
    pi->next = w->pools[ri];
    w->pools[ri] = pi;
    return pi;
}

/* Wake request q's fiber (parked in req_wait) from the loop. */
static void kick(struct request *q)
{
    if (q->waiting && !q->c->closing)
        uv_timer_start(&q->c->wait_timer, on_wait_timer, 0, 0);
}

/* Others in r's instance that something moved for (another request's step
 * ran the instance), or all of them when it broke. */
static void kick_others(struct request *r)
{
    for (struct request *q = r->pi->reqs; q; q = q->pnext)
        if (q != r && (r->pi->broken || (q->x && wacc_wasi3_exchange_pending(q->x))))
            kick(q);
}

static void pool_detach(struct request *r, unsigned ri)
{
    struct worker *w = r->c->w;
    struct sv_pinst *pi = r->pi;
    for (struct request **p = &pi->reqs; *p; p = &(*p)->pnext)
        if (*p == r) {
            *p = r->pnext;
            break;
        }
    r->pi = NULL;
    pi->active--;
    if (pi->active)
        return;
    bool retire = pi->broken || pi->served >= w->sv->cfg.reuse || w->stopping;
    if (!retire)        /* one idle instance per route is kept */
        for (struct sv_pinst *o = w->pools[ri]; o; o = o->next)
            if (o != pi && !o->active && !o->broken)
                retire = true;
    if (!retire) {
        idle_arm(pi);   /* tasks still waiting on their own */
        return;
    }
    pool_remove(pi);
}

static void run_component3(struct request *r)
{
    struct worker *w = r->c->w;
    unsigned ri = (unsigned)(r->route - w->sv->routes);
    char err[WACC_ERR_LEN] = "";
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    struct sv_pinst *pi = pool_acquire(w, ri, &trap, err);
    if (!pi) {
        r->io.resp_error(r, "internal-error", trap.code ? trap.message : err);
        return;
    }
    idle_disarm(pi);                    /* its requests drive it now */
    r->pi = pi;
    r->pnext = pi->reqs;
    pi->reqs = r;
    pi->active++;
    pi->served++;
    /* the instance's deadline: the latest of its requests' (a guest that
     * never yields is stopped once all of them are late) */
    uint64_t dl = r->deadline;
    for (struct request *q = pi->reqs; q && dl; q = q->pnext)
        if (!q->deadline)
            dl = 0;
        else if (q->deadline > dl)
            dl = q->deadline;
    wacc_store_set_deadline(pi->in.s, dl);
    r->x = wacc_wasi3_http_start(pi->in.h3, &r->hreq, &r->io, &trap, err);
    if (!r->x) {
        if (trap.code) {
            pi->broken = true;
            snprintf(pi->why, sizeof pi->why, "%.180s", trap.message);
        }
        r->io.resp_error(r, "internal-error", trap.code ? trap.message : err);
        kick_others(r);
        pool_detach(r, ri);
        return;
    }
    for (;;) {
        if (pi->broken) {
            io_error(r, "internal-error", pi->why);
            break;
        }
        int st = wacc_wasi3_exchange_step(r->x, &trap);
        if (st < 0) {
            pi->broken = true;
            snprintf(pi->why, sizeof pi->why, "%.180s", trap.message);
            io_error(r, "internal-error", pi->why);
            kick_others(r);
            break;
        }
        kick_others(r);
        if (st == 1)
            break;
        /* the instance's own waits (outbound connections, timers): watched
         * by the first request in it */
        struct pollfd fds[16];
        uint64_t wdl = 0;
        unsigned n = 0;
        if (pi->reqs == r)
            n = wacc_cinstance_fds(pi->in.ci, fds, 16, &wdl);
        if (n > 16)
            n = 16;
        if (!req_wait(r, fds, n, wdl))
            break;
    }
    wacc_wasi3_exchange_free(r->x);
    r->x = NULL;
    if (r->pi->reqs == r && r->pnext)
        kick(r->pnext);             /* the next one watches the instance's fds */
    pool_detach(r, ri);
}

static void request_fiber(void *arg)
{
    struct request *r = arg;
    if (r->route->native) {
        trace_handler_begin(r, "handler");
        r->route->native->handle(r->route->native->ud, &r->hreq, &r->io, &r->waiter);
        trace_handler_end(r, NULL);
    } else if (r->c->w->sv->v3[r->route - r->c->w->sv->routes]) {
        run_component3(r);
    } else
        run_component(r);
    if (!r->failed && !r->replied && !r->finished)
        io_error(r, "internal-error", r->deadline_hit ? "deadline exceeded"
                                    : r->head_sent ? "response body not finished"
                                                   : "response never set");
    if (r->deadline_hit && !strstr(r->detail, "deadline"))
        snprintf(r->detail, sizeof r->detail, "deadline exceeded");
}

void sv_request_run(struct request *r)
{
    uint64_t t0 = uv_hrtime();
    r->kicked = false;
    if (!r->fiber) {
        char err[128];
        r->fiber = wacc_fiber_new(r->c->w->fibers, request_fiber, r, err);
        if (!r->fiber) {
            io_error(r, "internal-error", err);
            r->done = true;
            return;
        }
    }
    r->done = wacc_fiber_resume(r->fiber);
    r->guest_ns += uv_hrtime() - t0;
}

/* ---- life ---- */

struct request *sv_request_new(struct conn *c)
{
    wacc_serve *sv = c->w->sv;
    char *target = c->head;
    /* absolute-form targets ("http://host/p?q"): the path and query */
    if (target[0] != '/') {
        struct http_parser_url u;
        http_parser_url_init(&u);
        if (c->parser.method == HTTP_OPTIONS && strcmp(target, "*") == 0) {
        } else if (http_parser_parse_url(target, c->url_len, 0, &u) == 0 &&
                   (u.field_set & (1 << UF_PATH))) {
            target += u.field_data[UF_PATH].off;
        } else {
            c->err_status = 400;
            return NULL;
        }
    }
    const wacc_serve_route *rt = sv_route(sv, target);
    if (!rt) {
        c->err_status = 404;
        return NULL;
    }
    struct request *r = calloc(1, sizeof *r);
    if (!r) {
        c->err_status = 503;
        return NULL;
    }
    r->c = c;
    r->route = rt;
    r->t_start = uv_hrtime();
    if (sv->cfg.timeout_ns)
        r->deadline = r->t_start + sv->cfg.timeout_ns;
    for (unsigned i = 0; i < c->nh; i++) {
        struct sv_hdr *h = &c->hoff[i];
        char *name = c->head + h->name_off;
        for (uint32_t k = 0; k < h->name_len; k++)
            name[k] = (char)tolower((unsigned char)name[k]);
        r->hdrs[i] = (wacc_http_header){ name, h->name_len,
                                         (const uint8_t *)c->head + h->val_off, h->val_len };
        if (h->name_len == 4 && memcmp(name, "host", 4) == 0 && !r->authority)
            r->authority = strndup(c->head + h->val_off, h->val_len);
        if (h->name_len == 6 && memcmp(name, "expect", 6) == 0 && h->val_len == 12 &&
            strncasecmp(c->head + h->val_off, "100-continue", 12) == 0)
            r->expect_continue = true;
    }
    r->hreq = (wacc_http_request){
        .method = http_method_str((enum http_method)c->parser.method),
        .scheme = "http",
        .authority = r->authority,
        .path_with_query = target,
        .headers = r->hdrs,
        .nheaders = c->nh,
    };
    if (sv->cfg.otel) {
        const char *tp = NULL;
        char tpbuf[64];
        for (unsigned i = 0; i < c->nh; i++)
            if (r->hdrs[i].name_len == 11 && memcmp(r->hdrs[i].name, "traceparent", 11) == 0 &&
                r->hdrs[i].value_len < sizeof tpbuf) {
                memcpy(tpbuf, r->hdrs[i].value, r->hdrs[i].value_len);
                tpbuf[r->hdrs[i].value_len] = '\0';
                tp = tpbuf;
                break;
            }
        wacc_otel_http_server_begin(sv->cfg.otel, &r->span, r->hreq.method, target, rt->prefix,
                                    r->authority, tp);
        wacc_otel_attr_str(&r->span, "wacc.route.artifact", rt->name ? rt->name : "native");
    }
    r->io = (wacc_http_io){ r, io_read, io_head, io_room, io_write, io_finish, io_error };
    r->waiter = (wacc_wasi2_waiter){ r, req_wait };
    c->w->nreqs++;
    return r;
}

void sv_request_end(struct request *r)
{
    struct conn *c = r->c;
    struct worker *w = c->w;
    if (r->fiber)
        wacc_fiber_free(r->fiber);
    if (!w->sv->cfg.quiet) {
        uint64_t total = uv_hrtime() - r->t_start;
        sv_log(w->sv, "\"%s %s\" %u %llu total=%lluus guest=%lluus%s%s", r->hreq.method,
               r->hreq.path_with_query, r->status ? r->status : 500,
               (unsigned long long)r->resp_bytes, (unsigned long long)(total / 1000),
               (unsigned long long)(r->guest_ns / 1000), r->detail[0] ? " " : "", r->detail);
    }
    if (w->sv->cfg.otel) {
        wacc_otel_http_server_metric(w->sv->cfg.otel, r->hreq.method, r->route->prefix,
                                     r->status ? (int)r->status : 500,
                                     (double)(uv_hrtime() - r->t_start) / 1e9);
        wacc_otel_attr_int(&r->span, "wacc.guest_us", (int64_t)(r->guest_ns / 1000));
        if (r->detail[0])
            wacc_otel_attr_str(&r->span, "wacc.error", r->detail);
        wacc_otel_http_end(w->sv->cfg.otel, &r->span, r->status ? (int)r->status : 500);
    }
    free(r->authority);
    free(r->body);
    free(r);
    w->nreqs--;
    sv_worker_maybe_done(w);
}
