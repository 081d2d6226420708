/*
 * wast_cval.c — component values as component .wast scripts write them
 * (wasmtime's `wast` syntax), parsed into a small tree (wcv), compared and
 * printed. Grammar (VALUE is a parenthesised form; inside `field` the
 * parentheses may be left out):
 *
 *   (bool.const true|false)  (u8.const N) ... (s64.const N)
 *   (f32.const X) (f64.const X)   X: decimal, hex, inf, nan, nan:canonical, nan:0x..
 *   (char.const "c")  (str.const "...")
 *   (list.const VALUE*)  (tuple.const VALUE*)  (record.const (field "name" VALUE)*)
 *   (variant.const "case" VALUE?)  (enum.const "case")  (flags.const "name"*)
 *   (option.none)  (option.some VALUE)  (result.ok VALUE?)  (result.err VALUE?)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wast_cval.h"

typedef struct cvp {
    const char *s;
    size_t i;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
} cvp;

static bool perr(cvp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool perr(cvp *p, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "value syntax at offset %zu: %s", p->i, msg);
    return false;
}

static void skip_space(cvp *p)
{
    for (;;) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->i++;
        } else if (c == ';' && p->s[p->i + 1] == ';') {
            while (p->s[p->i] != '\0' && p->s[p->i] != '\n')
                p->i++;
        } else if (c == '(' && p->s[p->i + 1] == ';') {
            int d = 1;
            p->i += 2;
            while (p->s[p->i] != '\0' && d > 0) {
                if (p->s[p->i] == '(' && p->s[p->i + 1] == ';') {
                    d++;
                    p->i += 2;
                } else if (p->s[p->i] == ';' && p->s[p->i + 1] == ')') {
                    d--;
                    p->i += 2;
                } else {
                    p->i++;
                }
            }
        } else {
            return;
        }
    }
}

static char peek(cvp *p)
{
    skip_space(p);
    return p->s[p->i];
}

static bool expect(cvp *p, char c)
{
    if (peek(p) != c)
        return perr(p, "expected '%c'", c);
    p->i++;
    return true;
}

/* An atom (keyword or number) into buf. */
static bool atom(cvp *p, char *buf, size_t len)
{
    skip_space(p);
    size_t n = 0;
    while (p->s[p->i] != '\0' && strchr(" \t\r\n()\";", p->s[p->i]) == NULL) {
        if (n + 1 >= len)
            return perr(p, "token too long");
        buf[n++] = p->s[p->i++];
    }
    buf[n] = '\0';
    if (n == 0)
        return perr(p, "expected a keyword or number");
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* A quoted string with its escapes decoded (malloc'd, NUL-terminated, may
 * contain NULs: *len is the byte count). */
static char *string(cvp *p, size_t *len)
{
    if (peek(p) != '"') {
        perr(p, "expected a string");
        return NULL;
    }
    p->i++;
    size_t start = p->i;
    while (p->s[p->i] != '\0' && p->s[p->i] != '"')
        p->i += p->s[p->i] == '\\' && p->s[p->i + 1] != '\0' ? 2 : 1;
    if (p->s[p->i] != '"') {
        perr(p, "unterminated string");
        return NULL;
    }
    size_t end = p->i++;
    char *out = malloc(end - start + 1);    /* decoding never grows */
    size_t o = 0;
    if (out == NULL) {
        perr(p, "out of memory");
        return NULL;
    }
    for (size_t k = start; k < end; k++) {
        char c = p->s[k];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        c = p->s[++k];
        switch (c) {
        case 't': out[o++] = '\t'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case '"': case '\'': case '\\': out[o++] = c; break;
        case 'u': {
            uint32_t cp = 0;
            size_t j = k + 1;
            if (p->s[j] != '{') {
                free(out);
                perr(p, "bad \\u escape");
                return NULL;
            }
            for (j++; j < end && p->s[j] != '}'; j++) {
                if (p->s[j] == '_')
                    continue;
                int h = hexval(p->s[j]);
                if (h < 0 || cp > 0x10ffff) {
                    free(out);
                    perr(p, "bad \\u escape");
                    return NULL;
                }
                cp = cp * 16 + (uint32_t)h;
            }
            if (j >= end || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) {
                free(out);
                perr(p, "bad \\u escape");
                return NULL;
            }
            o += utf8_put(out + o, cp);     /* \u{..} is >= 4 source bytes */
            k = j;
            break;
        }
        default: {
            int h1 = hexval(c), h2 = k + 1 < end ? hexval(p->s[k + 1]) : -1;
            if (h1 < 0 || h2 < 0) {
                free(out);
                perr(p, "bad escape \\%c", c);
                return NULL;
            }
            out[o++] = (char)(h1 * 16 + h2);
            k++;
        }
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

/* Decode one UTF-8 scalar from s[len]; returns its length or 0. */
static size_t utf8_get(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (n == 0 || n > len || s[0] > 0xf4)
        return 0;
    uint32_t c = s[0] & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3f);
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
        return 0;
    *cp = c;
    return n;
}

static bool integer(cvp *p, wcv *v, int bits, bool is_signed)
{
    char tok[96], digits[96];
    if (!atom(p, tok, sizeof tok))
        return false;
    size_t n = 0;
    for (const char *t = tok; *t; t++)
        if (*t != '_')
            digits[n++] = *t;
    digits[n] = '\0';
    const char *d = digits;
    bool neg = false;
    if (*d == '-' || *d == '+') {
        neg = *d == '-';
        d++;
    }
    int base = 10;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        base = 16;
        d += 2;
    }
    if (*d == '\0' || *d == '-' || *d == '+')
        return perr(p, "bad integer '%s'", tok);
    char *end;
    errno = 0;
    unsigned long long mag = strtoull(d, &end, base);
    if (*end != '\0' || errno == ERANGE)
        return perr(p, "bad integer '%s'", tok);
    if (is_signed) {
        unsigned long long lim = (1ull << (bits - 1));
        if ((neg && mag > lim) || (!neg && mag > lim - 1))
            return perr(p, "integer '%s' out of range for s%d", tok, bits);
        v->v.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    } else {
        if (neg && mag != 0)
            return perr(p, "negative value '%s' for u%d", tok, bits);
        if (bits < 64 && mag >> bits != 0)
            return perr(p, "integer '%s' out of range for u%d", tok, bits);
        v->v.u = mag;
    }
    return true;
}

static bool floating(cvp *p, wcv *v, bool is_f32)
{
    char tok[96], t[96];
    if (!atom(p, tok, sizeof tok))
        return false;
    size_t n = 0;
    for (const char *s = tok; *s; s++)
        if (*s != '_')
            t[n++] = *s;
    t[n] = '\0';
    const char *body = t[0] == '-' || t[0] == '+' ? t + 1 : t;
    if (strncmp(body, "nan", 3) == 0) {
        v->any_nan = true;
        if (is_f32)
            v->v.f32 = NAN;
        else
            v->v.f64 = NAN;
        return true;
    }
    char *end;
    errno = 0;
    if (is_f32)
        v->v.f32 = strtof(t, &end);
    else
        v->v.f64 = strtod(t, &end);
    if (*end != '\0' || end == t)
        return perr(p, "bad float '%s'", tok);
    return true;
}

static bool value(cvp *p, wcv *v);

static bool push(cvp *p, wcv *v, wcv **item)
{
    wcv *items = realloc(v->items, (v->n + 1) * sizeof *items);
    if (items == NULL)
        return perr(p, "out of memory");
    v->items = items;
    *item = &items[v->n];
    memset(*item, 0, sizeof **item);
    v->n++;
    return true;
}

/* VALUE* until the closing ')'. */
static bool values(cvp *p, wcv *v, size_t max)
{
    while (peek(p) == '(') {
        wcv *it;
        if (v->n >= max)
            return perr(p, "too many values in %s", wcv_kind_name(v->kind));
        if (!push(p, v, &it) || !value(p, it))
            return false;
    }
    return true;
}

static const struct {
    const char *head;
    wcv_kind kind;
    int bits;
} heads[] = {
    { "bool.const", WCV_BOOL, 0 },
    { "s8.const", WCV_S8, 8 }, { "u8.const", WCV_U8, 8 },
    { "s16.const", WCV_S16, 16 }, { "u16.const", WCV_U16, 16 },
    { "s32.const", WCV_S32, 32 }, { "u32.const", WCV_U32, 32 },
    { "s64.const", WCV_S64, 64 }, { "u64.const", WCV_U64, 64 },
    { "f32.const", WCV_F32, 0 }, { "f64.const", WCV_F64, 0 },
    { "char.const", WCV_CHAR, 0 }, { "str.const", WCV_STRING, 0 },
    { "list.const", WCV_LIST, 0 }, { "record.const", WCV_RECORD, 0 },
    { "tuple.const", WCV_TUPLE, 0 }, { "variant.const", WCV_VARIANT, 0 },
    { "enum.const", WCV_ENUM, 0 }, { "option.none", WCV_OPTION, 0 },
    { "option.some", WCV_OPTION, 1 }, { "result.ok", WCV_RESULT, 0 },
    { "result.err", WCV_RESULT, 1 }, { "flags.const", WCV_FLAGS, 0 },
};

/* The body of a value after its head keyword, up to (not including) ')'. */
static bool body(cvp *p, const char *head, wcv *v)
{
    size_t h = 0, nh = sizeof heads / sizeof heads[0];
    while (h < nh && strcmp(heads[h].head, head) != 0)
        h++;
    if (h == nh)
        return perr(p, "unknown value form '%s'", head);
    if (++p->depth > 200)
        return perr(p, "values nested too deeply");
    v->kind = heads[h].kind;
    char tok[16];
    size_t len;
    switch (v->kind) {
    case WCV_BOOL:
        if (!atom(p, tok, sizeof tok))
            return false;
        if (strcmp(tok, "true") != 0 && strcmp(tok, "false") != 0)
            return perr(p, "bool.const needs true or false, not '%s'", tok);
        v->v.b = tok[0] == 't';
        break;
    case WCV_S8: case WCV_S16: case WCV_S32: case WCV_S64:
        if (!integer(p, v, heads[h].bits, true))
            return false;
        break;
    case WCV_U8: case WCV_U16: case WCV_U32: case WCV_U64:
        if (!integer(p, v, heads[h].bits, false))
            return false;
        break;
    case WCV_F32: case WCV_F64:
        if (!floating(p, v, v->kind == WCV_F32))
            return false;
        break;
    case WCV_CHAR: {
        char *s = string(p, &len);
        if (s == NULL)
            return false;
        size_t k = utf8_get((const unsigned char *)s, len, &v->v.c);
        free(s);
        if (k == 0 || k != len)
            return perr(p, "char.const needs exactly one Unicode scalar value");
        break;
    }
    case WCV_STRING:
        v->str = string(p, &v->len);
        if (v->str == NULL)
            return false;
        break;
    case WCV_LIST: case WCV_TUPLE:
        if (!values(p, v, SIZE_MAX))
            return false;
        break;
    case WCV_RECORD:
        while (peek(p) == '(') {
            wcv *f;
            p->i++;
            if (!atom(p, tok, sizeof tok))
                return false;
            if (strcmp(tok, "field") != 0)
                return perr(p, "record.const needs (field \"name\" VALUE), not '%s'", tok);
            if (!push(p, v, &f))
                return false;
            f->label = string(p, &len);
            if (f->label == NULL)
                return false;
            if (peek(p) == '(') {
                if (!value(p, f))
                    return false;
            } else {
                char h2[32];
                if (!atom(p, h2, sizeof h2) || !body(p, h2, f))
                    return false;
            }
            if (!expect(p, ')'))
                return false;
        }
        break;
    case WCV_VARIANT:
        v->label = string(p, &len);
        if (v->label == NULL || !values(p, v, 1))
            return false;
        break;
    case WCV_ENUM:
        v->label = string(p, &len);
        if (v->label == NULL)
            return false;
        break;
    case WCV_OPTION:
        if (heads[h].bits == 1 && (!values(p, v, 1) || v->n != 1))
            return perr(p, "option.some needs one value");
        break;
    case WCV_RESULT:
        v->is_err = heads[h].bits == 1;
        if (!values(p, v, 1))
            return false;
        break;
    case WCV_FLAGS:
        while (peek(p) == '"') {
            wcv *f;
            if (!push(p, v, &f))
                return false;
            f->kind = WCV_ENUM;
            f->label = string(p, &len);
            if (f->label == NULL)
                return false;
        }
        break;
    }
    p->depth--;
    return true;
}

static bool value(cvp *p, wcv *v)
{
    char head[32];
    return expect(p, '(') && atom(p, head, sizeof head) && body(p, head, v) && expect(p, ')');
}

bool wcv_parse(const char *text, wcv *out, char *err, size_t errlen)
{
    cvp p = { .s = text, .err = err, .errlen = errlen };
    memset(out, 0, sizeof *out);
    bool ok = value(&p, out);
    if (ok && peek(&p) != '\0')
        ok = perr(&p, "text after the value");
    if (!ok) {
        wcv_free(out);
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

void wcv_free(wcv *v)
{
    for (size_t i = 0; i < v->n; i++)
        wcv_free(&v->items[i]);
    free(v->items);
    free(v->label);
    free(v->str);
    v->items = NULL;
    v->label = v->str = NULL;
    v->n = 0;
}

const char *wcv_kind_name(wcv_kind k)
{
    static const char *names[] = { "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
                                   "f32", "f64", "char", "string", "list", "record", "tuple",
                                   "variant", "enum", "option", "result", "flags" };
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static bool label_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool has_flag(const wcv *flags, const char *name)
{
    for (size_t i = 0; i < flags->n; i++)
        if (label_eq(flags->items[i].label, name))
            return true;
    return false;
}

bool wcv_match(const wcv *exp, const wcv *got)
{
    if (exp->kind != got->kind)
        return false;
    switch (exp->kind) {
    case WCV_BOOL:
        return exp->v.b == got->v.b;
    case WCV_S8: case WCV_S16: case WCV_S32: case WCV_S64:
        return exp->v.s == got->v.s;
    case WCV_U8: case WCV_U16: case WCV_U32: case WCV_U64:
        return exp->v.u == got->v.u;
    case WCV_F32:
        if (exp->any_nan || isnan(exp->v.f32))
            return isnan(got->v.f32);
        return memcmp(&exp->v.f32, &got->v.f32, sizeof(float)) == 0;
    case WCV_F64:
        if (exp->any_nan || isnan(exp->v.f64))
            return isnan(got->v.f64);
        return memcmp(&exp->v.f64, &got->v.f64, sizeof(double)) == 0;
    case WCV_CHAR:
        return exp->v.c == got->v.c;
    case WCV_STRING:
        return exp->len == got->len && memcmp(exp->str, got->str, exp->len) == 0;
    case WCV_ENUM:
        return label_eq(exp->label, got->label);
    case WCV_FLAGS:
        if (exp->n != got->n)
            return false;
        for (size_t i = 0; i < exp->n; i++)
            if (!has_flag(got, exp->items[i].label))
                return false;
        return true;
    case WCV_RESULT:
        if (exp->is_err != got->is_err)
            return false;
        break;
    case WCV_VARIANT:
        if (!label_eq(exp->label, got->label))
            return false;
        break;
    default:
        break;
    }
    if (exp->n != got->n)
        return false;
    for (size_t i = 0; i < exp->n; i++) {
        if (exp->kind == WCV_RECORD && !label_eq(exp->items[i].label, got->items[i].label))
            return false;
        if (!wcv_match(&exp->items[i], &got->items[i]))
            return false;
    }
    return true;
}

/* ---- printing ---- */

typedef struct out {
    char *buf;
    size_t len, n;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->n + 1 >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n = o->n + (size_t)k < o->len ? o->n + (size_t)k : o->len - 1;
}

static void put_str(out *o, const char *s, size_t len)
{
    put(o, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            put(o, "\\%02x", c);
        else
            put(o, "%c", c);
    }
    put(o, "\"");
}

static void fmt(out *o, const wcv *v)
{
    char tmp[8];
    switch (v->kind) {
    case WCV_BOOL:
        put(o, "(bool.const %s)", v->v.b ? "true" : "false");
        return;
    case WCV_S8: case WCV_S16: case WCV_S32: case WCV_S64:
        put(o, "(%s.const %" PRId64 ")", wcv_kind_name(v->kind), v->v.s);
        return;
    case WCV_U8: case WCV_U16: case WCV_U32: case WCV_U64:
        put(o, "(%s.const %" PRIu64 ")", wcv_kind_name(v->kind), v->v.u);
        return;
    case WCV_F32:
        put(o, v->any_nan ? "(f32.const nan)" : "(f32.const %.9g)", (double)v->v.f32);
        return;
    case WCV_F64:
        put(o, v->any_nan ? "(f64.const nan)" : "(f64.const %.17g)", v->v.f64);
        return;
    case WCV_CHAR:
        put(o, "(char.const ");
        put_str(o, tmp, utf8_put(tmp, v->v.c));
        put(o, ")");
        return;
    case WCV_STRING:
        put(o, "(str.const ");
        put_str(o, v->str, v->len);
        put(o, ")");
        return;
    case WCV_ENUM:
        put(o, "(enum.const ");
        put_str(o, v->label, strlen(v->label));
        put(o, ")");
        return;
    case WCV_FLAGS:
        put(o, "(flags.const");
        for (size_t i = 0; i < v->n; i++) {
            put(o, " ");
            put_str(o, v->items[i].label, strlen(v->items[i].label));
        }
        put(o, ")");
        return;
    case WCV_LIST: put(o, "(list.const"); break;
    case WCV_TUPLE: put(o, "(tuple.const"); break;
    case WCV_RECORD: put(o, "(record.const"); break;
    case WCV_VARIANT:
        put(o, "(variant.const ");
        put_str(o, v->label, strlen(v->label));
        break;
    case WCV_OPTION: put(o, v->n ? "(option.some" : "(option.none"); break;
    case WCV_RESULT: put(o, v->is_err ? "(result.err" : "(result.ok"); break;
    }
    for (size_t i = 0; i < v->n; i++) {
        put(o, " ");
        if (v->kind == WCV_RECORD) {
            put(o, "(field ");
            put_str(o, v->items[i].label, strlen(v->items[i].label));
            put(o, " ");
        }
        fmt(o, &v->items[i]);
        if (v->kind == WCV_RECORD)
            put(o, ")");
    }
    put(o, ")");
}

void wcv_format(char *buf, size_t len, const wcv *v)
{
    out o = { buf, len, 0 };
    if (len == 0)
        return;
    buf[0] = '\0';
    fmt(&o, v);
    if (o.n + 1 >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
}
