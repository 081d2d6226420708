/* sock.c — a wasi:sockets 0.2 test program (a wasi:cli command through
 * jco's preview1 adapter; sockets through sockabi.h). Modes:
 *
 *   sock tcp-server PORT N   listen on 127.0.0.1:PORT (0: any), print the
 *                            port, echo N clients one after another
 *   sock tcp-client PORT MSG connect to 127.0.0.1:PORT, send MSG, shut
 *                            down sending, print what comes back
 *   sock tcp-blast PORT N    connect, write N bytes without flushing
 *                            (check-write/write), drop everything at once
 *   sock ipv6                a listener on [::1] and a client to it
 *   sock udp                 a round trip between two sockets on 127.0.0.1
 *   sock dns NAME            resolve NAME, print the addresses
 *   sock probe PORT          one line per operation: its outcome (the
 *                            grants test runs it under different grants)
 *   sock states PORT         the TCP state machine's errors (PORT: closed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockabi.h"

/* Lists and strings the host returns are allocated here (freed with
 * free). wasm-ld wraps every export of a command module in
 * __wasm_call_ctors/__wasm_call_dtors, so this runs the dtors (stdio
 * flush) each time: stdout is unbuffered (main) so that they never write
 * (an import call from inside realloc is a Canonical ABI trap). */
__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    (void)old_size;
    if (new_size == 0)
        return (void *)align;
    void *p = realloc(old, new_size);
    if (p == NULL)
        abort();
    return p;
}

static const char *const codes[] = {
    "unknown", "access-denied", "not-supported", "invalid-argument", "out-of-memory", "timeout",
    "concurrency-conflict", "not-in-progress", "would-block", "invalid-state", "new-socket-limit",
    "address-not-bindable", "address-in-use", "remote-unreachable", "connection-refused",
    "connection-reset", "connection-aborted", "datagram-too-large", "name-unresolvable",
    "temporary-resolver-failure", "permanent-resolver-failure",
};

static const char *code(unsigned c) { return c < 21 ? codes[c] : "?"; }
static const char *unit(res_unit r) { return r.is_err ? code(r.code) : "ok"; }

#define A12(a) a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]

static void v4(int32_t a[12], int port, int b0, int b1, int b2, int b3)
{
    memset(a, 0, 12 * sizeof *a);
    a[1] = port, a[2] = b0, a[3] = b1, a[4] = b2, a[5] = b3;
}

static void v6(int32_t a[12], int port, const uint16_t seg[8])
{
    memset(a, 0, 12 * sizeof *a);
    a[0] = 1, a[1] = port;
    for (int i = 0; i < 8; i++)
        a[3 + i] = seg[i];
}

static int net;

static void die(const char *what, const char *why)
{
    printf("%s: %s\n", what, why);
    fflush(stdout);
    exit(1);
}

static int32_t new_tcp(void)
{
    res_handle r;
    create_tcp_socket(0, &r);
    if (r.is_err)
        die("create-tcp-socket", code((uint8_t)r.v));
    return (int32_t)r.v;
}

/* start-connect + finish-connect, waiting on the socket's pollable */
static res_handles tcp_connect(int32_t s, int port)
{
    int32_t a[12];
    res_unit u;
    res_handles h;
    v4(a, port, 127, 0, 0, 1);
    tcp_start_connect(s, net, A12(a), &u);
    if (u.is_err) {
        h.is_err = 1;
        h.a = u.code;
        return h;
    }
    int32_t p = tcp_subscribe(s);
    for (;;) {
        tcp_finish_connect(s, &h);
        if (!h.is_err || (uint8_t)h.a != 8 /* would-block */)
            break;
        pollable_block(p);
    }
    pollable_drop(p);
    return h;
}

static uint16_t local_port(int32_t s)
{
    res_addr a;
    tcp_local_address(s, &a);
    return a.is_err ? 0 : a.u.a.u.v4.port;
}

/* reads everything until the peer shuts down; returns malloc'd bytes */
static char *read_all(int32_t in, uint32_t *n)
{
    char *buf = NULL;
    *n = 0;
    for (;;) {
        res_list r;
        in_blocking_read(in, 65536, &r);
        if (r.is_err) {
            if ((uint8_t)r.ptr != 1)
                die("read", "last-operation-failed");
            return buf;
        }
        buf = realloc(buf, *n + r.len + 1);
        memcpy(buf + *n, (void *)(uintptr_t)r.ptr, r.len);
        *n += r.len;
        buf[*n] = 0;
        if (r.len)
            if (r.len)
                free((void *)(uintptr_t)r.ptr);
    }
}

