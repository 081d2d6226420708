/*
 * front.c — the auth-service front door in C (benchmarks/polyglot): the
 * Authorization header in, codesec:auth/provider.validate-token, the same
 * status and JSON body as examples/auth-service/front/front.js out.
 * Composed with the provider (and the directory) it is one service; it is
 * also the provider *service* of the three-services variant: on path
 * /validate it answers the plain-text wire format of http.h instead.
 */
#include "http.h"

/* result<user, string>: disc @0; ok: id @4, username @12, roles @20; err @4 */
IMP(AUTH_PROVIDER, "validate-token") void validate_token(const char *, u32, void *);

static void json_str(buf *b, str s)
{
    static const char hex[] = "0123456789abcdef";
    put(b, "\"", 1);
    for (u32 i = 0; i < s.len; i++) {
        u8 c = (u8)s.ptr[i];
        if (c == '"' || c == '\\') {
            put(b, "\\", 1);
            put(b, s.ptr + i, 1);
        } else if (c < 0x20) {
            char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            put(b, e, 6);
        } else {
            put(b, s.ptr + i, 1);
        }
    }
    put(b, "\"", 1);
}

static void error(u32 out, int wire, str reason)
{
    buf b = { 0, 0, 0 };
    if (wire) {
        put(&b, reason.ptr, reason.len);
        respond(out, 401, "text/plain", b.p, b.n);
        return;
    }
    puts_(&b, "{\"error\":");
    json_str(&b, reason);
    puts_(&b, "}");
    respond(out, 401, "application/json", b.p, b.n);
}

EXP("wasi:http/incoming-handler@0.2.12#handle") void handle(u32 req, u32 out)
{
    int wire = same(path(req), "/validate");
    str a = header(req, "authorization");
    static const char bearer[] = "Bearer ";
    u32 k = sizeof bearer - 1;
    int okay = a.len > k;
    for (u32 i = 0; okay && i < a.len; i++)
        okay = i < k ? a.ptr[i] == bearer[i] : a.ptr[i] != ' ';
    if (!okay) {
        str m = { "missing bearer token", 20 };
        error(out, wire, m);
        return;
    }
    u32 r[8] __attribute__((aligned(8)));
    validate_token(a.ptr + k, a.len - k, r);
    const str *f = (const str *)(r + 1);
    if (*(u8 *)r != 0) {
        error(out, wire, f[0]);
        return;
    }
    const str *roles = (const str *)f[2].ptr;
    buf b = { 0, 0, 0 };
    if (wire) {
        put(&b, f[0].ptr, f[0].len);
        put(&b, "\n", 1);
        put(&b, f[1].ptr, f[1].len);
        put(&b, "\n", 1);
        for (u32 i = 0; i < f[2].len; i++) {
            put(&b, roles[i].ptr, roles[i].len);
            put(&b, "\n", 1);
        }
        respond(out, 200, "text/plain", b.p, b.n);
        return;
    }
    puts_(&b, "{\"id\":");
    json_str(&b, f[0]);
    puts_(&b, ",\"username\":");
    json_str(&b, f[1]);
    puts_(&b, ",\"roles\":[");
    for (u32 i = 0; i < f[2].len; i++) {
        if (i)
            put(&b, ",", 1);
        json_str(&b, roles[i]);
    }
    puts_(&b, "]}");
    respond(out, 200, "application/json", b.p, b.n);
}
