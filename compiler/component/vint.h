/* vint.h — validator internals: the semantic type arena and scopes. */
#ifndef WACC_COMPONENT_VINT_H
#define WACC_COMPONENT_VINT_H

#include "internal.h"

/* Semantic value type / type reference: a primitive or an arena node. */
typedef struct sval {
    uint8_t prim;               /* WACC_PT_* or 0 */
    uint32_t id;                /* arena node when prim == 0 */
} sval;

/* Extra node kinds beyond WACC_DT_*. */
enum {
    TY_CORE_FUNC = 64,
    TY_CORE_MODULE,
    TY_CORE_INSTANCE,
};

typedef struct sfield {
    const char *label;          /* borrowed from the model */
    uint32_t label_len;
    bool has;
    sval t;
} sfield;

/* Core extern entity (func/tag: fty is a TY_CORE_FUNC node). */
typedef struct cent {
    uint8_t kind;               /* WASM_EXTERN_* or WACC_CORE_EXTERN_TAG */
    uint32_t fty;
    wasm_tabletype table;
    wasm_memtype mem;
    wasm_globaltype global;
    bool any;                   /* unknown (matches anything) */
} cent;

typedef struct cnamed {
    const char *module, *name;  /* borrowed */
    uint32_t name_len;
    cent e;
} cnamed;

/* Component-level entity: sort + type. */
typedef struct sext {
    const char *name;           /* borrowed */
    uint32_t len;
    uint8_t sort;               /* WACC_SORT_* */
    sval t;
} sext;

typedef struct ty {
    uint8_t kind;               /* WACC_DT_* or TY_* */
    uint32_t nfields;
    sfield *fields;
    bool has_t, has_u;
    sval t, u;
    uint32_t len;
    bool async;
    /* resource */
    bool res_local;             /* defined by a resource type definition */
    bool res_bindable;          /* introduced by (sub resource) in a type scope */
    uint8_t rep;
    void *res_scope;            /* defining scope (res_local) */
    uint32_t alias_of;          /* resource: the resource this one names (0: none) */
    uint32_t res_outer;         /* resource: what stands for it outside its component
                                   (an export ascribed (sub resource); 0: rroot) */
    /* component / instance */
    uint32_t nimports, nexports;
    sext *imports, *exports;
    uint32_t nimp_res, nexp_res;
    uint32_t *imp_res, *exp_res;
    /* core */
    wasm_functype cf;           /* owned arrays */
    bool cf_any;
    uint32_t ncimports, ncexports;
    cnamed *cimports, *cexports;
    uint64_t size;              /* effective type size (wasm-tools' limit 1000000) */
    uint32_t depth;             /* value type nesting depth (Wasmtime's limit 100) */
    uint64_t abi_size;          /* memoised sval_size (0: not yet) */
    uint32_t abi_align;         /* memoised alignment (0: not yet) */
} ty;

/* Canon-site visitor state (wacc_component_validate_visit; visit_ctype.c). */
typedef struct vvisit {
    struct wacc_arena *arena;
    wacc_canon_visit_fn fn;
    void *user;
    const struct wacc_ctype **memo;     /* converted types by arena node (NULL: not yet) */
    uint32_t nmemo;
    uint32_t *res_ids;                  /* resource roots with a placeholder */
    struct wacc_resource_type **res;    /* their placeholders (in the arena) */
    uint32_t nres, capres;
} vvisit;

typedef struct vctx {
    ty *types;
    uint32_t ntypes, cap;
    wasm_error *err;
    bool failed;
    uint32_t features;          /* WACC_CFEAT_* */
    uint8_t ptr;                /* flatten: pointer/length type (WASM_I32 or WASM_I64 for
                                   a 64-bit memory option) */
    vvisit *visit;              /* NULL: plain validation */
} vctx;

/* Resource substitution map. */
typedef struct rmap {
    uint32_t n, cap;
    uint32_t *from;
    sval *to;
} rmap;

uint32_t ty_new(vctx *v, uint8_t kind);
static inline ty *TY(vctx *v, uint32_t id) { return &v->types[id]; }
void vctx_free(vctx *v);

bool vfail(vctx *v, uint32_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void rmap_free(rmap *m);
uint32_t rroot(vctx *v, uint32_t id);
uint32_t res_outer(vctx *v, uint32_t id);
void rmap_set(rmap *m, uint32_t from, sval to);
bool rmap_get(const rmap *m, uint32_t from, sval *to);

bool sval_eq(vctx *v, sval a, sval b, rmap *ma, rmap *mb);
bool sext_sub(vctx *v, const sext *a, const sext *b, rmap *ma, rmap *mb, const char **why);
bool cent_sub(vctx *v, const cent *a, const cent *b);
sval subst(vctx *v, sval t, rmap *m);
uint32_t core_functype(vctx *v, const uint8_t *params, uint32_t np,
                       const uint8_t *results, uint32_t nr);
bool contains_borrow(vctx *v, sval t);
bool contains_resource(vctx *v, sval t);
bool needs_memory(vctx *v, sval t);     /* contains list/string */
uint32_t flatten(vctx *v, sval t, uint8_t *out, uint32_t cap);
uint64_t sval_size(vctx *v, sval t);
void fresh_exports(vctx *v, uint32_t inst, bool bindable);
const char *sort_desc(uint8_t sort);

/* visit_ctype.c: report a validated canon lift/lower (function type fid) to
 * v->visit. False (with an error) if the type cannot be converted. */
bool visit_canon_site(vctx *v, const wacc_component *c, uint32_t canon, uint32_t fid,
                      bool mem64);
/* A stream/future read or write: a site with the element type as its one
 * parameter (none when the type has no payload). */
bool visit_elem_site(vctx *v, const wacc_component *c, uint32_t canon, sval t, bool mem64);
void vvisit_free(vvisit *w);

#endif
