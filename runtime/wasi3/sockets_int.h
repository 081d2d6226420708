/*
 * sockets_int.h — internals of wasi:sockets@0.3.0 (runtime/wasi3/sockets_*.c):
 * the per-instance context, the import table entries, shared helpers.
 */
#ifndef WACC_SOCKETS_INT_H
#define WACC_SOCKETS_INT_H

#include "http3_int.h"
#include "sk_int.h"

struct tcp;
struct udp;

typedef struct sk_fn {
    wacc_wasi3_sockets *ss;
    const wacc_cfunc *type;
    uint32_t (*impl)(struct sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena);
    struct sk_fn *next;
} sk_fn;

struct wacc_wasi3_sockets {
    const wacc_wasi_config *cfg;
    wacc_cinstance *ci;
    w3_slots tcps;                      /* tcp-socket handles by rep */
    wacc_resource_type rt_tcp;
    w3_chain chain;                     /* its host: in front of the next one */
    sk_fn *fns;
    struct tcp *all;
    w3_slots udps;                      /* udp-socket handles by rep */
    struct udp *uall;
    wacc_resource_type rt_udp;
    struct d3_lookup *lookups;          /* resolve-addresses in flight */
};


/* sockets_tcp.c: result values */
const wacc_ctype *s3_err_type(const wacc_cfunc *type);
wacc_cval s3_err(wacc_arena *a, const wacc_ctype *et, const char *label);
wacc_cval s3_ok(wacc_arena *a, const wacc_cval *payload);
/* The first member of a tcp and a udp socket (sockets_tcp.c, sockets_udp.c):
 * what the functions they share read. fd < 0: not usable (invalid-state). */
typedef struct s3_sock {
    int fd, family;
} s3_sock;
/* A socket option SK_* (sk_int.h) of the socket a[0] (a rep in socks) as
 * f's result: get (result<kind, error-code>) or set a[1] (result<_,
 * error-code>). A trap if there is no such socket. */
uint32_t s3_opt(sk_fn *f, const w3_slots *socks, const wacc_cval *a, wacc_cval *res,
                wacc_arena *arena, int opt, uint8_t kind, bool set);
/* An option function `name` of the table, on the sockets ss->socks. */
#define S3_OPT(name, socks, o, kind, set)                                                 \
    static uint32_t name(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena) \
    {                                                                                     \
        return s3_opt(f, &f->ss->socks, a, res, arena, o, kind, set);                     \
    }
/* An ip-socket-address value of sa (arena). */
bool s3_addr_val(wacc_arena *a, const struct sockaddr_storage *sa, wacc_cval *out);

/* sockets_udp.c */
typedef uint32_t (*s3_impl)(sk_fn *f, const wacc_cval *a, wacc_cval *res, wacc_arena *arena);
s3_impl s3_udp_func(const char *name);
bool s3_udp_async(const char *name, wacc_component_host_async_fn *fn);
int s3_udp_dtor(void *ctx, uint32_t rep);
void s3_udp_free_all(wacc_wasi3_sockets *ss);

/* sockets_dns.c */
bool s3_dns_async(const char *instance, const char *name, wacc_component_host_async_fn *fn);
void s3_dns_free_all(wacc_wasi3_sockets *ss);

#endif
