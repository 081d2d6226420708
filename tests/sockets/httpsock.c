/* httpsock.c — a wasi:http handler that uses wasi:sockets, for `wacc
 * serve` (no libc; Canonical ABI by hand, sockabi.h for the sockets).
 *   GET /tcp/PORT   connects to 127.0.0.1:PORT, sends "ping", shuts down
 *                   sending, answers 200 "upstream: <what came back>"
 *   GET /dns        answers 200 "localhost: a.b.c.d" (first address)
 * Every wait (connect, the upstream's reply, the lookup) goes through
 * pollable.block / blocking-read, which park the request under wacc serve.
 */
#include <stdint.h>

#include "sockabi.h"

#define HT "wasi:http/types"
typedef uint32_t u32;
typedef uint64_t u64;

IMPORT(HT, "[constructor]fields") u32 fields_new(void);
IMPORT(HT, "[method]incoming-request.path-with-query") void req_path(u32, void *);
IMPORT(HT, "[constructor]outgoing-response") u32 resp_new(u32);
IMPORT(HT, "[method]outgoing-response.set-status-code") u32 resp_set_status(u32, u32);
IMPORT(HT, "[method]outgoing-response.body") void resp_body(u32, void *);
IMPORT(HT, "[method]outgoing-body.write") void outbody_write(u32, void *);
IMPORT(HT, "[static]outgoing-body.finish") void outbody_finish(u32, u32, u32, void *);
/* response-outparam.set(param, result<own<outgoing-response>, error-code>) flattened */
IMPORT(HT, "[static]response-outparam.set")
void outparam_set(u32, u32, u32, u32, u64, u32, u32, u32, u32);

static uint8_t heap[1 << 20];
static u32 top;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, u32 osz, u32 align, u32 nsz)
{
    top = (top + align - 1) & ~(align - 1);
    if (top + nsz > sizeof heap)
        __builtin_trap();
    uint8_t *p = heap + top;
    top += nsz;
    for (u32 i = 0; old && i < osz && i < nsz; i++)
        p[i] = ((uint8_t *)old)[i];
    return p;
}

static char *put(char *p, const char *s, u32 n)
{
    for (u32 i = 0; i < n; i++)
        *p++ = s[i];
    return p;
}

static char *puts_(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *putu(char *p, u32 v)
{
    char d[10];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *p++ = d[--n];
    return p;
}

static void reply(u32 out, u32 status, const char *body, u32 n)
{
    u32 ret[4];
    u32 r = resp_new(fields_new());
    if (status != 200)
        resp_set_status(r, status);
    resp_body(r, ret);
    u32 b = ret[1];
    outbody_write(b, ret);
    u32 s = ret[1];
    outparam_set(out, 0, r, 0, 0, 0, 0, 0, 0);
    res_stream w;
    out_write_flush((int32_t)s, body, n, &w);
    out_drop((int32_t)s);
    outbody_finish(b, 0, 0, ret);
}

static const char *const codes[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state", "new-socket-limit",
    "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused",
    "connection-reset", "connection-aborted", "datagram-too-large", "name-unresolvable",
    "temporary-resolver-failure", "permanent-resolver-failure",
};

static void fail(u32 out, const char *what, unsigned code)
{
    char msg[128], *p = msg;
    p = puts_(p, what);
    p = puts_(p, ": ");
    p = puts_(p, code < 21 ? codes[code] : "?");
    reply(out, 502, msg, (u32)(p - msg));
}

static void tcp(u32 out, u32 port)
{
    int net = instance_network();
    res_handle r;
    create_tcp_socket(0, &r);
    if (r.is_err)
        return fail(out, "create-tcp-socket", (uint8_t)r.v);
    int32_t s = (int32_t)r.v, a[12] = { 0, (int32_t)port, 127, 0, 0, 1 };
    res_unit u;
    tcp_start_connect(s, net, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
                      a[11], &u);
    if (u.is_err)
        return fail(out, "start-connect", u.code);
    int32_t p = tcp_subscribe(s);
    res_handles h;
    for (;;) {
        tcp_finish_connect(s, &h);
        if (!h.is_err || (uint8_t)h.a != 8)
            break;
        pollable_block(p);
    }
    pollable_drop(p);
    if (h.is_err)
        return fail(out, "finish-connect", (uint8_t)h.a);
    res_stream w;
    out_write_flush((int32_t)h.b, "ping", 4, &w);
    tcp_shutdown(s, 1, &u);
    char body[256], *q = puts_(body, "upstream: ");
    for (;;) {
        res_list rd;
        in_blocking_read((int32_t)h.a, 64, &rd);     /* parks while the upstream thinks */
        if (rd.is_err || q + rd.len > body + sizeof body)
            break;
        q = put(q, (const char *)(uintptr_t)rd.ptr, rd.len);
    }
    in_drop((int32_t)h.a);
    out_drop((int32_t)h.b);
    tcp_drop(s);
    reply(out, 200, body, (u32)(q - body));
}

static void dns(u32 out)
{
    int net = instance_network();
    res_handle r;
    resolve_addresses(net, "localhost", 9, &r);
    if (r.is_err)
        return fail(out, "resolve-addresses", (uint8_t)r.v);
    int32_t p = resolve_subscribe((int32_t)r.v);
    res_ipopt o;
    for (;;) {
        resolve_next((int32_t)r.v, &o);
        if (!o.is_err || o.some != 8)
            break;
        pollable_block(p);
    }
    pollable_drop(p);
    resolve_drop((int32_t)r.v);
    if (o.is_err)
        return fail(out, "resolve-next-address", o.some);
    char body[64], *q = puts_(body, "localhost: ");
    if (o.some && o.tag == 0)
        for (int i = 0; i < 4; i++) {
            q = putu(q, o.u.ip4[i]);
            if (i < 3)
                *q++ = '.';
        }
    reply(out, 200, body, (u32)(q - body));
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle")))
void handle(u32 req, u32 out)
{
    u32 ret[3];
    req_path(req, ret);
    const char *path = ret[0] & 0xff ? (const char *)(uintptr_t)ret[1] : "/";
    u32 n = ret[0] & 0xff ? ret[2] : 1;
    if (n > 5 && path[0] == '/' && path[1] == 't' && path[2] == 'c' && path[3] == 'p' && path[4] == '/') {
        u32 port = 0;
        for (u32 i = 5; i < n && path[i] >= '0' && path[i] <= '9'; i++)
            port = port * 10 + (u32)(path[i] - '0');
        return tcp(out, port);
    }
    if (n == 4 && path[1] == 'd' && path[2] == 'n' && path[3] == 's')
        return dns(out);
    reply(out, 404, "no such route\n", 14);
}
