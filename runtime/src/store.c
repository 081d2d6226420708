/*
 * store.c — engine (canonical signature registry), store lifetime, helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *wacc__calloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size ? size : 1);
}

void wacc__err(char err[WACC_ERR_LEN], const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, WACC_ERR_LEN, fmt, ap);
    va_end(ap);
}

/* ---- engine ---- */

wacc_engine *wacc_engine_new(void)
{
    wacc_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->pool_lock, NULL);
    wacc__engine_timer_init(e);
    return e;
}

void wacc_engine_set_verifier(wacc_engine *e, wacc_verify_fn fn, void *ud)
{
    e->verify = fn;
    e->verify_ud = ud;
}

void wacc_engine_free(wacc_engine *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < e->nsigs; i++)
        free(e->sigs[i].types);
    free(e->sigs);
    free(e->slots);
    wacc__memory_pool_drain(e);
    wacc__instance_pool_drain(e);
    wacc__engine_timer_stop(e);
    pthread_mutex_destroy(&e->pool_lock);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

static uint64_t sig_hash(uint32_t np, const uint8_t *params, uint32_t nr, const uint8_t *results)
{
    uint64_t h = 1469598103934665603ull;    /* FNV-1a */
    h = (h ^ np) * 1099511628211ull;
    for (uint32_t i = 0; i < np; i++)
        h = (h ^ params[i]) * 1099511628211ull;
    h = (h ^ (0x100u + nr)) * 1099511628211ull;
    for (uint32_t i = 0; i < nr; i++)
        h = (h ^ results[i]) * 1099511628211ull;
    return h;
}

static bool sig_equal(const struct wacc_sig *s, uint32_t np, const uint8_t *params, uint32_t nr,
                      const uint8_t *results)
{
    return s->nparams == np && s->nresults == nr &&
           (np == 0 || memcmp(s->types, params, np) == 0) &&
           (nr == 0 || memcmp(s->types + np, results, nr) == 0);
}

static bool rehash(wacc_engine *e)
{
    uint32_t n = e->nslots ? e->nslots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return false;
    for (uint32_t i = 0; i < e->nsigs; i++) {
        uint32_t j = (uint32_t)e->sigs[i].hash & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(e->slots);
    e->slots = slots;
    e->nslots = n;
    return true;
}

static uint32_t sig_id_locked(wacc_engine *e, uint32_t np, const uint8_t *params, uint32_t nr,
                              const uint8_t *results)
{
    uint64_t h = sig_hash(np, params, nr, results);
    if (e->nslots) {
        for (uint32_t j = (uint32_t)h & (e->nslots - 1); e->slots[j]; j = (j + 1) & (e->nslots - 1)) {
            const struct wacc_sig *s = &e->sigs[e->slots[j] - 1];
            if (s->hash == h && sig_equal(s, np, params, nr, results))
                return e->slots[j] - 1;
        }
    }
    if ((uint64_t)(e->nsigs + 1) * 2 > e->nslots && !rehash(e))
        return UINT32_MAX;
    if (e->nsigs == e->sigs_cap) {
        uint32_t cap = e->sigs_cap ? e->sigs_cap * 2 : 32;
        struct wacc_sig *sigs = realloc(e->sigs, cap * sizeof *sigs);
        if (!sigs)
            return UINT32_MAX;
        e->sigs = sigs;
        e->sigs_cap = cap;
    }
    uint8_t *types = malloc((size_t)np + nr + 1);
    if (!types)
        return UINT32_MAX;
    if (np)
        memcpy(types, params, np);
    if (nr)
        memcpy(types + np, results, nr);
    uint32_t id = e->nsigs++;
    e->sigs[id] = (struct wacc_sig){ np, nr, types, h, NULL, NULL };
    uint32_t j = (uint32_t)h & (e->nslots - 1);
    while (e->slots[j])
        j = (j + 1) & (e->nslots - 1);
    e->slots[j] = id + 1;
    return id;
}

uint32_t wacc__sig_id(wacc_engine *e, uint32_t np, const uint8_t *params, uint32_t nr,
                      const uint8_t *results)
{
    pthread_mutex_lock(&e->lock);
    uint32_t id = sig_id_locked(e, np, params, nr, results);
    pthread_mutex_unlock(&e->lock);
    return id;
}

/* Host stubs by canonical type, so that a host function that was never
 * imported still has a native entry when it is called through a table. */
void wacc__engine_add_stubs(wacc_engine *e, const wacc_artifact *a)
{
    pthread_mutex_lock(&e->lock);
    for (uint32_t t = 0; t < a->mod->ntypes; t++) {
        struct wacc_sig *s = &e->sigs[a->type_ids[t]];
        if (!s->host_stub && a->desc->host_stubs[t]) {
            s->host_stub = a->desc->host_stubs[t];
            s->stub_owner = a;
        }
    }
    pthread_mutex_unlock(&e->lock);
}

void wacc__engine_drop_stubs(wacc_engine *e, const wacc_artifact *a)
{
    pthread_mutex_lock(&e->lock);
    for (uint32_t i = 0; i < e->nsigs; i++) {
        if (e->sigs[i].stub_owner == a) {
            e->sigs[i].host_stub = NULL;
            e->sigs[i].stub_owner = NULL;
        }
    }
    pthread_mutex_unlock(&e->lock);
}

void *wacc__engine_host_stub(wacc_engine *e, uint32_t type_id)
{
    pthread_mutex_lock(&e->lock);
    void *stub = type_id < e->nsigs ? e->sigs[type_id].host_stub : NULL;
    pthread_mutex_unlock(&e->lock);
    return stub;
}

/* ---- store ---- */

wacc_store *wacc_store_new(wacc_engine *e)
{
    wacc_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->engine = e;
    wacc__store_set_stack_limit(s, wacc__thread_enter());   /* reset by every entry */
    return s;
}

void wacc_store_free(wacc_store *s)
{
    if (!s)
        return;
    wacc__store_unwatch(s);
    for (struct wacc_instance *i = s->instances, *n; i; i = n) {
        n = i->next;
        wacc__instance_free(i);
    }
    for (wacc_func *f = s->funcs, *n; f; f = n) {
        n = f->next;
        free(f->owned_types);
        free(f);
    }
    for (wacc_table_obj *t = s->tables, *n; t; t = n) {
        n = t->next;
        wacc__table_free(t);
    }
    for (wacc_memory_obj *m = s->memories, *n; m; m = n) {
        n = m->next;
        wacc__memory_free(m);
    }
    for (wacc_global_obj *g = s->globals, *n; g; g = n) {
        n = g->next;
        free(g);
    }
    free(s);
}
