/*
 * compile_adapters.c — the fused adapters a component needs (wacc/abi.h
 * "Fused adapters (k2)"). While the component is validated, every canon
 * lift and canon lower site reports its function type; a lower site whose
 * type (labels aside, see abi-glue wacc_adapter_key) equals a lift site's
 * may end up calling it directly, so it gets an adapter keyed by the type
 * and the two sites' string encodings. An async lower site (the async
 * option) whose type a lift site has gets an async adapter (wacc/abi.h
 * "Fused async adapters"), keyed by the lift's kind too (callback, async
 * stackful, sync). 64-bit memories, types with streams/futures, and (async
 * adapters) types with handles keep the runtime's generic path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"            /* abi-glue: wacc_adapter_key */
#include "wacc/abi.h"       /* WACC_AADAPTER_* */
#include "compile_adapters.h"

typedef struct site {
    char *type;                 /* key without the encodings (owned) */
    uint8_t encoding;
    char kind;                  /* lifts: WACC_AADAPTER_* */
} site;

typedef struct sitelist {
    site *v;
    uint32_t n, cap;
} sitelist;

typedef struct collector {
    sitelist lifts, lowers;     /* sync sites */
    sitelist alifts, alowers;   /* every lift (with its kind); async lowers */
    sitelist readers, writers;  /* stream/future reads and writes (element types
                                   that need more than a memcpy) */
    bool oom;
} collector;

static bool push_site(sitelist *l, char *type, uint8_t enc, char kind)
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
    l->v[l->n].kind = kind;
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

static bool push_copy(collector *co, sitelist *l, const char *type, uint8_t enc, char kind)
{
    char *t = strdup(type);
    if (!t || !push_site(l, t, enc, kind)) {
        free(t);
        co->oom = true;
        return false;
    }
    return true;
}

static void visit(void *user, const wacc_canon_site *s)
{
    collector *co = user;
    if (co->oom || s->mem64 || s->canon >= s->def->ncanons)
        return;
    const wacc_canon *cn = &s->def->canons[s->canon];
    uint8_t op = cn->op;
    bool read = op == WACC_CANON_STREAM_READ || op == WACC_CANON_FUTURE_READ;
    bool write = op == WACC_CANON_STREAM_WRITE || op == WACC_CANON_FUTURE_WRITE;
    if (read || write) {
        /* plain elements are copied with one memmove by the runtime */
        if (s->nparams != 1 || wacc_ctype_plain(s->params[0]))
            return;
    } else if (op != WACC_CANON_LIFT && op != WACC_CANON_LOWER) {
        return;
    }
    char *type = type_key(s);
    if (!type)
        return;
    const wacc_resource_type *rts[WACC_ADAPTER_KEY_MAX_RESOURCES];
    bool handles = wacc_adapter_key_resources(s->params, s->nparams, s->result, rts,
                                              WACC_ADAPTER_KEY_MAX_RESOURCES) != 0;
    bool async_opt = cn->opts.nasync > 0;
    if (read || write) {
        if (handles || !push_site(read ? &co->readers : &co->writers, type, s->encoding, 0))
            goto done;
        return;
    }
    if (!handles) {
        if (op == WACC_CANON_LIFT) {
            char kind = !async_opt ? WACC_AADAPTER_SYNC
                      : cn->opts.ncallback ? WACC_AADAPTER_CALLBACK : WACC_AADAPTER_STACKFUL;
            if (!push_copy(co, &co->alifts, type, s->encoding, kind))
                goto done;
        } else if (async_opt && !push_copy(co, &co->alowers, type, s->encoding, 0)) {
            goto done;
        }
    }
    if (s->async)
        goto done;
    if (!push_site(op == WACC_CANON_LIFT ? &co->lifts : &co->lowers, type, s->encoding, 0)) {
        co->oom = true;
        goto done;
    }
    return;
done:
    free(type);
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

static bool add_key(adapter_keys *keys, uint32_t *cap, const site *lo, const site *li, bool async_)
{
    if (keys->n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 16;
        char **v = realloc(keys->v, c * sizeof *v);
        if (!v)
            return false;
        keys->v = v;
        *cap = c;
    }
    size_t len = strlen(lo->type), pre = async_ ? 2 : 0;
    char *k = malloc(pre + len + 5);
    if (!k)
        return false;
    if (async_) {
        k[0] = li->kind == WACC_ECOPY_KIND ? WACC_ECOPY_PREFIX : WACC_AADAPTER_PREFIX;
        k[1] = li->kind;
    }
    memcpy(k + pre, lo->type, len);
    char *e = k + pre + len;
    e[0] = '|';
    e[1] = (char)('0' + lo->encoding);
    e[2] = '|';
    e[3] = (char)('0' + li->encoding);
    e[4] = '\0';
    keys->v[keys->n++] = k;
    return true;
}

/* Every (lower, lift) pair of equal types (async: per lift kind too). */
static bool pair_keys(sitelist *lifts, const sitelist *lowers, bool async_, adapter_keys *keys,
                      uint32_t *cap)
{
    if (lifts->n == 0)
        return true;                /* nothing to fuse (qsort/bsearch want a non-NULL array) */
    qsort(lifts->v, lifts->n, sizeof(site), cmp_site);
    for (uint32_t i = 0; i < lowers->n; i++) {
        const site *lo = &lowers->v[i];
        site probe = { lo->type, 0, 0 };
        const site *hit = bsearch(&probe, lifts->v, lifts->n, sizeof(site), cmp_site);
        if (!hit)
            continue;
        while (hit > lifts->v && strcmp(hit[-1].type, lo->type) == 0)
            hit--;
        unsigned seen = 0;          /* (kind, lift encoding) already paired with this lower */
        for (; hit < lifts->v + lifts->n && strcmp(hit->type, lo->type) == 0; hit++) {
            unsigned bit = hit->encoding < 8 ? 1u << (hit->encoding +
                           (hit->kind == WACC_AADAPTER_CALLBACK ? 8 : hit->kind == WACC_AADAPTER_STACKFUL ? 16 : 0))
                                             : 0;
            if (seen & bit)
                continue;
            seen |= bit;
            if (!add_key(keys, cap, lo, hit, async_))
                return false;
        }
    }
    return true;
}

/* Every (lower, lift) pair of equal types, sorted and deduplicated. */
static bool make_keys(collector *co, adapter_keys *keys)
{
    uint32_t cap = 0;
    for (uint32_t i = 0; i < co->writers.n; i++)
        co->writers.v[i].kind = WACC_ECOPY_KIND;
    if (!pair_keys(&co->lifts, &co->lowers, false, keys, &cap) ||
        !pair_keys(&co->alifts, &co->alowers, true, keys, &cap) ||
        !pair_keys(&co->writers, &co->readers, true, keys, &cap))
        return false;
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
    free_sites(&co.alifts);
    free_sites(&co.alowers);
    free_sites(&co.readers);
    free_sites(&co.writers);
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
