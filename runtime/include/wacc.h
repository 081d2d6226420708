/*
 * wacc.h — public API of libwacc, the runtime that loads artifacts produced by
 * the wacc compiler and runs them.
 *
 *   wacc_engine   process-wide settings, canonical signature registry
 *   wacc_store    a set of instances that may call each other; owns them and
 *                 the host objects created in it; one thread at a time
 *   wacc_artifact a loaded, checked .so (may be instantiated many times)
 *   wacc_instance an instantiated core module
 *
 * Errors: functions that can fail return NULL/false and leave a one-line
 * message retrievable with wacc_store_error()/wacc_last_error-like out
 * parameters (char buffers of WACC_ERR_LEN).
 */
#ifndef WACC_H
#define WACC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wacc/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WACC_ERR_LEN 512

typedef struct wacc_engine wacc_engine;
typedef struct wacc_store wacc_store;
typedef struct wacc_artifact wacc_artifact;
typedef struct wacc_instance wacc_instance;

/* Value types (same encoding as the wasm binary format). */
typedef enum wacc_valtype {
    WACC_I32 = 0x7F, WACC_I64 = 0x7E, WACC_F32 = 0x7D, WACC_F64 = 0x7C,
    WACC_V128 = 0x7B, WACC_FUNCREF = 0x70, WACC_EXTERNREF = 0x6F,
} wacc_valtype;

typedef struct wacc_functype {
    uint32_t nparams, nresults;
    const uint8_t *params;      /* wacc_valtype values */
    const uint8_t *results;
} wacc_functype;

typedef struct wacc_globaltype { uint8_t valtype; bool is_mutable; } wacc_globaltype;
typedef struct wacc_limits_t { uint64_t min, max; bool has_max; } wacc_limits_t;

typedef enum wacc_extern_kind {
    WACC_EXTERN_FUNC = 0, WACC_EXTERN_TABLE = 1, WACC_EXTERN_MEMORY = 2, WACC_EXTERN_GLOBAL = 3,
} wacc_extern_kind;

/* A runtime object that can be imported/exported. Pointers are owned by the
 * store (or the instance that defined them) and live as long as the store. */
typedef struct wacc_extern {
    wacc_extern_kind kind;
    union {
        struct wacc_func *func;
        struct wacc_table_obj *table;
        struct wacc_memory_obj *memory;
        struct wacc_global_obj *global;
    } of;
} wacc_extern;

/* Trap information filled by calls that run wasm code. */
typedef struct wacc_trap {
    uint32_t code;              /* enum wacc_trap_code; WACC_TRAP_NONE if none */
    uint32_t func_index;        /* wasm function index, or UINT32_MAX if unknown */
    uint32_t wasm_offset;       /* byte offset in the module, 0 if unknown */
    int exit_status;            /* for WACC_TRAP_EXIT */
    char message[WACC_ERR_LEN]; /* "trap: integer divide by zero in func $f (wasm offset 0x1234)" */
} wacc_trap;

/* ---- engine / store ---- */
/* Lifetimes: free stores first, then the artifacts they instantiated, then
 * the engine. */
wacc_engine *wacc_engine_new(void);
void wacc_engine_free(wacc_engine *e);

wacc_store *wacc_store_new(wacc_engine *e);
void wacc_store_free(wacc_store *s);          /* frees every instance and host object in it */

/* A verifier sees every artifact file the engine loads, after it has been
 * read into memory once and before any of its code is mapped; returning
 * false (message in err) refuses the file. With a verifier set, the loader
 * maps the code from a sealed in-memory copy of exactly the verified bytes
 * (memfd), so a file changed after the check cannot be loaded (no TOCTOU).
 * libwacc-sign (runtime/sign/wacc_sign.h) provides one: signatures. */
typedef bool (*wacc_verify_fn)(void *ud, const char *path, const uint8_t *bytes, size_t size,
                               char err[WACC_ERR_LEN]);
