/*
 * print.c — canonical WIT text: two-space indentation, `///` docs, gates on
 * their own lines, uses first, then types, then functions; world items as
 * written (not elaborated); references to other packages fully qualified.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct printer {
    wit_buf b;
    unsigned flags;
    const wit_package *pkg;     /* the package block being printed */
} printer;

static void indent(printer *p, int depth)
{
    for (int i = 0; i < depth; i++)
        wit_buf_puts(&p->b, "  ");
}

static void id(printer *p, const char *name)
{
    if (wit_is_keyword(name))
        wit_buf_puts(&p->b, "%");
    wit_buf_puts(&p->b, name);
}

static void docs(printer *p, const char *d, int depth)
{
    if (d == NULL || (p->flags & WIT_PRINT_NO_DOCS))
        return;
    const char *s = d;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        indent(p, depth);
        wit_buf_puts(&p->b, "///");
        if (n > 0) {
            wit_buf_puts(&p->b, " ");
            wit_buf_add(&p->b, s, n);
        }
        wit_buf_puts(&p->b, "\n");
        if (nl == NULL)
            break;
        s = nl + 1;
    }
}

static void gate(printer *p, const wit_gate *g, const char *external_id, int depth)
{
    if (g->unstable) {
        indent(p, depth);
        wit_buf_printf(&p->b, "@unstable(feature = %s)\n", g->unstable);
    }
    if (g->since) {
        indent(p, depth);
        wit_buf_printf(&p->b, "@since(version = %s)\n", g->since);
    }
    if (g->deprecated) {
        indent(p, depth);
        wit_buf_printf(&p->b, "@deprecated(version = %s)\n", g->deprecated);
    }
    if (external_id) {
        indent(p, depth);
        wit_buf_printf(&p->b, "@external-id(\"%s\")\n", external_id);
    }
}

static void type(printer *p, const wit_type *t)
{
    const char *prim = wit_prim_name(t->kind);
    if (prim != NULL) {
        wit_buf_puts(&p->b, prim);
        return;
    }
    switch (t->kind) {
    case WIT_T_LIST:
    case WIT_T_FIXED_LIST:
        wit_buf_puts(&p->b, "list<");
        type(p, t->a);
        if (t->kind == WIT_T_FIXED_LIST)
            wit_buf_printf(&p->b, ", %u", t->len);
        wit_buf_puts(&p->b, ">");
        break;
    case WIT_T_OPTION:
        wit_buf_puts(&p->b, "option<");
        type(p, t->a);
        wit_buf_puts(&p->b, ">");
        break;
    case WIT_T_TUPLE:
        wit_buf_puts(&p->b, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i > 0)
                wit_buf_puts(&p->b, ", ");
            type(p, t->elems[i]);
        }
        wit_buf_puts(&p->b, ">");
        break;
    case WIT_T_RESULT:
        wit_buf_puts(&p->b, "result");
        if (t->a != NULL || t->b != NULL) {
            wit_buf_puts(&p->b, "<");
            if (t->a != NULL)
                type(p, t->a);
            else
                wit_buf_puts(&p->b, "_");
            if (t->b != NULL) {
                wit_buf_puts(&p->b, ", ");
                type(p, t->b);
            }
            wit_buf_puts(&p->b, ">");
        }
        break;
    case WIT_T_MAP:
        wit_buf_puts(&p->b, "map<");
        type(p, t->a);
        wit_buf_puts(&p->b, ", ");
        type(p, t->b);
        wit_buf_puts(&p->b, ">");
        break;
    case WIT_T_FUTURE:
    case WIT_T_STREAM:
        wit_buf_puts(&p->b, t->kind == WIT_T_FUTURE ? "future" : "stream");
        if (t->a != NULL) {
            wit_buf_puts(&p->b, "<");
            type(p, t->a);
            wit_buf_puts(&p->b, ">");
        }
        break;
    case WIT_T_OWN:
    case WIT_T_BORROW:
        wit_buf_puts(&p->b, t->kind == WIT_T_OWN ? "own<" : "borrow<");
        id(p, t->name);
        wit_buf_puts(&p->b, ">");
        break;
    default:
        id(p, t->name);
        break;
    }
}

