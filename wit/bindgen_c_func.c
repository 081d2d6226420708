/*
 * bindgen_c_func.c — `wacc bindgen c`: one function's C signature and its
 * adapter: imports lower C values to core arguments and lift the results
 * back; exports lift core arguments, call the user's function and lower its
 * results (to a static return area when they do not fit in one core value,
 * with a cabi_post_* export that frees them). wit-bindgen's C conventions:
 * records, strings, lists, options, results, variants and tuples are passed
 * by pointer; an option parameter is `T *maybe_x` (NULL: none); an option
 * result is a bool return plus `T *ret`; a result is a bool return (true:
 * ok) plus `T *ret` / `E *err`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen_c_internal.h"

bool bg_symbol_add(bgen *g, const char *name);

typedef struct flatv {
    uint8_t type;               /* CF_* */
    char *expr;
} flatv;

typedef struct flatvs {
    uint32_t n, cap;
    flatv *v;
} flatvs;

static void fv_push(flatvs *f, uint8_t type, char *expr)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->v = realloc(f->v, f->cap * sizeof *f->v);
        if (f->v == NULL)
            abort();
    }
    f->v[f->n].type = type;
    f->v[f->n++].expr = expr;
}

static void fv_free(flatvs *f)
{
    for (uint32_t i = 0; i < f->n; i++)
        free(f->v[i].expr);
    free(f->v);
    f->n = f->cap = 0;
    f->v = NULL;
}

static const char *ctype(uint8_t t)
{
    return t == CF_I64 ? "int64_t" : t == CF_F32 ? "float" : t == CF_F64 ? "double" : "int32_t";
}

static char *tmp(bgen *g, const char *base) { return bg_fmt("%s%u", base, g->tmp++); }

/* ---- variant-like shapes ------------------------------------------------ */

typedef struct vshape {
    uint32_t n;
    const wit_type *cases[256];
    char *access[256];          /* ".val.ok", ".val.name", ".val" (relative to the value) */
    const char *tag;            /* "tag", "is_some", "is_err" */
} vshape;

static bool variant_shape(const wit_type *t0, vshape *v)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    memset(v, 0, sizeof *v);
    if (t->kind == WIT_T_OPTION) {
        v->n = 2, v->cases[1] = t->a, v->access[1] = bg_fmt(".val"), v->tag = "is_some";
        return true;
    }
    if (t->kind == WIT_T_RESULT) {
        v->n = 2, v->tag = "is_err";
        v->cases[0] = t->a, v->cases[1] = t->b;
        if (t->a) v->access[0] = bg_fmt(".val.ok");
        if (t->b) v->access[1] = bg_fmt(".val.err");
        return true;
    }
    if (t->kind == WIT_T_NAMED && d->kind == WIT_D_VARIANT && d->nfields <= 256) {
        v->n = d->nfields, v->tag = "tag";
        for (uint32_t i = 0; i < v->n; i++) {
            v->cases[i] = d->fields[i].type;
            if (v->cases[i]) {
                char *id = bg_ident(d->fields[i].name);
                v->access[i] = bg_fmt(".val.%s", id);
                free(id);
            }
        }
        return true;
    }
    return false;
}

static void vshape_free(vshape *v)
{
    for (uint32_t i = 0; i < v->n; i++)
        free(v->access[i]);
}

static char *widen(const char *e, uint8_t from, uint8_t to)
{
    if (from == to)
        return bg_fmt("%s", e);
    if (to == CF_I64 && from == CF_I32)
        return bg_fmt("(int64_t) (uint32_t) (%s)", e);
    if (to == CF_I32 && from == CF_F32)
        return bg_fmt("wit_bindgen_f32_i32(%s)", e);
    if (to == CF_I64 && from == CF_F32)
        return bg_fmt("(int64_t) (uint32_t) wit_bindgen_f32_i32(%s)", e);
    return bg_fmt("wit_bindgen_f64_i64(%s)", e);           /* f64 -> i64 */
}