void wacc_engine_set_verifier(wacc_engine *e, wacc_verify_fn fn, void *ud);

/* ---- artifacts ---- */
/* Load and check a .so (trailer hash, ABI version, architecture, CPU
 * features). NULL + message in err on failure. */
wacc_artifact *wacc_artifact_load(wacc_engine *e, const char *path, char err[WACC_ERR_LEN]);
void wacc_artifact_free(wacc_artifact *a);
const struct wacc_meta_header *wacc_artifact_meta(const wacc_artifact *a);
/* The loader's compatibility checks on an artifact's bytes, without loading
 * it (trailer hash, ELF class/machine, ABI version and, with this_cpu, the
 * CPU features of this machine): what a registry client uses to pick a
 * native build. *hdr (may be NULL) receives the metadata header. */
bool wacc_artifact_check_bytes(const uint8_t *bytes, size_t size, bool this_cpu,
                               struct wacc_meta_header *hdr, char err[WACC_ERR_LEN]);

/* Imports/exports of an artifact (core modules). */
uint32_t wacc_artifact_num_imports(const wacc_artifact *a);
void wacc_artifact_import(const wacc_artifact *a, uint32_t i, const char **module,
                          const char **name, wacc_extern_kind *kind);
uint32_t wacc_artifact_num_exports(const wacc_artifact *a);
void wacc_artifact_export(const wacc_artifact *a, uint32_t i, const char **name,
                          wacc_extern_kind *kind);
/* Type of an exported or imported function, by export/import index. */
bool wacc_artifact_export_functype(const wacc_artifact *a, uint32_t i, wacc_functype *out);
/* Type of an imported function, by import index (false if not a function). */
bool wacc_artifact_import_functype(const wacc_artifact *a, uint32_t i, wacc_functype *out);

/* ---- instances ---- */
/* `imports` holds one extern per import of the artifact, in order.
 * Link errors ("incompatible import type", "unknown import") and traps
 * during instantiation (segments out of bounds, start function) are
 * reported: NULL is returned; *trap is filled if it was a trap
 * (trap->code != WACC_TRAP_NONE), else err holds the link error. */
wacc_instance *wacc_instantiate(wacc_store *s, wacc_artifact *a, const wacc_extern *imports,
                                uint32_t nimports, wacc_trap *trap, char err[WACC_ERR_LEN]);

bool wacc_instance_export(wacc_instance *inst, const char *name, wacc_extern *out);
/* Same, for names that may contain NUL bytes (len bytes of name). */
bool wacc_instance_export_n(wacc_instance *inst, const char *name, size_t len, wacc_extern *out);

/* ---- functions ---- */
typedef struct wacc_func wacc_func;
/* Host callback: vals[0..nparams) are the arguments; write the results to
 * vals[0..nresults). Return 0, or a WACC_TRAP_* code to trap. */
typedef uint32_t (*wacc_host_fn)(void *data, wacc_val *vals);

wacc_func *wacc_func_new_host(wacc_store *s, const wacc_functype *type, wacc_host_fn fn,
                              void *data);
void wacc_func_type(const wacc_func *f, wacc_functype *out);

/* Call a function. args: nparams values; results: nresults values.
 * Returns false on a trap (filled into *trap). */
bool wacc_call(wacc_store *s, wacc_func *f, const wacc_val *args, uint32_t nargs,
               wacc_val *results, uint32_t nresults, wacc_trap *trap);

/* A funcref value (as stored in tables/globals or passed as wacc_val.ref)
 * from a wacc_func, and back (NULL for null). */
void *wacc_func_ref(wacc_func *f);
wacc_func *wacc_func_from_ref(wacc_store *s, void *ref);

/* ---- tables, memories, globals ---- */
typedef struct wacc_table_obj wacc_table_obj;
typedef struct wacc_memory_obj wacc_memory_obj;
typedef struct wacc_global_obj wacc_global_obj;