static void func_sig(printer *p, const wit_func *f)
{
    if (f->kind == WIT_F_CONSTRUCTOR) {
        wit_buf_puts(&p->b, "constructor(");
    } else {
        id(p, f->name);
        wit_buf_puts(&p->b, ": ");
        if (f->kind == WIT_F_STATIC)
            wit_buf_puts(&p->b, "static ");
        if (f->async)
            wit_buf_puts(&p->b, "async ");
        wit_buf_puts(&p->b, "func(");
    }
    for (uint32_t i = 0; i < f->nparams; i++) {
        if (i > 0)
            wit_buf_puts(&p->b, ", ");
        id(p, f->params[i].name);
        wit_buf_puts(&p->b, ": ");
        type(p, f->params[i].type);
    }
    wit_buf_puts(&p->b, ")");
    if (f->result != NULL) {
        wit_buf_puts(&p->b, " -> ");
        type(p, f->result);
    }
    wit_buf_puts(&p->b, ";\n");
}

static void func(printer *p, const wit_func *f, int depth)
{
    docs(p, f->docs, depth);
    gate(p, &f->gate, f->external_id, depth);
    indent(p, depth);
    func_sig(p, f);
}

/* An interface reference as seen from the package being printed. */
static void iface_ref(printer *p, const wit_interface *in, const wit_path *written)
{
    if (in == NULL) {
        if (written->ns != NULL)
            wit_buf_printf(&p->b, "%s:%s/", written->ns, written->pkg);
        id(p, written->name);
        if (written->version != NULL)
            wit_buf_printf(&p->b, "@%s", written->version);
        return;
    }
    if (in->pkg == p->pkg || in->pkg == NULL) {
        id(p, in->name);
        return;
    }
    wit_buf_printf(&p->b, "%s:%s/", in->pkg->ns, in->pkg->name);
    id(p, in->name);
    if (in->pkg->version != NULL)
        wit_buf_printf(&p->b, "@%s", in->pkg->version);
}

static void world_ref(printer *p, const wit_world *w, const wit_path *written)
{
    if (w == NULL) {
        iface_ref(p, NULL, written);
        return;
    }
    if (w->pkg == p->pkg) {
        id(p, w->name);
        return;
    }
    wit_buf_printf(&p->b, "%s:%s/", w->pkg->ns, w->pkg->name);
    id(p, w->name);
    if (w->pkg->version != NULL)
        wit_buf_printf(&p->b, "@%s", w->pkg->version);
}

static void use(printer *p, const wit_use *u, int depth)
{
    gate(p, &u->gate, NULL, depth);
    indent(p, depth);
    wit_buf_puts(&p->b, "use ");
    iface_ref(p, u->path.iface, &u->path);
    wit_buf_puts(&p->b, ".{");
    for (uint32_t i = 0; i < u->n; i++) {
        if (i > 0)
            wit_buf_puts(&p->b, ", ");
        id(p, u->names[i].name);
        if (u->names[i].as != NULL) {
            wit_buf_puts(&p->b, " as ");
            id(p, u->names[i].as);
        }
    }
    wit_buf_puts(&p->b, "};\n");
}

static const char *const dkind_kw[] = {
    [WIT_D_RECORD] = "record", [WIT_D_VARIANT] = "variant", [WIT_D_ENUM] = "enum",
    [WIT_D_FLAGS] = "flags", [WIT_D_RESOURCE] = "resource", [WIT_D_ALIAS] = "type",
};

