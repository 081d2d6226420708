/*
 * component.c — rebuild a component's world as WIT from its binary types
 * (see wit_component.h).
 *
 * Type index spaces are converted lazily: a `space` is either a component's
 * type space (entries computed on demand from compfmt's index spaces) or the
 * declarations of an instance type (filled in order). Each entry (tref) is a
 * structural definition, a primitive, or a WIT name (a typedef created when
 * the type is exported by name), or a link to an entry of another space
 * (outer aliases, instantiation arguments).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "internal.h"
#include "wit_component.h"

typedef struct space space;

typedef struct tref {
    int state;                  /* component spaces: 0 todo, 1 computing, 2 done */
    struct tref *link;          /* same type as that entry */
    const wacc_deftype *dt;
    space *dsp;                 /* the space dt's indices refer to */
    uint8_t prim;               /* WACC_PT_* for a bare primitive */
    wit_typedef *named;
} tref;

struct space {
    space *outer;
    const wacc_component *comp; /* component space, or NULL for a declaration list */
    const wacc_inst_arg *args;  /* instantiation arguments (nested components) */
    uint32_t nargs;
    space *args_sp;
    uint32_t n, cap;
    tref *t;
    wit_interface **inst_iface; /* component spaces: instance index -> interface */
    uint8_t *inst_state;
};

typedef struct conv {
    wit_resolve *r;
    wit_package *root;
    wit_world *world;
    int depth;
    uint32_t anon;
} conv;

static const struct { uint8_t pt; uint8_t wk; } prim_map[] = {
    { WACC_PT_BOOL, WIT_T_BOOL }, { WACC_PT_S8, WIT_T_S8 }, { WACC_PT_U8, WIT_T_U8 },
    { WACC_PT_S16, WIT_T_S16 }, { WACC_PT_U16, WIT_T_U16 }, { WACC_PT_S32, WIT_T_S32 },
    { WACC_PT_U32, WIT_T_U32 }, { WACC_PT_S64, WIT_T_S64 }, { WACC_PT_U64, WIT_T_U64 },
    { WACC_PT_F32, WIT_T_F32 }, { WACC_PT_F64, WIT_T_F64 }, { WACC_PT_CHAR, WIT_T_CHAR },
    { WACC_PT_STRING, WIT_T_STRING }, { WACC_PT_ERROR_CONTEXT, WIT_T_ERROR_CONTEXT },
};

static wit_type *new_type(conv *cv, int kind)
{
    wit_type *t = wit_alloc(cv->r, sizeof *t);
    if (t != NULL)
        t->kind = (uint8_t)kind;
    return t;
}

static wit_type *prim_type(conv *cv, uint8_t pt)
{
    for (size_t i = 0; i < sizeof prim_map / sizeof prim_map[0]; i++)
        if (prim_map[i].pt == pt)
            return new_type(cv, prim_map[i].wk);
    wit_type *t = new_type(cv, WIT_T_NAMED);
    if (t != NULL)
        t->name = "unknown-primitive";
    return t;
}

static wit_type *unknown(conv *cv, const char *what)
{
    wit_type *t = new_type(cv, WIT_T_NAMED);
    if (t != NULL)
        t->name = what;
    return t;
}

static space *new_space(conv *cv, space *outer, const wacc_component *comp, uint32_t cap)
{
    space *s = wit_alloc(cv->r, sizeof *s);
    if (s == NULL)
        return NULL;
    s->outer = outer;
    s->comp = comp;
    s->cap = cap;
    if (cap > 0 && (s->t = wit_alloc(cv->r, cap * sizeof *s->t)) == NULL)
        return NULL;
    if (comp != NULL) {
        s->n = cap;
        uint32_t ni = comp->spaces[WACC_SORT_INSTANCE].count;
        if (ni > 0) {
            s->inst_iface = wit_alloc(cv->r, ni * sizeof *s->inst_iface);
            s->inst_state = wit_alloc(cv->r, ni);
            if (s->inst_iface == NULL || s->inst_state == NULL)
                return NULL;
        }
    }
    return s;
}

static tref *deref(tref *t)
{
    for (int guard = 0; t != NULL && t->link != NULL && guard < 64; guard++)
        t = t->link;
    return t;
}

static tref *sp_get(conv *cv, space *sp, uint32_t idx);
static wit_interface *instance_iface(conv *cv, space *sp, uint32_t idx);

static space *outer_space(space *sp, uint32_t count)
{
    while (sp != NULL && count-- > 0)
        sp = sp->outer;
    return sp;
}

/* A world-level typedef for an imported type. */
static wit_typedef *named_def(conv *cv, wit_interface *in, const char *name, tref *tr);