wacc_table_obj *wacc_table_new(wacc_store *s, uint8_t elemtype, wacc_limits_t limits,
                               char err[WACC_ERR_LEN]);
uint32_t wacc_table_size(const wacc_table_obj *t);
bool wacc_table_get(const wacc_table_obj *t, uint32_t i, void **ref);
bool wacc_table_set(wacc_table_obj *t, uint32_t i, void *ref);
/* Returns the old size, or UINT32_MAX on failure (max exceeded). */
uint32_t wacc_table_grow(wacc_table_obj *t, uint32_t delta, void *init);

wacc_memory_obj *wacc_memory_new(wacc_store *s, wacc_limits_t pages, char err[WACC_ERR_LEN]);
uint8_t *wacc_memory_data(wacc_memory_obj *m);
uint64_t wacc_memory_size(const wacc_memory_obj *m);   /* bytes */
/* Returns old size in pages, or UINT32_MAX on failure. */
uint32_t wacc_memory_grow(wacc_memory_obj *m, uint32_t delta_pages);

wacc_global_obj *wacc_global_new(wacc_store *s, wacc_globaltype type, wacc_val init);
wacc_val wacc_global_get(const wacc_global_obj *g);
void wacc_global_set(wacc_global_obj *g, wacc_val v);
wacc_globaltype wacc_global_type(const wacc_global_obj *g);

/* ---- components (additive, k1; runtime/src/component*.c) ----
 *
 * A component artifact (wacc compile of a component binary) holds every core
 * module of the component; wacc_component_instantiate walks the component's
 * instance graph (core instances, aliases, canon lift/lower, resource
 * built-ins, nested component instances) in a store. Component-level types
 * and values are abi-glue's (abi-glue/abi.h): struct wacc_ctype,
 * struct wacc_cval, struct wacc_arena.
 *
 * Imports of the root component are functions (top level, or inside an
 * imported instance) implemented by the host: the resolver is asked for
 * each and returns a typed callback. Calls between component instances of
 * one graph go lift -> host values -> lower (no fused adapters yet). */
struct wacc_ctype;
struct wacc_cval;
struct wacc_arena;

typedef struct wacc_cinstance wacc_cinstance;
typedef struct wacc_cfunc wacc_cfunc;

bool wacc_artifact_is_component(const wacc_artifact *a);

/* A host function for a component import. args[nargs] are the lifted
 * arguments; write the result (if the function has one) to *result,
 * allocating anything it points to from `arena` (valid until the call has
 * been lowered). Return 0, or a WACC_TRAP_* code to trap. */
typedef uint32_t (*wacc_component_host_fn)(void *data, const struct wacc_cval *args, uint32_t nargs,
                                           struct wacc_cval *result, struct wacc_arena *arena);

/* A call of an async host function in progress (see below). */
typedef struct wacc_hcall wacc_hcall;
/* An async host function: args[nargs] lifted (they and everything
 * allocated from wacc_hcall_arena(call) live until the call completes).
 * Complete the call with wacc_hcall_return, now or later. Return 0, or a
 * WACC_TRAP_* code to trap (the call must not have been completed then). */
typedef uint32_t (*wacc_component_host_async_fn)(void *data, wacc_hcall *call, const struct wacc_cval *args,
                                                 uint32_t nargs);

/* What the host provides for the root component's imports: functions
 * (top level, instance NULL, or function `name` of imported instance
 * `instance`) and resource types (`(export "r" (type (sub resource)))` of an
 * imported instance, or a top-level `(import "r" (type (sub resource)))`).
 * A resource type's identity is its pointer (struct wacc_resource_type of
 * abi-glue/abi.h, owned by the host; its dtor runs when a guest drops an
 * owning handle). Return false / NULL if not provided (a link error). */
