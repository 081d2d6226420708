/*
 * component_load.c — the component description of a component artifact:
 * decode it (compfmt) and number its core modules the way the compiler did
 * (pre-order, wacc/abi.h: a component's own modules, then its nested
 * component definitions recursively).
 *
 * The description is the input component with every core module's contents
 * stripped (compiler/driver/component_strip.c): each core module is the
 * empty module there. Nothing here reads a core module's bytes
 * (wacc_core_module.bytes/size): each module is instantiated from its own
 * compiled descriptor and metadata, found by this numbering.
 */
#include <stdlib.h>
#include <string.h>

#include "component_internal.h"

static uint32_t count_nodes(const wacc_component *c)
{
    uint32_t n = 1;
    for (uint32_t i = 0; i < c->ncomponents; i++)
        n += count_nodes(c->components[i]);
    return n;
}

static void number(struct wacc_comp_def *d, const wacc_component *c, uint32_t *next)
{
    uint32_t k = d->nnodes++;
    d->nodes[k] = c;
    d->base[k] = *next;
    *next += c->ncore_modules;
    for (uint32_t i = 0; i < c->ncomponents; i++)
        number(d, c->components[i], next);
}

bool wacc__comp_module_number(const struct wacc_comp_def *d, const wacc_component *c, uint32_t i,
                              uint32_t *out)
{
    for (uint32_t k = 0; k < d->nnodes; k++)
        if (d->nodes[k] == c && i < c->ncore_modules) {
            *out = d->base[k] + i;
            return true;
        }
    return false;
}

void wacc__component_def_free(struct wacc_comp_def *d)
{
    if (!d)
        return;
    wacc_component_free(d->c);
    free(d->nodes);
    free(d->base);
    free(d);
}

bool wacc__component_def_load(wacc_artifact *a, const uint8_t *bytes, size_t size,
                              char err[WACC_ERR_LEN])
{
    wasm_error we;
    memset(&we, 0, sizeof we);
    struct wacc_comp_def *d = calloc(1, sizeof *d);
    if (!d) {
        wacc__err(err, "%s: out of memory", a->path);
        return false;
    }
    d->c = wacc_component_decode(bytes, size, &we);
    if (!d->c) {
        wacc__err(err, "%s: bad component description at offset %zu: %s", a->path, we.offset,
                  we.msg);
        wacc__component_def_free(d);
        return false;
    }
    uint32_t n = count_nodes(d->c);
    d->nodes = calloc(n, sizeof *d->nodes);
    d->base = calloc(n, sizeof *d->base);
    if (!d->nodes || !d->base) {
        wacc__err(err, "%s: out of memory", a->path);
        wacc__component_def_free(d);
        return false;
    }
    uint32_t next = 0;
    number(d, d->c, &next);
    if (next != a->nmodules) {
        wacc__err(err, "%s: the component has %u core modules, the artifact %u", a->path, next,
                  a->nmodules);
        wacc__component_def_free(d);
        return false;
    }
    a->comp = d;
    return true;
}
