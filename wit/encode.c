/*
 * encode.c — WIT interfaces as Component Model binary types: the sections
 * that import an interface into a component being written (a type section
 * with its instance type, an import section, and an alias section per type
 * it exports, so that later interfaces can `use` them through outer
 * aliases). Used by `wacc compose` for the imports a composition keeps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void byte(bytes *b, uint8_t x) { put(b, &x, 1); }

static void u32(bytes *b, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        byte(b, c | (x ? 0x80 : 0));
    } while (x);
}

static void s33(bytes *b, int64_t x)        /* non-negative type index */
{
    for (;;) {
        uint8_t c = x & 0x7f;
        x >>= 7;
        if ((x == 0 && !(c & 0x40)) || (x == -1 && (c & 0x40))) {
            byte(b, c);
            return;
        }
        byte(b, c | 0x80);
    }
}

static void name(bytes *b, const char *s)
{
    size_t n = strlen(s);
    u32(b, (uint32_t)n);
    put(b, s, n);
}

static char *bg_world_id(const char *ns, const char *pkg, const char *world, const char *ver)
{
    size_t n = strlen(ns) + strlen(pkg) + strlen(world) + (ver ? strlen(ver) : 0) + 8;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s:%s/%s%s%s", ns, pkg, world, ver ? "@" : "", ver ? ver : "");
    return s;
}

static void section(bytes *out, uint8_t id, const bytes *body)
{
    byte(out, id);
    u32(out, (uint32_t)body->len);
    put(out, body->p, body->len);
}

/* ---- the encoder's map: (interface id, type name) -> outer type index ---- */

typedef struct wit_encmap {
    char *iface, *name;
    uint32_t idx;
} wit_encmap;

static bool map_find(const wit_encoder *e, const char *iface, const char *nm, uint32_t *idx)
{
    for (uint32_t i = 0; i < e->nmap; i++)
        if (strcmp(e->map[i].iface, iface) == 0 && strcmp(e->map[i].name, nm) == 0) {
            *idx = e->map[i].idx;
            return true;
        }
    return false;
}

static bool map_add(wit_encoder *e, const char *iface, const char *nm, uint32_t idx)
{
    if (e->nmap == e->capmap) {
        uint32_t cap = e->capmap ? 2 * e->capmap : 32;
        wit_encmap *m = realloc(e->map, cap * sizeof *m);
        if (m == NULL)
            return false;
        e->map = m, e->capmap = cap;
    }
    e->map[e->nmap].iface = strdup(iface);
    e->map[e->nmap].name = strdup(nm);
    e->map[e->nmap].idx = idx;
    return e->map[e->nmap++].iface != NULL;
}

void wit_encoder_free(wit_encoder *e)
{
    for (uint32_t i = 0; i < e->nmap; i++) {
        free(e->map[i].iface);
        free(e->map[i].name);
    }
    free(e->map);
    free(e->buf);
    memset(e, 0, sizeof *e);
}

/* ---- one instance type ---- */

typedef struct ity {
    wit_resolve *r;
    wit_encoder *e;
    bytes decls;
    uint32_t ndecls, lt;            /* decl count, local type index space */
    uint32_t nloc;
    const char *loc_name[512];      /* the instance's exported type names */
    uint32_t loc_idx[512];
    bool world;                     /* the world's own types: imports of the world type */
    const wit_interface *const *scope;  /* the interfaces (or world) being encoded: */
    uint32_t nscope;                /*   their types may be used before they are defined */
    const wit_world *wscope;
    uint32_t depth;
    bool failed;
} ity;

static void ity_fail(ity *t, wit_pos pos, const char *msg, const char *what)
{
    if (!t->failed)
        wit_set_error_at(t->r, pos, "%s%s", msg, what ? what : "");
    t->failed = true;
}

/* Types are found by name: the instance type may merge the same interface
 * as several components import it (each with the functions it uses). */
static bool loc_find(const ity *t, const wit_typedef *d, uint32_t *idx)
{
    for (uint32_t i = 0; i < t->nloc; i++)
        if (strcmp(t->loc_name[i], d->name) == 0) {
            *idx = t->loc_idx[i];
            return true;
        }
    return false;
}

static void loc_add(ity *t, const wit_typedef *d, uint32_t idx)
{
    if (t->nloc == 512) {
        ity_fail(t, d->pos, "too many types in one interface", NULL);
        return;
    }
    t->loc_name[t->nloc] = d->name;
    t->loc_idx[t->nloc++] = idx;
}

