/*
 * fns_sockets_udp.c — wasi:sockets/udp and udp-create-socket on
 * non-blocking host sockets.
 *
 * A udp-socket is bound (start-bind binds, finish-bind completes), then
 * `stream(remote?)` (dis)connects it and hands out one pair of datagram
 * streams (a second pair while the first lives traps, as the WIT allows).
 * receive() takes what is queued (recvfrom MSG_DONTWAIT) and never waits;
 * check-send permits 16 datagrams, or 0 after a send found the socket
 * full, until POLLOUT (the outgoing stream's pollable).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_int.h"

enum { U_UNBOUND, U_BIND_STARTED, U_BOUND };
enum { S_IDLE, S_PERMITTED, S_WAITING };

#define PERMIT 16
#define MAX_DATAGRAM 65535u
#define MAX_RECEIVE 64

typedef struct sk_udp {
    sk_sock *s;
    int state;
    bool connected;             /* stream() was given a remote address */
} sk_udp;

/* One end of a stream pair (incoming or outgoing). */
typedef struct sk_dgram {
    sk_sock *s;
    bool connected;
    struct sockaddr_storage remote;
    socklen_t rlen;
    int send_state;             /* outgoing: S_* */
    uint64_t permitted;
    uint8_t *buf;               /* incoming: MAX_DATAGRAM bytes */
} sk_dgram;

static bool same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family || sk_addr_port(a) != sk_addr_port(b))
        return false;
    if (a->sa_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* ---- objects ---- */

static bool udp_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)o, (void)pf, (void)dl;
    return true;                /* nothing a udp-socket does waits */
}

static void udp_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_udp *u = o->impl;
    if (u) {
        sk_sock_unref(u->s);
        free(u);
    }
    o->impl = NULL;
}

static bool in_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_dgram *d = o->impl;
    if (sk_fd_ready(d->s->fd, POLLIN))
        return true;
    pf->fd = d->s->fd;
    pf->events = POLLIN;
    return false;
}

static bool out_ready(wacc_wasi2 *w, w2_obj *o, struct pollfd *pf, uint64_t *dl)
{
    (void)w, (void)dl;
    sk_dgram *d = o->impl;
    if (d->send_state != S_WAITING)
        return true;
    if (sk_fd_ready(d->s->fd, POLLOUT)) {
        d->send_state = S_IDLE;
        return true;
    }
    pf->fd = d->s->fd;
    pf->events = POLLOUT;
    return false;
}

static void dgram_drop(wacc_wasi2 *w, w2_obj *o)
{
    (void)w;
    sk_dgram *d = o->impl;
    if (d) {
        d->s->ndgram_streams--;
        sk_sock_unref(d->s);
        free(d->buf);
        free(d);
    }
    o->impl = NULL;
}

static const w2_ops udp_ops = { .ready = udp_ready, .drop = udp_drop };
static const w2_ops din_ops = { .ready = in_ready, .drop = dgram_drop };
static const w2_ops dout_ops = { .ready = out_ready, .drop = dgram_drop };

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

static sk_udp *self(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_UDP);
    return o ? o->impl : NULL;
}

#define SELF(u)                                          \
    sk_udp *u = self(c);                                 \
    if (!u)                                              \
        return w2_trap(c, "not a udp-socket")

/* ---- udp-create-socket ---- */

static uint32_t create_udp_socket(w2_call *c)
{
    if (c->w->nudp == 0)
        return sk_err(c, "access-denied");
    int family = sk_family_of_val(&c->a[0]);
    int fd = sk_socket(family, SOCK_DGRAM);
    if (fd < 0)
        return sk_err_errno(c, errno == EAFNOSUPPORT ? EOPNOTSUPP : errno);
    sk_udp *u = calloc(1, sizeof *u);
    sk_sock *s = u ? sk_sock_new(fd, family) : NULL;
    uint32_t rep = s ? new_obj(c->w, K_UDP, &udp_ops, u) : 0;
    if (!rep) {
        if (s)
            sk_sock_unref(s);
        else
            close(fd);
        free(u);
        return WACC_TRAP_HOST;
    }
    u->s = s;
    wacc_cval v = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &v);
}

/* ---- udp-socket ---- */