static char *narrow(const char *e, uint8_t from, uint8_t to)
{
    if (from == to)
        return bg_fmt("%s", e);
    if (from == CF_I64 && to == CF_I32)
        return bg_fmt("(int32_t) (%s)", e);
    if (from == CF_I32 && to == CF_F32)
        return bg_fmt("wit_bindgen_i32_f32(%s)", e);
    if (from == CF_I64 && to == CF_F32)
        return bg_fmt("wit_bindgen_i32_f32((int32_t) (%s))", e);
    return bg_fmt("wit_bindgen_i64_f64(%s)", e);
}

/* ---- lower: a C value (expression without side effects) -> core values -- */

static void lower(bgen *g, wit_buf *b, const wit_type *t0, const char *val, flatvs *out)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    vshape vs;
    if (variant_shape(t0, &vs)) {
        uint8_t fl[BG_MAX_FLAT];
        uint32_t nf = bg_flatten(t0, fl, BG_MAX_FLAT);
        char **slots = calloc(nf, sizeof *slots);
        if (slots == NULL)
            abort();
        for (uint32_t i = 0; i < nf; i++) {
            slots[i] = tmp(g, "variant");
            wit_buf_printf(b, "%s %s = 0;\n", ctype(fl[i]), slots[i]);
        }
        wit_buf_printf(b, "switch ((int32_t) (%s).%s) {\n", val, vs.tag);
        for (uint32_t c = 0; c < vs.n; c++) {
            wit_buf_printf(b, "case %u: {\n%s = %u;\n", c, slots[0], c);
            if (vs.cases[c] != NULL) {
                char *pv = bg_fmt("(%s)%s", val, vs.access[c]);
                flatvs pay = {0};
                lower(g, b, vs.cases[c], pv, &pay);
                for (uint32_t j = 0; j < pay.n && j + 1 < nf; j++) {
                    char *w = widen(pay.v[j].expr, pay.v[j].type, fl[j + 1]);
                    wit_buf_printf(b, "%s = %s;\n", slots[j + 1], w);
                    free(w);
                }
                fv_free(&pay);
                free(pv);
            }
            wit_buf_puts(b, "break;\n}\n");
        }
        wit_buf_puts(b, "}\n");
        for (uint32_t i = 0; i < nf; i++)
            fv_push(out, fl[i], slots[i]);
        free(slots);
        vshape_free(&vs);
        return;
    }
    switch (t->kind) {
    case WIT_T_S64: case WIT_T_U64:
        fv_push(out, CF_I64, bg_fmt("(int64_t) (%s)", val));
        return;
    case WIT_T_F32: fv_push(out, CF_F32, bg_fmt("%s", val)); return;
    case WIT_T_F64: fv_push(out, CF_F64, bg_fmt("%s", val)); return;
    case WIT_T_STRING: case WIT_T_LIST: case WIT_T_MAP:
        fv_push(out, CF_I32, bg_fmt("(int32_t) (uintptr_t) (%s).ptr", val));
        fv_push(out, CF_I32, bg_fmt("(int32_t) (%s).len", val));
        return;
    case WIT_T_FIXED_LIST:
        for (uint32_t i = 0; i < t->len; i++) {
            char *e = bg_fmt("(%s).vals[%u]", val, i);
            lower(g, b, t->a, e, out);
            free(e);
        }
        return;
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) {
            char *e = bg_fmt("(%s).f%u", val, i);
            lower(g, b, t->elems[i], e, out);
            free(e);
        }
        return;
    case WIT_T_BORROW: {
        wit_typedef *real = wit_typedef_resource(t->def);
        if (real == NULL)
            real = wit_typedef_real(t->def);
        if (bg_resource_exported(g, real))
            fv_push(out, CF_I32, bg_fmt("(int32_t) (uintptr_t) (%s)", val));
        else
            fv_push(out, CF_I32, bg_fmt("(%s).__handle", val));
        return;
    }
    case WIT_T_OWN:
        fv_push(out, CF_I32, bg_fmt("(%s).__handle", val));
        return;
    case WIT_T_NAMED:
        if (d->kind == WIT_D_RECORD) {
            for (uint32_t i = 0; i < d->nfields; i++) {
                char *id = bg_ident(d->fields[i].name), *e = bg_fmt("(%s).%s", val, id);
                lower(g, b, d->fields[i].type, e, out);
                free(id), free(e);
            }
            return;
        }
        if (d->kind == WIT_D_RESOURCE) {
            fv_push(out, CF_I32, bg_fmt("(%s).__handle", val));
            return;
        }
        fv_push(out, CF_I32, bg_fmt("(int32_t) (%s)", val));      /* enum, flags */
        return;
    default:
        fv_push(out, CF_I32, bg_fmt("(int32_t) (%s)", val));
        return;
    }
}