static wit_typedef *world_type(conv *cv, const char *name, int kind)
{
    wit_typedef *d = wit_alloc(cv->r, sizeof *d);
    if (d == NULL)
        return NULL;
    d->kind = (uint8_t)kind;
    d->name = wit_strdup(cv->r, name);
    d->world = cv->world;
    wit_push(cv->r, &cv->world->types, &cv->world->ntypes, d);
    return d;
}

static void compute_entry(conv *cv, space *sp, uint32_t idx, tref *tr)
{
    const wacc_component *c = sp->comp;
    wacc_space_entry e = c->spaces[WACC_SORT_TYPE].entries[idx];
    switch (e.def) {
    case WACC_DEF_TYPE:
        tr->dt = c->types[e.index];
        tr->dsp = sp;
        if (tr->dt->kind == WACC_DT_PRIM)
            tr->prim = tr->dt->prim;
        break;
    case WACC_DEF_ALIAS: {
        const wacc_alias *a = &c->aliases[e.index];
        if (a->kind == WACC_ALIAS_OUTER) {
            space *o = outer_space(sp, a->outer_ct);
            if (o != NULL)
                tr->link = sp_get(cv, o, a->outer_idx);
        } else if (a->kind == WACC_ALIAS_EXPORT) {
            wit_interface *in = instance_iface(cv, sp, a->instance);
            if (in != NULL)
                tr->named = wit_find_type(in, a->name.str);
        }
        break;
    }
    case WACC_DEF_IMPORT: {
        const wacc_import *im = &c->imports[e.index];
        for (uint32_t i = 0; i < sp->nargs; i++) {
            if (strcmp(sp->args[i].name.str, im->name.str) == 0
                && sp->args[i].item.sort == WACC_SORT_TYPE) {
                tr->link = sp_get(cv, sp->args_sp, sp->args[i].item.idx);
                return;
            }
        }
        if (sp->outer == NULL) {
            if (im->type.sub_resource) {
                tr->named = world_type(cv, im->name.str, WIT_D_RESOURCE);
            } else {
                /* a type of the world itself (`record cfg {..}`, `use i.{t}`
                 * in a world): (import "cfg" (type (eq N))) */
                tref *eq = sp_get(cv, sp, im->type.idx);
                if (eq != NULL) {
                    tref copy = *eq;
                    tr->named = named_def(cv, NULL, wit_strdup(cv->r, im->name.str), &copy);
                }
            }
        }
        break;
    }
    case WACC_DEF_EXPORT: {
        const wacc_export *ex = &c->exports[e.index];
        tr->link = sp_get(cv, sp, ex->item.idx);
        break;
    }
    default:
        break;
    }
}

static tref *sp_get(conv *cv, space *sp, uint32_t idx)
{
    if (sp == NULL || idx >= sp->n)
        return NULL;
    tref *tr = &sp->t[idx];
    if (sp->comp != NULL && tr->state == 0) {
        tr->state = 1;
        if (cv->depth++ < 200)
            compute_entry(cv, sp, idx, tr);
        cv->depth--;
        tr->state = 2;
    }
    return deref(tr);
}

/* ---- names from other interfaces: `use` ---- */

static wit_typedef *add_use(conv *cv, wit_interface *in, wit_typedef *def, const char *local)
{
    uint32_t *ntypes = in ? &in->ntypes : &cv->world->ntypes;
    wit_typedef ***types = in ? &in->types : &cv->world->types;
    uint32_t *nuses = in ? &in->nuses : &cv->world->nuses;
    wit_use ***uses = in ? &in->uses : &cv->world->uses;
    wit_typedef *real = wit_typedef_real(def);
    for (uint32_t i = 0; i < *ntypes; i++) {
        wit_typedef *d = (*types)[i];
        if (d->kind == WIT_D_USE && wit_typedef_real(d) == real
            && (local == NULL || strcmp(d->name, local) == 0))
            return d;
    }
    const char *name = local ? local : def->name;
    /* a name clash: use a prefixed local name */
    for (uint32_t i = 0; i < *ntypes; i++) {
        if (strcmp((*types)[i]->name, name) == 0) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s-%s", def->iface->name, def->name);
            name = wit_strdup(cv->r, buf);
            break;
        }
    }
    wit_use *u = NULL;
    for (uint32_t i = 0; i < *nuses; i++)
        if ((*uses)[i]->path.iface == def->iface)
            u = (*uses)[i];
    if (u == NULL) {
        u = wit_alloc(cv->r, sizeof *u);
        if (u == NULL)
            return NULL;
        u->path.iface = def->iface;
        u->path.name = def->iface->name;
        wit_push(cv->r, uses, nuses, u);
    }
    wit_rename *nr = wit_alloc(cv->r, (u->n + 1) * sizeof *nr);
    if (nr == NULL)
        return NULL;
    if (u->n > 0)
        memcpy(nr, u->names, u->n * sizeof *nr);
    nr[u->n].name = def->name;
    nr[u->n].as = strcmp(name, def->name) == 0 ? NULL : name;
    u->names = nr;
    u->n++;
    wit_typedef *d = wit_alloc(cv->r, sizeof *d);
    if (d == NULL)
        return NULL;
    d->kind = WIT_D_USE;
    d->name = name;
    d->use_name = def->name;
    d->use = u;
    d->target = def;
    d->state = 2;
    d->iface = in;
    d->world = in ? NULL : cv->world;
    wit_push(cv->r, types, ntypes, d);
    return d;
}

