/*
 * http_types.c — wasi:http/types@0.3.0 in the host: the import resolver,
 * the object table, and the resources fields, request, response and
 * request-options (their bodies are stream/future ends: http_serve.c
 * moves the bytes of the server's exchanges).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http3_int.h"

#define PKG "wasi:http/types@0.3"

/* ---- objects ---- */

uint32_t h3_add(wacc_wasi3_http *h, void *obj)
{
    return w3_slot_add(&h->objs, obj);
}

void *h3_get(wacc_wasi3_http *h, uint64_t rep, uint8_t t)
{
    void *o = w3_slot_get(&h->objs, rep);
    return o && *(uint8_t *)o == t ? o : NULL;
}

void *h3_take(wacc_wasi3_http *h, uint64_t rep, uint8_t t)
{
    return h3_get(h, rep, t) ? w3_slot_take(&h->objs, rep) : NULL;
}

static void opts_free(h3_opts *o)
{
    free(o);
}

void h3_msg_free(wacc_wasi3_http *h, h3_msg *m)
{
    (void)h;
    if (!m)
        return;
    hf_free(m->headers);
    free(m->method);
    free(m->path);
    free(m->scheme);
    free(m->authority);
    opts_free(m->opts);
    if (m->cl)
        h3_client_release(m->cl);
    if (h->ci) {
        if (m->contents)
            wacc_hend_drop(m->contents);
        if (m->trailers)
            wacc_hend_drop(m->trailers);
        if (m->result_w)
            wacc_hend_drop(m->result_w);
    }
    free(m);
}

static void obj_free(wacc_wasi3_http *h, void *o)
{
    switch (*(uint8_t *)o) {
    case O3_FIELDS:
        hf_free(((h3_fields *)o)->f);
        free(o);
        break;
    case O3_OPTIONS:
        opts_free(o);
        break;
    default:
        h3_msg_free(h, o);
    }
}

static int dtor(void *ctx, uint32_t rep)
{
    wacc_wasi3_http *h = ctx;
    void *o = w3_slot_take(&h->objs, rep);
    if (o)
        obj_free(h, o);
    return 0;
}

/* ---- values ---- */

typedef struct h3c {
    wacc_wasi3_http *h;
    const wacc_cfunc *type;
    const wacc_cval *a;
    uint32_t n;
    wacc_cval *res;
    wacc_arena *arena;
} h3c;

typedef uint32_t (*h3_impl)(h3c *c);

struct h3_fn {
    wacc_wasi3_http *h;
    const wacc_cfunc *type;
    h3_impl impl;
    h3_fn *next;
};

static const wacc_ctype *result_type(h3c *c)
{
    return wacc_cfunc_result(c->type);
}

/* field i of the result tuple's type */
static const wacc_ctype *result_field(h3c *c, uint32_t i)
{
    const wacc_ctype *t = result_type(c);
    return t && i < t->n ? t->fields[i].type : NULL;
}

static wacc_cval *box(h3c *c, wacc_cval v)
{
    wacc_cval *p = wacc_arena_alloc(c->arena, sizeof *p);
    if (p)
        *p = v;
    return p;
}

static uint32_t ret(h3c *c, wacc_cval v)
{
    *c->res = v;
    return 0;
}

static uint32_t ret_ok(h3c *c, const wacc_cval *payload)
{
    wacc_cval *p = NULL;
    if (payload && !(p = box(c, *payload)))
        return WACC_TRAP_OUT_OF_MEMORY;
    return ret(c, wacc_cval_variant(WACC_CT_RESULT, 0, p));
}

/* err(<case label> of the variant error type) */
static uint32_t ret_err_case(h3c *c, const char *label)
{
    const wacc_ctype *rt = result_type(c);
    const wacc_ctype *et = rt && rt->n > 1 ? rt->fields[1].type : NULL;
    if (!et)
        return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
    wacc_cval v;
    if (!h3_error_code(c->arena, et, label, NULL, &v))
        return WACC_TRAP_OUT_OF_MEMORY;
    return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, box(c, v)));
}

