/*
 * bindgen_c_host.c — `wacc bindgen c --host`: typed C functions over wacc.h
 * for a host that instantiates a component of the world. The C types are
 * the guest bindings' (same names), in native memory:
 *   - each export of the world is a function the host calls,
 *     `bool <world>_call_<name>(<world>_host_t *h, params..., RESULT *ret)`
 *     (false on a trap: h->trap); *ret is malloc'd, free it with *_free;
 *   - each import of the world is a plain C function the host defines, with
 *     the guest's signature plus `<world>_host_t *h` first (parameters are
 *     borrowed for the call; results are malloc'd by the host and freed by
 *     the bindings);
 *   - <world>_host_instantiate links those, asks `fallback` (e.g. the WASI
 *     0.2 host, wacc_wasi2_host) for every other import.
 *   - each resource the world imports is implemented by the host: its
 *     handles are `<ns>_own_<r>_t` / `<ns>_borrow_<r>_t` holding the
 *     host's representation (`rep`, any u32 the host picks: the runtime
 *     maps it to and from the component's handle table); the constructor,
 *     methods and static functions are imports like any other (the
 *     guest's names, `h` first); the host also defines
 *     `void <ns>_<r>_destructor(<world>_host_t *h, uint32_t rep)`, called
 *     when the component drops an owning handle. The resource types live
 *     in the <world>_host_t: it must not move while the instance lives.
 *   - each resource the world exports (the component implements it): its
 *     handles hold the component's rep; its constructor, methods and static
 *     functions are calls like other exports; `<ns>_<r>_drop_own(h, own)`
 *     runs the component's destructor.
 * Values cross as wacc_cval (abi-glue/abi.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindgen_c_internal.h"

static char *tmpn(bgen *g, const char *base) { return bg_fmt("%s%u", base, g->tmp++); }

/* ---- C value -> wacc_cval (strings and arrays copied into arena `ar`) ---- */

