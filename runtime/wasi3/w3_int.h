/*
 * w3_int.h — internals of the WASI 0.3 host (runtime/wasi3), the API the
 * interface implementations (fns_*.c here; wasi:http and wasi:sockets
 * too) are written against.
 *
 * An implementation is a w3_impl registered by name in a w3_fn table
 * (listed in ctx.c's `tables`). Names have no version:
 * "wasi:cli/stdin#read-via-stream",
 * "wasi:filesystem/types#[method]descriptor.stat". Every import of a
 * wasi:*@0.3.x interface is served as an async host function (wacc.h
 * wacc_component_host_async_fn); a name without an implementation gets
 * the generic "unsupported" (its result's error case, else a trap).
 *
 * Values are built with the WASI 0.2 helpers (w2_ok, w2_err_label, w2_str,
 * w2_box, w2_bytes, w2_case_type, w2_label, ... of w2_int.h) on c->v,
 * whose result is c->res. Host objects (resources) live in the wasi2
 * context's object table (w2_new / w2_get / w2_release; K_OTHER objects
 * with w2_ops.drop for new kinds), so 0.2 and 0.3 share the sandbox and
 * descriptors; 0.3 resource types come from w3_rt.
 */
#ifndef WACC_WASI3_INT_H
#define WACC_WASI3_INT_H

#include "w2_int.h"
#include "wasi3.h"

struct wacc_wasi3;

typedef struct w3_call {
    w2_call v;                  /* values: v.w (wasi2 context), v.a/v.n args, v.ptypes,
                                   v.res == &res, v.rt result type, v.arena (the call's) */
    struct wacc_wasi3 *w3;
    wacc_hcall *hc;             /* the call (complete it with w3_return when later) */
    wacc_cinstance *ci;         /* the calling component instance graph (its loop) */
    const wacc_cfunc *type;
    const char *name;           /* "wasi:clocks/monotonic-clock#wait-for" */
    wacc_cval res;
} w3_call;

/* Return 0: the call completes now with c->res (built with the w2_*
 * helpers on &c->v; nothing to build if the function has no result).
 * W3_LATER: the implementation keeps c->hc and completes it later with
 * w3_return (c itself is gone then: copy what is needed; c->v.arena stays
 * valid until completion). Else a WACC_TRAP_* code. */
#define W3_LATER 0xfffffffeu
typedef uint32_t (*w3_impl)(w3_call *c);

typedef struct w3_fn {
    const char *name;
    w3_impl fn;
} w3_fn;

/* Complete a call kept with W3_LATER (result NULL: none). */
uint32_t w3_return(wacc_hcall *hc, const wacc_cval *result);

/* The host resource type `iface_res` ("wasi:filesystem/types#descriptor"):
 * its destructor releases the rep in the wasi2 object table. */
const wacc_resource_type *w3_rt(struct wacc_wasi3 *w, const char *iface_res);

/* A result value (type rt: result<_, E> or result<T, E>) of error `label`
 * (enum or variant case of E) / ok without payload, built in arena. */
bool w3_err_value(wacc_arena *arena, const wacc_ctype *rt, const char *label, wacc_cval *out);
wacc_cval w3_ok_value(void);

/* ---- byte pipes between fds and streams (streams.c) ----
 * A source reads an fd (a file at a position, or a pipe/tty/socket read
 * when ready: a watch) and writes a stream<u8> the guest reads; a sink
 * reads a stream<u8> the guest writes and writes it to an fd. Each ends
 * with a future<result<_, E>> (fut may be NULL): ok at the end, or the
 * error E named by errno (err_label maps an errno to E's case label;
 * NULL: w2_errno_label). They own nothing but their buffer: close_fd
 * says whether the fd is closed at the end. */
typedef const char *(*w3_errmap)(int host_errno);
/* Source: the guest gets *stream_out (and *future_out if fut_t). */
bool w3_source_fd(wacc_cinstance *ci, int fd, bool close_fd, bool positioned, uint64_t offset,
                  const wacc_ctype *stream_t, const wacc_ctype *fut_t, w3_errmap err_label,
                  wacc_cval *stream_out, wacc_cval *future_out);
/* Sink: data is the guest's stream<u8> argument; *future_out (fut_t) its result. */
bool w3_sink_fd(wacc_cinstance *ci, int fd, bool close_fd, bool positioned, bool append, uint64_t offset,
                const wacc_cval *data, const wacc_ctype *fut_t, w3_errmap err_label, wacc_cval *future_out);

/* ---- slot tables (slots.c) ----
 * The reps 1.. a host gives its resources: a pointer a slot, a freed slot
 * reused. The objects are the caller's; w3_slots_free frees the array. */
typedef struct w3_slots {
    void **v;
    uint32_t n, cap;
} w3_slots;
uint32_t w3_slot_add(w3_slots *t, void *obj);           /* its rep; 0: out of memory */
void *w3_slot_get(const w3_slots *t, uint64_t rep);     /* NULL: no object */
void *w3_slot_take(w3_slots *t, uint64_t rep);          /* get, and free the slot */
void w3_slots_free(w3_slots *t);

/* ---- chained hosts (chain.c) ----
 * wasi:http and wasi:sockets 0.3 are each a wacc_component_host that
 * serves its own interfaces and passes every other question to the next
 * host of the chain (wacc_wasi3_host at the end). A w3_chain's hooks
 * answer W3_YES / W3_NO for what is theirs and W3_PASS for the rest (a
 * NULL hook passes everything); --trace-calls (call_begin/call_end) and
 * list_bytes are the next host's. */
enum { W3_NO = 0, W3_YES = 1, W3_PASS = -1 };
typedef struct w3_chain {
    void *self;                         /* the hooks' ud */
    const wacc_component_host *next;    /* may be NULL */
    int (*typed_func)(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_fn *fn, void **data, char *err);
    int (*async_func)(void *self, const char *instance, const char *name, const wacc_cfunc *type,
                      wacc_component_host_async_fn *fn, void **data, char *err);
    /* W3_YES: *out is the answer (may be NULL) */
    int (*resource)(void *self, const char *instance, const char *name, const wacc_resource_type **out);
} w3_chain;
/* Fill *out (its ud is c, which must outlive it) after setting c->next. */
void w3_chain_host(w3_chain *c, const wacc_component_host *next, wacc_component_host *out);
/* Is instance "IFACE@0.3.x" ("wasi:http/types@0.3.0" for "wasi:http/types")? */
bool w3_is_iface(const char *instance, const char *iface);

/* ---- implementations ---- */
extern const w3_fn w3_fns_cli[];        /* cli: environment, exit, stdio, terminal-* */
extern const w3_fn w3_fns_clocks[];     /* clocks, random */
extern const w3_fn w3_fns_fs[];         /* filesystem */

struct wacc_wasi3 {
    wacc_wasi2 *w2;             /* owned */
    wacc_component_host h2;     /* its resolver (0.2 imports) */
    struct w3_rtype *rts;       /* 0.3 resource types (w3_rt), a list */
    struct w3_binding *bindings;   /* linked 0.3 imports (freed with w) */
    wacc_cinstance *ci;         /* wacc_wasi3_bind */
};

#endif
