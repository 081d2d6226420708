/*
 * sockets_tcp.c — wasi:sockets/types@0.3.0 tcp-socket in the host, on the
 * instance's event loop: create, bind, connect (an async host function:
 * a non-blocking connect finished by a watch), send (bytes from the
 * guest's stream to the socket), receive (bytes from the socket into a
 * stream the host writes), addresses. Grants as in WASI 0.2: bind needs a
 * --tcp-listen rule, connect a --tcp-connect rule (runtime/wasi2's rule
 * matching and address conversion); listen hands accepted connections
 * to the guest through a stream<tcp-socket> (one accept per element the
 * guest reads). UDP is sockets_udp.c. Socket options and ip-name-lookup
 * are not provided yet (a component importing them does not link).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockets_int.h"

#define TBUF 16384u

typedef struct tcp {
    s3_sock sk;                         /* first (s3_opt) */
    wacc_wasi3_sockets *ss;
    struct tcp *prev, *next;            /* in ss->all (dropped ones too, until idle) */
    int backlog;                        /* set-listen-backlog-size (0: the default) */
    bool bound, connected, dropped, listening;
    /* listen: accepted sockets into a stream for the guest */
    wacc_hend *aout;
    bool abusy;
    uint32_t arep;                      /* the accepted socket being handed over */
    wacc_cval av;
    wacc_watch *aw;
    wacc_arena arena;
    /* connect */
    wacc_hcall *ccall;
    wacc_watch *cw;
    /* send: guest stream -> socket */
    wacc_hend *sin, *sfut;
    uint8_t sbuf[TBUF];
    uint32_t slen, soff;
    bool sbusy, seof, sfut_busy;
    int serr;
    wacc_watch *sw;
    wacc_cval sv;
    /* receive: socket -> guest stream */
    wacc_hend *rout, *rfut;
    uint8_t rbuf[TBUF];
    uint32_t rlen;
    bool rbusy, reof, rfut_busy;
    int rerr;
    wacc_watch *rw;
    wacc_cval rv;
} tcp;

/* ---- objects ---- */

static uint32_t add(wacc_wasi3_sockets *ss, tcp *t)
{
    return w3_slot_add(&ss->tcps, t);
}

static tcp *get(wacc_wasi3_sockets *ss, uint64_t rep)
{
    return w3_slot_get(&ss->tcps, rep);
}

static bool busy(const tcp *t)
{
    return t->ccall || t->sbusy || t->sfut_busy || t->rbusy || t->rfut_busy || t->abusy;
}

static void tcp_free(tcp *t)
{
    wacc_cinstance *ci = t->ss->ci;
    if (t->prev)
        t->prev->next = t->next;
    else
        t->ss->all = t->next;
    if (t->next)
        t->next->prev = t->prev;
    if (ci) {
        if (t->cw)
            wacc_watch_remove(ci, t->cw);
        if (t->sw)
            wacc_watch_remove(ci, t->sw);
        if (t->rw)
            wacc_watch_remove(ci, t->rw);
        if (t->aw)
            wacc_watch_remove(ci, t->aw);
        if (t->aout)
            wacc_hend_drop(t->aout);
        if (t->sin)
            wacc_hend_drop(t->sin);
        if (t->sfut)
            wacc_hend_drop(t->sfut);
        if (t->rout)
            wacc_hend_drop(t->rout);
        if (t->rfut)
            wacc_hend_drop(t->rfut);
    }
    if (t->sk.fd >= 0)
        close(t->sk.fd);
    wacc_arena_fini(&t->arena);
    free(t);
}

static void maybe_free(tcp *t)
{
    if (t->dropped && !busy(t))
        tcp_free(t);
}

static int dtor(void *ctx, uint32_t rep)
{
    wacc_wasi3_sockets *ss = ctx;
    tcp *t = w3_slot_take(&ss->tcps, rep);
    if (t) {
        t->dropped = true;
        maybe_free(t);
    }
    return 0;
}

/* ---- values ---- */