static uint32_t ret_own(h3c *c, void *obj, bool ok_wrap)
{
    uint32_t rep = h3_add(c->h, obj);
    if (!rep) {
        obj_free(c->h, obj);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    wacc_cval v = wacc_cval_handle(WACC_CT_OWN, rep);
    return ok_wrap ? ret_ok(c, &v) : ret(c, v);
}

static bool empty_value(wacc_arena *a, const wacc_ctype *t, wacc_cval *out)
{
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case WACC_CT_OPTION:
        *out = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
        return true;
    case WACC_CT_RECORD:
    case WACC_CT_TUPLE: {
        wacc_cval *e = wacc_arena_alloc(a, t->n * sizeof *e);
        if (!e)
            return false;
        for (uint32_t i = 0; i < t->n; i++)
            if (!empty_value(a, t->fields[i].type, &e[i]))
                return false;
        out->n = t->n;
        out->x.elems = e;
        return true;
    }
    case WACC_CT_STRING:
        *out = wacc_cval_string("", 0);
        return true;
    default:
        return true;        /* numbers: 0 */
    }
}

bool h3_error_code(wacc_arena *a, const wacc_ctype *t, const char *label, const char *msg, wacc_cval *out)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (strcmp(t->fields[i].label, label) == 0) {
            k = i;
            break;
        } else if (strcmp(t->fields[i].label, "internal-error") == 0) {
            k = i;          /* unknown labels become internal-error */
        }
    wacc_cval *p = NULL;
    const wacc_ctype *pt = t->fields[k].type;
    if (pt) {
        p = wacc_arena_alloc(a, sizeof *p);
        if (!p || !empty_value(a, pt, p))
            return false;
        if (msg && pt->kind == WACC_CT_OPTION && pt->elem && pt->elem->kind == WACC_CT_STRING) {
            size_t n = strlen(msg);
            char *s = wacc_arena_alloc(a, n + 1);
            wacc_cval *sv = wacc_arena_alloc(a, sizeof *sv);
            if (!s || !sv)
                return false;
            memcpy(s, msg, n + 1);
            *sv = wacc_cval_string(s, (uint32_t)n);
            *p = wacc_cval_variant(WACC_CT_OPTION, 1, sv);
        }
    }
    *out = wacc_cval_variant(t->kind, k, p);
    return true;
}

const char *h3_error_label(const wacc_ctype *t, const wacc_cval *v)
{
    return t && v->n < t->n ? t->fields[v->n].label : "internal-error";
}

static const wacc_ctype *u8t(void)
{
    return wacc_ctype_prim(WACC_CT_U8);
}

static const uint8_t *bytes_of(h3c *c, const wacc_cval *v)
{
    if (v->repr == WACC_CVAL_BYTES || v->n == 0)
        return v->x.bytes;
    uint8_t *b = wacc_arena_alloc(c->arena, v->n);
    return b ? wacc_cval_list_data(v, u8t(), b) : NULL;
}

static char *dup_str(const wacc_cval *v)
{
    char *s = malloc(v->n + 1);
    if (s) {
        memcpy(s, v->x.str, v->n);
        s[v->n] = '\0';
    }
    return s;
}

static wacc_cval str_val(const char *s)
{
    return wacc_cval_string(s, (uint32_t)strlen(s));
}

/* ---- fields ---- */

static h3_fields *fields_obj(h_fields *f)
{
    h3_fields *o = f ? calloc(1, sizeof *o) : NULL;
    if (o) {
        o->t = O3_FIELDS;
        o->f = f;
    } else {
        hf_free(f);
    }
    return o;
}

static uint32_t ret_fields(h3c *c, h_fields *f, bool ok_wrap)
{
    h3_fields *o = fields_obj(f);
    return o ? ret_own(c, o, ok_wrap) : WACC_TRAP_OUT_OF_MEMORY;
}

static h_fields *self_fields(h3c *c)
{
    h3_fields *o = h3_get(c->h, c->a[0].x.u, O3_FIELDS);
    return o ? o->f : NULL;
}

static uint32_t fields_new(h3c *c)
{
    return ret_fields(c, hf_new(false), false);
}