static void to_cval(bgen *g, wit_buf *b, const wit_type *t0, const char *v, const char *target)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    switch (t->kind) {
    case WIT_T_BOOL: wit_buf_printf(b, "%s = wacc_cval_bool(%s);\n", target, v); return;
    case WIT_T_S8: case WIT_T_S16: case WIT_T_S32: case WIT_T_S64: {
        static const char *const k[] = { [WIT_T_S8] = "S8", [WIT_T_S16] = "S16", [WIT_T_S32] = "S32",
                                         [WIT_T_S64] = "S64" };
        wit_buf_printf(b, "%s = wacc_cval_sint(WACC_CT_%s, (int64_t) (%s));\n", target, k[t->kind], v);
        return;
    }
    case WIT_T_U8: case WIT_T_U16: case WIT_T_U32: case WIT_T_U64: {
        static const char *const k[] = { [WIT_T_U8] = "U8", [WIT_T_U16] = "U16", [WIT_T_U32] = "U32",
                                         [WIT_T_U64] = "U64" };
        wit_buf_printf(b, "%s = wacc_cval_uint(WACC_CT_%s, (uint64_t) (%s));\n", target, k[t->kind], v);
        return;
    }
    case WIT_T_F32: wit_buf_printf(b, "%s = wacc_cval_f32(%s);\n", target, v); return;
    case WIT_T_F64: wit_buf_printf(b, "%s = wacc_cval_f64(%s);\n", target, v); return;
    case WIT_T_CHAR: wit_buf_printf(b, "%s = wacc_cval_char(%s);\n", target, v); return;
    case WIT_T_STRING: {
        char *s = tmpn(g, "str");
        wit_buf_printf(b, "char *%s = wit_host_alloc(ar, (%s).len);\nif ((%s).len) memcpy(%s, (%s).ptr, (%s).len);\n"
                          "%s = wacc_cval_string(%s, (uint32_t) (%s).len);\n",
                       s, v, v, s, v, v, target, s, v);
        free(s);
        return;
    }
    case WIT_T_LIST: case WIT_T_FIXED_LIST: {
        char *e = tmpn(g, "elems"), *i = tmpn(g, "i");
        const char *n = t->kind == WIT_T_LIST ? bg_fmt("(%s).len", v) : bg_fmt("%u", t->len);
        const char *field = t->kind == WIT_T_LIST ? "ptr" : "vals";
        wit_buf_printf(b, "wacc_cval *%s = wit_host_alloc(ar, (%s) * sizeof(wacc_cval));\n"
                          "for (size_t %s = 0; %s < (%s); %s++) {\n", e, n, i, i, n, i);
        char *ev = bg_fmt("(%s).%s[%s]", v, field, i), *et = bg_fmt("%s[%s]", e, i);
        to_cval(g, b, t->a, ev, et);
        wit_buf_printf(b, "}\n%s = wacc_cval_list(%s, (uint32_t) (%s));\n", target, e, n);
        free(ev), free(et), free(e), free(i), free((char *)n);
        return;
    }
    case WIT_T_TUPLE: {
        char *e = tmpn(g, "elems");
        wit_buf_printf(b, "wacc_cval *%s = wit_host_alloc(ar, %u * sizeof(wacc_cval));\n", e, t->n);
        for (uint32_t i = 0; i < t->n; i++) {
            char *ev = bg_fmt("(%s).f%u", v, i), *et = bg_fmt("%s[%u]", e, i);
            to_cval(g, b, t->elems[i], ev, et);
            free(ev), free(et);
        }
        wit_buf_printf(b, "%s = wacc_cval_tuple(%s, %u);\n", target, e, t->n);
        free(e);
        return;
    }
    case WIT_T_OPTION: case WIT_T_RESULT: {
        char *p = tmpn(g, "payload");
        const char *tag = t->kind == WIT_T_OPTION ? "is_some" : "is_err";
        wit_buf_printf(b, "wacc_cval *%s = NULL;\n", p);
        const wit_type *c0 = t->kind == WIT_T_OPTION ? NULL : t->a;
        const wit_type *c1 = t->kind == WIT_T_OPTION ? t->a : t->b;
        const char *a0 = "val.ok", *a1 = t->kind == WIT_T_OPTION ? "val" : "val.err";
        for (int c = 0; c < 2; c++) {
            const wit_type *ct = c ? c1 : c0;
            if (ct == NULL)
                continue;
            wit_buf_printf(b, "if (%s(%s).%s) {\n%s = wit_host_alloc(ar, sizeof(wacc_cval));\n",
                           c ? "" : "!", v, tag, p);
            char *ev = bg_fmt("(%s).%s", v, c ? a1 : a0), *et = bg_fmt("(*%s)", p);
            to_cval(g, b, ct, ev, et);
            free(ev), free(et);
            wit_buf_puts(b, "}\n");
        }
        wit_buf_printf(b, "%s = wacc_cval_variant(WACC_CT_%s, (%s).%s ? 1 : 0, %s);\n", target,
                       t->kind == WIT_T_OPTION ? "OPTION" : "RESULT", v, tag, p);
        free(p);
        return;
    }
    case WIT_T_OWN: case WIT_T_BORROW:
        wit_buf_printf(b, "%s = wacc_cval_handle(WACC_CT_%s, (%s).rep);\n", target,
                       t->kind == WIT_T_OWN ? "OWN" : "BORROW", v);
        return;
    case WIT_T_NAMED:
        switch (d->kind) {
        case WIT_D_RESOURCE:
            wit_buf_printf(b, "%s = wacc_cval_handle(WACC_CT_OWN, (%s).rep);\n", target, v);
            return;
        case WIT_D_RECORD: {
            char *e = tmpn(g, "fields");
            wit_buf_printf(b, "wacc_cval *%s = wit_host_alloc(ar, %u * sizeof(wacc_cval));\n", e,
                           d->nfields);
            for (uint32_t i = 0; i < d->nfields; i++) {
                char *id = bg_ident(d->fields[i].name);
                char *ev = bg_fmt("(%s).%s", v, id), *et = bg_fmt("%s[%u]", e, i);
                to_cval(g, b, d->fields[i].type, ev, et);
                free(id), free(ev), free(et);
            }
            wit_buf_printf(b, "%s = wacc_cval_record(%s, %u);\n", target, e, d->nfields);
            free(e);
            return;
        }
        case WIT_D_VARIANT: {
            char *p = tmpn(g, "payload");
            wit_buf_printf(b, "wacc_cval *%s = NULL;\nswitch ((%s).tag) {\n", p, v);
            for (uint32_t i = 0; i < d->nfields; i++) {
                if (d->fields[i].type == NULL)
                    continue;
                char *id = bg_ident(d->fields[i].name);
                char *ev = bg_fmt("(%s).val.%s", v, id), *et = bg_fmt("(*%s)", p);
                wit_buf_printf(b, "case %u:\n%s = wit_host_alloc(ar, sizeof(wacc_cval));\n", i, p);
                to_cval(g, b, d->fields[i].type, ev, et);
                wit_buf_puts(b, "break;\n");
                free(id), free(ev), free(et);
            }
            wit_buf_printf(b, "default:\nbreak;\n}\n%s = wacc_cval_variant(WACC_CT_VARIANT, (%s).tag, %s);\n",
                           target, v, p);
            free(p);
            return;
        }
        case WIT_D_ENUM:
            wit_buf_printf(b, "%s = wacc_cval_variant(WACC_CT_ENUM, (uint32_t) (%s), NULL);\n", target, v);
            return;
        case WIT_D_FLAGS:
            wit_buf_printf(b, "%s = wacc_cval_flags((uint32_t) (%s));\n", target, v);
            return;
        default:
            break;
        }
        break;
    default:
        break;
    }
    bg_fail(g, "bindgen --host: this type is not supported by host bindings yet");
}