/* A reference to a named type from inside `in` (NULL: the world). */
static wit_type *ref_named(conv *cv, wit_interface *in, wit_typedef *def, int kind)
{
    wit_typedef *local = def;
    bool here = in ? def->iface == in : def->world == cv->world;
    if (!here && def->iface != NULL)
        local = add_use(cv, in, def, NULL);
    if (local == NULL)
        return NULL;
    wit_type *t = new_type(cv, kind);
    if (t != NULL) {
        t->name = local->name;
        t->def = local;
    }
    return t;
}

/* ---- structural types ---- */

static wit_type *conv_idx(conv *cv, wit_interface *in, space *sp, uint32_t idx);
static wit_typedef *named_def(conv *cv, wit_interface *in, const char *name, tref *tr);

static wit_type *conv_val(conv *cv, wit_interface *in, space *sp, wacc_valtype v)
{
    return v.prim ? prim_type(cv, v.prim) : conv_idx(cv, in, sp, v.idx);
}

static wit_type *conv_handle(conv *cv, wit_interface *in, space *sp, uint32_t idx, int kind)
{
    tref *tr = sp_get(cv, sp, idx);
    if (tr == NULL || tr->named == NULL)
        return unknown(cv, "unknown-resource");
    return ref_named(cv, in, tr->named, kind);
}

static wit_type *conv_dt(conv *cv, wit_interface *in, const wacc_deftype *dt, space *sp)
{
    wit_type *t;
    switch (dt->kind) {
    case WACC_DT_PRIM:
        return prim_type(cv, dt->prim);
    case WACC_DT_LIST:
    case WACC_DT_FIXED_LIST:
    case WACC_DT_OPTION:
        t = new_type(cv, dt->kind == WACC_DT_LIST ? WIT_T_LIST
                         : dt->kind == WACC_DT_OPTION ? WIT_T_OPTION : WIT_T_FIXED_LIST);
        if (t != NULL) {
            t->a = conv_val(cv, in, sp, dt->t);
            t->len = dt->len;
        }
        return t;
    case WACC_DT_TUPLE:
        t = new_type(cv, WIT_T_TUPLE);
        for (uint32_t i = 0; t != NULL && i < dt->nfields; i++)
            wit_push(cv->r, &t->elems, &t->n, conv_val(cv, in, sp, dt->fields[i].type));
        return t;
    case WACC_DT_RESULT:
    case WACC_DT_MAP:
        t = new_type(cv, dt->kind == WACC_DT_RESULT ? WIT_T_RESULT : WIT_T_MAP);
        if (t != NULL) {
            if (dt->has_t || dt->kind == WACC_DT_MAP)
                t->a = conv_val(cv, in, sp, dt->t);
            if (dt->has_u || dt->kind == WACC_DT_MAP)
                t->b = conv_val(cv, in, sp, dt->u);
        }
        return t;
    case WACC_DT_STREAM:
    case WACC_DT_FUTURE:
        t = new_type(cv, dt->kind == WACC_DT_STREAM ? WIT_T_STREAM : WIT_T_FUTURE);
        if (t != NULL && dt->has_t)
            t->a = conv_val(cv, in, sp, dt->t);
        return t;
    case WACC_DT_OWN:
        return conv_handle(cv, in, sp, dt->t.idx, WIT_T_NAMED);
    case WACC_DT_BORROW:
        return conv_handle(cv, in, sp, dt->t.idx, WIT_T_BORROW);
    case WACC_DT_RECORD:
    case WACC_DT_VARIANT:
    case WACC_DT_ENUM:
    case WACC_DT_FLAGS: {
        /* anonymous in the binary: WIT needs a name */
        char buf[32];
        snprintf(buf, sizeof buf, "anon-type%u", ++cv->anon);
        tref tmp = { .dt = dt, .dsp = sp };
        wit_typedef *d = named_def(cv, in, wit_strdup(cv->r, buf), &tmp);
        return d ? ref_named(cv, in, d, WIT_T_NAMED) : NULL;
    }
    default:
        return unknown(cv, "unknown-type");
    }
}

static wit_type *conv_idx(conv *cv, wit_interface *in, space *sp, uint32_t idx)
{
    tref *tr = sp_get(cv, sp, idx);
    if (tr == NULL)
        return unknown(cv, "unknown-type");
    if (tr->named != NULL)
        return ref_named(cv, in, tr->named, WIT_T_NAMED);
    if (tr->prim)
        return prim_type(cv, tr->prim);
    if (tr->dt != NULL) {
        if (cv->depth++ > 100) {
            cv->depth--;
            return unknown(cv, "too-deep");
        }
        wit_type *t = conv_dt(cv, in, tr->dt, tr->dsp);
        cv->depth--;
        return t;
    }
    return unknown(cv, "unknown-type");
}

