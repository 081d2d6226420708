/*
 * http_fields.c — wasi:http/types fields (headers and trailers): names are
 * tokens (RFC 9110 5.1, stored lower-case), values are field-value bytes
 * (no CR, LF, NUL or other controls but tab), and the hop-by-hop and
 * host-owned names wasmtime-wasi-http forbids are refused; error-code
 * values for any case of the variant.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

h_fields *hf_new(bool immutable)
{
    h_fields *f = calloc(1, sizeof *f);
    if (f) {
        f->htype = H_FIELDS;
        f->immutable = immutable;
    }
    return f;
}

static void clear(h_fields *f)
{
    for (uint32_t i = 0; i < f->n; i++) {
        free(f->e[i].name);
        free(f->e[i].val);
    }
    f->n = 0;
}

void hf_free(h_fields *f)
{
    if (!f)
        return;
    clear(f);
    free(f->e);
    free(f);
}

bool hf_add(h_fields *f, const char *name, size_t nlen, const uint8_t *val, size_t vlen)
{
    if (f->n == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 8;
        h_field *e = realloc(f->e, cap * sizeof *e);
        if (!e)
            return false;
        f->e = e;
        f->cap = cap;
    }
    h_field *e = &f->e[f->n];
    e->name = malloc(nlen + 1);
    e->val = malloc(vlen ? vlen : 1);
    if (!e->name || !e->val) {
        free(e->name);
        free(e->val);
        return false;
    }
    for (size_t i = 0; i < nlen; i++)
        e->name[i] = (char)tolower((unsigned char)name[i]);
    e->name[nlen] = 0;
    if (vlen)
        memcpy(e->val, val, vlen);
    e->nlen = (uint32_t)nlen;
    e->vlen = (uint32_t)vlen;
    f->n++;
    return true;
}

h_fields *hf_clone(const h_fields *f, bool immutable)
{
    h_fields *d = hf_new(immutable);
    if (!d)
        return NULL;
    for (uint32_t i = 0; f && i < f->n; i++)
        if (!hf_add(d, f->e[i].name, f->e[i].nlen, f->e[i].val, f->e[i].vlen)) {
            hf_free(d);
            return NULL;
        }
    return d;
}

static bool same_name(const h_field *e, const char *name, size_t nlen)
{
    return e->nlen == nlen && strncasecmp(e->name, name, nlen) == 0;
}

const h_field *hf_find(const h_fields *f, const char *name, size_t nlen, uint32_t from, uint32_t *at)
{
    for (uint32_t i = from; i < f->n; i++)
        if (same_name(&f->e[i], name, nlen)) {
            if (at)
                *at = i;
            return &f->e[i];
        }
    return NULL;
}

static void remove_name(h_fields *f, const char *name, size_t nlen)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < f->n; i++) {
        if (same_name(&f->e[i], name, nlen)) {
            free(f->e[i].name);
            free(f->e[i].val);
        } else {
            f->e[k++] = f->e[i];
        }
    }
    f->n = k;
}

int64_t hf_content_length(const h_fields *f)
{
    const h_field *e = hf_find(f, "content-length", 14, 0, NULL);
    if (!e)
        return -1;
    if (e->vlen == 0 || e->vlen > 18)
        return -2;
    int64_t v = 0;
    for (uint32_t i = 0; i < e->vlen; i++) {
        if (e->val[i] < '0' || e->val[i] > '9')
            return -2;
        v = v * 10 + (e->val[i] - '0');
    }
    return v;
}

wacc_http_header *hf_headers(const h_fields *f, wacc_arena *a)
{
    wacc_http_header *h = wacc_arena_alloc(a, ((size_t)f->n + 1) * sizeof *h);
    if (!h)
        return NULL;
    for (uint32_t i = 0; i < f->n; i++) {
        h[i].name = f->e[i].name;
        h[i].name_len = f->e[i].nlen;
        h[i].value = f->e[i].val;
        h[i].value_len = f->e[i].vlen;
    }
    return h;
}

/* ---- validation ---- */

static bool tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* As wasmtime-wasi-http's DEFAULT_FORBIDDEN_HEADERS. */
static const char *const forbidden[] = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "transfer-encoding", "upgrade", "host", "http2-settings",
};

const char *hf_check(const char *name, size_t nlen, const uint8_t *val, size_t vlen, bool check_val)
{
    if (nlen == 0)
        return "invalid-syntax";
    for (size_t i = 0; i < nlen; i++)
        if (!tchar((unsigned char)name[i]))
            return "invalid-syntax";
    if (check_val)
        for (size_t i = 0; i < vlen; i++)
            if ((val[i] < 0x20 && val[i] != '\t') || val[i] == 0x7f)
                return "invalid-syntax";
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (strlen(forbidden[i]) == nlen && strncasecmp(forbidden[i], name, nlen) == 0)
            return "forbidden";
    return NULL;
}

/* ---- error-code values ---- */