static void write_all(int32_t out, const void *p, uint32_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        uint32_t k = n > 4096 ? 4096 : n;       /* blocking-write-and-flush takes <= 4096 */
        res_stream r;
        out_write_flush(out, b, k, &r);
        if (r.is_err)
            die("write", (uint8_t)r.tag == 1 ? "closed" : "last-operation-failed");
        b += k;
        n -= k;
    }
}

static int tcp_server(int port, int count)
{
    int32_t s = new_tcp(), a[12];
    res_unit u;
    v4(a, port, 127, 0, 0, 1);
    tcp_set_backlog(s, 16, &u);
    tcp_start_bind(s, net, A12(a), &u);
    if (u.is_err)
        die("start-bind", unit(u));
    tcp_finish_bind(s, &u);
    tcp_start_listen(s, &u);
    if (u.is_err)
        die("start-listen", unit(u));
    tcp_finish_listen(s, &u);
    if (u.is_err)
        die("finish-listen", unit(u));
    printf("listening on %u (is-listening %d)\n", local_port(s), tcp_is_listening(s));
    fflush(stdout);
    int32_t p = tcp_subscribe(s);
    for (int i = 0; i < count; i++) {
        res_handles h;
        for (;;) {
            tcp_accept(s, &h);
            if (!h.is_err || (uint8_t)h.a != 8)
                break;
            pollable_block(p);          /* would-block: wait for a client */
        }
        if (h.is_err)
            die("accept", code((uint8_t)h.a));
        uint32_t total = 0;
        for (;;) {                      /* echo as it comes */
            res_list r;
            in_blocking_read((int32_t)h.b, 65536, &r);
            if (r.is_err)
                break;
            write_all((int32_t)h.c, (void *)(uintptr_t)r.ptr, r.len);
            total += r.len;
            if (r.len)
            if (r.len)
                free((void *)(uintptr_t)r.ptr);
        }
        res_addr ra;
        tcp_remote_address((int32_t)h.a, &ra);
        tcp_shutdown((int32_t)h.a, 2, &u);
        printf("client %d: %u bytes, from 127.0.0.1: %s\n", i + 1, total,
               !ra.is_err && ra.u.a.u.v4.ip[0] == 127 ? "yes" : "no");
        fflush(stdout);
        in_drop((int32_t)h.b);
        out_drop((int32_t)h.c);
        tcp_drop((int32_t)h.a);
    }
    pollable_drop(p);
    tcp_drop(s);
    printf("served %d\n", count);
    return 0;
}

static int tcp_client(int port, const char *msg)
{
    int32_t s = new_tcp();
    res_handles h = tcp_connect(s, port);
    if (h.is_err)
        die("connect", code((uint8_t)h.a));
    res_unit u;
    write_all((int32_t)h.b, msg, (uint32_t)strlen(msg));
    tcp_shutdown(s, 1, &u);         /* send: the server sees the end */
    uint32_t n;
    char *got = read_all((int32_t)h.a, &n);
    printf("echo: %s\n", got ? got : "");
    free(got);
    in_drop((int32_t)h.a);
    out_drop((int32_t)h.b);
    tcp_drop(s);
    return 0;
}

/* writes n bytes with check-write + write (waiting on the stream's
 * pollable when it is full), never flushes, drops everything at once:
 * what is still buffered must reach the peer anyway */