/* Create the typedef `name` for a type exported by name from `in`. */
static wit_typedef *named_def(conv *cv, wit_interface *in, const char *name, tref *tr)
{
    if (tr->named != NULL) {
        if (tr->named->iface != NULL && tr->named->iface != in)
            return add_use(cv, in, tr->named, name);
    }
    wit_typedef *d = wit_alloc(cv->r, sizeof *d);
    if (d == NULL)
        return NULL;
    d->name = name;
    d->iface = in;
    d->world = in ? NULL : cv->world;
    const wacc_deftype *dt = tr->dt;
    if (tr->named != NULL) {
        d->kind = WIT_D_ALIAS;
        d->alias = ref_named(cv, in, tr->named, WIT_T_NAMED);
    } else if (dt != NULL && (dt->kind == WACC_DT_RECORD || dt->kind == WACC_DT_VARIANT
                              || dt->kind == WACC_DT_ENUM || dt->kind == WACC_DT_FLAGS)) {
        d->kind = dt->kind == WACC_DT_RECORD ? WIT_D_RECORD
                  : dt->kind == WACC_DT_VARIANT ? WIT_D_VARIANT
                  : dt->kind == WACC_DT_ENUM ? WIT_D_ENUM : WIT_D_FLAGS;
        d->nfields = dt->nfields;
        d->fields = dt->nfields ? wit_alloc(cv->r, dt->nfields * sizeof *d->fields) : NULL;
        for (uint32_t i = 0; d->fields != NULL && i < dt->nfields; i++) {
            d->fields[i].name = wit_strndup(cv->r, dt->fields[i].label, dt->fields[i].label_len);
            if (dt->kind == WACC_DT_RECORD || (dt->kind == WACC_DT_VARIANT && dt->fields[i].has_type))
                d->fields[i].type = conv_val(cv, in, tr->dsp, dt->fields[i].type);
        }
    } else if (dt != NULL && dt->kind == WACC_DT_RESOURCE) {
        d->kind = WIT_D_RESOURCE;
    } else if (dt != NULL) {
        d->kind = WIT_D_ALIAS;
        d->alias = conv_dt(cv, in, dt, tr->dsp);
    } else if (tr->prim) {
        d->kind = WIT_D_ALIAS;
        d->alias = prim_type(cv, tr->prim);
    } else {
        d->kind = WIT_D_ALIAS;
        d->alias = unknown(cv, "unknown-type");
    }
    if (in != NULL)
        wit_push(cv->r, &in->types, &in->ntypes, d);
    else
        wit_push(cv->r, &cv->world->types, &cv->world->ntypes, d);
    return d;
}

static wit_typedef *new_resource(conv *cv, wit_interface *in, const char *name)
{
    wit_typedef *d = wit_alloc(cv->r, sizeof *d);
    if (d == NULL)
        return NULL;
    d->kind = WIT_D_RESOURCE;
    d->name = wit_strdup(cv->r, name);
    d->iface = in;
    d->world = in ? NULL : cv->world;
    if (in != NULL)
        wit_push(cv->r, &in->types, &in->ntypes, d);
    else
        wit_push(cv->r, &cv->world->types, &cv->world->ntypes, d);
    return d;
}

/* ---- functions ---- */

