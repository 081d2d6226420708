/*
 * sk_opts.c — the socket options of wasi:sockets (0.2 and 0.3, tcp and
 * udp) as setsockopt/getsockopt, with the WIT's units, clamps and error
 * cases; the 0.2 and 0.3 hosts wrap them in their own result values.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sk_int.h"

#define NS_PER_S 1000000000ull

static void where(int family, int opt, int *level, int *name)
{
    switch (opt) {
    case SK_KEEP_ALIVE: *level = SOL_SOCKET; *name = SO_KEEPALIVE; break;
    case SK_KEEP_IDLE: *level = IPPROTO_TCP; *name = TCP_KEEPIDLE; break;
    case SK_KEEP_INTERVAL: *level = IPPROTO_TCP; *name = TCP_KEEPINTVL; break;
    case SK_KEEP_COUNT: *level = IPPROTO_TCP; *name = TCP_KEEPCNT; break;
    case SK_HOP_LIMIT:
        *level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
        *name = family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS;
        break;
    case SK_RECV_BUF: *level = SOL_SOCKET; *name = SO_RCVBUF; break;
    default: *level = SOL_SOCKET; *name = SO_SNDBUF; break;
    }
}

const char *sk_opt_get(int fd, int family, int opt, uint64_t *out)
{
    int level, name, v = 0;
    socklen_t n = sizeof v;
    where(family, opt, &level, &name);
    if (getsockopt(fd, level, name, &v, &n) < 0)
        return sk_errno_label(errno);
    uint64_t u = v < 0 ? 0 : (uint64_t)v;
    switch (opt) {
    case SK_KEEP_ALIVE: u = v != 0; break;
    case SK_KEEP_IDLE: case SK_KEEP_INTERVAL: u *= NS_PER_S; break;
    case SK_HOP_LIMIT: u = v < 0 ? 64 : u > 255 ? 255 : u; break;
    case SK_RECV_BUF: case SK_SEND_BUF: u /= 2; break;   /* Linux doubles what it is given */
    default: break;
    }
    *out = u;
    return NULL;
}

const char *sk_opt_set(int fd, int family, int opt, uint64_t v)
{
    int level, name, iv;
    where(family, opt, &level, &name);
    if (v == 0 && opt != SK_KEEP_ALIVE)
        return "invalid-argument";
    switch (opt) {
    case SK_KEEP_ALIVE: iv = v != 0; break;
    case SK_KEEP_IDLE: case SK_KEEP_INTERVAL: {     /* ns, clamped to 1 s .. 32767 s (Linux' limit) */
        uint64_t s = v / NS_PER_S;
        iv = s < 1 ? 1 : s > 32767 ? 32767 : (int)s;
        break;
    }
    case SK_KEEP_COUNT: iv = v > 127 ? 127 : (int)v; break;
    case SK_HOP_LIMIT: iv = v > 255 ? 255 : (int)v; break;
    default: iv = v > INT_MAX ? INT_MAX : (int)v; break;
    }
    if (setsockopt(fd, level, name, &iv, sizeof iv) < 0 &&
        !((opt == SK_RECV_BUF || opt == SK_SEND_BUF) && errno == ENOBUFS))
        return sk_errno_label(errno);
    return NULL;
}