/* ---- wacc_cval (pointer expression v) -> C value (malloc'd) ---- */

static void from_cval(bgen *g, wit_buf *b, const wit_type *t0, const char *v, const char *target)
{
    wit_typedef *d;
    const wit_type *t = bg_deref(t0, &d);
    char *tn;
    switch (t->kind) {
    case WIT_T_BOOL: wit_buf_printf(b, "%s = (%s)->x.b;\n", target, v); return;
    case WIT_T_S8: case WIT_T_S16: case WIT_T_S32: case WIT_T_S64:
        tn = bg_tname(g, t);
        wit_buf_printf(b, "%s = (%s) (%s)->x.s;\n", target, tn, v);
        free(tn);
        return;
    case WIT_T_U8: case WIT_T_U16: case WIT_T_U32: case WIT_T_U64:
        tn = bg_tname(g, t);
        wit_buf_printf(b, "%s = (%s) (%s)->x.u;\n", target, tn, v);
        free(tn);
        return;
    case WIT_T_F32: wit_buf_printf(b, "%s = (%s)->x.f32;\n", target, v); return;
    case WIT_T_F64: wit_buf_printf(b, "%s = (%s)->x.f64;\n", target, v); return;
    case WIT_T_CHAR: wit_buf_printf(b, "%s = (%s)->x.ch;\n", target, v); return;
    case WIT_T_STRING:
        wit_buf_printf(b, "(%s).len = (%s)->n;\n(%s).ptr = wit_host_malloc((%s)->n);\n"
                          "if ((%s)->n) memcpy((%s).ptr, (%s)->x.str, (%s)->n);\n",
                       target, v, target, v, v, target, v, v);
        return;
    case WIT_T_LIST: case WIT_T_FIXED_LIST: {
        char *i = tmpn(g, "i"), *et = bg_tname(g, t->a);
        if (t->kind == WIT_T_LIST)
            wit_buf_printf(b, "(%s).len = (%s)->n;\n(%s).ptr = wit_host_malloc((%s)->n * sizeof(%s));\n",
                           target, v, target, v, et);
        wit_buf_printf(b, "for (size_t %s = 0; %s < (%s)->n; %s++) {\n", i, i, v, i);
        char *ev = bg_fmt("(&(%s)->x.elems[%s])", v, i);
        char *tt = bg_fmt("(%s).%s[%s]", target, t->kind == WIT_T_LIST ? "ptr" : "vals", i);
        from_cval(g, b, t->a, ev, tt);
        wit_buf_puts(b, "}\n");
        free(i), free(et), free(ev), free(tt);
        return;
    }
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) {
            char *ev = bg_fmt("(&(%s)->x.elems[%u])", v, i), *tt = bg_fmt("(%s).f%u", target, i);
            from_cval(g, b, t->elems[i], ev, tt);
            free(ev), free(tt);
        }
        return;
    case WIT_T_OPTION: case WIT_T_RESULT: {
        const char *tag = t->kind == WIT_T_OPTION ? "is_some" : "is_err";
        wit_buf_printf(b, "(%s).%s = (%s)->n != 0;\n", target, tag, v);
        const wit_type *c0 = t->kind == WIT_T_OPTION ? NULL : t->a;
        const wit_type *c1 = t->kind == WIT_T_OPTION ? t->a : t->b;
        const char *a0 = "val.ok", *a1 = t->kind == WIT_T_OPTION ? "val" : "val.err";
        for (int c = 0; c < 2; c++) {
            const wit_type *ct = c ? c1 : c0;
            if (ct == NULL)
                continue;
            wit_buf_printf(b, "if ((%s)->n == %d && (%s)->x.payload) {\n", v, c, v);
            char *ev = bg_fmt("((%s)->x.payload)", v), *tt = bg_fmt("(%s).%s", target, c ? a1 : a0);
            from_cval(g, b, ct, ev, tt);
            free(ev), free(tt);
            wit_buf_puts(b, "}\n");
        }
        return;
    }
    case WIT_T_OWN: case WIT_T_BORROW:
        wit_buf_printf(b, "(%s).rep = (uint32_t) (%s)->x.u;\n", target, v);
        return;
    case WIT_T_NAMED:
        switch (d->kind) {
        case WIT_D_RESOURCE:
            wit_buf_printf(b, "(%s).rep = (uint32_t) (%s)->x.u;\n", target, v);
            return;
        case WIT_D_RECORD:
            for (uint32_t i = 0; i < d->nfields; i++) {
                char *id = bg_ident(d->fields[i].name);
                char *ev = bg_fmt("(&(%s)->x.elems[%u])", v, i), *tt = bg_fmt("(%s).%s", target, id);
                from_cval(g, b, d->fields[i].type, ev, tt);
                free(id), free(ev), free(tt);
            }
            return;
        case WIT_D_VARIANT:
            wit_buf_printf(b, "(%s).tag = (%s)->n;\nswitch ((%s)->n) {\n", target, v, v);
            for (uint32_t i = 0; i < d->nfields; i++) {
                if (d->fields[i].type == NULL)
                    continue;
                char *id = bg_ident(d->fields[i].name);
                char *ev = bg_fmt("((%s)->x.payload)", v), *tt = bg_fmt("(%s).val.%s", target, id);
                wit_buf_printf(b, "case %u:\n", i);
                from_cval(g, b, d->fields[i].type, ev, tt);
                wit_buf_puts(b, "break;\n");
                free(id), free(ev), free(tt);
            }
            wit_buf_puts(b, "default:\nbreak;\n}\n");
            return;
        case WIT_D_ENUM:
            tn = bg_tname(g, t0);
            wit_buf_printf(b, "%s = (%s) (%s)->n;\n", target, tn, v);
            free(tn);
            return;
        case WIT_D_FLAGS:
            tn = bg_tname(g, t0);
            wit_buf_printf(b, "%s = (%s) (%s)->x.u;\n", target, tn, v);
            free(tn);
            return;
        default:
            break;
        }
        break;
    default:
        break;
    }
    bg_fail(g, "bindgen --host: this type is not supported by host bindings yet");
}

