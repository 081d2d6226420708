/*
 * root_check.c — root-level restrictions of a component (root_check.h).
 *
 * Imports: a root import whose type is a component cannot be provided.
 * Exports: a component exported from the root, directly or as an item of an
 * exported instance, cannot be used by the host. Instances are followed
 * through the definitions this component holds: inline exports, instances
 * of nested components (their exports), aliases of such instances' exports
 * and re-exports. Instances whose contents come from outside (imports, outer
 * aliases) carry no component the host did not already refuse.
 */
#include <stdio.h>
#include <string.h>

#include "component.h"
#include "root_check.h"

/* Nesting followed, and steps taken for one export (shared instances can
 * make the walk exponential): past either the export is let through. */
enum { MAX_DEPTH = 64, MAX_STEPS = 100000 };

typedef struct walk {
    unsigned steps;
} walk;

static bool instance_has_component(const wacc_component *c, uint32_t idx, int depth, walk *w);

/* The nested component definition behind component index `idx` of c, or NULL
 * (an import, an outer alias, out of range). */
static const wacc_component *component_def(const wacc_component *c, uint32_t idx, int depth, walk *w)
{
    const wacc_space *s = &c->spaces[WACC_SORT_COMPONENT];
    if (depth > MAX_DEPTH || ++w->steps > MAX_STEPS || idx >= s->count)
        return NULL;
    const wacc_space_entry *e = &s->entries[idx];
    if (e->def == WACC_DEF_COMPONENT && e->index < c->ncomponents)
        return c->components[e->index];
    if (e->def == WACC_DEF_EXPORT && e->index < c->nexports &&
        c->exports[e->index].item.sort == WACC_SORT_COMPONENT)
        return component_def(c, c->exports[e->index].item.idx, depth + 1, w);
    return NULL;
}

/* Does any export of component definition `comp` give a component? */
static bool exports_have_component(const wacc_component *comp, int depth, walk *w)
{
    for (uint32_t i = 0; i < comp->nexports; i++) {
        const wacc_sortidx *it = &comp->exports[i].item;
        if (it->sort == WACC_SORT_COMPONENT)
            return true;
        if (it->sort == WACC_SORT_INSTANCE && instance_has_component(comp, it->idx, depth + 1, w))
            return true;
    }
    return false;
}

/* The item named `name` of instance `idx` of c, when it is an instance:
 * true with (*owner, *item) naming it in the index space of *owner. */
static bool instance_item(const wacc_component *c, uint32_t idx, const char *name, int depth, walk *w,
                          const wacc_component **owner, uint32_t *item)
{
    const wacc_space *s = &c->spaces[WACC_SORT_INSTANCE];
    if (depth > MAX_DEPTH || ++w->steps > MAX_STEPS || idx >= s->count || name == NULL)
        return false;
    const wacc_space_entry *e = &s->entries[idx];
    if (e->def == WACC_DEF_EXPORT && e->index < c->nexports &&
        c->exports[e->index].item.sort == WACC_SORT_INSTANCE)
        return instance_item(c, c->exports[e->index].item.idx, name, depth + 1, w, owner, item);
    if (e->def != WACC_DEF_INSTANCE || e->index >= c->ninstances)
        return false;
    const wacc_instance *in = &c->instances[e->index];
    if (!in->instantiate) {
        for (uint32_t i = 0; i < in->nargs; i++)
            if (in->args[i].item.sort == WACC_SORT_INSTANCE && in->args[i].name.str &&
                strcmp(in->args[i].name.str, name) == 0) {
                *owner = c;
                *item = in->args[i].item.idx;
                return true;
            }
        return false;
    }
    const wacc_component *comp = component_def(c, in->component, depth + 1, w);
    for (uint32_t i = 0; comp && i < comp->nexports; i++)
        if (comp->exports[i].item.sort == WACC_SORT_INSTANCE && comp->exports[i].name.str &&
            strcmp(comp->exports[i].name.str, name) == 0) {
            *owner = comp;
            *item = comp->exports[i].item.idx;
            return true;
        }
    return false;
}

