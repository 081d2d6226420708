/*
 * guest.c — the wasi:http handler `wacc serve`'s component tests run
 * (tests/serve/component.sh), written against the Canonical ABI by hand
 * like tests/http/guest.c. It dispatches on the last path segment, so it
 * answers the same under any route prefix:
 *   .../hello      200 "hello\n" (content-length)
 *   .../path       200, the path-with-query it was given
 *   .../echo       the request body streamed back
 *   .../wait?ms=N  200 after N ms on a monotonic-clock pollable (parks)
 *   .../trap       unreachable
 *   .../slow       loops forever (stopped by --timeout)
 *   .../grow       grows memory until memory.grow fails, then traps
 *                  (--max-memory)
 */
#include <stddef.h>
#include <stdint.h>

#define IMP(m, n) __attribute__((import_module(m), import_name(n)))
#define EXP(n) __attribute__((export_name(n)))
#define HT "wasi:http/types@0.2.12"
#define IOS "wasi:io/streams@0.2.12"
#define IOP "wasi:io/poll@0.2.12"
#define MC "wasi:clocks/monotonic-clock@0.2.12"

typedef uint32_t u32;
typedef uint64_t u64;
typedef uint8_t u8;

void *memcpy(void *d, const void *s, size_t n)
{
    u8 *dp = d;
    const u8 *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

static u8 heap[256 << 10];
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

IMP(HT, "[constructor]fields") u32 fields_new(void);
IMP(HT, "[method]fields.append") void fields_append(u32, const char *, u32, const void *, u32, void *);
IMP(HT, "[method]incoming-request.path-with-query") void req_path(u32, void *);
IMP(HT, "[method]incoming-request.consume") void req_consume(u32, void *);
IMP(HT, "[method]incoming-body.stream") void inbody_stream(u32, void *);
IMP(HT, "[static]incoming-body.finish") u32 inbody_finish(u32);
IMP(HT, "[constructor]outgoing-response") u32 resp_new(u32);
IMP(HT, "[method]outgoing-response.set-status-code") u32 resp_set_status(u32, u32);
IMP(HT, "[method]outgoing-response.body") void resp_body(u32, void *);
IMP(HT, "[method]outgoing-body.write") void outbody_write(u32, void *);
IMP(HT, "[static]outgoing-body.finish") void outbody_finish(u32, u32, u32, void *);
IMP(HT, "[static]response-outparam.set")
void outparam_set(u32, u32, u32, u32, u64, u32, u32, u32, u32);
IMP(IOS, "[method]input-stream.blocking-read") void in_blocking_read(u32, u64, void *);
IMP(IOS, "[resource-drop]input-stream") void in_drop(u32);
IMP(IOS, "[method]output-stream.blocking-write-and-flush") void out_write_flush(u32, const void *, u32, void *);
IMP(IOS, "[resource-drop]output-stream") void out_drop(u32);
IMP(IOP, "[method]pollable.block") void pollable_block(u32);
IMP(IOP, "[resource-drop]pollable") void pollable_drop(u32);
IMP(MC, "subscribe-duration") u32 subscribe_duration(u64);

static u32 ret[16] __attribute__((aligned(8)));

static u32 slen(const char *s)
{
    u32 n = 0;
    while (s[n])
        n++;
    return n;
}

static int is(const char *s, u32 n, const char *name)
{
    u32 k = slen(name);
    for (u32 i = 0; i < k; i++)
        if (i >= n || s[i] != name[i])
            return 0;
    return n == k || s[k] == '?';
}

static u64 query_num(const char *p, u32 n, const char *key, u64 dflt)
{
    u32 k = slen(key);
    for (u32 i = 0; i + k + 1 < n; i++) {
        if ((p[i] == '?' || p[i] == '&') && i + 1 + k < n && p[i + 1 + k] == '=') {
            u32 j = 0;
            while (j < k && p[i + 1 + j] == key[j])
                j++;
            if (j == k) {
                u64 v = 0;
                for (u32 q = i + 2 + k; q < n && p[q] >= '0' && p[q] <= '9'; q++)
                    v = v * 10 + (u64)(p[q] - '0');
                return v;
            }
        }
    }
    return dflt;
}

static u32 respond(u32 out, u32 status, const char *clen, u32 *stream)
{
    u32 h = fields_new();
    fields_append(h, "content-type", 12, "text/plain", 10, ret);
    if (clen)
        fields_append(h, "content-length", 14, clen, slen(clen), ret);
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

static void finish(u32 body, u32 s)
{
    out_drop(s);
    outbody_finish(body, 0, 0, ret);
}

static void text(u32 out, u32 status, const char *t, u32 n)
{
    char cl[12];
    u32 k = 0;
    char tmp[12];
    u32 v = n;
    do
        tmp[k++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (u32 i = 0; i < k; i++)
        cl[i] = tmp[k - 1 - i];
    cl[k] = 0;
    u32 s, b = respond(out, status, cl, &s);
    out_write_flush(s, t, n, ret);
    finish(b, s);
}

static void echo(u32 req, u32 out)
{
    req_consume(req, ret);
    u32 ib = ret[1];
    inbody_stream(ib, ret);
    u32 in = ret[1];
    u32 s, b = respond(out, 200, 0, &s);
    u32 mark = top;
    for (;;) {
        top = mark;
        in_blocking_read(in, 65536, ret);
        if (*(u8 *)ret != 0)
            break;
        out_write_flush(s, (const void *)ret[1], ret[2], ret);
    }
    in_drop(in);
    inbody_finish(ib);
    finish(b, s);
}

static volatile u32 spin;

EXP("wasi:http/incoming-handler@0.2.12#handle") void handle(u32 req, u32 out)
{
    top = 0;
    req_path(req, ret);
    const char *p = (const char *)ret[1];
    u32 n = ret[2];
    u32 q = 0;
    while (q < n && p[q] != '?')
        q++;
    u32 seg = 0;                        /* the last segment */
    for (u32 i = 0; i < q; i++)
        if (p[i] == '/')
            seg = i + 1;
    const char *s = p + seg;
    u32 sn = n - seg;
    if (is(s, sn, "hello")) {
        text(out, 200, "hello\n", 6);
    } else if (is(s, sn, "path")) {
        text(out, 200, p, n);
    } else if (is(s, sn, "echo")) {
        echo(req, out);
    } else if (is(s, sn, "wait")) {
        u32 pl = subscribe_duration(query_num(p, n, "ms", 100) * 1000000ull);
        pollable_block(pl);
        pollable_drop(pl);
        text(out, 200, "waited\n", 7);
    } else if (is(s, sn, "trap")) {
        __builtin_trap();
    } else if (is(s, sn, "slow")) {
        for (;;)
            spin++;
    } else if (is(s, sn, "grow")) {
        while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            ;
        __builtin_trap();
    } else {
        text(out, 404, "not found\n", 10);
    }
}