static uint32_t start_bind(w2_call *c)
{
    SELF(u);
    struct sockaddr_storage ss;
    socklen_t len;
    uint32_t bad = sk_arg_addr(c, 1, &ss, &len);
    if (bad)
        return bad;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (!sk_addr_family_ok(sa, u->s->family))
        return sk_err(c, "invalid-argument");
    if (u->state != U_UNBOUND)
        return sk_err(c, "invalid-state");
    if (!sk_allowed(c->w, SK_UDP_BIND, sa))
        return sk_err(c, "access-denied");
    if (bind(u->s->fd, sa, len) < 0)
        return sk_err_errno(c, errno == EAFNOSUPPORT ? EINVAL : errno);
    u->state = U_BIND_STARTED;
    return w2_ok(c, NULL);
}

static uint32_t finish_bind(w2_call *c)
{
    SELF(u);
    if (u->state != U_BIND_STARTED)
        return sk_err(c, "not-in-progress");
    u->state = U_BOUND;
    return w2_ok(c, NULL);
}

static sk_dgram *new_dgram(sk_sock *s, const struct sockaddr_storage *remote, socklen_t rlen)
{
    sk_dgram *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->s = sk_sock_ref(s);
    s->ndgram_streams++;
    if (remote) {
        d->connected = true;
        d->remote = *remote;
        d->rlen = rlen;
    }
    return d;
}

static uint32_t stream(w2_call *c)
{
    SELF(u);
    sk_sock *s = u->s;
    if (s->ndgram_streams > 0)
        return w2_trap(c, "udp-socket.stream: the previous streams were not dropped");
    if (u->state != U_BOUND)
        return sk_err(c, "invalid-state");
    const wacc_cval *opt = &c->a[1];
    struct sockaddr_storage ss;
    socklen_t len = 0;
    bool some = opt->n == 1;
    if (some) {
        if (!opt->x.payload || !sk_addr_from_val(opt->x.payload, &ss, &len))
            return w2_trap(c, "bad ip-socket-address");
        const struct sockaddr *sa = (const struct sockaddr *)&ss;
        if (!sk_addr_family_ok(sa, s->family) || !sk_addr_remote_ok(sa))
            return sk_err(c, "invalid-argument");
        if (!sk_allowed(c->w, SK_UDP_REMOTE, sa))
            return sk_err(c, "access-denied");
    }
    /* dissolve an earlier association (Linux then forgets an ephemeral
     * local port: bind it again), then make the new one */
    if (u->connected) {
        struct sockaddr_storage local;
        socklen_t llen = sizeof local;
        bool have = getsockname(s->fd, (struct sockaddr *)&local, &llen) == 0;
        struct sockaddr unspec = { .sa_family = AF_UNSPEC };
        connect(s->fd, &unspec, sizeof unspec);
        u->connected = false;
        struct sockaddr_storage now;
        socklen_t nlen = sizeof now;
        if (have && getsockname(s->fd, (struct sockaddr *)&now, &nlen) == 0 &&
            sk_addr_port((struct sockaddr *)&now) == 0)
            bind(s->fd, (struct sockaddr *)&local, llen);
    }
    if (some && connect(s->fd, (struct sockaddr *)&ss, len) < 0)
        return errno == EADDRNOTAVAIL ? sk_err(c, "address-in-use") : sk_err_errno(c, errno);
    u->connected = some;
    sk_dgram *di = new_dgram(s, some ? &ss : NULL, len);
    sk_dgram *dout = new_dgram(s, some ? &ss : NULL, len);
    uint32_t in = 0, out = 0;
    if (di && dout && (di->buf = malloc(MAX_DATAGRAM)) != NULL &&
        (in = new_obj(c->w, K_DGRAM_IN, &din_ops, di)) != 0)
        out = new_obj(c->w, K_DGRAM_OUT, &dout_ops, dout);
    if (!out) {
        if (in)
            w2_release(c->w, in);           /* frees di */
        else if (di) {
            s->ndgram_streams--;
            sk_sock_unref(s);
            free(di->buf);
            free(di);
        }
        if (dout) {
            s->ndgram_streams--;
            sk_sock_unref(s);
            free(dout);
        }
        return WACC_TRAP_HOST;
    }
    wacc_cval *el = wacc_arena_alloc(c->arena, 2 * sizeof *el);
    if (!el)
        return WACC_TRAP_HOST;
    el[0] = wacc_cval_handle(WACC_CT_OWN, in);
    el[1] = wacc_cval_handle(WACC_CT_OWN, out);
    wacc_cval v = wacc_cval_tuple(el, 2);
    return w2_ok(c, &v);
}

static uint32_t local_address(w2_call *c)
{
    SELF(u);
    if (u->state != U_BOUND)
        return sk_err(c, "invalid-state");
    return sk_addr_result(c, u->s->fd, false);
}