typedef struct wacc_component_host {
    bool (*func)(void *ud, const char *instance, const char *name, wacc_component_host_fn *fn,
                 void **data);
    const struct wacc_resource_type *(*resource)(void *ud, const char *instance, const char *name);
    void *ud;
    /* Optional (additive, h9): asked instead of `func` when set, with the
     * import's function type `type` (read with wacc_cfunc_nparams/param/
     * result; it lives as long as the component instance), so a host can
     * check signatures at link time. On false, err (WACC_ERR_LEN bytes)
     * may hold the reason ("" = not provided). */
    bool (*typed_func)(void *ud, const char *instance, const char *name, const struct wacc_cfunc *type,
                       wacc_component_host_fn *fn, void **data, char *err);
    /* Optional (additive): the host's functions accept list arguments of
     * plain element types (integers, floats) as byte buffers
     * (wacc_cval.repr == WACC_CVAL_BYTES, abi-glue/abi.h; read them with
     * wacc_cval_list_elem / wacc_cval_list_data): a list<u8> argument is
     * then one memcpy instead of one value per byte. false: every lifted
     * list has its elements (repr WACC_CVAL_ELEMS). */
    bool list_bytes;
    /* Optional (additive, issue 10): asked first when set. Provides an
     * import as an async host function (see "async Component Model: the
     * host side" below): it may complete its call later, from the event
     * loop. false with err "" falls back to typed_func / func. Works for
     * imports of any function type (`async func` or not); a caller that
     * lowered it synchronously blocks (runs the event loop) until it
     * completes. */
    bool (*async_func)(void *ud, const char *instance, const char *name, const struct wacc_cfunc *type,
                       wacc_component_host_async_fn *fn, void **data, char *err);
    /* Optional (additive, issue 12: --trace-calls): calls from one component
     * instance of the graph to a function another one lifted. When
     * call_begin is set, those calls take the runtime's generic path (lift
     * into host values, lower into the callee) instead of the fused
     * adapters, and each is bracketed: call_begin(ud, name, caller, callee)
     * returns a token given back to call_end(ud, token, code) when the call
     * returns (code: 0, or the WACC_TRAP_* it ended with). name: the
     * callee's export, "ns:pkg/iface#func" (or the function's own export
     * name); caller/callee: the instances' names (their component-name, or
     * "component N" in instantiation order, "root" for the root). */
    void *(*call_begin)(void *ud, const char *name, const char *caller, const char *callee);
    void (*call_end)(void *ud, void *token, uint32_t code);
} wacc_component_host;

/* Instantiate a component artifact (host may be NULL: no imports). NULL on
 * failure: *trap filled if it was a trap (trap->code != WACC_TRAP_NONE),
 * else err holds the link error. */
wacc_cinstance *wacc_component_instantiate(wacc_store *s, wacc_artifact *a,
                                           const wacc_component_host *host,
                                           wacc_trap *trap, char err[WACC_ERR_LEN]);
void wacc_cinstance_free(wacc_cinstance *ci);

/* Exported function `name` ("f", or "iface#f" / "iface/f" for a function of
 * an exported instance), or NULL. */
wacc_cfunc *wacc_cinstance_func(wacc_cinstance *ci, const char *name);
/* Names of the root's exports (kind: 'f' function, 'i' instance, 'c'
 * component, 't' type, 'm' core module, '?' other). */
uint32_t wacc_cinstance_num_exports(const wacc_cinstance *ci);
const char *wacc_cinstance_export_name(const wacc_cinstance *ci, uint32_t i, char *kind);

/* Signature of a component function: params (names may be NULL) and the
 * result type (NULL: none). */
uint32_t wacc_cfunc_nparams(const wacc_cfunc *f);
const struct wacc_ctype *wacc_cfunc_param(const wacc_cfunc *f, uint32_t i, const char **name);
const struct wacc_ctype *wacc_cfunc_result(const wacc_cfunc *f);

/* Call a component function: lowers args into the callee (realloc), calls
 * the core function, lifts the result into `arena` (*result), then runs
 * post-return. nresults is 0 or 1. false on a trap (Canonical ABI checks
 * included, code WACC_TRAP_COMPONENT) with the details in *trap. */
