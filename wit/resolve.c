/*
 * resolve.c — bind names: `use` statements and paths to interfaces, type
 * names to their definitions, includes to worlds; then elaborate worlds
 * (expand includes, add the interfaces that imports/exports depend on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct ctx {
    wit_resolve *r;
    wit_package *pkg;
    wit_scope *scope;
    wit_interface *iface;       /* type names are looked up here ... */
    wit_world *world;           /* ... or here */
} ctx;

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static char *path_text(const wit_path *p, char *buf, size_t n)
{
    if (p->ns == NULL)
        snprintf(buf, n, "%s", p->name);
    else
        snprintf(buf, n, "%s:%s/%s%s%s", p->ns, p->pkg, p->name, p->version ? "@" : "",
                 p->version ? p->version : "");
    return buf;
}

/* Find the package a full path names. */
static wit_package *path_package(ctx *c, const wit_path *path)
{
    wit_package *pk = wit_find_package(c->r, path->ns, path->pkg, path->version);
    if (pk == NULL) {
        char buf[200];
        if (path->version == NULL) {
            /* distinguish "none" from "several versions" */
            for (uint32_t i = 0; i < c->r->npackages; i++) {
                wit_package *q = c->r->packages[i];
                if (streq(q->ns, path->ns) && streq(q->name, path->pkg)) {
                    wit_set_error_at(c->r, path->pos,
                                     "'%s': package %s:%s has several versions; name one",
                                     path_text(path, buf, sizeof buf), path->ns, path->pkg);
                    return NULL;
                }
            }
        }
        wit_set_error_at(c->r, path->pos, "package '%s:%s%s%s' not found (for '%s')", path->ns,
                         path->pkg, path->version ? "@" : "", path->version ? path->version : "",
                         path_text(path, buf, sizeof buf));
    }
    return pk;
}

/* The file's top-level `use ... as alias` for a bare name, or NULL. */
static wit_path *scope_alias(const wit_scope *s, const char *name)
{
    if (s == NULL)
        return NULL;
    for (uint32_t i = 0; i < s->n; i++)
        if (streq(s->aliases[i], name))
            return s->paths[i];
    return NULL;
}

static wit_interface *find_iface(ctx *c, wit_path *path)
{
    if (path->iface != NULL)
        return path->iface;
    char buf[200];
    wit_interface *in = NULL;
    if (path->ns == NULL) {
        wit_path *alias = scope_alias(c->scope, path->name);
        if (alias != NULL && alias != path) {
            in = find_iface(c, alias);
            if (in == NULL)
                return NULL;
        } else {
            in = wit_find_interface(c->pkg, path->name);
            if (in == NULL) {
                wit_set_error_at(c->r, path->pos, "interface '%s' not found in package %s:%s",
                                 path->name, c->pkg->ns, c->pkg->name);
                return NULL;
            }
        }
    } else {
        wit_package *pk = path_package(c, path);
        if (pk == NULL)
            return NULL;
        in = wit_find_interface(pk, path->name);
        if (in == NULL) {
            wit_set_error_at(c->r, path->pos, "interface '%s' not found",
                             path_text(path, buf, sizeof buf));
            return NULL;
        }
    }
    path->iface = in;
    return in;
}

static wit_world *find_world(ctx *c, wit_path *path)
{
    if (path->world != NULL)
        return path->world;
    char buf[200];
    wit_world *w = NULL;
    wit_package *pk = c->pkg;
    const char *name = path->name;
    if (path->ns == NULL) {
        wit_path *alias = scope_alias(c->scope, path->name);
        if (alias != NULL && alias != path) {
            if (alias->ns != NULL && (pk = path_package(c, alias)) == NULL)
                return NULL;
            name = alias->name;
        }
    } else if ((pk = path_package(c, path)) == NULL) {
        return NULL;
    }
    w = wit_find_world(pk, name);
    if (w == NULL) {
        wit_set_error_at(c->r, path->pos, "world '%s' not found", path_text(path, buf, sizeof buf));
        return NULL;
    }
    path->world = w;
    return w;
}

/* Resolve one name brought in by `use`. */
static bool resolve_use_def(wit_resolve *r, wit_typedef *d)
{
    if (d->kind != WIT_D_USE || d->state == 2)
        return true;
    if (d->state == 1) {
        wit_set_error_at(r, d->pos, "'use' of '%s' is circular", d->name);
        return false;
    }
    d->state = 1;
    ctx c = { .r = r };
    if (d->iface != NULL) {
        c.pkg = d->iface->pkg;
        c.scope = d->iface->scope;
    } else {
        c.pkg = d->world->pkg;
        c.scope = d->world->scope;
    }
    wit_interface *in = find_iface(&c, &d->use->path);
    if (in == NULL)
        return false;
    if (in == d->iface) {
        wit_set_error_at(r, d->pos, "interface '%s' cannot use itself", in->name);
        return false;
    }
    wit_typedef *t = wit_find_type(in, d->use_name);
    if (t == NULL) {
        char buf[200];
        wit_set_error_at(r, d->pos, "type '%s' not found in interface '%s'", d->use_name,
                         path_text(&d->use->path, buf, sizeof buf));
        return false;
    }
    if (!resolve_use_def(r, t))
        return false;
    d->target = t;
    d->state = 2;
    return true;
}

