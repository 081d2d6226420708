/*
 * sk_int.h — internals of wasi:sockets in the WASI 0.2 host (files
 * fns_sockets_*.c): the socket shared by a socket object and its streams,
 * address conversion, error codes and the capability checks.
 *
 * Every socket is a non-blocking host fd. Nothing here blocks: operations
 * that cannot finish now report would-block (or an empty result) and their
 * pollables name the fd and events that move them, so the waiter (poll(2)
 * under `wacc run`, the event loop under `wacc serve`) does the waiting.
 */
#ifndef WACC_SK_INT_H
#define WACC_SK_INT_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "w2_int.h"

/* The host socket, shared (reference counted) by the tcp-socket or
 * udp-socket object and the streams made from it; the fd is closed when
 * the last of them is dropped. */
typedef struct sk_sock {
    int refs;
    int fd;
    int family;                 /* AF_INET / AF_INET6 */
    bool shut_rd, shut_wr;      /* tcp: shutdown(receive/send) */
    bool shut_wr_pending;       /* tcp: shutdown(send) once obuf drained */
    int oerr;                   /* tcp: sticky send error (errno) */
    uint8_t *obuf;              /* tcp: bytes accepted, not yet sent */
    size_t olen;
    uint32_t ndgram_streams;    /* udp: live datagram streams */
} sk_sock;

#define SK_OBUF_CAP 65536u

sk_sock *sk_sock_new(int fd, int family);
sk_sock *sk_sock_ref(sk_sock *s);
void sk_sock_unref(sk_sock *s);

/* An ip-socket-address argument as a sockaddr (false: malformed). */
bool sk_addr_from_val(const wacc_cval *v, struct sockaddr_storage *ss, socklen_t *len);
/* An ip-socket-address value (arena) of a sockaddr (AF_INET/AF_INET6). */
bool sk_addr_to_val(w2_call *c, const struct sockaddr *sa, wacc_cval *out);
/* ip-address (no port) value of an AF_INET/AF_INET6 sockaddr. */
bool sk_ip_to_val(w2_call *c, const struct sockaddr *sa, wacc_cval *out);

/* WIT address rules: unicast (not multicast, not IPv4 broadcast); the
 * family of the socket (an IPv6 socket refuses IPv4-mapped and
 * IPv4-compatible addresses); a remote address is not unspecified and its
 * port is not 0. */
bool sk_addr_unicast(const struct sockaddr *sa);
bool sk_addr_family_ok(const struct sockaddr *sa, int family);
bool sk_addr_remote_ok(const struct sockaddr *sa);
uint16_t sk_addr_port(const struct sockaddr *sa);

/* Capability checks against the grants (see wasi.h; rules are
 * IP[/BITS][:PORT], [IP6][/BITS][:PORT] or *[:PORT]; no port or "*": any
 * port; port 0 in a tcp-listen rule: any port). */
enum sk_use { SK_TCP_BIND, SK_TCP_LISTEN, SK_TCP_CONNECT, SK_UDP_BIND, SK_UDP_REMOTE };
bool sk_allowed(wacc_wasi2 *w, enum sk_use use, const struct sockaddr *sa);
/* Does any rule of the list match? (exported for the tests of the rules) */
bool sk_rule_match(const char *rule, const struct sockaddr *sa, bool port0_any);

/* network error-code label of a host errno (never NULL). */
const char *sk_errno_label(int e);
uint32_t sk_err(w2_call *c, const char *label);      /* result err(error-code) */
uint32_t sk_err_errno(w2_call *c, int e);

/* A borrow<network> argument is a network object. */
bool sk_is_network(w2_call *c, uint32_t i);
/* The (borrow<network>, ip-socket-address) arguments at net_i and net_i + 1:
 * 0 with the address in ss and len, or the trap to return (not a network, a
 * malformed address). */
uint32_t sk_arg_addr(w2_call *c, uint32_t net_i, struct sockaddr_storage *ss, socklen_t *len);
/* result<ip-socket-address, error-code> of the socket's local (or peer) name. */
uint32_t sk_addr_result(w2_call *c, int fd, bool peer);

/* Socket options of 0.2 and 0.3, tcp and udp (sk_opts.c): get: *v in the
 * WIT's units (bool 0/1, durations ns, sizes bytes); set: v (0 is
 * invalid-argument but for keep-alive-enabled; clamped to what Linux
 * takes). NULL, or the error-code label. */
enum { SK_KEEP_ALIVE, SK_KEEP_IDLE, SK_KEEP_INTERVAL, SK_KEEP_COUNT, SK_HOP_LIMIT, SK_RECV_BUF,
       SK_SEND_BUF };
const char *sk_opt_get(int fd, int family, int opt, uint64_t *v);
const char *sk_opt_set(int fd, int family, int opt, uint64_t v);

/* Socket options shared by tcp and udp (result<T, error-code>). */
/* get (result<kind, error-code>) or set (a[1]) option SK_* of s */
uint32_t sk_opt(w2_call *c, sk_sock *s, int opt, uint8_t kind, bool set);
uint32_t sk_get_hop_limit(w2_call *c, sk_sock *s);
uint32_t sk_set_hop_limit(w2_call *c, sk_sock *s, uint64_t v);
uint32_t sk_get_bufsize(w2_call *c, sk_sock *s, int opt);
uint32_t sk_set_bufsize(w2_call *c, sk_sock *s, int opt, uint64_t v);

/* A fresh non-blocking, close-on-exec socket (IPv6: v6only). -1 + errno. */
int sk_socket(int family, int type);
/* ip-address-family argument/result (enum ipv4, ipv6). */
int sk_family_of_val(const wacc_cval *v);
wacc_cval sk_family_val(int family);

/* Is fd ready for events now (poll with timeout 0)? */
bool sk_fd_ready(int fd, short events);

#endif