/* ---- lift: core values in[*pos...] -> the C lvalue `target` --------------- */

static void lift(bgen *g, wit_buf *b, const wit_type *t0, const char *target, const flatv *in,
                 uint32_t *pos)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    vshape vs;
    if (variant_shape(t0, &vs)) {
        uint8_t fl[BG_MAX_FLAT];
        uint32_t nf = bg_flatten(t0, fl, BG_MAX_FLAT);
        const flatv *slots = in + *pos;
        wit_buf_printf(b, "switch ((int32_t) (%s)) {\n", slots[0].expr);
        for (uint32_t c = 0; c < vs.n; c++) {
            wit_buf_printf(b, "case %u: {\n", c);
            if (strcmp(vs.tag, "tag") == 0)
                wit_buf_printf(b, "(%s).tag = %u;\n", target, c);
            else
                wit_buf_printf(b, "(%s).%s = %s;\n", target, vs.tag, c ? "true" : "false");
            if (vs.cases[c] != NULL) {
                uint8_t pf[BG_MAX_FLAT];
                uint32_t np = bg_flatten(vs.cases[c], pf, BG_MAX_FLAT);
                flatvs pay = {0};
                for (uint32_t j = 0; j < np && j + 1 < nf; j++) {
                    char *v = tmp(g, "payload"), *e = narrow(slots[j + 1].expr, fl[j + 1], pf[j]);
                    wit_buf_printf(b, "%s %s = %s;\n", ctype(pf[j]), v, e);
                    free(e);
                    fv_push(&pay, pf[j], v);
                }
                uint32_t p = 0;
                char *tv = bg_fmt("(%s)%s", target, vs.access[c]);
                lift(g, b, vs.cases[c], tv, pay.v, &p);
                free(tv);
                fv_free(&pay);
            }
            wit_buf_puts(b, "break;\n}\n");
        }
        wit_buf_puts(b, "default: __builtin_trap();\n}\n");
        *pos += nf;
        vshape_free(&vs);
        return;
    }
    const char *v = in[*pos].expr;
    char *tn;
    switch (t->kind) {
    case WIT_T_BOOL:
        wit_buf_printf(b, "%s = (%s) != 0;\n", target, v);
        break;
    case WIT_T_STRING:
        wit_buf_printf(b, "(%s).ptr = (uint8_t *) (uintptr_t) (%s);\n(%s).len = (size_t) (%s);\n",
                       target, v, target, in[*pos + 1].expr);
        *pos += 2;
        return;
    case WIT_T_LIST: case WIT_T_MAP: {
        char *whole = bg_tname(g, t);
        wit_buf_printf(b, "(%s).ptr = (__typeof__((%s).ptr)) (uintptr_t) (%s);\n"
                          "(%s).len = (size_t) (%s);\n",
                       target, target, v, target, in[*pos + 1].expr);
        free(whole);
        *pos += 2;
        return;
    }
    case WIT_T_FIXED_LIST:
        for (uint32_t i = 0; i < t->len; i++) {
            char *e = bg_fmt("(%s).vals[%u]", target, i);
            lift(g, b, t->a, e, in, pos);
            free(e);
        }
        return;
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) {
            char *e = bg_fmt("(%s).f%u", target, i);
            lift(g, b, t->elems[i], e, in, pos);
            free(e);
        }
        return;
    case WIT_T_BORROW: {
        wit_typedef *real = wit_typedef_resource(t->def);
        if (real == NULL)
            real = wit_typedef_real(t->def);
        tn = bg_tname(g, t);
        if (bg_resource_exported(g, real))
            wit_buf_printf(b, "%s = (%s) (uintptr_t) (%s);\n", target, tn, v);
        else
            wit_buf_printf(b, "%s = (%s) { (int32_t) (%s) };\n", target, tn, v);
        free(tn);
        break;
    }
    case WIT_T_OWN:
        tn = bg_tname(g, t);
        wit_buf_printf(b, "%s = (%s) { (int32_t) (%s) };\n", target, tn, v);
        free(tn);
        break;
    case WIT_T_NAMED:
        if (d->kind == WIT_D_RECORD) {
            for (uint32_t i = 0; i < d->nfields; i++) {
                char *id = bg_ident(d->fields[i].name), *e = bg_fmt("(%s).%s", target, id);
                lift(g, b, d->fields[i].type, e, in, pos);
                free(id), free(e);
            }
            return;
        }
        tn = bg_tname(g, t);
        if (d->kind == WIT_D_RESOURCE)
            wit_buf_printf(b, "%s = (%s) { (int32_t) (%s) };\n", target, tn, v);
        else
            wit_buf_printf(b, "%s = (%s) (%s);\n", target, tn, v);
        free(tn);
        break;
    default:
        tn = bg_tname(g, t);
        wit_buf_printf(b, "%s = (%s) (%s);\n", target, tn, v);
        free(tn);
        break;
    }
    *pos += 1;
}