/* decl: a type definition (body = defvaltype/functype bytes) -> local index */
static uint32_t def_type(ity *t, const bytes *body)
{
    byte(&t->decls, 0x01);
    put(&t->decls, body->p, body->len);
    t->ndecls++;
    return t->lt++;
}

/* (export "nm" (type (eq idx))); a world's own types are imports of it */
static uint32_t export_type_eq(ity *t, const char *nm, uint32_t idx)
{
    byte(&t->decls, t->world ? 0x03 : 0x04);
    byte(&t->decls, 0x00);
    name(&t->decls, nm);
    byte(&t->decls, 0x03);      /* type */
    byte(&t->decls, 0x00);      /* eq */
    u32(&t->decls, idx);
    t->ndecls++;
    return t->lt++;
}

static const uint8_t prim_code[] = {
    [WIT_T_BOOL] = 0x7f, [WIT_T_S8] = 0x7e, [WIT_T_U8] = 0x7d, [WIT_T_S16] = 0x7c,
    [WIT_T_U16] = 0x7b, [WIT_T_S32] = 0x7a, [WIT_T_U32] = 0x79, [WIT_T_S64] = 0x78,
    [WIT_T_U64] = 0x77, [WIT_T_F32] = 0x76, [WIT_T_F64] = 0x75, [WIT_T_CHAR] = 0x74,
    [WIT_T_STRING] = 0x73, [WIT_T_ERROR_CONTEXT] = 0x64,
};

/* A valtype: a primitive code (>= 0x64, returned as negative - code) or an index. */
static int64_t valtype(ity *t, const wit_type *ty);
static void typedef_decl(ity *t, const wit_typedef *d);

static bool in_scope(const ity *t, const wit_typedef *d)
{
    if (d->iface == NULL)
        return t->wscope != NULL && d->world == t->wscope;
    for (uint32_t i = 0; i < t->nscope; i++)
        if (t->scope[i] == d->iface)
            return true;
    return false;
}

static void put_valtype(bytes *b, int64_t v)
{
    if (v < 0)
        byte(b, (uint8_t)(-v));
    else
        s33(b, v);
}

static int64_t handle(ity *t, const wit_typedef *d, bool borrow, wit_pos pos)
{
    uint32_t ri;
    if (!loc_find(t, d, &ri)) {
        ity_fail(t, pos, "resource not defined in this interface: ", d->name);
        return 0;
    }
    bytes b = {0};
    byte(&b, borrow ? 0x68 : 0x69);
    u32(&b, ri);
    uint32_t idx = def_type(t, &b);
    free(b.p);
    return idx;
}

static void opt_valtype(ity *t, bytes *b, const wit_type *ty)
{
    if (ty == NULL) {
        byte(b, 0x00);
        return;
    }
    int64_t v = valtype(t, ty);
    byte(b, 0x01);
    put_valtype(b, v);
}