bool wacc_component_call(wacc_store *s, wacc_cfunc *f, const struct wacc_cval *args,
                         uint32_t nargs, struct wacc_cval *result, uint32_t nresults,
                         struct wacc_arena *arena, wacc_trap *trap);

/* Start a call of an exported function without waiting for it (issue 10;
 * for a server that runs several calls in one instance): the callee runs
 * until it blocks or resolves, then this returns. done(ud, result,
 * cancelled) runs when it resolves -- now, or later from inside
 * wacc_cinstance_poll or another call into the instance; result (NULL
 * if the function has none) is allocated from arena, which must live
 * until then. NULL on a trap (*trap; the instance must not be entered
 * again). Free the handle after done ran, or after freeing the instance
 * (a trap there ends the call without done). */
typedef struct wacc_ccall wacc_ccall;
typedef void (*wacc_ccall_fn)(void *ud, const struct wacc_cval *result, bool cancelled);
wacc_ccall *wacc_component_call_start(wacc_store *s, wacc_cfunc *f, const struct wacc_cval *args,
                                      uint32_t nargs, struct wacc_arena *arena, wacc_ccall_fn done,
                                      void *ud, wacc_trap *trap);
bool wacc_ccall_done(const wacc_ccall *c);
void wacc_ccall_free(wacc_ccall *c);
/* ---- async Component Model: the host side (issue 10; component_host_async.c) ----
 *
 * Every component instance graph has an event loop: the guest side
 * (tasks, waitable sets, stream copies: component_async.c) and the host's
 * watches (fds and timers) and host-held stream/future ends. It runs
 * whenever a caller waits: wacc_component_call of an async export runs it
 * until the call resolves; a synchronously lowered call of an async host
 * function runs it until that completes. When no guest thread can run
 * and nothing is ready, it waits for the watches through the instance's
 * waiter (default: poll(2) on this thread, bounded by the store's
 * deadline; wacc serve sets one that parks the request's fiber, as
 * wacc_wasi2_set_waiter does). Nothing to wait for while a caller still
 * waits is the trap "deadlock detected".
 *
 * Callbacks the loop calls (watch functions, copy completions) run on
 * the loop, never inside a guest built-in: they may complete calls,
 * start copies and add watches. They return 0 or a WACC_TRAP_* code
 * (which becomes the trap of the call that ran the loop). */
struct pollfd;

/* Completing an async host call. */
wacc_cinstance *wacc_hcall_instance(const wacc_hcall *c);
/* Where the call's values live (until it completes). */
struct wacc_arena *wacc_hcall_arena(wacc_hcall *c);
/* The imported function's type (read with wacc_cfunc_nparams/param/result). */
const wacc_cfunc *wacc_hcall_type(const wacc_hcall *c);
/* Complete the call: result (NULL if the function has no result) is
 * lowered into the caller. c is freed. 0 or a trap code (lowering the
 * result failed; the caller's instance traps). */
uint32_t wacc_hcall_return(wacc_hcall *c, const struct wacc_cval *result);
/* Optional: fn(ud, c) runs when the caller cancels the call
 * (subtask.cancel); it completes it then or later, with
 * wacc_hcall_return or wacc_hcall_cancelled. Without it, a cancelled
 * call completes normally. */
void wacc_hcall_on_cancel(wacc_hcall *c, void (*fn)(void *ud, wacc_hcall *c), void *ud);
/* Complete the call as cancelled (only after a cancellation request). */
void wacc_hcall_cancelled(wacc_hcall *c);

/* Watches: fn(ud, revents) runs once when fd (>= 0) has one of `events`
 * (revents set), or when CLOCK_MONOTONIC reaches deadline_ns (revents 0;
 * 0: none, with fd >= 0; fd < 0 and deadline_ns 0: at the next step of
 * the loop). A watch is removed before its fn runs (one-shot: add it
 * again to keep watching). Freed with the instance. NULL on OOM. */
