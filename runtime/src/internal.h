/*
 * internal.h — private structures of libwacc shared by its source files.
 *
 * Ownership: the engine owns the signature registry; a store owns every
 * instance, host function, table, memory and global created in it (singly
 * linked lists, freed by wacc_store_free). An artifact owns its dlopen handle
 * and its decoded module description; it must outlive the stores that
 * instantiated it.
 */
#ifndef WACC_INTERNAL_H
#define WACC_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "wacc.h"
#include "wasm.h"

/* Everything declared here is private to libwacc: no PLT, not exported. */
#pragma GCC visibility push(hidden)

/* ---- engine: canonical signature registry (store.c) ---- */
struct wacc_sig {
    uint32_t nparams, nresults;
    uint8_t *types;             /* params then results (owned) */
    uint64_t hash;
    void *host_stub;            /* a loaded artifact's host stub of this type */
    const struct wacc_artifact *stub_owner;
};

/* A free linear-memory reservation the engine keeps for reuse (memory.c):
 * its first rw_bytes are read/write and hold zeros, except that memory image
 * `image_id` of an artifact (0: none) is mapped copy-on-write over the first
 * image_bytes; the rest is PROT_NONE. It keeps its trap registry slot. */
struct wacc_mem_reservation {
    uint8_t *base;
    uint64_t rw_bytes, image_id, image_bytes;
    int slot;
};

#define WACC_MEMORY_POOL 64
#define WACC_INSTANCE_POOL 16   /* freed instances' mappings kept for reuse (instance.c) */

/* A freed instance's mapping (instance.c): its poll page, still read-only
 * and registered in trap.c's poll registry, then the rest. */
struct wacc_instance_map {
    uint8_t *base;
    size_t len;
    int poll_slot;
};

struct wacc_engine {
    pthread_mutex_t lock;
    uint32_t nsigs, sigs_cap;
    struct wacc_sig *sigs;
    uint32_t *slots;            /* open addressing: sig index + 1, 0 = empty */
    uint32_t nslots;            /* power of two */
    uint64_t last_image_id;     /* ids of artifacts' memory images */
    pthread_mutex_t pool_lock;
    uint32_t npool;
    struct wacc_mem_reservation pool[WACC_MEMORY_POOL];
    uint32_t ninst_pool;        /* under pool_lock too */
    struct wacc_instance_map inst_pool[WACC_INSTANCE_POOL];
    wacc_verify_fn verify;      /* wacc_engine_set_verifier */
    void *verify_ud;
    /* Interruption (deadline.c): the count of deadlines that have passed,
     * and the timer thread that sets a watched store's limits.epoch to it
     * when the store's deadline passes. A store leaves `watch` (under
     * timer_lock) before it is freed. */
    uint64_t epoch;
    pthread_mutex_t timer_lock;
    pthread_cond_t timer_cond;          /* CLOCK_MONOTONIC */
    pthread_t timer;
    bool timer_started, timer_stop;
    uint32_t nwatch, watch_cap;
    struct wacc_deadline_watch { struct wacc_store *store; uint64_t ns; } *watch;
};

/* deadline.c: engine part (init in wacc_engine_new, stop the timer thread
 * in wacc_engine_free), and the interrupt libcall. */
void wacc__engine_timer_init(wacc_engine *e);
void wacc__engine_timer_stop(wacc_engine *e);
_Noreturn void wacc__interrupt(void *vmctx, uint32_t func_index, uint32_t wasm_offset);
void wacc__store_unwatch(struct wacc_store *s);     /* wacc_store_free */
/* Make the page of an instance's poll word PROT_NONE (stop) or readable. */
void wacc__instance_poll(struct wacc_instance *inst, bool stop);
/* The stack limit of the stack the store's wasm runs on now (owner thread:
 * every entry, fiber switch and return sets it). It becomes the
 * stack_limit of every vmctx of the store, unless the store is
 * interrupted (epoch not 0): then they stay UINTPTR_MAX (wacc/abi.h,
 * struct wacc_limits). */
