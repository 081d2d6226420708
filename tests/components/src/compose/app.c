/* app: imports r1:compose/text@0.1.0 and exports r1:compose/app@0.1.0#run
 * (wit/compose/compose.wit), Canonical ABI by hand. Imported functions
 * whose results do not fit in one core value take a return pointer as their
 * last parameter; what they return was allocated here by cabi_realloc, so
 * this side frees it. */
#include "cabi.h"

#define TEXT "r1:compose/text@0.1.0"

IMPORT(TEXT, "shout") void text_shout(const char *s, uint32_t len, cstr *ret);
IMPORT(TEXT, "split") void text_split(const char *s, uint32_t len, uint32_t sep, cstrs *ret);
IMPORT(TEXT, "join") void text_join(const cstr *parts, uint32_t n, const char *sep, uint32_t seplen,
                                    cstr *ret);
IMPORT(TEXT, "stats") void text_stats(const uint32_t *xs, uint32_t n, cu32s *ret);

static uint32_t ret_area[2];

static cstr lit(const char *s) { return cstr_dup(s, (uint32_t)strlen(s)); }

/* appends "name=value" (no stdio here: this component imports no WASI) */
static char *put_field(char *p, const char *name, uint32_t v)
{
    char digits[10];
    int n = 0;
    while (*name)
        *p++ = *name++;
    *p++ = '=';
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = digits[--n];
    return p;
}

EXPORT("r1:compose/app@0.1.0#run")
uint32_t *app_run(cstr *words, uint32_t n)
{
    cstrs out = { malloc((n + 8) * sizeof(cstr)), 0 };
    cstr joined, shouted;
    cstrs parts;
    cu32s st;

    text_join(words, n, "+", 1, &joined);
    text_shout(joined.ptr, joined.len, &shouted);
    text_split(shouted.ptr, shouted.len, 0x2B /* '+' */, &parts);

    uint32_t *lens = parts.len ? malloc(parts.len * sizeof *lens) : NULL;
    for (uint32_t i = 0; i < parts.len; i++)
        lens[i] = parts.ptr[i].len;
    text_stats(lens, parts.len, &st);
    free(lens);

    out.ptr[out.len++] = joined;
    out.ptr[out.len++] = shouted;
    for (uint32_t i = 0; i < parts.len && out.len < n + 6; i++)
        out.ptr[out.len++] = cstr_dup(parts.ptr[i].ptr, parts.ptr[i].len);
    cstrs_free(parts);
    static const char *const names[4] = { "count", "min", "max", "sum" };
    char line[96], *p = line;
    for (uint32_t i = 0; i < 4; i++) {
        if (i)
            *p++ = ' ';
        p = put_field(p, names[i], i < st.len ? st.ptr[i] : 0);
    }
    *p = '\0';
    release(st.ptr, st.len);
    out.ptr[out.len++] = lit(line);

    cstrs in = { words, n };
    cstrs_free(in);
    ret_area[0] = (uint32_t)(uintptr_t)out.ptr;
    ret_area[1] = out.len;
    return ret_area;
}

EXPORT("cabi_post_r1:compose/app@0.1.0#run")
void app_run_post(uint32_t *ret)
{
    cstrs l = { (cstr *)(uintptr_t)ret[0], ret[1] };
    cstrs_free(l);
}