static uint32_t fields_from_list(h3c *c)
{
    h_fields *f = hf_new(false);
    if (!f)
        return WACC_TRAP_OUT_OF_MEMORY;
    const wacc_cval *l = &c->a[0];
    for (uint32_t i = 0; i < l->n; i++) {
        const wacc_cval *e = l->x.elems[i].x.elems;
        const uint8_t *v = bytes_of(c, &e[1]);
        const char *bad = hf_check(e[0].x.str, e[0].n, v, e[1].n, true);
        if (bad || !v) {
            hf_free(f);
            return ret_err_case(c, bad ? bad : "invalid-syntax");
        }
        if (!hf_add(f, e[0].x.str, e[0].n, v, e[1].n)) {
            hf_free(f);
            return WACC_TRAP_OUT_OF_MEMORY;
        }
    }
    return ret_fields(c, f, true);
}

static uint32_t values_of(h3c *c, h_fields *f, const char *name, size_t nlen, wacc_cval *out)
{
    uint32_t n = 0, at = 0;
    for (const h_field *e = hf_find(f, name, nlen, 0, &at); e; e = hf_find(f, name, nlen, at + 1, &at))
        n++;
    wacc_cval *v = n ? wacc_arena_alloc(c->arena, n * sizeof *v) : NULL;
    if (n && !v)
        return WACC_TRAP_OUT_OF_MEMORY;
    n = 0;
    for (const h_field *e = hf_find(f, name, nlen, 0, &at); e; e = hf_find(f, name, nlen, at + 1, &at))
        v[n++] = wacc_cval_list_bytes(e->val, e->vlen);
    *out = wacc_cval_list(v, n);
    return 0;
}

static uint32_t fields_get(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    wacc_cval v;
    uint32_t code = values_of(c, f, c->a[1].x.str, c->a[1].n, &v);
    return code ? code : ret(c, v);
}

static uint32_t fields_has(h3c *c)
{
    h_fields *f = self_fields(c);
    uint32_t at;
    if (!f)
        return WACC_TRAP_HOST;
    return ret(c, wacc_cval_bool(hf_find(f, c->a[1].x.str, c->a[1].n, 0, &at) != NULL));
}

static void remove_name(h_fields *f, const char *name, size_t nlen)
{
    uint32_t at;
    while (hf_find(f, name, nlen, 0, &at)) {
        free(f->e[at].name);
        free(f->e[at].val);
        memmove(&f->e[at], &f->e[at + 1], (f->n - at - 1) * sizeof *f->e);
        f->n--;
    }
}

static uint32_t fields_set(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    if (f->immutable)
        return ret_err_case(c, "immutable");
    const wacc_cval *name = &c->a[1], *vals = &c->a[2];
    for (uint32_t i = 0; i < vals->n; i++) {
        const uint8_t *v = bytes_of(c, &vals->x.elems[i]);
        const char *bad = hf_check(name->x.str, name->n, v, vals->x.elems[i].n, true);
        if (bad)
            return ret_err_case(c, bad);
    }
    if (vals->n == 0) {
        const char *bad = hf_check(name->x.str, name->n, NULL, 0, false);
        if (bad)
            return ret_err_case(c, bad);
    }
    remove_name(f, name->x.str, name->n);
    for (uint32_t i = 0; i < vals->n; i++)
        if (!hf_add(f, name->x.str, name->n, bytes_of(c, &vals->x.elems[i]), vals->x.elems[i].n))
            return WACC_TRAP_OUT_OF_MEMORY;
    return ret_ok(c, NULL);
}

static uint32_t fields_delete(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    if (f->immutable)
        return ret_err_case(c, "immutable");
    const char *bad = hf_check(c->a[1].x.str, c->a[1].n, NULL, 0, false);
    if (bad)
        return ret_err_case(c, bad);
    remove_name(f, c->a[1].x.str, c->a[1].n);
    return ret_ok(c, NULL);
}

