/*
 * sockets_udp.c — wasi:sockets/types@0.3.0 udp-socket in the host: create,
 * bind (--udp grants for the local address), connect / disconnect (a
 * default remote; --udp grants), send and receive (async host functions:
 * a datagram now, or when a watch on the socket says it can move),
 * addresses. Grants and address checks are the WASI 0.2 host's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockets_int.h"

#define DGRAM_MAX 65535u

typedef struct udp {
    s3_sock sk;                         /* first (s3_opt) */
    wacc_wasi3_sockets *ss;
    struct udp *prev, *next;            /* in ss->uall */
    bool bound, connected, dropped;
    /* one send and one receive in flight at a time */
    wacc_hcall *scall, *rcall;
    wacc_watch *sw, *rw;
    uint8_t *sdata;
    size_t slen;
    uint8_t *rbuf;                      /* a datagram received (DGRAM_MAX) */
    struct sockaddr_storage sto;
    socklen_t stolen;
    bool has_to;
} udp;

static udp *get(wacc_wasi3_sockets *ss, uint64_t rep)
{
    return w3_slot_get(&ss->udps, rep);
}

static uint32_t add(wacc_wasi3_sockets *ss, udp *u)
{
    return w3_slot_add(&ss->udps, u);
}

static void udp_free(udp *u)
{
    if (u->prev)
        u->prev->next = u->next;
    else
        u->ss->uall = u->next;
    if (u->next)
        u->next->prev = u->prev;
    if (u->ss->ci) {
        if (u->sw)
            wacc_watch_remove(u->ss->ci, u->sw);
        if (u->rw)
            wacc_watch_remove(u->ss->ci, u->rw);
    }
    if (u->sk.fd >= 0)
        close(u->sk.fd);
    free(u->sdata);
    free(u->rbuf);
    free(u);
}

static void maybe_free(udp *u)
{
    if (u->dropped && !u->scall && !u->rcall)
        udp_free(u);
}

int s3_udp_dtor(void *ctx, uint32_t rep)
{
    wacc_wasi3_sockets *ss = ctx;
    udp *u = w3_slot_take(&ss->udps, rep);
    if (u) {
        u->dropped = true;
        maybe_free(u);
    }
    return 0;
}

void s3_udp_free_all(wacc_wasi3_sockets *ss)
{
    while (ss->uall)
        udp_free(ss->uall);
    w3_slots_free(&ss->udps);
}

static bool allowed(const wacc_wasi3_sockets *ss, const struct sockaddr *sa)
{
    for (uint32_t i = 0; i < ss->cfg->nudp; i++)
        if (sk_rule_match(ss->cfg->udp[i], sa, true))
            return true;
    return false;
}

/* an address argument, checked: NULL ok, else the error-code label */
static const char *addr_arg(const udp *u, const wacc_cval *v, bool remote, struct sockaddr_storage *sa,
                            socklen_t *len)
{
    if (!sk_addr_from_val(v, sa, len) || !sk_addr_family_ok((struct sockaddr *)sa, u->sk.family) ||
        !sk_addr_unicast((struct sockaddr *)sa) || (remote && !sk_addr_remote_ok((struct sockaddr *)sa)))
        return "invalid-argument";
    if (!allowed(u->ss, (struct sockaddr *)sa))
        return "access-denied";
    return NULL;
}