static int64_t valtype(ity *t, const wit_type *ty)
{
    if (ty->kind < sizeof prim_code && prim_code[ty->kind])
        return -(int64_t)prim_code[ty->kind];
    bytes b = {0};
    int64_t r = 0;
    switch (ty->kind) {
    case WIT_T_NAMED: {
        wit_typedef *real = wit_typedef_resource(ty->def);
        if (real != NULL)
            return handle(t, ty->def, false, ty->pos);
        uint32_t idx;
        if (!loc_find(t, ty->def, &idx) && in_scope(t, ty->def) && t->depth < 64) {
            t->depth++;             /* WIT allows a use before the definition */
            typedef_decl(t, ty->def);
            t->depth--;
        }
        if (!loc_find(t, ty->def, &idx)) {
            ity_fail(t, ty->pos, "type used before it is defined: ", ty->def->name);
            return 0;
        }
        return idx;
    }
    case WIT_T_OWN: case WIT_T_BORROW:
        return handle(t, ty->def, ty->kind == WIT_T_BORROW, ty->pos);
    case WIT_T_LIST: {
        int64_t v = valtype(t, ty->a);
        byte(&b, 0x70);
        put_valtype(&b, v);
        break;
    }
    case WIT_T_FIXED_LIST: {
        int64_t v = valtype(t, ty->a);
        byte(&b, 0x67);
        put_valtype(&b, v);
        u32(&b, ty->len);
        break;
    }
    case WIT_T_OPTION: {
        int64_t v = valtype(t, ty->a);
        byte(&b, 0x6b);
        put_valtype(&b, v);
        break;
    }
    case WIT_T_RESULT: {
        bytes c = {0};
        opt_valtype(t, &c, ty->a);
        opt_valtype(t, &c, ty->b);
        byte(&b, 0x6a);
        put(&b, c.p, c.len);
        free(c.p);
        break;
    }
    case WIT_T_TUPLE: {
        bytes c = {0};
        for (uint32_t i = 0; i < ty->n; i++)
            put_valtype(&c, valtype(t, ty->elems[i]));
        byte(&b, 0x6f);
        u32(&b, ty->n);
        put(&b, c.p, c.len);
        free(c.p);
        break;
    }
    case WIT_T_MAP: {
        int64_t k = valtype(t, ty->a), v = valtype(t, ty->b);
        byte(&b, 0x63);
        put_valtype(&b, k);
        put_valtype(&b, v);
        break;
    }
    case WIT_T_FUTURE: case WIT_T_STREAM: {
        bytes c = {0};
        opt_valtype(t, &c, ty->a);
        byte(&b, ty->kind == WIT_T_FUTURE ? 0x65 : 0x66);
        put(&b, c.p, c.len);
        free(c.p);
        break;
    }
    default:
        ity_fail(t, ty->pos, "cannot encode this type", NULL);
        return 0;
    }
    r = def_type(t, &b);
    free(b.p);
    return r;
}

static void typedef_decl(ity *t, const wit_typedef *d)
{
    bytes b = {0};
    switch (d->kind) {
    case WIT_D_USE: {
        const wit_typedef *tg = d->target;
        char *id = tg->iface ? wit_interface_id(tg->iface) : NULL;
        uint32_t o;
        if (id == NULL || !t->e || !map_find(t->e, id, tg->name, &o)) {
            ity_fail(t, d->pos, "a used type's interface is not imported before: ", d->name);
            free(id);
            return;
        }
        free(id);
        if (t->world) {                 /* the interface's alias is in this very space */
            loc_add(t, d, export_type_eq(t, d->name, o));
            return;
        }
        byte(&t->decls, 0x02);          /* alias */
        byte(&t->decls, 0x03);          /* sort: type */
        byte(&t->decls, 0x02);          /* outer */
        u32(&t->decls, 1);
        u32(&t->decls, o);
        t->ndecls++;
        uint32_t a = t->lt++;
        loc_add(t, d, export_type_eq(t, d->name, a));
        return;
    }
    case WIT_D_RESOURCE:
        byte(&t->decls, t->world ? 0x03 : 0x04);
        byte(&t->decls, 0x00);
        name(&t->decls, d->name);
        byte(&t->decls, 0x03);
        byte(&t->decls, 0x01);          /* sub resource */
        t->ndecls++;
        loc_add(t, d, t->lt++);
        return;
    case WIT_D_ALIAS: {
        /* `type headers = fields;` of a resource names the resource itself */
        uint32_t ri;
        if (d->alias->kind == WIT_T_NAMED && wit_typedef_real(d->alias->def)->kind == WIT_D_RESOURCE
            && loc_find(t, d->alias->def, &ri)) {
            loc_add(t, d, export_type_eq(t, d->name, ri));
            break;
        }
        int64_t v = valtype(t, d->alias);
        uint32_t a;
        if (v >= 0) {
            a = (uint32_t)v;
        } else {
            put_valtype(&b, v);
            a = def_type(t, &b);
        }
        loc_add(t, d, export_type_eq(t, d->name, a));
        break;
    }
    case WIT_D_RECORD: {
        bytes c = {0};
        for (uint32_t i = 0; i < d->nfields; i++) {
            int64_t v = valtype(t, d->fields[i].type);
            name(&c, d->fields[i].name);
            put_valtype(&c, v);
        }
        byte(&b, 0x72);
        u32(&b, d->nfields);
        put(&b, c.p, c.len);
        free(c.p);
        loc_add(t, d, export_type_eq(t, d->name, def_type(t, &b)));
        break;
    }
    case WIT_D_VARIANT: {
        bytes c = {0};
        for (uint32_t i = 0; i < d->nfields; i++) {
            name(&c, d->fields[i].name);
            opt_valtype(t, &c, d->fields[i].type);
            byte(&c, 0x00);
        }
        byte(&b, 0x71);
        u32(&b, d->nfields);
        put(&b, c.p, c.len);
        free(c.p);
        loc_add(t, d, export_type_eq(t, d->name, def_type(t, &b)));
        break;
    }
    case WIT_D_ENUM: case WIT_D_FLAGS:
        byte(&b, d->kind == WIT_D_ENUM ? 0x6d : 0x6e);
        u32(&b, d->nfields);
        for (uint32_t i = 0; i < d->nfields; i++)
            name(&b, d->fields[i].name);
        loc_add(t, d, export_type_eq(t, d->name, def_type(t, &b)));
        break;
    }
    free(b.p);
}