static uint32_t fields_get_and_delete(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    if (f->immutable)
        return ret_err_case(c, "immutable");
    const char *bad = hf_check(c->a[1].x.str, c->a[1].n, NULL, 0, false);
    if (bad)
        return ret_err_case(c, bad);
    wacc_cval v;
    uint32_t code = values_of(c, f, c->a[1].x.str, c->a[1].n, &v);
    if (code)
        return code;
    /* the values point into f: copy them before the delete */
    for (uint32_t i = 0; i < v.n; i++) {
        uint8_t *b = wacc_arena_alloc(c->arena, v.x.elems[i].n + 1);
        if (!b)
            return WACC_TRAP_OUT_OF_MEMORY;
        memcpy(b, v.x.elems[i].x.bytes, v.x.elems[i].n);
        v.x.elems[i].x.bytes = b;
    }
    remove_name(f, c->a[1].x.str, c->a[1].n);
    return ret_ok(c, &v);
}

static uint32_t fields_append(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    if (f->immutable)
        return ret_err_case(c, "immutable");
    const uint8_t *v = bytes_of(c, &c->a[2]);
    const char *bad = hf_check(c->a[1].x.str, c->a[1].n, v, c->a[2].n, true);
    if (bad)
        return ret_err_case(c, bad);
    if (!hf_add(f, c->a[1].x.str, c->a[1].n, v, c->a[2].n))
        return WACC_TRAP_OUT_OF_MEMORY;
    return ret_ok(c, NULL);
}

static uint32_t fields_copy_all(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    wacc_cval *l = f->n ? wacc_arena_alloc(c->arena, f->n * sizeof *l) : NULL;
    wacc_cval *pairs = f->n ? wacc_arena_alloc(c->arena, 2 * f->n * sizeof *pairs) : NULL;
    if (f->n && (!l || !pairs))
        return WACC_TRAP_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < f->n; i++) {
        pairs[2 * i] = wacc_cval_string(f->e[i].name, f->e[i].nlen);
        pairs[2 * i + 1] = wacc_cval_list_bytes(f->e[i].val, f->e[i].vlen);
        l[i] = wacc_cval_tuple(&pairs[2 * i], 2);
    }
    return ret(c, wacc_cval_list(l, f->n));
}

static uint32_t fields_clone(h3c *c)
{
    h_fields *f = self_fields(c);
    if (!f)
        return WACC_TRAP_HOST;
    return ret_fields(c, hf_clone(f, false), false);
}

/* ---- request-options ---- */

static uint32_t opts_new(h3c *c)
{
    h3_opts *o = calloc(1, sizeof *o);
    if (!o)
        return WACC_TRAP_OUT_OF_MEMORY;
    o->t = O3_OPTIONS;
    return ret_own(c, o, false);
}

static uint32_t opts_get(h3c *c, int k)
{
    h3_opts *o = h3_get(c->h, c->a[0].x.u, O3_OPTIONS);
    if (!o)
        return WACC_TRAP_HOST;
    if (!o->has[k])
        return ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    return ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, box(c, wacc_cval_uint(WACC_CT_U64, o->ns[k]))));
}

static uint32_t opts_set(h3c *c, int k)
{
    h3_opts *o = h3_get(c->h, c->a[0].x.u, O3_OPTIONS);
    if (!o)
        return WACC_TRAP_HOST;
    if (o->immutable)
        return ret_err_case(c, "immutable");
    o->has[k] = c->a[1].n == 1;
    o->ns[k] = o->has[k] ? c->a[1].x.payload->x.u : 0;
    return ret_ok(c, NULL);
}

static uint32_t opts_get_connect(h3c *c) { return opts_get(c, 0); }
static uint32_t opts_set_connect(h3c *c) { return opts_set(c, 0); }
static uint32_t opts_get_first(h3c *c) { return opts_get(c, 1); }
static uint32_t opts_set_first(h3c *c) { return opts_set(c, 1); }
static uint32_t opts_get_between(h3c *c) { return opts_get(c, 2); }
static uint32_t opts_set_between(h3c *c) { return opts_set(c, 2); }

static h3_opts *opts_clone(const h3_opts *o, bool immutable)
{
    h3_opts *n = malloc(sizeof *n);
    if (n) {
        *n = *o;
        n->immutable = immutable;
    }
    return n;
}