const wacc_ctype *s3_err_type(const wacc_cfunc *type)
{
    const wacc_ctype *rt = wacc_cfunc_result(type);
    if (rt && rt->kind == WACC_CT_FUTURE)
        rt = rt->elem;
    if (rt && rt->kind == WACC_CT_TUPLE)
        rt = rt->fields[1].type->elem;          /* receive: future<result<_, error-code>> */
    return rt && rt->kind == WACC_CT_RESULT && rt->n > 1 ? rt->fields[1].type : NULL;
}

wacc_cval s3_err(wacc_arena *a, const wacc_ctype *et, const char *label)
{
    wacc_cval *p = wacc_arena_alloc(a, sizeof *p);
    if (p && et && h3_error_code(a, et, label, NULL, p))
        return wacc_cval_variant(WACC_CT_RESULT, 1, p);
    return wacc_cval_variant(WACC_CT_RESULT, 1, NULL);
}

wacc_cval s3_ok(wacc_arena *a, const wacc_cval *payload)
{
    wacc_cval *p = NULL;
    if (payload && (p = wacc_arena_alloc(a, sizeof *p)))
        *p = *payload;
    return wacc_cval_variant(WACC_CT_RESULT, 0, p);
}

static bool allowed(const wacc_wasi3_sockets *ss, bool connect, const struct sockaddr *sa)
{
    const char *const *rules = connect ? ss->cfg->tcp_connect : ss->cfg->tcp_listen;
    uint32_t n = connect ? ss->cfg->ntcp_connect : ss->cfg->ntcp_listen;
    for (uint32_t i = 0; i < n; i++)
        if (sk_rule_match(rules[i], sa, !connect))
            return true;
    return false;
}

static tcp *tcp_new(wacc_wasi3_sockets *ss, int fd, int family, uint32_t *rep);

/* ---- create, bind, addresses ---- */

static uint32_t f_create(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    int family = sk_family_of_val(&a[0]);
    if (!f->ss->cfg->ntcp_listen && !f->ss->cfg->ntcp_connect) {
        *res = s3_err(arena, et, "access-denied");
        return 0;
    }
    int fd = sk_socket(family, SOCK_STREAM);
    if (fd < 0) {
        *res = s3_err(arena, et, sk_errno_label(errno));
        return 0;
    }
    uint32_t rep = 0;
    if (!tcp_new(f->ss, fd, family, &rep)) {
        close(fd);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    *res = s3_ok(arena, &h);
    return 0;
}

static uint32_t f_bind(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    tcp *t = get(f->ss, a[0].x.u);
    struct sockaddr_storage sa;
    socklen_t len;
    if (!t)
        return WACC_TRAP_HOST;
    if (t->bound || t->connected) {
        *res = s3_err(arena, et, "invalid-state");
        return 0;
    }
    if (!sk_addr_from_val(&a[1], &sa, &len) || !sk_addr_family_ok((struct sockaddr *)&sa, t->sk.family) ||
        !sk_addr_unicast((struct sockaddr *)&sa)) {
        *res = s3_err(arena, et, "invalid-argument");
        return 0;
    }
    if (!allowed(f->ss, false, (struct sockaddr *)&sa)) {
        *res = s3_err(arena, et, "access-denied");
        return 0;
    }
    if (bind(t->sk.fd, (struct sockaddr *)&sa, len) != 0) {
        *res = s3_err(arena, et, sk_errno_label(errno));
        return 0;
    }
    t->bound = true;
    *res = s3_ok(arena, NULL);
    return 0;
}

bool s3_addr_val(wacc_arena *arena, const struct sockaddr_storage *sa, wacc_cval *out)
{
    /* ip-socket-address: ipv4(record{port, tuple<u8 x4>}) | ipv6(record{port, flow, tuple<u16 x8>, scope}) */
    wacc_cval *rec = wacc_arena_alloc(arena, 4 * sizeof *rec);
    wacc_cval *ip = wacc_arena_alloc(arena, 8 * sizeof *ip);
    wacc_cval *r = wacc_arena_alloc(arena, sizeof *r);
    if (!rec || !ip || !r)
        return false;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        const uint8_t *b = (const uint8_t *)&in->sin_addr;
        for (int i = 0; i < 4; i++)
            ip[i] = wacc_cval_uint(WACC_CT_U8, b[i]);
        rec[0] = wacc_cval_uint(WACC_CT_U16, ntohs(in->sin_port));
        rec[1] = wacc_cval_tuple(ip, 4);
        *r = wacc_cval_record(rec, 2);
        *out = wacc_cval_variant(WACC_CT_VARIANT, 0, r);
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        const uint8_t *b = (const uint8_t *)&in6->sin6_addr;
        for (int i = 0; i < 8; i++)
            ip[i] = wacc_cval_uint(WACC_CT_U16, (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]));
        rec[0] = wacc_cval_uint(WACC_CT_U16, ntohs(in6->sin6_port));
        rec[1] = wacc_cval_uint(WACC_CT_U32, ntohl(in6->sin6_flowinfo));
        rec[2] = wacc_cval_tuple(ip, 8);
        rec[3] = wacc_cval_uint(WACC_CT_U32, in6->sin6_scope_id);
        *r = wacc_cval_record(rec, 4);
        *out = wacc_cval_variant(WACC_CT_VARIANT, 1, r);
    }
    return true;
}

