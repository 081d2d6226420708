/*
 * guest.c — a wasi:http/proxy handler written against the Canonical ABI by
 * hand (no libc, no bindings generator), for what a JS component cannot
 * reach. Built by run.sh: clang --target=wasm32 -nostdlib, then
 * `jco embed` (world.wit) and `jco new`. Routes (the path):
 *   /hello          200 "hello\n", content-type, x-method / x-path echoes
 *   /headers        header checks in the body: forbidden, invalid name and
 *                   value, immutable request headers, get/has/delete/entries
 *   /status         418, after set-status-code(42) was refused
 *   /trailers       body "abc" and trailers x-checksum: abc, x-n: 3
 *   /echo           request body streamed back (64 KiB reads)
 *   /never-set      returns without setting the response
 *   /set-twice      response-outparam.set twice (the second traps)
 *   /drop-body      200, 5 bytes, then the outgoing-body is dropped
 *   /err            set(err(internal-error(some("boom"))))
 *   /err-timeout    set(err(connection-timeout))
 *   /clen           content-length: 10, 3 bytes written, finish fails
 *   /request-trailers  reads the body, incoming-body.finish, future-trailers.get
 *   /fetch          outbound GET http://<x-upstream header><x-upstream-path>:
 *                   "<status> <body>" or "error <error-code case index>"
 *   /fetch-timeout  the same with a 300 ms first-byte timeout
 *   /fetch-stream   the upstream's body streamed back as ours
 *   /proxy          our request body POSTed upstream (streamed), its body back
 */
#include <stddef.h>
#include <stdint.h>

#define IMP(m, n) __attribute__((import_module(m), import_name(n)))
#define EXP(n) __attribute__((export_name(n)))
#define HT "wasi:http/types@0.2.12"
#define IOS "wasi:io/streams@0.2.12"
#define IOP "wasi:io/poll@0.2.12"
#define OH "wasi:http/outgoing-handler@0.2.12"

typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t u8;

/* ---- memory ---- */
static u8 heap[2 << 20];
static u32 top;

EXP("cabi_realloc") void *cabi_realloc(void *old, u32 osz, u32 align, u32 nsz)
{
    top = (top + align - 1) & ~(align - 1);
    if (top + nsz > sizeof heap)
        __builtin_trap();
    void *p = heap + top;
    top += nsz;
    if (old)
        __builtin_memcpy(p, old, osz < nsz ? osz : nsz);
    return p;
}

static u32 slen(const char *s)
{
    u32 n = 0;
    while (s[n])
        n++;
    return n;
}

static int starts(const char *s, u32 n, const char *pre)
{
    u32 k = slen(pre);
    if (n < k)
        return 0;
    for (u32 i = 0; i < k; i++)
        if (s[i] != pre[i])
            return 0;
    return n == k || s[k] == '?';
}

