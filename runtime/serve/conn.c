/*
 * conn.c — one client connection: reads into a fixed buffer, feeds
 * http-parser, buffers output, enforces the head/body limits and the
 * header/idle timeouts, and runs the drive loop that moves a request
 * along (start its fiber, resume it when its I/O moved, unpause the parser
 * when the guest made room, go on to the next request on keep-alive).
 *
 * http-parser is paused (http_parser_pause) at three points, so the guest
 * sees the body as a stream with backpressure: after the head (the fiber is
 * started before any body byte is parsed), when the body buffer is full
 * (reading from the socket stops: uv_read_stop), and after a message (a
 * pipelined next request waits until this one is answered).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

static const http_parser_settings settings;

/* ---- output ---- */

struct out_req {
    uv_write_t w;
    struct conn *c;
    size_t len;
    char data[];
};

static bool reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

void sv_out(struct conn *c, const void *p, size_t n)
{
    if (c->closing || n == 0)
        return;
    if (!reserve(&c->obuf, &c->ocap, c->olen + n)) {
        sv_conn_close(c);
        return;
    }
    memcpy(c->obuf + c->olen, p, n);
    c->olen += n;
    if (c->olen >= OUT_FLUSH)
        sv_out_flush(c);
}

size_t sv_out_queued(const struct conn *c)
{
    return c->olen + c->inflight;
}

static void on_written(uv_write_t *w, int status)
{
    struct out_req *o = (struct out_req *)w;
    struct conn *c = o->c;
    c->inflight -= o->len;
    free(o);
    if (status < 0) {
        sv_conn_close(c);
        return;
    }
    if (c->req && c->req->waiting)
        c->req->kicked = true;
    sv_conn_drive(c);
}

void sv_out_flush(struct conn *c)
{
    if (c->olen == 0 || c->closing)
        return;
    size_t off = 0;
    if (c->inflight == 0) {             /* keep order: only when nothing is queued */
        uv_buf_t b = uv_buf_init(c->obuf, (unsigned)c->olen);
        int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (n > 0)
            off = (size_t)n;
        else if (n < 0 && n != UV_EAGAIN) {
            c->olen = 0;
            sv_conn_close(c);
            return;
        }
    }
    if (off < c->olen) {
        size_t len = c->olen - off;
        struct out_req *o = malloc(sizeof *o + len);
        if (!o) {
            sv_conn_close(c);
            return;
        }
        o->c = c;
        o->len = len;
        memcpy(o->data, c->obuf + off, len);
        uv_buf_t b = uv_buf_init(o->data, (unsigned)len);
        if (uv_write(&o->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
            free(o);
            c->olen = 0;
            sv_conn_close(c);
            return;
        }
        c->inflight += len;
    }
    c->olen = 0;
    if (c->ocap > 4 * OUT_FLUSH) {      /* a big response does not pin its buffer */
        free(c->obuf);
        c->obuf = NULL;
        c->ocap = 0;
    }
}

void sv_reply(struct conn *c, unsigned status, const char *text)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %u %s\r\ncontent-type: text/plain\r\ncontent-length: %zu\r\n"
                     "connection: close\r\n\r\n%s\n",
                     status, http_status_str((enum http_status)status), strlen(text) + 1, text);
    sv_out(c, buf, (size_t)n);
    c->keepalive = false;
}

/* ---- closing ---- */

static void conn_free(struct conn *c)
{
    struct worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    atomic_fetch_sub(&w->sv->nconns, 1);
    free(c->head);
    free(c->obuf);
    free(c);
    sv_worker_maybe_done(w);
}

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->open_handles == 0 && c->req == NULL)
        conn_free(c);
}

static void close_handles(struct conn *c)
{
    uv_close((uv_handle_t *)&c->tcp, on_closed);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    uv_close((uv_handle_t *)&c->wait_timer, on_closed);
}

/* Close now (output not yet written is dropped). A running request sees
 * the client gone: its waits return false, its writes fail. */
void sv_conn_close(struct conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->keepalive = false;
    if (c->req && !c->req->done) {
        c->req->body_failed = true;
        c->req->kicked = true;
    }
    close_handles(c);
    if (!c->in_drive && c->req)
        sv_conn_drive(c);
}

static void on_shutdown(uv_shutdown_t *sr, int status)
{
    (void)status;
    struct conn *c = sr->data;
    free(sr);
    sv_conn_close(c);
}

/* Close once the output is written. */
static void conn_finish(struct conn *c)
{
    if (c->closing || c->shutting)
        return;
    sv_out_flush(c);
    if (c->closing)
        return;
    c->shutting = true;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
    uv_timer_stop(&c->timer);
    uv_shutdown_t *sr = malloc(sizeof *sr);
    if (!sr || uv_shutdown(sr, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        free(sr);
        sv_conn_close(c);
        return;
    }
    sr->data = c;
}

/* ---- timers ---- */

static void on_timeout(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->req)
        return;
    if (c->in_head)     /* slowloris: the head did not arrive in time */
        sv_reply(c, 408, "request header timeout");
    conn_finish(c);
}

