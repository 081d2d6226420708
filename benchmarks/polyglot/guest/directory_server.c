/*
 * directory_server.c — the directory service of benchmarks/polyglot's
 * three-services variant: GET /lookup with x-id: ID calls
 * codesec:auth/directory.lookup (the C++ directory, composed in) and
 * answers 200 "username\nrole\n..." or 404.
 */
#include "http.h"

/* option<entry>: disc @0; username @4, roles @12 */
IMP(AUTH_DIRECTORY, "lookup") void lookup(const char *, u32, void *);

EXP("wasi:http/incoming-handler@0.2.12#handle") void handle(u32 req, u32 out)
{
    str id = header(req, "x-id");
    u32 r[6] __attribute__((aligned(8)));
    lookup(id.ptr ? id.ptr : "", id.len, r);
    if (*(u8 *)r == 0) {
        respond(out, 404, "text/plain", "", 0);
        return;
    }
    const str *f = (const str *)(r + 1);
    const str *roles = (const str *)f[1].ptr;
    buf b = { 0, 0, 0 };
    put(&b, f[0].ptr, f[0].len);
    put(&b, "\n", 1);
    for (u32 i = 0; i < f[1].len; i++) {
        put(&b, roles[i].ptr, roles[i].len);
        put(&b, "\n", 1);
    }
    respond(out, 200, "text/plain", b.p, b.n);
}