static wit_func *conv_func(conv *cv, wit_interface *in, const char *name, tref *ftr)
{
    if (ftr == NULL || ftr->dt == NULL || ftr->dt->kind != WACC_DT_FUNC)
        return NULL;
    const wacc_deftype *dt = ftr->dt;
    wit_func *f = wit_alloc(cv->r, sizeof *f);
    if (f == NULL)
        return NULL;
    const char *res = NULL;
    size_t reslen = 0;
    f->name = wit_strdup(cv->r, name);
    if (strncmp(name, "[constructor]", 13) == 0) {
        f->kind = WIT_F_CONSTRUCTOR;
        res = name + 13;
        reslen = strlen(res);
        f->name = "constructor";
    } else if (strncmp(name, "[method]", 8) == 0 || strncmp(name, "[static]", 8) == 0) {
        f->kind = name[1] == 'm' ? WIT_F_METHOD : WIT_F_STATIC;
        res = name + 8;
        const char *dot = strchr(res, '.');
        reslen = dot ? (size_t)(dot - res) : strlen(res);
        f->name = dot ? wit_strdup(cv->r, dot + 1) : f->name;
    }
    f->async = dt->async;
    uint32_t skip = f->kind == WIT_F_METHOD && dt->nfields > 0 ? 1 : 0;
    f->nparams = dt->nfields - skip;
    if (f->nparams > 0)
        f->params = wit_alloc(cv->r, f->nparams * sizeof *f->params);
    for (uint32_t i = 0; f->params != NULL && i < f->nparams; i++) {
        f->params[i].name = wit_strndup(cv->r, dt->fields[i + skip].label,
                                        dt->fields[i + skip].label_len);
        f->params[i].type = conv_val(cv, in, ftr->dsp, dt->fields[i + skip].type);
    }
    if (dt->has_t)
        f->result = conv_val(cv, in, ftr->dsp, dt->t);
    if (res != NULL) {
        char rname[256];
        snprintf(rname, sizeof rname, "%.*s", (int)reslen, res);
        wit_typedef *rd = NULL;
        uint32_t n = in ? in->ntypes : cv->world->ntypes;
        wit_typedef **ts = in ? in->types : cv->world->types;
        for (uint32_t i = 0; i < n; i++)
            if (strcmp(ts[i]->name, rname) == 0)
                rd = ts[i];
        if (rd != NULL && rd->kind == WIT_D_RESOURCE) {
            if (f->kind == WIT_F_CONSTRUCTOR && f->result != NULL && f->result->def == rd)
                f->result = NULL;
            rd->has_body = true;
            wit_push(cv->r, &rd->funcs, &rd->nfuncs, f);
            return NULL;        /* attached to the resource */
        }
        f->kind = WIT_F_FREESTANDING;
        f->name = wit_strdup(cv->r, name);
    }
    return f;
}

static void add_func(conv *cv, wit_interface *in, const char *name, tref *ftr)
{
    wit_func *f = conv_func(cv, in, name, ftr);
    if (f != NULL && in != NULL)
        wit_push(cv->r, &in->funcs, &in->nfuncs, f);
}

/* ---- interfaces ---- */

static wit_interface *make_iface(conv *cv, const char *name, bool *fresh)
{
    *fresh = true;
    const char *colon = strchr(name, ':'), *slash = strchr(name, '/');
    if (colon != NULL && slash != NULL && colon < slash) {
        char ns[128], pkg[128], iname[128], ver[128];
        const char *at = strchr(slash, '@');
        snprintf(ns, sizeof ns, "%.*s", (int)(colon - name), name);
        snprintf(pkg, sizeof pkg, "%.*s", (int)(slash - colon - 1), colon + 1);
        snprintf(iname, sizeof iname, "%.*s", (int)(at ? at - slash - 1 : (long)strlen(slash + 1)),
                 slash + 1);
        if (at)
            snprintf(ver, sizeof ver, "%s", at + 1);
        wit_package *p = wit_add_package(cv->r, ns, pkg, at ? ver : NULL);
        if (p == NULL)
            return NULL;
        wit_interface *in = wit_find_interface(p, iname);
        if (in != NULL) {
            *fresh = false;
            return in;
        }
        in = wit_alloc(cv->r, sizeof *in);
        if (in == NULL)
            return NULL;
        in->name = wit_strdup(cv->r, iname);
        in->pkg = p;
        wit_push(cv->r, &p->interfaces, &p->ninterfaces, in);
        return in;
    }
    wit_interface *in = wit_alloc(cv->r, sizeof *in);
    if (in == NULL)
        return NULL;
    in->name = wit_strdup(cv->r, name);
    in->pkg = cv->root;
    in->inline_in = cv->world;
    return in;
}

/* An instance type's declarations -> the interface's items. */
static void fill_from_decls(conv *cv, wit_interface *in, const wacc_deftype *it, space *outer)
{
    space *s = new_space(cv, outer, NULL, it->ndecls);
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < it->ndecls; i++) {
        const wacc_decl *d = &it->decls[i];
        tref tr = {0};
        switch (d->kind) {
        case WACC_DECL_TYPE:
            tr.dt = d->type;
            tr.dsp = s;
            if (d->type->kind == WACC_DT_PRIM)
                tr.prim = d->type->prim;
            s->t[s->n++] = tr;
            break;
        case WACC_DECL_ALIAS:
            if (d->alias.sort != WACC_SORT_TYPE)
                break;
            if (d->alias.kind == WACC_ALIAS_OUTER)
                tr.link = sp_get(cv, outer_space(s, d->alias.outer_ct), d->alias.outer_idx);
            s->t[s->n++] = tr;
            break;
        case WACC_DECL_EXPORT:
            if (d->ext.kind == WACC_ET_TYPE) {
                if (d->ext.sub_resource) {
                    tr.named = new_resource(cv, in, d->name.str);
                } else {
                    tref *src = sp_get(cv, s, d->ext.idx);
                    if (src != NULL)
                        tr = *src;
                    tr.link = NULL;
                    tr.named = named_def(cv, in, wit_strdup(cv->r, d->name.str), src ? src : &tr);
                }
                s->t[s->n++] = tr;
            } else if (d->ext.kind == WACC_ET_FUNC) {
                add_func(cv, in, d->name.str, sp_get(cv, s, d->ext.idx));
            }
            break;
        default:
            break;
        }
    }
}

