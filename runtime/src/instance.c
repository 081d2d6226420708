/*
 * instance.c — instantiation (link checks, vmctx and its arrays, globals,
 * segments, start function) and exports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* ---- the instance's mapping, and the engine's pool of freed ones ----
 * Each instance is one mapping: the poll page (read-only, registered in
 * trap.c), the vmctx at the start of the next page, then the arrays. A
 * mapping, its two protections and its first-touch faults cost three
 * times what the rest of an instantiation does (wacc serve instantiates
 * per request), so freed mappings go back to the engine and are reused,
 * poll page and registration included. */

static void map_release(const struct wacc_instance_map *mp)
{
    wacc__unregister_poll(mp->poll_slot);
    munmap(mp->base, mp->len);
}

/* A pooled mapping of at least `len` bytes (at most twice that, so a small
 * instance does not pin a big one), its part after the poll page zeroed. */
static bool map_take(wacc_engine *e, size_t len, size_t page, struct wacc_instance_map *out)
{
    pthread_mutex_lock(&e->pool_lock);
    uint32_t pick = e->ninst_pool;
    for (uint32_t i = e->ninst_pool; i-- > 0;) {
        size_t have = e->inst_pool[i].len;
        if (have >= len && have / 2 <= len) {
            pick = i;
            break;
        }
    }
    if (pick == e->ninst_pool) {
        pthread_mutex_unlock(&e->pool_lock);
        return false;
    }
    *out = e->inst_pool[pick];
    e->inst_pool[pick] = e->inst_pool[--e->ninst_pool];
    pthread_mutex_unlock(&e->pool_lock);
    memset(out->base + page, 0, len - page);
    return true;
}

static void map_give_back(wacc_engine *e, const struct wacc_instance_map *mp)
{
    pthread_mutex_lock(&e->pool_lock);
    bool room = e->ninst_pool < WACC_INSTANCE_POOL;
    if (room)
        e->inst_pool[e->ninst_pool++] = *mp;
    pthread_mutex_unlock(&e->pool_lock);
    if (!room)
        map_release(mp);
}

void wacc__instance_pool_drain(wacc_engine *e)
{
    for (uint32_t i = 0; i < e->ninst_pool; i++)
        map_release(&e->inst_pool[i]);
    e->ninst_pool = 0;
}

/* The instance and all its arrays are one allocation (alloc_instance);
 * only passive element segments are separate. */
void wacc__instance_free(struct wacc_instance *inst)
{
    const wasm_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nelems; i++)
        free(inst->elem_refs[i]);
    struct wacc_instance_map mp = { inst->map, inst->map_len, inst->poll_slot };
    /* a stopped poll page is made readable again before reuse (rare: a
     * store freed while interrupted) */
    if (inst->poll_stopped && mprotect(inst->map, inst->page, PROT_READ) != 0)
        map_release(&mp);
    else
        map_give_back(inst->store->engine, &mp);
}

void wacc__instance_poll(struct wacc_instance *inst, bool stop)
{
    if (inst->poll_stopped == stop)
        return;
    inst->poll_stopped = stop;
    mprotect(inst->map, inst->page, stop ? PROT_NONE : PROT_READ);
}

/* The cell of global `idx`: inline in the vmctx if the module defines it,
 * the exporter's if it imports it (abi.h, union wacc_global_slot); NULL for
 * an import not linked yet. */
static wacc_val *global_cell(struct wacc_instance *inst, uint32_t idx)
{
    union wacc_global_slot *slot = &inst->vmctx->globals[idx];
    return idx < inst->mod->nimported_globals ? slot->cell : &slot->value;
}

/* ---- constant expressions ---- */

static wasm_value const_global(void *ud, uint32_t idx)
{
    struct wacc_instance *inst = ud;
    wasm_value v;
    memset(&v, 0, sizeof v);
    const wacc_val *cell = idx < inst->mod->nglobals ? global_cell(inst, idx) : NULL;
    if (cell)
        memcpy(&v, cell, sizeof v < sizeof(wacc_val) ? sizeof v : sizeof(wacc_val));
    return v;
}

static void *const_ref_func(void *ud, uint32_t idx)
{
    struct wacc_instance *inst = ud;
    return idx < inst->mod->nfuncs ? &inst->funcrefs[idx] : NULL;
}