static uint32_t addr_result(sk_fn *f, tcp *t, bool local, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int rc = local ? getsockname(t->sk.fd, (struct sockaddr *)&sa, &len)
                   : getpeername(t->sk.fd, (struct sockaddr *)&sa, &len);
    if (rc != 0 || (local && !t->bound && !t->connected)) {
        *res = s3_err(arena, et, "invalid-state");
        return 0;
    }
    wacc_cval v;
    if (!s3_addr_val(arena, &sa, &v))
        return WACC_TRAP_OUT_OF_MEMORY;
    *res = s3_ok(arena, &v);
    return 0;
}

static uint32_t f_local(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    tcp *t = get(f->ss, a[0].x.u);
    return t ? addr_result(f, t, true, res, arena) : WACC_TRAP_HOST;
}

static uint32_t f_remote(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    tcp *t = get(f->ss, a[0].x.u);
    return t ? addr_result(f, t, false, res, arena) : WACC_TRAP_HOST;
}

static uint32_t f_family(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    (void)arena;
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    *res = sk_family_val(t->sk.family);
    return 0;
}

static uint32_t f_is_listening(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    (void)arena;
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    *res = wacc_cval_bool(t->listening);
    return 0;
}

/* ---- options ---- */

uint32_t s3_opt(sk_fn *f, const w3_slots *socks, const wacc_cval *a, wacc_cval *res,
                wacc_arena *arena, int opt, uint8_t kind, bool set)
{
    const s3_sock *sk = w3_slot_get(socks, a[0].x.u);
    if (!sk)
        return WACC_TRAP_HOST;
    uint64_t v = 0;
    const char *bad = sk->fd < 0 ? "invalid-state"
                    : set ? sk_opt_set(sk->fd, sk->family, opt,
                                       kind == WACC_CT_BOOL ? a[1].x.b : a[1].x.u)
                          : sk_opt_get(sk->fd, sk->family, opt, &v);
    if (bad) {
        *res = s3_err(arena, s3_err_type(f->type), bad);
    } else if (set) {
        *res = s3_ok(arena, NULL);
    } else {
        wacc_cval val = kind == WACC_CT_BOOL ? wacc_cval_bool(v != 0) : wacc_cval_uint(kind, v);
        *res = s3_ok(arena, &val);
    }
    return 0;
}

