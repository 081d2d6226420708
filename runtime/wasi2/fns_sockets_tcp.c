/*
 * fns_sockets_tcp.c — wasi:sockets/tcp and tcp-create-socket on
 * non-blocking host sockets.
 *
 * States (WIT): unbound → bind-in-progress → bound → listen-in-progress →
 * listening; unbound|bound → connect-in-progress → connected | closed.
 * start-bind binds, start-listen only checks, finish-listen listens,
 * start-connect calls connect(2) (EINPROGRESS is the normal answer) and
 * finish-connect polls the fd with timeout 0 and reads SO_ERROR.
 *
 * Streams: the input stream recv()s with MSG_DONTWAIT (0 bytes: would
 * block, fns_io waits on POLLIN for blocking reads); the output stream
 * accepts up to 64 KiB into a buffer that is sent as the socket takes it
 * (check-write = free room; flush = buffer empty; POLLOUT moves both).
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_int.h"

enum { T_UNBOUND, T_BIND_STARTED, T_BOUND, T_LISTEN_STARTED, T_LISTENING, T_CONNECTING,
       T_CONNECTED, T_CLOSED };

typedef struct sk_tcp {
    sk_sock *s;
    int state;
    bool listen_ok;             /* the bound address is granted by --tcp-listen */
    bool conn_done;             /* connect(2) finished at once (conn_err: its errno) */
    int conn_err;
    int backlog;
} sk_tcp;

#define DEFAULT_BACKLOG 128

/* ---- streams ---- */

static long in_read(wacc_wasi2 *w, w2_obj *o, uint8_t *buf, size_t cap, int *err)
{
    (void)w;
    sk_sock *s = o->impl;
    if (s->shut_rd)
        return -1;
    for (;;) {
        ssize_t r = recv(s->fd, buf, cap, MSG_DONTWAIT);
        if (r > 0)
            return (long)r;
        if (r == 0)
            return -1;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        *err = errno;
        return -2;
    }
}

static bool in_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_sock *s = o->impl;
    if (s->shut_rd || sk_fd_ready(s->fd, POLLIN))
        return true;
    pf->fd = s->fd;
    pf->events = POLLIN;
    return false;
}

static void stream_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_sock_unref(o->impl);
    o->impl = NULL;
}

/* Sends what the socket takes now; shutdown(send) once all is gone. */
static void drain(sk_sock *s)
{
    while (s->olen > 0 && !s->oerr) {
        ssize_t r = send(s->fd, s->obuf, s->olen, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r > 0) {
            memmove(s->obuf, s->obuf + r, s->olen - (size_t)r);
            s->olen -= (size_t)r;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            s->oerr = r < 0 ? errno : EPIPE;
        }
    }
    if (s->shut_wr_pending && (s->olen == 0 || s->oerr)) {
        shutdown(s->fd, SHUT_WR);
        s->shut_wr_pending = false;
    }
}

static uint64_t out_room(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_sock *s = o->impl;
    if (s->shut_wr || s->oerr)
        return SK_OBUF_CAP;         /* the write reports it */
    drain(s);
    return SK_OBUF_CAP - s->olen;
}

static int out_write(wacc_wasi2 *w, w2_obj *o, const uint8_t *p, size_t n)
{
    (void)w;
    sk_sock *s = o->impl;
    if (s->shut_wr)
        return EPIPE;
    if (s->oerr)
        return s->oerr;
    if (n > SK_OBUF_CAP - s->olen)
        return EINVAL;
    if (!s->obuf && !(s->obuf = malloc(SK_OBUF_CAP)))
        return ENOMEM;
    memcpy(s->obuf + s->olen, p, n);
    s->olen += n;
    drain(s);
    return 0;
}

static int out_flush(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_sock *s = o->impl;
    drain(s);
    if (s->oerr)
        return s->oerr;
    return s->olen ? EAGAIN : 0;
}

static bool out_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_sock *s = o->impl;
    drain(s);
    if (s->olen == 0 || s->oerr || s->shut_wr)
        return true;
    pf->fd = s->fd;
    pf->events = POLLOUT;
    return false;
}

/* Nothing here may wait: what the socket does not take at once is handed
 * to the kernel by growing its send buffer (Linux doubles the value and
 * caps it at net.core.wmem_max; beyond that the rest is lost). */