static uint32_t remote_address(w2_call *c)
{
    SELF(u);
    return sk_addr_result(c, u->s->fd, true);      /* ENOTCONN: invalid-state */
}

static uint32_t address_family(w2_call *c)
{
    SELF(u);
    return w2_ret(c, sk_family_val(u->s->family));
}

static uint32_t unicast_hop_limit(w2_call *c)
{
    SELF(u);
    return sk_get_hop_limit(c, u->s);
}

static uint32_t set_unicast_hop_limit(w2_call *c)
{
    SELF(u);
    return sk_set_hop_limit(c, u->s, c->a[1].x.u);
}

static uint32_t receive_buffer_size(w2_call *c)
{
    SELF(u);
    return sk_get_bufsize(c, u->s, SO_RCVBUF);
}

static uint32_t set_receive_buffer_size(w2_call *c)
{
    SELF(u);
    return sk_set_bufsize(c, u->s, SO_RCVBUF, c->a[1].x.u);
}

static uint32_t send_buffer_size(w2_call *c)
{
    SELF(u);
    return sk_get_bufsize(c, u->s, SO_SNDBUF);
}

static uint32_t set_send_buffer_size(w2_call *c)
{
    SELF(u);
    return sk_set_bufsize(c, u->s, SO_SNDBUF, c->a[1].x.u);
}

static uint32_t subscribe(w2_call *c)
{
    SELF(u);
    return w2_new_pollable_src(c, K_UDP, (uint32_t)c->a[0].x.u);
}

/* ---- incoming-datagram-stream ---- */

static uint32_t receive(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    w2_obj *o = w2_get(c->w, rep, K_DGRAM_IN);
    if (!o)
        return w2_trap(c, "not an incoming-datagram-stream");
    sk_dgram *d = o->impl;
    uint64_t max = c->a[1].x.u;
    if (max > MAX_RECEIVE)
        max = MAX_RECEIVE;
    wacc_cval *el = max ? wacc_arena_alloc(c->arena, max * sizeof *el) : NULL;
    if (max && !el)
        return WACC_TRAP_HOST;
    uint32_t n = 0;
    while (n < max) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        ssize_t r = recvfrom(d->s->fd, d->buf, MAX_DATAGRAM, MSG_DONTWAIT, (struct sockaddr *)&ss, &len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || n > 0)
                break;
            return sk_err_errno(c, errno == ECONNRESET ? EHOSTUNREACH : errno);
        }
        if (d->connected && !same_addr((struct sockaddr *)&ss, (struct sockaddr *)&d->remote))
            continue;           /* not from the peer (the kernel filters these already) */
        uint8_t *data = wacc_arena_alloc(c->arena, r ? (size_t)r : 1);
        wacc_cval *f = wacc_arena_alloc(c->arena, 2 * sizeof *f);
        if (!data || !f)
            return WACC_TRAP_HOST;
        memcpy(data, d->buf, (size_t)r);
        f[0] = w2_bytes(data, (size_t)r);
        if (!sk_addr_to_val(c, (struct sockaddr *)&ss, &f[1]))
            return WACC_TRAP_HOST;
        el[n++] = wacc_cval_record(f, 2);
    }
    wacc_cval v = wacc_cval_list(el, n);
    return w2_ok(c, &v);
}

static uint32_t in_subscribe(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    if (!w2_get(c->w, rep, K_DGRAM_IN))
        return w2_trap(c, "not an incoming-datagram-stream");
    return w2_new_pollable_src(c, K_DGRAM_IN, rep);
}

/* ---- outgoing-datagram-stream ---- */

static sk_dgram *out_self(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_DGRAM_OUT);
    return o ? o->impl : NULL;
}

static uint32_t check_send(w2_call *c)
{
    sk_dgram *d = out_self(c);
    if (!d)
        return w2_trap(c, "not an outgoing-datagram-stream");
    if (d->send_state == S_IDLE) {
        d->send_state = S_PERMITTED;
        d->permitted = PERMIT;
    }
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, d->send_state == S_PERMITTED ? d->permitted : 0);
    return w2_ok(c, &v);
}

/* The bytes of a list<u8> value (arena copy when it is elements). */
static const uint8_t *list_u8(w2_call *c, const wacc_cval *l)
{
    static const uint8_t none[1];
    if (l->n == 0)
        return none;
    if (l->repr == WACC_CVAL_BYTES)
        return l->x.bytes;
    uint8_t *p = wacc_arena_alloc(c->arena, l->n);
    if (p)
        for (uint32_t i = 0; i < l->n; i++)
            p[i] = (uint8_t)l->x.elems[i].x.u;
    return p;
}