void wacc__store_set_stack_limit(struct wacc_store *s, uintptr_t limit);
/* Link a new instance into s->instances (owner thread), its vmctx's stack
 * limit set as the store's. */
void wacc__store_add_instance(struct wacc_store *s, struct wacc_instance *inst);
/* The trap a failed prologue stack check raises: WACC_TRAP_DEADLINE if the
 * store is interrupted, else WACC_TRAP_STACK_EXHAUSTED. */
uint32_t wacc__stack_trap_code(void *vmctx);

/* Canonical id of a function type (0-based, stable for the engine's life).
 * Returns UINT32_MAX when out of memory. */
uint32_t wacc__sig_id(wacc_engine *e, uint32_t np, const uint8_t *params,
                      uint32_t nr, const uint8_t *results);

/* Remember/forget the host stubs of an artifact; find one for a type id
 * (NULL if no loaded artifact has one). */
void wacc__engine_add_stubs(wacc_engine *e, const struct wacc_artifact *a);
void wacc__engine_drop_stubs(wacc_engine *e, const struct wacc_artifact *a);
void *wacc__engine_host_stub(wacc_engine *e, uint32_t type_id);

/* ---- artifact (load.c) ---- */
struct wacc_func_addr { uintptr_t addr; uint32_t index; };

struct wacc_artifact {
    wacc_engine *engine;
    char *path;
    void *dl;
    const struct wacc_descriptor *desc;
    const struct wacc_meta_header *meta;
    wasm_module *mod;
    uint32_t *type_ids;                 /* [ntypes] canonical ids */
    uintptr_t code_start, code_end;     /* executable range of the object */
    struct wacc_func_addr *func_addrs;  /* [ndefined] sorted by addr */
    uint32_t nfunc_addrs;
    int fd;                             /* the file, for mapping the memory image */
    int64_t image_off;                  /* file offset of the memory image, or -1 */
    const uint8_t *image_segs;          /* bitmap of data segments in the image */
    uint32_t image_segs_size;
    uint64_t image_id;                  /* engine-unique id of the image, 0 if not mappable */
    /* The description is decoded without its trailing "name" section;
     * wacc__func_name decodes all of it (into `names`) when first asked. */
    const uint8_t *desc_bytes;
    size_t desc_size;                   /* 0: nothing was left out */
    wasm_module *names;                 /* set once, atomically */
    /* Components (k1): a component artifact has no module of its own
     * (mod == NULL) but one artifact per core module, which share its
     * dlopen handle and file (parent set, dl NULL). */
    uint32_t nmodules;
    struct wacc_artifact **modules;
    struct wacc_artifact *parent;
    struct wacc_comp_def *comp;         /* decoded component (component*.c) */
    const struct wacc_component_descriptor *cdesc;  /* component artifacts: the descriptor
                                           (fused adapters, k2) */
};

/* component_load.c: decode the component description of a component
 * artifact (a->comp); free it. */
bool wacc__component_def_load(wacc_artifact *a, const uint8_t *bytes, size_t size,
                              char err[WACC_ERR_LEN]);
void wacc__component_def_free(struct wacc_comp_def *d);

/* Name of function `fi` from the name section, or NULL. */
const char *wacc__func_name(const wacc_artifact *a, uint32_t fi);

/* Function index containing `pc` (UINT32_MAX if none). */
uint32_t wacc__artifact_func_at(const wacc_artifact *a, uintptr_t pc);

/* ---- store (store.c) ---- */
struct wacc_store {
    wacc_engine *engine;
    struct wacc_limits limits;          /* shared by all vmctx of the store */
    uintptr_t stack_limit;              /* the real one; every vmctx's is it or,
                                           interrupted, UINTPTR_MAX (deadline.c) */
    uint64_t deadline_ns;               /* CLOCK_MONOTONIC, 0: none (deadline.c) */
    uint64_t max_memory;                /* bytes per linear memory, 0: no cap */
    struct wacc_instance *instances;
    struct wacc_func *funcs;
    struct wacc_table_obj *tables;
    struct wacc_memory_obj *memories;
    struct wacc_global_obj *globals;
};