/* ---- imports ---- */
IMP(HT, "[constructor]fields") u32 fields_new(void);
IMP(HT, "[method]fields.append") void fields_append(u32, const char *, u32, const void *, u32, void *);
IMP(HT, "[method]fields.set") void fields_set(u32, const char *, u32, const void *, u32, void *);
IMP(HT, "[method]fields.delete") void fields_delete(u32, const char *, u32, void *);
IMP(HT, "[method]fields.get") void fields_get(u32, const char *, u32, void *);
IMP(HT, "[method]fields.has") u32 fields_has(u32, const char *, u32);
IMP(HT, "[method]fields.entries") void fields_entries(u32, void *);
IMP(HT, "[method]fields.clone") u32 fields_clone(u32);
IMP(HT, "[static]fields.from-list") void fields_from_list(const void *, u32, void *);
IMP(HT, "[resource-drop]fields") void fields_drop(u32);
IMP(HT, "[method]incoming-request.method") void req_method(u32, void *);
IMP(HT, "[method]incoming-request.path-with-query") void req_path(u32, void *);
IMP(HT, "[method]incoming-request.headers") u32 req_headers(u32);
IMP(HT, "[method]incoming-request.consume") void req_consume(u32, void *);
IMP(HT, "[resource-drop]incoming-request") void req_drop(u32);
IMP(HT, "[method]incoming-body.stream") void inbody_stream(u32, void *);
IMP(HT, "[static]incoming-body.finish") u32 inbody_finish(u32);
IMP(HT, "[method]future-trailers.get") void futtrail_get(u32, void *);
IMP(HT, "[method]future-trailers.subscribe") u32 futtrail_subscribe(u32);
IMP(HT, "[resource-drop]future-trailers") void futtrail_drop(u32);
IMP(HT, "[constructor]outgoing-response") u32 resp_new(u32);
IMP(HT, "[method]outgoing-response.set-status-code") u32 resp_set_status(u32, u32);
IMP(HT, "[method]outgoing-response.body") void resp_body(u32, void *);
IMP(HT, "[method]outgoing-body.write") void outbody_write(u32, void *);
IMP(HT, "[static]outgoing-body.finish") void outbody_finish(u32, u32, u32, void *);
IMP(HT, "[resource-drop]outgoing-body") void outbody_drop(u32);
IMP(HT, "[static]response-outparam.set")
void outparam_set(u32, u32, u32, u32, u64, u32, u32, u32, u32);
IMP(HT, "[constructor]outgoing-request") u32 oreq_new(u32);
IMP(HT, "[method]outgoing-request.set-authority") u32 oreq_set_authority(u32, u32, const char *, u32);
IMP(HT, "[method]outgoing-request.set-path-with-query") u32 oreq_set_path(u32, u32, const char *, u32);
IMP(HT, "[method]outgoing-request.set-scheme") u32 oreq_set_scheme(u32, u32, u32, const char *, u32);
IMP(HT, "[method]future-incoming-response.get") void futresp_get(u32, void *);
IMP(HT, "[method]future-incoming-response.subscribe") u32 futresp_subscribe(u32);
IMP(HT, "[method]incoming-response.status") u32 iresp_status(u32);
IMP(HT, "[method]incoming-response.consume") void iresp_consume(u32, void *);
IMP(HT, "[method]outgoing-request.set-method") u32 oreq_set_method(u32, u32, const char *, u32);
IMP(HT, "[method]outgoing-request.body") void oreq_body(u32, void *);
IMP(HT, "[constructor]request-options") u32 opts_new(void);
IMP(HT, "[method]request-options.set-first-byte-timeout") u32 opts_set_first(u32, u32, u64);
IMP(OH, "handle") void oh_handle(u32, u32, u32, void *);
IMP(IOS, "[method]input-stream.blocking-read") void in_blocking_read(u32, u64, void *);
IMP(IOS, "[resource-drop]input-stream") void in_drop(u32);
IMP(IOS, "[method]output-stream.blocking-write-and-flush") void out_write_flush(u32, const void *, u32, void *);
IMP(IOS, "[resource-drop]output-stream") void out_drop(u32);
IMP(IOP, "[method]pollable.block") void pollable_block(u32);
IMP(IOP, "[resource-drop]pollable") void pollable_drop(u32);

/* ---- helpers ---- */
static u32 ret[16] __attribute__((aligned(8)));   /* retptr area */

/* result<_, header-error>: 0 ok, else 1 + case (invalid-syntax 0, forbidden 1, immutable 2) */
static u32 herr(void)
{
    const u8 *r = (const u8 *)ret;
    return r[0] == 0 ? 0 : 1u + r[1];
}

static u32 append(u32 f, const char *n, const char *v)
{
    fields_append(f, n, slen(n), v, slen(v), ret);
    return herr();
}

static char *fmt_u(char *p, u64 v)
{
    char t[24];
    int n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = t[--n];
    return p;
}

