/*
 * fns_sockets_net.c — wasi:sockets/network and instance-network; what the
 * TCP, UDP and name-lookup files share: the reference-counted host socket,
 * ip-socket-address values, error codes, socket options and the
 * capability rules (--tcp-listen, --tcp-connect, --udp).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sk_int.h"

/* ---- the shared socket ---- */

sk_sock *sk_sock_new(int fd, int family)
{
    sk_sock *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->refs = 1;
    s->fd = fd;
    s->family = family;
    return s;
}

sk_sock *sk_sock_ref(sk_sock *s)
{
    s->refs++;
    return s;
}

void sk_sock_unref(sk_sock *s)
{
    if (!s || --s->refs > 0)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->obuf);
    free(s);
}

int sk_socket(int family, int type)
{
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    return fd;
}

bool sk_fd_ready(int fd, short events)
{
    struct pollfd pf = { fd, events, 0 };
    return poll(&pf, 1, 0) > 0 && pf.revents;
}

/* ---- values ---- */

int sk_family_of_val(const wacc_cval *v)
{
    return v->n == 0 ? AF_INET : AF_INET6;      /* enum ip-address-family { ipv4, ipv6 } */
}

wacc_cval sk_family_val(int family)
{
    return wacc_cval_variant(WACC_CT_ENUM, family == AF_INET ? 0 : 1, NULL);
}

/* ip-socket-address = variant { ipv4(record { port, address: tuple<u8 x4> }),
 * ipv6(record { port, flow-info, address: tuple<u16 x8>, scope-id }) }: the
 * link-time signature check makes the import's type exactly this. */
bool sk_addr_from_val(const wacc_cval *v, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    const wacc_cval *r = v->x.payload;
    if (!r)
        return false;
    if (v->n == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        if (r->n != 2 || r->x.elems[1].n != 4)
            return false;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)r->x.elems[0].x.u);
        uint8_t *b = (uint8_t *)&in->sin_addr;
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)r->x.elems[1].x.elems[i].x.u;
        *len = sizeof *in;
        return true;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (r->n != 4 || r->x.elems[2].n != 8)
        return false;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)r->x.elems[0].x.u);
    in6->sin6_flowinfo = htonl((uint32_t)r->x.elems[1].x.u);
    for (int i = 0; i < 8; i++) {
        uint16_t seg = (uint16_t)r->x.elems[2].x.elems[i].x.u;
        in6->sin6_addr.s6_addr[2 * i] = (uint8_t)(seg >> 8);
        in6->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)seg;
    }
    in6->sin6_scope_id = (uint32_t)r->x.elems[3].x.u;
    *len = sizeof *in6;
    return true;
}

static bool ip_tuple(w2_call *c, const struct sockaddr *sa, wacc_cval *out)
{
    if (sa->sa_family == AF_INET) {
        const uint8_t *b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        wacc_cval *t = wacc_arena_alloc(c->arena, 4 * sizeof *t);
        if (!t)
            return false;
        for (int i = 0; i < 4; i++)
            t[i] = wacc_cval_uint(WACC_CT_U8, b[i]);
        *out = wacc_cval_tuple(t, 4);
        return true;
    }
    const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    wacc_cval *t = wacc_arena_alloc(c->arena, 8 * sizeof *t);
    if (!t)
        return false;
    for (int i = 0; i < 8; i++)
        t[i] = wacc_cval_uint(WACC_CT_U16, (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]));
    *out = wacc_cval_tuple(t, 8);
    return true;
}

bool sk_ip_to_val(w2_call *c, const struct sockaddr *sa, wacc_cval *out)
{
    wacc_cval *p = wacc_arena_alloc(c->arena, sizeof *p);
    if (!p || !ip_tuple(c, sa, p))
        return false;
    *out = wacc_cval_variant(WACC_CT_VARIANT, sa->sa_family == AF_INET ? 0 : 1, p);
    return true;
}

