/*
 * cmd_run_component.c — `wacc run app.so --invoke 'greet("world")'` for
 * component artifacts: the call is written in WAVE syntax (name(args...),
 * or the name alone followed by one WAVE value per extra argument), values
 * are parsed against the export's parameter types and the result is printed
 * in WAVE syntax (abi-glue's printer).
 *
 * WAVE values: true/false, integers, floats (nan, inf, -inf), 'c', "str"
 * (escapes \n \r \t \\ \" \' \u{X}), [list], (tuple), {field: v} records,
 * {a, b} flags, case / case(payload) variants and enums, some(x) / none,
 * ok / ok(x) / err / err(x); labels may be written %label.
 *
 * Root imports are not provided (no WASI 0.2 host yet): a component that
 * needs any fails to instantiate with a link error naming it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "driver.h"

typedef struct wp {
    const char *s;
    size_t pos, len;
    wacc_arena *a;
    char err[200];
} wp;

static void ws(wp *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

static bool perr(wp *p, const char *fmt, const char *what)
{
    if (!p->err[0])
        snprintf(p->err, sizeof p->err, fmt, what);
    return false;
}

static bool eat(wp *p, char c)
{
    ws(p);
    if (p->pos < p->len && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

/* A label or keyword: [%]word-with-dashes. */
static bool word(wp *p, char *buf, size_t cap)
{
    ws(p);
    size_t n = 0;
    if (p->pos < p->len && p->s[p->pos] == '%')
        p->pos++;
    while (p->pos < p->len && (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '-' ||
                               p->s[p->pos] == '_' || p->s[p->pos] == '.' || p->s[p->pos] == '+')) {
        if (n + 1 < cap)
            buf[n++] = p->s[p->pos];
        p->pos++;
    }
    buf[n] = 0;
    return n > 0;
}

static bool escape(wp *p, uint32_t *cp)
{
    if (p->pos >= p->len)
        return perr(p, "%s", "unterminated escape");
    char c = p->s[p->pos++];
    switch (c) {
    case 'n': *cp = '\n'; return true;
    case 'r': *cp = '\r'; return true;
    case 't': *cp = '\t'; return true;
    case '\\': case '"': case '\'': *cp = (uint32_t)c; return true;
    case 'u': {
        if (p->pos >= p->len || p->s[p->pos] != '{')
            return perr(p, "%s", "bad \\u escape");
        char *end;
        unsigned long v = strtoul(p->s + p->pos + 1, &end, 16);
        if (*end != '}' || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return perr(p, "%s", "bad \\u escape");
        p->pos = (size_t)(end - p->s) + 1;
        *cp = (uint32_t)v;
        return true;
    }
    default:
        return perr(p, "unknown escape \\%s", (char[]){ c, 0 });
    }
}

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) { d[0] = (char)cp; return 1; }
    if (cp < 0x800) { d[0] = (char)(0xC0 | cp >> 6); d[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | cp >> 12); d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | cp >> 18); d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode one UTF-8 scalar at p->pos (input assumed valid UTF-8). */
static uint32_t get_cp(wp *p)
{
    const unsigned char *u = (const unsigned char *)p->s + p->pos;
    size_t left = p->len - p->pos;
    uint32_t cp = u[0];
    size_t n = 1;
    if (cp >= 0xF0 && left >= 4) { cp = (cp & 7) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu); n = 4; }
    else if (cp >= 0xE0 && left >= 3) { cp = (cp & 15) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu); n = 3; }
    else if (cp >= 0xC0 && left >= 2) { cp = (cp & 31) << 6 | (u[1] & 0x3Fu); n = 2; }
    p->pos += n;
    return cp;
}