/* Does instance `idx` of c hold a component (at any depth)? */
static bool instance_has_component(const wacc_component *c, uint32_t idx, int depth, walk *w)
{
    const wacc_space *s = &c->spaces[WACC_SORT_INSTANCE];
    if (depth > MAX_DEPTH || ++w->steps > MAX_STEPS || idx >= s->count)
        return false;
    const wacc_space_entry *e = &s->entries[idx];
    switch (e->def) {
    case WACC_DEF_INSTANCE: {
        if (e->index >= c->ninstances)
            return false;
        const wacc_instance *in = &c->instances[e->index];
        if (in->instantiate) {
            const wacc_component *comp = component_def(c, in->component, depth + 1, w);
            return comp != NULL && exports_have_component(comp, depth + 1, w);
        }
        for (uint32_t i = 0; i < in->nargs; i++) {
            const wacc_sortidx *it = &in->args[i].item;
            if (it->sort == WACC_SORT_COMPONENT)
                return true;
            if (it->sort == WACC_SORT_INSTANCE && instance_has_component(c, it->idx, depth + 1, w))
                return true;
        }
        return false;
    }
    case WACC_DEF_EXPORT:
        return e->index < c->nexports && c->exports[e->index].item.sort == WACC_SORT_INSTANCE &&
               instance_has_component(c, c->exports[e->index].item.idx, depth + 1, w);
    case WACC_DEF_ALIAS: {
        if (e->index >= c->naliases)
            return false;
        const wacc_alias *a = &c->aliases[e->index];
        const wacc_component *owner;
        uint32_t item;
        return a->kind == WACC_ALIAS_EXPORT &&
               instance_item(c, a->instance, a->name.str, depth + 1, w, &owner, &item) &&
               instance_has_component(owner, item, depth + 1, w);
    }
    default:
        return false;
    }
}

static bool refuse(wasm_error *err, uint32_t offset, const char *msg)
{
    err->offset = offset;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    return false;
}

bool wacc_component_root_check(const wacc_component *c, wasm_error *err)
{
    for (uint32_t i = 0; i < c->nimports; i++)
        if (c->imports[i].type.kind == WACC_ET_COMPONENT)
            return refuse(err, c->imports[i].offset, "root-level component imports are not supported");
    for (uint32_t i = 0; i < c->nexports; i++) {
        const wacc_sortidx *it = &c->exports[i].item;
        walk w = { 0 };
        if (it->sort == WACC_SORT_COMPONENT ||
            (it->sort == WACC_SORT_INSTANCE && instance_has_component(c, it->idx, 0, &w)))
            return refuse(err, c->exports[i].offset,
                          "exporting a component from the root component is not supported");
    }
    return true;
}

bool wacc_component_root_check_bytes(const uint8_t *bytes, size_t size, wasm_error *err)
{
    wacc_component *c = wacc_component_decode(bytes, size, err);
    if (c == NULL)
        return true;
    bool ok = wacc_component_root_check(c, err);
    wacc_component_free(c);
    return ok;
}

bool wacc_component_root_imports_bytes(const uint8_t *bytes, size_t size, wacc_root_import_fn fn,
                                       void *user, wasm_error *err)
{
    static const char kinds[] = { [WACC_ET_MODULE] = 'm', [WACC_ET_FUNC] = 'f',
        [WACC_ET_VALUE] = 'v', [WACC_ET_TYPE] = 't', [WACC_ET_COMPONENT] = 'c',
        [WACC_ET_INSTANCE] = 'i' };
    wacc_component *c = wacc_component_decode(bytes, size, err);
    if (c == NULL)
        return false;
    for (uint32_t i = 0; i < c->nimports; i++) {
        uint8_t k = c->imports[i].type.kind;
        fn(user, c->imports[i].name.str ? c->imports[i].name.str : "",
           k < sizeof kinds && kinds[k] ? kinds[k] : '?');
    }
    wacc_component_free(c);
    return true;
}
