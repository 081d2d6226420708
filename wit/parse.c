/*
 * parse.c — WIT source text -> the model of wit.h (names still unresolved).
 *
 * A recursive-descent parser over wit_lex_next with four tokens of lookahead.
 * Errors longjmp to the file's entry point with r->err set; everything
 * allocated so far belongs to the resolve's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LOOK 4

typedef struct parser {
    wit_resolve *r;
    wit_lexer lx;
    jmp_buf fail;
    wit_token tok[LOOK];        /* tok[0] is the current token */
    int ntok;
    const char *file;
    wit_scope *scope;           /* top-level uses of the current file/package block */
    wit_token prev;             /* the token before tok[0] (kind TK_EOF at the start) */
} parser;

static void fill(parser *p, int k)
{
    while (p->ntok <= k)
        wit_lex_next(&p->lx, &p->tok[p->ntok++]);
}

static wit_token *peek(parser *p, int k)
{
    fill(p, k);
    return &p->tok[k];
}

static void next(parser *p)
{
    fill(p, 1);
    p->prev = p->tok[0];
    memmove(&p->tok[0], &p->tok[1], sizeof p->tok[0] * (size_t)(p->ntok - 1));
    p->ntok--;
}

static wit_pos pos_of(parser *p, const wit_token *t)
{
    return (wit_pos){ p->file, t->line, t->col };
}

static void fail_at(parser *p, const wit_token *t, const char *fmt, const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, arg);
    wit_set_error(p->r, p->file, t->line, t->col, "%s", msg);
    longjmp(p->fail, 1);
}

static const char *tok_desc(const wit_token *t)
{
    static const char *const names[] = {
        [TK_EOF] = "end of file", [TK_ID] = "an identifier", [TK_NUM] = "a number",
        [TK_STR] = "a string", [TK_EQ] = "'='", [TK_COMMA] = "','", [TK_COLON] = "':'",
        [TK_SEMI] = "';'", [TK_LPAREN] = "'('", [TK_RPAREN] = "')'", [TK_LBRACE] = "'{'",
        [TK_RBRACE] = "'}'", [TK_LT] = "'<'", [TK_GT] = "'>'", [TK_STAR] = "'*'",
        [TK_ARROW] = "'->'", [TK_SLASH] = "'/'", [TK_DOT] = "'.'", [TK_AT] = "'@'",
        [TK_UNDERSCORE] = "'_'",
    };
    return names[t->kind];
}

static void *alloc(parser *p, size_t n)
{
    void *m = wit_alloc(p->r, n);
    if (m == NULL)
        longjmp(p->fail, 1);
    return m;
}

static void push(parser *p, void *arr, uint32_t *n, void *item)
{
    if (!wit_push(p->r, arr, n, item))
        longjmp(p->fail, 1);
}

static char *tok_str(parser *p, const wit_token *t)
{
    char *s = wit_strndup(p->r, t->text, t->len);
    if (s == NULL)
        longjmp(p->fail, 1);
    return s;
}

static bool is_kw(parser *p, int k, const char *kw)
{
    wit_token *t = peek(p, k);
    return t->kind == TK_ID && !t->explicit_id && t->len == strlen(kw)
        && memcmp(t->text, kw, t->len) == 0;
}

static bool tok_is_keyword(const wit_token *t)
{
    char buf[32];
    if (t->explicit_id || t->len >= sizeof buf)
        return false;
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    return wit_is_keyword(buf);
}

static bool prev_is(const parser *p, const char *word)
{
    return p->prev.kind == TK_ID && p->prev.len == strlen(word)
        && memcmp(p->prev.text, word, p->prev.len) == 0;
}

static void expect(parser *p, int kind)
{
    wit_token *t = peek(p, 0);
    if (t->kind != kind && kind == TK_SEMI && p->prev.kind != TK_EOF && t->line > p->prev.line) {
        /* a missing ';' belongs at the end of the line before, not at the next token */
        char msg[300];
        snprintf(msg, sizeof msg, "expected ';' at the end of this line, found %s on line %u%s",
                 tok_desc(t), (unsigned)t->line,
                 prev_is(p, "result") ? " (a bare `result` carries no values: write result<T, E>)" : "");
        wit_set_error(p->r, p->file, p->prev.line, p->prev.col + p->prev.len, "%s", msg);
        longjmp(p->fail, 1);
    }
    if (t->kind != kind) {
        char want[40];
        wit_token w = { .kind = kind };
        snprintf(want, sizeof want, "%s", tok_desc(&w));
        char msg[100];
        snprintf(msg, sizeof msg, "expected %s, found %%s", want);
        fail_at(p, t, msg, tok_desc(t));
    }
    next(p);
}