static bool number(wp *p, const wacc_ctype *t, wacc_cval *out)
{
    ws(p);
    const char *start = p->s + p->pos;
    char *end;
    errno = 0;
    if (t->kind == WACC_CT_F32 || t->kind == WACC_CT_F64) {
        double d;
        char w[32];
        size_t save = p->pos;
        bool neg = eat(p, '-');
        if (word(p, w, sizeof w) && (strcmp(w, "nan") == 0 || strcmp(w, "inf") == 0)) {
            d = w[0] == 'n' ? NAN : neg ? -INFINITY : INFINITY;
        } else {
            p->pos = save;
            d = strtod(start, &end);
            if (end == start)
                return perr(p, "%s", "expected a number");
            p->pos += (size_t)(end - start);
        }
        *out = t->kind == WACC_CT_F32 ? wacc_cval_f32((float)d) : wacc_cval_f64(d);
        return true;
    }
    bool is_signed = t->kind == WACC_CT_S8 || t->kind == WACC_CT_S16 || t->kind == WACC_CT_S32 ||
                     t->kind == WACC_CT_S64;
    static const int bits[] = { [WACC_CT_S8] = 8, [WACC_CT_U8] = 8, [WACC_CT_S16] = 16,
                                [WACC_CT_U16] = 16, [WACC_CT_S32] = 32, [WACC_CT_U32] = 32,
                                [WACC_CT_S64] = 64, [WACC_CT_U64] = 64 };
    int b = bits[t->kind];
    if (is_signed) {
        long long v = strtoll(start, &end, 10);
        if (end == start || errno || (b < 64 && (v < -(1ll << (b - 1)) || v >= (1ll << (b - 1)))))
            return perr(p, "%s", "integer out of range for its type");
        *out = wacc_cval_sint(t->kind, v);
    } else {
        if (*start == '-')
            return perr(p, "%s", "negative value for an unsigned type");
        unsigned long long v = strtoull(start, &end, 10);
        if (end == start || errno || (b < 64 && v >= (1ull << b)))
            return perr(p, "%s", "integer out of range for its type");
        *out = wacc_cval_uint(t->kind, v);
    }
    p->pos += (size_t)(end - start);
    return true;
}

static int32_t case_of(const wacc_ctype *t, const char *l)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->fields[i].label && strcmp(t->fields[i].label, l) == 0)
            return (int32_t)i;
    return -1;
}

static bool value(wp *p, const wacc_ctype *t, wacc_cval *out);

static bool items(wp *p, char close, const wacc_ctype *elem, const wacc_ctype *t, wacc_cval **es,
                  uint32_t *n)
{
    uint32_t cap = 8;
    *n = 0;
    *es = wacc_arena_alloc(p->a, cap * sizeof **es);
    while (*es && !eat(p, close)) {
        if (*n > 0 && !eat(p, ','))
            return perr(p, "expected ',' or '%s'", (char[]){ close, 0 });
        if (eat(p, close))
            break;
        if (*n == cap) {
            wacc_cval *v = wacc_arena_alloc(p->a, 2 * cap * sizeof *v);
            if (!v)
                return false;
            memcpy(v, *es, cap * sizeof *v);
            *es = v;
            cap *= 2;
        }
        const wacc_ctype *et = elem ? elem : *n < t->n ? t->fields[*n].type : NULL;
        if (!et)
            return perr(p, "%s", "too many tuple elements");
        if (!value(p, et, &(*es)[*n]))
            return false;
        (*n)++;
    }
    return *es != NULL;
}

