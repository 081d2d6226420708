/*
 * bindgen_c.c — `wacc bindgen c`: C bindings for a guest of a WIT world,
 * following wit-bindgen's C conventions (names, *_string_t, list/option/
 * result structs, *_free helpers, cabi_realloc, post-return, resources as
 * handles). This file: names, types, layout, typedefs and free helpers,
 * resources, and writing the files; function bodies are in bindgen_c_func.c.
 *
 * The C types are laid out like the Canonical ABI on wasm32 (the .c file
 * checks every typedef with a static assertion), so values cross linear
 * memory with memcpy; only flat (core value) arguments and results are
 * converted field by field.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bindgen_c_internal.h"

/* ------------------------------------------------------------------------ */
/* Strings and names.                                                         */

char *bg_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s == NULL)
        abort();        /* out of memory while generating text: nothing to recover */
    return s;
}

void bg_fail(bgen *g, const char *fmt, ...)
{
    if (g->failed)
        return;
    g->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->r->err, sizeof g->r->err, fmt, ap);
    va_end(ap);
}

/* Words: runs of letters/digits; a lower→upper change starts a word. */
static char *words(const char *s, bool upper)
{
    size_t n = strlen(s);
    char *o = malloc(2 * n + 2);
    if (o == NULL)
        abort();
    size_t k = 0;
    bool in_word = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c)) {
            in_word = false;
            continue;
        }
        bool boundary = !in_word
                        || (isupper(c) && i > 0 && (islower((unsigned char)s[i - 1])
                                                    || isdigit((unsigned char)s[i - 1])));
        if (boundary && k > 0)
            o[k++] = '_';
        o[k++] = (char)(upper ? toupper(c) : tolower(c));
        in_word = true;
    }
    o[k] = '\0';
    return o;
}

char *bg_snake(const char *s) { return words(s, false); }
char *bg_shouty(const char *s) { return words(s, true); }

static const char *const keywords[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "atomic_cancel", "atomic_commit",
    "atomic_noexcept", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
    "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval",
    "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield",
    "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "reflexpr",
    "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof",
    "static", "static_assert", "static_cast", "struct", "switch", "synchronized", "template",
    "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    "_Packed", "ret", "err", "stdin", "stdout", "stderr",
};

char *bg_ident(const char *s)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(s, keywords[i]) == 0)
            return bg_fmt("%s_", s);
    return bg_snake(s);
}

static bool names_has(const bg_names *s, const char *name)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return true;
    return false;
}

static void names_add(bg_names *s, const char *name)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (s->v == NULL)
            abort();
    }
    s->v[s->n++] = bg_fmt("%s", name);
}

static void names_free(bg_names *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static bool defined_has(const bg_defined *s, const void *p)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i] == p)
            return true;
    return false;
}

static void defined_add(bg_defined *s, const void *p)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (s->v == NULL)
            abort();
    }
    s->v[s->n++] = p;
}

/* ------------------------------------------------------------------------ */
/* Namespaces.                                                                */

static const wit_extern *find_extern(const wit_world *w, const wit_interface *i, bool *exported)
{
    for (uint32_t k = 0; k < w->nall_exports; k++)
        if (w->all_exports[k]->iface == i) {
            *exported = true;
            return w->all_exports[k];
        }
    for (uint32_t k = 0; k < w->nall_imports; k++)
        if (w->all_imports[k]->iface == i) {
            *exported = false;
            return w->all_imports[k];
        }
    return NULL;
}

static bool many_versions(const wit_resolve *r, const wit_package *p)
{
    for (uint32_t i = 0; i < r->npackages; i++) {
        const wit_package *q = r->packages[i];
        if (q != p && strcmp(q->ns, p->ns) == 0 && strcmp(q->name, p->name) == 0)
            return true;
    }
    return false;
}

/* The C namespace of an interface as the world imports or exports it. */
static char *iface_ns(bgen *g, const wit_extern *x, bool exported)
{
    if (x->kind == WIT_X_NAMED_IFACE || x->kind == WIT_X_INLINE)
        return bg_snake(x->name);
    const wit_interface *i = x->iface;
    const wit_package *p = i->pkg;
    char *ns = bg_snake(p->ns), *pk = bg_snake(p->name), *in = bg_snake(i->name);
    char *ver = NULL;
    if (p->version != NULL && many_versions(g->r, p))
        ver = bg_snake(p->version);
    char *s = bg_fmt("%s%s_%s_%s%s%s", exported ? "exports_" : "", ns, pk, ver ? ver : "",
                     ver ? "_" : "", in);
    free(ns), free(pk), free(in), free(ver);
    return s;
}

char *bg_ns_of(bgen *g, const wit_typedef *d)
{
    if (d->iface == NULL)
        return bg_fmt("%s", g->ws);
    bool exported = false;
    const wit_extern *x = find_extern(g->w, d->iface, &exported);
    if (x == NULL) {
        bg_fail(g, "bindgen: interface '%s' is not part of world '%s'",
                d->iface->name ? d->iface->name : "?", g->w->name);
        return bg_fmt("%s", g->ws);
    }
    return iface_ns(g, x, exported);
}

bool bg_resource_exported(bgen *g, wit_typedef *real)
{
    if (real->iface == NULL)
        return false;
    bool exported = false;
    find_extern(g->w, real->iface, &exported);
    return exported;
}

/* ------------------------------------------------------------------------ */
/* Types: deref, layout, flattening.                                          */

const wit_type *bg_deref(const wit_type *t, wit_typedef **def)
{
    *def = NULL;
    for (int depth = 0; t != NULL && t->kind == WIT_T_NAMED && depth < 100; depth++) {
        wit_typedef *d = wit_typedef_real(t->def);
        if (d->kind == WIT_D_ALIAS) {
            t = d->alias;
            continue;
        }
        *def = d;
        return t;
    }
    return t;
}

static uint32_t align_to(uint32_t x, uint32_t a) { return (x + a - 1) / a * a; }

const char *bg_int_repr(uint32_t n)
{
    return n <= 256 ? "uint8_t" : n <= 65536 ? "uint16_t" : "uint32_t";
}

const char *bg_flags_repr(uint32_t n)
{
    return n <= 8 ? "uint8_t" : n <= 16 ? "uint16_t" : "uint32_t";
}

static uint32_t disc_size(uint32_t n) { return n <= 256 ? 1 : n <= 65536 ? 2 : 4; }

