/*
 * http.h — what the benchmark's C guests share (benchmarks/polyglot/guest/):
 * wasi:http 0.2.12 imports against the Canonical ABI by hand (no libc, as
 * tests/http/guest.c), a bump heap (every request gets a fresh instance, so
 * nothing is ever freed), an outbound GET and a response helper.
 *
 * The wire format between the benchmark's services is plain text:
 *   provider service: GET /validate, authorization: Bearer T
 *                     200 "id\nusername\nrole\nrole..." or 401 "reason"
 *   directory service: GET /lookup, x-id: ID
 *                     200 "username\nrole\nrole..." or 404
 * Service addresses come from the environment (--env NAME=HOST:PORT).
 */
#ifndef POLYGLOT_HTTP_H
#define POLYGLOT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define IMP(m, n) __attribute__((import_module(m), import_name(n)))
#define EXP(n) __attribute__((export_name(n)))
#define HT "wasi:http/types@0.2.12"
#define IOS "wasi:io/streams@0.2.12"
#define IOP "wasi:io/poll@0.2.12"
#define OH "wasi:http/outgoing-handler@0.2.12"
#define AUTH_PROVIDER "codesec:auth/provider@0.1.0"
#define AUTH_DIRECTORY "codesec:auth/directory@0.1.0"

typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t u8;

/* a string or list as the Canonical ABI lays it out */
typedef struct {
    const char *ptr;
    u32 len;
} str;

/* ---- memory: one bump heap per instance ---- */
/* what clang lowers __builtin_memcpy to (no libc here) */
void *memcpy(void *d, const void *s, size_t n)
{
    u8 *o = d;
    const u8 *i = s;
    while (n--)
        *o++ = *i++;
    return d;
}

static u8 heap[1 << 20] __attribute__((aligned(16)));
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

static inline void *alloc(u32 n) { return cabi_realloc(0, 0, 8, n); }

static inline u32 slen(const char *s)
{
    u32 n = 0;
    while (s[n])
        n++;
    return n;
}

static inline int same(str a, const char *b)
{
    u32 n = slen(b);
    if (a.len != n)
        return 0;
    for (u32 i = 0; i < n; i++)
        if (a.ptr[i] != b[i])
            return 0;
    return 1;
}

/* a growing output buffer on the heap (the last allocation: grows in place) */
typedef struct {
    char *p;
    u32 n, cap;
} buf;

static inline void put(buf *b, const char *s, u32 n)
{
    if (b->n + n > b->cap) {
        u32 cap = (b->n + n) * 2 + 64;
        b->p = cabi_realloc(b->p, b->n, 1, cap);
        b->cap = cap;
    }
    __builtin_memcpy(b->p + b->n, s, n);
    b->n += n;
}

static inline void puts_(buf *b, const char *s) { put(b, s, slen(s)); }

/* ---- imports ---- */
IMP(HT, "[constructor]fields") u32 fields_new(void);
IMP(HT, "[method]fields.append") void fields_append(u32, const char *, u32, const void *, u32, void *);
IMP(HT, "[method]fields.get") void fields_get(u32, const char *, u32, void *);
IMP(HT, "[resource-drop]fields") void fields_drop(u32);
IMP(HT, "[method]incoming-request.path-with-query") void req_path(u32, void *);
IMP(HT, "[method]incoming-request.headers") u32 req_headers(u32);
IMP(HT, "[constructor]outgoing-response") u32 resp_new(u32);
IMP(HT, "[method]outgoing-response.set-status-code") u32 resp_set_status(u32, u32);
IMP(HT, "[method]outgoing-response.body") void resp_body(u32, void *);
IMP(HT, "[method]outgoing-body.write") void outbody_write(u32, void *);
IMP(HT, "[static]outgoing-body.finish") void outbody_finish(u32, u32, u32, void *);
IMP(HT, "[static]response-outparam.set")
void outparam_set(u32, u32, u32, u32, u64, u32, u32, u32, u32);
IMP(HT, "[constructor]outgoing-request") u32 oreq_new(u32);
IMP(HT, "[method]outgoing-request.set-authority") u32 oreq_set_authority(u32, u32, const char *, u32);
IMP(HT, "[method]outgoing-request.set-path-with-query") u32 oreq_set_path(u32, u32, const char *, u32);
IMP(HT, "[method]outgoing-request.set-scheme") u32 oreq_set_scheme(u32, u32, u32, const char *, u32);
IMP(HT, "[method]future-incoming-response.get") void futresp_get(u32, void *);
IMP(HT, "[method]future-incoming-response.subscribe") u32 futresp_subscribe(u32);
IMP(HT, "[resource-drop]future-incoming-response") void futresp_drop(u32);
IMP(HT, "[method]incoming-response.status") u32 iresp_status(u32);
IMP(HT, "[method]incoming-response.consume") void iresp_consume(u32, void *);
IMP(HT, "[resource-drop]incoming-response") void iresp_drop(u32);
IMP(HT, "[method]incoming-body.stream") void inbody_stream(u32, void *);
IMP(HT, "[static]incoming-body.finish") u32 inbody_finish(u32);
IMP(OH, "handle") void oh_handle(u32, u32, u32, void *);
IMP(IOS, "[method]input-stream.blocking-read") void in_blocking_read(u32, u64, void *);
IMP(IOS, "[resource-drop]input-stream") void in_drop(u32);
IMP(IOS, "[method]output-stream.blocking-write-and-flush") void out_write_flush(u32, const void *, u32, void *);
IMP(IOS, "[resource-drop]output-stream") void out_drop(u32);
IMP(IOP, "[method]pollable.block") void pollable_block(u32);
IMP(IOP, "[resource-drop]pollable") void pollable_drop(u32);
IMP("wasi:cli/environment@0.2.12", "get-environment") void get_environment(void *);