/* ---- signatures ------------------------------------------------------- */

char *bg_func_wasm_name(const wit_func *f, const wit_typedef *res)
{
    switch (f->kind) {
    case WIT_F_CONSTRUCTOR: return bg_fmt("[constructor]%s", res->name);
    case WIT_F_METHOD: return bg_fmt("[method]%s.%s", res->name, f->name);
    case WIT_F_STATIC: return bg_fmt("[static]%s.%s", res->name, f->name);
    default: return bg_fmt("%s", f->name);
    }
}

char *bg_func_cname(bgen *g, const wit_func *f, const wit_typedef *res)
{
    char *wn = bg_func_wasm_name(f, res), *sn = bg_snake(wn), *s;
    if (g->cx->iface == NULL)
        s = bg_fmt("%s%s_%s", g->cx->import ? "" : "exports_", g->ws, sn);
    else
        s = bg_fmt("%s_%s", g->cx->ns, sn);
    free(wn), free(sn);
    return s;
}

static bool by_pointer(const wit_type *t0)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    switch (t->kind) {
    case WIT_T_STRING: case WIT_T_LIST: case WIT_T_MAP: case WIT_T_TUPLE: case WIT_T_OPTION:
    case WIT_T_RESULT: case WIT_T_FIXED_LIST:
        return true;
    case WIT_T_NAMED:
        return d->kind == WIT_D_RECORD || d->kind == WIT_D_VARIANT;
    default:
        return false;
    }
}