typedef uint32_t (*wacc_watch_fn)(void *ud, short revents);
typedef struct wacc_watch wacc_watch;
wacc_watch *wacc_watch_add(wacc_cinstance *ci, int fd, short events, uint64_t deadline_ns, wacc_watch_fn fn,
                           void *ud);
void wacc_watch_remove(wacc_cinstance *ci, wacc_watch *w);

/* Cleanups: fn(ud) runs when the component instance is freed, before
 * its streams, futures and calls are (host objects driven by the loop
 * drop their ends and free themselves there; fn must not call into the
 * guest). Remove one whose object went away first. NULL on OOM. */
typedef struct wacc_cleanup wacc_cleanup;
wacc_cleanup *wacc_cleanup_add(wacc_cinstance *ci, void (*fn)(void *ud), void *ud);
void wacc_cleanup_remove(wacc_cinstance *ci, wacc_cleanup *c);

/* How the loop waits: until one of fds[0..nfds) is ready (revents
 * filled) or deadline_ns (0: none). May return early. false: stop (the
 * deadline of the store passed, the server is shutting down): the
 * waiting call traps with WACC_TRAP_DEADLINE. Same contract as
 * wacc_wasi2_waiter. wait NULL: the default (poll(2)). */
typedef struct wacc_waiter {
    void *ud;
    bool (*wait)(void *ud, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns);
} wacc_waiter;
void wacc_cinstance_set_waiter(wacc_cinstance *ci, const wacc_waiter *w);
/* For hosts of synchronous functions that must wait (e.g. WASI 0.2 imports
 * of a 0.3 component): called from such a function, wait as
 * wacc_waiter.wait does, but when the caller is a guest task running on
 * its own stack (an async export's), block only that task: the fds and
 * deadline become watches of the loop, and whoever runs the loop runs
 * other tasks meanwhile. 1: ready (revents filled) or the deadline came;
 * 0: stop (the guest traps with WACC_TRAP_DEADLINE; also the instance
 * went away, or nothing could wake it); -1: the caller is not such a task
 * (wait some other way). */
int wacc_cinstance_wait_task(wacc_cinstance *ci, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns);
/* Run the loop without waiting: ready watches, copy completions and guest
 * threads that can run, until none is left. 0 or a trap code (in *trap). */
uint32_t wacc_cinstance_poll(wacc_cinstance *ci, wacc_trap *trap);
/* The fds and the earliest deadline the loop would wait for now (for a
 * host that integrates the loop into its own: wait, then
 * wacc_cinstance_poll). Returns the number of fds (at most cap filled). */
unsigned wacc_cinstance_fds(wacc_cinstance *ci, struct pollfd *fds, unsigned cap, uint64_t *deadline_ns);

/* Host-held ends of streams and futures. A stream<T>/future<T> value
 * (wacc_cval of kind WACC_CT_STREAM/FUTURE) always carries a readable end.
 * The host creates a stream or future and keeps its writable end, handing
 * the readable end to the guest (as a result or argument), or takes the
 * readable end a guest handed it. Copies follow the Canonical ABI: a read
 * or write completes when the other side does the matching copy (all of
 * it, or part of it for streams); the guest's side sees its copy complete
 * as the spec says. Elements: plain types (wacc_ctype_plain) as their
 * memory layout, others as wacc_cval[] (a read allocates the values from
 * the arena passed to it); no payload (stream / future without type):
 * buf NULL. Ends belong to the component instance (freed with it). */
typedef struct wacc_hend wacc_hend;
enum { WACC_COPY_COMPLETED = 0, WACC_COPY_DROPPED = 1, WACC_COPY_CANCELLED = 2 };
/* A copy finished: result WACC_COPY_*, n elements copied (streams: may be
 * less than asked, also with COMPLETED; DROPPED: the other end is gone,
 * n elements were copied before). */
