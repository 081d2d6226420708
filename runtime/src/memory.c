/*
 * memory.c — linear memories. Each memory is an 8 GiB PROT_NONE reservation
 * (4 GiB addressable + 4 GiB guard) of which the first `pages` pages are
 * read/write; memory.grow is an mprotect, the base never moves. Accesses past
 * the accessible size fault and the signal handler turns them into traps.
 *
 * The initial image of memory 0 is mapped copy-on-write from the artifact
 * file over the start of the reservation (instance.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Each memory: an inaccessible low guard, then the 8 GiB reservation whose
 * start is the memory's base. */
static void unreserve(uint8_t *base)
{
    munmap(base - WACC_MEMORY_LOW_GUARD, WACC_MEMORY_LOW_GUARD + WACC_MEMORY_RESERVATION);
}

wacc_memory_obj *wacc__memory_create(wacc_store *s, uint64_t min, bool has_max, uint64_t max,
                                     char err[WACC_ERR_LEN])
{
    uint64_t limit = WACC_MEMORY_MAX_PAGES32;   /* see wacc/abi.h */
    if (has_max && max < limit)
        limit = max;
    if (min > limit) {
        wacc__err(err, "memory of %llu pages exceeds its limit of %llu pages",
                  (unsigned long long)min, (unsigned long long)limit);
        return NULL;
    }
    wacc_memory_obj *m = calloc(1, sizeof *m);
    if (!m) {
        wacc__err(err, "out of memory");
        return NULL;
    }
    uint8_t *res = mmap(NULL, WACC_MEMORY_LOW_GUARD + WACC_MEMORY_RESERVATION, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (res == MAP_FAILED) {
        wacc__err(err, "cannot reserve 8 GiB of address space for a linear memory (%s); "
                  "check ulimit -v", strerror(errno));
        free(m);
        return NULL;
    }
    uint8_t *base = res + WACC_MEMORY_LOW_GUARD;
    if (min && mprotect(base, min * WASM_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        wacc__err(err, "cannot commit %llu pages of linear memory (%s)",
                  (unsigned long long)min, strerror(errno));
        unreserve(base);
        free(m);
        return NULL;
    }
    m->slot = wacc__register_memory(base);
    if (m->slot < 0) {
        wacc__err(err, "too many linear memories in this process");
        unreserve(base);
        free(m);
        return NULL;
    }
    m->m.base = base;
    m->m.size = min * WASM_PAGE_SIZE;
    m->pages = min;
    m->max_pages = limit;
    m->has_max = has_max;
    m->declared_max = max;
    m->next = s->memories;
    s->memories = m;
    return m;
}

void wacc__memory_free(wacc_memory_obj *m)
{
    wacc__unregister_memory(m->slot);
    unreserve(m->m.base);
    free(m);
}

wacc_memory_obj *wacc_memory_new(wacc_store *s, wacc_limits_t pages, char err[WACC_ERR_LEN])
{
    return wacc__memory_create(s, pages.min, pages.has_max, pages.max, err);
}

uint8_t *wacc_memory_data(wacc_memory_obj *m)
{
    return m->m.base;
}

uint64_t wacc_memory_size(const wacc_memory_obj *m)
{
    return m->m.size;
}

uint32_t wacc_memory_grow(wacc_memory_obj *m, uint32_t delta)
{
    uint64_t old = m->pages;
    if (delta == 0)
        return (uint32_t)old;
    if (old + delta > m->max_pages)
        return UINT32_MAX;
    if (mprotect(m->m.base + old * WASM_PAGE_SIZE, (uint64_t)delta * WASM_PAGE_SIZE,
                 PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    m->pages = old + delta;
    m->m.size = m->pages * WASM_PAGE_SIZE;
    return (uint32_t)old;
}
