/*
 * component_internal.h — private structures of the component runtime
 * (component_load.c, component.c, component_call.c).
 *
 * component.h (the compfmt model) names two types like wacc.h does
 * (wacc_valtype, wacc_instance): they are renamed here to wacc_cm_valtype
 * and wacc_cm_instance while it is included.
 *
 * Ownership: a wacc_cinstance owns an arena that holds every frame, item,
 * type and call context of its instance graph; core instances and host
 * functions belong to the store (as always).
 */
#ifndef WACC_COMPONENT_INTERNAL_H
#define WACC_COMPONENT_INTERNAL_H

#define wacc_valtype wacc_cm_valtype
#define wacc_instance wacc_cm_instance
#include "component.h"
#undef wacc_valtype
#undef wacc_instance

#include "abi.h"            /* abi-glue: wacc_ctype, wacc_cval, lift/lower */
#include "internal.h"

#pragma GCC visibility push(hidden)

/* The decoded component of a component artifact. */
struct wacc_comp_def {
    wacc_component *c;
    uint32_t nnodes;
    const wacc_component **nodes;   /* every (nested) component definition */
    uint32_t *base;                 /* [nnodes] number of its first core module */
};

/* Flattened number of core module `i` of component definition `c`. */
bool wacc__comp_module_number(const struct wacc_comp_def *d, const wacc_component *c, uint32_t i,
                              uint32_t *out);

typedef struct cframe cframe;
typedef struct citem citem;

/* A core instance: an instantiated module, or a bag of named core items. */
typedef struct ccore_inst {
    wacc_instance *inst;
    uint32_t n;
    const char **names;
    wacc_extern *exts;
    const wasm_module *mod;         /* instantiated: its module (export types) */
    bool *mem64;                    /* bag: [n] the export is a 64-bit memory */
} ccore_inst;

/* A type of the type index space, resolved lazily to a wacc_ctype. */
typedef struct ctyitem {
    cframe *f;                      /* where `dt` is defined (its indices) */
    const wacc_deftype *dt;         /* NULL for a resource type */
    wacc_resource_type *rt;         /* resource types */
    const wacc_ctype *ct;           /* cache */
    bool busy;
} ctyitem;

/* A component instance's exports (or an imported instance). */
typedef struct cbag {
    uint32_t n;
    const char **names;
    citem *items;
    const char *host_name;          /* imported from the host: its name */
} cbag;

typedef struct ccomp {
    const wacc_component *def;
    cframe *outer;                  /* lexical parent (outer aliases) */
} ccomp;

struct citem {
    uint8_t sort;                   /* wacc_sort; WACC_SORT_COUNT = empty */
    bool mem64;                     /* core memory: its address type is i64 */
    union {
        wacc_extern core;           /* core func/table/memory/global */
        const wacc_core_type *ctype;    /* core type (NULL: unknown) */
        uint32_t module;            /* core module: flattened number */
        ccore_inst *cinst;
        struct wacc_cfunc *func;
        ctyitem *type;
        ccomp comp;
        cbag *inst;
    } u;
};

/* Canonical options resolved against a frame. */
typedef struct copts {
    uint8_t encoding;               /* WACC_STRENC_* */
    wacc_memory_obj *memory;        /* NULL: none */
    bool mem64;                     /* the memory is 64-bit (cm64): pointers,
                                       lengths and realloc use i64 */
    wacc_func *realloc;
    wacc_func *post_return;
} copts;

enum { CF_LIFTED = 1, CF_HOST = 2 };

struct athread;
struct asched;

/* Context of a resource destructor (rt->dtor_ctx). */
struct cdtor {
    wacc_store *s;
    wacc_func *fn;
};

struct wacc_cfunc {
    uint8_t kind;
    cframe *f;                      /* lifted: the lifting component instance */
    uint32_t nparams;
    const wacc_ctype **params;
    const char **names;
    const wacc_ctype *result;       /* NULL: none */
    wacc_func *core;                /* lifted */
    wacc_core_functype ft;          /* lifted: flattened core signature (lift context) */
    copts opts;
    wacc_component_host_fn fn;      /* host */
    void *data;
    wacc_component_host_async_fn afn;   /* host, async (component_host_async.c); fn NULL */
    bool async_ft;                  /* its type is `async` (may block) */
    bool async_opt;                 /* lifted with the async option */
    wacc_func *callback;            /* async lift: the callback (NULL: stackful) */
    const char *name;               /* lifted: the export that first named it
                                       ("ns:pkg/iface#func"), for call tracing */
};