static tref *func_type(conv *cv, space *sp, uint32_t idx, int depth);

/* The type of function export `name` of instance idx of component space sp
 * (a function aliased from an instance: a nested component's instance in a
 * composition, an instance of inline exports, or a re-exported instance). */
static tref *instance_func_type(conv *cv, space *sp, uint32_t idx, const char *name, int depth)
{
    const wacc_component *c = sp->comp;
    if (c == NULL || idx >= c->spaces[WACC_SORT_INSTANCE].count || depth > 16)
        return NULL;
    wacc_space_entry e = c->spaces[WACC_SORT_INSTANCE].entries[idx];
    if (e.def == WACC_DEF_EXPORT)
        return instance_func_type(cv, sp, c->exports[e.index].item.idx, name, depth + 1);
    if (e.def == WACC_DEF_ALIAS) {
        const wacc_alias *a = &c->aliases[e.index];
        if (a->kind != WACC_ALIAS_EXPORT)
            return NULL;
        /* an instance exported by an instance of a nested component */
        wacc_space_entry ie = c->spaces[WACC_SORT_INSTANCE].entries[a->instance];
        if (ie.def != WACC_DEF_INSTANCE || !c->instances[ie.index].instantiate)
            return NULL;
        const wacc_instance *inst = &c->instances[ie.index];
        if (inst->component >= c->spaces[WACC_SORT_COMPONENT].count)
            return NULL;
        wacc_space_entry ce = c->spaces[WACC_SORT_COMPONENT].entries[inst->component];
        if (ce.def != WACC_DEF_COMPONENT)
            return NULL;
        const wacc_component *c2 = c->components[ce.index];
        space *s2 = new_space(cv, sp, c2, c2->spaces[WACC_SORT_TYPE].count);
        if (s2 == NULL)
            return NULL;
        s2->args = inst->args;
        s2->nargs = inst->nargs;
        s2->args_sp = sp;
        for (uint32_t i = 0; i < c2->nexports; i++)
            if (c2->exports[i].item.sort == WACC_SORT_INSTANCE && strcmp(c2->exports[i].name.str, a->name.str) == 0)
                return instance_func_type(cv, s2, c2->exports[i].item.idx, name, depth + 1);
        return NULL;
    }
    if (e.def != WACC_DEF_INSTANCE)
        return NULL;
    const wacc_instance *inst = &c->instances[e.index];
    if (!inst->instantiate) {
        for (uint32_t i = 0; i < inst->nargs; i++)
            if (inst->args[i].item.sort == WACC_SORT_FUNC && strcmp(inst->args[i].name.str, name) == 0)
                return func_type(cv, sp, inst->args[i].item.idx, depth + 1);
        return NULL;
    }
    if (inst->component >= c->spaces[WACC_SORT_COMPONENT].count)
        return NULL;
    wacc_space_entry ce = c->spaces[WACC_SORT_COMPONENT].entries[inst->component];
    if (ce.def != WACC_DEF_COMPONENT)
        return NULL;
    const wacc_component *c2 = c->components[ce.index];
    for (uint32_t i = 0; i < c2->nexports; i++) {
        const wacc_export *ex = &c2->exports[i];
        if (ex->item.sort != WACC_SORT_FUNC || strcmp(ex->name.str, name) != 0)
            continue;
        space *s2 = new_space(cv, sp, c2, c2->spaces[WACC_SORT_TYPE].count);
        if (s2 == NULL)
            return NULL;
        s2->args = inst->args;
        s2->nargs = inst->nargs;
        s2->args_sp = sp;
        return ex->has_type ? sp_get(cv, s2, ex->type.idx) : func_type(cv, s2, ex->item.idx, depth + 1);
    }
    return NULL;
}

/* The type of function `idx` of component space sp. */
static tref *func_type(conv *cv, space *sp, uint32_t idx, int depth)
{
    const wacc_component *c = sp->comp;
    if (c == NULL || idx >= c->spaces[WACC_SORT_FUNC].count || depth > 16)
        return NULL;
    wacc_space_entry e = c->spaces[WACC_SORT_FUNC].entries[idx];
    switch (e.def) {
    case WACC_DEF_CANON:
        return sp_get(cv, sp, c->canons[e.index].type);
    case WACC_DEF_IMPORT:
        return sp_get(cv, sp, c->imports[e.index].type.idx);
    case WACC_DEF_EXPORT: {
        const wacc_export *ex = &c->exports[e.index];
        if (ex->has_type)
            return sp_get(cv, sp, ex->type.idx);
        return func_type(cv, sp, ex->item.idx, depth + 1);
    }
    case WACC_DEF_ALIAS: {
        const wacc_alias *a = &c->aliases[e.index];
        if (a->kind != WACC_ALIAS_EXPORT)
            return NULL;
        return instance_func_type(cv, sp, a->instance, a->name.str, depth + 1);
    }
    default:
        return NULL;
    }
}