static void typedef_(printer *p, const wit_typedef *d, int depth)
{
    docs(p, d->docs, depth);
    gate(p, &d->gate, d->external_id, depth);
    indent(p, depth);
    wit_buf_printf(&p->b, "%s ", dkind_kw[d->kind]);
    id(p, d->name);
    switch (d->kind) {
    case WIT_D_ALIAS:
        wit_buf_puts(&p->b, " = ");
        type(p, d->alias);
        wit_buf_puts(&p->b, ";\n");
        return;
    case WIT_D_RESOURCE:
        if (d->nfuncs == 0 && !d->has_body) {
            wit_buf_puts(&p->b, ";\n");
            return;
        }
        wit_buf_puts(&p->b, " {\n");
        for (uint32_t i = 0; i < d->nfuncs; i++) {
            if (i > 0 && (d->funcs[i]->docs != NULL || d->funcs[i - 1]->docs != NULL))
                wit_buf_puts(&p->b, "\n");
            func(p, d->funcs[i], depth + 1);
        }
        indent(p, depth);
        wit_buf_puts(&p->b, "}\n");
        return;
    default:
        wit_buf_puts(&p->b, " {\n");
        for (uint32_t i = 0; i < d->nfields; i++) {
            const wit_field *f = &d->fields[i];
            docs(p, f->docs, depth + 1);
            indent(p, depth + 1);
            id(p, f->name);
            if (f->type != NULL) {
                if (d->kind == WIT_D_RECORD) {
                    wit_buf_puts(&p->b, ": ");
                    type(p, f->type);
                } else {
                    wit_buf_puts(&p->b, "(");
                    type(p, f->type);
                    wit_buf_puts(&p->b, ")");
                }
            }
            wit_buf_puts(&p->b, ",\n");
        }
        indent(p, depth);
        wit_buf_puts(&p->b, "}\n");
        return;
    }
}

static void interface_body(printer *p, const wit_interface *in, int depth)
{
    bool any = false;
    for (uint32_t i = 0; i < in->nuses; i++) {
        use(p, in->uses[i], depth);
        any = true;
    }
    for (uint32_t i = 0; i < in->ntypes; i++) {
        if (in->types[i]->kind == WIT_D_USE)
            continue;
        if (any)
            wit_buf_puts(&p->b, "\n");
        typedef_(p, in->types[i], depth);
        any = true;
    }
    for (uint32_t i = 0; i < in->nfuncs; i++) {
        if (any)
            wit_buf_puts(&p->b, "\n");
        func(p, in->funcs[i], depth);
        any = true;
    }
}

static void interface(printer *p, const wit_interface *in, int depth)
{
    docs(p, in->docs, depth);
    gate(p, &in->gate, NULL, depth);
    indent(p, depth);
    wit_buf_puts(&p->b, "interface ");
    id(p, in->name);
    wit_buf_puts(&p->b, " {\n");
    interface_body(p, in, depth + 1);
    indent(p, depth);
    wit_buf_puts(&p->b, "}\n");
}

static void extern_(printer *p, const wit_extern *x, bool import, int depth)
{
    docs(p, x->docs, depth);
    gate(p, &x->gate, x->external_id, depth);
    indent(p, depth);
    wit_buf_puts(&p->b, import ? "import " : "export ");
    if (x->name != NULL) {
        id(p, x->name);
        wit_buf_puts(&p->b, ": ");
    }
    switch (x->kind) {
    case WIT_X_FUNC: {
        const wit_func *f = x->func;
        if (f->async)
            wit_buf_puts(&p->b, "async ");
        wit_buf_puts(&p->b, "func(");
        for (uint32_t i = 0; i < f->nparams; i++) {
            if (i > 0)
                wit_buf_puts(&p->b, ", ");
            id(p, f->params[i].name);
            wit_buf_puts(&p->b, ": ");
            type(p, f->params[i].type);
        }
        wit_buf_puts(&p->b, ")");
        if (f->result != NULL) {
            wit_buf_puts(&p->b, " -> ");
            type(p, f->result);
        }
        wit_buf_puts(&p->b, ";\n");
        break;
    }
    case WIT_X_INLINE:
        wit_buf_puts(&p->b, "interface {\n");
        interface_body(p, x->iface, depth + 1);
        indent(p, depth);
        wit_buf_puts(&p->b, "}\n");
        break;
    default:
        iface_ref(p, x->iface, &x->path);
        wit_buf_puts(&p->b, ";\n");
        break;
    }
}