/* The "nothing known" value of a payload type: none, or a record of them. */
static bool empty_value(w2_call *c, const wacc_ctype *t, wacc_cval *out)
{
    if (t->kind == WACC_CT_OPTION) {
        *out = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
        return true;
    }
    if (t->kind == WACC_CT_RECORD) {
        wacc_cval *f = wacc_arena_alloc(c->arena, ((size_t)t->n + 1) * sizeof *f);
        if (!f)
            return false;
        for (uint32_t i = 0; i < t->n; i++)
            if (!empty_value(c, t->fields[i].type, &f[i]))
                return false;
        *out = wacc_cval_record(f, t->n);
        return true;
    }
    return false;
}

bool h_error_code(w2_call *c, const wacc_ctype *et, const char *label, const char *msg, wacc_cval *out)
{
    uint32_t i = w2_label(et, label);
    if (i == UINT32_MAX || !et || et->kind != WACC_CT_VARIANT)
        return false;
    const wacc_ctype *pt = et->fields[i].type;
    wacc_cval *p = NULL;
    if (pt) {
        wacc_cval v;
        if (msg && pt->kind == WACC_CT_OPTION && pt->fields[1].type &&
            pt->fields[1].type->kind == WACC_CT_STRING) {
            wacc_cval *s = w2_box(c, w2_str(c, msg, strlen(msg)));
            if (!s)
                return false;
            v = wacc_cval_variant(WACC_CT_OPTION, 1, s);
        } else if (!empty_value(c, pt, &v)) {
            return false;
        }
        if (!(p = w2_box(c, v)))
            return false;
    }
    *out = wacc_cval_variant(WACC_CT_VARIANT, i, p);
    return true;
}

uint32_t h_future_subscribe(w2_call *c, uint8_t t, const char *what)
{
    if (!h_get(c->w, c->a[0].x.u, t))
        return w2_trap(c, what);
    return w2_new_pollable_src(c, K_OTHER, (uint32_t)c->a[0].x.u);
}

uint32_t h_future_none(w2_call *c)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
}

static uint32_t future_some(w2_call *c, wacc_cval v)
{
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, w2_box(c, v)));
}

uint32_t h_future_taken(w2_call *c)
{
    return future_some(c, wacc_cval_variant(WACC_CT_RESULT, 1, NULL));
}

uint32_t h_future_ok(w2_call *c, wacc_cval v)
{
    return future_some(c, wacc_cval_variant(WACC_CT_RESULT, 0,
                                            w2_box(c, wacc_cval_variant(WACC_CT_RESULT, 0, w2_box(c, v)))));
}

uint32_t h_future_error(w2_call *c, const char *label, const char *msg)
{
    const wacc_ctype *inner = w2_case_type(w2_case_type(c->rt, "some"), "ok");
    wacc_cval e;
    if (!h_error_code(c, w2_case_type(inner, "error"), label, msg, &e))
        return WACC_TRAP_HOST;
    return future_some(c, wacc_cval_variant(WACC_CT_RESULT, 0,
                                            w2_box(c, wacc_cval_variant(WACC_CT_RESULT, 1, w2_box(c, e)))));
}

uint32_t h_err(w2_call *c, const char *label, const char *msg)
{
    if (!c->rt || c->rt->kind != WACC_CT_RESULT || !c->rt->fields[1].type)
        return w2_trap(c, "http: result without an error-code");
    wacc_cval v;
    if (!h_error_code(c, c->rt->fields[1].type, label, msg, &v))
        return w2_err_label(c, label);
    wacc_cval *p = w2_box(c, v);
    if (!p)
        return WACC_TRAP_HOST;
    *c->res = wacc_cval_variant(WACC_CT_RESULT, 1, p);
    return 0;
}

/* ---- the fields resource ---- */

static uint32_t header_error(w2_call *c, const char *label)
{
    return w2_err_label(c, label);
}

static h_fields *self(w2_call *c)
{
    return h_get(c->w, c->a[0].x.u, H_FIELDS);
}

static const wacc_ctype *u8t(void)
{
    return wacc_ctype_prim(WACC_CT_U8);
}

/* Bytes of list<u8> value v (arena copy when it is not a byte buffer). */
static const uint8_t *bytes_of(w2_call *c, const wacc_cval *v)
{
    static const uint8_t none[1];
    if (v->repr == WACC_CVAL_BYTES)
        return v->n ? v->x.bytes : none;
    if (v->n == 0)
        return none;
    uint8_t *d = wacc_arena_alloc(c->arena, v->n);
    return d ? wacc_cval_list_data(v, u8t(), d) : NULL;
}

static uint32_t fields_new(w2_call *c)
{
    h_fields *f = hf_new(false);
    if (!f)
        return WACC_TRAP_HOST;
    return h_ret_fields(c, f);
}