/* Items exported by a nested component instantiated with args. */
static void fill_from_component(conv *cv, wit_interface *in, const wacc_component *c2,
                                const wacc_instance *inst, space *sp)
{
    space *s2 = new_space(cv, sp, c2, c2->spaces[WACC_SORT_TYPE].count);
    if (s2 == NULL)
        return;
    s2->args = inst->args;
    s2->nargs = inst->nargs;
    s2->args_sp = sp;
    for (uint32_t i = 0; i < c2->nexports; i++) {
        const wacc_export *ex = &c2->exports[i];
        if (ex->item.sort == WACC_SORT_FUNC) {
            tref *ft = ex->has_type ? sp_get(cv, s2, ex->type.idx) : func_type(cv, s2, ex->item.idx, 0);
            add_func(cv, in, ex->name.str, ft);
        } else if (ex->item.sort == WACC_SORT_TYPE) {
            tref *src = sp_get(cv, s2, ex->item.idx);
            if (src == NULL)
                continue;
            if (src->named == NULL && src->dt != NULL && src->dt->kind == WACC_DT_RESOURCE)
                src->named = new_resource(cv, in, ex->name.str);
            else
                named_def(cv, in, wit_strdup(cv->r, ex->name.str), src);
        }
    }
}

/* Fill `in` with the items of instance idx (an instance of component space sp). */
static void fill_instance(conv *cv, wit_interface *in, space *sp, uint32_t idx)
{
    const wacc_component *c = sp->comp;
    if (idx >= c->spaces[WACC_SORT_INSTANCE].count)
        return;
    wacc_space_entry e = c->spaces[WACC_SORT_INSTANCE].entries[idx];
    if (e.def == WACC_DEF_IMPORT) {
        tref *it = sp_get(cv, sp, c->imports[e.index].type.idx);
        if (it != NULL && it->dt != NULL && it->dt->kind == WACC_DT_INSTANCE)
            fill_from_decls(cv, in, it->dt, it->dsp);
    } else if (e.def == WACC_DEF_INSTANCE) {
        const wacc_instance *inst = &c->instances[e.index];
        if (inst->instantiate) {
            if (inst->component >= c->spaces[WACC_SORT_COMPONENT].count)
                return;
            wacc_space_entry ce = c->spaces[WACC_SORT_COMPONENT].entries[inst->component];
            if (ce.def == WACC_DEF_COMPONENT)
                fill_from_component(cv, in, c->components[ce.index], inst, sp);
        } else {
            for (uint32_t i = 0; i < inst->nargs; i++) {
                const wacc_inst_arg *a = &inst->args[i];
                if (a->item.sort == WACC_SORT_TYPE) {
                    tref *src = sp_get(cv, sp, a->item.idx);
                    if (src != NULL)
                        named_def(cv, in, wit_strdup(cv->r, a->name.str), src);
                }
            }
            for (uint32_t i = 0; i < inst->nargs; i++) {
                const wacc_inst_arg *a = &inst->args[i];
                if (a->item.sort == WACC_SORT_FUNC)
                    add_func(cv, in, a->name.str, func_type(cv, sp, a->item.idx, 0));
            }
        }
    } else if (e.def == WACC_DEF_EXPORT) {
        const wacc_export *ex = &c->exports[e.index];
        if (ex->has_type) {
            tref *it = sp_get(cv, sp, ex->type.idx);
            if (it != NULL && it->dt != NULL && it->dt->kind == WACC_DT_INSTANCE)
                fill_from_decls(cv, in, it->dt, it->dsp);
        } else if (cv->depth++ < 16) {
            fill_instance(cv, in, sp, ex->item.idx);
            cv->depth--;
        }
    }
}

static const char *instance_name(const wacc_component *c, uint32_t idx)
{
    wacc_space_entry e = c->spaces[WACC_SORT_INSTANCE].entries[idx];
    if (e.def == WACC_DEF_IMPORT)
        return c->imports[e.index].name.str;
    if (e.def == WACC_DEF_EXPORT)
        return c->exports[e.index].name.str;
    return NULL;
}

static wit_interface *instance_iface(conv *cv, space *sp, uint32_t idx)
{
    const wacc_component *c = sp->comp;
    if (c == NULL || idx >= c->spaces[WACC_SORT_INSTANCE].count)
        return NULL;
    if (sp->inst_state[idx] != 0)
        return sp->inst_iface[idx];
    sp->inst_state[idx] = 1;
    const char *name = instance_name(c, idx);
    if (name == NULL || sp->outer != NULL)
        return NULL;
    bool fresh;
    wit_interface *in = make_iface(cv, name, &fresh);
    sp->inst_iface[idx] = in;
    if (in != NULL && fresh)
        fill_instance(cv, in, sp, idx);
    sp->inst_state[idx] = 2;
    return in;
}