static bool accept(parser *p, int kind)
{
    if (peek(p, 0)->kind != kind)
        return false;
    next(p);
    return true;
}

static void expect_kw(parser *p, const char *kw)
{
    if (!is_kw(p, 0, kw))
        fail_at(p, peek(p, 0), "expected '%s'", kw);
    next(p);
}

/* An identifier that is not a (bare) keyword. */
static char *name(parser *p)
{
    wit_token *t = peek(p, 0);
    if (t->kind != TK_ID)
        fail_at(p, t, "expected an identifier, found %s", tok_desc(t));
    if (tok_is_keyword(t))
        fail_at(p, t, "'%s' is a keyword (write %%name to use it as a name)", tok_str(p, t));
    char *s = tok_str(p, t);
    next(p);
    return s;
}

static char *version(parser *p)
{
    wit_token *t = peek(p, 0);
    if (t->kind != TK_NUM)
        fail_at(p, t, "expected a version, found %s", tok_desc(t));
    /* major.minor.patch, then optional -pre / +build */
    uint32_t i = 0, dots = 0;
    bool digits = false;
    for (; i < t->len && t->text[i] != '-' && t->text[i] != '+'; i++) {
        if (t->text[i] == '.') {
            if (!digits)
                break;
            dots++;
            digits = false;
        } else if (t->text[i] >= '0' && t->text[i] <= '9') {
            digits = true;
        } else {
            digits = false;
            break;
        }
    }
    if (dots != 2 || !digits)
        fail_at(p, t, "'%s' is not a valid semver version", tok_str(p, t));
    char *s = tok_str(p, t);
    next(p);
    return s;
}

/* ---- docs and gates ---- */

typedef struct attrs {
    const char *docs;
    wit_gate gate;
    const char *external_id;
} attrs;

static const char *join_docs(parser *p, const char *a, const char *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    size_t na = strlen(a), nb = strlen(b);
    char *s = alloc(p, na + nb + 2);
    memcpy(s, a, na);
    s[na] = '\n';
    memcpy(s + na + 1, b, nb);
    return s;
}

static char *string_lit(parser *p)
{
    wit_token *t = peek(p, 0);
    if (t->kind != TK_STR)
        fail_at(p, t, "expected a string, found %s", tok_desc(t));
    char *s = tok_str(p, t);
    next(p);
    return s;
}

static void parse_attrs(parser *p, attrs *a)
{
    memset(a, 0, sizeof *a);
    a->docs = peek(p, 0)->docs;
    while (peek(p, 0)->kind == TK_AT) {
        next(p);
        wit_token *t = peek(p, 0);
        if (is_kw(p, 0, "since") || is_kw(p, 0, "deprecated")) {
            bool since = is_kw(p, 0, "since");
            if (since ? a->gate.since != NULL : a->gate.deprecated != NULL)
                fail_at(p, t, "duplicate @%s", since ? "since" : "deprecated");
            next(p);
            expect(p, TK_LPAREN);
            expect_kw(p, "version");
            expect(p, TK_EQ);
            const char *v = version(p);
            expect(p, TK_RPAREN);
            if (since)
                a->gate.since = v;
            else
                a->gate.deprecated = v;
        } else if (is_kw(p, 0, "unstable")) {
            if (a->gate.unstable != NULL)
                fail_at(p, t, "duplicate @%s", "unstable");
            next(p);
            expect(p, TK_LPAREN);
            expect_kw(p, "feature");
            expect(p, TK_EQ);
            a->gate.unstable = name(p);
            expect(p, TK_RPAREN);
        } else if (is_kw(p, 0, "external-id")) {
            next(p);
            expect(p, TK_LPAREN);
            a->external_id = string_lit(p);
            expect(p, TK_RPAREN);
        } else {
            fail_at(p, t, "unknown attribute '@%s'", t->kind == TK_ID ? tok_str(p, t) : "?");
        }
    }
    a->docs = join_docs(p, a->docs, a->docs == peek(p, 0)->docs ? NULL : peek(p, 0)->docs);
}

static void no_external_id(parser *p, const attrs *a)
{
    if (a->external_id != NULL)
        fail_at(p, peek(p, 0), "@external-id is not allowed here%s", "");
}

/* ---- types ---- */

static wit_type *new_type(parser *p, int kind, const wit_token *at)
{
    wit_type *t = alloc(p, sizeof *t);
    t->kind = (uint8_t)kind;
    t->pos = pos_of(p, at);
    return t;
}