static uint32_t opts_clone_fn(h3c *c)
{
    h3_opts *o = h3_get(c->h, c->a[0].x.u, O3_OPTIONS);
    if (!o)
        return WACC_TRAP_HOST;
    h3_opts *n = opts_clone(o, false);
    return n ? ret_own(c, n, false) : WACC_TRAP_OUT_OF_MEMORY;
}

/* ---- request and response ---- */

/* new(headers, contents, trailers[, options]) -> tuple<msg, future<result<_, error-code>>> */
static uint32_t msg_new(h3c *c, uint8_t t)
{
    h3_fields *hf = h3_take(c->h, c->a[0].x.u, O3_FIELDS);
    if (!hf)
        return WACC_TRAP_HOST;
    h3_msg *m = calloc(1, sizeof *m);
    if (!m) {
        obj_free(c->h, hf);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    m->t = t;
    m->headers = hf->f;
    m->headers->immutable = true;
    free(hf);
    m->status = 200;
    if (c->a[1].n == 1)
        m->contents = wacc_hend_take(c->h->ci, c->a[1].x.payload);
    m->trailers = wacc_hend_take(c->h->ci, &c->a[2]);
    if (t == O3_REQUEST && c->n > 3 && c->a[3].n == 1) {
        h3_opts *o = h3_take(c->h, c->a[3].x.payload->x.u, O3_OPTIONS);
        if (o)
            o->immutable = true;
        m->opts = o;
    }
    if (t == O3_REQUEST && !(m->method = strdup("GET"))) {
        h3_msg_free(c->h, m);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    wacc_cval fut;
    const wacc_ctype *ft = result_field(c, 1);
    m->result_w = ft ? wacc_hend_new(c->h->ci, ft, &fut) : NULL;
    uint32_t rep = m->result_w ? h3_add(c->h, m) : 0;
    if (!rep) {
        h3_msg_free(c->h, m);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    wacc_cval *e = wacc_arena_alloc(c->arena, 2 * sizeof *e);
    if (!e)
        return WACC_TRAP_OUT_OF_MEMORY;
    e[0] = wacc_cval_handle(WACC_CT_OWN, rep);
    e[1] = fut;
    return ret(c, wacc_cval_tuple(e, 2));
}

static uint32_t request_new(h3c *c) { return msg_new(c, O3_REQUEST); }
static uint32_t response_new(h3c *c) { return msg_new(c, O3_RESPONSE); }

static h3_msg *self_msg(h3c *c, uint8_t t)
{
    return h3_get(c->h, c->a[0].x.u, t);
}

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
                                       "OPTIONS", "TRACE", "PATCH" };

static uint32_t get_method(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    if (!m)
        return WACC_TRAP_HOST;
    for (uint32_t i = 0; i < 9; i++)
        if (strcmp(m->method, methods[i]) == 0)
            return ret(c, wacc_cval_variant(WACC_CT_VARIANT, i, NULL));
    return ret(c, wacc_cval_variant(WACC_CT_VARIANT, 9, box(c, str_val(m->method))));
}

static bool token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 32 || ch >= 127 || strchr("()<>@,;:\\\"/[]?={}", ch))
            return false;
    }
    return true;
}

static uint32_t set_method(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    if (!m)
        return WACC_TRAP_HOST;
    const wacc_cval *v = &c->a[1];
    char *s;
    if (v->n < 9) {
        s = strdup(methods[v->n]);
    } else {
        if (!token(v->x.payload->x.str, v->x.payload->n))
            return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
        s = dup_str(v->x.payload);
    }
    if (!s)
        return WACC_TRAP_OUT_OF_MEMORY;
    free(m->method);
    m->method = s;
    return ret_ok(c, NULL);
}

static uint32_t get_opt_str(h3c *c, bool has, const char *s)
{
    if (!has)
        return ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    return ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, box(c, str_val(s))));
}

static uint32_t set_opt_str(h3c *c, bool *has, char **s, bool (*ok)(const char *, size_t))
{
    const wacc_cval *v = &c->a[1];
    char *n = NULL;
    if (v->n == 1) {
        if (ok && !ok(v->x.payload->x.str, v->x.payload->n))
            return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
        if (!(n = dup_str(v->x.payload)))
            return WACC_TRAP_OUT_OF_MEMORY;
    }
    free(*s);
    *s = n;
    *has = v->n == 1;
    return ret_ok(c, NULL);
}