static void layout_variant(const wit_type *const *cases, uint32_t n, uint32_t *size,
                           uint32_t *align)
{
    uint32_t ds = disc_size(n), ms = 0, ma = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (cases[i] == NULL)
            continue;
        uint32_t s, a;
        bg_layout(cases[i], &s, &a);
        ms = s > ms ? s : ms;
        ma = a > ma ? a : ma;
    }
    uint32_t al = ds > ma ? ds : ma;
    *size = align_to(align_to(ds, ma) + ms, al);
    *align = al;
}

static void layout_fields(const wit_type *const *ts, uint32_t n, uint32_t *size, uint32_t *align)
{
    uint32_t off = 0, al = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s, a;
        bg_layout(ts[i], &s, &a);
        off = align_to(off, a) + s;
        al = a > al ? a : al;
    }
    *size = align_to(off, al);
    *align = al;
}

void bg_layout_def(const wit_typedef *d, uint32_t *size, uint32_t *align)
{
    const wit_type *ts[256];
    uint32_t n = d->nfields < 256 ? d->nfields : 256;
    switch (d->kind) {
    case WIT_D_RECORD:
        for (uint32_t i = 0; i < n; i++)
            ts[i] = d->fields[i].type;
        layout_fields(ts, n, size, align);
        return;
    case WIT_D_VARIANT:
        for (uint32_t i = 0; i < n; i++)
            ts[i] = d->fields[i].type;
        layout_variant(ts, n, size, align);
        return;
    case WIT_D_ENUM:
        *size = *align = disc_size(d->nfields);
        return;
    case WIT_D_FLAGS:
        *size = *align = d->nfields <= 8 ? 1 : d->nfields <= 16 ? 2 : 4;
        return;
    default:            /* resource handle */
        *size = *align = 4;
        return;
    }
}

void bg_layout(const wit_type *t0, uint32_t *size, uint32_t *align)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    switch (t->kind) {
    case WIT_T_BOOL: case WIT_T_S8: case WIT_T_U8: *size = *align = 1; return;
    case WIT_T_S16: case WIT_T_U16: *size = *align = 2; return;
    case WIT_T_S64: case WIT_T_U64: case WIT_T_F64: *size = *align = 8; return;
    case WIT_T_STRING: case WIT_T_LIST: case WIT_T_MAP: *size = 8, *align = 4; return;
    case WIT_T_FIXED_LIST: {
        uint32_t s, a;
        bg_layout(t->a, &s, &a);
        *size = s * t->len, *align = a;
        return;
    }
    case WIT_T_TUPLE:
        layout_fields((const wit_type *const *)t->elems, t->n, size, align);
        return;
    case WIT_T_OPTION: {
        const wit_type *c[2] = { NULL, t->a };
        layout_variant(c, 2, size, align);
        return;
    }
    case WIT_T_RESULT: {
        const wit_type *c[2] = { t->a, t->b };
        layout_variant(c, 2, size, align);
        return;
    }
    case WIT_T_NAMED:
        bg_layout_def(d, size, align);
        return;
    default:    /* s32 u32 f32 char, handles, error-context, future, stream */
        *size = *align = 4;
        return;
    }
}

static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b)
        return a;
    if ((a == CF_I32 && b == CF_F32) || (a == CF_F32 && b == CF_I32))
        return CF_I32;
    return CF_I64;
}

static uint32_t flatten_variant(const wit_type *const *cases, uint32_t n, uint8_t *out,
                                uint32_t cap)
{
    uint8_t acc[BG_MAX_FLAT], tmp[BG_MAX_FLAT];
    uint32_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (cases[i] == NULL)
            continue;
        uint32_t k = bg_flatten(cases[i], tmp, BG_MAX_FLAT);
        if (k > BG_MAX_FLAT)
            k = BG_MAX_FLAT;
        for (uint32_t j = 0; j < k; j++)
            acc[j] = j < len ? join(acc[j], tmp[j]) : tmp[j];
        len = k > len ? k : len;
    }
    if (cap > 0)
        out[0] = CF_I32;
    for (uint32_t j = 0; j < len && j + 1 < cap; j++)
        out[j + 1] = acc[j];
    return len + 1;
}

uint32_t bg_flatten(const wit_type *t0, uint8_t *out, uint32_t cap)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    uint32_t n = 0;
#define PUT(x) do { if (n < cap) out[n] = (x); n++; } while (0)
    switch (t->kind) {
    case WIT_T_S64: case WIT_T_U64: PUT(CF_I64); return n;
    case WIT_T_F32: PUT(CF_F32); return n;
    case WIT_T_F64: PUT(CF_F64); return n;
    case WIT_T_STRING: case WIT_T_LIST: case WIT_T_MAP: PUT(CF_I32); PUT(CF_I32); return n;
    case WIT_T_FIXED_LIST:
        for (uint32_t i = 0; i < t->len; i++)
            n += bg_flatten(t->a, n < cap ? out + n : out, n < cap ? cap - n : 0);
        return n;
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            n += bg_flatten(t->elems[i], n < cap ? out + n : out, n < cap ? cap - n : 0);
        return n;
    case WIT_T_OPTION: {
        const wit_type *c[2] = { NULL, t->a };
        return flatten_variant(c, 2, out, cap);
    }
    case WIT_T_RESULT: {
        const wit_type *c[2] = { t->a, t->b };
        return flatten_variant(c, 2, out, cap);
    }
    case WIT_T_NAMED:
        if (d->kind == WIT_D_RECORD) {
            for (uint32_t i = 0; i < d->nfields; i++)
                n += bg_flatten(d->fields[i].type, n < cap ? out + n : out,
                                n < cap ? cap - n : 0);
            return n;
        }
        if (d->kind == WIT_D_VARIANT) {
            const wit_type *c[256];
            uint32_t k = d->nfields < 256 ? d->nfields : 256;
            for (uint32_t i = 0; i < k; i++)
                c[i] = d->fields[i].type;
            return flatten_variant(c, k, out, cap);
        }
        PUT(CF_I32);    /* enum, flags (<= 32), resource handle */
        return n;
    default:
        PUT(CF_I32);
        return n;
    }
#undef PUT
}

/* ------------------------------------------------------------------------ */
/* Type names.                                                                */

static bool is_prim(const wit_type *t)
{
    switch (t->kind) {
    case WIT_T_NAMED: case WIT_T_OWN: case WIT_T_BORROW: case WIT_T_RESULT:
    case WIT_T_FUTURE: case WIT_T_STREAM: case WIT_T_ERROR_CONTEXT:
        return false;
    case WIT_T_LIST: case WIT_T_OPTION: case WIT_T_FIXED_LIST:
        return is_prim(t->a);
    case WIT_T_MAP:
        return is_prim(t->a) && is_prim(t->b);
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            if (!is_prim(t->elems[i]))
                return false;
        return true;
    default:
        return true;
    }
}