static u32 ret[16] __attribute__((aligned(8)));   /* retptr area */

/* The first value of request header `name` (len 0: none). */
static inline str header(u32 req, const char *name)
{
    str v = { 0, 0 };
    u32 rh = req_headers(req);
    fields_get(rh, name, slen(name), ret);
    fields_drop(rh);
    if (ret[1] >= 1) {
        const u32 *e = (const u32 *)ret[0];
        v.ptr = (const char *)e[0];
        v.len = e[1];
    }
    return v;
}

/* The path of the request (without the query). */
static inline str path(u32 req)
{
    req_path(req, ret);
    str p = { 0, 0 };
    if (*(u8 *)ret == 1) {
        p.ptr = (const char *)ret[1];
        p.len = ret[2];
        for (u32 i = 0; i < p.len; i++)
            if (p.ptr[i] == '?')
                p.len = i;
    }
    return p;
}

/* Answer status with body and a content-type. */
static inline void respond(u32 out, u32 status, const char *ctype, const char *body, u32 n)
{
    u32 h = fields_new();
    fields_append(h, "content-type", 12, ctype, slen(ctype), ret);
    u32 r = resp_new(h);
    if (status != 200)
        resp_set_status(r, status);
    resp_body(r, ret);
    u32 b = ret[1];
    outbody_write(b, ret);
    u32 s = ret[1];
    outparam_set(out, 0, r, 0, 0, 0, 0, 0, 0);
    if (n)
        out_write_flush(s, body, n, ret);
    out_drop(s);
    outbody_finish(b, 0, 0, ret);
}

/* The value of environment variable `name` (len 0: unset). */
static inline str env(const char *name)
{
    get_environment(ret);
    const str *e = (const str *)ret[0];
    u32 n = ret[1];
    for (u32 i = 0; i < n; i++)
        if (same(e[2 * i], name))
            return e[2 * i + 1];
    str none = { 0, 0 };
    return none;
}

/* GET http://AUTHORITY/PATH with one header; the body into *body.
 * Returns the status, 0 when the request failed. */
static inline u32 get(str authority, const char *p, const char *hname, str hval, buf *body)
{
    u32 h = fields_new();
    fields_append(h, hname, slen(hname), hval.ptr, hval.len, ret);
    u32 o = oreq_new(h);
    oreq_set_scheme(o, 1, 0, 0, 0);
    oreq_set_authority(o, 1, authority.ptr, authority.len);
    oreq_set_path(o, 1, p, slen(p));
    oh_handle(o, 0, 0, ret);
    const u8 *r8 = (const u8 *)ret;
    if (r8[0] != 0)
        return 0;
    u32 fut = ret[2];
    u32 pl = futresp_subscribe(fut);
    pollable_block(pl);
    pollable_drop(pl);
    futresp_get(fut, ret);
    /* option<result<result<incoming-response, error-code>>> */
    if (r8[0] == 0 || r8[8] != 0 || r8[16] != 0)
        return 0;
    u32 ir = ret[6];
    futresp_drop(fut);
    u32 status = iresp_status(ir);
    iresp_consume(ir, ret);
    u32 ib = ret[1];
    inbody_stream(ib, ret);
    u32 in = ret[1];
    for (;;) {
        in_blocking_read(in, 65536, ret);
        if (*(u8 *)ret != 0)
            break;
        put(body, (const char *)ret[1], ret[2]);
    }
    in_drop(in);
    inbody_finish(ib);
    iresp_drop(ir);
    return status;
}

/* Split b into lines: *n of them into an array on the heap. */
static inline str *lines(const buf *b, u32 *n)
{
    u32 k = 0;
    for (u32 i = 0; i < b->n; i++)
        k += b->p[i] == '\n';
    k += b->n > 0 && b->p[b->n - 1] != '\n';
    str *l = alloc(k * sizeof *l + 8);
    u32 c = 0, start = 0;
    for (u32 i = 0; i <= b->n; i++)
        if (i == b->n ? i > start : b->p[i] == '\n') {
            l[c].ptr = b->p + start;
            l[c++].len = i - start;
            start = i + 1;
        }
    *n = c;
    return l;
}

#endif