static bool path_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 32 || s[i] == 127)
            return false;
    return true;
}

static bool authority_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 32 || s[i] == 127 || s[i] == '/' || s[i] == '?' || s[i] == '#')
            return false;
    return true;
}

static uint32_t get_path(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    return m ? get_opt_str(c, m->has_path, m->path) : WACC_TRAP_HOST;
}

static uint32_t set_path(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    return m ? set_opt_str(c, &m->has_path, &m->path, path_ok) : WACC_TRAP_HOST;
}

static uint32_t get_authority(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    return m ? get_opt_str(c, m->has_auth, m->authority) : WACC_TRAP_HOST;
}

static uint32_t set_authority(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    return m ? set_opt_str(c, &m->has_auth, &m->authority, authority_ok) : WACC_TRAP_HOST;
}

static uint32_t get_scheme(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    if (!m)
        return WACC_TRAP_HOST;
    if (!m->has_scheme)
        return ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval v = strcmp(m->scheme, "http") == 0 ? wacc_cval_variant(WACC_CT_VARIANT, 0, NULL)
                : strcmp(m->scheme, "https") == 0 ? wacc_cval_variant(WACC_CT_VARIANT, 1, NULL)
                : wacc_cval_variant(WACC_CT_VARIANT, 2, box(c, str_val(m->scheme)));
    return ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, box(c, v)));
}

static uint32_t set_scheme(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    if (!m)
        return WACC_TRAP_HOST;
    const wacc_cval *v = &c->a[1];
    char *s = NULL;
    if (v->n == 1) {
        const wacc_cval *sc = v->x.payload;
        if (sc->n == 2) {
            const wacc_cval *o = sc->x.payload;
            if (o->n == 0 || !token(o->x.str, o->n))
                return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
            s = dup_str(o);
        } else {
            s = strdup(sc->n == 0 ? "http" : "https");
        }
        if (!s)
            return WACC_TRAP_OUT_OF_MEMORY;
    }
    free(m->scheme);
    m->scheme = s;
    m->has_scheme = v->n == 1;
    return ret_ok(c, NULL);
}

static uint32_t get_options(h3c *c)
{
    h3_msg *m = self_msg(c, O3_REQUEST);
    if (!m)
        return WACC_TRAP_HOST;
    if (!m->opts)
        return ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    h3_opts *o = opts_clone(m->opts, true);
    uint32_t rep = o ? h3_add(c->h, o) : 0;
    if (!rep) {
        free(o);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    return ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, box(c, wacc_cval_handle(WACC_CT_OWN, rep))));
}

static uint32_t msg_headers(h3c *c, uint8_t t)
{
    h3_msg *m = self_msg(c, t);
    if (!m)
        return WACC_TRAP_HOST;
    return ret_fields(c, hf_clone(m->headers, true), false);
}

static uint32_t request_headers(h3c *c) { return msg_headers(c, O3_REQUEST); }
static uint32_t response_headers(h3c *c) { return msg_headers(c, O3_RESPONSE); }

static uint32_t get_status(h3c *c)
{
    h3_msg *m = self_msg(c, O3_RESPONSE);
    return m ? ret(c, wacc_cval_uint(WACC_CT_U16, m->status)) : WACC_TRAP_HOST;
}