static void encode(wit_buf *b, const wit_type *t)
{
    char *s;
    switch (t->kind) {
    case WIT_T_BOOL: wit_buf_puts(b, "bool"); return;
    case WIT_T_CHAR: wit_buf_puts(b, "char32"); return;
    case WIT_T_NAMED: case WIT_T_OWN: case WIT_T_BORROW: {
        if (t->kind == WIT_T_OWN || (t->kind == WIT_T_NAMED && wit_typedef_resource(t->def)))
            wit_buf_puts(b, "own_");
        else if (t->kind == WIT_T_BORROW)
            wit_buf_puts(b, "borrow_");
        s = bg_snake(t->def->name);
        wit_buf_puts(b, s);
        free(s);
        return;
    }
    case WIT_T_LIST: wit_buf_puts(b, "list_"); encode(b, t->a); return;
    case WIT_T_FIXED_LIST: wit_buf_printf(b, "list%u_", t->len); encode(b, t->a); return;
    case WIT_T_OPTION: wit_buf_puts(b, "option_"); encode(b, t->a); return;
    case WIT_T_RESULT:
        wit_buf_puts(b, "result_");
        if (t->a) encode(b, t->a); else wit_buf_puts(b, "void");
        wit_buf_puts(b, "_");
        if (t->b) encode(b, t->b); else wit_buf_puts(b, "void");
        return;
    case WIT_T_TUPLE:
        wit_buf_printf(b, "tuple%u", t->n);
        for (uint32_t i = 0; i < t->n; i++) {
            wit_buf_puts(b, "_");
            encode(b, t->elems[i]);
        }
        return;
    case WIT_T_MAP:
        wit_buf_puts(b, "map_");
        encode(b, t->a);
        wit_buf_puts(b, "_");
        encode(b, t->b);
        return;
    case WIT_T_FUTURE: case WIT_T_STREAM:
        wit_buf_puts(b, t->kind == WIT_T_FUTURE ? "future_" : "stream_");
        if (t->a) encode(b, t->a); else wit_buf_puts(b, "void");
        return;
    case WIT_T_ERROR_CONTEXT: wit_buf_puts(b, "error_context"); return;
    default:
        wit_buf_puts(b, wit_prim_name(t->kind));
        return;
    }
}

static void define_anon(bgen *g, const wit_type *t, const char *name);

static char *handle_name(bgen *g, const wit_typedef *d, bool borrow)
{
    char *ns = bg_ns_of(g, d), *sn = bg_snake(d->name);
    char *s = bg_fmt("%s_%s_%s_t", ns, borrow ? "borrow" : "own", sn);
    free(ns), free(sn);
    return s;
}

char *bg_tname(bgen *g, const wit_type *t)
{
    switch (t->kind) {
    case WIT_T_BOOL: return bg_fmt("bool");
    case WIT_T_S8: return bg_fmt("int8_t");
    case WIT_T_U8: return bg_fmt("uint8_t");
    case WIT_T_S16: return bg_fmt("int16_t");
    case WIT_T_U16: return bg_fmt("uint16_t");
    case WIT_T_S32: return bg_fmt("int32_t");
    case WIT_T_U32: case WIT_T_CHAR: case WIT_T_ERROR_CONTEXT: return bg_fmt("uint32_t");
    case WIT_T_S64: return bg_fmt("int64_t");
    case WIT_T_U64: return bg_fmt("uint64_t");
    case WIT_T_F32: return bg_fmt("float");
    case WIT_T_F64: return bg_fmt("double");
    case WIT_T_STRING:
        g->needs_string = true;
        return bg_fmt("%s_string_t", g->ws);
    case WIT_T_NAMED: {
        if (wit_typedef_resource(t->def) != NULL)
            return handle_name(g, t->def, false);
        char *ns = bg_ns_of(g, t->def), *sn = bg_snake(t->def->name);
        char *s = bg_fmt("%s_%s_t", ns, sn);
        free(ns), free(sn);
        return s;
    }
    case WIT_T_OWN: case WIT_T_BORROW:
        return handle_name(g, t->def, t->kind == WIT_T_BORROW);
    default: {
        wit_buf b = {0};
        encode(&b, t);
        char *enc = wit_buf_take(&b);
        if (enc == NULL)
            abort();
        char *name = bg_fmt("%s_%s_t", is_prim(t) ? g->ws : g->cx->ns, enc);
        free(enc);
        if (!names_has(&g->names, name)) {
            names_add(&g->names, name);
            define_anon(g, t, name);
        }
        return name;
    }
    }
}

/* ------------------------------------------------------------------------ */
/* Free helpers.                                                              */

bool bg_needs_free(const wit_type *t0)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    switch (t->kind) {
    case WIT_T_STRING: case WIT_T_LIST: case WIT_T_MAP: return true;
    case WIT_T_FIXED_LIST: case WIT_T_OPTION: return bg_needs_free(t->a);
    case WIT_T_RESULT: return (t->a && bg_needs_free(t->a)) || (t->b && bg_needs_free(t->b));
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            if (bg_needs_free(t->elems[i]))
                return true;
        return false;
    case WIT_T_NAMED:
        if (d->kind == WIT_D_RECORD || d->kind == WIT_D_VARIANT)
            for (uint32_t i = 0; i < d->nfields; i++)
                if (d->fields[i].type && bg_needs_free(d->fields[i].type))
                    return true;
        return false;
    default:
        return false;
    }
}

void bg_free_stmt(bgen *g, wit_buf *b, const wit_type *t, const char *ptr)
{
    if (!bg_needs_free(t))
        return;
    if (t->kind == WIT_T_STRING) {
        g->needs_string = true;
        wit_buf_printf(b, "%s_string_free(%s);\n", g->ws, ptr);
        return;
    }
    char *name = bg_tname(g, t);
    name[strlen(name) - 2] = '\0';          /* drop _t */
    wit_buf_printf(b, "%s_free(%s);\n", name, ptr);
    free(name);
}

/* Opens `void NAME_free(NAME_t *ptr) {` in c_helpers (and its declaration). */
static void free_open(bgen *g, const char *name)
{
    size_t n = strlen(name) - 2;
    wit_buf_printf(&g->h_helpers, "\nvoid %.*s_free(%s *ptr);\n", (int)n, name, name);
    wit_buf_printf(&g->c_helpers, "\nvoid %.*s_free(%s *ptr) {\n", (int)n, name, name);
}

