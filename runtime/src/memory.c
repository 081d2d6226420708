/*
 * memory.c — linear memories. Each memory is an 8 GiB PROT_NONE reservation
 * (4 GiB addressable + 4 GiB guard) of which the first `pages` pages are
 * read/write; memory.grow is an mprotect, the base never moves. Accesses past
 * the accessible size fault and the signal handler turns them into traps.
 *
 * The initial image of memory 0 is mapped copy-on-write from the artifact
 * file over the start of the reservation (instance.c). Freed reservations
 * go back to a pool in the engine and are reused, image mapping included.
 */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Transparent huge pages. A memory that reaches WACC_HUGE_MEMORY bytes
 * asks the kernel for huge pages (MADV_HUGEPAGE) on its whole reservation:
 * a program working over tens of MiB then takes one page fault and one TLB
 * entry per 2 MiB instead of 512 (sha256 over 64 MiB: 2,700 faults instead
 * of 17,000; WAMR's iwasm does the same). Smaller memories, such as the many
 * small instances of `wacc serve`, stay on 4 KiB pages so that an instance
 * costs only the pages it touches. The advice is taken back before a
 * reservation returns to the pool. */
#define WACC_HUGE_MEMORY (16u << 20)

static void advise_huge(wacc_memory_obj *m)
{
    if (m->huge || m->m.size < WACC_HUGE_MEMORY)
        return;
    /* best effort: a kernel without THP answers EINVAL and nothing changes */
    if (madvise(m->m.base, WACC_MEMORY_RESERVATION, MADV_HUGEPAGE) == 0)
        m->huge = true;
}

/* Each memory: an inaccessible low guard, then the 8 GiB reservation whose
 * start is the memory's base. */
static void unreserve(uint8_t *base)
{
    munmap(base - WACC_MEMORY_LOW_GUARD, WACC_MEMORY_LOW_GUARD + WACC_MEMORY_RESERVATION);
}

/* ---- the engine's pool of free reservations ----
 *
 * Freeing a memory resets its reservation with one madvise(MADV_DONTNEED):
 * anonymous pages read as zeros again and a copy-on-write image mapping
 * reads the file's bytes again. The reservation keeps its protection,
 * image mapping and trap registry slot, so instantiating the same artifact
 * again needs no system call for its memory. */

/* Take a pooled reservation (preferring one that maps `image_id`, then one
 * without an image) and make its first `bytes` read/write zeros (plus the
 * image, if it matches). False if the pool is empty or a call failed. */
static bool pool_take(wacc_engine *e, uint64_t bytes, uint64_t image_id,
                      struct wacc_mem_reservation *out)
{
    pthread_mutex_lock(&e->pool_lock);
    uint32_t pick = e->npool;
    for (uint32_t i = e->npool; i-- > 0;) {
        const struct wacc_mem_reservation *r = &e->pool[i];
        bool same = image_id && r->image_id == image_id && r->image_bytes <= bytes;
        if (same || (pick == e->npool && r->image_id == 0))
            pick = i;
        if (same)
            break;
    }
    if (pick == e->npool && e->npool)
        pick = e->npool - 1;
    if (pick == e->npool) {
        pthread_mutex_unlock(&e->pool_lock);
        return false;
    }
    *out = e->pool[pick];
    e->pool[pick] = e->pool[--e->npool];
    pthread_mutex_unlock(&e->pool_lock);

    struct wacc_mem_reservation *r = out;
    if (r->image_id && (r->image_id != image_id || r->image_bytes > bytes)) {
        /* another image: back to an anonymous, inaccessible reservation */
        uint64_t n = r->rw_bytes > r->image_bytes ? r->rw_bytes : r->image_bytes;
        if (mmap(r->base, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                 -1, 0) == MAP_FAILED)
            goto fail;
        r->rw_bytes = r->image_id = r->image_bytes = 0;
    }
    if (r->rw_bytes < bytes &&
        mprotect(r->base + r->rw_bytes, bytes - r->rw_bytes, PROT_READ | PROT_WRITE) != 0)
        goto fail;
    if (r->rw_bytes > bytes && mprotect(r->base + bytes, r->rw_bytes - bytes, PROT_NONE) != 0)
        goto fail;
    r->rw_bytes = bytes;
    return true;
fail:
    wacc__unregister_memory(r->slot);
    unreserve(r->base);
    return false;
}

/* Give a reservation back; false if the pool is full or it cannot be reset. */
static bool pool_put(wacc_engine *e, const struct wacc_mem_reservation *r)
{
    if (!e)
        return false;
    if (r->rw_bytes && madvise(r->base, r->rw_bytes, MADV_DONTNEED) != 0)
        return false;
    pthread_mutex_lock(&e->pool_lock);
    bool ok = e->npool < WACC_MEMORY_POOL;
    if (ok)
        e->pool[e->npool++] = *r;
    pthread_mutex_unlock(&e->pool_lock);
    return ok;
}

void wacc__memory_pool_drain(wacc_engine *e)
{
    for (uint32_t i = 0; i < e->npool; i++) {
        wacc__unregister_memory(e->pool[i].slot);
        unreserve(e->pool[i].base);
    }
    e->npool = 0;
}

/* A fresh reservation with its first `bytes` read/write. */
static bool reserve(uint64_t bytes, struct wacc_mem_reservation *out, char err[WACC_ERR_LEN])
{
    uint8_t *res = mmap(NULL, WACC_MEMORY_LOW_GUARD + WACC_MEMORY_RESERVATION, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (res == MAP_FAILED) {
        wacc__err(err, "cannot reserve 8 GiB of address space for a linear memory (%s); "
                  "check ulimit -v", strerror(errno));
        return false;
    }
    uint8_t *base = res + WACC_MEMORY_LOW_GUARD;
    if (bytes && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
        wacc__err(err, "cannot commit %llu pages of linear memory (%s)",
                  (unsigned long long)(bytes / WASM_PAGE_SIZE), strerror(errno));
        unreserve(base);
        return false;
    }
    int slot = wacc__register_memory(base);
    if (slot < 0) {
        wacc__err(err, "too many linear memories in this process");
        unreserve(base);
        return false;
    }
    *out = (struct wacc_mem_reservation){ base, bytes, 0, 0, slot };
    return true;
}

wacc_memory_obj *wacc__memory_create(wacc_store *s, uint64_t min, bool has_max, uint64_t max,
                                     uint64_t image_id, char err[WACC_ERR_LEN])
{
    uint64_t limit = WACC_MEMORY_MAX_PAGES32;   /* see wacc/abi.h */
    if (has_max && max < limit)
        limit = max;
    if (min > limit) {
        wacc__err(err, "memory of %llu pages exceeds its limit of %llu pages",
                  (unsigned long long)min, (unsigned long long)limit);
        return NULL;
    }
    if (s->max_memory && min > s->max_memory / WASM_PAGE_SIZE) {
        wacc__err(err, "memory of %llu pages (%llu bytes) exceeds the memory limit of %llu bytes",
                  (unsigned long long)min, (unsigned long long)(min * WASM_PAGE_SIZE),
                  (unsigned long long)s->max_memory);
        return NULL;
    }
    wacc_memory_obj *m = calloc(1, sizeof *m);
    if (!m) {
        wacc__err(err, "out of memory");
        return NULL;
    }
    struct wacc_mem_reservation r;
    if (!pool_take(s->engine, min * WASM_PAGE_SIZE, image_id, &r) &&
        !reserve(min * WASM_PAGE_SIZE, &r, err)) {
        free(m);
        return NULL;
    }
    m->slot = r.slot;
    m->engine = s->engine;
    m->store = s;
    m->image_id = r.image_id;
    m->image_bytes = r.image_bytes;
    m->m.base = r.base;
    m->m.size = min * WASM_PAGE_SIZE;
    m->pages = min;
    m->max_pages = limit;
    m->has_max = has_max;
    m->declared_max = max;
    m->next = s->memories;
    s->memories = m;
    advise_huge(m);
    return m;
}

void wacc__memory_free(wacc_memory_obj *m)
{
    struct wacc_mem_reservation r = { m->m.base, m->m.size, m->image_id, m->image_bytes, m->slot };
    bool reset = !m->huge || madvise(m->m.base, WACC_MEMORY_RESERVATION, MADV_NOHUGEPAGE) == 0;
    if (!reset || !pool_put(m->engine, &r)) {
        wacc__unregister_memory(m->slot);
        unreserve(m->m.base);
    }
    free(m);
}

wacc_memory_obj *wacc_memory_new(wacc_store *s, wacc_limits_t pages, char err[WACC_ERR_LEN])
{
    return wacc__memory_create(s, pages.min, pages.has_max, pages.max, 0, err);
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
    if (m->store->max_memory && old + delta > m->store->max_memory / WASM_PAGE_SIZE)
        return UINT32_MAX;
    if (mprotect(m->m.base + old * WASM_PAGE_SIZE, (uint64_t)delta * WASM_PAGE_SIZE,
                 PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    m->pages = old + delta;
    m->m.size = m->pages * WASM_PAGE_SIZE;
    advise_huge(m);
    return (uint32_t)old;
}