/* ---- functions (func.c) ---- */
struct wacc_func {
    struct wacc_host_ctx hdr;           /* first: host funcref vmctx points here */
    wacc_store *store;
    struct wacc_funcref *ref;           /* &own for host funcs, else the instance's slot */
    struct wacc_funcref own;
    uint32_t nparams, nresults;
    const uint8_t *params, *results;
    uint8_t *owned_types;               /* host funcs: params+results copy */
    wacc_host_fn fn;
    void *data;
    struct wacc_instance *inst;         /* wasm funcs */
    uint32_t index;
    struct wacc_func *next;
};

/* A function object around a ready-made funcref (code, vmctx, array_call;
 * type_id is computed from `type`), e.g. a fused component adapter. */
wacc_func *wacc__func_new_raw(wacc_store *s, const wacc_functype *type,
                              const struct wacc_funcref *ref);
/* The array-call entry used for every host function. */
void wacc__host_array_call(void *vmctx, void *code, wacc_val *vals);
/* A wacc_func for function `index` of an instance (created lazily). */
wacc_func *wacc__instance_func(struct wacc_instance *inst, uint32_t index);

/* ---- tables (table.c) ---- */
struct wacc_table_obj {
    struct wacc_table t;                /* first: vmctx->tables[i] points here */
    uint8_t elemtype;
    bool has_max;
    uint32_t declared_max;
    struct wacc_table_obj *next;
};

wacc_table_obj *wacc__table_create(wacc_store *s, uint8_t elemtype, uint64_t min,
                                   bool has_max, uint64_t max, char err[WACC_ERR_LEN]);
void wacc__table_free(wacc_table_obj *t);
/* Old size or UINT32_MAX. */
uint32_t wacc__table_grow(wacc_table_obj *t, uint32_t delta, void *init);

/* ---- memories (memory.c) ---- */
struct wacc_memory_obj {
    struct wacc_memory m;               /* first: vmctx->memories[i] points here */
    uint64_t pages, max_pages;
    bool has_max;
    uint64_t declared_max;
    int slot;                           /* trap registry slot */
    wacc_engine *engine;                /* whose pool gets the reservation back */
    const struct wacc_store *store;     /* its max_memory caps memory.grow */
    uint64_t image_id, image_bytes;     /* image mapped copy-on-write at the base (0: none) */
    bool huge;                          /* MADV_HUGEPAGE set on the reservation (memory.c) */
    struct wacc_memory_obj *next;
};

/* A memory of `min` pages, zero-filled; if a pooled reservation that
 * already maps image `image_id` is reused, m->image_id says so and the
 * caller need not apply the image again. */
wacc_memory_obj *wacc__memory_create(wacc_store *s, uint64_t min, bool has_max, uint64_t max,
                                     uint64_t image_id, char err[WACC_ERR_LEN]);
void wacc__memory_free(wacc_memory_obj *m);         /* reservation back to the pool */
void wacc__memory_pool_drain(wacc_engine *e);       /* unmap the pooled reservations */

/* ---- globals (func.c) ---- */
struct wacc_global_obj {
    wacc_val own;                       /* first (16-byte aligned): a host global's cell */
    wacc_val *cell;                     /* &own, or the defining instance's vmctx slot */
    wacc_globaltype type;
    struct wacc_global_obj *next;
};