S3_OPT(f_keep_get, tcps, SK_KEEP_ALIVE, WACC_CT_BOOL, false)
S3_OPT(f_keep_set, tcps, SK_KEEP_ALIVE, WACC_CT_BOOL, true)
S3_OPT(f_idle_get, tcps, SK_KEEP_IDLE, WACC_CT_U64, false)
S3_OPT(f_idle_set, tcps, SK_KEEP_IDLE, WACC_CT_U64, true)
S3_OPT(f_intvl_get, tcps, SK_KEEP_INTERVAL, WACC_CT_U64, false)
S3_OPT(f_intvl_set, tcps, SK_KEEP_INTERVAL, WACC_CT_U64, true)
S3_OPT(f_count_get, tcps, SK_KEEP_COUNT, WACC_CT_U32, false)
S3_OPT(f_count_set, tcps, SK_KEEP_COUNT, WACC_CT_U32, true)
S3_OPT(f_hops_get, tcps, SK_HOP_LIMIT, WACC_CT_U8, false)
S3_OPT(f_hops_set, tcps, SK_HOP_LIMIT, WACC_CT_U8, true)
S3_OPT(f_rbuf_get, tcps, SK_RECV_BUF, WACC_CT_U64, false)
S3_OPT(f_rbuf_set, tcps, SK_RECV_BUF, WACC_CT_U64, true)
S3_OPT(f_sbuf_get, tcps, SK_SEND_BUF, WACC_CT_U64, false)
S3_OPT(f_sbuf_set, tcps, SK_SEND_BUF, WACC_CT_U64, true)

static uint32_t f_backlog(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    uint64_t v = a[1].x.u;
    int b = v > 0x7fffffff ? 0x7fffffff : (int)v;
    if (v == 0)
        *res = s3_err(arena, et, "invalid-argument");
    else if (t->connected || t->ccall || t->sk.fd < 0)
        *res = s3_err(arena, et, "invalid-state");
    else if (t->listening && listen(t->sk.fd, b) != 0)
        *res = s3_err(arena, et, "not-supported");
    else {
        t->backlog = b;
        *res = s3_ok(arena, NULL);
    }
    return 0;
}

/* ---- listen: accepted connections into a stream<tcp-socket> ---- */

static tcp *tcp_new(wacc_wasi3_sockets *ss, int fd, int family, uint32_t *rep)
{
    tcp *t = calloc(1, sizeof *t);
    if (!t || !(*rep = add(ss, t))) {
        free(t);
        return NULL;
    }
    t->ss = ss;
    t->next = ss->all;
    if (t->next)
        t->next->prev = t;
    ss->all = t;
    t->sk.fd = fd;
    t->sk.family = family;
    wacc_arena_init(&t->arena);
    return t;
}

static void accept_pump(tcp *t);

static uint32_t on_accept_ready(void *ud, short revents)
{
    tcp *t = ud;
    (void)revents;
    t->aw = NULL;
    accept_pump(t);
    return 0;
}

static uint32_t on_accepted(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    tcp *t = ud;
    t->abusy = false;
    if (result != WACC_COPY_COMPLETED || n == 0) {
        /* the guest dropped the stream: the socket it did not take is closed */
        tcp *c = w3_slot_take(&t->ss->tcps, t->arep);
        if (c)
            tcp_free(c);
        if (t->aout) {
            wacc_hend_drop(t->aout);
            t->aout = NULL;
        }
    }
    t->arep = 0;
    if (t->aout)
        accept_pump(t);
    maybe_free(t);
    return 0;
}

static void accept_pump(tcp *t)
{
    if (!t->aout || t->abusy || t->dropped)
        return;
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int fd = accept4(t->sk.fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if ((errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) && !t->aw)
            t->aw = wacc_watch_add(t->ss->ci, t->sk.fd, POLLIN, 0, on_accept_ready, t);
        return;
    }
    tcp *c = tcp_new(t->ss, fd, t->sk.family, &t->arep);
    if (!c) {
        close(fd);
        return;
    }
    c->connected = true;
    t->av = wacc_cval_handle(WACC_CT_OWN, t->arep);
    if (wacc_hend_write(t->aout, &t->av, 1, on_accepted, t))
        t->abusy = true;
    else
        on_accepted(t, t->aout, WACC_COPY_DROPPED, 0);
}