struct cframe {
    wacc_cinstance *ci;
    const wacc_component *c;
    cframe *outer;
    wacc_cinst abi;                 /* handle table, may_leave/may_enter */
    citem *space[WACC_SORT_COUNT];
    uint32_t count[WACC_SORT_COUNT], cap[WACC_SORT_COUNT];
    cbag *exports;
    cframe *next_frame;             /* all frames of the graph */
    /* async Component Model state of this component instance (CanonicalABI.md
     * ComponentInstance: backpressure, num_waiting_to_enter, exclusive_thread) */
    uint32_t backpressure;
    uint32_t num_waiting_to_enter;
    struct athread *exclusive;
    bool poisoned;                  /* a built-in trapped: no more entries */
    struct athread **threads;       /* ComponentInstance.threads: [1..nthreads) */
    uint32_t nthreads, cap_threads; /* slots used (0 is never used), allocated */
    uint32_t free_thread;           /* first free slot (0: none; free slots chain
                                       through their `index` field) */
    bool uses_context;              /* has context.get/set or thread.* built-ins (calls into it
                                       are not fused: they need a thread context) */
    uint32_t id;                    /* instantiation order (0: root) */
    char label[64];                 /* its component-name, or "component N" */
};

struct wacc_cinstance {
    wacc_store *store;
    wacc_artifact *art;
    wacc_arena arena;
    cframe *root;
    cframe *frames;
    uint32_t nframes;
    wacc_component_host host;
    char msg[200];                  /* reason of the last Canonical ABI trap raised
                                       inside a host function (lowered call, built-in)
                                       or a fused adapter */
    uint32_t depth;                 /* wacc_component_call nesting on this instance */
    bool no_fuse;                   /* WACC_NO_FUSE=1 at instantiation: generic lowering */
    bool fuse_trace;                /* WACC_FUSE_TRACE=1: report fused lowerings (stderr) */
    wacc_arena scratch;             /* fused adapters' transcoding buffer (reset per use) */
    struct afused *scoped;          /* fused adapters with borrow scopes (handles), listed
                                       so a trap's unfinished scopes can be dropped */
    struct asched *sched;           /* async tasks, threads, waitables (component_async.c) */
    struct {                        /* compiled stream/future element copies looked up
                                       (component_adapter.c; e NULL: none) */
        const wacc_ctype *t;
        uint8_t enc[2];
        const struct wacc_adapter_entry *e;
    } ecopy[8];
    uint32_t ecopy_next;
    struct hloop *hloop;            /* the host side of the event loop (component_host_async.c) */
};

/* component.c */
const wacc_ctype *wacc__ctype_of(cframe *f, wacc_cm_valtype vt, char *err, size_t errlen);
/* The function type at type index `idx` of frame f. */
bool wacc__functype_of(cframe *f, uint32_t idx, struct wacc_cfunc *out, char *err, size_t errlen);

/* component_adapter.c: the artifact's fused adapter for lowering `target`
 * (lifted by another frame) into frame f with options o, as a core
 * function of the lowered signature ft; NULL when there is none (or it
 * cannot be used): the caller then builds the generic lowering. */
wacc_func *wacc__adapter_lower(cframe *f, struct wacc_cfunc *target, const copts *o,
                               const wacc_core_functype *ft);
/* The artifact's fused async adapter (wacc/abi.h "Fused async adapters")
 * for an async lower of `target` (lifted by another frame) into frame f
 * with options o: its ctx and start/result functions; false: none (the
 * generic path). */
bool wacc__adapter_async(cframe *f, struct wacc_cfunc *target, const copts *o,
                         struct wacc_adapter_ctx **cx, wacc_array_call_fn *start,
                         wacc_array_call_fn *result);
/* A stream/future copy of n elements of type t from (src_f, so) memory at
 * sp to (dst_f, dop) memory at dp through the artifact's compiled element
 * copy (wacc/abi.h WACC_ECOPY_PREFIX): false when there is none (the
 * caller copies them itself), else *code is 0 or the trap code. */
bool wacc__adapter_copy(cframe *src_f, const copts *so, cframe *dst_f, const copts *dop,
                        const wacc_ctype *t, uint32_t sp, uint32_t dp, uint32_t n, uint32_t *code);
/* After a trap escaped the outermost call: drops the borrow scopes of the
 * fused calls it interrupted (their lends are not given back, as on the
 * generic path). */
void wacc__adapter_reset(wacc_cinstance *ci);

