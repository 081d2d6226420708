/*
 * serve_int.h — private structures of runtime/serve.
 *
 *   serve.c    configuration, listening sockets, worker threads, signals
 *   conn.c     a client connection: reading, http-parser callbacks, output
 *              buffering, limits and timeouts, the drive loop
 *   request.c  a request: routing, its fiber, the wacc_http_io callbacks,
 *              the waiter, component instantiation, the access log
 *
 * Ownership: a worker owns its loop, listener and connections; a
 * connection owns its current request (at most one: requests on a
 * connection are answered in order; pipelined ones wait in the input
 * buffer); a request owns its fiber, body buffer and instance. Everything
 * of a worker is touched only by its thread.
 */
#ifndef WACC_SERVE_INT_H
#define WACC_SERVE_INT_H

#include <http_parser.h>
#include <stdatomic.h>
#include <uv.h>

#include "fiber.h"
#include "wacc_otel.h"
#include "serve.h"

#define READ_BUF (16u * 1024u)          /* per-connection read buffer */
#define BODY_BUF (64u * 1024u)          /* request body buffered for the guest */
#define OUT_MAX (256u * 1024u)          /* response bytes queued before the guest waits */
#define OUT_FLUSH (32u * 1024u)         /* flush the output buffer beyond this */
#define MAX_HEADERS 128

struct worker;
struct conn;

struct sv_hdr { uint32_t name_off, name_len, val_off, val_len; };

struct request {
    struct conn *c;
    const wacc_serve_route *route;
    wacc_fiber *fiber;
    wacc_http_request hreq;
    wacc_http_header hdrs[MAX_HEADERS];
    char *authority;                    /* owned copy of Host */
    bool expect_continue, continue_sent;
    /* body, from the parser to the guest: bytes [boff, blen) of body */
    uint8_t *body;
    size_t blen, boff, bcap;
    uint64_t body_total;
    bool msg_complete, body_failed, discard;
    /* response */
    unsigned status;
    bool head_sent, chunked, no_body, has_cl, finished, failed, replied;
    uint64_t cl_left, resp_bytes;
    bool done;                          /* fiber finished */
    /* waiting */
    bool waiting, kicked, deadline_hit;
    uint64_t deadline;                  /* uv_hrtime() ns, 0: none */
    struct sv_poll *polls;
    unsigned npolls;
    uint64_t t_start, guest_ns;
    char detail[200];
    wacc_span span;                     /* SERVER span (cfg.otel set) */
    wacc_span hspan;                    /* its INTERNAL "handler" child: the guest's
                                           outbound CLIENT spans are its children */
    wacc_http_io io;
    wacc_wasi2_waiter waiter;
};

enum pause_reason { P_NONE, P_HEADERS, P_BODY, P_DONE };
enum last_cb { L_NONE, L_URL, L_FIELD, L_VALUE };

struct conn {
    uv_tcp_t tcp;                       /* first: handle->data is the conn too */
    uv_timer_t timer;                   /* header read / idle keep-alive */
    uv_timer_t wait_timer;              /* the request's waits and deadline */
    struct worker *w;
    struct conn *prev, *next;
    http_parser parser;
    enum pause_reason pause;
    char rbuf[READ_BUF];
    size_t rlen, roff;                  /* unparsed input: rbuf[roff..rlen) */
    /* the head being parsed */
    char *head;
    size_t hlen, hcap;
    struct sv_hdr hoff[MAX_HEADERS];
    unsigned nh;
    enum last_cb last;
    uint32_t url_len;
    bool in_head;                       /* bytes of a request head arrived */
    unsigned err_status;                /* set by a callback that failed */
    /* output */
    char *obuf;
    size_t olen, ocap;
    size_t inflight;                    /* bytes in uv_write requests */
    struct request *req;
    bool reading, closing, peer_eof, keepalive, in_drive, redrive, shutting;
    int open_handles;
};

struct sv_poll {
    uv_poll_t h;
    struct request *r;
    struct pollfd *pfd;
    bool active;
};

/* A fresh component instance (store, WASI 0.2 context, instance). */
struct sv_instance {
    wacc_store *s;
    wacc_wasi2 *w2;
    wacc_cinstance *ci;
    uint64_t inst_ns;                   /* how long its instantiation took */
};

struct worker {
    wacc_serve *sv;
    struct sv_instance *spare;          /* [route]: made ahead while idle, used once */
    bool *wanted;                       /* [route]: had a request (idle routes get no spare) */
    uv_idle_t refill;                   /* runs while a spare is missing */
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop_async;
    uv_timer_t grace;
    uv_os_sock_t fd;
    pthread_t th;
    wacc_fiber_pool *fibers;
    struct conn *conns;
    unsigned nreqs;
    bool stopping, hard;
};

struct wacc_serve {
    wacc_serve_config cfg;
    wacc_serve_route *routes;           /* copy, sorted by prefix length, longest first */
    unsigned nroutes;
    struct worker *workers;
    unsigned nworkers;
    char url[96];
    atomic_uint nconns;
    pthread_t run_thread;
    atomic_bool running;
};

/* conn.c */
void sv_on_connection(uv_stream_t *listener, int status);
void sv_conn_drive(struct conn *c);
void sv_conn_close(struct conn *c);
void sv_out(struct conn *c, const void *p, size_t n);
void sv_out_flush(struct conn *c);
size_t sv_out_queued(const struct conn *c);
void sv_reply(struct conn *c, unsigned status, const char *text);
/* worker stop (serve.c) when its last request ended */
void sv_worker_maybe_done(struct worker *w);

/* request.c */
const wacc_serve_route *sv_route(const wacc_serve *sv, const char *path);
/* A request whose head is parsed (c->head, c->hoff): route it and build
 * it (its fiber starts in the drive loop). NULL with c->err_status set
 * (400, 404, 503) when the server must answer instead. */
struct request *sv_request_new(struct conn *c);
void sv_request_run(struct request *r);         /* resume its fiber */
void sv_request_end(struct request *r);         /* log, free (its fiber finished) */
/* Spare instances: made ahead by the worker when it is idle, so a request
 * does not wait for its instantiation; each is used by one request only. */
void sv_spares_start(struct worker *w);        /* (re)fill in idle time */
void sv_spares_free(struct worker *w);
void sv_log(const wacc_serve *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* serve.c: one-line message into err */
void wacc__serve_err(char err[WACC_ERR_LEN], const char *fmt, ...) __attribute__((format(printf, 2, 3)));


#endif
