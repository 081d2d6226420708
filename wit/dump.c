/*
 * dump.c — a structural, order-independent description of a resolved
 * package (wit_dump): type references fully qualified, items sorted, no
 * docs, worlds elaborated. Equal dumps mean the same definitions.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct lines {
    char **v;
    size_t n, cap;
    bool failed;
} lines;

static void lines_add(lines *l, wit_buf *b)
{
    char *s = wit_buf_take(b);
    if (s == NULL) {
        l->failed = true;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (nv == NULL) {
            free(s);
            l->failed = true;
            return;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = s;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort, append to out (each followed by sep), free. */
static void lines_flush(lines *l, wit_buf *out, const char *sep)
{
    if (l->n > 0)
        qsort(l->v, l->n, sizeof *l->v, str_cmp);
    for (size_t i = 0; i < l->n; i++) {
        wit_buf_puts(out, l->v[i]);
        wit_buf_puts(out, sep);
        free(l->v[i]);
    }
    if (l->failed)
        out->failed = true;
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void qname(wit_buf *b, const wit_typedef *d)
{
    if (d == NULL) {
        wit_buf_puts(b, "?");
        return;
    }
    if (d->iface != NULL) {
        char *id = wit_interface_id(d->iface);
        if (d->iface->inline_in != NULL)
            wit_buf_printf(b, "%s.", d->iface->inline_in->name);
        wit_buf_puts(b, id ? id : "?");
        free(id);
    } else if (d->world != NULL) {
        wit_buf_printf(b, "world %s", d->world->name);
    }
    wit_buf_printf(b, "#%s", d->name);
}

static void dtype(wit_buf *b, const wit_type *t)
{
    const char *prim = wit_prim_name(t->kind);
    if (prim != NULL) {
        wit_buf_puts(b, prim);
        return;
    }
    switch (t->kind) {
    case WIT_T_LIST:
    case WIT_T_OPTION:
        wit_buf_puts(b, t->kind == WIT_T_LIST ? "list<" : "option<");
        dtype(b, t->a);
        wit_buf_puts(b, ">");
        return;
    case WIT_T_FIXED_LIST:
        wit_buf_puts(b, "list<");
        dtype(b, t->a);
        wit_buf_printf(b, ", %u>", t->len);
        return;
    case WIT_T_TUPLE:
        wit_buf_puts(b, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i > 0)
                wit_buf_puts(b, ", ");
            dtype(b, t->elems[i]);
        }
        wit_buf_puts(b, ">");
        return;
    case WIT_T_RESULT:
    case WIT_T_MAP:
        wit_buf_puts(b, t->kind == WIT_T_RESULT ? "result<" : "map<");
        if (t->a)
            dtype(b, t->a);
        else
            wit_buf_puts(b, "_");
        wit_buf_puts(b, ", ");
        if (t->b)
            dtype(b, t->b);
        else
            wit_buf_puts(b, "_");
        wit_buf_puts(b, ">");
        return;
    case WIT_T_FUTURE:
    case WIT_T_STREAM:
        wit_buf_puts(b, t->kind == WIT_T_FUTURE ? "future<" : "stream<");
        if (t->a)
            dtype(b, t->a);
        else
            wit_buf_puts(b, "_");
        wit_buf_puts(b, ">");
        return;
    case WIT_T_BORROW:
        wit_buf_puts(b, "borrow<");
        qname(b, wit_typedef_real(t->def));
        wit_buf_puts(b, ">");
        return;
    default: {
        const wit_typedef *d = wit_typedef_real(t->def);
        bool own = d != NULL && d->kind == WIT_D_RESOURCE;
        if (own)
            wit_buf_puts(b, "own<");
        qname(b, d);
        if (own)
            wit_buf_puts(b, ">");
        return;
    }
    }
}

static void dgate(wit_buf *b, const wit_gate *g)
{
    if (g->since)
        wit_buf_printf(b, " @since(%s)", g->since);
    if (g->unstable)
        wit_buf_printf(b, " @unstable(%s)", g->unstable);
    if (g->deprecated)
        wit_buf_printf(b, " @deprecated(%s)", g->deprecated);
}

static void dfunc(wit_buf *b, const wit_func *f)
{
    static const char *const kinds[] = { "func", "method", "static", "constructor" };
    wit_buf_printf(b, "%s %s%s(", kinds[f->kind], f->async ? "async " : "", f->name);
    for (uint32_t i = 0; i < f->nparams; i++) {
        if (i > 0)
            wit_buf_puts(b, ", ");
        wit_buf_printf(b, "%s: ", f->params[i].name);
        dtype(b, f->params[i].type);
    }
    wit_buf_puts(b, ")");
    if (f->result) {
        wit_buf_puts(b, " -> ");
        dtype(b, f->result);
    }
    dgate(b, &f->gate);
}