static uint32_t f_create(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    if (!f->ss->cfg->nudp) {
        *res = s3_err(arena, et, "access-denied");
        return 0;
    }
    int family = sk_family_of_val(&a[0]);
    int fd = sk_socket(family, SOCK_DGRAM);
    if (fd < 0) {
        *res = s3_err(arena, et, sk_errno_label(errno));
        return 0;
    }
    udp *u = calloc(1, sizeof *u);
    uint32_t rep = u ? add(f->ss, u) : 0;
    if (!rep) {
        free(u);
        close(fd);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    u->ss = f->ss;
    u->sk.fd = fd;
    u->sk.family = family;
    u->next = f->ss->uall;
    if (u->next)
        u->next->prev = u;
    f->ss->uall = u;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    *res = s3_ok(arena, &h);
    return 0;
}

static uint32_t f_bind(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    udp *u = get(f->ss, a[0].x.u);
    struct sockaddr_storage sa;
    socklen_t len;
    if (!u)
        return WACC_TRAP_HOST;
    const char *bad = u->bound ? "invalid-state" : addr_arg(u, &a[1], false, &sa, &len);
    if (!bad && bind(u->sk.fd, (struct sockaddr *)&sa, len) != 0)
        bad = sk_errno_label(errno);
    if (!bad)
        u->bound = true;
    *res = bad ? s3_err(arena, et, bad) : s3_ok(arena, NULL);
    return 0;
}

static uint32_t f_connect(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    udp *u = get(f->ss, a[0].x.u);
    struct sockaddr_storage sa;
    socklen_t len;
    if (!u)
        return WACC_TRAP_HOST;
    const char *bad = addr_arg(u, &a[1], true, &sa, &len);
    if (!bad && connect(u->sk.fd, (struct sockaddr *)&sa, len) != 0)
        bad = sk_errno_label(errno);
    if (!bad)
        u->connected = u->bound = true;
    *res = bad ? s3_err(arena, et, bad) : s3_ok(arena, NULL);
    return 0;
}

static uint32_t f_disconnect(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    const wacc_ctype *et = s3_err_type(f->type);
    udp *u = get(f->ss, a[0].x.u);
    if (!u)
        return WACC_TRAP_HOST;
    if (!u->connected) {
        *res = s3_err(arena, et, "invalid-state");
        return 0;
    }
    struct sockaddr sa = { .sa_family = AF_UNSPEC };
    connect(u->sk.fd, &sa, sizeof sa);
    u->connected = false;
    *res = s3_ok(arena, NULL);
    return 0;
}

static uint32_t f_addr(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena, bool local)
{
    const wacc_ctype *et = s3_err_type(f->type);
    udp *u = get(f->ss, a[0].x.u);
    if (!u)
        return WACC_TRAP_HOST;
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int rc = local ? getsockname(u->sk.fd, (struct sockaddr *)&sa, &len)
                   : getpeername(u->sk.fd, (struct sockaddr *)&sa, &len);
    if (rc != 0 || (local && !u->bound) || (!local && !u->connected)) {
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
    return f_addr(f, a, res, arena, true);
}

static uint32_t f_remote(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    return f_addr(f, a, res, arena, false);
}

static uint32_t f_family(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena)
{
    (void)arena;
    udp *u = get(f->ss, a[0].x.u);
    if (!u)
        return WACC_TRAP_HOST;
    *res = sk_family_val(u->sk.family);
    return 0;
}

/* ---- send / receive (async) ---- */

static void try_send(udp *u);
static void try_receive(udp *u);

static uint32_t on_send_ready(void *ud, short revents)
{
    udp *u = ud;
    (void)revents;
    u->sw = NULL;
    try_send(u);
    return 0;
}

static uint32_t on_recv_ready(void *ud, short revents)
{
    udp *u = ud;
    (void)revents;
    u->rw = NULL;
    try_receive(u);
    return 0;
}

static void send_done(udp *u, const char *bad)
{
    wacc_hcall *call = u->scall;
    u->scall = NULL;
    free(u->sdata);
    u->sdata = NULL;
    wacc_cval r = bad ? s3_err(wacc_hcall_arena(call), s3_err_type(wacc_hcall_type(call)), bad)
                      : s3_ok(wacc_hcall_arena(call), NULL);
    wacc_hcall_return(call, &r);
    maybe_free(u);
}

static void try_send(udp *u)
{
    ssize_t n = u->has_to ? sendto(u->sk.fd, u->sdata, u->slen, 0, (struct sockaddr *)&u->sto, u->stolen)
                          : send(u->sk.fd, u->sdata, u->slen, 0);
    if (n >= 0) {
        u->bound = true;            /* the system bound it if it was not */
        send_done(u, NULL);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!(u->sw = wacc_watch_add(u->ss->ci, u->sk.fd, POLLOUT, 0, on_send_ready, u)))
            send_done(u, "out-of-memory");
    } else {
        send_done(u, errno == EMSGSIZE ? "datagram-too-large" : sk_errno_label(errno));
    }
}

static uint32_t f_send(void *data, wacc_hcall *call, const wacc_cval *a, uint32_t nargs)
{
    (void)nargs;
    wacc_wasi3_sockets *ss = data;
    udp *u = get(ss, a[0].x.u);
    if (!u)
        return WACC_TRAP_HOST;
    const char *bad = NULL;
    u->has_to = a[2].n == 1;
    if (u->scall)
        bad = "invalid-state";
    else if (u->has_to && u->connected)
        bad = "invalid-argument";
    else if (!u->has_to && !u->connected)
        bad = "invalid-argument";
    else if (u->has_to)
        bad = addr_arg(u, a[2].x.payload, true, &u->sto, &u->stolen);
    if (!bad && a[1].n > DGRAM_MAX)
        bad = "datagram-too-large";
    if (!bad && !(u->sdata = malloc(a[1].n ? a[1].n : 1)))
        bad = "out-of-memory";
    if (bad) {
        wacc_cval r = s3_err(wacc_hcall_arena(call), s3_err_type(wacc_hcall_type(call)), bad);
        return wacc_hcall_return(call, &r);
    }
    u->slen = a[1].n;
    if (a[1].n && !wacc_cval_list_data(&a[1], wacc_ctype_prim(WACC_CT_U8), u->sdata)) {
        free(u->sdata);
        u->sdata = NULL;
        return WACC_TRAP_HOST;
    }
    if (a[1].repr == WACC_CVAL_BYTES && a[1].n)
        memcpy(u->sdata, a[1].x.bytes, a[1].n);
    u->scall = call;
    try_send(u);
    return 0;
}

static void recv_done(udp *u, const char *bad, const uint8_t *d, size_t n, const struct sockaddr_storage *from)
{
    wacc_hcall *call = u->rcall;
    u->rcall = NULL;
    wacc_arena *ar = wacc_hcall_arena(call);
    wacc_cval r;
    if (bad) {
        r = s3_err(ar, s3_err_type(wacc_hcall_type(call)), bad);
    } else {
        uint8_t *copy = wacc_arena_alloc(ar, n ? n : 1);
        wacc_cval *e = wacc_arena_alloc(ar, 2 * sizeof *e);
        if (!copy || !e || !s3_addr_val(ar, from, &e[1])) {
            r = s3_err(ar, s3_err_type(wacc_hcall_type(call)), "out-of-memory");
        } else {
            memcpy(copy, d, n);
            e[0] = wacc_cval_list_bytes(copy, (uint32_t)n);
            wacc_cval t = wacc_cval_tuple(e, 2);
            r = s3_ok(ar, &t);
        }
    }
    wacc_hcall_return(call, &r);
    maybe_free(u);
}

static void try_receive(udp *u)
{
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    if (!u->rbuf && !(u->rbuf = malloc(DGRAM_MAX))) {
        recv_done(u, "out-of-memory", NULL, 0, NULL);
        return;
    }
    uint8_t *buf = u->rbuf;
    ssize_t n = recvfrom(u->sk.fd, buf, DGRAM_MAX, 0, (struct sockaddr *)&from, &fl);
    if (n >= 0)
        recv_done(u, NULL, buf, (size_t)n, &from);
    else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!(u->rw = wacc_watch_add(u->ss->ci, u->sk.fd, POLLIN, 0, on_recv_ready, u)))
            recv_done(u, "out-of-memory", NULL, 0, NULL);
    } else {
        recv_done(u, sk_errno_label(errno), NULL, 0, NULL);
    }
}