static const struct { const char *name; int kind; } prims[] = {
    { "bool", WIT_T_BOOL }, { "s8", WIT_T_S8 }, { "u8", WIT_T_U8 },
    { "s16", WIT_T_S16 }, { "u16", WIT_T_U16 }, { "s32", WIT_T_S32 },
    { "u32", WIT_T_U32 }, { "s64", WIT_T_S64 }, { "u64", WIT_T_U64 },
    { "f32", WIT_T_F32 }, { "f64", WIT_T_F64 }, { "float32", WIT_T_F32 },
    { "float64", WIT_T_F64 }, { "char", WIT_T_CHAR }, { "string", WIT_T_STRING },
    { "error-context", WIT_T_ERROR_CONTEXT },
};

static wit_type *ty(parser *p);

static uint32_t uint_lit(parser *p)
{
    wit_token *t = peek(p, 0);
    uint64_t v = 0;
    if (t->kind != TK_NUM || t->text[0] == '0')
        fail_at(p, t, "expected a positive integer, found %s", tok_desc(t));
    for (uint32_t i = 0; i < t->len; i++) {
        if (t->text[i] < '0' || t->text[i] > '9')
            fail_at(p, t, "'%s' is not an integer", tok_str(p, t));
        v = v * 10 + (uint64_t)(t->text[i] - '0');
        if (v > UINT32_MAX)
            fail_at(p, t, "integer '%s' is too large", tok_str(p, t));
    }
    next(p);
    return (uint32_t)v;
}

static wit_type *ty(parser *p)
{
    wit_token at = *peek(p, 0);
    if (at.kind != TK_ID)
        fail_at(p, &at, "expected a type, found %s", tok_desc(&at));
    if (!at.explicit_id) {
        for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
            if (is_kw(p, 0, prims[i].name)) {
                next(p);
                return new_type(p, prims[i].kind, &at);
            }
        }
        if (is_kw(p, 0, "list")) {
            next(p);
            if (peek(p, 0)->kind != TK_LT)
                fail_at(p, peek(p, 0), "expected '<' after 'list', found %s: a list needs its "
                                       "element type, e.g. list<string>", tok_desc(peek(p, 0)));
            expect(p, TK_LT);
            wit_type *t = new_type(p, WIT_T_LIST, &at);
            t->a = ty(p);
            if (accept(p, TK_COMMA)) {
                t->kind = WIT_T_FIXED_LIST;
                t->len = uint_lit(p);
            }
            expect(p, TK_GT);
            return t;
        }
        if (is_kw(p, 0, "option")) {
            next(p);
            wit_type *t = new_type(p, WIT_T_OPTION, &at);
            if (peek(p, 0)->kind != TK_LT)
                fail_at(p, peek(p, 0), "expected '<' after 'option', found %s: an option needs "
                                       "its value type, e.g. option<string>", tok_desc(peek(p, 0)));
            expect(p, TK_LT);
            t->a = ty(p);
            expect(p, TK_GT);
            return t;
        }
        if (is_kw(p, 0, "tuple")) {
            next(p);
            wit_type *t = new_type(p, WIT_T_TUPLE, &at);
            expect(p, TK_LT);
            do {
                if (peek(p, 0)->kind == TK_GT && t->n > 0)
                    break;
                push(p, &t->elems, &t->n, ty(p));
            } while (accept(p, TK_COMMA));
            expect(p, TK_GT);
            return t;
        }
        if (is_kw(p, 0, "result")) {
            next(p);
            wit_type *t = new_type(p, WIT_T_RESULT, &at);
            if (accept(p, TK_LT)) {
                if (accept(p, TK_UNDERSCORE)) {
                    expect(p, TK_COMMA);
                    t->b = ty(p);
                } else {
                    t->a = ty(p);
                    if (accept(p, TK_COMMA))
                        t->b = ty(p);
                }
                expect(p, TK_GT);
            }
            return t;
        }
        if (is_kw(p, 0, "map")) {
            next(p);
            wit_type *t = new_type(p, WIT_T_MAP, &at);
            expect(p, TK_LT);
            t->a = ty(p);
            expect(p, TK_COMMA);
            t->b = ty(p);
            expect(p, TK_GT);
            return t;
        }
        if (is_kw(p, 0, "future") || is_kw(p, 0, "stream")) {
            wit_type *t = new_type(p, is_kw(p, 0, "future") ? WIT_T_FUTURE : WIT_T_STREAM, &at);
            next(p);
            if (accept(p, TK_LT)) {
                t->a = ty(p);
                expect(p, TK_GT);
            }
            return t;
        }
        if (is_kw(p, 0, "borrow") || is_kw(p, 0, "own")) {
            wit_type *t = new_type(p, is_kw(p, 0, "own") ? WIT_T_OWN : WIT_T_BORROW, &at);
            next(p);
            expect(p, TK_LT);
            t->name = name(p);
            expect(p, TK_GT);
            return t;
        }
    }
    wit_type *t = new_type(p, WIT_T_NAMED, &at);
    t->name = name(p);
    return t;
}