static void out_drop(wacc_wasi2 *w, w2_obj *o)
{
    sk_sock *s = o->impl;
    drain(s);
    if (s->olen > 0 && !s->oerr) {
        int cur = 0;
        socklen_t n = sizeof cur;
        if (getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &cur, &n) == 0) {
            int want = cur / 2 + (int)s->olen * 2;
            setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
            drain(s);
        }
    }
    stream_drop(w, o);
}

static const w2_ops in_ops = { .read = in_read, .ready = in_ready, .drop = stream_drop };
static const w2_ops out_ops = { .room = out_room, .write = out_write, .flush = out_flush,
                                .ready = out_ready, .drop = out_drop };

/* ---- the socket object ---- */

static bool tcp_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_tcp *t = o->impl;
    short ev;
    if (t->state == T_CONNECTING && !t->conn_done)
        ev = POLLOUT;
    else if (t->state == T_LISTENING)
        ev = POLLIN;
    else
        return true;
    if (sk_fd_ready(t->s->fd, ev))
        return true;
    pf->fd = t->s->fd;
    pf->events = ev;
    return false;
}

static void tcp_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_tcp *t = o->impl;
    if (t) {
        sk_sock_unref(t->s);
        free(t);
    }
    o->impl = NULL;
}

static const w2_ops tcp_ops = { .ready = tcp_ready, .drop = tcp_drop };

/* A host object with ops and impl; 0 on OOM (impl not taken). */
static uint32_t new_obj(wacc_wasi2 *w, uint8_t kind, const w2_ops *ops, void *impl)
{
    w2_obj *o;
    uint32_t rep = w2_new(w, kind, &o);
    if (rep) {
        o->ops = ops;
        o->impl = impl;
    }
    return rep;
}

/* A socket object for an fd (sk_sock taken: released on failure). */
static uint32_t new_tcp(wacc_wasi2 *w, sk_sock *s, int state)
{
    sk_tcp *t = calloc(1, sizeof *t);
    uint32_t rep = t ? new_obj(w, K_TCP, &tcp_ops, t) : 0;
    if (!rep) {
        free(t);
        sk_sock_unref(s);
        return 0;
    }
    t->s = s;
    t->state = state;
    t->backlog = DEFAULT_BACKLOG;
    return rep;
}

/* The two streams of a connected socket: *in, *out (0, 0 on OOM). */
static bool new_streams(wacc_wasi2 *w, sk_sock *s, uint32_t *in, uint32_t *out)
{
    *in = new_obj(w, K_INSTREAM, &in_ops, sk_sock_ref(s));
    if (!*in) {
        sk_sock_unref(s);
        return false;
    }
    *out = new_obj(w, K_OUTSTREAM, &out_ops, sk_sock_ref(s));
    if (!*out) {
        sk_sock_unref(s);
        w2_release(w, *in);
        return false;
    }
    return true;
}

static wacc_cval own(uint32_t rep)
{
    return wacc_cval_handle(WACC_CT_OWN, rep);
}

static sk_tcp *self(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_TCP);
    return o ? o->impl : NULL;
}

#define SELF(t)                                          \
    sk_tcp *t = self(c);                                 \
    if (!t)                                              \
        return w2_trap(c, "not a tcp-socket")

/* ---- tcp-create-socket ---- */

static uint32_t create_tcp_socket(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    if (w->ntcp_listen + w->ntcp_connect == 0)
        return sk_err(c, "access-denied");
    int family = sk_family_of_val(&c->a[0]);
    int fd = sk_socket(family, SOCK_STREAM);
    if (fd < 0)
        return sk_err_errno(c, errno == EAFNOSUPPORT ? EOPNOTSUPP : errno);
    sk_sock *s = sk_sock_new(fd, family);
    if (!s) {
        close(fd);
        return WACC_TRAP_HOST;
    }
    uint32_t rep = new_tcp(w, s, T_UNBOUND);
    if (!rep)
        return WACC_TRAP_HOST;
    wacc_cval v = own(rep);
    return w2_ok(c, &v);
}

/* ---- bind / listen / accept ---- */

