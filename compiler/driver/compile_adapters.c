/*
 * compile_adapters.c — the fused adapters a component needs (wacc/abi.h
 * "Fused adapters (k2)"). While the component is validated, every canon
 * lift and canon lower site reports its function type; a lower site whose
 * type (labels aside, see abi-glue wacc_adapter_key) equals a lift site's
 * may end up calling it directly, so it gets an adapter keyed by the type
 * and the two sites' string encodings. Async sites, 64-bit memories and
 * types with handles/streams/futures keep the runtime's generic path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"            /* abi-glue: wacc_adapter_key */
#include "compile_adapters.h"

typedef struct site {
    char *type;                 /* key without the encodings (owned) */
    uint8_t encoding;
} site;

typedef struct sitelist {
    site *v;
    uint32_t n, cap;
} sitelist;

typedef struct collector {
    sitelist lifts, lowers;
    bool oom;
} collector;

static bool push_site(sitelist *l, char *type, uint8_t enc)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        site *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].type = type;
    l->v[l->n++].encoding = enc;
    return true;
}

/* The site's key with its "|e|e" suffix cut off; NULL if it cannot be fused. */
static char *type_key(const wacc_canon_site *s)
{
    char *key = wacc_adapter_key_alloc(s->params, s->nparams, s->result, 0, 0);
    if (key) {
        size_t len = strlen(key);
        if (len >= 4)
            key[len - 4] = '\0';
    }
    return key;
}

static void visit(void *user, const wacc_canon_site *s)
{
    collector *co = user;
    if (co->oom || s->async || s->mem64 || s->canon >= s->def->ncanons)
        return;
    uint8_t op = s->def->canons[s->canon].op;
    if (op != WACC_CANON_LIFT && op != WACC_CANON_LOWER)
        return;
    char *type = type_key(s);
    if (!type)
        return;
    if (!push_site(op == WACC_CANON_LIFT ? &co->lifts : &co->lowers, type, s->encoding)) {
        free(type);
        co->oom = true;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_site(const void *a, const void *b)
{
    return strcmp(((const site *)a)->type, ((const site *)b)->type);
}

static void free_sites(sitelist *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->v[i].type);
    free(l->v);
}

/* Every (lower, lift) pair of equal types, sorted and deduplicated. */
static bool make_keys(collector *co, adapter_keys *keys)
{
    if (co->lifts.n == 0)
        return true;                /* nothing to fuse (qsort/bsearch want a non-NULL array) */
    qsort(co->lifts.v, co->lifts.n, sizeof(site), cmp_site);
    uint32_t cap = 0;
    for (uint32_t i = 0; i < co->lowers.n; i++) {
        const site *lo = &co->lowers.v[i];
        site probe = { lo->type, 0 };
        const site *hit = bsearch(&probe, co->lifts.v, co->lifts.n, sizeof(site), cmp_site);
        if (!hit)
            continue;
        while (hit > co->lifts.v && strcmp(hit[-1].type, lo->type) == 0)
            hit--;
        unsigned seen = 0;          /* lift encodings already paired with this lower */
        for (; hit < co->lifts.v + co->lifts.n && strcmp(hit->type, lo->type) == 0; hit++) {
            if (hit->encoding < 8 && (seen & (1u << hit->encoding)))
                continue;
            if (hit->encoding < 8)
                seen |= 1u << hit->encoding;
            if (keys->n == cap) {
                cap = cap ? cap * 2 : 16;
                char **v = realloc(keys->v, cap * sizeof *v);
                if (!v)
                    return false;
                keys->v = v;
            }
            size_t len = strlen(lo->type);
            char *k = malloc(len + 5);
            if (!k)
                return false;
            memcpy(k, lo->type, len);
            k[len] = '|';
            k[len + 1] = (char)('0' + lo->encoding);
            k[len + 2] = '|';
            k[len + 3] = (char)('0' + hit->encoding);
            k[len + 4] = '\0';
            keys->v[keys->n++] = k;
        }
    }
    if (keys->n == 0)
        return true;
    qsort(keys->v, keys->n, sizeof *keys->v, cmp_str);
    uint32_t w = 1;
    for (uint32_t i = 1; i < keys->n; i++) {
        if (strcmp(keys->v[i], keys->v[w - 1]) == 0)
            free(keys->v[i]);
        else
            keys->v[w++] = keys->v[i];
    }
    keys->n = w;
    return true;
}

bool compile_adapters_validate(const wacc_component *c, wasm_error *err, adapter_keys *keys)
{
    keys->v = NULL;
    keys->n = 0;
    collector co;
    memset(&co, 0, sizeof co);
    wacc_arena arena;
    wacc_arena_init(&arena);
    bool ok = wacc_component_validate_visit(c, WACC_CFEAT_DEFAULT, err, &arena, visit, &co);
    wacc_arena_fini(&arena);
    if (ok && (co.oom || !make_keys(&co, keys))) {
        err->offset = 0;
        snprintf(err->msg, sizeof err->msg, "out of memory collecting the fused adapters");
        compile_adapters_free(keys);
        ok = false;
    }
    free_sites(&co.lifts);
    free_sites(&co.lowers);
    return ok;
}

bool compile_adapters_lower(LLVMModuleRef mod, const wacc_target *t, const adapter_keys *keys,
                            LLVMValueRef *table, char err[512])
{
    return wacc_lower_adapters(mod, t, (const char *const *)keys->v, keys->n, table, err);
}

void compile_adapters_free(adapter_keys *keys)
{
    for (uint32_t i = 0; i < keys->n; i++)
        free(keys->v[i]);
    free(keys->v);
    keys->v = NULL;
    keys->n = 0;
}