/* ---- functions ---- */

static void params(parser *p, wit_func *f)
{
    wit_field *buf = NULL;
    uint32_t n = 0, cap = 0;
    expect(p, TK_LPAREN);
    while (peek(p, 0)->kind != TK_RPAREN) {
        wit_token at = *peek(p, 0);
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            wit_field *nb = alloc(p, cap * sizeof *nb);
            if (n > 0)
                memcpy(nb, buf, n * sizeof *nb);
            buf = nb;
        }
        wit_field *fl = &buf[n++];
        fl->pos = pos_of(p, &at);
        fl->docs = at.docs;
        fl->name = name(p);
        for (uint32_t i = 0; i + 1 < n; i++)
            if (strcmp(buf[i].name, fl->name) == 0)
                fail_at(p, &at, "duplicate parameter '%s'", fl->name);
        expect(p, TK_COLON);
        fl->type = ty(p);
        if (!accept(p, TK_COMMA))
            break;
    }
    expect(p, TK_RPAREN);
    f->params = buf;
    f->nparams = n;
}

/* After `name:` (the current token is `async`, `static` or `func`). */
static wit_func *func_rest(parser *p, const char *fname, const wit_token *at, int kind,
                           const attrs *a)
{
    wit_func *f = alloc(p, sizeof *f);
    f->name = fname;
    f->kind = (uint8_t)kind;
    f->pos = pos_of(p, at);
    f->docs = a->docs;
    f->gate = a->gate;
    f->external_id = a->external_id;
    if (is_kw(p, 0, "async")) {
        next(p);
        f->async = true;
    }
    expect_kw(p, "func");
    params(p, f);
    if (accept(p, TK_ARROW))
        f->result = ty(p);
    expect(p, TK_SEMI);
    return f;
}

/* ---- type definitions ---- */

static void fields(parser *p, wit_typedef *d, bool typed, bool optional_type)
{
    wit_field *buf = NULL;
    uint32_t n = 0, cap = 0;
    expect(p, TK_LBRACE);
    while (peek(p, 0)->kind != TK_RBRACE) {
        wit_token at = *peek(p, 0);
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            wit_field *nb = alloc(p, cap * sizeof *nb);
            if (n > 0)
                memcpy(nb, buf, n * sizeof *nb);
            buf = nb;
        }
        wit_field *fl = &buf[n++];
        fl->pos = pos_of(p, &at);
        fl->docs = at.docs;
        fl->name = name(p);
        for (uint32_t i = 0; i + 1 < n; i++)
            if (strcmp(buf[i].name, fl->name) == 0)
                fail_at(p, &at, "duplicate name '%s'", fl->name);
        if (typed) {
            if (optional_type) {
                if (accept(p, TK_LPAREN)) {
                    fl->type = ty(p);
                    expect(p, TK_RPAREN);
                }
            } else {
                expect(p, TK_COLON);
                fl->type = ty(p);
            }
        }
        if (!accept(p, TK_COMMA))
            break;
    }
    if (n == 0)
        fail_at(p, peek(p, 0), "%s needs at least one case/field", d->name);
    expect(p, TK_RBRACE);
    d->fields = buf;
    d->nfields = n;
}

static void resource_body(parser *p, wit_typedef *d)
{
    d->has_body = true;
    expect(p, TK_LBRACE);
    while (peek(p, 0)->kind != TK_RBRACE) {
        attrs a;
        parse_attrs(p, &a);
        wit_token at = *peek(p, 0);
        wit_func *f;
        if (is_kw(p, 0, "constructor")) {
            next(p);
            f = alloc(p, sizeof *f);
            f->name = "constructor";
            f->kind = WIT_F_CONSTRUCTOR;
            f->pos = pos_of(p, &at);
            f->docs = a.docs;
            f->gate = a.gate;
            f->external_id = a.external_id;
            params(p, f);
            if (accept(p, TK_ARROW))
                f->result = ty(p);
            expect(p, TK_SEMI);
        } else {
            const char *fname = name(p);
            expect(p, TK_COLON);
            int kind = WIT_F_METHOD;
            if (is_kw(p, 0, "static")) {
                next(p);
                kind = WIT_F_STATIC;
            }
            f = func_rest(p, fname, &at, kind, &a);
        }
        for (uint32_t i = 0; i < d->nfuncs; i++)
            if (strcmp(d->funcs[i]->name, f->name) == 0)
                fail_at(p, &at, "duplicate function '%s'", f->name);
        push(p, &d->funcs, &d->nfuncs, f);
    }
    expect(p, TK_RBRACE);
}