/* ---- instances (instance.c) ---- */
struct wacc_instance {
    struct wacc_vmctx *vmctx;           /* in the instance's allocation, with its global slots */
    uint8_t *map;                       /* the allocation (mmap): the poll page, then
                                           the vmctx, then the rest (instance.c) */
    size_t map_len, page;
    int poll_slot;                      /* trap.c's registry of poll words */
    bool poll_stopped;                  /* its page is PROT_NONE (deadline.c) */
    wacc_store *store;
    wacc_artifact *art;
    const wasm_module *mod;
    struct wacc_funcref *funcrefs;      /* [nfuncs] */
    struct wacc_table **tables;         /* [ntables] */
    struct wacc_memory **memories;      /* [nmemories] */
    wacc_func **funcs;                  /* [nfuncs] lazily created objects */
    wacc_table_obj **table_objs;
    wacc_memory_obj **memory_objs;
    wacc_global_obj **global_objs;
    void ***elem_refs;                  /* [nelems] evaluated passive segments */
    uint32_t *elem_len;                 /* [nelems] 0 once dropped */
    uint32_t *data_len;                 /* [ndatas] 0 once dropped */
    struct wacc_instance *next;
};

void wacc__instance_free(struct wacc_instance *inst);
void wacc__instance_pool_drain(wacc_engine *e);     /* unmap the pooled mappings */

/* ---- traps (trap.c) ---- */
/* One host->wasm entry of the current thread. */
struct wacc_entry {
    sigjmp_buf jb;
    struct wacc_entry *prev;
    uint32_t code, func_index, wasm_offset;
    int exit_status;
    uintptr_t pc;                       /* signal traps: faulting PC */
    struct wacc_instance *inst;         /* instance that trapped, if known */
};

/* Prepare the current thread (signal handlers, alternate stack) and return
 * its stack limit for generated code. */
uintptr_t wacc__thread_enter(void);
/* Run array_call(vmctx, code, vals) as a protected entry: false on a trap,
 * with the details in *e. Sets the store's stack limit. */
bool wacc__call_protected(wacc_store *s, struct wacc_entry *e, wacc_array_call_fn fn,
                          void *vmctx, void *code, wacc_val *vals);
/* The per-thread trap state that belongs to one stack: the chain of
 * host->wasm entries running on it and its bounds (limit: what generated
 * code's prologue check compares with; low: its lowest usable byte, just
 * above the guard page). runtime/fiber swaps it on every stack switch, so
 * the stack-limit check stays exact on every fiber and a trap unwinds only
 * to an entry of its own stack. A zero state (limit 0) means "this thread's
 * own stack, bounds not computed yet": wacc__thread_enter computes them. */
struct wacc_stack_state {
    struct wacc_entry *entry;
    uintptr_t limit, low;
};
/* The state of a fresh stack [low, high) with no entries. */
void wacc__stack_state_init(struct wacc_stack_state *st, uintptr_t low, uintptr_t high);
/* Save the calling thread's state into *save, make *load current. */
void wacc__stack_state_swap(struct wacc_stack_state *save, const struct wacc_stack_state *load);
/* Raise a trap from runtime code running under an entry (never returns). */
_Noreturn void wacc__raise(struct wacc_instance *inst, uint32_t code, uint32_t func_index,
                           uint32_t wasm_offset);
/* Fill a public wacc_trap from an entry (formats the message). */
void wacc__fill_trap(const struct wacc_entry *e, wacc_trap *trap);
void wacc__set_trap(wacc_trap *trap, uint32_t code, const struct wacc_instance *inst,
                    uint32_t func_index, uint32_t wasm_offset);

/* Registry of code ranges and memory reservations (signal-safe reads). */
bool wacc__register_code(wacc_artifact *a, uintptr_t start, uintptr_t end);
void wacc__unregister_code(wacc_artifact *a);
int wacc__register_memory(uint8_t *base);       /* slot or -1 */
/* Poll words (vmctx + WACC_VMCTX_POLL, on the page below the vmctx,
 * instance.c): a fault on one in generated code is the deadline. */
int wacc__register_poll(const struct wacc_vmctx *vm);   /* slot or -1 */
void wacc__unregister_poll(int slot);
void wacc__unregister_memory(int slot);

/* ---- libcalls (libcalls.c) ---- */
extern const struct wacc_libcalls wacc__libcalls;

/* ---- helpers ---- */
void *wacc__calloc(size_t n, size_t size);      /* never NULL for n == 0 */
void wacc__err(char err[WACC_ERR_LEN], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#pragma GCC visibility pop

#endif