static void func_decl_as(ity *t, const wit_func *f, const wit_typedef *res, uint8_t decl)
{
    bytes b = {0}, c = {0};
    uint32_t np = f->nparams + (f->kind == WIT_F_METHOD ? 1 : 0);
    if (f->kind == WIT_F_METHOD) {
        name(&c, "self");
        put_valtype(&c, handle(t, res, true, f->pos));
    }
    for (uint32_t i = 0; i < f->nparams; i++) {
        int64_t v = valtype(t, f->params[i].type);
        name(&c, f->params[i].name);
        put_valtype(&c, v);
    }
    int64_t rv = 0;
    bool has_result = f->result != NULL || f->kind == WIT_F_CONSTRUCTOR;
    if (f->result != NULL)
        rv = valtype(t, f->result);
    else if (f->kind == WIT_F_CONSTRUCTOR)
        rv = handle(t, res, false, f->pos);
    byte(&b, f->async ? 0x43 : 0x40);
    u32(&b, np);
    put(&b, c.p, c.len);
    if (has_result) {
        byte(&b, 0x00);
        put_valtype(&b, rv);
    } else {
        byte(&b, 0x01);
        byte(&b, 0x00);
    }
    uint32_t fi = def_type(t, &b);
    char buf[512];
    if (f->kind == WIT_F_CONSTRUCTOR)
        snprintf(buf, sizeof buf, "[constructor]%s", res->name);
    else if (f->kind == WIT_F_METHOD)
        snprintf(buf, sizeof buf, "[method]%s.%s", res->name, f->name);
    else if (f->kind == WIT_F_STATIC)
        snprintf(buf, sizeof buf, "[static]%s.%s", res->name, f->name);
    else
        snprintf(buf, sizeof buf, "%s", f->name);
    byte(&t->decls, decl);
    byte(&t->decls, 0x00);
    name(&t->decls, buf);
    byte(&t->decls, 0x01);      /* func */
    u32(&t->decls, fi);
    t->ndecls++;
    free(b.p);
    free(c.p);
}

static bool has_func(const char *const *names, uint32_t n, const char *nm)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(names[i], nm) == 0)
            return true;
    return false;
}

static void func_decl(ity *t, const wit_func *f, const wit_typedef *res)
{
    func_decl_as(t, f, res, 0x04);
}

bool wit_encode_import(wit_resolve *r, wit_encoder *e, const char *import_name,
                       const wit_interface *const *ifaces, uint32_t nifaces)
{
    return wit_encode_extern(r, e, import_name, ifaces, nifaces, false);
}