static bool at_typedef(parser *p)
{
    static const char *const kws[] = { "type", "record", "variant", "enum", "flags", "resource" };
    if (peek(p, 1)->kind != TK_ID)
        return false;
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (is_kw(p, 0, kws[i]))
            return true;
    return false;
}

static wit_typedef *typedef_item(parser *p, const attrs *a)
{
    wit_token at = *peek(p, 0);
    wit_typedef *d = alloc(p, sizeof *d);
    d->docs = a->docs;
    d->gate = a->gate;
    d->external_id = a->external_id;
    d->pos = pos_of(p, &at);
    if (is_kw(p, 0, "type")) {
        next(p);
        d->kind = WIT_D_ALIAS;
        d->name = name(p);
        expect(p, TK_EQ);
        d->alias = ty(p);
        expect(p, TK_SEMI);
    } else if (is_kw(p, 0, "record")) {
        next(p);
        d->kind = WIT_D_RECORD;
        d->name = name(p);
        fields(p, d, true, false);
    } else if (is_kw(p, 0, "variant")) {
        next(p);
        d->kind = WIT_D_VARIANT;
        d->name = name(p);
        fields(p, d, true, true);
    } else if (is_kw(p, 0, "enum")) {
        next(p);
        d->kind = WIT_D_ENUM;
        d->name = name(p);
        fields(p, d, false, false);
    } else if (is_kw(p, 0, "flags")) {
        next(p);
        d->kind = WIT_D_FLAGS;
        d->name = name(p);
        expect(p, TK_LBRACE);
        if (peek(p, 0)->kind == TK_RBRACE) {    /* empty flags are allowed */
            next(p);
        } else {
            wit_field *buf = NULL;
            uint32_t n = 0, cap = 0;
            for (;;) {
                wit_token ft = *peek(p, 0);
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    wit_field *nb = alloc(p, cap * sizeof *nb);
                    if (n > 0)
                        memcpy(nb, buf, n * sizeof *nb);
                    buf = nb;
                }
                wit_field *fl = &buf[n++];
                fl->pos = pos_of(p, &ft);
                fl->docs = ft.docs;
                fl->name = name(p);
                for (uint32_t i = 0; i + 1 < n; i++)
                    if (strcmp(buf[i].name, fl->name) == 0)
                        fail_at(p, &ft, "duplicate name '%s'", fl->name);
                if (!accept(p, TK_COMMA) || peek(p, 0)->kind == TK_RBRACE)
                    break;
            }
            expect(p, TK_RBRACE);
            d->fields = buf;
            d->nfields = n;
        }
    } else {
        expect_kw(p, "resource");
        d->kind = WIT_D_RESOURCE;
        d->name = name(p);
        if (peek(p, 0)->kind == TK_LBRACE)
            resource_body(p, d);
        else
            expect(p, TK_SEMI);
    }
    return d;
}

/* ---- use paths and use items ---- */

static void use_path(parser *p, wit_path *path)
{
    wit_token at = *peek(p, 0);
    path->pos = pos_of(p, &at);
    const char *first = name(p);
    if (peek(p, 0)->kind == TK_COLON) {
        next(p);
        path->ns = first;
        path->pkg = name(p);
        if (peek(p, 0)->kind == TK_COLON)
            fail_at(p, peek(p, 0), "nested namespaces are not supported%s", "");
        expect(p, TK_SLASH);
        path->name = name(p);
        if (peek(p, 0)->kind == TK_SLASH)
            fail_at(p, peek(p, 0), "nested packages are not supported%s", "");
        if (accept(p, TK_AT))
            path->version = version(p);
    } else {
        path->name = first;
    }
}

static wit_use *use_item(parser *p, const attrs *a, uint32_t *ntypes, wit_typedef ***types,
                         wit_interface *iface, wit_world *world)
{
    wit_token at = *peek(p, 0);
    expect_kw(p, "use");
    wit_use *u = alloc(p, sizeof *u);
    u->pos = pos_of(p, &at);
    u->gate = a->gate;
    use_path(p, &u->path);
    expect(p, TK_DOT);
    expect(p, TK_LBRACE);
    wit_rename *buf = NULL;
    uint32_t cap = 0;
    do {
        if (peek(p, 0)->kind == TK_RBRACE && u->n > 0)
            break;
        wit_token nt = *peek(p, 0);
        if (u->n == cap) {
            cap = cap ? cap * 2 : 4;
            wit_rename *nb = alloc(p, cap * sizeof *nb);
            if (u->n > 0)
                memcpy(nb, buf, u->n * sizeof *nb);
            buf = nb;
        }
        wit_rename *rn = &buf[u->n++];
        rn->name = name(p);
        if (is_kw(p, 0, "as")) {
            next(p);
            rn->as = name(p);
        }
        wit_typedef *d = alloc(p, sizeof *d);
        d->kind = WIT_D_USE;
        d->name = rn->as ? rn->as : rn->name;
        d->use_name = rn->name;
        d->use = u;
        d->gate = a->gate;
        d->pos = pos_of(p, &nt);
        d->iface = iface;
        d->world = world;
        push(p, types, ntypes, d);
    } while (accept(p, TK_COMMA));
    u->names = buf;
    expect(p, TK_RBRACE);
    expect(p, TK_SEMI);
    return u;
}