static void free_list_body(bgen *g, const wit_type *elem, const char *ename, bool map,
                           const wit_type *val)
{
    wit_buf *c = &g->c_helpers;
    wit_buf_printf(c, "  size_t list_len = ptr->len;\n  if (list_len > 0) {\n"
                      "    %s *list_ptr = ptr->ptr;\n    for (size_t i = 0; i < list_len; i++) {\n",
                   ename);
    if (map) {
        bg_free_stmt(g, c, elem, "&list_ptr[i].key");
        bg_free_stmt(g, c, val, "&list_ptr[i].value");
    } else {
        bg_free_stmt(g, c, elem, "&list_ptr[i]");
    }
    wit_buf_puts(c, "    }\n    free(list_ptr);\n  }\n");
}

static void free_variant_body(bgen *g, const wit_field *cases, uint32_t n)
{
    wit_buf *c = &g->c_helpers;
    wit_buf_puts(c, "  switch ((int32_t) ptr->tag) {\n");
    for (uint32_t i = 0; i < n; i++) {
        if (cases[i].type == NULL || !bg_needs_free(cases[i].type))
            continue;
        char *id = bg_ident(cases[i].name), *e = bg_fmt("&ptr->val.%s", id);
        wit_buf_printf(c, "    case %u: {\n", i);
        bg_free_stmt(g, c, cases[i].type, e);
        wit_buf_puts(c, "      break;\n    }\n");
        free(id), free(e);
    }
    wit_buf_puts(c, "  }\n");
}

static void layout_assert(bgen *g, const char *name, const wit_type *t, const wit_typedef *d)
{
    uint32_t s, a;
    if (t != NULL)
        bg_layout(t, &s, &a);
    else
        bg_layout_def(d, &s, &a);
    wit_buf_printf(&g->c_defs, "WIT_BINDGEN_LAYOUT(%s, %u, %u);\n", name, s, a);
}

/* An anonymous type: its typedef and free helper. */
static void define_anon(bgen *g, const wit_type *t, const char *name)
{
    wit_buf *h = &g->h_defs;
    char *a = NULL, *b = NULL;
    switch (t->kind) {
    case WIT_T_LIST:
        a = bg_tname(g, t->a);
        wit_buf_printf(h, "\ntypedef struct %s {\n  %s *ptr;\n  size_t len;\n} %s;\n", name, a,
                       name);
        free_open(g, name);
        free_list_body(g, t->a, a, false, NULL);
        wit_buf_puts(&g->c_helpers, "}\n");
        break;
    case WIT_T_MAP: {
        a = bg_tname(g, t->a);
        b = bg_tname(g, t->b);
        size_t n = strlen(name) - 2;
        char *entry = bg_fmt("%.*s_entry_t", (int)n, name);
        wit_buf_printf(h, "\ntypedef struct %s {\n  %s key;\n  %s value;\n} %s;\n", entry, a, b,
                       entry);
        wit_buf_printf(h, "\ntypedef struct %s {\n  %s *ptr;\n  size_t len;\n} %s;\n", name,
                       entry, name);
        free_open(g, name);
        free_list_body(g, t->a, entry, true, t->b);
        wit_buf_puts(&g->c_helpers, "}\n");
        free(entry);
        break;
    }
    case WIT_T_FIXED_LIST:
        a = bg_tname(g, t->a);
        wit_buf_printf(h, "\ntypedef struct %s {\n  %s vals[%u];\n} %s;\n", name, a, t->len, name);
        if (bg_needs_free(t->a)) {
            free_open(g, name);
            wit_buf_printf(&g->c_helpers, "  for (size_t i = 0; i < %u; i++) {\n", t->len);
            bg_free_stmt(g, &g->c_helpers, t->a, "&ptr->vals[i]");
            wit_buf_puts(&g->c_helpers, "  }\n}\n");
        }
        break;
    case WIT_T_OPTION:
        a = bg_tname(g, t->a);
        wit_buf_printf(h, "\ntypedef struct %s {\n  bool is_some;\n  %s val;\n} %s;\n", name, a,
                       name);
        if (bg_needs_free(t->a)) {
            free_open(g, name);
            wit_buf_puts(&g->c_helpers, "  if (ptr->is_some) {\n");
            bg_free_stmt(g, &g->c_helpers, t->a, "&ptr->val");
            wit_buf_puts(&g->c_helpers, "  }\n}\n");
        }
        break;
    case WIT_T_RESULT:
        a = t->a ? bg_tname(g, t->a) : NULL;
        b = t->b ? bg_tname(g, t->b) : NULL;
        wit_buf_printf(h, "\ntypedef struct %s {\n  bool is_err;\n", name);
        if (a || b) {
            wit_buf_puts(h, "  union {\n");
            if (a)
                wit_buf_printf(h, "    %s ok;\n", a);
            if (b)
                wit_buf_printf(h, "    %s err;\n", b);
            wit_buf_puts(h, "  } val;\n");
        }
        wit_buf_printf(h, "} %s;\n", name);
        if (bg_needs_free(t)) {
            free_open(g, name);
            wit_buf_puts(&g->c_helpers, "  if (!ptr->is_err) {\n");
            if (t->a)
                bg_free_stmt(g, &g->c_helpers, t->a, "&ptr->val.ok");
            wit_buf_puts(&g->c_helpers, "  } else {\n");
            if (t->b)
                bg_free_stmt(g, &g->c_helpers, t->b, "&ptr->val.err");
            wit_buf_puts(&g->c_helpers, "  }\n}\n");
        }
        break;
    case WIT_T_TUPLE: {
        char **ns = calloc(t->n ? t->n : 1, sizeof *ns);
        if (ns == NULL)
            abort();
        for (uint32_t i = 0; i < t->n; i++)
            ns[i] = bg_tname(g, t->elems[i]);
        wit_buf_printf(h, "\ntypedef struct %s {\n", name);
        for (uint32_t i = 0; i < t->n; i++)
            wit_buf_printf(h, "  %s f%u;\n", ns[i], i);
        wit_buf_printf(h, "} %s;\n", name);
        if (bg_needs_free(t)) {
            free_open(g, name);
            for (uint32_t i = 0; i < t->n; i++) {
                char *e = bg_fmt("&ptr->f%u", i);
                bg_free_stmt(g, &g->c_helpers, t->elems[i], e);
                free(e);
            }
            wit_buf_puts(&g->c_helpers, "}\n");
        }
        for (uint32_t i = 0; i < t->n; i++)
            free(ns[i]);
        free(ns);
        break;
    }
    case WIT_T_FUTURE: case WIT_T_STREAM:
        wit_buf_printf(h, "\ntypedef uint32_t %s;\n", name);
        break;
    default:
        bg_fail(g, "bindgen: unexpected anonymous type");
        break;
    }
    free(a), free(b);
    layout_assert(g, name, t, NULL);
}