static bool value(wp *p, const wacc_ctype *t, wacc_cval *out)
{
    char w[128];
    memset(out, 0, sizeof *out);
    ws(p);
    switch (t->kind) {
    case WACC_CT_BOOL:
        if (!word(p, w, sizeof w) || (strcmp(w, "true") && strcmp(w, "false")))
            return perr(p, "%s", "expected true or false");
        *out = wacc_cval_bool(w[0] == 't');
        return true;
    case WACC_CT_S8: case WACC_CT_S16: case WACC_CT_S32: case WACC_CT_S64:
    case WACC_CT_U8: case WACC_CT_U16: case WACC_CT_U32: case WACC_CT_U64:
    case WACC_CT_F32: case WACC_CT_F64:
        return number(p, t, out);
    case WACC_CT_CHAR: {
        if (!eat(p, '\''))
            return perr(p, "%s", "expected a char ('c')");
        uint32_t cp;
        if (p->pos < p->len && p->s[p->pos] == '\\') {
            p->pos++;
            if (!escape(p, &cp))
                return false;
        } else if (p->pos < p->len) {
            cp = get_cp(p);
        } else {
            return perr(p, "%s", "unterminated char");
        }
        if (!eat(p, '\''))
            return perr(p, "%s", "expected ' after the char");
        *out = wacc_cval_char(cp);
        return true;
    }
    case WACC_CT_STRING: {
        if (!eat(p, '"'))
            return perr(p, "%s", "expected a string (\"...\")");
        char *d = wacc_arena_alloc(p->a, (p->len - p->pos) * 4 + 1);
        size_t n = 0;
        if (!d)
            return false;
        while (p->pos < p->len && p->s[p->pos] != '"') {
            uint32_t cp;
            if (p->s[p->pos] == '\\') {
                p->pos++;
                if (!escape(p, &cp))
                    return false;
            } else {
                cp = get_cp(p);
            }
            n += put_utf8(d + n, cp);
        }
        if (!eat(p, '"'))
            return perr(p, "%s", "unterminated string");
        *out = wacc_cval_string(d, (uint32_t)n);
        return true;
    }
    case WACC_CT_LIST: {
        wacc_cval *es;
        uint32_t n;
        if (!eat(p, '[') || !items(p, ']', t->elem, t, &es, &n))
            return perr(p, "%s", "expected a list ([...])");
        if (t->has_len && n != t->n)
            return perr(p, "%s", "wrong number of elements for a fixed-length list");
        *out = wacc_cval_list(es, n);
        return true;
    }
    case WACC_CT_TUPLE: {
        wacc_cval *es;
        uint32_t n;
        if (!eat(p, '(') || !items(p, ')', NULL, t, &es, &n))
            return perr(p, "%s", "expected a tuple ((...))");
        if (n != t->n)
            return perr(p, "%s", "wrong number of tuple elements");
        *out = wacc_cval_tuple(es, n);
        return true;
    }
    case WACC_CT_RECORD: {
        if (!eat(p, '{'))
            return perr(p, "%s", "expected a record ({...})");
        wacc_cval *es = wacc_arena_alloc(p->a, (t->n + 1) * sizeof *es);
        bool *seen = wacc_arena_alloc(p->a, t->n + 1);
        if (!es || !seen)
            return false;
        memset(seen, 0, t->n + 1);
        for (uint32_t k = 0; !eat(p, '}'); k++) {
            if (k > 0 && !eat(p, ','))
                return perr(p, "%s", "expected ',' or '}'");
            if (eat(p, '}'))
                break;
            int32_t i;
            if (!word(p, w, sizeof w) || (i = case_of(t, w)) < 0)
                return perr(p, "unknown record field %s", w);
            if (!eat(p, ':'))
                return perr(p, "%s", "expected ':' after a field name");
            if (!value(p, t->fields[i].type, &es[i]))
                return false;
            seen[i] = true;
        }
        for (uint32_t i = 0; i < t->n; i++)
            if (!seen[i]) {
                if (t->fields[i].type->kind != WACC_CT_OPTION)
                    return perr(p, "missing record field %s", t->fields[i].label);
                es[i] = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
            }
        *out = wacc_cval_record(es, t->n);
        return true;
    }
    case WACC_CT_FLAGS: {
        if (!eat(p, '{'))
            return perr(p, "%s", "expected flags ({a, b})");
        uint64_t bits = 0;
        for (uint32_t k = 0; !eat(p, '}'); k++) {
            if (k > 0 && !eat(p, ','))
                return perr(p, "%s", "expected ',' or '}'");
            if (eat(p, '}'))
                break;
            uint32_t j = 0;
            if (!word(p, w, sizeof w))
                return perr(p, "%s", "expected a flag name");
            while (j < t->n && strcmp(t->labels[j], w) != 0)
                j++;
            if (j == t->n)
                return perr(p, "unknown flag %s", w);
            bits |= 1ull << j;
        }
        *out = wacc_cval_flags((uint32_t)bits);
        out->x.u = bits;
        return true;
    }
    case WACC_CT_VARIANT:
    case WACC_CT_ENUM:
    case WACC_CT_OPTION:
    case WACC_CT_RESULT: {
        size_t save = p->pos;
        int32_t k = -1;
        if (word(p, w, sizeof w)) {
            if (t->kind == WACC_CT_OPTION)
                k = strcmp(w, "none") == 0 ? 0 : strcmp(w, "some") == 0 ? 1 : -1;
            else if (t->kind == WACC_CT_RESULT)
                k = strcmp(w, "ok") == 0 ? 0 : strcmp(w, "err") == 0 ? 1 : -1;
            else
                k = case_of(t, w);
        }
        if (k < 0 && t->kind == WACC_CT_OPTION) {   /* WAVE shorthand: a bare some-value */
            p->pos = save;
            wacc_cval *pl = wacc_arena_alloc(p->a, sizeof *pl);
            if (!pl || !value(p, t->fields[1].type, pl))
                return false;
            *out = wacc_cval_variant(t->kind, 1, pl);
            return true;
        }
        if (k < 0)
            return perr(p, "unknown case %s", w);
        wacc_cval *pl = NULL;
        if (eat(p, '(')) {
            if (!t->fields[k].type)
                return perr(p, "case %s has no payload", w);
            pl = wacc_arena_alloc(p->a, sizeof *pl);
            if (!pl || !value(p, t->fields[k].type, pl))
                return false;
            if (!eat(p, ')'))
                return perr(p, "%s", "expected ')'");
        } else if (t->fields[k].type) {
            return perr(p, "case %s needs a payload", w);
        }
        *out = wacc_cval_variant(t->kind, (uint32_t)k, pl);
        return true;
    }
    default:
        return perr(p, "%s", "values of this type cannot be given on the command line");
    }
}