static bool eval(struct wacc_instance *inst, const wasm_constexpr *e, wacc_val *out,
                 char err[WACC_ERR_LEN])
{
    wasm_const_env env = { const_global, const_ref_func, inst };
    wasm_value v;
    wasm_error werr;
    if (!wasm_eval_const(e, &env, &v, &werr)) {
        wacc__err(err, "bad constant expression at offset %zu: %s", werr.offset, werr.msg);
        return false;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, &v, sizeof v < sizeof *out ? sizeof v : sizeof *out);
    return true;
}

/* ---- linking ---- */

static bool limits_ok(uint64_t min, bool has_max, uint64_t max, const wasm_limits *req)
{
    if (min < req->min)
        return false;
    if (req->has_max && (!has_max || max > req->max))
        return false;
    return true;
}

static bool link_import(struct wacc_instance *inst, uint32_t i, const wacc_extern *ex,
                        uint32_t *counts, char err[WACC_ERR_LEN])
{
    const wasm_module *m = inst->mod;
    const wasm_import *im = &m->imports[i];
    const void *obj = ex->of.func;
    if (!obj) {
        wacc__err(err, "unknown import %s.%s", im->module, im->name);
        return false;
    }
    bool ok = (uint32_t)ex->kind == im->kind;
    if (ok) {
        switch (im->kind) {
        case WASM_EXTERN_FUNC: {
            wacc_func *f = ex->of.func;
            uint32_t t = im->desc.typeidx;
            ok = f->ref->type_id == inst->art->type_ids[t];
            if (!ok)
                break;
            uint32_t fi = counts[0]++;
            if (f->fn) {
                void *stub = inst->art->desc->host_stubs[t];
                if (!f->own.code)
                    f->own.code = stub;
                inst->funcrefs[fi] = (struct wacc_funcref){ stub, f, f->own.type_id, 0,
                                                            wacc__host_array_call };
            } else {
                inst->funcrefs[fi] = *f->ref;
            }
            inst->funcs[fi] = f;
            break;
        }
        case WASM_EXTERN_TABLE: {
            wacc_table_obj *t = ex->of.table;
            ok = t->elemtype == im->desc.table.elemtype &&
                 limits_ok(t->t.size, t->has_max, t->declared_max, &im->desc.table.limits);
            if (ok) {
                inst->table_objs[counts[1]] = t;
                inst->tables[counts[1]++] = &t->t;
            }
            break;
        }
        case WASM_EXTERN_MEMORY: {
            wacc_memory_obj *mem = ex->of.memory;
            ok = limits_ok(mem->pages, mem->has_max, mem->declared_max, &im->desc.memory.limits);
            if (ok) {
                inst->memory_objs[counts[2]] = mem;
                inst->memories[counts[2]++] = &mem->m;
            }
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wacc_global_obj *g = ex->of.global;
            ok = g->type.valtype == im->desc.global.valtype &&
                 g->type.is_mutable == im->desc.global.is_mutable;
            if (ok) {
                inst->global_objs[counts[3]] = g;
                inst->vmctx->globals[counts[3]++].cell = g->cell;
            }
            break;
        }
        default:
            ok = false;
        }
    }
    if (!ok)
        wacc__err(err, "incompatible import type for %s.%s", im->module, im->name);
    return ok;
}

/* ---- defined entities ---- */