/* component_call.c: helpers shared with component_async.c */
typedef struct wacc__rctx {         /* realloc through wacc_call */
    wacc_store *s;
    const copts *o;
    cframe *f;                      /* set by wacc__setup_cx: realloc runs in a
                                       fresh thread context of this instance */
} wacc__rctx;
void wacc__refresh(wacc_abi_cx *cx, const copts *o);
void wacc__setup_cx(wacc_abi_cx *cx, wacc__rctx *r, cframe *f, const copts *o, wacc_arena *arena);
uint32_t wacc__abi_trap(const wacc_abi_cx *cx, int e, wacc_trap *trap);
uint32_t wacc__simple_trap(wacc_trap *trap, uint32_t code, const char *msg);
/* Keeps the reason of a trap raised in a host function (built-in) in the instance. */
uint32_t wacc__note(cframe *f, uint32_t code, const char *msg);
void wacc__take_note(cframe *f, wacc_trap *t);
wacc_func *wacc__host_func(cframe *f, const uint8_t *params, uint32_t np, const uint8_t *results,
                           uint32_t nr, wacc_host_fn fn, void *data);

/* component_call.c */
wacc_func *wacc__canon_lower(cframe *f, struct wacc_cfunc *target, const copts *o);
/* rep64: the resource is represented by i64 (cm64). */
wacc_func *wacc__canon_resource(cframe *f, uint8_t op, wacc_resource_type *rt, bool rep64);
int wacc__resource_dtor(void *ctx, uint32_t rep);
/* canon error-context.new / debug-message / drop (op: WACC_CANON_ERROR_CONTEXT_*). */
wacc_func *wacc__canon_error_context(cframe *f, uint8_t op, const copts *o);
/* Call any component function with lifted values; Canonical ABI errors
 * are traps with code WACC_TRAP_COMPONENT. Returns 0 or the trap code
 * (details in *trap). */
uint32_t wacc__cfunc_invoke(wacc_store *s, struct wacc_cfunc *f, const wacc_cval *args,
                            uint32_t nargs, wacc_cval *result, wacc_arena *arena, wacc_trap *trap);

/* component_async.c: the async Component Model (tasks, subtasks, waitable
 * sets, streams, futures; CanonicalABI.md's Python definitions). */
/* Is a call to F (lowered with async option `async_lower`) one for the async machinery? */
bool wacc__async_call(const struct wacc_cfunc *F, bool async_lower);
/* A call from the host into lifted F through the async machinery: runs the
 * event loop until F's task resolves (deadlock: a trap). */
uint32_t wacc__async_invoke(wacc_store *s, struct wacc_cfunc *F, const wacc_cval *args,
                            wacc_cval *result, wacc_arena *arena, wacc_trap *trap);
/* canon lower with the async machinery (async option, or an async callee). */
wacc_func *wacc__async_lower(cframe *f, struct wacc_cfunc *target, const copts *o, bool async_opt);
/* Every other async built-in (task.return, waitable-set.*, stream.*, ...);
 * NULL + message in err when it cannot be built. */
wacc_func *wacc__async_builtin(cframe *f, const wacc_canon *cn, const copts *o, char *err, size_t errlen);
/* Entered by a synchronous lifted call: the thread/task context for the
 * built-ins it calls (context.get/set, blocking checks). */
struct atask;
/* A thread (CanonicalABI.md Thread). The implicit thread of an async call
 * runs on its own fiber (runtime/fiber) and suspends when it blocks; a
 * synchronous call's runs on its caller's stack and, when it blocks, runs
 * its instance's ready threads until it can go on. */
struct wacc_fiber;
typedef struct athread {
    struct atask *task;
    struct wacc_fiber *fiber;       /* its own stack (NULL: on its caller's) */
    uint8_t wait;                   /* AW_*: what it waits for (AW_NONE: running) */
    bool cancellable;               /* its wait may be cancelled */
    bool cancelled;                 /* resumed with a cancellation */
    bool killed;                    /* resumed to unwind (instance freed) */
    bool reacquire;                 /* gave its instance's exclusive lock back
                                       while blocked: takes it again */
    uint32_t code;                  /* its fiber finished: 0 or the trap code */
    uint32_t index;                 /* its slot in the instance's threads table (0:
                                       none yet: implicit threads get one when
                                       first asked, explicit ones when created) */
    bool explicit_;                 /* made by thread.new-indirect (heap) */
    bool started;                   /* its fiber ran */
    bool exited;                    /* its function returned (or trapped) */
    struct athread *switch_to;      /* blocked with a thread to run next */
    struct athread *tnext;          /* the task's explicit threads */
    struct wacc_func *start_fn;     /* explicit: the function and its argument */
    wacc_val start_arg;
    uint32_t wset;                  /* AW_WAIT: the waitable set's index */
    bool (*ready)(void *arg);       /* AW_COND: its condition */
    void *ready_arg;
    uint64_t storage[2];            /* context.get/set */
    struct athread *wnext, *wprev;  /* the scheduler's waiting list */
    bool listed;                    /* in it */
    struct athread *prev_cur;       /* the thread current before it ran */
} athread;