static uint32_t set_status(h3c *c)
{
    h3_msg *m = self_msg(c, O3_RESPONSE);
    if (!m)
        return WACC_TRAP_HOST;
    uint64_t s = c->a[1].x.u;
    if (s < 100 || s > 999)
        return ret(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
    m->status = (uint16_t)s;
    return ret_ok(c, NULL);
}

/* consume-body(this, res) -> tuple<stream<u8>, future<result<option<trailers>, error-code>>> */
static uint32_t consume_body(h3c *c, uint8_t t)
{
    h3_msg *m = h3_take(c->h, c->a[0].x.u, t);
    if (!m)
        return WACC_TRAP_HOST;
    wacc_hend *res = wacc_hend_take(c->h->ci, &c->a[1]);
    const wacc_ctype *st = result_field(c, 0), *ft = result_field(c, 1);
    wacc_cval *e = wacc_arena_alloc(c->arena, 2 * sizeof *e);
    wacc_hend *bw = st && e ? wacc_hend_new(c->h->ci, st, &e[0]) : NULL;
    wacc_hend *tw = bw && ft ? wacc_hend_new(c->h->ci, ft, &e[1]) : NULL;
    if (!tw) {
        if (bw)
            wacc_hend_drop(bw);
        if (res)
            wacc_hend_drop(res);
        h3_msg_free(c->h, m);
        return WACC_TRAP_OUT_OF_MEMORY;
    }
    if (m->x) {
        /* an incoming request: the server's exchange fills them */
        h3_incoming_body(m->x, bw, tw, res);
        m->x = NULL;
    } else if (m->cl) {
        /* a response of client.send: its transfer fills them */
        h3_client_body(m->cl, bw, tw, res);
        m->cl = NULL;
    } else {
        /* a message the guest built (or a client response): bytes move
         * host-side from its contents to the new stream (http_serve.c) */
        if (!h3_relay_body(c->h, m, bw, tw, res)) {
            h3_msg_free(c->h, m);
            return WACC_TRAP_OUT_OF_MEMORY;
        }
        m->contents = m->trailers = NULL;
    }
    h3_msg_free(c->h, m);
    return ret(c, wacc_cval_tuple(e, 2));
}

static uint32_t request_consume(h3c *c) { return consume_body(c, O3_REQUEST); }
static uint32_t response_consume(h3c *c) { return consume_body(c, O3_RESPONSE); }

/* ---- the resolver ---- */

static const struct {
    const char *name;
    h3_impl impl;
} table[] = {
    { "[constructor]fields", fields_new },
    { "[static]fields.from-list", fields_from_list },
    { "[method]fields.get", fields_get },
    { "[method]fields.has", fields_has },
    { "[method]fields.set", fields_set },
    { "[method]fields.delete", fields_delete },
    { "[method]fields.get-and-delete", fields_get_and_delete },
    { "[method]fields.append", fields_append },
    { "[method]fields.copy-all", fields_copy_all },
    { "[method]fields.clone", fields_clone },
    { "[static]request.new", request_new },
    { "[method]request.get-method", get_method },
    { "[method]request.set-method", set_method },
    { "[method]request.get-path-with-query", get_path },
    { "[method]request.set-path-with-query", set_path },
    { "[method]request.get-scheme", get_scheme },
    { "[method]request.set-scheme", set_scheme },
    { "[method]request.get-authority", get_authority },
    { "[method]request.set-authority", set_authority },
    { "[method]request.get-options", get_options },
    { "[method]request.get-headers", request_headers },
    { "[static]request.consume-body", request_consume },
    { "[constructor]request-options", opts_new },
    { "[method]request-options.get-connect-timeout", opts_get_connect },
    { "[method]request-options.set-connect-timeout", opts_set_connect },
    { "[method]request-options.get-first-byte-timeout", opts_get_first },
    { "[method]request-options.set-first-byte-timeout", opts_set_first },
    { "[method]request-options.get-between-bytes-timeout", opts_get_between },
    { "[method]request-options.set-between-bytes-timeout", opts_set_between },
    { "[method]request-options.clone", opts_clone_fn },
    { "[static]response.new", response_new },
    { "[method]response.get-status-code", get_status },
    { "[method]response.set-status-code", set_status },
    { "[method]response.get-headers", response_headers },
    { "[static]response.consume-body", response_consume },
};

static uint32_t trampoline(void *data, const wacc_cval *args, uint32_t nargs, wacc_cval *result,
                           wacc_arena *arena)
{
    h3_fn *fn = data;
    h3c c = { fn->h, fn->type, args, nargs, result, arena };
    if (!fn->h->ci)
        return WACC_TRAP_HOST;      /* during instantiation (a start function) */
    return fn->impl(&c);
}

static bool is_pkg(const char *instance, const char *iface)
{
    return w3_is_iface(instance, iface);        /* "wasi:http/types@0.3.0" (any 0.3.x) */
}

static int typed_func(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_fn *fn, void **data, char *err)
{
    wacc_wasi3_http *h = self;
    if (!is_pkg(instance, "wasi:http/types"))
        return W3_PASS;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) {
            h3_fn *f = calloc(1, sizeof *f);
            if (!f) {
                snprintf(err, WACC_ERR_LEN, "out of memory");
                return W3_NO;
            }
            f->h = h;
            f->type = type;
            f->impl = table[i].impl;
            f->next = h->fns;
            h->fns = f;
            *fn = trampoline;
            *data = f;
            return W3_YES;
        }
    snprintf(err, WACC_ERR_LEN, "%s#%s is not provided by the WASI 0.3 http host", instance, name);
    return W3_NO;
}