static bool define(struct wacc_instance *inst, uint64_t image, char err[WACC_ERR_LEN])
{
    const wasm_module *m = inst->mod;
    const struct wacc_descriptor *d = inst->art->desc;
    wacc_store *s = inst->store;

    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        uint32_t t = m->func_types[i];
        inst->funcrefs[i] = (struct wacc_funcref){ d->funcs[i - m->nimported_funcs], inst->vmctx,
                                                   inst->art->type_ids[t], 0,
                                                   (wacc_array_call_fn)d->array_calls[t] };
    }
    for (uint32_t i = m->nimported_tables; i < m->ntables; i++) {
        const wasm_tabletype *tt = &m->tables[i];
        wacc_table_obj *t = wacc__table_create(s, tt->elemtype, tt->limits.min, tt->limits.has_max,
                                               tt->limits.max, err);
        if (!t)
            return false;
        inst->table_objs[i] = t;
        inst->tables[i] = &t->t;
    }
    for (uint32_t i = m->nimported_memories; i < m->nmemories; i++) {
        const wasm_memtype *mt = &m->memories[i];
        wacc_memory_obj *mem = wacc__memory_create(s, mt->limits.min, mt->limits.has_max,
                                                   mt->limits.max, i == 0 ? image : 0, err);
        if (!mem)
            return false;
        inst->memory_objs[i] = mem;
        inst->memories[i] = &mem->m;
    }
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
        wacc_global_obj *g = inst->global_objs[i];      /* in the instance's allocation */
        g->type.valtype = m->globals[i].type.valtype;
        g->type.is_mutable = m->globals[i].type.is_mutable;
        g->cell = &inst->vmctx->globals[i].value;       /* the cell is inline in the vmctx */
        if (!eval(inst, &m->globals[i].init, g->cell, err))
            return false;
    }
    if (m->nmemories) {
        inst->vmctx->mem0 = inst->memories[0];
        inst->vmctx->mem0_base = inst->memories[0]->base;
    }
    return true;
}

static bool image_has(const wacc_artifact *a, uint32_t seg)
{
    return seg / 8 < a->image_segs_size && (a->image_segs[seg / 8] >> (seg % 8) & 1);
}

/* Element and data segments in spec order. False with *trap or err. */
static bool init_segments(struct wacc_instance *inst, bool image_applied, wacc_trap *trap,
                          char err[WACC_ERR_LEN])
{
    const wasm_module *m = inst->mod;
    for (uint32_t k = 0; k < m->nelems; k++) {
        const wasm_elem *el = &m->elems[k];
        void **refs;
        if (el->mode == WASM_SEG_PASSIVE) {
            refs = wacc__calloc(el->count, sizeof *refs);
            if (!refs) {
                wacc__err(err, "out of memory");
                return false;
            }
            inst->elem_refs[k] = refs;
            inst->elem_len[k] = el->count;
        } else if (el->mode == WASM_SEG_ACTIVE) {
            /* table.init then elem.drop: the references go straight into
             * the table once the range is known to fit */
            wacc_val off;
            if (!eval(inst, &el->offset, &off, err))
                return false;
            struct wacc_table *t = inst->tables[el->table];
            uint64_t dst = (uint32_t)off.i32;
            if (dst + el->count > t->size) {
                wacc__set_trap(trap, WACC_TRAP_TABLE_OOB, inst, UINT32_MAX, el->offset.offset);
                wacc__err(err, "%s", trap ? trap->message : "trap: out of bounds table access");
                return false;
            }
            refs = t->elems + dst;
        } else {
            continue;       /* declarative: dropped at once */
        }
        for (uint32_t j = 0; j < el->count; j++) {
            if (el->funcs) {
                refs[j] = el->funcs[j] < m->nfuncs ? &inst->funcrefs[el->funcs[j]] : NULL;
            } else {
                wacc_val v;
                if (!eval(inst, &el->exprs[j], &v, err))
                    return false;
                refs[j] = v.ref;
            }
        }
    }
    for (uint32_t k = 0; k < m->ndatas; k++) {
        const wasm_data *ds = &m->datas[k];
        if (ds->mode != WASM_SEG_ACTIVE) {
            inst->data_len[k] = ds->len;
            continue;
        }
        inst->data_len[k] = 0;
        if (image_applied && ds->memory == 0 && image_has(inst->art, k))
            continue;
        wacc_val off;
        if (!eval(inst, &ds->offset, &off, err))
            return false;
        struct wacc_memory *mem = inst->memories[ds->memory];
        bool is64 = m->memories[ds->memory].is64;
        uint64_t dst = is64 ? (uint64_t)off.i64 : (uint32_t)off.i32;
        if (dst > mem->size || ds->len > mem->size - dst) {
            wacc__set_trap(trap, WACC_TRAP_MEMORY_OOB, inst, UINT32_MAX, ds->offset.offset);
            wacc__err(err, "%s", trap ? trap->message : "trap: out of bounds memory access");
            return false;
        }
        if (ds->len)
            memcpy(mem->base + dst, ds->bytes, ds->len);
    }
    return true;
}