/* Sends one outgoing-datagram record: 0 or an errno (EINVAL: bad
 * address, EACCES: not granted, EAGAIN: full). */
static int send_one(w2_call *c, sk_dgram *d, const wacc_cval *rec)
{
    const wacc_cval *data = &rec->x.elems[0], *opt = &rec->x.elems[1];
    if (data->n > MAX_DATAGRAM)
        return EMSGSIZE;
    const uint8_t *p = list_u8(c, data);
    if (!p)
        return ENOMEM;
    struct sockaddr_storage ss;
    socklen_t len = 0;
    bool some = opt->n == 1;
    if (some && (!opt->x.payload || !sk_addr_from_val(opt->x.payload, &ss, &len)))
        return EINVAL;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (d->connected) {
        if (some && !same_addr(sa, (struct sockaddr *)&d->remote))
            return EINVAL;
        some = false;                   /* send(2) to the peer */
    } else {
        if (!some)
            return EINVAL;              /* no destination */
        if (!sk_addr_family_ok(sa, d->s->family) || !sk_addr_remote_ok(sa))
            return EINVAL;
        if (!sk_allowed(c->w, SK_UDP_REMOTE, sa))
            return EACCES;
    }
    for (;;) {
        ssize_t r = some ? sendto(d->s->fd, p, data->n, MSG_DONTWAIT | MSG_NOSIGNAL, sa, len)
                         : send(d->s->fd, p, data->n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r >= 0)
            return 0;
        if (errno != EINTR)
            return errno == EWOULDBLOCK ? EAGAIN : errno;
    }
}

static uint32_t send_(w2_call *c)
{
    sk_dgram *d = out_self(c);
    if (!d)
        return w2_trap(c, "not an outgoing-datagram-stream");
    const wacc_cval *list = &c->a[1];
    if (d->send_state != S_PERMITTED)
        return w2_trap(c, "outgoing-datagram-stream.send: check-send was not called");
    if (list->n > d->permitted)
        return w2_trap(c, "outgoing-datagram-stream.send: more datagrams than check-send permitted");
    d->send_state = S_IDLE;
    uint64_t sent = 0;
    for (uint32_t i = 0; i < list->n; i++) {
        int e = send_one(c, d, &list->x.elems[i]);
        if (e == 0) {
            sent++;
            continue;
        }
        if (e == EAGAIN) {
            d->send_state = S_WAITING;
            break;
        }
        if (sent > 0)
            break;          /* WIT: after one success, never an error */
        if (e == ENOMEM)
            return WACC_TRAP_HOST;
        if (e == EACCES)
            return sk_err(c, "access-denied");
        if (e == ECONNRESET)
            e = EHOSTUNREACH;
        return sk_err_errno(c, e);
    }
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, sent);
    return w2_ok(c, &v);
}

static uint32_t out_subscribe(w2_call *c)
{
    uint32_t rep = (uint32_t)c->a[0].x.u;
    if (!w2_get(c->w, rep, K_DGRAM_OUT))
        return w2_trap(c, "not an outgoing-datagram-stream");
    return w2_new_pollable_src(c, K_DGRAM_OUT, rep);
}

#define M(name) "wasi:sockets/udp#[method]udp-socket." name
const w2_fn w2_fns_sockets_udp[] = {
    { "wasi:sockets/udp-create-socket#create-udp-socket", create_udp_socket },
    { M("start-bind"), start_bind },
    { M("finish-bind"), finish_bind },
    { M("stream"), stream },
    { M("local-address"), local_address },
    { M("remote-address"), remote_address },
    { M("address-family"), address_family },
    { M("unicast-hop-limit"), unicast_hop_limit },
    { M("set-unicast-hop-limit"), set_unicast_hop_limit },
    { M("receive-buffer-size"), receive_buffer_size },
    { M("set-receive-buffer-size"), set_receive_buffer_size },
    { M("send-buffer-size"), send_buffer_size },
    { M("set-send-buffer-size"), set_send_buffer_size },
    { M("subscribe"), subscribe },
    { "wasi:sockets/udp#[method]incoming-datagram-stream.receive", receive },
    { "wasi:sockets/udp#[method]incoming-datagram-stream.subscribe", in_subscribe },
    { "wasi:sockets/udp#[method]outgoing-datagram-stream.check-send", check_send },
    { "wasi:sockets/udp#[method]outgoing-datagram-stream.send", send_ },
    { "wasi:sockets/udp#[method]outgoing-datagram-stream.subscribe", out_subscribe },
    { NULL, NULL },
};