static void world(printer *p, const wit_world *w, int depth)
{
    docs(p, w->docs, depth);
    gate(p, &w->gate, NULL, depth);
    indent(p, depth);
    wit_buf_puts(&p->b, "world ");
    id(p, w->name);
    wit_buf_puts(&p->b, " {\n");
    bool any = false;
    for (uint32_t i = 0; i < w->nuses; i++) {
        use(p, w->uses[i], depth + 1);
        any = true;
    }
    for (uint32_t i = 0; i < w->ntypes; i++) {
        if (w->types[i]->kind == WIT_D_USE)
            continue;
        if (any)
            wit_buf_puts(&p->b, "\n");
        typedef_(p, w->types[i], depth + 1);
        any = true;
    }
    for (uint32_t i = 0; i < w->nincludes; i++) {
        const wit_include *inc = w->includes[i];
        if (any)
            wit_buf_puts(&p->b, "\n");
        any = true;
        gate(p, &inc->gate, NULL, depth + 1);
        indent(p, depth + 1);
        wit_buf_puts(&p->b, "include ");
        world_ref(p, inc->path.world, &inc->path);
        if (inc->nwith > 0) {
            wit_buf_puts(&p->b, " with { ");
            for (uint32_t k = 0; k < inc->nwith; k++) {
                if (k > 0)
                    wit_buf_puts(&p->b, ", ");
                id(p, inc->with[k].name);
                wit_buf_puts(&p->b, " as ");
                id(p, inc->with[k].as);
            }
            wit_buf_puts(&p->b, " }");
        }
        wit_buf_puts(&p->b, ";\n");
    }
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t n = side == 0 ? w->nimports : w->nexports;
        wit_extern **xs = side == 0 ? w->imports : w->exports;
        for (uint32_t i = 0; i < n; i++) {
            if (any && (i == 0 || xs[i]->docs != NULL || xs[i - 1]->docs != NULL
                        || xs[i]->gate.since != NULL))
                wit_buf_puts(&p->b, "\n");
            any = true;
            extern_(p, xs[i], side == 0, depth + 1);
        }
    }
    indent(p, depth);
    wit_buf_puts(&p->b, "}\n");
}

static void package_header(printer *p, const wit_package *pk)
{
    wit_buf_printf(&p->b, "package %s:%s", pk->ns, pk->name);
    if (pk->version != NULL)
        wit_buf_printf(&p->b, "@%s", pk->version);
}

static void package_items(printer *p, const wit_package *pk, int depth, bool first)
{
    p->pkg = pk;
    for (uint32_t i = 0; i < pk->ninterfaces; i++) {
        if (!first)
            wit_buf_puts(&p->b, "\n");
        first = false;
        interface(p, pk->interfaces[i], depth);
    }
    for (uint32_t i = 0; i < pk->nworlds; i++) {
        if (!first)
            wit_buf_puts(&p->b, "\n");
        first = false;
        world(p, pk->worlds[i], depth);
    }
}

static void nested_package(printer *p, const wit_package *pk)
{
    wit_buf_puts(&p->b, "\n");
    docs(p, pk->docs, 0);
    package_header(p, pk);
    wit_buf_puts(&p->b, " {\n");
    package_items(p, pk, 1, true);
    wit_buf_puts(&p->b, "}\n");
}

char *wit_print(const wit_resolve *r, const wit_package *pkg, unsigned flags)
{
    printer p = { .flags = flags };
    if (pkg != NULL) {
        docs(&p, pkg->docs, 0);
        package_header(&p, pkg);
        wit_buf_puts(&p.b, ";\n");
        package_items(&p, pkg, 0, false);
    }
    if (pkg == NULL || (flags & WIT_PRINT_DEPS)) {
        for (uint32_t i = 0; i < r->npackages; i++)
            if (r->packages[i] != pkg)
                nested_package(&p, r->packages[i]);
    }
    return wit_buf_take(&p.b);
}

char *wit_print_world(const wit_resolve *r, const wit_world *w, unsigned flags)
{
    (void)r;
    printer p = { .flags = flags, .pkg = w->pkg };
    package_header(&p, w->pkg);
    wit_buf_puts(&p.b, ";\n\n");
    world(&p, w, 0);
    return wit_buf_take(&p.b);
}