static void dtypedef(wit_buf *b, const wit_typedef *d)
{
    static const char *const kinds[] = {
        "record", "variant", "enum", "flags", "resource", "type", "use",
    };
    wit_buf_printf(b, "%s %s", kinds[d->kind], d->name);
    dgate(b, &d->gate);
    switch (d->kind) {
    case WIT_D_USE:
        wit_buf_puts(b, " = ");
        qname(b, wit_typedef_real((wit_typedef *)d));
        return;
    case WIT_D_ALIAS:
        wit_buf_puts(b, " = ");
        dtype(b, d->alias);
        return;
    case WIT_D_RESOURCE: {
        lines l = {0};
        wit_buf fb = {0};
        for (uint32_t i = 0; i < d->nfuncs; i++) {
            dfunc(&fb, d->funcs[i]);
            lines_add(&l, &fb);
        }
        wit_buf_puts(b, " {\n");
        lines_flush(&l, b, "\n");
        wit_buf_puts(b, "    }");
        return;
    }
    default:
        wit_buf_puts(b, " {");
        for (uint32_t i = 0; i < d->nfields; i++) {
            wit_buf_printf(b, "%s %s", i ? "," : "", d->fields[i].name);
            if (d->fields[i].type) {
                wit_buf_puts(b, ": ");
                dtype(b, d->fields[i].type);
            }
        }
        wit_buf_puts(b, " }");
        return;
    }
}

static void dinterface_items(wit_buf *out, const wit_interface *in, const char *ind)
{
    lines l = {0};
    wit_buf b = {0};
    for (uint32_t i = 0; i < in->ntypes; i++) {
        wit_buf_puts(&b, ind);
        dtypedef(&b, in->types[i]);
        lines_add(&l, &b);
    }
    for (uint32_t i = 0; i < in->nfuncs; i++) {
        wit_buf_puts(&b, ind);
        dfunc(&b, in->funcs[i]);
        lines_add(&l, &b);
    }
    lines_flush(&l, out, "\n");
}

static void dextern(wit_buf *b, const wit_extern *x, const char *dir)
{
    wit_buf_printf(b, "  %s ", dir);
    if (x->name)
        wit_buf_printf(b, "%s: ", x->name);
    switch (x->kind) {
    case WIT_X_FUNC:
        dfunc(b, x->func);
        break;
    case WIT_X_INLINE:
        wit_buf_puts(b, "interface {\n");
        dinterface_items(b, x->iface, "    ");
        wit_buf_puts(b, "  }");
        break;
    default: {
        char *id = wit_interface_id(x->iface);
        wit_buf_printf(b, "interface %s", id ? id : "?");
        free(id);
        break;
    }
    }
    dgate(b, &x->gate);
}

char *wit_dump(const wit_resolve *r, const wit_package *pk)
{
    (void)r;
    wit_buf out = {0};
    wit_buf_printf(&out, "package %s:%s@%s\n", pk->ns, pk->name, pk->version ? pk->version : "");
    lines top = {0};
    wit_buf b = {0};
    for (uint32_t i = 0; i < pk->ninterfaces; i++) {
        const wit_interface *in = pk->interfaces[i];
        char *id = wit_interface_id(in);
        wit_buf_printf(&b, "interface %s", id ? id : "?");
        free(id);
        dgate(&b, &in->gate);
        wit_buf_puts(&b, " {\n");
        dinterface_items(&b, in, "  ");
        wit_buf_puts(&b, "}\n");
        lines_add(&top, &b);
    }
    for (uint32_t i = 0; i < pk->nworlds; i++) {
        const wit_world *w = pk->worlds[i];
        wit_buf_printf(&b, "world %s", w->name);
        dgate(&b, &w->gate);
        wit_buf_puts(&b, " {\n");
        lines l = {0};
        wit_buf xb = {0};
        for (uint32_t k = 0; k < w->ntypes; k++) {
            wit_buf_puts(&xb, "  ");
            dtypedef(&xb, w->types[k]);
            lines_add(&l, &xb);
        }
        for (uint32_t k = 0; k < w->nall_imports; k++) {
            dextern(&xb, w->all_imports[k], "import");
            lines_add(&l, &xb);
        }
        for (uint32_t k = 0; k < w->nall_exports; k++) {
            dextern(&xb, w->all_exports[k], "export");
            lines_add(&l, &xb);
        }
        lines_flush(&l, &b, "\n");
        wit_buf_puts(&b, "}\n");
        lines_add(&top, &b);
    }
    lines_flush(&top, &out, "");
    return wit_buf_take(&out);
}