/* ------------------------------------------------------------------------ */
/* Named types and resources.                                                 */

static void docs(wit_buf *b, const char *d, const char *indent)
{
    if (d == NULL)
        return;
    const char *p = d;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        wit_buf_printf(b, "%s// %.*s\n", indent, (int)n, p);
        p += n + (e ? 1 : 0);
    }
}

static void define_resource(bgen *g, const wit_typedef *d)
{
    if (g->host) {
        bg_host_resource(g, d);
        return;
    }
    char *ns = bg_ns_of(g, d), *sn = bg_snake(d->name);
    char *own = bg_fmt("%s_own_%s_t", ns, sn), *bor = bg_fmt("%s_borrow_%s_t", ns, sn);
    const char *mod = g->cx->module;
    wit_buf_printf(&g->h_defs, "\ntypedef struct %s {\n  int32_t __handle;\n} %s;\n", own, own);
    wit_buf_printf(&g->h_helpers, "\nextern void %s_%s_drop_own(%s handle);\n", ns, sn, own);
    if (g->cx->import) {
        wit_buf_printf(&g->h_defs, "\ntypedef struct %s {\n  int32_t __handle;\n} %s;\n", bor, bor);
        wit_buf_printf(&g->h_helpers, "extern void %s_%s_drop_borrow(%s handle);\n", ns, sn, bor);
        wit_buf_printf(&g->h_helpers, "extern %s %s_borrow_%s(%s handle);\n", bor, ns, sn, own);
        wit_buf_printf(&g->c_helpers,
            "\n__attribute__((__import_module__(\"%s\"), __import_name__(\"[resource-drop]%s\")))\n"
            "extern void __wasm_import_%s_%s_drop(int32_t handle);\n"
            "\nvoid %s_%s_drop_own(%s handle) {\n  __wasm_import_%s_%s_drop(handle.__handle);\n}\n"
            "\nvoid %s_%s_drop_borrow(%s handle) {\n  __wasm_import_%s_%s_drop(handle.__handle);\n}\n"
            "\n%s %s_borrow_%s(%s arg) {\n  return (%s) { arg.__handle };\n}\n",
            mod, d->name, ns, sn, ns, sn, own, ns, sn, ns, sn, bor, ns, sn, bor, ns, sn, own, bor);
    } else {
        char *rep = bg_fmt("%s_%s_t", ns, sn);
        wit_buf_printf(&g->h_defs, "\ntypedef struct %s %s;\n", rep, rep);
        wit_buf_printf(&g->h_defs, "\ntypedef %s* %s;\n", rep, bor);
        wit_buf_printf(&g->h_helpers,
            "extern %s %s_%s_new(%s *rep);\nextern %s* %s_%s_rep(%s handle);\n"
            "void %s_%s_destructor(%s *rep);\n",
            own, ns, sn, rep, rep, ns, sn, own, ns, sn, rep);
        wit_buf_printf(&g->c_helpers,
            "\n__attribute__((__import_module__(\"[export]%s\"), __import_name__(\"[resource-drop]%s\")))\n"
            "extern void __wasm_import_%s_%s_drop(int32_t handle);\n"
            "\nvoid %s_%s_drop_own(%s handle) {\n  __wasm_import_%s_%s_drop(handle.__handle);\n}\n"
            "\n__attribute__((__import_module__(\"[export]%s\"), __import_name__(\"[resource-new]%s\")))\n"
            "extern int32_t __wasm_import_%s_%s_new(int32_t);\n"
            "\n__attribute__((__import_module__(\"[export]%s\"), __import_name__(\"[resource-rep]%s\")))\n"
            "extern int32_t __wasm_import_%s_%s_rep(int32_t);\n"
            "\n%s %s_%s_new(%s *rep) {\n  return (%s) { __wasm_import_%s_%s_new((int32_t) (uintptr_t) rep) };\n}\n"
            "\n%s* %s_%s_rep(%s handle) {\n  return (%s*) (uintptr_t) __wasm_import_%s_%s_rep(handle.__handle);\n}\n"
            "\n__attribute__((__export_name__(\"%s#[dtor]%s\")))\n"
            "void __wasm_export_%s_%s_dtor(%s* arg) {\n  %s_%s_destructor(arg);\n}\n",
            mod, d->name, ns, sn, ns, sn, own, ns, sn,
            mod, d->name, ns, sn, mod, d->name, ns, sn,
            own, ns, sn, rep, own, ns, sn,
            rep, ns, sn, own, rep, ns, sn,
            mod, d->name, ns, sn, rep, ns, sn);
        free(rep);
    }
    free(ns), free(sn), free(own), free(bor);
}

static void define_def(bgen *g, wit_typedef *d);

/* WIT lets a type be used before its definition: define what t names first. */
static void define_deps(bgen *g, const wit_type *t)
{
    if (t == NULL)
        return;
    switch (t->kind) {
    case WIT_T_NAMED: case WIT_T_OWN: case WIT_T_BORROW:
        if (t->def != NULL && (t->def->iface == g->cx->iface || t->def->iface == NULL))
            define_def(g, t->def);
        return;
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            define_deps(g, t->elems[i]);
        return;
    default:
        define_deps(g, t->a);
        define_deps(g, t->b);
        return;
    }
}

