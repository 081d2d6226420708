/*
 * provider_client.c — exports codesec:auth/provider by asking the provider
 * service over HTTP (GET http://$PROVIDER/validate, http.h's wire format):
 * composed with front.c it is the front service of the three-services
 * variant of benchmarks/polyglot.
 */
#include "http.h"

static u32 result[8] __attribute__((aligned(8)));

EXP(AUTH_PROVIDER "#validate-token") u32 *validate_token(const char *t, u32 n)
{
    str a = { alloc(n + 7), n + 7 };
    __builtin_memcpy((char *)a.ptr, "Bearer ", 7);
    __builtin_memcpy((char *)a.ptr + 7, t, n);
    buf body = { 0, 0, 0 };
    str up = env("PROVIDER");
    u32 st = get(up, "/validate", "authorization", a, &body);
    str *f = (str *)(result + 1);
    if (st != 200) {
        u8 *r = (u8 *)result;
        r[0] = 1;
        if (st == 401) {
            f[0].ptr = body.p;
            f[0].len = body.n;
        } else {
            f[0].ptr = "provider service unreachable";
            f[0].len = slen(f[0].ptr);
        }
        return result;
    }
    u32 nl;
    str *l = lines(&body, &nl);
    if (nl < 2) {
        *(u8 *)result = 1;
        f[0].ptr = "bad answer from the provider service";
        f[0].len = slen(f[0].ptr);
        return result;
    }
    *(u8 *)result = 0;
    f[0] = l[0];
    f[1] = l[1];
    f[2].ptr = (const char *)(l + 2);
    f[2].len = nl - 2;
    return result;
}