static void arm_head_timer(struct conn *c, bool idle)
{
    const wacc_serve_config *cfg = &c->w->sv->cfg;
    uint64_t ns = idle ? cfg->idle_timeout_ns : cfg->header_timeout_ns;
    uv_timer_start(&c->timer, on_timeout, ns / 1000000 + 1, 0);
}

/* ---- parser callbacks ---- */

static bool head_append(struct conn *c, const char *at, size_t len)
{
    uint32_t max = c->w->sv->cfg.max_header;
    if (c->hlen + len + 1 > max || !reserve(&c->head, &c->hcap, c->hlen + len + 1)) {
        c->err_status = 431;
        return false;
    }
    memcpy(c->head + c->hlen, at, len);
    c->hlen += len;
    return true;
}

static int on_message_begin(http_parser *p)
{
    struct conn *c = p->data;
    c->hlen = 0;
    c->nh = 0;
    c->last = L_NONE;
    c->url_len = 0;
    c->in_head = true;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    c->last = L_URL;
    c->url_len += (uint32_t)len;
    return head_append(c, at, len) ? 0 : -1;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    if (c->last == L_URL && !head_append(c, "", 1))    /* NUL after the target */
        return -1;
    if (c->last != L_FIELD) {
        if (c->nh == MAX_HEADERS) {
            c->err_status = 431;
            return -1;
        }
        c->hoff[c->nh++] = (struct sv_hdr){ (uint32_t)c->hlen, 0, 0, 0 };
    }
    c->last = L_FIELD;
    c->hoff[c->nh - 1].name_len += (uint32_t)len;
    return head_append(c, at, len) ? 0 : -1;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    struct sv_hdr *h = &c->hoff[c->nh - 1];
    if (c->last != L_VALUE)
        h->val_off = (uint32_t)c->hlen;
    c->last = L_VALUE;
    h->val_len += (uint32_t)len;
    return head_append(c, at, len) ? 0 : -1;
}

static int on_headers_complete(http_parser *p)
{
    struct conn *c = p->data;
    if (c->last == L_URL && !head_append(c, "", 1))
        return -1;
    c->in_head = false;
    uv_timer_stop(&c->timer);
    uint64_t max_body = c->w->sv->cfg.max_body;
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > max_body) {
        c->err_status = 413;
        return -1;
    }
    c->keepalive = http_should_keep_alive(p) && !c->w->stopping;
    c->req = sv_request_new(c);
    if (!c->req) {          /* answered by the server */
        return -1;
    }
    c->pause = P_HEADERS;
    http_parser_pause(p, 1);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    struct request *r = c->req;
    r->body_total += len;
    if (r->body_total > c->w->sv->cfg.max_body) {
        c->err_status = 413;
        return -1;
    }
    if (r->discard || r->done)
        return 0;
    if (r->boff > 0 && r->boff == r->blen)
        r->boff = r->blen = 0;
    if (r->blen + len > r->bcap) {
        if (r->boff > 0) {
            memmove(r->body, r->body + r->boff, r->blen - r->boff);
            r->blen -= r->boff;
            r->boff = 0;
        }
        if (!reserve((char **)&r->body, &r->bcap, r->blen + len)) {
            c->err_status = 500;
            return -1;
        }
    }
    memcpy(r->body + r->blen, at, len);
    r->blen += len;
    r->kicked = true;
    if (r->blen - r->boff >= BODY_BUF) {
        c->pause = P_BODY;
        http_parser_pause(p, 1);
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;
    struct request *r = c->req;
    if (r) {
        r->msg_complete = true;
        r->kicked = true;
    }
    c->pause = P_DONE;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* A parse error: the server answers (or, mid-request, fails the body and
 * closes after the response). */
static void parse_failed(struct conn *c)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    unsigned status = c->err_status ? c->err_status : e == HPE_HEADER_OVERFLOW ? 431 : 400;
    c->rlen = c->roff = 0;
    c->keepalive = false;
    struct request *r = c->req;
    if (r && !r->done) {
        r->body_failed = true;
        r->kicked = true;
        if (status == 413 && !r->head_sent && !r->replied) {
            r->replied = true;
            r->status = 413;
            sv_reply(c, 413, "request body too large");
        }
        c->pause = P_DONE;              /* no more input */
        return;
    }
    const char *text = status == 431 ? "request header fields too large"
                     : status == 413 ? "request body too large"
                     : status == 404 ? "no route"
                     : status == 503 ? "server busy"
                     : status == 400 && e == HPE_CB_headers_complete ? "bad request target"
                     : status == 400 ? http_errno_description(e) : "server error";
    if (!r)
        sv_reply(c, status, text);
    conn_finish(c);
}