static void define_def(bgen *g, wit_typedef *d)
{
    if (g->failed || defined_has(&g->defined, d))
        return;
    defined_add(&g->defined, d);
    if (d->kind == WIT_D_RECORD || d->kind == WIT_D_VARIANT)
        for (uint32_t i = 0; i < d->nfields; i++)
            define_deps(g, d->fields[i].type);
    else if (d->kind == WIT_D_ALIAS)
        define_deps(g, d->alias);
    if (d->kind == WIT_D_RESOURCE) {
        define_resource(g, d);
        return;
    }
    char *ns = bg_ns_of(g, d), *sn = bg_snake(d->name);
    char *name = bg_fmt("%s_%s_t", ns, sn);
    char *NS = bg_shouty(ns), *SN = bg_shouty(d->name);
    wit_buf *h = &g->h_defs;
    uint32_t n = d->nfields;
    char **fts = calloc(n ? n : 1, sizeof *fts);
    if (fts == NULL)
        abort();
    /* Names of the parts first: defining them writes to h_defs. */
    for (uint32_t i = 0; i < n; i++)
        if ((d->kind == WIT_D_RECORD || d->kind == WIT_D_VARIANT) && d->fields[i].type)
            fts[i] = bg_tname(g, d->fields[i].type);
    char *alias = NULL;
    wit_typedef *target_real = NULL;
    if (d->kind == WIT_D_ALIAS) {
        wit_typedef *td;
        bg_deref(d->alias, &td);
        if (td != NULL && td->kind == WIT_D_RESOURCE && d->alias->kind == WIT_T_NAMED)
            target_real = d->alias->def;
        else
            alias = bg_tname(g, d->alias);
    } else if (d->kind == WIT_D_USE) {
        if (wit_typedef_real(d)->kind == WIT_D_RESOURCE)
            target_real = d->target;
        else {
            wit_type t = { .kind = WIT_T_NAMED, .name = d->target->name, .def = d->target };
            alias = bg_tname(g, &t);
        }
    }
    docs(h, d->docs, "");
    switch (d->kind) {
    case WIT_D_RECORD:
        wit_buf_printf(h, "\ntypedef struct %s {\n", name);
        for (uint32_t i = 0; i < n; i++) {
            char *id = bg_ident(d->fields[i].name);
            docs(h, d->fields[i].docs, "  ");
            wit_buf_printf(h, "  %s %s;\n", fts[i], id);
            free(id);
        }
        wit_buf_printf(h, "} %s;\n", name);
        break;
    case WIT_D_VARIANT: {
        wit_buf_printf(h, "\ntypedef struct %s {\n  %s tag;\n", name, bg_int_repr(n));
        bool any = false;
        for (uint32_t i = 0; i < n; i++)
            any |= fts[i] != NULL;
        if (any) {
            wit_buf_puts(h, "  union {\n");
            for (uint32_t i = 0; i < n; i++)
                if (fts[i]) {
                    char *id = bg_ident(d->fields[i].name);
                    wit_buf_printf(h, "    %s %s;\n", fts[i], id);
                    free(id);
                }
            wit_buf_puts(h, "  } val;\n");
        }
        wit_buf_printf(h, "} %s;\n\n", name);
        for (uint32_t i = 0; i < n; i++) {
            char *c = bg_shouty(d->fields[i].name);
            docs(h, d->fields[i].docs, "");
            wit_buf_printf(h, "#define %s_%s_%s %u\n", NS, SN, c, i);
            free(c);
        }
        break;
    }
    case WIT_D_ENUM:
        wit_buf_printf(h, "\ntypedef %s %s;\n\n", bg_int_repr(n), name);
        for (uint32_t i = 0; i < n; i++) {
            char *c = bg_shouty(d->fields[i].name);
            docs(h, d->fields[i].docs, "");
            wit_buf_printf(h, "#define %s_%s_%s %u\n", NS, SN, c, i);
            free(c);
        }
        break;
    case WIT_D_FLAGS:
        if (n > 32) {
            bg_fail(g, "bindgen: flags '%s' has %u flags (at most 32)", d->name, n);
            break;
        }
        wit_buf_printf(h, "\ntypedef %s %s;\n\n", bg_flags_repr(n), name);
        for (uint32_t i = 0; i < n; i++) {
            char *c = bg_shouty(d->fields[i].name);
            docs(h, d->fields[i].docs, "");
            wit_buf_printf(h, "#define %s_%s_%s (1%s << %u)\n", NS, SN, c, i >= 31 ? "u" : "", i);
            free(c);
        }
        break;
    case WIT_D_ALIAS: case WIT_D_USE:
        if (target_real != NULL) {
            char *o = handle_name(g, target_real, false), *b = handle_name(g, target_real, true);
            wit_buf_printf(h, "\ntypedef %s %s_own_%s_t;\n", o, ns, sn);
            wit_buf_printf(h, "\ntypedef %s %s_borrow_%s_t;\n", b, ns, sn);
            free(o), free(b);
        } else {
            wit_buf_printf(h, "\ntypedef %s %s;\n", alias, name);
        }
        break;
    default:
        break;
    }
    /* free helper */
    wit_type self = { .kind = WIT_T_NAMED, .name = d->name, .def = d };
    if (target_real == NULL && bg_needs_free(&self)) {
        free_open(g, name);
        wit_buf *c = &g->c_helpers;
        if (d->kind == WIT_D_RECORD) {
            for (uint32_t i = 0; i < n; i++) {
                char *id = bg_ident(d->fields[i].name), *e = bg_fmt("&ptr->%s", id);
                bg_free_stmt(g, c, d->fields[i].type, e);
                free(id), free(e);
            }
        } else if (d->kind == WIT_D_VARIANT) {
            free_variant_body(g, d->fields, n);
        } else if (d->kind == WIT_D_ALIAS) {
            bg_free_stmt(g, c, d->alias, "ptr");
        } else if (d->kind == WIT_D_USE) {
            wit_type t = { .kind = WIT_T_NAMED, .name = d->target->name, .def = d->target };
            bg_free_stmt(g, c, &t, "ptr");
        }
        wit_buf_puts(c, "}\n");
    }
    if (target_real == NULL)
        layout_assert(g, name, &self, NULL);
    for (uint32_t i = 0; i < n; i++)
        free(fts[i]);
    free(fts), free(alias), free(ns), free(sn), free(name), free(NS), free(SN);
}

/* ------------------------------------------------------------------------ */
/* Interfaces and the world.                                                  */

static void gen_func(bgen *g, const wit_func *f, const wit_typedef *res, bool import)
{
    if (g->host)
        (import ? bg_host_import_func : bg_host_export_func)(g, f, res);
    else
        (import ? bg_import_func : bg_export_func)(g, f, res);
}

static void set_ctx(bgen *g, bg_ctx *cx, const wit_interface *i, bool import, char *ns,
                    char *module)
{
    free(g->cx ? NULL : NULL);
    cx->iface = i;
    cx->import = import;
    cx->ns = ns;
    cx->module = module;
    g->cx = cx;
}