static char *cat(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* A response with headers h and status; its body and stream. */
static u32 respond(u32 out, u32 h, u32 status, u32 *stream)
{
    u32 r = resp_new(h);
    if (status != 200)
        resp_set_status(r, status);
    resp_body(r, ret);
    u32 body = ret[1];
    outbody_write(body, ret);
    *stream = ret[1];
    outparam_set(out, 0, r, 0, 0, 0, 0, 0, 0);
    return body;
}

static void write_all(u32 s, const void *p, u32 n)
{
    out_write_flush(s, p, n, ret);
}

static void finish(u32 body, u32 s, u32 trailers)
{
    out_drop(s);
    outbody_finish(body, trailers ? 1 : 0, trailers, ret);
}

static void simple(u32 out, u32 status, const char *text)
{
    u32 h = fields_new();
    append(h, "content-type", "text/plain");
    u32 s, b = respond(out, h, status, &s);
    write_all(s, text, slen(text));
    finish(b, s, 0);
}

/* ---- routes ---- */

static void r_hello(u32 req, u32 out)
{
    req_method(req, ret);
    u8 m = *(u8 *)ret;
    u32 h = fields_new();
    append(h, "content-type", "text/plain");
    append(h, "x-method", m == 0 ? "get" : m == 2 ? "post" : "other");
    req_path(req, ret);
    fields_append(h, "x-path", 6, (const void *)ret[1], ret[2], ret);
    u32 s, b = respond(out, h, 200, &s);
    write_all(s, "hello\n", 6);
    finish(b, s, 0);
}

static void r_headers(u32 req, u32 out)
{
    char buf[256], *p = buf;
    u32 f = fields_new();
    p = cat(p, "connection=");
    p = fmt_u(p, append(f, "connection", "close"));
    p = cat(p, " Host=");
    p = fmt_u(p, append(f, "Host", "x"));
    p = cat(p, " badname=");
    p = fmt_u(p, append(f, "bad name", "x"));
    p = cat(p, " badvalue=");
    p = fmt_u(p, append(f, "x-ok", "a\nb"));
    p = cat(p, " ok=");
    p = fmt_u(p, append(f, "X-Ok", "1"));
    append(f, "x-ok", "2");
    p = cat(p, " has=");
    p = fmt_u(p, fields_has(f, "x-OK", 4));
    fields_get(f, "x-ok", 4, ret);
    p = cat(p, " get=");
    p = fmt_u(p, ret[1]);
    fields_delete(f, "x-ok", 4, ret);
    p = cat(p, " del=");
    p = fmt_u(p, herr());
    p = cat(p, " has=");
    p = fmt_u(p, fields_has(f, "x-ok", 4));
    u32 rh = req_headers(req);
    p = cat(p, " immutable=");
    p = fmt_u(p, append(rh, "x-new", "1"));
    fields_get(rh, "x-test", 6, ret);
    p = cat(p, " x-test=");
    if (ret[1] == 1) {
        const u32 *v = (const u32 *)ret[0];
        const char *s = (const char *)v[0];
        for (u32 i = 0; i < v[1]; i++)
            *p++ = s[i];
    }
    u32 c = fields_clone(rh);
    p = cat(p, " clone-mutable=");
    p = fmt_u(p, append(c, "x-new", "1"));
    fields_entries(c, ret);
    p = cat(p, " entries=");
    p = fmt_u(p, ret[1]);
    struct { const char *n; u32 nl; const char *v; u32 vl; } list[2] = {
        { "a", 1, "1", 1 }, { "Transfer-Encoding", 17, "chunked", 7 } };
    fields_from_list(list, 2, ret);
    p = cat(p, " from-list=");
    p = fmt_u(p, ((const u8 *)ret)[0] == 0 ? 0 : 1u + ((const u8 *)ret)[4]);
    *p++ = '\n';
    *p = 0;
    fields_drop(c);
    fields_drop(rh);
    fields_drop(f);
    simple(out, 200, buf);
}

static void r_status(u32 out)
{
    u32 h = fields_new();
    u32 r = resp_new(h);
    u32 bad = resp_set_status(r, 42);
    u32 good = resp_set_status(r, 418);
    resp_body(r, ret);
    u32 body = ret[1];
    outbody_write(body, ret);
    u32 s = ret[1];
    outparam_set(out, 0, r, 0, 0, 0, 0, 0, 0);
    char buf[64], *p = buf;
    p = cat(p, "set(42)=");
    p = fmt_u(p, bad);
    p = cat(p, " set(418)=");
    p = fmt_u(p, good);
    *p++ = '\n';
    write_all(s, buf, (u32)(p - buf));
    finish(body, s, 0);
}

static void r_trailers(u32 out)
{
    u32 s, b = respond(out, fields_new(), 200, &s);
    write_all(s, "abc", 3);
    u32 t = fields_new();
    append(t, "x-checksum", "abc");
    append(t, "x-n", "3");
    finish(b, s, t);
}

static void r_echo(u32 req, u32 out)
{
    req_consume(req, ret);
    u32 ib = ret[1];
    inbody_stream(ib, ret);
    u32 in = ret[1];
    u32 s, b = respond(out, fields_new(), 200, &s);
    u32 mark = top;
    for (;;) {
        top = mark;
        in_blocking_read(in, 65536, ret);
        if (*(u8 *)ret != 0)
            break;              /* closed (or failed) */
        write_all(s, (const void *)ret[1], ret[2]);
    }
    in_drop(in);
    inbody_finish(ib);
    finish(b, s, 0);
}

static void r_request_trailers(u32 req, u32 out)
{
    req_consume(req, ret);
    u32 ib = ret[1];
    u32 ft = inbody_finish(ib);
    u32 p = futtrail_subscribe(ft);
    pollable_block(p);
    pollable_drop(p);
    futtrail_get(ft, ret);
    /* option<result<result<option<trailers>, error-code>>> */
    const u8 *r = (const u8 *)ret;
    char buf[64], *q = buf;
    q = cat(q, "some=");
    q = fmt_u(q, r[0]);
    q = cat(q, " ok=");
    q = fmt_u(q, r[8] == 0);
    q = cat(q, " inner-ok=");
    q = fmt_u(q, r[16] == 0);
    q = cat(q, " trailers=");
    q = fmt_u(q, r[24]);
    *q++ = '\n';
    *q = 0;
    futtrail_drop(ft);
    simple(out, 200, buf);
}

static void r_drop_body(u32 out)
{
    u32 s, b = respond(out, fields_new(), 200, &s);
    write_all(s, "12345", 5);
    out_drop(s);
    outbody_drop(b);
}

static void r_clen(u32 out)
{
    u32 h = fields_new();
    append(h, "content-length", "10");
    u32 s, b = respond(out, h, 200, &s);
    write_all(s, "abc", 3);
    finish(b, s, 0);
}

/* The value of request header `name` (NULL, *n = 0: none). */
static const char *header(u32 req, const char *name, u32 *n)
{
    u32 rh = req_headers(req);
    fields_get(rh, name, slen(name), ret);
    fields_drop(rh);
    if (ret[1] < 1) {
        *n = 0;
        return 0;
    }
    const u32 *v = (const u32 *)ret[0];
    *n = v[1];
    return (const char *)v[0];
}

/* Copy input stream `in` to output stream `s` in 64 KiB pieces. */
static void pump(u32 in, u32 s)
{
    u32 mark = top;
    for (;;) {
        top = mark;
        in_blocking_read(in, 65536, ret);
        if (*(u8 *)ret != 0)
            break;
        write_all(s, (const void *)ret[1], ret[2]);
    }
}

/* Outbound request to http://<x-upstream><x-upstream-path>. mode 0: GET,
 * answer "<status> <body>"; 1: GET with a 300 ms first-byte timeout; 2:
 * POST with our request body streamed to it, its body streamed back to
 * us; 3: GET, its body streamed back. Errors answer "error <case>". */
static void r_fetch(u32 req, u32 out, int mode)
{
    u32 al, pl;
    const char *auth = header(req, "x-upstream", &al);
    const char *path = header(req, "x-upstream-path", &pl);
    if (!path) {
        path = "/data";
        pl = 5;
    }
    u32 o = oreq_new(fields_new());
    oreq_set_scheme(o, 1, 0, 0, 0);
    oreq_set_authority(o, 1, auth ? auth : "", al);
    oreq_set_path(o, 1, path, pl);
    u32 ob = 0, os = 0, opts = 0;
    if (mode == 2) {
        oreq_set_method(o, 2, 0, 0);
        oreq_body(o, ret);
        ob = ret[1];
        outbody_write(ob, ret);
        os = ret[1];
    }
    if (mode == 1) {
        opts = opts_new();
        opts_set_first(opts, 1, 300000000ull);
    }
    oh_handle(o, opts ? 1 : 0, opts, ret);
    char buf[256], *q = buf;
    const u8 *r8 = (const u8 *)ret;
    if (r8[0] != 0) {
        q = cat(q, "error ");
        q = fmt_u(q, r8[8]);
        goto text;
    }
    u32 fut = ret[2];
    if (mode == 2) {
        req_consume(req, ret);
        u32 ib = ret[1];
        inbody_stream(ib, ret);
        u32 in = ret[1];
        pump(in, os);
        in_drop(in);
        inbody_finish(ib);
        out_drop(os);
        outbody_finish(ob, 0, 0, ret);
    }
    u32 p = futresp_subscribe(fut);
    pollable_block(p);
    pollable_drop(p);
    futresp_get(fut, ret);
    /* option<result<result<incoming-response, error-code>>>: disc 0,
     * outer result 8, inner result 16, payload 24 */
    if (r8[8] != 0 || r8[16] != 0) {
        q = cat(q, "error ");
        q = fmt_u(q, r8[24]);
        goto text;
    }
    u32 ir = ret[6];
    u32 status = iresp_status(ir);
    iresp_consume(ir, ret);
    u32 ib = ret[1];
    inbody_stream(ib, ret);
    u32 in = ret[1];
    if (mode >= 2) {
        u32 s, b = respond(out, fields_new(), status, &s);
        pump(in, s);
        finish(b, s, 0);
        return;
    }
    q = fmt_u(q, status);
    *q++ = ' ';
    for (;;) {
        in_blocking_read(in, 128, ret);
        if (*(u8 *)ret != 0)
            break;
        const char *d = (const char *)ret[1];
        for (u32 i = 0; i < ret[2] && q < buf + 200; i++)
            *q++ = d[i];
    }
text:
    *q++ = '\n';
    *q = 0;
    simple(out, 200, buf);
}

EXP("wasi:http/incoming-handler@0.2.12#handle") void handle(u32 req, u32 out)
{
    top = 0;
    req_path(req, ret);
    const char *p = (const char *)ret[1];
    u32 n = ret[2];
    if (starts(p, n, "/hello"))
        r_hello(req, out);
    else if (starts(p, n, "/headers"))
        r_headers(req, out);
    else if (starts(p, n, "/status"))
        r_status(out);
    else if (starts(p, n, "/trailers"))
        r_trailers(out);
    else if (starts(p, n, "/echo"))
        r_echo(req, out);
    else if (starts(p, n, "/request-trailers"))
        r_request_trailers(req, out);
    else if (starts(p, n, "/never-set"))
        return;
    else if (starts(p, n, "/set-twice")) {
        simple(out, 200, "once\n");
        simple(out, 200, "twice\n");
    } else if (starts(p, n, "/drop-body"))
        r_drop_body(out);
    else if (starts(p, n, "/err-timeout"))
        outparam_set(out, 1, 8, 0, 0, 0, 0, 0, 0);         /* connection-timeout */
    else if (starts(p, n, "/err"))
        outparam_set(out, 1, 38, 1, (u64)(uintptr_t)"boom", 4, 0, 0, 0);   /* internal-error */
    else if (starts(p, n, "/clen"))
        r_clen(out);
    else if (starts(p, n, "/fetch-timeout"))
        r_fetch(req, out, 1);
    else if (starts(p, n, "/fetch-stream"))
        r_fetch(req, out, 3);
    else if (starts(p, n, "/fetch"))
        r_fetch(req, out, 0);
    else if (starts(p, n, "/proxy"))
        r_fetch(req, out, 2);
    else
        simple(out, 404, "not found\n");
}

/* clang lowers struct copies and __builtin_memcpy to memcpy */
void *memcpy(void *d, const void *s, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}