bool sk_addr_to_val(w2_call *c, const struct sockaddr *sa, wacc_cval *out)
{
    wacc_cval *r = wacc_arena_alloc(c->arena, sizeof *r);
    wacc_cval *f = wacc_arena_alloc(c->arena, 4 * sizeof *f);
    if (!r || !f)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        f[0] = wacc_cval_uint(WACC_CT_U16, ntohs(in->sin_port));
        if (!ip_tuple(c, sa, &f[1]))
            return false;
        *r = wacc_cval_record(f, 2);
        *out = wacc_cval_variant(WACC_CT_VARIANT, 0, r);
        return true;
    }
    if (sa->sa_family != AF_INET6)
        return false;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    f[0] = wacc_cval_uint(WACC_CT_U16, ntohs(in6->sin6_port));
    f[1] = wacc_cval_uint(WACC_CT_U32, ntohl(in6->sin6_flowinfo));
    if (!ip_tuple(c, sa, &f[2]))
        return false;
    f[3] = wacc_cval_uint(WACC_CT_U32, in6->sin6_scope_id);
    *r = wacc_cval_record(f, 4);
    *out = wacc_cval_variant(WACC_CT_VARIANT, 1, r);
    return true;
}

uint16_t sk_addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

/* ---- address rules ---- */

bool sk_addr_unicast(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
        return !IN_MULTICAST(a) && a != INADDR_BROADCAST;
    }
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6)) {
        uint32_t a = (uint32_t)a6->s6_addr[12] << 24 | (uint32_t)a6->s6_addr[13] << 16 |
                     (uint32_t)a6->s6_addr[14] << 8 | a6->s6_addr[15];
        return !IN_MULTICAST(a) && a != INADDR_BROADCAST;
    }
    return !IN6_IS_ADDR_MULTICAST(a6);
}

bool sk_addr_family_ok(const struct sockaddr *sa, int family)
{
    if (sa->sa_family != family)
        return false;
    if (family == AF_INET)
        return true;
    const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a6))
        return false;
    /* deprecated IPv4-compatible ::a.b.c.d (but :: and ::1 are fine) */
    static const uint8_t zero12[12];
    if (memcmp(a6->s6_addr, zero12, 12) == 0 && !IN6_IS_ADDR_UNSPECIFIED(a6) &&
        !IN6_IS_ADDR_LOOPBACK(a6))
        return false;
    return true;
}