static uint32_t f_listen(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    if (!t->bound || t->listening || t->connected) {
        *res = s3_err(arena, et, "invalid-state");
        return 0;
    }
    if (listen(t->sk.fd, t->backlog ? t->backlog : 128) != 0) {
        *res = s3_err(arena, et, sk_errno_label(errno));
        return 0;
    }
    const wacc_ctype *rt = wacc_cfunc_result(f->type);
    wacc_cval sv;
    t->aout = wacc_hend_new(f->ss->ci, rt->fields[0].type, &sv);
    if (!t->aout)
        return WACC_TRAP_OUT_OF_MEMORY;
    t->listening = true;
    *res = s3_ok(arena, &sv);
    accept_pump(t);
    return 0;
}

/* ---- connect (async) ---- */

static void connect_done(tcp *t, int e)
{
    wacc_hcall *call = t->ccall;
    t->ccall = NULL;
    const wacc_ctype *et = s3_err_type(wacc_hcall_type(call));
    wacc_cval r = e ? s3_err(wacc_hcall_arena(call), et, e == ECONNREFUSED ? "connection-refused"
                                                                             : sk_errno_label(e))
                    : s3_ok(wacc_hcall_arena(call), NULL);
    if (!e)
        t->connected = true;
    wacc_hcall_return(call, &r);
    maybe_free(t);
}

static uint32_t on_connect(void *ud, short revents)
{
    tcp *t = ud;
    (void)revents;
    t->cw = NULL;
    int e = 0;
    socklen_t l = sizeof e;
    if (getsockopt(t->sk.fd, SOL_SOCKET, SO_ERROR, &e, &l) != 0)
        e = errno;
    connect_done(t, e);
    return 0;
}

static uint32_t f_connect(void *data, wacc_hcall *call, const wacc_cval *a, uint32_t nargs)
{
    (void)nargs;
    wacc_wasi3_sockets *ss = data;
    tcp *t = get(ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    const wacc_ctype *et = s3_err_type(wacc_hcall_type(call));
    struct sockaddr_storage sa;
    socklen_t len;
    const char *bad = NULL;
    if (t->connected || t->ccall)
        bad = "invalid-state";
    else if (!sk_addr_from_val(&a[1], &sa, &len) || !sk_addr_family_ok((struct sockaddr *)&sa, t->sk.family) ||
             !sk_addr_remote_ok((struct sockaddr *)&sa) || !sk_addr_unicast((struct sockaddr *)&sa))
        bad = "invalid-argument";
    else if (!allowed(ss, true, (struct sockaddr *)&sa))
        bad = "access-denied";
    if (bad) {
        wacc_cval r = s3_err(wacc_hcall_arena(call), et, bad);
        return wacc_hcall_return(call, &r);
    }
    t->ccall = call;
    if (connect(t->sk.fd, (struct sockaddr *)&sa, len) == 0) {
        connect_done(t, 0);
        return 0;
    }
    if (errno != EINPROGRESS) {
        connect_done(t, errno);
        return 0;
    }
    t->cw = wacc_watch_add(ss->ci, t->sk.fd, POLLOUT, 0, on_connect, t);
    if (!t->cw)
        connect_done(t, ENOMEM);
    return 0;
}

static uint32_t drop_when_done(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)ud; (void)result; (void)n;
    wacc_hend_drop(e);
    return 0;
}

/* ---- send: the guest's stream to the socket ---- */

static void send_pump(tcp *t);

static uint32_t on_send_ready(void *ud, short revents)
{
    tcp *t = ud;
    (void)revents;
    t->sw = NULL;
    send_pump(t);
    return 0;
}

static uint32_t on_send_read(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    tcp *t = ud;
    t->sbusy = false;
    t->slen = n;
    t->soff = 0;
    if (result != WACC_COPY_COMPLETED)
        t->seof = true;
    send_pump(t);
    return 0;
}

static uint32_t on_sfut(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)result; (void)n;
    tcp *t = ud;
    t->sfut_busy = false;
    wacc_hend_drop(e);
    t->sfut = NULL;
    maybe_free(t);
    return 0;
}