bool wit_encode_extern(wit_resolve *r, wit_encoder *e, const char *import_name,
                       const wit_interface *const *ifaces, uint32_t nifaces, bool is_export)
{
    ity *t = calloc(1, sizeof *t);
    const char **fnames = calloc(4096, sizeof *fnames);
    uint32_t nf = 0;
    if (t == NULL || fnames == NULL) {
        free(t), free(fnames);
        snprintf(r->err, sizeof r->err, "out of memory");
        return false;
    }
    t->r = r, t->e = e;
    t->scope = ifaces, t->nscope = nifaces;
    for (uint32_t q = 0; q < nifaces; q++) {
        const wit_interface *i = ifaces[q];
        for (uint32_t k = 0; k < i->ntypes && !t->failed; k++) {
            uint32_t dummy;
            if (!loc_find(t, i->types[k], &dummy))
                typedef_decl(t, i->types[k]);
        }
    }
    char buf[512];
    for (uint32_t q = 0; q < nifaces; q++) {
        const wit_interface *i = ifaces[q];
        for (uint32_t k = 0; k < i->ntypes && !t->failed; k++) {
            const wit_typedef *d = i->types[k];
            if (d->kind != WIT_D_RESOURCE)
                continue;
            for (uint32_t f = 0; f < d->nfuncs && nf < 4096; f++) {
                snprintf(buf, sizeof buf, "%s.%s", d->name, d->funcs[f]->name);
                if (has_func(fnames, nf, buf))
                    continue;
                fnames[nf++] = wit_strdup(r, buf);
                func_decl(t, d->funcs[f], d);
            }
        }
        for (uint32_t k = 0; k < i->nfuncs && !t->failed && nf < 4096; k++) {
            if (has_func(fnames, nf, i->funcs[k]->name))
                continue;
            fnames[nf++] = i->funcs[k]->name;
            func_decl(t, i->funcs[k], NULL);
        }
    }
    free(fnames);
    bool ok = !t->failed && !t->decls.failed;
    if (ok) {
        bytes out = { e->buf, e->len, e->cap, false };
        bytes body = {0};
        if (e->decls) {         /* inside a component type: one decl each */
            byte(&out, 0x01);
            byte(&out, 0x42);
            u32(&out, t->ndecls);
            put(&out, t->decls.p, t->decls.len);
            byte(&out, is_export ? 0x04 : 0x03);
            byte(&out, 0x00);
            name(&out, import_name);
            byte(&out, 0x05);
            u32(&out, e->ntypes);
            e->ndecls += 2;
        } else {                /* a component: a type section, an import section */
            u32(&body, 1);
            byte(&body, 0x42);
            u32(&body, t->ndecls);
            put(&body, t->decls.p, t->decls.len);
            section(&out, 7, &body);
            body.len = 0;
            u32(&body, 1);
            byte(&body, 0x00);
            name(&body, import_name);
            byte(&body, 0x05);
            u32(&body, e->ntypes);
            section(&out, is_export ? 11 : 10, &body);
        }
        e->ntypes++;
        uint32_t ii = e->ninstances++;
        /* aliases of the types it exports, for the interfaces that use them */
        char *id = wit_interface_id(ifaces[0]);
        body.len = 0;
        bytes al = {0};
        for (uint32_t k = 0; k < t->nloc; k++) {
            if (e->decls) {
                byte(&al, 0x02);
                e->ndecls++;
            }
            byte(&al, 0x03);
            byte(&al, 0x00);
            u32(&al, ii);
            name(&al, t->loc_name[k]);
            if (id && !map_add(e, id, t->loc_name[k], e->ntypes + k))
                ok = false;
        }
        if (t->nloc > 0) {
            if (e->decls) {
                put(&out, al.p, al.len);
            } else {
                u32(&body, t->nloc);
                put(&body, al.p, al.len);
                section(&out, 6, &body);
            }
            e->ntypes += t->nloc;
        }
        free(id);
        free(al.p);
        free(body.p);
        ok = ok && !out.failed && !body.failed;
        e->buf = out.p, e->len = out.len, e->cap = out.cap;
    }
    free(t->decls.p);
    free(t);
    if (!ok && r->err[0] == '\0')
        snprintf(r->err, sizeof r->err, "out of memory encoding '%s'", import_name);
    return ok;
}

/* Append t's decls to the world type being written. */
static bool world_put(wit_encoder *e, ity *t)
{
    bool ok = !t->failed && !t->decls.failed;
    if (ok) {
        bytes out = { e->buf, e->len, e->cap, false };
        put(&out, t->decls.p, t->decls.len);
        e->buf = out.p, e->len = out.len, e->cap = out.cap;
        e->ndecls += t->ndecls;
        e->ntypes = t->lt;
        ok = !out.failed;
    }
    return ok;
}

/* The types defined in the world itself (`record cfg {..}` between its
 * imports and exports): imports of the world type, as wit-component writes
 * them. *out keeps their names and indices for the world's functions. */