/* ---- functions ---- */

static void docs_fn(wit_buf *b, const char *docs)
{
    for (const char *p = docs; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        wit_buf_printf(b, "// %.*s\n", (int)n, p);
        p += n + (e ? 1 : 0);
    }
}

/* The host calls an export of the component. */
void bg_host_export_func(bgen *g, const wit_func *f, const wit_typedef *res)
{
    sig s;
    bg_build_sig(g, f, res, &s);
    char *wname = bg_func_wasm_name(f, res);
    char *lookup = g->cx->iface ? bg_fmt("%s#%s", g->cx->module, wname) : bg_fmt("%s", wname);
    const char *base = strncmp(s.cname, "exports_", 8) == 0 ? s.cname + 8 : s.cname;
    char *name = bg_fmt("%s_call_%s", g->ws, base);
    uint32_t idx = g->nhost_exports++;
    wit_buf_printf(&g->host_exports, "    \"%s\",\n", lookup);
    /* the signature: h, the guest-style parameters, one result pointer */
    wit_buf sigb = {0};
    wit_buf_printf(&sigb, "bool %s(%s_host_t *h", name, g->ws);
    for (uint32_t i = 0; i < s.n; i++) {
        param *p = &s.p[i];
        char *tn;
        if (p->maybe) {
            wit_typedef *d;
            tn = bg_tname(g, bg_deref(p->type, &d)->a);
            wit_buf_printf(&sigb, ", %s *maybe_%s", tn, p->name);
        } else {
            tn = bg_tname(g, p->type);
            wit_buf_printf(&sigb, ", %s %s%s", tn, p->by_ptr ? "*" : "", p->name);
        }
        free(tn);
    }
    char *rtn = s.result ? bg_tname(g, s.result) : NULL;
    if (rtn)
        wit_buf_printf(&sigb, ", %s *ret", rtn);
    wit_buf_puts(&sigb, ")");
    char *st = wit_buf_take(&sigb);
    if (st == NULL)
        abort();
    docs_fn(&g->h_fns, f->docs);
    wit_buf_printf(&g->h_fns, "%s;\n", st);
    wit_buf *b = &g->c_adapters;
    wit_buf_printf(b, "\n%s {\nwacc_arena arena, *ar = &arena;\nwacc_arena_init(ar);\n"
                      "wacc_cval args[%u];\n", st, s.n ? s.n : 1);
    for (uint32_t i = 0; i < s.n; i++) {
        param *p = &s.p[i];
        char *v, *tgt = bg_fmt("args[%u]", i);
        if (p->maybe) {
            char *tn = bg_tname(g, p->type);
            wit_buf_printf(b, "%s %s;\n%s.is_some = maybe_%s != NULL;\nif (maybe_%s) {\n  %s.val = *maybe_%s;\n}\n",
                           tn, p->name, p->name, p->name, p->name, p->name, p->name);
            free(tn);
            v = bg_fmt("%s", p->name);
        } else {
            v = bg_fmt(p->by_ptr ? "(*%s)" : "%s", p->name);
        }
        to_cval(g, b, p->type, v, tgt);
        free(v), free(tgt);
    }
    wit_buf_printf(b, "wacc_cval result;\nbool ok = wacc_component_call(h->store, h->exports[%u], args, %u, "
                      "&result, %d, ar, &h->trap);\n", idx, s.n, s.result ? 1 : 0);
    if (s.result) {
        wit_buf_printf(b, "if (ok) {\nmemset(ret, 0, sizeof *ret);\n");
        from_cval(g, b, s.result, "(&result)", "(*ret)");
        wit_buf_puts(b, "}\n");
    } else {
        wit_buf_puts(b, "(void) result;\n");
    }
    wit_buf_puts(b, "wacc_arena_fini(ar);\nreturn ok;\n}\n");
    free(st), free(rtn), free(name), free(lookup), free(wname);
    bg_sig_free(&s);
}