static void send_pump(tcp *t)
{
    while (!t->serr && t->soff < t->slen) {
        ssize_t w = send(t->sk.fd, t->sbuf + t->soff, t->slen - t->soff, MSG_NOSIGNAL);
        if (w > 0) {
            t->soff += (uint32_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!t->sw)
                t->sw = wacc_watch_add(t->ss->ci, t->sk.fd, POLLOUT, 0, on_send_ready, t);
            return;
        }
        t->serr = w < 0 ? errno : EPIPE;
    }
    if (t->sin && !t->serr && !t->seof && !t->sbusy) {
        if (wacc_hend_read(t->sin, t->sbuf, sizeof t->sbuf, NULL, on_send_read, t))
            t->sbusy = true;
        else
            t->seof = true;
        if (t->sbusy)
            return;
    }
    if (t->sbusy)
        return;
    if (t->sin) {
        wacc_hend_drop(t->sin);
        t->sin = NULL;
    }
    if (t->sfut && !t->sfut_busy) {
        if (!t->serr)
            shutdown(t->sk.fd, SHUT_WR);
        const wacc_ctype *ft = wacc_hend_type(t->sfut);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        t->sv = t->serr ? s3_err(&t->arena, rt && rt->n > 1 ? rt->fields[1].type : NULL, "connection-broken")
                        : s3_ok(&t->arena, NULL);
        if (wacc_hend_write(t->sfut, &t->sv, 1, on_sfut, t)) {
            t->sfut_busy = true;
        } else {
            wacc_hend_drop(t->sfut);
            t->sfut = NULL;
        }
    }
    maybe_free(t);
}

static uint32_t f_send(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    (void)arena;
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    wacc_hend *in = wacc_hend_take(f->ss->ci, &a[1]);
    wacc_hend *fut = wacc_hend_new(f->ss->ci, wacc_cfunc_result(f->type), res);
    if (!in || !fut)
        return WACC_TRAP_OUT_OF_MEMORY;
    if (t->sin || t->sfut || !t->connected) {
        /* a second send, or not connected: the future says so at once */
        wacc_hend_drop(in);
        const wacc_ctype *ft = wacc_hend_type(fut);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        t->sv = s3_err(&t->arena, rt && rt->n > 1 ? rt->fields[1].type : NULL, "invalid-state");
        if (!wacc_hend_write(fut, &t->sv, 1, drop_when_done, NULL))
            wacc_hend_drop(fut);
        return 0;
    }
    t->sin = in;
    t->sfut = fut;
    send_pump(t);
    return 0;
}

/* ---- receive: the socket into a stream for the guest ---- */

static void recv_pump(tcp *t);

static uint32_t on_recv_ready(void *ud, short revents)
{
    tcp *t = ud;
    (void)revents;
    t->rw = NULL;
    recv_pump(t);
    return 0;
}

static uint32_t on_recv_written(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)e;
    tcp *t = ud;
    t->rbusy = false;
    if (n > t->rlen)
        n = t->rlen;
    memmove(t->rbuf, t->rbuf + n, t->rlen - n);
    t->rlen -= n;
    if (result != WACC_COPY_COMPLETED) {
        t->rlen = 0;
        t->reof = true;             /* the guest dropped the stream */
    }
    recv_pump(t);
    return 0;
}

static uint32_t on_rfut(void *ud, wacc_hend *e, uint32_t result, uint32_t n)
{
    (void)result; (void)n;
    tcp *t = ud;
    t->rfut_busy = false;
    wacc_hend_drop(e);
    t->rfut = NULL;
    maybe_free(t);
    return 0;
}