static uint32_t f_receive(void *data, wacc_hcall *call, const wacc_cval *a, uint32_t nargs)
{
    (void)nargs;
    wacc_wasi3_sockets *ss = data;
    udp *u = get(ss, a[0].x.u);
    if (!u)
        return WACC_TRAP_HOST;
    if (u->rcall || !u->bound) {
        wacc_cval r = s3_err(wacc_hcall_arena(call), s3_err_type(wacc_hcall_type(call)), "invalid-state");
        return wacc_hcall_return(call, &r);
    }
    u->rcall = call;
    try_receive(u);
    return 0;
}

/* ---- options ---- */

S3_OPT(f_hops_get, udps, SK_HOP_LIMIT, WACC_CT_U8, false)
S3_OPT(f_hops_set, udps, SK_HOP_LIMIT, WACC_CT_U8, true)
S3_OPT(f_rbuf_get, udps, SK_RECV_BUF, WACC_CT_U64, false)
S3_OPT(f_rbuf_set, udps, SK_RECV_BUF, WACC_CT_U64, true)
S3_OPT(f_sbuf_get, udps, SK_SEND_BUF, WACC_CT_U64, false)
S3_OPT(f_sbuf_set, udps, SK_SEND_BUF, WACC_CT_U64, true)

/* ---- the table ---- */

s3_impl s3_udp_func(const char *name)
{
    static const struct {
        const char *name;
        s3_impl impl;
    } t[] = {
        { "[static]udp-socket.create", f_create },
        { "[method]udp-socket.bind", f_bind },
        { "[method]udp-socket.connect", f_connect },
        { "[method]udp-socket.disconnect", f_disconnect },
        { "[method]udp-socket.get-local-address", f_local },
        { "[method]udp-socket.get-remote-address", f_remote },
        { "[method]udp-socket.get-address-family", f_family },
        { "[method]udp-socket.get-unicast-hop-limit", f_hops_get },
        { "[method]udp-socket.set-unicast-hop-limit", f_hops_set },
        { "[method]udp-socket.get-receive-buffer-size", f_rbuf_get },
        { "[method]udp-socket.set-receive-buffer-size", f_rbuf_set },
        { "[method]udp-socket.get-send-buffer-size", f_sbuf_get },
        { "[method]udp-socket.set-send-buffer-size", f_sbuf_set },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].impl;
    return NULL;
}

bool s3_udp_async(const char *name, wacc_component_host_async_fn *fn)
{
    if (strcmp(name, "[method]udp-socket.send") == 0)
        *fn = f_send;
    else if (strcmp(name, "[method]udp-socket.receive") == 0)
        *fn = f_receive;
    else
        return false;
    return true;
}