static void gen_interface(bgen *g, const wit_extern *x, bool import)
{
    bg_ctx cx;
    char *module = x->kind == WIT_X_INTERFACE ? wit_interface_id(x->iface) : bg_fmt("%s", x->name);
    if (module == NULL)
        abort();
    set_ctx(g, &cx, x->iface, import, iface_ns(g, x, !import), module);
    const wit_interface *i = x->iface;
    for (uint32_t k = 0; k < i->ntypes; k++)
        define_def(g, i->types[k]);
    const char *dir = import ? "Imported" : "Exported";
    if (i->nfuncs > 0) {
        wit_buf_printf(&g->h_fns, "\n// %s Functions from `%s`\n", dir, module);
        wit_buf_printf(&g->c_adapters, "\n// %s Functions from `%s`\n", dir, module);
    }
    for (uint32_t k = 0; k < i->ntypes; k++) {
        const wit_typedef *d = i->types[k];
        if (d->kind != WIT_D_RESOURCE)
            continue;
        for (uint32_t f = 0; f < d->nfuncs; f++)
            gen_func(g, d->funcs[f], d, import);
    }
    for (uint32_t k = 0; k < i->nfuncs; k++)
        gen_func(g, i->funcs[k], NULL, import);
    free(cx.ns);
    free(cx.module);
    g->cx = NULL;
}

static void gen_world(bgen *g)
{
    const wit_world *w = g->w;
    bg_ctx cx;
    set_ctx(g, &cx, NULL, true, bg_fmt("%s", g->ws), bg_fmt("$root"));
    g->cx = NULL;
    /* imported interfaces first: the world's own types may use theirs */
    for (uint32_t k = 0; k < w->nall_imports && !g->failed; k++)
        if (w->all_imports[k]->kind != WIT_X_FUNC)
            gen_interface(g, w->all_imports[k], true);
    g->cx = &cx;
    for (uint32_t k = 0; k < w->ntypes; k++)
        define_def(g, w->types[k]);
    /* the world's own resources are imports: their functions too */
    for (uint32_t k = 0; k < w->ntypes && !g->failed; k++) {
        const wit_typedef *d = w->types[k];
        if (d->kind != WIT_D_RESOURCE)
            continue;
        if (d->nfuncs > 0 && k == 0)
            wit_buf_puts(&g->h_fns, "\n// Imported Functions of the world's resources\n");
        for (uint32_t f = 0; f < d->nfuncs; f++)
            gen_func(g, d->funcs[f], d, true);
    }
    for (uint32_t k = 0; k < w->nall_imports && !g->failed; k++) {
        const wit_extern *x = w->all_imports[k];
        if (x->kind == WIT_X_FUNC) {
            g->cx = &cx;
            cx.import = true;
            gen_func(g, x->func, NULL, true);
            g->cx = NULL;
        }
    }
    g->cx = NULL;
    for (uint32_t k = 0; k < w->nall_exports && !g->failed; k++) {
        const wit_extern *x = w->all_exports[k];
        if (x->kind == WIT_X_FUNC) {
            g->cx = &cx;
            cx.import = false;
            gen_func(g, x->func, NULL, false);
            g->cx = NULL;
        } else {
            gen_interface(g, x, false);
        }
    }
    free(cx.ns);
    free(cx.module);
}

static void string_helpers(bgen *g)
{
    const char *s = g->ws;
    const char *alloc = g->host ? "malloc(ret->len ? ret->len : 1)" : "cabi_realloc(NULL, 0, 1, ret->len * 1)";
    wit_buf_printf(&g->h_helpers,
        "\n// Sets the string `ret` to reference the input string `s` without copying it\n"
        "void %s_string_set(%s_string_t *ret, const char *s);\n"
        "\n// Creates a copy of the input nul-terminated string `s` and\n"
        "// stores it into the component model string `ret`.\n"
        "void %s_string_dup(%s_string_t *ret, const char *s);\n"
        "\n// Creates a copy of the input string `s` with length `len` and\n"
        "// stores it into the component model string `ret`.\n"
        "// The length is specified in code units (bytes for UTF-8, 16-bit values for UTF-16).\n"
        "void %s_string_dup_n(%s_string_t *ret, const char *s, size_t len);\n"
        "\n// Deallocates the string pointed to by `ret`, deallocating\n"
        "// the memory behind the string.\n"
        "void %s_string_free(%s_string_t *ret);\n",
        s, s, s, s, s, s, s, s);
    wit_buf_printf(&g->c_helpers,
        "\nvoid %s_string_set(%s_string_t *ret, const char *s) {\n"
        "  ret->ptr = (uint8_t*) s;\n  ret->len = strlen(s);\n}\n"
        "\nvoid %s_string_dup(%s_string_t *ret, const char *s) {\n"
        "  ret->len = strlen(s);\n  ret->ptr = (uint8_t*) %s;\n"
        "  memcpy(ret->ptr, s, ret->len * 1);\n}\n"
        "\nvoid %s_string_dup_n(%s_string_t *ret, const char *s, size_t len) {\n"
        "  ret->len = len;\n  ret->ptr = (uint8_t*) %s;\n"
        "  memcpy(ret->ptr, s, ret->len * 1);\n}\n"
        "\nvoid %s_string_free(%s_string_t *ret) {\n"
        "  if (ret->len > 0) {\n    free(ret->ptr);\n  }\n  ret->ptr = NULL;\n  ret->len = 0;\n}\n",
        s, s, s, s, alloc, s, s, alloc, s, s);
}

static char *assemble_h(bgen *g)
{
    wit_buf b = {0};
    char *up = bg_shouty(g->ws);
    wit_buf_printf(&b, "// Generated by `wacc bindgen c` (wit-bindgen C conventions). DO NOT EDIT!\n"
                       "#ifndef __BINDINGS_%s_H\n#define __BINDINGS_%s_H\n"
                       "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
                       "#include <stdint.h>\n#include <stdbool.h>\n#include <stddef.h>\n", up, up);
    if (g->needs_string)
        wit_buf_printf(&b, "\ntypedef struct %s_string_t {\n  uint8_t *ptr;\n  size_t len;\n} %s_string_t;\n",
                       g->ws, g->ws);
    wit_buf_add(&b, g->h_defs.s ? g->h_defs.s : "", g->h_defs.len);
    wit_buf_add(&b, g->h_fns.s ? g->h_fns.s : "", g->h_fns.len);
    if (g->h_helpers.len) {
        wit_buf_puts(&b, "\n// Helper Functions\n");
        wit_buf_add(&b, g->h_helpers.s, g->h_helpers.len);
    }
    wit_buf_puts(&b, "\n#ifdef __cplusplus\n}\n#endif\n#endif\n");
    free(up);
    return wit_buf_take(&b);
}