bool sk_addr_remote_ok(const struct sockaddr *sa)
{
    if (sk_addr_port(sa) == 0)
        return false;
    if (sa->sa_family == AF_INET)
        return ((const struct sockaddr_in *)sa)->sin_addr.s_addr != htonl(INADDR_ANY);
    return !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* Does addr (len bytes) lie within net/bits? */
static bool prefix_match(const uint8_t *addr, const uint8_t *net, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(addr, net, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (addr[whole] & mask) == (net[whole] & mask);
}

/* rule: IP[/BITS][:PORT] | [IP6][/BITS][:PORT] | [IP6/BITS][:PORT] | *[:PORT]
 * (PORT: a number or *). A malformed rule (or a host name: the embedder
 * resolves names first) matches nothing. */
bool sk_rule_match(const char *rule, const struct sockaddr *sa, bool port0_any)
{
    char host[INET6_ADDRSTRLEN + 8];
    const char *port = NULL, *p = rule;
    size_t hn;
    bool any_addr = false;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e)
            return false;
        hn = (size_t)(e - p - 1);
        if (hn >= sizeof host)
            return false;
        memcpy(host, p + 1, hn);
        host[hn] = 0;
        p = e + 1;
        if (*p == '/') {                /* [IP6]/BITS */
            const char *q = strchr(p, ':');
            size_t bn = q ? (size_t)(q - p) : strlen(p);
            if (hn + bn >= sizeof host)
                return false;
            memcpy(host + hn, p, bn);
            host[hn + bn] = 0;
            p += bn;
        }
        if (*p == ':')
            port = p + 1;
        else if (*p)
            return false;
    } else {
        const char *colon = strchr(p, ':');
        hn = colon ? (size_t)(colon - p) : strlen(p);
        if (hn >= sizeof host || (colon && strchr(colon + 1, ':')))
            return false;                   /* bare IPv6 needs brackets */
        memcpy(host, p, hn);
        host[hn] = 0;
        if (colon)
            port = colon + 1;
        any_addr = strcmp(host, "*") == 0;
    }
    /* port */
    uint16_t want = sk_addr_port(sa);
    if (port && strcmp(port, "*") != 0) {
        char *end;
        errno = 0;
        unsigned long pv = strtoul(port, &end, 10);
        if (*port == 0 || *end || errno || pv > 65535)
            return false;
        if (!(pv == 0 && port0_any) && pv != want)
            return false;
    }
    if (any_addr)
        return true;
    /* address / prefix */
    unsigned bits = 0;
    char *slash = strchr(host, '/');
    if (slash) {
        char *end;
        unsigned long bv = strtoul(slash + 1, &end, 10);
        if (slash[1] == 0 || *end)
            return false;
        bits = (unsigned)bv;
        *slash = 0;
    }
    uint8_t net[16];
    if (inet_pton(AF_INET, host, net) == 1) {
        if (!slash)
            bits = 32;
        if (bits > 32)
            return false;
        const uint8_t *a;
        if (sa->sa_family == AF_INET)
            a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        else if (IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
            a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr + 12;
        else
            return false;
        return prefix_match(a, net, bits);
    }
    if (inet_pton(AF_INET6, host, net) == 1) {
        if (!slash)
            bits = 128;
        if (bits > 128 || sa->sa_family != AF_INET6)
            return false;
        return prefix_match(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, net, bits);
    }
    return false;
}

static bool any_rule(char **rules, uint32_t n, const struct sockaddr *sa, bool port0_any)
{
    for (uint32_t i = 0; i < n; i++)
        if (sk_rule_match(rules[i], sa, port0_any))
            return true;
    return false;
}

/* Binding to port 0 (an ephemeral port) reaches no one by itself: it is
 * allowed whenever the protocol has any grant; what the socket then
 * reaches is checked by connect / listen / send. */
bool sk_allowed(wacc_wasi2 *w, enum sk_use use, const struct sockaddr *sa)
{
    switch (use) {
    case SK_TCP_BIND:
        if (sk_addr_port(sa) == 0 && w->ntcp_listen + w->ntcp_connect > 0)
            return true;
        return any_rule(w->tcp_listen, w->ntcp_listen, sa, true);
    case SK_TCP_LISTEN:
        return any_rule(w->tcp_listen, w->ntcp_listen, sa, true);
    case SK_TCP_CONNECT:
        return any_rule(w->tcp_connect, w->ntcp_connect, sa, false);
    case SK_UDP_BIND:
        if (sk_addr_port(sa) == 0 && w->nudp > 0)
            return true;
        return any_rule(w->udp, w->nudp, sa, false);
    case SK_UDP_REMOTE:
        return any_rule(w->udp, w->nudp, sa, false);
    }
    return false;
}

/* ---- error codes ---- */

const char *sk_errno_label(int e)
{
    switch (e) {
    case EPERM: case EACCES: return "access-denied";
    case EADDRINUSE: return "address-in-use";
    case EADDRNOTAVAIL: return "address-not-bindable";
    case ETIMEDOUT: return "timeout";
    case ECONNREFUSED: return "connection-refused";
    case ECONNRESET: case EPIPE: return "connection-reset";
    case ECONNABORTED: return "connection-aborted";
    case EINVAL: case EAFNOSUPPORT: return "invalid-argument";
    case EHOSTUNREACH: case EHOSTDOWN: case ENETDOWN: case ENETUNREACH: case ENONET:
        return "remote-unreachable";
    case EISCONN: case ENOTCONN: case EDESTADDRREQ: return "invalid-state";
    case EMSGSIZE: return "datagram-too-large";
    case ENOMEM: case ENOBUFS: return "out-of-memory";
    case EMFILE: case ENFILE: return "new-socket-limit";
    case EOPNOTSUPP: case ENOPROTOOPT: case EPFNOSUPPORT: case EPROTONOSUPPORT:
    case EPROTOTYPE: case ESOCKTNOSUPPORT:
        return "not-supported";
    case EAGAIN: return "would-block";
    case EALREADY: return "concurrency-conflict";
    default: return "unknown";
    }
}

uint32_t sk_err(w2_call *c, const char *label)
{
    return w2_err_label(c, label);
}

uint32_t sk_err_errno(w2_call *c, int e)
{
    return w2_err_label(c, sk_errno_label(e));
}

bool sk_is_network(w2_call *c, uint32_t i)
{
    return w2_get(c->w, c->a[i].x.u, K_NETWORK) != NULL;
}

/* ---- options shared by tcp and udp ---- */

static uint32_t opt_get(w2_call *c, sk_sock *s, int opt, uint8_t kind)
{
    uint64_t v;
    const char *bad = sk_opt_get(s->fd, s->family, opt, &v);
    if (bad)
        return sk_err(c, bad);
    wacc_cval val = kind == WACC_CT_BOOL ? wacc_cval_bool(v != 0) : wacc_cval_uint(kind, v);
    return w2_ok(c, &val);
}

static uint32_t opt_set(w2_call *c, sk_sock *s, int opt, uint64_t v)
{
    const char *bad = sk_opt_set(s->fd, s->family, opt, v);
    return bad ? sk_err(c, bad) : w2_ok(c, NULL);
}

uint32_t sk_opt(w2_call *c, sk_sock *s, int opt, uint8_t kind, bool set)
{
    return set ? opt_set(c, s, opt, kind == WACC_CT_BOOL ? c->a[1].x.b : c->a[1].x.u)
               : opt_get(c, s, opt, kind);
}

uint32_t sk_get_hop_limit(w2_call *c, sk_sock *s)
{
    return opt_get(c, s, SK_HOP_LIMIT, WACC_CT_U8);
}

uint32_t sk_set_hop_limit(w2_call *c, sk_sock *s, uint64_t v)
{
    return opt_set(c, s, SK_HOP_LIMIT, v);
}

uint32_t sk_get_bufsize(w2_call *c, sk_sock *s, int opt)
{
    return opt_get(c, s, opt == SO_RCVBUF ? SK_RECV_BUF : SK_SEND_BUF, WACC_CT_U64);
}

uint32_t sk_set_bufsize(w2_call *c, sk_sock *s, int opt, uint64_t v)
{
    return opt_set(c, s, opt == SO_RCVBUF ? SK_RECV_BUF : SK_SEND_BUF, v);
}

/* ---- wasi:sockets/instance-network, network ---- */

static uint32_t instance_network(w2_call *c)
{
    uint32_t rep = w2_new(c->w, K_NETWORK, NULL);
    if (!rep)
        return WACC_TRAP_HOST;
    return w2_ret(c, wacc_cval_handle(WACC_CT_OWN, rep));
}

/* option<error-code> of a stream error (its host errno, kept by
 * w2_stream_failed): none unless the errno is a network one. */
static uint32_t network_error_code(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_ERROR);
    const char *label = o && o->err ? sk_errno_label(o->err) : "unknown";
    const wacc_ctype *et = w2_case_type(c->rt, "some");
    uint32_t i = w2_label(et, label);
    if (!o || !o->err || strcmp(label, "unknown") == 0 || i == UINT32_MAX)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, wacc_cval_variant(WACC_CT_ENUM, i, NULL));
    if (!p)
        return WACC_TRAP_HOST;
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p));
}

const w2_fn w2_fns_sockets_net[] = {
    { "wasi:sockets/instance-network#instance-network", instance_network },
    { "wasi:sockets/network#network-error-code", network_error_code },
    { NULL, NULL },
};

uint32_t sk_arg_addr(w2_call *c, uint32_t net_i, struct sockaddr_storage *ss, socklen_t *len)
{
    if (!sk_is_network(c, net_i))
        return w2_trap(c, "not a network");
    if (!sk_addr_from_val(&c->a[net_i + 1], ss, len))
        return w2_trap(c, "bad ip-socket-address");
    return 0;
}

uint32_t sk_addr_result(w2_call *c, int fd, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                 : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (r < 0)
        return sk_err_errno(c, errno);
    wacc_cval v;
    if (!sk_addr_to_val(c, (struct sockaddr *)&ss, &v))
        return WACC_TRAP_HOST;
    return w2_ok(c, &v);
}
