/*
 * directory_client.c — exports codesec:auth/directory by asking the
 * directory service over HTTP (GET http://$DIRECTORY/lookup, x-id: ID):
 * composed with the Rust provider (and front.c) it is the provider service
 * of benchmarks/polyglot's three-services variant.
 */
#include "http.h"

static u32 result[6] __attribute__((aligned(8)));

EXP(AUTH_DIRECTORY "#lookup") u32 *lookup(const char *id, u32 n)
{
    buf body = { 0, 0, 0 };
    str v = { id, n };
    u32 st = get(env("DIRECTORY"), "/lookup", "x-id", v, &body);
    if (st != 200) {
        *(u8 *)result = 0;       /* none (a failed call looks like an unknown user) */
        return result;
    }
    u32 nl;
    str *l = lines(&body, &nl);
    str *f = (str *)(result + 1);
    *(u8 *)result = 1;
    f[0] = nl ? l[0] : (str){ "", 0 };
    f[1].ptr = (const char *)(l + 1);
    f[1].len = nl ? nl - 1 : 0;
    return result;
}