/* The component calls an import the host implements. */
void bg_host_import_func(bgen *g, const wit_func *f, const wit_typedef *res)
{
    sig s;
    bg_build_sig(g, f, res, &s);
    char *wname = bg_func_wasm_name(f, res);
    /* the host's function: the guest signature with the host first */
    const char *paren = strchr(s.text, '(');
    char *decl = strcmp(paren, "(void)") == 0
                     ? bg_fmt("%.*s(%s_host_t *h)", (int)(paren - s.text), s.text, g->ws)
                     : bg_fmt("%.*s(%s_host_t *h, %s", (int)(paren - s.text), s.text, g->ws, paren + 1);
    docs_fn(&g->h_fns, f->docs);
    wit_buf_printf(&g->h_fns, "// implemented by the host\n%s;\n", decl);
    char *tr = tmpn(g, "wit_host_import_");
    wit_buf_printf(&g->host_imports, "    { %s%s%s, \"%s\", %s },\n", g->cx->iface ? "\"" : "",
                   g->cx->iface ? g->cx->module : "NULL", g->cx->iface ? "\"" : "", wname, tr);
    wit_buf *b = &g->c_adapters;
    wit_buf_printf(b, "\nstatic uint32_t %s(void *data, const wacc_cval *args, uint32_t nargs, "
                      "wacc_cval *result, wacc_arena *ar) {\n%s_host_t *h = data;\n(void) nargs;\n"
                      "(void) result;\n(void) ar;\n", tr, g->ws);
    wit_buf call = {0};
    wit_buf_puts(&call, "h");
    for (uint32_t i = 0; i < s.n; i++) {
        param *p = &s.p[i];
        char *tn = bg_tname(g, p->type), *pv = bg_fmt("p%u", i), *av = bg_fmt("(&args[%u])", i);
        wit_buf_printf(b, "%s %s;\nmemset(&%s, 0, sizeof %s);\n", tn, pv, pv, pv);
        from_cval(g, b, p->type, av, pv);
        if (p->maybe)
            wit_buf_printf(&call, ", %s.is_some ? &%s.val : NULL", pv, pv);
        else
            wit_buf_printf(&call, ", %s%s", p->by_ptr ? "&" : "", pv);
        free(tn), free(pv), free(av);
    }
    char *cx = wit_buf_take(&call);
    if (cx == NULL)
        abort();
    char *rtn = s.result ? bg_tname(g, s.result) : NULL;
    switch (s.rkind) {
    case R_VOID:
        wit_buf_printf(b, "%s(%s);\n", s.cname, cx);
        break;
    case R_SCALAR:
        wit_buf_printf(b, "%s r = %s(%s);\n", rtn, s.cname, cx);
        break;
    case R_PTR:
        wit_buf_printf(b, "%s r;\nmemset(&r, 0, sizeof r);\n%s(%s, &r);\n", rtn, s.cname, cx);
        break;
    case R_OPTION: {
        char *pt = bg_tname(g, s.rp[0]);
        wit_buf_printf(b, "%s r;\nmemset(&r, 0, sizeof r);\n%s payload;\nr.is_some = %s(%s, &payload);\n"
                          "if (r.is_some) {\n  r.val = payload;\n}\n", rtn, pt, s.cname, cx);
        free(pt);
        break;
    }
    case R_RESULT: {
        wit_typedef *d;
        const wit_type *t = bg_deref(s.result, &d);
        wit_buf_printf(b, "%s r;\nmemset(&r, 0, sizeof r);\n", rtn);
        wit_buf args = {0};
        wit_buf_puts(&args, cx);
        if (t->a) {
            char *tn = bg_tname(g, t->a);
            wit_buf_printf(b, "%s ok;\n", tn);
            wit_buf_puts(&args, ", &ok");
            free(tn);
        }
        if (t->b) {
            char *tn = bg_tname(g, t->b);
            wit_buf_printf(b, "%s err;\n", tn);
            wit_buf_puts(&args, ", &err");
            free(tn);
        }
        char *ax = wit_buf_take(&args);
        wit_buf_printf(b, "r.is_err = !%s(%s);\n", s.cname, ax ? ax : "");
        if (t->a)
            wit_buf_puts(b, "if (!r.is_err) {\n  r.val.ok = ok;\n}\n");
        if (t->b)
            wit_buf_puts(b, "if (r.is_err) {\n  r.val.err = err;\n}\n");
        free(ax);
        break;
    }
    }
    if (s.result) {
        to_cval(g, b, s.result, "r", "(*result)");
        bg_free_stmt(g, b, s.result, "&r");
    }
    for (uint32_t i = 0; i < s.n; i++) {
        char *pv = bg_fmt("&p%u", i);
        bg_free_stmt(g, b, s.p[i].type, pv);
        free(pv);
    }
    wit_buf_puts(b, "return 0;\n}\n");
    free(cx), free(rtn), free(tr), free(decl), free(wname);
    bg_sig_free(&s);
}

