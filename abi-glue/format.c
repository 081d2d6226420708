/* WAVE-style printing of component values. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "abi_internal.h"

typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static void putf(out *o, const char *fmt, ...) ABI_PRINTF(2, 3);
static void putf(out *o, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *const keywords[] = { "true", "false", "some", "none", "ok", "err", "inf", "nan" };

static void label(out *o, const char *l, uint32_t i)
{
    if (!l) {
        putf(o, "%u", i);
        return;
    }
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strcmp(l, keywords[k]) == 0) {
            put(o, "%", 1);
            break;
        }
    puts_(o, l);
}

static void put_cp(out *o, uint32_t cp, char quote)
{
    char tmp[8];
    switch (cp) {
    case '\n': puts_(o, "\\n"); return;
    case '\r': puts_(o, "\\r"); return;
    case '\t': puts_(o, "\\t"); return;
    case '\\': puts_(o, "\\\\"); return;
    default: break;
    }
    if (cp == (uint32_t)quote) {
        tmp[0] = '\\', tmp[1] = quote;
        put(o, tmp, 2);
        return;
    }
    if (cp < 0x20 || cp == 0x7F) {
        putf(o, "\\u{%x}", cp);
        return;
    }
    size_t n;
    if (cp < 0x80) tmp[0] = (char)cp, n = 1;
    else if (cp < 0x800) tmp[0] = (char)(0xC0 | (cp >> 6)), tmp[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        tmp[0] = (char)(0xE0 | (cp >> 12)), tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        tmp[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        tmp[0] = (char)(0xF0 | (cp >> 18)), tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), tmp[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    put(o, tmp, n);
}

static void put_float(out *o, double d, bool single)
{
    if (isnan(d)) { puts_(o, "nan"); return; }
    if (isinf(d)) { puts_(o, d < 0 ? "-inf" : "inf"); return; }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (single ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) break;
    }
    puts_(o, tmp);
}

static void fmt(out *o, const wacc_cval *v, const wacc_ctype *t)
{
    if (v->kind != t->kind) {
        puts_(o, "<type mismatch>");
        return;
    }
    switch (t->kind) {
    case WACC_CT_BOOL: puts_(o, v->x.b ? "true" : "false"); return;
    case WACC_CT_S8: case WACC_CT_S16: case WACC_CT_S32: case WACC_CT_S64:
        putf(o, "%lld", (long long)v->x.s);
        return;
    case WACC_CT_U8: case WACC_CT_U16: case WACC_CT_U32: case WACC_CT_U64:
        putf(o, "%llu", (unsigned long long)v->x.u);
        return;
    case WACC_CT_F32: put_float(o, v->x.f32, true); return;
    case WACC_CT_F64: put_float(o, v->x.f64, false); return;
    case WACC_CT_CHAR:
        put(o, "'", 1);
        put_cp(o, v->x.ch, '\'');
        put(o, "'", 1);
        return;
    case WACC_CT_STRING: {
        put(o, "\"", 1);
        const uint8_t *s = (const uint8_t *)v->x.str;
        for (uint32_t i = 0; i < v->n;) {
            uint32_t c = s[i], cp, k;
            if (c < 0x80) cp = c, k = 1;
            else if (c < 0xE0) cp = c & 0x1F, k = 2;
            else if (c < 0xF0) cp = c & 0x0F, k = 3;
            else cp = c & 0x07, k = 4;
            for (uint32_t j = 1; j < k && i + j < v->n; j++) cp = (cp << 6) | (s[i + j] & 0x3F);
            put_cp(o, cp, '"');
            i += k;
        }
        put(o, "\"", 1);
        return;
    }
    case WACC_CT_LIST:
        if (v->repr == WACC_CVAL_BYTES && !wacc_ctype_plain(t->elem)) {
            puts_(o, "<type mismatch>");
            return;
        }
        put(o, "[", 1);
        for (uint32_t i = 0; i < v->n; i++) {
            if (i) puts_(o, ", ");
            if (v->repr == WACC_CVAL_BYTES) {
                wacc_cval e = wacc_cval_list_elem(v, t->elem, i);
                fmt(o, &e, t->elem);
            } else {
                fmt(o, &v->x.elems[i], t->elem);
            }
        }
        put(o, "]", 1);
        return;
    case WACC_CT_TUPLE:
        put(o, "(", 1);
        for (uint32_t i = 0; i < v->n && i < t->n; i++) {
            if (i) puts_(o, ", ");
            fmt(o, &v->x.elems[i], t->fields[i].type);
        }
        put(o, ")", 1);
        return;
    case WACC_CT_RECORD:
        put(o, "{", 1);
        for (uint32_t i = 0; i < v->n && i < t->n; i++) {
            if (i) puts_(o, ", ");
            label(o, t->fields[i].label, i);
            puts_(o, ": ");
            fmt(o, &v->x.elems[i], t->fields[i].type);
        }
        put(o, "}", 1);
        return;
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT: {
        if (v->n >= t->n) {
            puts_(o, "<bad case>");
            return;
        }
        if (t->kind == WACC_CT_OPTION) puts_(o, v->n ? "some" : "none");
        else if (t->kind == WACC_CT_RESULT) puts_(o, v->n ? "err" : "ok");
        else label(o, t->fields[v->n].label, v->n);
        const wacc_ctype *ct = t->fields[v->n].type;
        if (ct && v->x.payload) {
            put(o, "(", 1);
            fmt(o, v->x.payload, ct);
            put(o, ")", 1);
        }
        return;
    }
    case WACC_CT_FLAGS: {
        put(o, "{", 1);
        bool first = true;
        for (uint32_t i = 0; i < t->n; i++)
            if (v->x.u & (1ull << i)) {
                if (!first) puts_(o, ", ");
                first = false;
                label(o, t->labels[i], i);
            }
        put(o, "}", 1);
        return;
    }
    case WACC_CT_OWN: putf(o, "own(%llu)", (unsigned long long)v->x.u); return;
    case WACC_CT_BORROW: putf(o, "borrow(%llu)", (unsigned long long)v->x.u); return;
    case WACC_CT_ERROR_CONTEXT: putf(o, "error-context(%p)", v->x.obj); return;
    case WACC_CT_STREAM: putf(o, "stream(%p)", v->x.obj); return;
    default: putf(o, "future(%p)", v->x.obj); return;
    }
}

size_t wacc_cval_format(char *buf, size_t cap, const wacc_cval *v, const wacc_ctype *t)
{
    out o = { buf, cap ? cap - 1 : 0, 0 };
    fmt(&o, v, t);
    if (cap) buf[o.len < cap - 1 ? o.len : cap - 1] = 0;
    return o.len;
}

int wacc_cval_print(FILE *f, const wacc_cval *v, const wacc_ctype *t)
{
    size_t n = wacc_cval_format(NULL, 0, v, t);
    char *buf = malloc(n + 1);
    if (!buf) return -1;
    wacc_cval_format(buf, n + 1, v, t);
    int r = fputs(buf, f) < 0 ? -1 : 0;
    free(buf);
    return r;
}