static uint32_t fields_from_list(w2_call *c)
{
    const wacc_cval *l = &c->a[0];
    h_fields *f = hf_new(false);
    if (!f)
        return WACC_TRAP_HOST;
    for (uint32_t i = 0; i < l->n; i++) {
        const wacc_cval *t = &l->x.elems[i];
        const wacc_cval *nm = &t->x.elems[0], *vl = &t->x.elems[1];
        const uint8_t *vb = bytes_of(c, vl);
        if (!vb) {
            hf_free(f);
            return WACC_TRAP_HOST;
        }
        const char *bad = hf_check(nm->x.str, nm->n, vb, vl->n, true);
        if (bad) {
            hf_free(f);
            return header_error(c, bad);
        }
        if (!hf_add(f, nm->x.str, nm->n, vb, vl->n)) {
            hf_free(f);
            return WACC_TRAP_HOST;
        }
    }
    uint32_t rep = h_new_obj(c->w, f);
    if (!rep) {
        hf_free(f);
        return WACC_TRAP_HOST;
    }
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t fields_get(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    const wacc_cval *nm = &c->a[1];
    uint32_t n = 0, at;
    for (uint32_t i = 0; hf_find(f, nm->x.str, nm->n, i, &at); i = at + 1)
        n++;
    wacc_cval *v = wacc_arena_alloc(c->arena, ((size_t)n + 1) * sizeof *v);
    if (!v)
        return WACC_TRAP_HOST;
    n = 0;
    for (uint32_t i = 0; hf_find(f, nm->x.str, nm->n, i, &at); i = at + 1)
        v[n++] = w2_bytes(f->e[at].val, f->e[at].vlen);
    return w2_ret(c, wacc_cval_list(v, n));
}

static uint32_t fields_has(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    return w2_ret(c, wacc_cval_bool(hf_find(f, c->a[1].x.str, c->a[1].n, 0, NULL) != NULL));
}

static uint32_t fields_set(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    if (f->immutable)
        return header_error(c, "immutable");
    const wacc_cval *nm = &c->a[1], *vals = &c->a[2];
    const char *bad = hf_check(nm->x.str, nm->n, NULL, 0, false);
    const uint8_t **vb = wacc_arena_alloc(c->arena, ((size_t)vals->n + 1) * sizeof *vb);
    if (!vb)
        return WACC_TRAP_HOST;
    for (uint32_t i = 0; i < vals->n && !bad; i++) {
        if (!(vb[i] = bytes_of(c, &vals->x.elems[i])))
            return WACC_TRAP_HOST;
        bad = hf_check(nm->x.str, nm->n, vb[i], vals->x.elems[i].n, true);
    }
    if (bad)
        return header_error(c, bad);
    remove_name(f, nm->x.str, nm->n);
    for (uint32_t i = 0; i < vals->n; i++)
        if (!hf_add(f, nm->x.str, nm->n, vb[i], vals->x.elems[i].n))
            return WACC_TRAP_HOST;
    return w2_ok(c, NULL);
}

static uint32_t fields_delete(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    if (f->immutable)
        return header_error(c, "immutable");
    const char *bad = hf_check(c->a[1].x.str, c->a[1].n, NULL, 0, false);
    if (bad)
        return header_error(c, bad);
    remove_name(f, c->a[1].x.str, c->a[1].n);
    return w2_ok(c, NULL);
}

static uint32_t fields_append(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    if (f->immutable)
        return header_error(c, "immutable");
    const wacc_cval *nm = &c->a[1];
    const uint8_t *vb = bytes_of(c, &c->a[2]);
    if (!vb)
        return WACC_TRAP_HOST;
    const char *bad = hf_check(nm->x.str, nm->n, vb, c->a[2].n, true);
    if (bad)
        return header_error(c, bad);
    if (!hf_add(f, nm->x.str, nm->n, vb, c->a[2].n))
        return WACC_TRAP_HOST;
    return w2_ok(c, NULL);
}

static uint32_t fields_entries(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    wacc_cval *v = wacc_arena_alloc(c->arena, ((size_t)f->n * 3 + 1) * sizeof *v);
    if (!v)
        return WACC_TRAP_HOST;
    wacc_cval *kv = v + f->n;
    for (uint32_t i = 0; i < f->n; i++) {
        kv[2 * i] = wacc_cval_string(f->e[i].name, f->e[i].nlen);
        kv[2 * i + 1] = w2_bytes(f->e[i].val, f->e[i].vlen);
        v[i] = wacc_cval_tuple(&kv[2 * i], 2);
    }
    return w2_ret(c, wacc_cval_list(v, f->n));
}

static uint32_t fields_clone(w2_call *c)
{
    h_fields *f = self(c);
    if (!f)
        return w2_trap(c, "not a fields");
    h_fields *d = hf_clone(f, false);
    if (!d)
        return WACC_TRAP_HOST;
    return h_ret_fields(c, d);
}

const w2_fn w2_fns_http_fields[] = {
    { "wasi:http/types#[constructor]fields", fields_new },
    { "wasi:http/types#[static]fields.from-list", fields_from_list },
    { "wasi:http/types#[method]fields.get", fields_get },
    { "wasi:http/types#[method]fields.has", fields_has },
    { "wasi:http/types#[method]fields.set", fields_set },
    { "wasi:http/types#[method]fields.delete", fields_delete },
    { "wasi:http/types#[method]fields.append", fields_append },
    { "wasi:http/types#[method]fields.entries", fields_entries },
    { "wasi:http/types#[method]fields.clone", fields_clone },
    { NULL, NULL },
};