static int tcp_blast(int port, uint32_t n)
{
    int32_t s = new_tcp();
    res_unit u;
    tcp_set_sndbuf(s, 4096, &u);        /* small: the last bytes stay buffered here */
    res_handles h = tcp_connect(s, port);
    if (h.is_err)
        die("connect", code((uint8_t)h.a));
    static uint8_t chunk[65536];
    for (uint32_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (uint8_t)(i * 7);
    uint32_t sent = 0, waits = 0;
    int32_t p = out_subscribe((int32_t)h.b);
    while (sent < n) {
        res_u64 c;
        out_check_write((int32_t)h.b, &c);
        if (c.is_err)
            die("check-write", "error");
        uint64_t k = c.u.v;
        if (k == 0) {
            waits++;
            pollable_block(p);
            continue;
        }
        if (k > n - sent)
            k = n - sent;
        if (k > sizeof chunk)
            k = sizeof chunk;
        res_stream r;
        out_write((int32_t)h.b, chunk, (uint32_t)k, &r);
        if (r.is_err)
            die("write", "error");
        sent += (uint32_t)k;
    }
    pollable_drop(p);
    out_drop((int32_t)h.b);
    in_drop((int32_t)h.a);
    tcp_drop(s);
    printf("sent %u bytes, waited: %s\n", sent, waits ? "yes" : "no");
    return 0;
}

/* IPv6: a listener on [::1]:0 and a client to it, in one component */
static int ipv6(void)
{
    static const uint16_t lo6[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
    res_handle r;
    res_unit u;
    res_handles c, a;
    res_addr la, ra;
    int32_t ad[12];
    create_tcp_socket(1, &r);
    if (r.is_err)
        die("create-tcp-socket ipv6", code((uint8_t)r.v));
    int32_t l = (int32_t)r.v;
    v6(ad, 0, lo6);
    tcp_start_bind(l, net, A12(ad), &u);
    tcp_finish_bind(l, &u);
    tcp_start_listen(l, &u);
    tcp_finish_listen(l, &u);
    if (u.is_err)
        die("listen [::1]", unit(u));
    tcp_local_address(l, &la);
    create_tcp_socket(1, &r);
    int32_t s = (int32_t)r.v, p = tcp_subscribe(s), lp = tcp_subscribe(l);
    v6(ad, la.u.a.u.v6.port, lo6);
    tcp_start_connect(s, net, A12(ad), &u);
    if (u.is_err)
        die("connect [::1]", unit(u));
    for (;;) {
        tcp_finish_connect(s, &c);
        if (!c.is_err || (uint8_t)c.a != 8)
            break;
        pollable_block(p);
    }
    if (c.is_err)
        die("finish-connect [::1]", code((uint8_t)c.a));
    for (;;) {
        tcp_accept(l, &a);
        if (!a.is_err || (uint8_t)a.a != 8)
            break;
        pollable_block(lp);
    }
    if (a.is_err)
        die("accept [::1]", code((uint8_t)a.a));
    write_all((int32_t)c.b, "six", 3);
    res_list rd;
    in_blocking_read((int32_t)a.b, 16, &rd);
    tcp_remote_address((int32_t)a.a, &ra);
    printf("ipv6: family %s, accepted from %s, read '%.*s'\n",
           tcp_address_family((int32_t)a.a) == 1 ? "ipv6" : "ipv4",
           !ra.is_err && ra.u.a.tag == 1 && ra.u.a.u.v6.seg[7] == 1 ? "::1" : "?",
           rd.is_err ? 0 : (int)rd.len, rd.is_err ? "" : (char *)(uintptr_t)rd.ptr);
    pollable_drop(p), pollable_drop(lp);
    in_drop((int32_t)c.a), out_drop((int32_t)c.b), in_drop((int32_t)a.b), out_drop((int32_t)a.c);
    tcp_drop((int32_t)a.a), tcp_drop(s), tcp_drop(l);
    return 0;
}

static int32_t udp_bound(int port)
{
    res_handle r;
    res_unit u;
    int32_t a[12];
    create_udp_socket(0, &r);
    if (r.is_err)
        die("create-udp-socket", code((uint8_t)r.v));
    v4(a, port, 127, 0, 0, 1);
    udp_start_bind((int32_t)r.v, net, A12(a), &u);
    if (u.is_err)
        die("udp start-bind", unit(u));
    udp_finish_bind((int32_t)r.v, &u);
    return (int32_t)r.v;
}

static void udp_send1(int32_t out, const char *msg, const ip_sock_addr *to)
{
    res_u64 r;
    out_dgram d = { (const uint8_t *)msg, (uint32_t)strlen(msg), to != NULL, { 0 }, { 0 } };
    if (to)
        d.to = *to;
    for (;;) {
        udp_check_send(out, &r);
        if (r.is_err)
            die("check-send", code(r.u.code));
        if (r.u.v > 0)
            break;
        int32_t p = udp_out_subscribe(out);
        pollable_block(p);
        pollable_drop(p);
    }
    udp_send(out, &d, 1, &r);
    if (r.is_err || r.u.v != 1)
        die("send", r.is_err ? code(r.u.code) : "nothing sent");
}

static in_dgram udp_recv1(int32_t in)
{
    int32_t p = udp_in_subscribe(in);
    for (;;) {
        res_list r;
        udp_receive(in, 4, &r);
        if (r.is_err)
            die("receive", code((uint8_t)r.ptr));
        if (r.len > 0) {
            pollable_drop(p);
            return *(in_dgram *)(uintptr_t)r.ptr;
        }
        pollable_block(p);
    }
}

static int udp_roundtrip(void)
{
    int32_t a = udp_bound(0), b = udp_bound(0), na[12];
    res_addr la, lb;
    res_handles sa, sb;
    udp_local_address(a, &la);
    udp_local_address(b, &lb);
    memset(na, 0, sizeof na);
    udp_stream(a, 0, A12(na), &sa);                 /* a: unconnected */
    v4(na, la.u.a.u.v4.port, 127, 0, 0, 1);
    na[0] = 0;
    udp_stream(b, 1, A12(na), &sb);                 /* b: connected to a */
    if (sa.is_err || sb.is_err)
        die("stream", code((uint8_t)(sa.is_err ? sa.a : sb.a)));
    udp_send1((int32_t)sa.b, "ping", &lb.u.a);      /* sendto b */
    in_dgram d = udp_recv1((int32_t)sb.a);
    printf("b got '%.*s' from a: %s\n", (int)d.len, d.data,
           d.from.u.v4.port == la.u.a.u.v4.port ? "yes" : "no");
    udp_send1((int32_t)sb.b, "pong", NULL);         /* send to the connected peer */
    d = udp_recv1((int32_t)sa.a);
    printf("a got '%.*s' from b: %s\n", (int)d.len, d.data,
           d.from.u.v4.port == lb.u.a.u.v4.port ? "yes" : "no");
    /* b again, unconnected: its local port stays what it was */
    udp_in_drop((int32_t)sb.a), udp_out_drop((int32_t)sb.b);
    memset(na, 0, sizeof na);
    udp_stream(b, 0, A12(na), &sb);
    if (sb.is_err)
        die("stream again", code((uint8_t)sb.a));
    udp_send1((int32_t)sb.b, "again", &la.u.a);
    d = udp_recv1((int32_t)sa.a);
    printf("a got '%.*s' from b's port: %s\n", (int)d.len, d.data,
           d.from.u.v4.port == lb.u.a.u.v4.port ? "yes" : "no");
    udp_in_drop((int32_t)sa.a), udp_out_drop((int32_t)sa.b);
    udp_in_drop((int32_t)sb.a), udp_out_drop((int32_t)sb.b);
    udp_drop(a), udp_drop(b);
    return 0;
}

static int dns(const char *name)
{
    res_handle r;
    resolve_addresses(net, name, (uint32_t)strlen(name), &r);
    if (r.is_err) {
        printf("resolve-addresses %s: %s\n", name, code((uint8_t)r.v));
        return 0;
    }
    int32_t p = resolve_subscribe((int32_t)r.v);
    for (;;) {
        res_ipopt o;
        resolve_next((int32_t)r.v, &o);
        if (o.is_err && o.some == 8) {          /* would-block */
            pollable_block(p);
            continue;
        }
        if (o.is_err) {
            printf("%s: %s\n", name, code(o.some));
            break;
        }
        if (!o.some)
            break;
        if (o.tag == 0)
            printf("%s: %u.%u.%u.%u\n", name, o.u.ip4[0], o.u.ip4[1], o.u.ip4[2], o.u.ip4[3]);
        else
            printf("%s: ipv6 %x:%x:...:%x\n", name, o.u.ip6[0], o.u.ip6[1], o.u.ip6[7]);
    }
    pollable_drop(p);
    resolve_drop((int32_t)r.v);
    return 0;
}

/* each operation that a grant controls, and its outcome */
static int probe(int port)
{
    int32_t a[12];
    res_handle r;
    res_unit u;
    create_tcp_socket(0, &r);
    printf("create-tcp-socket: %s\n", r.is_err ? code((uint8_t)r.v) : "ok");
    if (!r.is_err) {
        int32_t s = (int32_t)r.v;
        res_handles h = tcp_connect(s, port);
        printf("tcp connect 127.0.0.1:%d: %s\n", port, h.is_err ? code((uint8_t)h.a) : "ok");
        if (!h.is_err)
            in_drop((int32_t)h.a), out_drop((int32_t)h.b);
        tcp_drop(s);
        h = tcp_connect(s = new_tcp(), port + 1);
        printf("tcp connect 127.0.0.1:port+1: %s\n", h.is_err ? code((uint8_t)h.a) : "ok");
        if (!h.is_err)
            in_drop((int32_t)h.a), out_drop((int32_t)h.b);
        tcp_drop(s);
        s = new_tcp();
        v4(a, 0, 127, 0, 0, 1);
        tcp_start_bind(s, net, A12(a), &u);
        printf("tcp bind 127.0.0.1:0: %s\n", unit(u));
        tcp_finish_bind(s, &u);
        tcp_start_listen(s, &u);
        printf("tcp listen on it: %s\n", unit(u));
        tcp_drop(s);
        s = new_tcp();
        v4(a, port, 127, 0, 0, 1);
        tcp_start_bind(s, net, A12(a), &u);
        printf("tcp bind 127.0.0.1:%d: %s\n", port, unit(u));
        tcp_drop(s);
    }
    create_udp_socket(0, &r);
    printf("create-udp-socket: %s\n", r.is_err ? code((uint8_t)r.v) : "ok");
    if (!r.is_err) {
        int32_t s = (int32_t)r.v;
        res_handles h;
        v4(a, 0, 127, 0, 0, 1);
        udp_start_bind(s, net, A12(a), &u);
        printf("udp bind 127.0.0.1:0: %s\n", unit(u));
        udp_finish_bind(s, &u);
        v4(a, port, 10, 1, 2, 3);
        udp_stream(s, 1, A12(a), &h);
        printf("udp stream to 10.1.2.3:%d: %s\n", port, h.is_err ? code((uint8_t)h.a) : "ok");
        memset(a, 0, sizeof a);
        udp_stream(s, 0, A12(a), &h);
        if (!h.is_err) {
            res_u64 c;
            out_dgram d = { (const uint8_t *)"x", 1, 1, { 0 }, { 0 } };
            d.to.u.v4.port = (uint16_t)port;
            d.to.u.v4.ip[0] = 10, d.to.u.v4.ip[1] = 1, d.to.u.v4.ip[2] = 2, d.to.u.v4.ip[3] = 3;
            udp_check_send((int32_t)h.b, &c);
            udp_send((int32_t)h.b, &d, 1, &c);
            printf("udp send to 10.1.2.3:%d: %s\n", port, c.is_err ? code(c.u.code) : "ok");
            d.to.u.v4.ip[0] = 127, d.to.u.v4.ip[1] = 0, d.to.u.v4.ip[2] = 0, d.to.u.v4.ip[3] = 1;
            udp_check_send((int32_t)h.b, &c);
            udp_send((int32_t)h.b, &d, 1, &c);
            printf("udp send to 127.0.0.1:%d: %s\n", port, c.is_err ? code(c.u.code) : "ok");
            udp_in_drop((int32_t)h.a), udp_out_drop((int32_t)h.b);
        }
        udp_drop(s);
    }
    dns("localhost");
    return 0;
}

/* the TCP state machine (grants: connect to 127.0.0.1:PORT, listen on
 * 127.0.0.1:any; nothing listens on PORT) */
static int states(int port)
{
    int32_t a[12], s = new_tcp();
    res_unit u;
    res_handles h;
    res_addr ad;
    res_u8 b;
    res_u64 q;
    tcp_finish_bind(s, &u);
    printf("finish-bind before start-bind: %s\n", unit(u));
    tcp_start_listen(s, &u);
    printf("start-listen unbound: %s\n", unit(u));
    tcp_accept(s, &h);
    printf("accept unbound: %s\n", h.is_err ? code((uint8_t)h.a) : "ok");
    tcp_local_address(s, &ad);
    printf("local-address unbound: %s\n", ad.is_err ? code(ad.u.code) : "ok");
    tcp_finish_connect(s, &h);
    printf("finish-connect before start-connect: %s\n", h.is_err ? code((uint8_t)h.a) : "ok");
    static const uint16_t lo6[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
    v6(a, 0, lo6);
    tcp_start_bind(s, net, A12(a), &u);
    printf("bind ::1 on an ipv4 socket: %s\n", unit(u));
    v4(a, port, 0, 0, 0, 0);
    tcp_start_connect(s, net, A12(a), &u);
    printf("connect 0.0.0.0: %s\n", unit(u));
    v4(a, 0, 127, 0, 0, 1);
    tcp_start_connect(s, net, A12(a), &u);
    printf("connect port 0: %s\n", unit(u));
    tcp_set_hop_limit(s, 0, &u);
    printf("set-hop-limit 0: %s\n", unit(u));
    tcp_set_hop_limit(s, 42, &u);
    tcp_hop_limit(s, &b);
    printf("hop-limit after 42: %u\n", b.v);
    tcp_set_keep_alive(s, 1, &u);
    tcp_keep_alive(s, &b);
    printf("keep-alive after set: %u\n", b.v);
    tcp_set_keep_idle(s, 0, &u);
    printf("set-keep-alive-idle-time 0: %s\n", unit(u));
    tcp_set_keep_idle(s, 30000000000ll, &u);
    tcp_keep_idle(s, &q);
    printf("keep-alive-idle-time after 30 s: %llu s\n", (unsigned long long)(q.u.v / 1000000000ull));
    tcp_set_rcvbuf(s, 0, &u);
    printf("set-receive-buffer-size 0: %s\n", unit(u));
    tcp_set_backlog(s, 0, &u);
    printf("set-listen-backlog-size 0: %s\n", unit(u));
    printf("address-family: %s\n", tcp_address_family(s) == 0 ? "ipv4" : "ipv6");
    v4(a, 0, 127, 0, 0, 1);
    tcp_start_bind(s, net, A12(a), &u);
    printf("start-bind 127.0.0.1:0: %s\n", unit(u));
    tcp_start_bind(s, net, A12(a), &u);
    printf("start-bind again: %s\n", unit(u));
    tcp_finish_bind(s, &u);
    tcp_finish_bind(s, &u);
    printf("finish-bind twice: %s\n", unit(u));
    tcp_local_address(s, &ad);
    printf("local-address bound: %s\n", ad.is_err ? code(ad.u.code) : ad.u.a.u.v4.port ? "a port" : "port 0");
    tcp_finish_listen(s, &u);
    printf("finish-listen before start-listen: %s\n", unit(u));
    tcp_start_listen(s, &u);
    tcp_finish_listen(s, &u);
    printf("listen: %s\n", unit(u));
    tcp_start_listen(s, &u);
    printf("start-listen again: %s\n", unit(u));
    v4(a, port, 127, 0, 0, 1);
    tcp_start_connect(s, net, A12(a), &u);
    printf("connect a listener: %s\n", unit(u));
    tcp_accept(s, &h);
    printf("accept, nobody there: %s\n", h.is_err ? code((uint8_t)h.a) : "ok");
    tcp_set_backlog(s, 8, &u);
    printf("set-listen-backlog-size while listening: %s\n", unit(u));
    tcp_remote_address(s, &ad);
    printf("remote-address of a listener: %s\n", ad.is_err ? code(ad.u.code) : "ok");
    tcp_shutdown(s, 2, &u);
    printf("shutdown a listener: %s\n", unit(u));
    tcp_drop(s);

    s = new_tcp();
    h = tcp_connect(s, port);
    printf("connect to a closed port: %s\n", h.is_err ? code((uint8_t)h.a) : "ok");
    tcp_start_connect(s, net, A12(a), &u);
    printf("connect again after failure: %s\n", unit(u));
    tcp_drop(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sock tcp-server|tcp-client|tcp-blast|ipv6|udp|dns|probe|states ...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    net = instance_network();
    const char *m = argv[1];
    int port = argc > 2 ? atoi(argv[2]) : 0;
    if (strcmp(m, "tcp-server") == 0 && argc == 4)
        return tcp_server(port, atoi(argv[3]));
    if (strcmp(m, "tcp-client") == 0 && argc == 4)
        return tcp_client(port, argv[3]);
    if (strcmp(m, "tcp-blast") == 0 && argc == 4)
        return tcp_blast(port, (uint32_t)atoi(argv[3]));
    if (strcmp(m, "ipv6") == 0)
        return ipv6();
    if (strcmp(m, "udp") == 0)
        return udp_roundtrip();
    if (strcmp(m, "dns") == 0 && argc == 3)
        return dns(argv[2]);
    if (strcmp(m, "probe") == 0 && argc == 3)
        return probe(port);
    if (strcmp(m, "states") == 0 && argc == 3)
        return states(port);
    fprintf(stderr, "sock: bad arguments\n");
    return 2;
}
