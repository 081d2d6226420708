/* provider: exports r1:compose/text@0.1.0 (wit/compose/compose.wit) from C,
 * with the Canonical ABI written out by hand. Results that do not fit in
 * one core value go through a static return area the host reads before
 * calling the matching cabi_post_* export, which frees them. */
#include "cabi.h"

#define TEXT "r1:compose/text@0.1.0#"

static uint32_t ret_area[2];

EXPORT(TEXT "shout")
uint32_t *text_shout(char *s, uint32_t len)
{
    char *o = malloc(len + 1);
    for (uint32_t i = 0; i < len; i++)
        o[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    o[len] = '!';
    release(s, len);
    ret_area[0] = (uint32_t)(uintptr_t)o;
    ret_area[1] = len + 1;
    return ret_area;
}

EXPORT("cabi_post_" TEXT "shout")
void text_shout_post(uint32_t *ret)
{
    release((void *)(uintptr_t)ret[0], ret[1]);
}

EXPORT(TEXT "split")
uint32_t *text_split(char *s, uint32_t len, uint32_t sep)
{
    char enc[4];
    uint32_t n = utf8_encode(sep, enc);
    cstrs out = { NULL, 0 };
    uint32_t cap = 0, start = 0;
    for (uint32_t i = 0; i <= len;) {
        int at_sep = i + n <= len && memcmp(s + i, enc, n) == 0;
        if (i == len || at_sep) {
            if (out.len == cap) {
                cap = cap ? cap * 2 : 4;
                out.ptr = realloc(out.ptr, cap * sizeof *out.ptr);
            }
            out.ptr[out.len++] = cstr_dup(s + start, i - start);
            if (i == len)
                break;
            i += n;
            start = i;
        } else {
            i++;
        }
    }
    release(s, len);
    ret_area[0] = (uint32_t)(uintptr_t)out.ptr;
    ret_area[1] = out.len;
    return ret_area;
}

EXPORT("cabi_post_" TEXT "split")
void text_split_post(uint32_t *ret)
{
    cstrs l = { (cstr *)(uintptr_t)ret[0], ret[1] };
    cstrs_free(l);
}

EXPORT(TEXT "join")
uint32_t *text_join(cstr *parts, uint32_t n, char *sep, uint32_t seplen)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += parts[i].len + (i ? seplen : 0);
    char *o = total ? malloc(total) : NULL, *p = o;
    for (uint32_t i = 0; i < n; i++) {
        if (i && seplen) {
            memcpy(p, sep, seplen);
            p += seplen;
        }
        if (parts[i].len) {
            memcpy(p, parts[i].ptr, parts[i].len);
            p += parts[i].len;
        }
    }
    cstrs in = { parts, n };
    cstrs_free(in);
    release(sep, seplen);
    ret_area[0] = (uint32_t)(uintptr_t)o;
    ret_area[1] = total;
    return ret_area;
}

EXPORT("cabi_post_" TEXT "join")
void text_join_post(uint32_t *ret)
{
    release((void *)(uintptr_t)ret[0], ret[1]);
}

EXPORT(TEXT "stats")
uint32_t *text_stats(uint32_t *xs, uint32_t n)
{
    uint32_t *o = malloc(4 * sizeof *o);
    uint32_t mn = n ? xs[0] : 0, mx = mn, sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        mn = xs[i] < mn ? xs[i] : mn;
        mx = xs[i] > mx ? xs[i] : mx;
        sum += xs[i];
    }
    o[0] = n, o[1] = mn, o[2] = mx, o[3] = sum;
    release(xs, n);
    ret_area[0] = (uint32_t)(uintptr_t)o;
    ret_area[1] = 4;
    return ret_area;
}

EXPORT("cabi_post_" TEXT "stats")
void text_stats_post(uint32_t *ret)
{
    free((void *)(uintptr_t)ret[0]);
}