static int resource(void *self, const char *instance, const char *name, const wacc_resource_type **out)
{
    wacc_wasi3_http *h = self;
    /* client and handler re-export types' resources: the same types */
    if (!is_pkg(instance, "wasi:http/types") && !is_pkg(instance, "wasi:http/client") &&
        !is_pkg(instance, "wasi:http/handler"))
        return W3_PASS;
    if (strcmp(name, "fields") == 0 || strcmp(name, "headers") == 0 || strcmp(name, "trailers") == 0)
        *out = &h->rt_fields;
    else if (strcmp(name, "request") == 0)
        *out = &h->rt_request;
    else if (strcmp(name, "response") == 0)
        *out = &h->rt_response;
    else if (strcmp(name, "request-options") == 0)
        *out = &h->rt_options;
    return W3_YES;
}

static int async_func(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_async_fn *fn, void **data, char *err)
{
    wacc_wasi3_http *h = self;
    if (is_pkg(instance, "wasi:http/client") || is_pkg(instance, "wasi:http/handler"))
        return (strcmp(name, "send") == 0 || strcmp(name, "handle") == 0) &&
                       h3_client_func(h, type, fn, data, err)
                   ? W3_YES
                   : W3_NO;
    if (is_pkg(instance, "wasi:http/types"))
        return W3_NO;                   /* typed_func has them */
    return W3_PASS;
}

wacc_wasi3_http *wacc_wasi3_http_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN])
{
    wacc_wasi3_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, WACC_ERR_LEN, "out of memory");
        return NULL;
    }
    h->cfg = cfg;
    h->rt_fields = (wacc_resource_type){ NULL, dtor, h, "fields" };
    h->rt_request = (wacc_resource_type){ NULL, dtor, h, "request" };
    h->rt_response = (wacc_resource_type){ NULL, dtor, h, "response" };
    h->rt_options = (wacc_resource_type){ NULL, dtor, h, "request-options" };
    return h;
}

void wacc_wasi3_http_host(wacc_wasi3_http *h, const wacc_component_host *next, wacc_component_host *out)
{
    h->chain = (w3_chain){ .self = h, .typed_func = typed_func, .async_func = async_func,
                           .resource = resource };
    w3_chain_host(&h->chain, next, out);
}

void wacc_wasi3_http_bind(wacc_wasi3_http *h, wacc_store *s, wacc_cinstance *ci)
{
    h->s = s;
    h->ci = ci;
}

bool wacc_wasi3_is_http_service(wacc_cinstance *ci)
{
    return wacc_cinstance_func(ci, "wasi:http/handler@0.3.0#handle") != NULL;
}

void wacc_wasi3_http_free(wacc_wasi3_http *h)
{
    if (!h)
        return;
    h3_exchanges_free(h);
    h->ci = NULL;           /* the instance is gone: its ends with it */
    h3_clients_free(h);
    for (uint32_t i = 0; i < h->objs.n; i++)
        if (h->objs.v[i])
            obj_free(h, h->objs.v[i]);
    w3_slots_free(&h->objs);
    while (h->fns) {
        h3_fn *f = h->fns;
        h->fns = f->next;
        free(f);
    }
    free(h);
}
