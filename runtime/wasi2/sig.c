/*
 * sig.c — canonical signature text of a component function type (grammar
 * in w2_int.h), compared at link time with the text gen_sigs.c derived
 * from wit/wasi-0.2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w2_int.h"

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
    bool fixed;                 /* s is the caller's buffer: full means oom */
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->oom)
        return;
    if (b->n + l + 1 > b->cap) {
        size_t cap = (b->n + l + 1) * 2;
        char *n = b->fixed ? NULL : realloc(b->s, cap);
        if (!n) {
            b->oom = true;
            return;
        }
        b->s = n;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

static void type(sbuf *b, const wacc_ctype *t)
{
    static const char *const prims[] = { [WACC_CT_BOOL] = "bool", [WACC_CT_S8] = "s8",
        [WACC_CT_U8] = "u8", [WACC_CT_S16] = "s16", [WACC_CT_U16] = "u16", [WACC_CT_S32] = "s32",
        [WACC_CT_U32] = "u32", [WACC_CT_S64] = "s64", [WACC_CT_U64] = "u64", [WACC_CT_F32] = "f32",
        [WACC_CT_F64] = "f64", [WACC_CT_CHAR] = "char", [WACC_CT_STRING] = "string" };
    char num[32];
    if (!t) {
        put(b, "_");
        return;
    }
    switch (t->kind) {
    case WACC_CT_LIST:
        put(b, "list<");
        type(b, t->elem);
        if (t->has_len) {
            snprintf(num, sizeof num, ",%u", t->n);
            put(b, num);
        }
        put(b, ">");
        return;
    case WACC_CT_TUPLE:
        put(b, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i)
                put(b, ",");
            type(b, t->fields[i].type);
        }
        put(b, ">");
        return;
    case WACC_CT_OPTION:
        put(b, "option<");
        type(b, t->fields[1].type);
        put(b, ">");
        return;
    case WACC_CT_RESULT:
        put(b, "result<");
        type(b, t->fields[0].type);
        put(b, ",");
        type(b, t->fields[1].type);
        put(b, ">");
        return;
    case WACC_CT_RECORD:
    case WACC_CT_VARIANT:
    case WACC_CT_ENUM:
        put(b, t->kind == WACC_CT_RECORD ? "record{" : t->kind == WACC_CT_VARIANT ? "variant{" : "enum{");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i)
                put(b, ",");
            put(b, t->fields[i].label ? t->fields[i].label : "?");
            if (t->kind == WACC_CT_RECORD) {
                put(b, ":");
                type(b, t->fields[i].type);
            } else if (t->kind == WACC_CT_VARIANT && t->fields[i].type) {
                put(b, "(");
                type(b, t->fields[i].type);
                put(b, ")");
            }
        }
        put(b, "}");
        return;
    case WACC_CT_FLAGS:
        put(b, "flags{");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i)
                put(b, ",");
            put(b, t->labels[i] ? t->labels[i] : "?");
        }
        put(b, "}");
        return;
    case WACC_CT_OWN:
    case WACC_CT_BORROW:
        put(b, t->kind == WACC_CT_OWN ? "own<" : "borrow<");
        put(b, t->rt && t->rt->name ? t->rt->name : "?");
        put(b, ">");
        return;
    default:
        put(b, t->kind < sizeof prims / sizeof prims[0] && prims[t->kind] ? prims[t->kind] : "?");
    }
}

static void sig(sbuf *b, const wacc_cfunc *f)
{
    put(b, "(");
    for (uint32_t i = 0; i < wacc_cfunc_nparams(f); i++) {
        const char *name = NULL;
        const wacc_ctype *t = wacc_cfunc_param(f, i, &name);
        if (i)
            put(b, ",");
        put(b, name ? name : "?");
        put(b, ":");
        type(b, t);
    }
    put(b, ")");
    if (wacc_cfunc_result(f)) {
        put(b, "->");
        type(b, wacc_cfunc_result(f));
    }
}

bool w2_sig_is(const wacc_cfunc *f, const char *want)
{
    char buf[1024];
    sbuf b = { buf, 0, sizeof buf, false, true };
    sig(&b, f);
    if (!b.oom)
        return strcmp(buf, want) == 0;
    char *got = w2_sig_of(f);       /* longer than buf: the slow way */
    bool eq = got && strcmp(got, want) == 0;
    free(got);
    return eq;
}

char *w2_sig_of(const wacc_cfunc *f)
{
    sbuf b = { 0 };
    sig(&b, f);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