typedef uint32_t (*wacc_hend_fn)(void *ud, wacc_hend *e, uint32_t result, uint32_t n);

/* t: a stream or future type (struct wacc_ctype of kind WACC_CT_STREAM /
 * WACC_CT_FUTURE, e.g. from wacc_cfunc_result / wacc_ctype_stream).
 * Returns the writable end; *readable receives the readable end's value.
 * NULL on OOM. */
wacc_hend *wacc_hend_new(wacc_cinstance *ci, const struct wacc_ctype *t, struct wacc_cval *readable);
/* Take the readable end of value v (an argument the guest passed). */
wacc_hend *wacc_hend_take(wacc_cinstance *ci, const struct wacc_cval *v);
/* The end's stream/future type. */
const struct wacc_ctype *wacc_hend_type(const wacc_hend *e);
/* Start a copy of up to n elements (futures: n = 1) from/into buf; done
 * runs when it finishes. One copy at a time per end. false: not idle (a
 * copy in progress, or done: the other end was dropped / the future's
 * value went). */
bool wacc_hend_write(wacc_hend *e, const void *buf, uint32_t n, wacc_hend_fn done, void *ud);
bool wacc_hend_read(wacc_hend *e, void *buf, uint32_t n, struct wacc_arena *arena, wacc_hend_fn done,
                    void *ud);
/* Cancel the copy in progress: done runs (from the loop) with
 * WACC_COPY_CANCELLED (or COMPLETED / DROPPED if it finished first). */
void wacc_hend_cancel(wacc_hend *e);
/* Has the other end been dropped? */
bool wacc_hend_other_dropped(const wacc_hend *e);
/* Drop the end (no copy may be in progress; a future's writable end must
 * have been written unless the reader is gone: else the reader sees it
 * dropped). */
void wacc_hend_drop(wacc_hend *e);

/* ---- limits (service half; additive) ----
 * Deadline: wasm code running in store s stops with the trap
 * WACC_TRAP_DEADLINE ("deadline exceeded") once CLOCK_MONOTONIC passes
 * deadline_ns (0: none). Compiled code tests an epoch counter at loop
 * back-edges and stops at function entries through its stack check
 * (runtime/include/wacc/abi.h); an engine timer thread bumps it. Max memory: no linear memory of an instance in s grows
 * past max_bytes (memory.grow returns -1; 0: no cap beyond the module's). */
void wacc_store_set_deadline(wacc_store *s, uint64_t deadline_ns);
void wacc_store_set_max_memory(wacc_store *s, uint64_t max_bytes);
/* The store's deadline (CLOCK_MONOTONIC ns; 0: none), for hosts that wait
 * (WASI poll, sockets): cap the wait there and return WACC_TRAP_DEADLINE
 * from the host function once it has passed. */
uint64_t wacc_store_deadline(const wacc_store *s);
/* Current CLOCK_MONOTONIC time in ns (the clock deadlines are measured on). */
uint64_t wacc_monotonic_ns(void);
/* True if artifact a (core module or component) was compiled with the
 * interruption checks (not --no-interrupt-checks): only then does a
 * deadline stop guest code in its loops (without them, it stops at the
 * next call or host wait). */
bool wacc_artifact_interruptible(const wacc_artifact *a);

/* ---- misc ---- */
/* For host functions that end the program (WASI proc_exit): records the
 * status (reported in wacc_trap.exit_status) and returns WACC_TRAP_EXIT,
 * which the host callback then returns. */
uint32_t wacc_host_exit(int status);

/* Human-readable trap name ("integer divide by zero", ...). */
const char *wacc_trap_name(uint32_t code);
/* Name of wasm function `func_index` of an instance (from the name section),
 * or NULL. */
const char *wacc_instance_func_name(const wacc_instance *inst, uint32_t func_index);

#ifdef __cplusplus
}
#endif
#endif