/* ---- resources ---- */

/* A resource the component implements (the world exports it): handles
 * hold the component's rep; the host drops an owning handle with
 * <ns>_<r>_drop_own, which runs the component's destructor. */
static void host_export_resource(bgen *g, const wit_typedef *d)
{
    char *ns = bg_ns_of(g, d), *sn = bg_snake(d->name);
    char *own = bg_fmt("%s_own_%s_t", ns, sn), *bor = bg_fmt("%s_borrow_%s_t", ns, sn);
    wit_buf_printf(&g->h_defs,
                   "\n// Resource `%s`, implemented by the component: handles hold its rep.\n"
                   "typedef struct %s {\n  uint32_t rep;\n} %s;\n"
                   "\ntypedef struct %s {\n  uint32_t rep;\n} %s;\n",
                   d->name, own, own, bor, bor);
    wit_buf_printf(&g->h_helpers,
                   "\nstatic inline %s %s_borrow_%s(%s handle) {\n  %s b = { handle.rep };\n  return b;\n}\n"
                   "\n// Drops an owning handle: the component's destructor of `%s` runs (false: it trapped,\n"
                   "// or the component has no constructor or method to find the resource type by).\n"
                   "bool %s_%s_drop_own(%s_host_t *h, %s handle);\n",
                   bor, ns, sn, own, bor, d->name, ns, sn, g->ws, own);
    wit_buf_printf(&g->c_helpers,
                   "\nbool %s_%s_drop_own(%s_host_t *h, %s handle) {\n"
                   "  const wacc_resource_type *rt = wit_host_export_rt(h, \"%s#\", \"%s\");\n"
                   "  if (rt == NULL)\n    return false;\n"
                   "  return rt->dtor == NULL || rt->dtor(rt->dtor_ctx, handle.rep) == 0;\n}\n",
                   ns, sn, g->ws, own, g->cx->module, d->name);
    g->host_export_res = true;
    free(ns), free(sn), free(own), free(bor);
}

/* The generated helper that finds an exported resource's type through the
 * type of its constructor (result) or a method (self). */
static void host_export_rt_helper(bgen *g, wit_buf *b)
{
    wit_buf_printf(b,
        "\nstatic const wacc_resource_type *wit_host_export_rt(%s_host_t *h, const char *module, const char *res) {\n"
        "  size_t ml = strlen(module), rl = strlen(res);\n"
        "  for (size_t i = 0; %s_export_names[i] != NULL; i++) {\n"
        "    const char *n = %s_export_names[i];\n"
        "    if (strncmp(n, module, ml) != 0)\n      continue;\n"
        "    n += ml;\n    const wacc_ctype *t = NULL;\n"
        "    if (strncmp(n, \"[constructor]\", 13) == 0 && strcmp(n + 13, res) == 0)\n"
        "      t = wacc_cfunc_result(h->exports[i]);\n"
        "    else if (strncmp(n, \"[method]\", 8) == 0 && strncmp(n + 8, res, rl) == 0 && n[8 + rl] == '.')\n"
        "      t = wacc_cfunc_param(h->exports[i], 0, NULL);\n"
        "    if (t != NULL && (t->kind == WACC_CT_OWN || t->kind == WACC_CT_BORROW))\n"
        "      return t->rt;\n  }\n  return NULL;\n}\n",
        g->ws, g->ws, g->ws);
}

/* ---- resources the host implements ---- */