/* The caller side of a task (OnStart / OnResolve). */
typedef struct acaller acaller;
struct acaller {
    /* lift the arguments (into args[F->nparams], in arena); 0 or a trap code */
    uint32_t (*on_start)(acaller *c, wacc_cval *args, wacc_arena *arena);
    /* result NULL: cancelled (or no result type when !cancelled) */
    uint32_t (*on_resolve)(acaller *c, const wacc_cval *result, bool cancelled);
    cframe *inst;                   /* the calling instance (NULL: the host) */
    struct atask *callee;           /* its task until it resolves */
    struct wacc_hcall *hcall;       /* or the async host call until it completes */
    void *fused;                    /* a subtask with a fused async adapter (its
                                       alower, component_async.c): the task moves
                                       the values with the compiled functions */
};

/* A task (CanonicalABI.md Task): one call of a lifted function. */
typedef struct atask {
    struct wacc_cfunc *F;           /* NULL: a synchronous call's task */
    cframe *inst;
    uint8_t state;                  /* AT_* */
    bool sync;                      /* a plain synchronous call (no async anything) */
    wacc_task borrows;              /* num_borrows */
    athread thread;                 /* the implicit thread */
    acaller *caller;
    struct atask *all_next, *all_prev;  /* the scheduler's task list (heap tasks) */
    athread *threads;               /* its explicit threads */
    uint32_t live;                  /* its threads that did not exit (implicit too) */
    struct atask *twin;             /* a synchronous (stack) task's heap task that
                                       owns the explicit threads it made */
} atask;
/* component_host_async.c: the host side of the event loop, and the hooks
 * component_async.c gives it (host-held stream/future ends). */
struct aend;
struct wacc_hend;
#define WACC__LOOP_IDLE 0xffffffffu
/* Runs ready host work: copy completions of host ends, due watches
 * (block: waits through the waiter when nothing is ready). 0: something
 * ran (or a wait returned); WACC__LOOP_IDLE: nothing to run or wait for;
 * else a trap code. */
uint32_t wacc__hloop_step(wacc_cinstance *ci, bool block);
void wacc__hloop_free(wacc_cinstance *ci);
/* Runs the host's cleanups (before the guest side is freed). */
void wacc__hloop_cleanup(wacc_cinstance *ci);
/* An async host function called by a subtask (caller c, lifting its
 * arguments with c->on_start); 0 or a trap code. */
uint32_t wacc__hcall_start(cframe *f, struct wacc_cfunc *F, acaller *c);
void wacc__hcall_cancel(struct wacc_hcall *h);     /* subtask.cancel */
void wacc__hcall_detach(struct wacc_hcall *h);     /* its subtask is gone */
/* A host end's copy finished (its event is pending). */
void wacc__hend_notify(struct wacc_hend *h);
/* component_async.c, for component_host_async.c: */
struct aend *wacc__end_pair(wacc_cinstance *ci, const wacc_ctype *t, struct aend **readable);
void wacc__end_set_host(struct aend *e, struct wacc_hend *h);
const wacc_ctype *wacc__end_type(const struct aend *e);
bool wacc__end_writable(const struct aend *e);
bool wacc__end_idle(const struct aend *e);
bool wacc__end_other_dropped(const struct aend *e);
/* Start a copy of the host end e (buf: plain elements in memory layout, or
 * wacc_cval[n]; reads allocate values in arena); 0 or a trap code. */
uint32_t wacc__end_copy(wacc_cinstance *ci, struct aend *e, void *buf, uint32_t n, wacc_arena *arena);
/* Take its pending event: WACC_COPY_* and elements copied. */
void wacc__end_event(struct aend *e, uint32_t *result, uint32_t *n);
void wacc__end_cancel(struct aend *e);
void wacc__end_drop(wacc_cinstance *ci, struct aend *e);
/* Block the running guest task until ready(arg), when it runs on its own
 * stack (the loop's caller runs others meanwhile): 0 or a trap code;
 * WACC__LOOP_IDLE: no such task is running (the caller waits itself). */
uint32_t wacc__async_block(wacc_cinstance *ci, bool (*ready)(void *), void *arg);
bool wacc__async_in_task(wacc_cinstance *ci);
/* Resume every guest thread that can run until none can; 0 or a trap code. */
uint32_t wacc__async_run_ready(wacc_cinstance *ci, bool *ran);
void wacc__sync_enter(cframe *f, atask *t);
void wacc__sync_leave(cframe *f, atask *t);
void wacc__async_free(wacc_cinstance *ci);

#pragma GCC visibility pop

#endif
