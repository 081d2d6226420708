/*
 * libcalls.c — the runtime functions generated code calls through
 * vmctx->libcalls. Bulk operations check bounds per the spec (the whole range
 * must fit, even for length 0) and trap by unwinding to the wasm entry.
 */
#include <string.h>

#include "internal.h"

static struct wacc_instance *instance_of(void *vmctx)
{
    return ((struct wacc_vmctx *)vmctx)->instance;
}

static _Noreturn void lc_trap(void *vmctx, uint32_t code, uint32_t func_index,
                              uint32_t wasm_offset)
{
    if (code == WACC_TRAP_STACK_EXHAUSTED)     /* or an interruption (deadline.c) */
        code = wacc__stack_trap_code(vmctx);
    wacc__raise(instance_of(vmctx), code, func_index, wasm_offset);
}

static void trap_here(void *vmctx, uint32_t code)
{
    wacc__raise(instance_of(vmctx), code, UINT32_MAX, 0);
}

static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static uint32_t lc_memory_grow(void *vmctx, uint32_t mem, uint32_t delta)
{
    struct wacc_instance *inst = instance_of(vmctx);
    return wacc_memory_grow(inst->memory_objs[mem], delta);
}

static void lc_memory_fill(void *vmctx, uint32_t mem, uint32_t dst, uint32_t val, uint32_t len)
{
    struct wacc_memory *m = instance_of(vmctx)->memories[mem];
    if (!in_range(dst, len, m->size))
        trap_here(vmctx, WACC_TRAP_MEMORY_OOB);
    memset(m->base + dst, (int)(val & 0xFF), len);
}

static void lc_memory_copy(void *vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst,
                           uint32_t src, uint32_t len)
{
    struct wacc_instance *inst = instance_of(vmctx);
    struct wacc_memory *d = inst->memories[dst_mem], *s = inst->memories[src_mem];
    if (!in_range(dst, len, d->size) || !in_range(src, len, s->size))
        trap_here(vmctx, WACC_TRAP_MEMORY_OOB);
    memmove(d->base + dst, s->base + src, len);
}

static void lc_memory_init(void *vmctx, uint32_t mem, uint32_t data, uint32_t dst, uint32_t src,
                           uint32_t len)
{
    struct wacc_instance *inst = instance_of(vmctx);
    struct wacc_memory *m = inst->memories[mem];
    uint32_t seglen = inst->data_len[data];
    if (!in_range(src, len, seglen) || !in_range(dst, len, m->size))
        trap_here(vmctx, WACC_TRAP_MEMORY_OOB);
    if (len)
        memcpy(m->base + dst, inst->mod->datas[data].bytes + src, len);
}

static void lc_data_drop(void *vmctx, uint32_t data)
{
    instance_of(vmctx)->data_len[data] = 0;
}

static uint32_t lc_table_grow(void *vmctx, uint32_t table, void *init, uint32_t delta)
{
    return wacc__table_grow(instance_of(vmctx)->table_objs[table], delta, init);
}

static void lc_table_fill(void *vmctx, uint32_t table, uint32_t dst, void *val, uint32_t len)
{
    struct wacc_table *t = instance_of(vmctx)->tables[table];
    if (!in_range(dst, len, t->size))
        trap_here(vmctx, WACC_TRAP_TABLE_OOB);
    for (uint32_t i = 0; i < len; i++)
        t->elems[dst + i] = val;
}

static void lc_table_copy(void *vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                          uint32_t src, uint32_t len)
{
    struct wacc_instance *inst = instance_of(vmctx);
    struct wacc_table *d = inst->tables[dst_table], *s = inst->tables[src_table];
    if (!in_range(dst, len, d->size) || !in_range(src, len, s->size))
        trap_here(vmctx, WACC_TRAP_TABLE_OOB);
    if (len)
        memmove(d->elems + dst, s->elems + src, (size_t)len * sizeof *d->elems);
}

static void lc_table_init(void *vmctx, uint32_t table, uint32_t elem, uint32_t dst, uint32_t src,
                          uint32_t len)
{
    struct wacc_instance *inst = instance_of(vmctx);
    struct wacc_table *t = inst->tables[table];
    uint32_t seglen = inst->elem_len[elem];
    if (!in_range(src, len, seglen) || !in_range(dst, len, t->size))
        trap_here(vmctx, WACC_TRAP_TABLE_OOB);
    if (len)
        memcpy(t->elems + dst, inst->elem_refs[elem] + src, (size_t)len * sizeof *t->elems);
}

static void lc_elem_drop(void *vmctx, uint32_t elem)
{
    struct wacc_instance *inst = instance_of(vmctx);
    inst->elem_len[elem] = 0;
}

const struct wacc_libcalls wacc__libcalls = {
    .trap = lc_trap,
    .memory_grow = lc_memory_grow,
    .memory_fill = lc_memory_fill,
    .memory_copy = lc_memory_copy,
    .memory_init = lc_memory_init,
    .data_drop = lc_data_drop,
    .table_grow = lc_table_grow,
    .table_fill = lc_table_fill,
    .table_copy = lc_table_copy,
    .table_init = lc_table_init,
    .elem_drop = lc_elem_drop,
    .interrupt = wacc__interrupt,
};