static void report(const char *file, const wacc_trap *t)
{
    drv_error(file, "%s", t->message[0] ? t->message : wacc_trap_name(t->code));
}

int drv_run_component(const char *file, wacc_store *s, wacc_artifact *art, const char *call,
                      char **args, int nargs, const wacc_component_host *host)
{
    wacc_trap trap;
    char err[WACC_ERR_LEN];
    wacc_cinstance *ci = wacc_component_instantiate(s, art, host, &trap, err);
    if (!ci) {
        if (trap.code != WACC_TRAP_NONE)
            report(file, &trap);
        else
            drv_error(file, "%s", err);
        return 1;
    }
    int status = 0;
    if (call == NULL) {
        /* no --invoke: list what could be invoked */
        for (uint32_t i = 0; i < wacc_cinstance_num_exports(ci); i++) {
            char kind;
            const char *n = wacc_cinstance_export_name(ci, i, &kind);
            if (kind == 'f')
                printf("%s\n", n);
        }
        wacc_cinstance_free(ci);
        return 0;
    }
    char name[512];
    size_t nl = strcspn(call, "(");
    snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), call);
    while (nl > 0 && isspace((unsigned char)name[strlen(name) - 1]))
        name[strlen(name) - 1] = 0;
    wacc_cfunc *f = wacc_cinstance_func(ci, name);
    if (!f) {
        drv_error(file, "no exported function named '%s'", name);
        wacc_cinstance_free(ci);
        return 1;
    }
    wacc_arena arena;
    wacc_arena_init(&arena);
    uint32_t np = wacc_cfunc_nparams(f);
    wacc_cval *vals = wacc_arena_alloc(&arena, (np + 1) * sizeof *vals);
    wp p = { .a = &arena };
    bool ok = vals != NULL;
    if (call[nl] == '(') {          /* name(v1, v2, ...) */
        p.s = call;
        p.len = strlen(call);
        p.pos = nl + 1;
        for (uint32_t i = 0; ok && i < np; i++) {
            if (i > 0 && !eat(&p, ','))
                ok = perr(&p, "%s", "expected ',' between arguments");
            ok = ok && value(&p, wacc_cfunc_param(f, i, NULL), &vals[i]);
        }
        if (ok && !eat(&p, ')'))
            ok = perr(&p, "%s", "expected ')' (too many arguments?)");
        ws(&p);
        if (ok && p.pos != p.len)
            ok = perr(&p, "%s", "text after the call");
    } else if ((uint32_t)nargs != np) {
        snprintf(p.err, sizeof p.err, "'%s' takes %u argument(s), %d given", name, np, nargs);
        ok = false;
    } else {
        for (uint32_t i = 0; ok && i < np; i++) {
            p.s = args[i];
            p.len = strlen(args[i]);
            p.pos = 0;
            ok = value(&p, wacc_cfunc_param(f, i, NULL), &vals[i]);
            ws(&p);
            if (ok && p.pos != p.len)
                ok = perr(&p, "%s", "text after the value");
        }
    }
    if (!ok) {
        drv_error(file, "invoke %s: %s (at column %zu)", name, p.err[0] ? p.err : "out of memory",
                  p.pos + 1);
        status = 1;
    } else {
        const wacc_ctype *rt = wacc_cfunc_result(f);
        wacc_cval res;
        if (!wacc_component_call(s, f, vals, np, &res, rt ? 1 : 0, &arena, &trap)) {
            report(file, &trap);
            status = 1;
        } else if (rt) {
            wacc_cval_print(stdout, &res, rt);
            putchar('\n');
        }
    }
    wacc_arena_fini(&arena);
    wacc_cinstance_free(ci);
    return status;
}