static void recv_pump(tcp *t)
{
    if (!t->rout)
        return;
    if (t->rlen == 0 && !t->reof) {
        ssize_t r = recv(t->sk.fd, t->rbuf, sizeof t->rbuf, 0);
        if (r > 0) {
            t->rlen = (uint32_t)r;
        } else if (r == 0) {
            t->reof = true;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!t->rw)
                t->rw = wacc_watch_add(t->ss->ci, t->sk.fd, POLLIN, 0, on_recv_ready, t);
            return;
        } else {
            t->rerr = errno;
            t->reof = true;
        }
    }
    if (t->rlen > 0 && !t->rbusy) {
        if (wacc_hend_write(t->rout, t->rbuf, t->rlen, on_recv_written, t))
            t->rbusy = true;
        else
            t->rlen = 0, t->reof = true;
        if (t->rbusy)
            return;
    }
    if (t->rbusy || !t->reof || t->rlen)
        return;
    wacc_hend_drop(t->rout);
    t->rout = NULL;
    if (t->rfut && !t->rfut_busy) {
        const wacc_ctype *ft = wacc_hend_type(t->rfut);
        const wacc_ctype *rt = ft ? ft->elem : NULL;
        t->rv = t->rerr ? s3_err(&t->arena, rt && rt->n > 1 ? rt->fields[1].type : NULL,
                                  sk_errno_label(t->rerr))
                        : s3_ok(&t->arena, NULL);
        if (wacc_hend_write(t->rfut, &t->rv, 1, on_rfut, t)) {
            t->rfut_busy = true;
        } else {
            wacc_hend_drop(t->rfut);
            t->rfut = NULL;
        }
    }
    maybe_free(t);
}

static uint32_t f_receive(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    tcp *t = get(f->ss, a[0].x.u);
    if (!t)
        return WACC_TRAP_HOST;
    const wacc_ctype *rt = wacc_cfunc_result(f->type);
    wacc_cval *e = wacc_arena_alloc(arena, 2 * sizeof *e);
    if (!e)
        return WACC_TRAP_OUT_OF_MEMORY;
    wacc_hend *out = wacc_hend_new(f->ss->ci, rt->fields[0].type, &e[0]);
    wacc_hend *fut = out ? wacc_hend_new(f->ss->ci, rt->fields[1].type, &e[1]) : NULL;
    if (!fut)
        return WACC_TRAP_OUT_OF_MEMORY;
    *res = wacc_cval_tuple(e, 2);
    if (t->rout || t->rfut || !t->connected) {
        wacc_hend_drop(out);                    /* an empty stream */
        const wacc_ctype *ft = wacc_hend_type(fut);
        const wacc_ctype *frt = ft ? ft->elem : NULL;
        t->rv = s3_err(&t->arena, frt && frt->n > 1 ? frt->fields[1].type : NULL, "invalid-state");
        if (!wacc_hend_write(fut, &t->rv, 1, drop_when_done, NULL))
            wacc_hend_drop(fut);
        return 0;
    }
    t->rout = out;
    t->rfut = fut;
    recv_pump(t);
    return 0;
}

/* ---- the resolver ---- */

static const struct {
    const char *name;
    uint32_t (*impl)(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena);
} table[] = {
    { "[static]tcp-socket.create", f_create },
    { "[method]tcp-socket.bind", f_bind },
    { "[method]tcp-socket.send", f_send },
    { "[method]tcp-socket.receive", f_receive },
    { "[method]tcp-socket.get-local-address", f_local },
    { "[method]tcp-socket.get-remote-address", f_remote },
    { "[method]tcp-socket.get-address-family", f_family },
    { "[method]tcp-socket.get-is-listening", f_is_listening },
    { "[method]tcp-socket.listen", f_listen },
    { "[method]tcp-socket.set-listen-backlog-size", f_backlog },
    { "[method]tcp-socket.get-keep-alive-enabled", f_keep_get },
    { "[method]tcp-socket.set-keep-alive-enabled", f_keep_set },
    { "[method]tcp-socket.get-keep-alive-idle-time", f_idle_get },
    { "[method]tcp-socket.set-keep-alive-idle-time", f_idle_set },
    { "[method]tcp-socket.get-keep-alive-interval", f_intvl_get },
    { "[method]tcp-socket.set-keep-alive-interval", f_intvl_set },
    { "[method]tcp-socket.get-keep-alive-count", f_count_get },
    { "[method]tcp-socket.set-keep-alive-count", f_count_set },
    { "[method]tcp-socket.get-hop-limit", f_hops_get },
    { "[method]tcp-socket.set-hop-limit", f_hops_set },
    { "[method]tcp-socket.get-receive-buffer-size", f_rbuf_get },
    { "[method]tcp-socket.set-receive-buffer-size", f_rbuf_set },
    { "[method]tcp-socket.get-send-buffer-size", f_sbuf_get },
    { "[method]tcp-socket.set-send-buffer-size", f_sbuf_set },
};

