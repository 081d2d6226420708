/*
 * table.c — tables of references (funcref: struct wacc_funcref *, externref:
 * opaque pointer; NULL is the null reference).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

wacc_table_obj *wacc__table_create(wacc_store *s, uint8_t elemtype, uint64_t min,
                                   bool has_max, uint64_t max, char err[WACC_ERR_LEN])
{
    uint64_t limit = WASM_MAX_TABLE_SIZE;
    if (has_max && max < limit)
        limit = max;
    if (min > limit) {
        wacc__err(err, "table of %llu elements exceeds its limit of %llu",
                  (unsigned long long)min, (unsigned long long)limit);
        return NULL;
    }
    wacc_table_obj *t = calloc(1, sizeof *t);
    void **elems = wacc__calloc(min, sizeof *elems);
    if (!t || !elems) {
        free(t);
        free(elems);
        wacc__err(err, "out of memory");
        return NULL;
    }
    t->t.elems = elems;
    t->t.size = (uint32_t)min;
    t->t.max = (uint32_t)limit;
    t->elemtype = elemtype;
    t->has_max = has_max;
    t->declared_max = has_max ? (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max) : 0;
    t->next = s->tables;
    s->tables = t;
    return t;
}

void wacc__table_free(wacc_table_obj *t)
{
    free(t->t.elems);
    free(t);
}

uint32_t wacc__table_grow(wacc_table_obj *t, uint32_t delta, void *init)
{
    uint32_t old = t->t.size;
    if (delta == 0)
        return old;
    if ((uint64_t)old + delta > t->t.max)
        return UINT32_MAX;
    uint32_t n = old + delta;
    void **elems = realloc(t->t.elems, (size_t)n * sizeof *elems);
    if (!elems)
        return UINT32_MAX;
    for (uint32_t i = old; i < n; i++)
        elems[i] = init;
    t->t.elems = elems;
    t->t.size = n;
    return old;
}

wacc_table_obj *wacc_table_new(wacc_store *s, uint8_t elemtype, wacc_limits_t limits,
                               char err[WACC_ERR_LEN])
{
    if (elemtype != WACC_FUNCREF && elemtype != WACC_EXTERNREF) {
        wacc__err(err, "invalid table element type 0x%02x", elemtype);
        return NULL;
    }
    return wacc__table_create(s, elemtype, limits.min, limits.has_max, limits.max, err);
}

uint32_t wacc_table_size(const wacc_table_obj *t)
{
    return t->t.size;
}

bool wacc_table_get(const wacc_table_obj *t, uint32_t i, void **ref)
{
    if (i >= t->t.size)
        return false;
    *ref = t->t.elems[i];
    return true;
}

bool wacc_table_set(wacc_table_obj *t, uint32_t i, void *ref)
{
    if (i >= t->t.size)
        return false;
    t->t.elems[i] = ref;
    return true;
}

uint32_t wacc_table_grow(wacc_table_obj *t, uint32_t delta, void *init)
{
    return wacc__table_grow(t, delta, init);
}