static void check_type_name(parser *p, wit_typedef **types, uint32_t n, wit_typedef *d)
{
    for (uint32_t i = 0; i + 1 < n; i++)
        if (strcmp(types[i]->name, d->name) == 0) {
            wit_token t = { .line = d->pos.line, .col = d->pos.col };
            fail_at(p, &t, "'%s' is defined more than once", d->name);
        }
}

/* ---- interfaces ---- */

static void interface_body(parser *p, wit_interface *in)
{
    expect(p, TK_LBRACE);
    while (peek(p, 0)->kind != TK_RBRACE) {
        attrs a;
        parse_attrs(p, &a);
        wit_token at = *peek(p, 0);
        if (is_kw(p, 0, "use")) {
            no_external_id(p, &a);
            uint32_t before = in->ntypes;
            wit_use *u = use_item(p, &a, &in->ntypes, &in->types, in, NULL);
            push(p, &in->uses, &in->nuses, u);
            for (uint32_t i = before; i < in->ntypes; i++)
                check_type_name(p, in->types, i + 1, in->types[i]);
        } else if (at_typedef(p)) {
            wit_typedef *d = typedef_item(p, &a);
            d->iface = in;
            push(p, &in->types, &in->ntypes, d);
            check_type_name(p, in->types, in->ntypes, d);
        } else {
            const char *fname = name(p);
            expect(p, TK_COLON);
            wit_func *f = func_rest(p, fname, &at, WIT_F_FREESTANDING, &a);
            for (uint32_t i = 0; i < in->nfuncs; i++)
                if (strcmp(in->funcs[i]->name, fname) == 0)
                    fail_at(p, &at, "function '%s' is defined more than once", fname);
            push(p, &in->funcs, &in->nfuncs, f);
        }
    }
    expect(p, TK_RBRACE);
}

static wit_interface *interface_item(parser *p, const attrs *a)
{
    wit_token at = *peek(p, 0);
    expect_kw(p, "interface");
    wit_interface *in = alloc(p, sizeof *in);
    in->pos = pos_of(p, &at);
    in->docs = a->docs;
    in->gate = a->gate;
    in->name = name(p);
    in->scope = p->scope;
    interface_body(p, in);
    return in;
}

/* ---- worlds ---- */

static wit_extern *extern_item(parser *p, const attrs *a, wit_world *w)
{
    wit_extern *x = alloc(p, sizeof *x);
    x->docs = a->docs;
    x->gate = a->gate;
    x->external_id = a->external_id;
    next(p);                                    /* import / export */
    wit_token at = *peek(p, 0);
    x->pos = pos_of(p, &at);
    bool named = false;
    if (at.kind == TK_ID && peek(p, 1)->kind == TK_COLON) {
        if (is_kw(p, 2, "func") || is_kw(p, 2, "async") || is_kw(p, 2, "interface"))
            named = true;
        else if (peek(p, 2)->kind == TK_ID && peek(p, 3)->kind != TK_SLASH)
            named = true;                       /* `a: b` or `a: ns:pkg/i` */
    }
    if (!named) {
        x->kind = WIT_X_INTERFACE;
        use_path(p, &x->path);
        expect(p, TK_SEMI);
        return x;
    }
    x->name = name(p);
    expect(p, TK_COLON);
    if (is_kw(p, 0, "interface")) {
        next(p);
        x->kind = WIT_X_INLINE;
        wit_interface *in = alloc(p, sizeof *in);
        in->pos = x->pos;
        in->name = x->name;
        in->inline_in = w;
        in->scope = p->scope;
        interface_body(p, in);
        x->iface = in;
    } else if (is_kw(p, 0, "func") || is_kw(p, 0, "async")) {
        x->kind = WIT_X_FUNC;
        x->func = func_rest(p, x->name, &at, WIT_F_FREESTANDING, a);
    } else {
        x->kind = WIT_X_NAMED_IFACE;
        use_path(p, &x->path);
        expect(p, TK_SEMI);
    }
    return x;
}