static void add_extern(conv *cv, bool import, wit_interface *in, const char *name, wit_func *f)
{
    wit_extern *x = wit_alloc(cv->r, sizeof *x);
    if (x == NULL)
        return;
    if (f != NULL) {
        x->kind = WIT_X_FUNC;
        x->name = f->name;
        x->func = f;
    } else if (in->inline_in != NULL) {
        x->kind = WIT_X_INLINE;
        x->name = in->name;
        x->iface = in;
    } else {
        x->kind = WIT_X_INTERFACE;
        x->iface = in;
        x->path.iface = in;
        x->path.name = in->name;
    }
    (void)name;
    if (import)
        wit_push(cv->r, &cv->world->imports, &cv->world->nimports, x);
    else
        wit_push(cv->r, &cv->world->exports, &cv->world->nexports, x);
}

bool wit_from_component(wit_resolve *r, const wacc_component *c, wit_package **pkg,
                        wit_world **world)
{
    conv cv = { .r = r };
    cv.root = wit_add_package(r, "root", "component", NULL);
    if (cv.root == NULL)
        return false;
    cv.world = wit_alloc(r, sizeof *cv.world);
    if (cv.world == NULL)
        return false;
    cv.world->name = "root";
    cv.world->pkg = cv.root;
    wit_push(r, &cv.root->worlds, &cv.root->nworlds, cv.world);
    space *sp = new_space(&cv, NULL, c, c->spaces[WACC_SORT_TYPE].count);
    if (sp == NULL)
        return false;
    /* imports, in the order of the binary */
    for (uint32_t i = 0; i < c->spaces[WACC_SORT_INSTANCE].count; i++) {
        wacc_space_entry e = c->spaces[WACC_SORT_INSTANCE].entries[i];
        if (e.def != WACC_DEF_IMPORT)
            continue;
        wit_interface *in = instance_iface(&cv, sp, i);
        if (in != NULL)
            add_extern(&cv, true, in, NULL, NULL);
    }
    /* the world's own types, in the order of the binary */
    for (uint32_t i = 0; i < c->spaces[WACC_SORT_TYPE].count; i++)
        if (c->spaces[WACC_SORT_TYPE].entries[i].def == WACC_DEF_IMPORT)
            sp_get(&cv, sp, i);
    for (uint32_t i = 0; i < c->nimports; i++) {
        const wacc_import *im = &c->imports[i];
        if (im->type.kind == WACC_ET_FUNC) {
            wit_func *f = conv_func(&cv, NULL, im->name.str, sp_get(&cv, sp, im->type.idx));
            if (f != NULL)
                add_extern(&cv, true, NULL, im->name.str, f);
        } else if (im->type.kind == WACC_ET_TYPE) {
            /* world-level type imports are created on first reference */
        }
    }
    for (uint32_t i = 0; i < c->nexports; i++) {
        const wacc_export *ex = &c->exports[i];
        if (ex->item.sort == WACC_SORT_INSTANCE) {
            bool fresh;
            wit_interface *in = make_iface(&cv, ex->name.str, &fresh);
            if (in == NULL)
                continue;
            if (fresh) {
                if (ex->has_type && ex->type.kind == WACC_ET_INSTANCE) {
                    tref *it = sp_get(&cv, sp, ex->type.idx);
                    if (it != NULL && it->dt != NULL && it->dt->kind == WACC_DT_INSTANCE)
                        fill_from_decls(&cv, in, it->dt, it->dsp);
                } else {
                    fill_instance(&cv, in, sp, ex->item.idx);
                }
            }
            add_extern(&cv, false, in, NULL, NULL);
        } else if (ex->item.sort == WACC_SORT_FUNC) {
            tref *ft = ex->has_type ? sp_get(&cv, sp, ex->type.idx)
                                    : func_type(&cv, sp, ex->item.idx, 0);
            wit_func *f = conv_func(&cv, NULL, ex->name.str, ft);
            if (f != NULL)
                add_extern(&cv, false, NULL, ex->name.str, f);
        }
    }
    *pkg = cv.root;
    if (world != NULL)
        *world = cv.world;
    return true;
}

bool wit_from_component_bytes(wit_resolve *r, const uint8_t *bytes, size_t size,
                              wit_package **pkg, wit_world **world)
{
    wasm_error err;
    memset(&err, 0, sizeof err);
    wacc_component *c = wacc_component_decode(bytes, size, &err);
    if (c == NULL) {
        snprintf(r->err, sizeof r->err, "%s", err.msg);
        return false;
    }
    bool ok = wit_from_component(r, c, pkg, world);
    wacc_component_free(c);
    return ok;
}