static uint32_t start_bind(w2_call *c)
{
    SELF(t);
    struct sockaddr_storage ss;
    socklen_t len;
    uint32_t bad = sk_arg_addr(c, 1, &ss, &len);
    if (bad)
        return bad;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (!sk_addr_unicast(sa) || !sk_addr_family_ok(sa, t->s->family))
        return sk_err(c, "invalid-argument");
    if (t->state != T_UNBOUND)
        return sk_err(c, "invalid-state");
    if (!sk_allowed(c->w, SK_TCP_BIND, sa))
        return sk_err(c, "access-denied");
    if (sk_addr_port(sa) != 0) {
        int one = 1;        /* WIT: not affected by TIME_WAIT */
        setsockopt(t->s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (bind(t->s->fd, sa, len) < 0)
        return sk_err_errno(c, errno == EAFNOSUPPORT ? EINVAL : errno);
    t->listen_ok = sk_allowed(c->w, SK_TCP_LISTEN, sa);
    t->state = T_BIND_STARTED;
    return w2_ok(c, NULL);
}

static uint32_t finish_bind(w2_call *c)
{
    SELF(t);
    if (t->state != T_BIND_STARTED)
        return sk_err(c, "not-in-progress");
    t->state = T_BOUND;
    return w2_ok(c, NULL);
}

static uint32_t start_listen(w2_call *c)
{
    SELF(t);
    if (t->state != T_BOUND)
        return sk_err(c, "invalid-state");
    if (!t->listen_ok)
        return sk_err(c, "access-denied");
    t->state = T_LISTEN_STARTED;
    return w2_ok(c, NULL);
}

static uint32_t finish_listen(w2_call *c)
{
    SELF(t);
    if (t->state != T_LISTEN_STARTED)
        return sk_err(c, "not-in-progress");
    if (listen(t->s->fd, t->backlog) < 0) {
        t->state = T_CLOSED;
        return sk_err_errno(c, errno);
    }
    t->state = T_LISTENING;
    return w2_ok(c, NULL);
}

static uint32_t accept_(w2_call *c)
{
    SELF(t);
    if (t->state != T_LISTENING)
        return sk_err(c, "invalid-state");
    int fd;
    do
        fd = accept4(t->s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        switch (errno) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return sk_err(c, "would-block");
        /* Linux passes pending network errors of the new connection */
        case ECONNRESET: case ENETRESET: case EHOSTUNREACH: case EHOSTDOWN: case ENETDOWN:
        case ENETUNREACH: case EPROTO: case ENOPROTOOPT: case ENONET: case EOPNOTSUPP:
            return sk_err(c, "connection-aborted");
        default:
            return sk_err_errno(c, errno);
        }
    }
    sk_sock *s = sk_sock_new(fd, t->s->family);
    if (!s) {
        close(fd);
        return WACC_TRAP_HOST;
    }
    uint32_t rep = new_tcp(c->w, s, T_CONNECTED), in, out;     /* takes s */
    if (!rep)
        return WACC_TRAP_HOST;
    if (!new_streams(c->w, s, &in, &out)) {
        w2_release(c->w, rep);
        return WACC_TRAP_HOST;
    }
    wacc_cval *e = wacc_arena_alloc(c->arena, 3 * sizeof *e);
    if (!e)
        return WACC_TRAP_HOST;
    e[0] = own(rep);
    e[1] = own(in);
    e[2] = own(out);
    wacc_cval v = wacc_cval_tuple(e, 3);
    return w2_ok(c, &v);
}

/* ---- connect ---- */

static uint32_t start_connect(w2_call *c)
{
    SELF(t);
    struct sockaddr_storage ss;
    socklen_t len;
    uint32_t bad = sk_arg_addr(c, 1, &ss, &len);
    if (bad)
        return bad;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (t->state == T_CONNECTING)
        return sk_err(c, "concurrency-conflict");
    if (t->state != T_UNBOUND && t->state != T_BOUND)
        return sk_err(c, "invalid-state");
    if (!sk_addr_unicast(sa) || !sk_addr_remote_ok(sa) || !sk_addr_family_ok(sa, t->s->family))
        return sk_err(c, "invalid-argument");
    if (!sk_allowed(c->w, SK_TCP_CONNECT, sa))
        return sk_err(c, "access-denied");
    t->state = T_CONNECTING;
    t->conn_done = false;
    t->conn_err = 0;
    int r;
    do
        r = connect(t->s->fd, sa, len);
    while (r < 0 && errno == EINTR && !sk_fd_ready(t->s->fd, POLLOUT));
    if (r == 0) {
        t->conn_done = true;
    } else if (errno != EINPROGRESS && errno != EINTR) {
        t->conn_done = true;        /* the outcome is finish-connect's to report */
        t->conn_err = errno;
    }
    return w2_ok(c, NULL);
}

static uint32_t finish_connect(w2_call *c)
{
    SELF(t);
    if (t->state != T_CONNECTING)
        return sk_err(c, "not-in-progress");
    int e = t->conn_err;
    if (!t->conn_done) {
        if (!sk_fd_ready(t->s->fd, POLLOUT))
            return sk_err(c, "would-block");
        socklen_t n = sizeof e;
        if (getsockopt(t->s->fd, SOL_SOCKET, SO_ERROR, &e, &n) < 0)
            e = errno;
    }
    if (e) {
        t->state = T_CLOSED;
        /* Linux: no ephemeral port left is EADDRNOTAVAIL */
        return e == EADDRNOTAVAIL ? sk_err(c, "address-in-use") : sk_err_errno(c, e);
    }
    uint32_t in, out;
    if (!new_streams(c->w, t->s, &in, &out))
        return WACC_TRAP_HOST;
    t = self(c);
    t->state = T_CONNECTED;
    wacc_cval *el = wacc_arena_alloc(c->arena, 2 * sizeof *el);
    if (!el)
        return WACC_TRAP_HOST;
    el[0] = own(in);
    el[1] = own(out);
    wacc_cval v = wacc_cval_tuple(el, 2);
    return w2_ok(c, &v);
}

static uint32_t shutdown_(w2_call *c)
{
    SELF(t);
    if (t->state != T_CONNECTED)
        return sk_err(c, "invalid-state");
    sk_sock *s = t->s;
    uint32_t how = c->a[1].n;       /* enum shutdown-type { receive, send, both } */
    if ((how == 0 || how == 2) && !s->shut_rd) {
        shutdown(s->fd, SHUT_RD);
        s->shut_rd = true;
    }
    if ((how == 1 || how == 2) && !s->shut_wr) {
        s->shut_wr = true;
        s->shut_wr_pending = true;      /* after what was written is sent */
        drain(s);
    }
    return w2_ok(c, NULL);
}

/* ---- addresses and state ---- */

static uint32_t local_address(w2_call *c)
{
    SELF(t);
    if (t->state == T_UNBOUND || t->state == T_BIND_STARTED || t->state == T_CLOSED)
        return sk_err(c, "invalid-state");
    return sk_addr_result(c, t->s->fd, false);
}

static uint32_t remote_address(w2_call *c)
{
    SELF(t);
    if (t->state != T_CONNECTED)
        return sk_err(c, "invalid-state");
    return sk_addr_result(c, t->s->fd, true);
}

static uint32_t is_listening(w2_call *c)
{
    SELF(t);
    return w2_ret(c, wacc_cval_bool(t->state == T_LISTENING));
}

static uint32_t address_family(w2_call *c)
{
    SELF(t);
    return w2_ret(c, sk_family_val(t->s->family));
}

static uint32_t subscribe(w2_call *c)
{
    SELF(t);
    return w2_new_pollable_src(c, K_TCP, (uint32_t)c->a[0].x.u);
}

/* ---- options ---- */

static uint32_t set_listen_backlog_size(w2_call *c)
{
    SELF(t);
    uint64_t v = c->a[1].x.u;
    if (v == 0)
        return sk_err(c, "invalid-argument");
    int b = v > 0x7fffffff ? 0x7fffffff : (int)v;
    switch (t->state) {
    case T_UNBOUND: case T_BIND_STARTED: case T_BOUND: case T_LISTEN_STARTED:
        t->backlog = b;
        return w2_ok(c, NULL);
    case T_LISTENING:
        if (listen(t->s->fd, b) < 0)
            return sk_err(c, "not-supported");
        t->backlog = b;
        return w2_ok(c, NULL);
    default:
        return sk_err(c, "invalid-state");
    }
}

/* A keep-alive option: get (result<kind, error-code>) or set a[1]. */
static uint32_t keep(w2_call *c, int opt, uint8_t kind, bool set)
{
    SELF(t);
    if (t->state == T_CLOSED)
        return sk_err(c, "invalid-state");
    return sk_opt(c, t->s, opt, kind, set);
}

static uint32_t keep_alive_enabled(w2_call *c) { return keep(c, SK_KEEP_ALIVE, WACC_CT_BOOL, false); }
static uint32_t set_keep_alive_enabled(w2_call *c) { return keep(c, SK_KEEP_ALIVE, WACC_CT_BOOL, true); }
static uint32_t keep_alive_idle_time(w2_call *c) { return keep(c, SK_KEEP_IDLE, WACC_CT_U64, false); }
static uint32_t set_keep_alive_idle_time(w2_call *c) { return keep(c, SK_KEEP_IDLE, WACC_CT_U64, true); }
static uint32_t keep_alive_interval(w2_call *c) { return keep(c, SK_KEEP_INTERVAL, WACC_CT_U64, false); }
static uint32_t set_keep_alive_interval(w2_call *c) { return keep(c, SK_KEEP_INTERVAL, WACC_CT_U64, true); }
static uint32_t keep_alive_count(w2_call *c) { return keep(c, SK_KEEP_COUNT, WACC_CT_U32, false); }
static uint32_t set_keep_alive_count(w2_call *c) { return keep(c, SK_KEEP_COUNT, WACC_CT_U32, true); }

static uint32_t hop_limit(w2_call *c)
{
    SELF(t);
    if (t->state == T_CLOSED)
        return sk_err(c, "invalid-state");
    return sk_get_hop_limit(c, t->s);
}

static uint32_t set_hop_limit(w2_call *c)
{
    SELF(t);
    if (t->state == T_CLOSED)
        return sk_err(c, "invalid-state");
    return sk_set_hop_limit(c, t->s, c->a[1].x.u);
}

static uint32_t bufsize(w2_call *c, int opt, bool set)
{
    SELF(t);
    if (t->state == T_CLOSED)
        return sk_err(c, "invalid-state");
    return set ? sk_set_bufsize(c, t->s, opt, c->a[1].x.u) : sk_get_bufsize(c, t->s, opt);
}

static uint32_t receive_buffer_size(w2_call *c) { return bufsize(c, SO_RCVBUF, false); }
static uint32_t set_receive_buffer_size(w2_call *c) { return bufsize(c, SO_RCVBUF, true); }
static uint32_t send_buffer_size(w2_call *c) { return bufsize(c, SO_SNDBUF, false); }
static uint32_t set_send_buffer_size(w2_call *c) { return bufsize(c, SO_SNDBUF, true); }

#define M(name) "wasi:sockets/tcp#[method]tcp-socket." name
const w2_fn w2_fns_sockets_tcp[] = {
    { "wasi:sockets/tcp-create-socket#create-tcp-socket", create_tcp_socket },
    { M("start-bind"), start_bind },
    { M("finish-bind"), finish_bind },
    { M("start-connect"), start_connect },
    { M("finish-connect"), finish_connect },
    { M("start-listen"), start_listen },
    { M("finish-listen"), finish_listen },
    { M("accept"), accept_ },
    { M("local-address"), local_address },
    { M("remote-address"), remote_address },
    { M("is-listening"), is_listening },
    { M("address-family"), address_family },
    { M("set-listen-backlog-size"), set_listen_backlog_size },
    { M("keep-alive-enabled"), keep_alive_enabled },
    { M("set-keep-alive-enabled"), set_keep_alive_enabled },
    { M("keep-alive-idle-time"), keep_alive_idle_time },
    { M("set-keep-alive-idle-time"), set_keep_alive_idle_time },
    { M("keep-alive-interval"), keep_alive_interval },
    { M("set-keep-alive-interval"), set_keep_alive_interval },
    { M("keep-alive-count"), keep_alive_count },
    { M("set-keep-alive-count"), set_keep_alive_count },
    { M("hop-limit"), hop_limit },
    { M("set-hop-limit"), set_hop_limit },
    { M("receive-buffer-size"), receive_buffer_size },
    { M("set-receive-buffer-size"), set_receive_buffer_size },
    { M("send-buffer-size"), send_buffer_size },
    { M("set-send-buffer-size"), set_send_buffer_size },
    { M("subscribe"), subscribe },
    { M("shutdown"), shutdown_ },
    { NULL, NULL },
};