static bool world_types(wit_resolve *r, wit_encoder *e, const wit_world *w, ity **out)
{
    ity *t = calloc(1, sizeof *t);
    if (t == NULL)
        return false;
    t->r = r, t->e = e, t->lt = e->ntypes, t->world = true, t->wscope = w;
    for (uint32_t k = 0; k < w->ntypes && !t->failed; k++) {
        uint32_t dummy;
        if (!loc_find(t, w->types[k], &dummy))
            typedef_decl(t, w->types[k]);
    }
    bool ok = world_put(e, t);
    free(t->decls.p);
    memset(&t->decls, 0, sizeof t->decls);
    t->ndecls = 0;
    *out = t;
    return ok;
}

/* A function of the world itself: its type and an import/export decl. */
static bool world_func(wit_resolve *r, wit_encoder *e, const wit_func *f, bool is_export, const ity *wt)
{
    ity *t = calloc(1, sizeof *t);
    if (t == NULL)
        return false;
    t->r = r, t->e = e, t->lt = e->ntypes;
    if (wt != NULL) {
        memcpy(t->loc_name, wt->loc_name, wt->nloc * sizeof *t->loc_name);
        memcpy(t->loc_idx, wt->loc_idx, wt->nloc * sizeof *t->loc_idx);
        t->nloc = wt->nloc;
    }
    func_decl_as(t, f, NULL, is_export ? 0x04 : 0x03);
    bool ok = world_put(e, t);
    free(t->decls.p);
    free(t);
    return ok;
}

uint8_t *wit_encode_world_metadata(wit_resolve *r, const wit_world *w, size_t *size)
{
    wit_encoder e = { .decls = true };
    bool ok = true;
    ity *wt = NULL;
    /* imported interfaces, the world's own types (they may use the
     * interfaces' types), imported functions, then the exports */
    for (int pass = 0; pass < 3 && ok; pass++) {
        int side = pass == 2;
        if (pass == 1 && w->ntypes > 0)
            ok = world_types(r, &e, w, &wt);
        uint32_t n = side ? w->nall_exports : w->nall_imports;
        wit_extern **xs = side ? w->all_exports : w->all_imports;
        for (uint32_t k = 0; k < n && ok; k++) {
            const wit_extern *x = xs[k];
            if (x->kind == WIT_X_FUNC) {
                if (pass != 0)
                    ok = world_func(r, &e, x->func, side == 1, wt);
                continue;
            }
            if (pass == 1)
                continue;
            char *nm = x->kind == WIT_X_INTERFACE ? wit_interface_id(x->iface) : strdup(x->name);
            const wit_interface *i = x->iface;
            ok = nm != NULL && wit_encode_extern(r, &e, nm, &i, 1, side == 1);
            free(nm);
        }
    }
    free(wt);
    bytes out = {0};
    if (ok) {
        static const uint8_t header[8] = { 0, 'a', 's', 'm', 0x0d, 0, 0x01, 0 };
        put(&out, header, 8);
        bytes body = {0};
        name(&body, "wit-component-encoding");
        byte(&body, 0x04);      /* metadata version */
        byte(&body, 0x00);      /* string encoding: utf8 */
        section(&out, 0, &body);
        /* type 0: (component (type (component WORLD)) (export "ns:pkg/world" (component 0))) */
        char *pkg = w->pkg->version
                        ? bg_world_id(w->pkg->ns, w->pkg->name, w->name, w->pkg->version)
                        : bg_world_id(w->pkg->ns, w->pkg->name, w->name, NULL);
        bytes inner = {0};
        u32(&inner, 2);
        byte(&inner, 0x01);
        byte(&inner, 0x41);
        u32(&inner, e.ndecls);
        put(&inner, e.buf, e.len);
        byte(&inner, 0x04);
        byte(&inner, 0x00);
        name(&inner, pkg);
        byte(&inner, 0x04);     /* component */
        u32(&inner, 0);
        body.len = 0;
        u32(&body, 1);
        byte(&body, 0x41);
        put(&body, inner.p, inner.len);
        section(&out, 7, &body);
        /* export "world" (type 0) */
        body.len = 0;
        u32(&body, 1);
        byte(&body, 0x00);
        name(&body, w->name);
        byte(&body, 0x03);
        u32(&body, 0);
        byte(&body, 0x00);
        section(&out, 11, &body);
        free(inner.p);
        free(body.p);
        free(pkg);
        ok = !out.failed;
    }
    wit_encoder_free(&e);
    if (!ok) {
        free(out.p);
        if (r->err[0] == '\0')
            snprintf(r->err, sizeof r->err, "out of memory");
        return NULL;
    }
    *size = out.len;
    return out.p;
}