/* Carve `n` elements of `size` bytes from the arena at *off. */
static void *carve(uint8_t *base, size_t *off, size_t n, size_t size)
{
    void *p = base + *off;
    *off += (n * size + 15) & ~(size_t)15;
    return p;
}

/* One zeroed allocation for the instance, its vmctx with the global slots,
 * its arrays and its defined globals' objects (NULL if out of memory): a
 * mapping whose first page holds the poll word (wacc/abi.h, v6: the 8
 * bytes below the vmctx, read-only; PROT_NONE while the store is
 * interrupted), the vmctx at the start of the second. */
static struct wacc_instance *alloc_instance(wacc_engine *e, const wasm_module *m)
{
    size_t nf = m->nfuncs, nt = m->ntables, nm = m->nmemories, ng = m->nglobals;
    size_t ne = m->nelems, nd = m->ndatas, ndg = ng - m->nimported_globals;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t total = page + ((WACC_VMCTX_SIZE(ng) + 15) & ~(size_t)15);
    const size_t sizes[][2] = {
        { 1, sizeof(struct wacc_instance) },
        { nf, sizeof(struct wacc_funcref) }, { nf, sizeof(wacc_func *) },
        { nt, sizeof(struct wacc_table *) }, { nt, sizeof(wacc_table_obj *) },
        { nm, sizeof(struct wacc_memory *) }, { nm, sizeof(wacc_memory_obj *) },
        { ng, sizeof(wacc_global_obj *) },
        { ndg, sizeof(wacc_global_obj) }, { ne, sizeof(void **) }, { ne, sizeof(uint32_t) },
        { nd, sizeof(uint32_t) },
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i][0] > (SIZE_MAX / 2 - total) / sizes[i][1])
            return NULL;
        total += (sizes[i][0] * sizes[i][1] + 15) & ~(size_t)15;
    }
    struct wacc_instance_map mp;
    if (!map_take(e, total, page, &mp)) {
        mp.len = total;
        mp.base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mp.base == MAP_FAILED)
            return NULL;
        mp.poll_slot = wacc__register_poll((struct wacc_vmctx *)(mp.base + page));
        if (mp.poll_slot < 0 || mprotect(mp.base, page, PROT_READ) != 0) {
            map_release(&mp);
            return NULL;
        }
    }
    uint8_t *base = mp.base;
    struct wacc_vmctx *vm = (struct wacc_vmctx *)(base + page);
    size_t off = page + ((WACC_VMCTX_SIZE(ng) + 15) & ~(size_t)15);
    struct wacc_instance *inst = carve(base, &off, 1, sizeof *inst);
    inst->map = base;
    inst->map_len = mp.len;
    inst->page = page;
    inst->poll_slot = mp.poll_slot;
    inst->vmctx = vm;
    inst->funcrefs = carve(base, &off, nf, sizeof *inst->funcrefs);
    inst->funcs = carve(base, &off, nf, sizeof *inst->funcs);
    inst->tables = carve(base, &off, nt, sizeof *inst->tables);
    inst->table_objs = carve(base, &off, nt, sizeof *inst->table_objs);
    inst->memories = carve(base, &off, nm, sizeof *inst->memories);
    inst->memory_objs = carve(base, &off, nm, sizeof *inst->memory_objs);
    inst->global_objs = carve(base, &off, ng, sizeof *inst->global_objs);
    wacc_global_obj *gs = carve(base, &off, ndg, sizeof *gs);
    for (size_t i = 0; i < ndg; i++)
        inst->global_objs[m->nimported_globals + i] = &gs[i];
    inst->elem_refs = carve(base, &off, ne, sizeof *inst->elem_refs);
    inst->elem_len = carve(base, &off, ne, sizeof *inst->elem_len);
    inst->data_len = carve(base, &off, nd, sizeof *inst->data_len);
    inst->mod = m;
    return inst;
}