static wit_typedef *lookup_type(ctx *c, const char *name)
{
    uint32_t n = c->iface ? c->iface->ntypes : c->world->ntypes;
    wit_typedef **ts = c->iface ? c->iface->types : c->world->types;
    for (uint32_t i = 0; i < n; i++)
        if (streq(ts[i]->name, name))
            return ts[i];
    return NULL;
}

static bool resolve_type(ctx *c, wit_type *t)
{
    if (t == NULL)
        return true;
    switch (t->kind) {
    case WIT_T_NAMED:
    case WIT_T_OWN:
    case WIT_T_BORROW: {
        wit_typedef *d = lookup_type(c, t->name);
        if (d == NULL) {
            wit_set_error_at(c->r, t->pos, "type '%s' is not defined", t->name);
            return false;
        }
        if (!resolve_use_def(c->r, d))
            return false;
        wit_typedef *real = wit_typedef_real(d);
        if (t->kind != WIT_T_NAMED && (real == NULL || real->kind != WIT_D_RESOURCE)) {
            wit_set_error_at(c->r, t->pos, "'%s' is not a resource type", t->name);
            return false;
        }
        t->def = d;
        return true;
    }
    case WIT_T_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            if (!resolve_type(c, t->elems[i]))
                return false;
        return true;
    default:
        return resolve_type(c, t->a) && resolve_type(c, t->b);
    }
}

static bool resolve_func(ctx *c, wit_func *f)
{
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!resolve_type(c, f->params[i].type))
            return false;
    return resolve_type(c, f->result);
}

static bool resolve_typedef(ctx *c, wit_typedef *d)
{
    switch (d->kind) {
    case WIT_D_USE:
        return resolve_use_def(c->r, d);
    case WIT_D_ALIAS:
        return resolve_type(c, d->alias);
    case WIT_D_RESOURCE:
        for (uint32_t i = 0; i < d->nfuncs; i++)
            if (!resolve_func(c, d->funcs[i]))
                return false;
        return true;
    default:
        for (uint32_t i = 0; i < d->nfields; i++)
            if (!resolve_type(c, d->fields[i].type))
                return false;
        return true;
    }
}

static bool resolve_iface(wit_resolve *r, wit_interface *in)
{
    if (in->state == 2)
        return true;
    ctx c = { .r = r, .pkg = in->pkg, .scope = in->scope, .iface = in };
    for (uint32_t i = 0; i < in->nuses; i++)
        if (find_iface(&c, &in->uses[i]->path) == NULL)
            return false;
    for (uint32_t i = 0; i < in->ntypes; i++)
        if (!resolve_typedef(&c, in->types[i]))
            return false;
    for (uint32_t i = 0; i < in->nfuncs; i++)
        if (!resolve_func(&c, in->funcs[i]))
            return false;
    in->state = 2;
    return true;
}

/* ---- world elaboration ---- */

static bool has_iface(wit_extern **xs, uint32_t n, const wit_interface *in)
{
    for (uint32_t i = 0; i < n; i++)
        if (xs[i]->iface == in && xs[i]->kind == WIT_X_INTERFACE)
            return true;
    return false;
}

static bool has_name(wit_extern **xs, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (xs[i]->name != NULL && streq(xs[i]->name, name))
            return true;
    return false;
}

/* Import the interfaces `in` uses (transitively) before it. */
static bool add_deps(wit_resolve *r, wit_world *w, wit_interface *in, int depth)
{
    if (depth > 100) {
        wit_set_error_at(r, in->pos, "interface dependencies nest too deeply");
        return false;
    }
    for (uint32_t i = 0; i < in->nuses; i++) {
        wit_interface *dep = in->uses[i]->path.iface;
        if (dep == NULL || dep == in || has_iface(w->all_imports, w->nall_imports, dep)
            || has_iface(w->all_exports, w->nall_exports, dep))
            continue;
        if (!add_deps(r, w, dep, depth + 1))
            return false;
        if (has_iface(w->all_imports, w->nall_imports, dep))
            continue;
        wit_extern *x = wit_alloc(r, sizeof *x);
        if (x == NULL)
            return false;
        x->kind = WIT_X_INTERFACE;
        x->iface = dep;
        x->path.iface = dep;
        x->implicit = true;
        x->pos = in->pos;
        if (!wit_push(r, &w->all_imports, &w->nall_imports, x))
            return false;
    }
    return true;
}