static char *assemble_c(bgen *g)
{
    wit_buf b = {0};
    wit_buf_printf(&b,
        "// Generated by `wacc bindgen c` (wit-bindgen C conventions). DO NOT EDIT!\n"
        "#include \"%s.h\"\n#include <stdlib.h>\n#include <string.h>\n"
        "\n// The C types have the Canonical ABI layout on wasm32.\n"
        "#if defined(__wasm32__)\n"
        "#define WIT_BINDGEN_LAYOUT(T, size, align) \\\n"
        "  _Static_assert(sizeof(T) == (size) && _Alignof(T) == (align), #T \": Canonical ABI layout\")\n"
        "#else\n#define WIT_BINDGEN_LAYOUT(T, size, align) struct wit_bindgen_unused\n#endif\n",
        g->ws);
    if (g->needs_string)
        wit_buf_printf(&b, "WIT_BINDGEN_LAYOUT(%s_string_t, 8, 4);\n", g->ws);
    wit_buf_add(&b, g->c_defs.s ? g->c_defs.s : "", g->c_defs.len);
    wit_buf_puts(&b,
        "\n#define WIT_BINDGEN_UNUSED __attribute__((__unused__))\n"
        "WIT_BINDGEN_UNUSED static inline int32_t wit_bindgen_f32_i32(float f) { int32_t i; memcpy(&i, &f, 4); return i; }\n"
        "WIT_BINDGEN_UNUSED static inline float wit_bindgen_i32_f32(int32_t i) { float f; memcpy(&f, &i, 4); return f; }\n"
        "WIT_BINDGEN_UNUSED static inline int64_t wit_bindgen_f64_i64(double f) { int64_t i; memcpy(&i, &f, 8); return i; }\n"
        "WIT_BINDGEN_UNUSED static inline double wit_bindgen_i64_f64(int64_t i) { double f; memcpy(&f, &i, 8); return f; }\n"
        "\n// Canonical ABI intrinsics\n"
        "\n__attribute__((__weak__, __export_name__(\"cabi_realloc\")))\n"
        "void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {\n"
        "  (void) old_size;\n  if (new_size == 0) return (void*) align;\n"
        "  void *ret = realloc(ptr, new_size);\n  if (!ret) abort();\n  return ret;\n}\n");
    wit_buf_add(&b, g->c_fns.s ? g->c_fns.s : "", g->c_fns.len);
    if (g->ret_size > 0)
        wit_buf_printf(&b, "\n__attribute__((__aligned__(%u)))\nstatic uint8_t RET_AREA[%u];\n",
                       g->ret_align, g->ret_size);
    if (g->c_helpers.len) {
        wit_buf_puts(&b, "\n// Helper Functions\n");
        wit_buf_add(&b, g->c_helpers.s, g->c_helpers.len);
    }
    wit_buf_puts(&b, "\n// Component Adapters\n");
    wit_buf_add(&b, g->c_adapters.s ? g->c_adapters.s : "", g->c_adapters.len);
    /* the world's component type, for `jco new` / `wasm-tools component new` */
    size_t n = 0;
    uint8_t *ct = wit_encode_world_metadata(g->r, g->w, &n);
    if (ct == NULL) {
        bg_fail(g, "bindgen: the component type of world '%s': %s", g->w->name, g->r->err);
    } else {
        wit_buf_printf(&b, "\n// The component type of world `%s` (wit-component metadata) in the\n"
                           "// custom section the component tools read.\n#if defined(__wasm__)\n"
                           "__asm__(\".section \\\".custom_section.component-type:%s\\\",\\\"\\\",@\\n\"\n",
                       g->w->name, g->w->name);
        for (size_t i = 0; i < n; i += 32) {
            wit_buf_puts(&b, "        \".ascii \\\"");
            for (size_t k = i; k < n && k < i + 32; k++)
                wit_buf_printf(&b, "\\\\%03o", ct[k]);
            wit_buf_puts(&b, "\\\"\\n\"\n");
        }
        wit_buf_puts(&b, "        \".text\\n\");\n#endif\n");
        free(ct);
    }
    return wit_buf_take(&b);
}

static bool write_file(wit_resolve *r, const char *dir, const char *name, const char *text)
{
    char *path = bg_fmt("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && fputs(text, f) >= 0;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(r->err, sizeof r->err, "%s: cannot write: %s", path, strerror(errno));
    free(path);
    return ok;
}

bool wit_bindgen_c(wit_resolve *r, const wit_world *w, unsigned flags, const char *dir)
{
    bgen g = { .r = r, .w = w, .flags = flags, .ret_align = 1 };
    g.host = (flags & WIT_BINDGEN_HOST) != 0;
    g.ws = bg_snake(w->name);
    gen_world(&g);
    if (g.needs_string)
        string_helpers(&g);
    bool ok = !g.failed;
    char *h = NULL, *c = NULL, *wit = NULL;
    if (ok && g.host) {
        h = bg_host_assemble_h(&g);
        c = bg_host_assemble_c(&g);
        wit = wit_print(r, w->pkg, WIT_PRINT_DEPS);
    } else if (ok) {
        h = assemble_h(&g);
        c = assemble_c(&g);
        wit = wit_print(r, w->pkg, WIT_PRINT_DEPS);
    }
    if (ok && g.failed)             /* while assembling (e.g. the component type) */
        ok = false;
    if (ok && (h == NULL || c == NULL || wit == NULL)) {
        snprintf(r->err, sizeof r->err, "bindgen: out of memory");
        ok = false;
    }
    if (ok && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(r->err, sizeof r->err, "%s: cannot create: %s", dir, strerror(errno));
        ok = false;
    }
    if (ok) {
        const char *sfx = g.host ? "_host" : "";
        char *hn = bg_fmt("%s%s.h", g.ws, sfx), *cn = bg_fmt("%s%s.c", g.ws, sfx);
        char *wn = bg_fmt("%s.wit", g.ws);
        ok = write_file(r, dir, hn, h) && write_file(r, dir, cn, c) && write_file(r, dir, wn, wit);
        free(hn), free(cn), free(wn);
    }
    free(h), free(c), free(wit);
    wit_buf *bufs[] = { &g.h_defs, &g.h_fns, &g.h_helpers, &g.c_defs, &g.c_fns, &g.c_helpers,
                        &g.c_adapters, &g.host_imports, &g.host_exports, &g.host_res_fields,
                        &g.host_res_init, &g.host_res_lookup };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        wit_buf_free(bufs[i]);
    names_free(&g.names);
    names_free(&g.symbols);
    free(g.defined.v);
    free(g.ws);
    return ok;
}

bool bg_symbol_add(bgen *g, const char *name)
{
    if (names_has(&g->symbols, name)) {
        bg_fail(g, "bindgen: two functions map to the C name '%s'", name);
        return false;
    }
    names_add(&g->symbols, name);
    return true;
}