void bg_build_sig(bgen *g, const wit_func *f, const wit_typedef *res, sig *s)
{
    memset(s, 0, sizeof *s);
    bool self = f->kind == WIT_F_METHOD;
    s->n = f->nparams + (self ? 1 : 0);
    s->p = calloc(s->n ? s->n : 1, sizeof *s->p);
    if (s->p == NULL)
        abort();
    uint32_t k = 0;
    if (self) {
        wit_type *bt = wit_alloc(g->r, sizeof *bt);
        if (bt == NULL)
            abort();
        bt->kind = WIT_T_BORROW;
        bt->name = res->name;
        bt->def = (wit_typedef *)res;
        s->p[k].type = bt;
        s->p[k++].name = bg_fmt("self");
    }
    for (uint32_t i = 0; i < f->nparams; i++, k++) {
        s->p[k].type = f->params[i].type;
        s->p[k].name = bg_ident(f->params[i].name);
        wit_typedef *d;
        const wit_type *t = bg_deref(f->params[i].type, &d);
        s->p[k].maybe = t->kind == WIT_T_OPTION;
        s->p[k].by_ptr = by_pointer(f->params[i].type);
    }
    const wit_type *rt = f->result;
    if (f->kind == WIT_F_CONSTRUCTOR && rt == NULL) {
        wit_type *ot = wit_alloc(g->r, sizeof *ot);
        if (ot == NULL)
            abort();
        ot->kind = WIT_T_OWN;
        ot->name = res->name;
        ot->def = (wit_typedef *)res;
        rt = ot;
    }
    s->result = rt;
    if (rt == NULL) {
        s->rkind = R_VOID;
    } else {
        wit_typedef *d;
        const wit_type *t = bg_deref(rt, &d);
        if (t->kind == WIT_T_OPTION) {
            s->rkind = R_OPTION;
            s->rp[s->nrp] = t->a, s->rpn[s->nrp++] = "ret";
        } else if (t->kind == WIT_T_RESULT) {
            s->rkind = R_RESULT;
            if (t->a)
                s->rp[s->nrp] = t->a, s->rpn[s->nrp++] = "ret";
            if (t->b)
                s->rp[s->nrp] = t->b, s->rpn[s->nrp++] = "err";
        } else if (by_pointer(rt)) {
            s->rkind = R_PTR;
            s->rp[s->nrp] = rt, s->rpn[s->nrp++] = "ret";
        } else {
            s->rkind = R_SCALAR;
        }
    }
    /* the text */
    s->cname = bg_func_cname(g, f, res);
    bg_symbol_add(g, s->cname);
    wit_buf b = {0};
    char *rtn = s->rkind == R_SCALAR ? bg_tname(g, rt) : NULL;
    wit_buf_printf(&b, "%s %s(", s->rkind == R_SCALAR ? rtn
                                 : (s->rkind == R_OPTION || s->rkind == R_RESULT) ? "bool" : "void",
                   s->cname);
    free(rtn);
    for (uint32_t i = 0; i < s->n; i++) {
        param *p = &s->p[i];
        char *tn;
        if (p->maybe) {
            wit_typedef *d;
            tn = bg_tname(g, bg_deref(p->type, &d)->a);
            wit_buf_printf(&b, "%s%s *maybe_%s", i ? ", " : "", tn, p->name);
        } else {
            tn = bg_tname(g, p->type);
            wit_buf_printf(&b, "%s%s %s%s", i ? ", " : "", tn, p->by_ptr ? "*" : "", p->name);
        }
        free(tn);
    }
    for (uint32_t i = 0; i < s->nrp; i++) {
        char *tn = bg_tname(g, s->rp[i]);
        wit_buf_printf(&b, "%s%s *%s", (i || s->n) ? ", " : "", tn, s->rpn[i]);
        free(tn);
    }
    if (s->n == 0 && s->nrp == 0)
        wit_buf_puts(&b, "void");
    wit_buf_puts(&b, ")");
    s->text = wit_buf_take(&b);
    if (s->text == NULL)
        abort();
}

void bg_sig_free(sig *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->p[i].name);
    free(s->p);
    free(s->cname);
    free(s->text);
}

/* Flat types of the parameters (count may exceed 16: then spilled). */
static uint32_t params_flat(const sig *s)
{
    uint32_t n = 0;
    uint8_t tmpf[BG_MAX_FLAT];
    for (uint32_t i = 0; i < s->n; i++)
        n += bg_flatten(s->p[i].type, tmpf, BG_MAX_FLAT);
    return n;
}

/* Offsets of the parameters in the spilled tuple; returns its layout. */
static void params_tuple(const sig *s, uint32_t *offs, uint32_t *size, uint32_t *align)
{
    uint32_t off = 0, al = 1;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t sz, a;
        bg_layout(s->p[i].type, &sz, &a);
        off = (off + a - 1) / a * a;
        offs[i] = off;
        off += sz;
        al = a > al ? a : al;
    }
    *size = (off + al - 1) / al * al;
    *align = al;
}

static void core_decl(wit_buf *b, const uint8_t *params, uint32_t np, int result,
                      const char *name)
{
    wit_buf_printf(b, "%s %s(", result ? ctype((uint8_t)result) : "void", name);
    for (uint32_t i = 0; i < np; i++)
        wit_buf_printf(b, "%s%s", i ? ", " : "", ctype(params[i]));
    if (np == 0)
        wit_buf_puts(b, "void");
    wit_buf_puts(b, ")");
}

/* ---- imports ---------------------------------------------------------- */