void bg_host_resource(bgen *g, const wit_typedef *d)
{
    if (!g->cx->import) {
        host_export_resource(g, d);
        return;
    }
    char *ns = bg_ns_of(g, d), *sn = bg_snake(d->name);
    char *own = bg_fmt("%s_own_%s_t", ns, sn), *bor = bg_fmt("%s_borrow_%s_t", ns, sn);
    char *field = bg_fmt("rt_%s_%s", ns, sn);
    wit_buf_printf(&g->h_defs,
                   "\n// Resource `%s`, implemented by the host: handles hold the host's rep.\n"
                   "typedef struct %s {\n  uint32_t rep;\n} %s;\n"
                   "\ntypedef struct %s {\n  uint32_t rep;\n} %s;\n",
                   d->name, own, own, bor, bor);
    wit_buf_printf(&g->h_fns,
                   "\n// implemented by the host: the component dropped its owning handle of `%s` rep\n"
                   "void %s_%s_destructor(%s_host_t *h, uint32_t rep);\n",
                   d->name, ns, sn, g->ws);
    wit_buf_printf(&g->h_helpers,
                   "\nstatic inline %s %s_borrow_%s(%s handle) {\n  %s b = { handle.rep };\n  return b;\n}\n",
                   bor, ns, sn, own, bor);
    wit_buf_printf(&g->c_helpers,
                   "\nstatic int wit_host_dtor_%s_%s(void *ctx, uint32_t rep) {\n"
                   "  %s_%s_destructor(ctx, rep);\n  return 0;\n}\n", ns, sn, ns, sn);
    wit_buf_printf(&g->host_res_fields, "  wacc_resource_type %s;   // %s\n", field, d->name);
    wit_buf_printf(&g->host_res_init,
                   "  h->%s.dtor = wit_host_dtor_%s_%s;\n  h->%s.dtor_ctx = h;\n  h->%s.name = \"%s\";\n",
                   field, ns, sn, field, field, d->name);
    if (g->cx->iface)
        wit_buf_printf(&g->host_res_lookup,
                       "  if (instance != NULL && strcmp(instance, \"%s\") == 0 && strcmp(name, \"%s\") == 0)\n"
                       "    return &h->%s;\n", g->cx->module, d->name, field);
    else
        wit_buf_printf(&g->host_res_lookup,
                       "  if (instance == NULL && strcmp(name, \"%s\") == 0)\n    return &h->%s;\n",
                       d->name, field);
    free(ns), free(sn), free(own), free(bor), free(field);
}

/* ---- files ---- */

char *bg_host_assemble_h(bgen *g)
{
    wit_buf b = {0};
    char *up = bg_shouty(g->ws);
    wit_buf_printf(&b, "// Generated by `wacc bindgen c --host`. DO NOT EDIT!\n"
                       "#ifndef __BINDINGS_%s_HOST_H\n#define __BINDINGS_%s_HOST_H\n"
                       "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
                       "#include <stdint.h>\n#include <stdbool.h>\n#include <stddef.h>\n\n"
                       "#include \"wacc.h\"\n\ntypedef struct %s_host %s_host_t;\n",
                   up, up, g->ws, g->ws);
    if (g->host_res_fields.len)     /* struct wacc_resource_type */
        wit_buf_puts(&b, "#include \"abi.h\"\n");
    if (g->needs_string)
        wit_buf_printf(&b, "\ntypedef struct %s_string_t {\n  uint8_t *ptr;\n  size_t len;\n} %s_string_t;\n",
                       g->ws, g->ws);
    wit_buf_add(&b, g->h_defs.s ? g->h_defs.s : "", g->h_defs.len);
    wit_buf_add(&b, g->h_fns.s ? g->h_fns.s : "", g->h_fns.len);
    if (g->h_helpers.len) {
        wit_buf_puts(&b, "\n// Helper Functions\n");
        wit_buf_add(&b, g->h_helpers.s, g->h_helpers.len);
    }
    wit_buf_printf(&b,
        "\n// A component instance of world `%s` in a store.\n"
        "struct %s_host {\n  wacc_store *store;\n  wacc_cinstance *ci;\n"
        "  wacc_trap trap;                        // the last failed call's trap\n"
        "  void *user;                            // for the imports' implementations\n"
        "  const wacc_component_host *fallback;   // every other import (e.g. WASI 0.2)\n"
        "  wacc_cfunc *exports[%u];\n%s};\n"
        "\n// Instantiates artifact `a` (the component compiled by `wacc compile`) in store s.\n"
        "bool %s_host_instantiate(%s_host_t *h, wacc_store *s, wacc_artifact *a,\n"
        "                         const wacc_component_host *fallback, char err[WACC_ERR_LEN]);\n"
        "void %s_host_free(%s_host_t *h);\n",
        g->w->name, g->ws, g->nhost_exports ? g->nhost_exports : 1,
        g->host_res_fields.s ? g->host_res_fields.s : "", g->ws, g->ws, g->ws, g->ws);
    wit_buf_puts(&b, "\n#ifdef __cplusplus\n}\n#endif\n#endif\n");
    free(up);
    return wit_buf_take(&b);
}