static wit_include *include_item(parser *p, const attrs *a)
{
    wit_token at = *peek(p, 0);
    expect_kw(p, "include");
    wit_include *inc = alloc(p, sizeof *inc);
    inc->pos = pos_of(p, &at);
    inc->gate = a->gate;
    use_path(p, &inc->path);
    if (is_kw(p, 0, "with")) {
        next(p);
        expect(p, TK_LBRACE);
        wit_rename *buf = NULL;
        uint32_t cap = 0;
        do {
            if (peek(p, 0)->kind == TK_RBRACE && inc->nwith > 0)
                break;
            if (inc->nwith == cap) {
                cap = cap ? cap * 2 : 4;
                wit_rename *nb = alloc(p, cap * sizeof *nb);
                if (inc->nwith > 0)
                    memcpy(nb, buf, inc->nwith * sizeof *nb);
                buf = nb;
            }
            wit_rename *rn = &buf[inc->nwith++];
            rn->name = name(p);
            expect_kw(p, "as");
            rn->as = name(p);
        } while (accept(p, TK_COMMA));
        inc->with = buf;
        expect(p, TK_RBRACE);
        accept(p, TK_SEMI);
    } else {
        expect(p, TK_SEMI);
    }
    return inc;
}

static wit_world *world_item(parser *p, const attrs *a)
{
    wit_token at = *peek(p, 0);
    expect_kw(p, "world");
    wit_world *w = alloc(p, sizeof *w);
    w->pos = pos_of(p, &at);
    w->docs = a->docs;
    w->gate = a->gate;
    w->name = name(p);
    w->scope = p->scope;
    expect(p, TK_LBRACE);
    while (peek(p, 0)->kind != TK_RBRACE) {
        attrs ia;
        parse_attrs(p, &ia);
        if (is_kw(p, 0, "import") || is_kw(p, 0, "export")) {
            bool imp = is_kw(p, 0, "import");
            wit_extern *x = extern_item(p, &ia, w);
            if (imp)
                push(p, &w->imports, &w->nimports, x);
            else
                push(p, &w->exports, &w->nexports, x);
        } else if (is_kw(p, 0, "use")) {
            no_external_id(p, &ia);
            uint32_t before = w->ntypes;
            wit_use *u = use_item(p, &ia, &w->ntypes, &w->types, NULL, w);
            push(p, &w->uses, &w->nuses, u);
            for (uint32_t i = before; i < w->ntypes; i++)
                check_type_name(p, w->types, i + 1, w->types[i]);
        } else if (is_kw(p, 0, "include")) {
            no_external_id(p, &ia);
            push(p, &w->includes, &w->nincludes, include_item(p, &ia));
        } else if (at_typedef(p)) {
            wit_typedef *d = typedef_item(p, &ia);
            d->world = w;
            push(p, &w->types, &w->ntypes, d);
            check_type_name(p, w->types, w->ntypes, d);
        } else {
            wit_token *t = peek(p, 0);
            fail_at(p, t, "expected a world item (import, export, use, include or a type), found %s",
                    tok_desc(t));
        }
    }
    expect(p, TK_RBRACE);
    return w;
}

/* ---- files and packages ---- */

static void toplevel_use(parser *p)
{
    expect_kw(p, "use");
    wit_path *path = alloc(p, sizeof *path);
    use_path(p, path);
    const char *alias = path->name;
    if (is_kw(p, 0, "as")) {
        next(p);
        alias = name(p);
    }
    expect(p, TK_SEMI);
    wit_scope *s = p->scope;
    for (uint32_t i = 0; i < s->n; i++)
        if (strcmp(s->aliases[i], alias) == 0)
            fail_at(p, peek(p, 0), "'%s' is already used in this file", alias);
    uint32_t n = s->n;
    push(p, &s->paths, &n, path);
    push(p, &s->aliases, &s->n, (void *)alias);
}

static wit_scope *new_scope(parser *p)
{
    return alloc(p, sizeof(wit_scope));
}