void bg_import_func(bgen *g, const wit_func *f, const wit_typedef *res)
{
    sig s;
    bg_build_sig(g, f, res, &s);
    char *wname = bg_func_wasm_name(f, res);
    if (f->docs) {
        const char *p = f->docs;
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            wit_buf_printf(&g->h_fns, "// %.*s\n", (int)n, p);
            p += n + (e ? 1 : 0);
        }
    }
    wit_buf_printf(&g->h_fns, "extern %s;\n", s.text);

    uint32_t npf = params_flat(&s);
    bool spill = npf > 16;
    uint8_t rf[BG_MAX_FLAT];
    uint32_t nrf = s.result ? bg_flatten(s.result, rf, BG_MAX_FLAT) : 0;
    bool retptr = nrf > 1;

    wit_buf *b = &g->c_adapters;
    wit_buf_printf(b, "\n%s {\n", s.text);
    /* C values of the parameters */
    char **vals = calloc(s.n ? s.n : 1, sizeof *vals);
    if (vals == NULL)
        abort();
    for (uint32_t i = 0; i < s.n; i++) {
        param *p = &s.p[i];
        if (p->maybe) {
            char *tn = bg_tname(g, p->type);
            wit_buf_printf(b, "%s %s;\n%s.is_some = maybe_%s != NULL;\n"
                              "if (maybe_%s) {\n  %s.val = *maybe_%s;\n}\n",
                           tn, p->name, p->name, p->name, p->name, p->name, p->name);
            free(tn);
            vals[i] = bg_fmt("%s", p->name);
        } else {
            vals[i] = bg_fmt(p->by_ptr ? "(*%s)" : "%s", p->name);
        }
    }
    flatvs args = {0};
    uint8_t core_params[BG_MAX_FLAT + 1];
    uint32_t ncp = 0;
    if (spill) {
        uint32_t *offs = calloc(s.n, sizeof *offs), size, align;
        if (offs == NULL)
            abort();
        params_tuple(&s, offs, &size, &align);
        wit_buf_printf(b, "__attribute__((__aligned__(%u)))\nuint8_t params_area[%u];\n", align,
                       size);
        for (uint32_t i = 0; i < s.n; i++)
            wit_buf_printf(b, "memcpy(params_area + %u, &%s, sizeof %s);\n", offs[i], vals[i],
                           vals[i]);
        fv_push(&args, CF_I32, bg_fmt("(int32_t) (uintptr_t) params_area"));
        free(offs);
    } else {
        for (uint32_t i = 0; i < s.n; i++)
            lower(g, b, s.p[i].type, vals[i], &args);
    }
    for (uint32_t i = 0; i < args.n && i < BG_MAX_FLAT; i++)
        core_params[ncp++] = args.v[i].type;
    if (retptr) {
        uint32_t size, align;
        bg_layout(s.result, &size, &align);
        wit_buf_printf(b, "__attribute__((__aligned__(%u)))\nuint8_t ret_area[%u];\n", align, size);
        fv_push(&args, CF_I32, bg_fmt("(int32_t) (uintptr_t) ret_area"));
        core_params[ncp++] = CF_I32;
    }
    /* the core import */
    char *iname = bg_fmt("__wasm_import_%s", s.cname);
    wit_buf_printf(&g->c_fns, "\n__attribute__((__import_module__(\"%s\"), __import_name__(\"%s\")))\nextern ",
                   g->cx->module, wname);
    core_decl(&g->c_fns, core_params, ncp, nrf == 1 ? rf[0] : 0, iname);
    wit_buf_puts(&g->c_fns, ";\n");
    /* the call */
    wit_buf call = {0};
    wit_buf_printf(&call, "%s(", iname);
    for (uint32_t i = 0; i < args.n; i++)
        wit_buf_printf(&call, "%s%s", i ? ", " : "", args.v[i].expr);
    wit_buf_puts(&call, ")");
    char *callx = wit_buf_take(&call);
    if (callx == NULL)
        abort();
    char *rtn = s.result ? bg_tname(g, s.result) : NULL;
    if (s.result == NULL) {
        wit_buf_printf(b, "%s;\n", callx);
    } else if (nrf == 1) {
        wit_buf_printf(b, "%s result_core = %s;\n%s result;\n", ctype(rf[0]), callx, rtn);
        flatv in = { rf[0], (char *)"result_core" };
        uint32_t pos = 0;
        lift(g, b, s.result, "result", &in, &pos);
    } else {
        wit_buf_printf(b, "%s;\n%s result;\nmemcpy(&result, ret_area, sizeof result);\n", callx,
                       rtn);
    }
    switch (s.rkind) {
    case R_SCALAR:
        wit_buf_puts(b, "return result;\n");
        break;
    case R_PTR:
        wit_buf_puts(b, "*ret = result;\n");
        break;
    case R_OPTION:
        wit_buf_puts(b, "if (result.is_some) {\n  *ret = result.val;\n  return true;\n}\nreturn false;\n");
        break;
    case R_RESULT: {
        wit_typedef *d;
        const wit_type *t = bg_deref(s.result, &d);
        wit_buf_printf(b, "if (!result.is_err) {\n%s  return true;\n} else {\n%s  return false;\n}\n",
                       t->a ? "  *ret = result.val.ok;\n" : "",
                       t->b ? "  *err = result.val.err;\n" : "");
        break;
    }
    default:
        break;
    }
    wit_buf_puts(b, "}\n");
    free(rtn), free(callx), free(iname), free(wname);
    for (uint32_t i = 0; i < s.n; i++)
        free(vals[i]);
    free(vals);
    fv_free(&args);
    bg_sig_free(&s);
}