char *bg_host_assemble_c(bgen *g)
{
    wit_buf b = {0};
    const char *w = g->ws;
    wit_buf_printf(&b,
        "// Generated by `wacc bindgen c --host`. DO NOT EDIT!\n"
        "#include \"%s_host.h\"\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
        "#include \"abi.h\"\n\n#define WIT_BINDGEN_LAYOUT(T, size, align) struct wit_bindgen_unused\n"
        "\n// Allocation failures of the bindings abort (like cabi_realloc in a guest).\n"
        "static void *wit_host_malloc(size_t n) {\n  void *p = malloc(n ? n : 1);\n"
        "  if (p == NULL) abort();\n  return p;\n}\n"
        "\nstatic void *wit_host_alloc(wacc_arena *ar, size_t n) {\n"
        "  void *p = wacc_arena_alloc(ar, n ? n : 1);\n  if (p == NULL) abort();\n  return p;\n}\n",
        w);
    wit_buf_add(&b, g->c_defs.s ? g->c_defs.s : "", g->c_defs.len);
    if (g->host_export_res)
        wit_buf_printf(&b, "\nstatic const wacc_resource_type *wit_host_export_rt(%s_host_t *h, const char *module,\n"
                           "                                                    const char *res);\n", w);
    if (g->c_helpers.len) {
        wit_buf_puts(&b, "\n// Helper Functions\n");
        wit_buf_add(&b, g->c_helpers.s, g->c_helpers.len);
    }
    wit_buf_add(&b, g->c_adapters.s ? g->c_adapters.s : "", g->c_adapters.len);
    wit_buf_printf(&b,
        "\ntypedef struct %s_import {\n  const char *instance, *name;\n  wacc_component_host_fn fn;\n} %s_import;\n"
        "\nstatic const %s_import %s_imports[] = {\n%s    { NULL, NULL, NULL },\n};\n"
        "\nstatic bool %s_same(const char *a, const char *b) {\n"
        "  return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;\n}\n"
        "\nstatic bool %s_typed_func(void *ud, const char *instance, const char *name,\n"
        "                           const struct wacc_cfunc *type, wacc_component_host_fn *fn,\n"
        "                           void **data, char *err) {\n"
        "  %s_host_t *h = ud;\n"
        "  for (const %s_import *i = %s_imports; i->name != NULL; i++)\n"
        "    if (%s_same(i->instance, instance) && strcmp(i->name, name) == 0) {\n"
        "      *fn = i->fn;\n      *data = h;\n      return true;\n    }\n"
        "  if (h->fallback != NULL && h->fallback->typed_func != NULL)\n"
        "    return h->fallback->typed_func(h->fallback->ud, instance, name, type, fn, data, err);\n"
        "  if (h->fallback != NULL && h->fallback->func != NULL)\n"
        "    return h->fallback->func(h->fallback->ud, instance, name, fn, data);\n"
        "  return false;\n}\n"
        "\nstatic const struct wacc_resource_type *%s_resource(void *ud, const char *instance, const char *name) {\n"
        "  %s_host_t *h = ud;\n%s"
        "  if (h->fallback != NULL && h->fallback->resource != NULL)\n"
        "    return h->fallback->resource(h->fallback->ud, instance, name);\n"
        "  return NULL;\n}\n"
        "\nstatic const char *const %s_export_names[] = {\n%s    NULL,\n};\n"
        "\nbool %s_host_instantiate(%s_host_t *h, wacc_store *s, wacc_artifact *a,\n"
        "                         const wacc_component_host *fallback, char err[WACC_ERR_LEN]) {\n"
        "  memset(h, 0, sizeof *h);\n  h->store = s;\n  h->fallback = fallback;\n%s"
        "  wacc_component_host host;\n  memset(&host, 0, sizeof host);\n"
        "  host.ud = h;\n  host.typed_func = %s_typed_func;\n  host.resource = %s_resource;\n"
        "  h->ci = wacc_component_instantiate(s, a, &host, &h->trap, err);\n"
        "  if (h->ci == NULL) {\n"
        "    if (h->trap.code != WACC_TRAP_NONE)\n      snprintf(err, WACC_ERR_LEN, \"%%s\", h->trap.message);\n"
        "    return false;\n  }\n"
        "  for (size_t i = 0; %s_export_names[i] != NULL; i++) {\n"
        "    h->exports[i] = wacc_cinstance_func(h->ci, %s_export_names[i]);\n"
        "    if (h->exports[i] == NULL) {\n"
        "      snprintf(err, WACC_ERR_LEN, \"the component has no export '%%s'\", %s_export_names[i]);\n"
        "      %s_host_free(h);\n      return false;\n    }\n  }\n  return true;\n}\n"
        "\nvoid %s_host_free(%s_host_t *h) {\n  if (h->ci != NULL)\n    wacc_cinstance_free(h->ci);\n"
        "  h->ci = NULL;\n}\n",
        w, w, w, w, g->host_imports.s ? g->host_imports.s : "",
        w, w, w, w, w, w, w, w,
        g->host_res_lookup.s ? g->host_res_lookup.s : "",
        w, g->host_exports.s ? g->host_exports.s : "",
        w, w, g->host_res_init.s ? g->host_res_init.s : "",
        w, w, w, w, w, w, w, w);
    if (g->host_export_res)
        host_export_rt_helper(g, &b);
    return wit_buf_take(&b);
}