/* package-items until `}` (nested) or end of file; into pending. */
static void package_items(parser *p, wit_pending *pend, bool nested, wit_package **file_pkg,
                          bool *seen_item)
{
    for (;;) {
        wit_token *t = peek(p, 0);
        if (t->kind == TK_EOF) {
            if (nested)
                fail_at(p, t, "expected '}' to close the package, found %s", tok_desc(t));
            return;
        }
        if (nested && t->kind == TK_RBRACE)
            return;
        attrs a;
        parse_attrs(p, &a);
        wit_token at = *peek(p, 0);
        if (is_kw(p, 0, "package")) {
            if (nested)
                fail_at(p, &at, "packages cannot nest%s", "");
            next(p);
            const char *ns = name(p);
            expect(p, TK_COLON);
            const char *pname = name(p);
            if (peek(p, 0)->kind == TK_COLON || peek(p, 0)->kind == TK_SLASH)
                fail_at(p, peek(p, 0), "nested namespaces/packages are not supported%s", "");
            const char *ver = NULL;
            if (accept(p, TK_AT))
                ver = version(p);
            if (peek(p, 0)->kind == TK_SEMI) {
                if (*seen_item || *file_pkg != NULL)
                    fail_at(p, &at, "the package declaration must come first%s", "");
                next(p);
                wit_package *pk = wit_add_package(p->r, ns, pname, ver);
                if (pk == NULL)
                    longjmp(p->fail, 1);
                if (pk->pos.file == NULL)
                    pk->pos = pos_of(p, &at);
                pk->docs = join_docs(p, pk->docs, a.docs);
                *file_pkg = pk;
                continue;
            }
            expect(p, TK_LBRACE);
            wit_package *pk = wit_add_package(p->r, ns, pname, ver);
            if (pk == NULL)
                longjmp(p->fail, 1);
            if (pk->pos.file == NULL)
                pk->pos = pos_of(p, &at);
            pk->docs = join_docs(p, pk->docs, a.docs);
            wit_scope *outer = p->scope;
            p->scope = new_scope(p);
            wit_pending inner = {0};
            bool dummy_seen = true;
            wit_package *dummy_pkg = NULL;
            package_items(p, &inner, true, &dummy_pkg, &dummy_seen);
            expect(p, TK_RBRACE);
            p->scope = outer;
            if (!wit_attach(p->r, pk, &inner))
                longjmp(p->fail, 1);
            *seen_item = true;
            continue;
        }
        *seen_item = true;
        if (is_kw(p, 0, "use")) {
            toplevel_use(p);
        } else if (is_kw(p, 0, "interface")) {
            push(p, &pend->interfaces, &pend->ninterfaces, interface_item(p, &a));
        } else if (is_kw(p, 0, "world")) {
            push(p, &pend->worlds, &pend->nworlds, world_item(p, &a));
        } else {
            fail_at(p, &at, "expected 'package', 'use', 'interface' or 'world', found %s",
                    tok_desc(&at));
        }
    }
}

bool wit_attach(wit_resolve *r, wit_package *pk, wit_pending *pend)
{
    for (uint32_t i = 0; i < pend->ninterfaces; i++) {
        wit_interface *in = pend->interfaces[i];
        if (wit_find_interface(pk, in->name) != NULL) {
            wit_set_error_at(r, in->pos, "interface '%s' is defined more than once in %s:%s",
                             in->name, pk->ns, pk->name);
            return false;
        }
        in->pkg = pk;
        if (!wit_push(r, &pk->interfaces, &pk->ninterfaces, in))
            return false;
    }
    for (uint32_t i = 0; i < pend->nworlds; i++) {
        wit_world *w = pend->worlds[i];
        if (wit_find_world(pk, w->name) != NULL) {
            wit_set_error_at(r, w->pos, "world '%s' is defined more than once in %s:%s",
                             w->name, pk->ns, pk->name);
            return false;
        }
        w->pkg = pk;
        for (uint32_t k = 0; k < w->nimports + w->nexports; k++) {
            wit_extern *x = k < w->nimports ? w->imports[k] : w->exports[k - w->nimports];
            if (x->kind == WIT_X_INLINE)
                x->iface->pkg = pk;
        }
        if (!wit_push(r, &pk->worlds, &pk->nworlds, w))
            return false;
    }
    memset(pend, 0, sizeof *pend);
    return true;
}

bool wit_parse_file(wit_resolve *r, const char *file, const char *src, size_t len,
                    wit_package **pkg_out, wit_pending *pending)
{
    parser *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return false;
    }
    volatile bool ok = false;
    p->r = r;
    p->file = wit_strdup(r, file);
    if (p->file == NULL)
        goto out;
    wit_lex_init(&p->lx, r, p->file, src, len, &p->fail);
    *pkg_out = NULL;
    if (setjmp(p->fail) == 0) {
        p->scope = new_scope(p);
        bool seen = false;
        wit_pending pend = {0};
        package_items(p, &pend, false, pkg_out, &seen);
        if (*pkg_out != NULL) {
            if (!wit_attach(r, *pkg_out, &pend))
                goto out;
        } else {
            for (uint32_t i = 0; i < pend.ninterfaces; i++)
                if (!wit_push(r, &pending->interfaces, &pending->ninterfaces, pend.interfaces[i]))
                    goto out;
            for (uint32_t i = 0; i < pend.nworlds; i++)
                if (!wit_push(r, &pending->worlds, &pending->nworlds, pend.worlds[i]))
                    goto out;
        }
        ok = true;
    }
out:
    free(p);
    return ok;
}