/* ---- exports ---------------------------------------------------------- */

void bg_export_func(bgen *g, const wit_func *f, const wit_typedef *res)
{
    sig s;
    bg_build_sig(g, f, res, &s);
    char *wname = bg_func_wasm_name(f, res);
    char *ename = g->cx->iface ? bg_fmt("%s#%s", g->cx->module, wname) : bg_fmt("%s", wname);
    if (f->docs) {
        const char *p = f->docs;
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            wit_buf_printf(&g->h_fns, "// %.*s\n", (int)n, p);
            p += n + (e ? 1 : 0);
        }
    }
    wit_buf_printf(&g->h_fns, "%s;\n", s.text);

    uint8_t pf[BG_MAX_FLAT * 2];
    uint32_t npf = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        uint8_t t[BG_MAX_FLAT];
        uint32_t k = bg_flatten(s.p[i].type, t, BG_MAX_FLAT);
        for (uint32_t j = 0; j < k && npf < sizeof pf; j++)
            pf[npf++] = t[j];
    }
    bool spill = npf > 16;
    uint8_t rf[BG_MAX_FLAT];
    uint32_t nrf = s.result ? bg_flatten(s.result, rf, BG_MAX_FLAT) : 0;
    bool retptr = nrf > 1;

    wit_buf *b = &g->c_adapters;
    char *xname = bg_fmt("__wasm_export_%s", s.cname);
    wit_buf_printf(b, "\n__attribute__((__export_name__(\"%s\")))\n", ename);
    flatvs in = {0};
    wit_buf_printf(b, "%s %s(", retptr ? "int32_t" : nrf == 1 ? ctype(rf[0]) : "void", xname);
    uint32_t ncore = spill ? 1 : npf;
    for (uint32_t i = 0; i < ncore; i++) {
        char *a = bg_fmt("arg%u", i);
        wit_buf_printf(b, "%s%s %s", i ? ", " : "", ctype(spill ? CF_I32 : pf[i]), a);
        fv_push(&in, spill ? CF_I32 : pf[i], a);
    }
    if (ncore == 0)
        wit_buf_puts(b, "void");
    wit_buf_puts(b, ")");
    wit_buf_puts(b, " {\n");
    /* lift the parameters */
    if (spill) {
        uint32_t *offs = calloc(s.n, sizeof *offs), size, align;
        if (offs == NULL)
            abort();
        params_tuple(&s, offs, &size, &align);
        wit_buf_puts(b, "uint8_t *params_ptr = (uint8_t *) (uintptr_t) arg0;\n");
        for (uint32_t i = 0; i < s.n; i++) {
            char *tn = bg_tname(g, s.p[i].type);
            wit_buf_printf(b, "%s p%u;\nmemcpy(&p%u, params_ptr + %u, sizeof p%u);\n", tn, i, i,
                           offs[i], i);
            free(tn);
        }
        wit_buf_puts(b, "free(params_ptr);\n");
        free(offs);
    } else {
        uint32_t pos = 0;
        for (uint32_t i = 0; i < s.n; i++) {
            char *tn = bg_tname(g, s.p[i].type), *pv = bg_fmt("p%u", i);
            wit_buf_printf(b, "%s %s;\n", tn, pv);
            lift(g, b, s.p[i].type, pv, in.v, &pos);
            free(tn), free(pv);
        }
    }
    /* the call */
    wit_buf args = {0};
    for (uint32_t i = 0; i < s.n; i++) {
        const param *p = &s.p[i];
        if (p->maybe)
            wit_buf_printf(&args, "%sp%u.is_some ? &p%u.val : NULL", i ? ", " : "", i, i);
        else
            wit_buf_printf(&args, "%s%sp%u", i ? ", " : "", p->by_ptr ? "&" : "", i);
    }
    char *rtn = s.result ? bg_tname(g, s.result) : NULL;
    const char *sep = s.n ? ", " : "";
    char *ax = wit_buf_take(&args);
    if (ax == NULL)
        ax = bg_fmt("%s", "");
    switch (s.rkind) {
    case R_VOID:
        wit_buf_printf(b, "%s(%s);\n", s.cname, ax);
        break;
    case R_SCALAR:
        wit_buf_printf(b, "%s result = %s(%s);\n", rtn, s.cname, ax);
        break;
    case R_PTR:
        wit_buf_printf(b, "%s result;\n%s(%s%s&result);\n", rtn, s.cname, ax, sep);
        break;
    case R_OPTION: {
        char *pt = bg_tname(g, s.rp[0]);
        wit_buf_printf(b, "%s result;\n%s payload;\nresult.is_some = %s(%s%s&payload);\n"
                          "if (result.is_some) {\n  result.val = payload;\n}\n",
                       rtn, pt, s.cname, ax, sep);
        free(pt);
        break;
    }
    case R_RESULT: {
        wit_typedef *d;
        const wit_type *t = bg_deref(s.result, &d);
        wit_buf_printf(b, "%s result;\n", rtn);
        wit_buf cargs = {0};
        wit_buf_puts(&cargs, ax);
        bool first = s.n == 0;
        if (t->a) {
            char *tn = bg_tname(g, t->a);
            wit_buf_printf(b, "%s ok;\n", tn);
            wit_buf_printf(&cargs, "%s&ok", first ? "" : ", ");
            first = false;
            free(tn);
        }
        if (t->b) {
            char *tn = bg_tname(g, t->b);
            wit_buf_printf(b, "%s err;\n", tn);
            wit_buf_printf(&cargs, "%s&err", first ? "" : ", ");
            free(tn);
        }
        char *cx = wit_buf_take(&cargs);
        wit_buf_printf(b, "result.is_err = !%s(%s);\n", s.cname, cx ? cx : "");
        if (t->a)
            wit_buf_puts(b, "if (!result.is_err) {\n  result.val.ok = ok;\n}\n");
        if (t->b)
            wit_buf_puts(b, "if (result.is_err) {\n  result.val.err = err;\n}\n");
        free(cx);
        break;
    }
    }
    /* lower the result */
    if (s.result != NULL && nrf == 1) {
        flatvs out = {0};
        lower(g, b, s.result, "result", &out);
        wit_buf_printf(b, "return %s;\n", out.v[0].expr);
        fv_free(&out);
    } else if (retptr) {
        uint32_t size, align;
        bg_layout(s.result, &size, &align);
        g->ret_size = size > g->ret_size ? size : g->ret_size;
        g->ret_align = align > g->ret_align ? align : g->ret_align;
        wit_buf_puts(b, "memcpy(RET_AREA, &result, sizeof result);\n"
                        "return (int32_t) (uintptr_t) RET_AREA;\n");
    }
    wit_buf_puts(b, "}\n");
    /* post-return: frees what the result points to */
    if (retptr && bg_needs_free(s.result)) {
        wit_buf_printf(b, "\n__attribute__((__weak__, __export_name__(\"cabi_post_%s\")))\n"
                          "void %s_post_return(int32_t arg0) {\n", ename, xname);
        char *e = bg_fmt("(%s *) (uintptr_t) arg0", rtn);
        bg_free_stmt(g, b, s.result, e);
        free(e);
        wit_buf_puts(b, "}\n");
    }
    free(ax), free(rtn), free(xname), free(wname), free(ename);
    fv_free(&in);
    bg_sig_free(&s);
}