static uint32_t trampoline(void *data, const wacc_cval *args, uint32_t nargs, wacc_cval *result,
                           wacc_arena *arena)
{
    (void)nargs;
    sk_fn *f = data;
    if (!f->ss->ci)
        return WACC_TRAP_HOST;
    return f->impl(f, args, result, arena);
}

static bool is_types(const char *instance)
{
    return w3_is_iface(instance, "wasi:sockets/types");
}

static int typed_func(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_fn *fn, void **data, char *err)
{
    wacc_wasi3_sockets *ss = self;
    if (!is_types(instance))
        return W3_PASS;
    s3_impl udp = s3_udp_func(name);
    for (size_t i = 0; i < sizeof table / sizeof table[0] + (udp != NULL); i++)
        if (i == sizeof table / sizeof table[0] || strcmp(table[i].name, name) == 0) {
            sk_fn *f = calloc(1, sizeof *f);
            if (!f)
                return W3_NO;
            f->ss = ss;
            f->type = type;
            f->impl = i < sizeof table / sizeof table[0] ? table[i].impl : udp;
            f->next = ss->fns;
            ss->fns = f;
            *fn = trampoline;
            *data = f;
            return W3_YES;
        }
    snprintf(err, WACC_ERR_LEN, "%s#%s is not provided by the WASI 0.3 sockets host yet", instance, name);
    return W3_NO;
}

static int async_func(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_async_fn *fn, void **data, char *err)
{
    (void)type; (void)err;
    if (s3_dns_async(instance, name, fn)) {
        *data = self;
        return W3_YES;
    }
    if (!is_types(instance))
        return W3_PASS;
    if (s3_udp_async(name, fn)) {
        *data = self;
        return W3_YES;
    }
    if (strcmp(name, "[method]tcp-socket.connect") != 0)
        return W3_NO;
    *fn = f_connect;
    *data = self;
    return W3_YES;
}

static int resource(void *self, const char *instance, const char *name, const wacc_resource_type **out)
{
    wacc_wasi3_sockets *ss = self;
    if (!is_types(instance))
        return W3_PASS;
    *out = strcmp(name, "tcp-socket") == 0 ? &ss->rt_tcp
         : strcmp(name, "udp-socket") == 0 ? &ss->rt_udp : NULL;
    return W3_YES;
}

wacc_wasi3_sockets *wacc_wasi3_sockets_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN])
{
    wacc_wasi3_sockets *ss = calloc(1, sizeof *ss);
    if (!ss) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    ss->cfg = cfg;
    ss->rt_tcp = (wacc_resource_type){ NULL, dtor, ss, "tcp-socket" };
    ss->rt_udp = (wacc_resource_type){ NULL, s3_udp_dtor, ss, "udp-socket" };
    return ss;
}

void wacc_wasi3_sockets_host(wacc_wasi3_sockets *ss, const wacc_component_host *next, wacc_component_host *out)
{
    ss->chain = (w3_chain){ .self = ss, .typed_func = typed_func, .async_func = async_func,
                            .resource = resource };
    w3_chain_host(&ss->chain, next, out);
}

void wacc_wasi3_sockets_bind(wacc_wasi3_sockets *ss, wacc_cinstance *ci)
{
    ss->ci = ci;
}

void wacc_wasi3_sockets_free(wacc_wasi3_sockets *ss)
{
    if (!ss)
        return;
    ss->ci = NULL;          /* the instance (its watches and ends) is gone */
    while (ss->all)
        tcp_free(ss->all);
    s3_udp_free_all(ss);
    s3_dns_free_all(ss);
    w3_slots_free(&ss->tcps);
    while (ss->fns) {
        sk_fn *f = ss->fns;
        ss->fns = f->next;
        free(f);
    }
    free(ss);
}