wacc_instance *wacc_instantiate(wacc_store *s, wacc_artifact *a, const wacc_extern *imports,
                                uint32_t nimports, wacc_trap *trap, char err[WACC_ERR_LEN])
{
    if (trap) {
        trap->code = WACC_TRAP_NONE;
        trap->func_index = UINT32_MAX;
        trap->wasm_offset = 0;
        trap->exit_status = 0;
        trap->message[0] = 0;
    }
    if (err)
        err[0] = 0;
    const wasm_module *m = a->mod;
    if (!m) {
        wacc__err(err, "%s is a component: instantiate it with wacc_component_instantiate", a->path);
        return NULL;
    }
    if (nimports < m->nimports) {
        wacc__err(err, "unknown import %s.%s", m->imports[nimports].module,
                  m->imports[nimports].name);
        return NULL;
    }
    struct wacc_instance *inst = alloc_instance(s->engine, m);
    if (!inst) {
        wacc__err(err, "out of memory");
        return NULL;
    }
    inst->store = s;
    inst->art = a;
    struct wacc_vmctx *vm = inst->vmctx;
    vm->limits = &s->limits;
    vm->libcalls = &wacc__libcalls;
    vm->funcrefs = inst->funcrefs;
    vm->type_ids = a->type_ids;
    vm->tables = inst->tables;
    vm->memories = inst->memories;
    vm->instance = inst;

    uint32_t counts[4] = { 0, 0, 0, 0 };
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (!link_import(inst, i, &imports[i], counts, err)) {
            wacc__instance_free(inst);
            return NULL;
        }
    }
    /* From here on the instance may be referenced from imported tables
     * (a failed instantiation keeps its earlier effects), so the store owns it. */
    wacc__store_add_instance(s, inst);
    const struct wacc_descriptor *d = a->desc;
    bool has_image = d->memory_image && d->memory_image_size &&
                     m->nmemories > m->nimported_memories && m->nimported_memories == 0;
    if (!define(inst, has_image ? a->image_id : 0, err))
        return NULL;

    bool image_applied = false;
    if (has_image) {
        wacc_memory_obj *mo = inst->memory_objs[0];
        struct wacc_memory *mem = &mo->m;
        uint64_t n = d->memory_image_size;
        /* Map the page-aligned image copy-on-write from the file (unless a
         * reused reservation still maps it); copy it if that is not possible. */
        if (a->image_id && mo->image_id == a->image_id && mo->image_bytes == n) {
            /* already there */
        } else if (n <= mem->size && a->image_off >= 0 &&
                   mmap(mem->base, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, a->fd,
                        a->image_off) != MAP_FAILED) {
            mo->image_id = a->image_id;
            mo->image_bytes = n;
        } else {
            memcpy(mem->base, d->memory_image, n < mem->size ? n : mem->size);
        }
        image_applied = true;
    }
    if (!init_segments(inst, image_applied, trap, err))
        return NULL;

    if (m->has_start && m->start < m->nfuncs) {
        struct wacc_funcref *fr = &inst->funcrefs[m->start];
        struct wacc_entry e;
        wacc_val vals[1];
        memset(vals, 0, sizeof vals);
        if (!wacc__call_protected(s, &e, fr->array_call, fr->vmctx, fr->code, vals)) {
            wacc_trap tmp;
            wacc__fill_trap(&e, trap ? trap : &tmp);
            wacc__err(err, "%s", trap ? trap->message : tmp.message);
            return NULL;
        }
    }
    return inst;
}

/* ---- exports ---- */

bool wacc_instance_export(wacc_instance *inst, const char *name, wacc_extern *out)
{
    return wacc_instance_export_n(inst, name, strlen(name), out);
}

bool wacc_instance_export_n(wacc_instance *inst, const char *name, size_t len, wacc_extern *out)
{
    const wasm_module *m = inst->mod;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *ex = &m->exports[i];
        if (ex->name_len != len || memcmp(ex->name, name, len) != 0)
            continue;
        out->kind = (wacc_extern_kind)ex->kind;
        switch (ex->kind) {
        case WASM_EXTERN_FUNC:
            out->of.func = wacc__instance_func(inst, ex->index);
            return out->of.func != NULL;
        case WASM_EXTERN_TABLE:
            out->of.table = inst->table_objs[ex->index];
            return true;
        case WASM_EXTERN_MEMORY:
            out->of.memory = inst->memory_objs[ex->index];
            return true;
        case WASM_EXTERN_GLOBAL:
            out->of.global = inst->global_objs[ex->index];
            return true;
        default:
            return false;
        }
    }
    return false;
}

const char *wacc_instance_func_name(const wacc_instance *inst, uint32_t func_index)
{
    return wacc__func_name(inst->art, func_index);
}