static bool add_extern(wit_resolve *r, wit_world *w, wit_extern *x, bool import)
{
    wit_extern ***xs = import ? &w->all_imports : &w->all_exports;
    uint32_t *n = import ? &w->nall_imports : &w->nall_exports;
    if (x->kind == WIT_X_INTERFACE) {
        if (has_iface(*xs, *n, x->iface))
            return true;
    } else if (has_name(*xs, *n, x->name)) {
        if (x->kind == WIT_X_NAMED_IFACE || x->kind == WIT_X_INLINE || x->kind == WIT_X_FUNC) {
            wit_set_error_at(r, x->pos, "%s '%s' is defined more than once in world '%s'",
                             import ? "import" : "export", x->name, w->name);
            return false;
        }
    }
    if (x->iface != NULL && x->kind != WIT_X_INLINE && !add_deps(r, w, x->iface, 0))
        return false;
    if (x->kind == WIT_X_INLINE && !add_deps(r, w, x->iface, 0))
        return false;
    return wit_push(r, xs, n, x);
}

static bool elaborate(wit_resolve *r, wit_world *w);

static bool include_world(wit_resolve *r, wit_world *w, wit_include *inc)
{
    ctx c = { .r = r, .pkg = w->pkg, .scope = w->scope, .world = w };
    wit_world *src = find_world(&c, &inc->path);
    if (src == NULL || !elaborate(r, src))
        return false;
    for (int side = 0; side < 2; side++) {
        uint32_t n = side == 0 ? src->nall_imports : src->nall_exports;
        wit_extern **xs = side == 0 ? src->all_imports : src->all_exports;
        for (uint32_t i = 0; i < n; i++) {
            wit_extern *x = xs[i];
            if (x->name != NULL) {
                for (uint32_t k = 0; k < inc->nwith; k++) {
                    if (streq(inc->with[k].name, x->name)) {
                        wit_extern *cp = wit_alloc(r, sizeof *cp);
                        if (cp == NULL)
                            return false;
                        *cp = *x;
                        cp->name = inc->with[k].as;
                        x = cp;
                        break;
                    }
                }
            }
            if (!add_extern(r, w, x, side == 0))
                return false;
        }
    }
    return true;
}

static bool elaborate(wit_resolve *r, wit_world *w)
{
    if (w->state == 2)
        return true;
    if (w->state == 1) {
        wit_set_error_at(r, w->pos, "world '%s' includes itself", w->name);
        return false;
    }
    w->state = 1;
    ctx c = { .r = r, .pkg = w->pkg, .scope = w->scope, .world = w };
    /* world-level uses import their interfaces */
    for (uint32_t i = 0; i < w->nuses; i++) {
        wit_interface *in = find_iface(&c, &w->uses[i]->path);
        if (in == NULL || !resolve_iface(r, in))
            return false;
    }
    for (uint32_t i = 0; i < w->ntypes; i++)
        if (!resolve_typedef(&c, w->types[i]))
            return false;
    for (uint32_t side = 0; side < 2; side++) {
        uint32_t n = side == 0 ? w->nimports : w->nexports;
        wit_extern **xs = side == 0 ? w->imports : w->exports;
        for (uint32_t i = 0; i < n; i++) {
            wit_extern *x = xs[i];
            if (x->kind == WIT_X_FUNC) {
                if (!resolve_func(&c, x->func))
                    return false;
            } else if (x->kind == WIT_X_INLINE) {
                if (!resolve_iface(r, x->iface))
                    return false;
            } else {
                if (find_iface(&c, &x->path) == NULL)
                    return false;
                x->iface = x->path.iface;
                if (!resolve_iface(r, x->iface))
                    return false;
            }
        }
    }
    for (uint32_t i = 0; i < w->nuses; i++) {
        wit_extern *x = wit_alloc(r, sizeof *x);
        if (x == NULL)
            return false;
        x->kind = WIT_X_INTERFACE;
        x->iface = w->uses[i]->path.iface;
        x->path.iface = x->iface;
        x->implicit = true;
        if (!add_extern(r, w, x, true))
            return false;
    }
    for (uint32_t i = 0; i < w->nincludes; i++)
        if (!include_world(r, w, w->includes[i]))
            return false;
    for (uint32_t i = 0; i < w->nimports; i++)
        if (!add_extern(r, w, w->imports[i], true))
            return false;
    for (uint32_t i = 0; i < w->nexports; i++)
        if (!add_extern(r, w, w->exports[i], false))
            return false;
    w->state = 2;
    return true;
}

bool wit_resolve_all(wit_resolve *r)
{
    for (uint32_t p = 0; p < r->npackages; p++) {
        wit_package *pk = r->packages[p];
        for (uint32_t i = 0; i < pk->ninterfaces; i++)
            if (!resolve_iface(r, pk->interfaces[i]))
                return false;
    }
    for (uint32_t p = 0; p < r->npackages; p++) {
        wit_package *pk = r->packages[p];
        for (uint32_t i = 0; i < pk->nworlds; i++)
            if (!elaborate(r, pk->worlds[i]))
                return false;
    }
    return true;
}