static void parse_input(struct conn *c)
{
    size_t n = http_parser_execute(&c->parser, &settings, c->rbuf + c->roff, c->rlen - c->roff);
    c->roff += n;
    enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
    if (e != HPE_OK && e != HPE_PAUSED) {
        parse_failed(c);
        return;
    }
    if (c->parser.upgrade) {            /* Upgrade / CONNECT: not served */
        c->rlen = c->roff = 0;
        c->keepalive = false;
        if (!c->req) {
            sv_reply(c, 501, "upgrade not supported");
            conn_finish(c);
        }
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct conn *c = h->data;
    (void)hint;
    /* reading runs only once the previous input is parsed */
    c->rlen = c->roff = 0;
    *b = uv_buf_init(c->rbuf, READ_BUF);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = s->data;
    (void)b;
    if (n == 0)
        return;
    if (n < 0) {
        struct request *r = c->req;
        if (n != UV_EOF || !r) {        /* reset, or gone between requests */
            sv_conn_close(c);
            return;
        }
        c->peer_eof = true;             /* half-closed: answer, then close */
        c->keepalive = false;
        if (!r->msg_complete) {         /* gone mid-body */
            r->body_failed = true;
            r->kicked = true;
        }
        sv_conn_drive(c);
        return;
    }
    if (!c->req && !c->in_head)        /* a new request: its head must come in time */
        arm_head_timer(c, false);
    c->rlen = (size_t)n;
    c->roff = 0;
    sv_conn_drive(c);
}

/* ---- the drive loop ---- */

static void unpause(struct conn *c)
{
    c->pause = P_NONE;
    http_parser_pause(&c->parser, 0);
}

static void next_request(struct conn *c)
{
    struct request *r = c->req;
    bool keep = c->keepalive && !r->failed && !c->closing && !c->w->stopping &&
                r->msg_complete && c->pause == P_DONE;
    if (r->failed && !r->head_sent)     /* nothing went out: the guest's failure answered */
        keep = false;
    c->req = NULL;
    sv_request_end(r);
    if (c->closing) {
        if (c->open_handles == 0)
            conn_free(c);
        return;
    }
    if (!keep) {
        conn_finish(c);
        return;
    }
    unpause(c);
    arm_head_timer(c, true);
}

void sv_conn_drive(struct conn *c)
{
    if (c->in_drive) {
        c->redrive = true;
        return;
    }
    c->in_drive = true;
    do {
        c->redrive = false;
        struct request *r = c->req;
        if (r && !r->done && (!r->fiber || (r->waiting && r->kicked)))
            sv_request_run(r);
        if (r && r->done) {
            if (!r->msg_complete && !c->closing && !r->body_failed && c->pause != P_DONE) {
                r->discard = true;      /* drain the rest of the body, then next */
                r->blen = r->boff = 0;
            } else {
                sv_out_flush(c);
                next_request(c);
                if (c->closing && c->open_handles == 0)
                    return;             /* freed */
                r = NULL;
            }
        }
        if (c->closing || c->shutting)
            break;
        r = c->req;
        if (c->pause == P_HEADERS && (!r || r->fiber))
            unpause(c);
        if (c->pause == P_BODY && r && (r->discard || r->blen - r->boff < BODY_BUF / 2))
            unpause(c);
        if (c->pause == P_NONE && c->roff < c->rlen) {
            parse_input(c);
            c->redrive = true;
        }
    } while (c->redrive);
    if (!c->closing && !c->shutting) {
        bool want = c->pause == P_NONE && c->roff >= c->rlen && !c->peer_eof;
        if (want && !c->reading)
            c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
        else if (!want && c->reading) {
            uv_read_stop((uv_stream_t *)&c->tcp);
            c->reading = false;
        }
        sv_out_flush(c);
    }
    c->in_drive = false;
}

/* ---- accepting ---- */

void sv_on_connection(uv_stream_t *listener, int status)
{
    struct worker *w = listener->data;
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    uv_tcp_init(&w->loop, &c->tcp);
    uv_timer_init(&w->loop, &c->timer);
    uv_timer_init(&w->loop, &c->wait_timer);
    c->tcp.data = c->timer.data = c->wait_timer.data = c;
    c->open_handles = 3;
    c->w = w;
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    unsigned n = atomic_fetch_add(&w->sv->nconns, 1) + 1;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || w->stopping ||
        n > w->sv->cfg.max_conns) {
        c->closing = true;
        close_handles(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    arm_head_timer(c, false);
    sv_conn_drive(c);
}
