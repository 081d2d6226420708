/*
 * w2_int.h — internals of the WASI 0.2 host (runtime/wasi2).
 *
 * Canonical signature text (gen_sigs.c prints it from WIT, sig.c from a
 * component function type; they must agree):
 *   func   = "(" [name ":" type {"," name ":" type}] ")" ["->" type]
 *   type   = bool|s8|u8|s16|u16|s32|u32|s64|u64|f32|f64|char|string
 *          | "list<" type ["," N] ">" | "tuple<" type {"," type} ">"
 *          | "option<" type ">" | "result<" (type|"_") "," (type|"_") ">"
 *          | "record{" name ":" type {"," ...} "}"
 *          | "variant{" name ["(" type ")"] {"," ...} "}"
 *          | "enum{" name {"," name} "}" | "flags{" name {"," name} "}"
 *          | "own<" resource ">" | "borrow<" resource ">"
 * Methods take "self:borrow<R>" first; constructors return "own<R>".
 */
#ifndef WACC_WASI2_INT_H
#define WACC_WASI2_INT_H

#include <dirent.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "wacc_otel.h"
#include "wasi2.h"

#define W2_OTEL_VERSION "0.2.0-rc.2"    /* wit/wasi-otel */
#define W2_MAX_GSPANS 16        /* open wasi:otel guest spans tracked per context */

/* ---- generated from wit/wasi-0.2 (gen_sigs.c) ---- */
typedef struct w2_sig {
    const char *name;           /* "wasi:io/streams#[method]output-stream.write" */
    const char *sig;            /* canonical signature; resources: the bare name */
} w2_sig;
extern const w2_sig w2_sigs[];
extern const uint32_t w2_sigs_count;
extern const w2_sig w2_resources[];   /* "wasi:io/streams#output-stream" */
extern const uint32_t w2_resources_count;

/* ---- host objects (one rep space for every resource type) ---- */
enum w2_kind {
    K_FREE = 0, K_INSTREAM, K_OUTSTREAM, K_POLLABLE, K_DESCRIPTOR, K_DIRSTREAM, K_ERROR, K_OTHER,
    /* wasi:sockets (fns_sockets_*.c) */
    K_NETWORK, K_TCP, K_UDP, K_DGRAM_IN, K_DGRAM_OUT, K_RESOLVE,
};

struct w2_obj;
struct wacc_wasi2;

/* Streams and pollables implemented outside fns_io.c (HTTP bodies, sockets,
 * ...): an object with `ops` set is read/written/polled through them
 * instead of through its fd. Every callback is optional. */
typedef struct w2_ops {
    /* input stream: up to cap bytes into buf. > 0: bytes read; 0: nothing
     * yet (would block); -1: end of stream; -2: failed (*err = errno). */
    long (*read)(struct wacc_wasi2 *w, struct w2_obj *o, uint8_t *buf, size_t cap, int *err);
    /* output stream: bytes acceptable now without blocking (0: wait);
     * UINT64_MAX is not allowed. NULL: 64 KiB. */
    uint64_t (*room)(struct wacc_wasi2 *w, struct w2_obj *o);
    /* output stream: write n bytes (n <= room): 0, EPIPE (closed), errno. */
    int (*write)(struct wacc_wasi2 *w, struct w2_obj *o, const uint8_t *p, size_t n);
    /* output stream: start/finish a flush: 0 done, EAGAIN (in progress:
     * wait and ask again), EPIPE, errno. NULL: always done. */
    int (*flush)(struct wacc_wasi2 *w, struct w2_obj *o);
    /* readiness for a pollable made by subscribe: true if ready now; else
     * may set *pf (fd >= 0, events) to an fd whose readiness moves it, and
     * *deadline_ns to a time when it becomes ready (left as is: none). */
    bool (*ready)(struct wacc_wasi2 *w, struct w2_obj *o, struct pollfd *pf, uint64_t *deadline_ns);
    /* the object is being released (free impl, close what it owns). */
    void (*drop)(struct wacc_wasi2 *w, struct w2_obj *o);
} w2_ops;

typedef struct w2_obj {
    uint8_t kind;
    bool owned_fd;              /* close fd with the object */
    bool is_file;               /* stream on a file: positioned I/O at pos */
    bool append;                /* output stream appends */
    bool closed;                /* input stream reached its end */
    bool is_dir;                /* descriptor */
    uint32_t dflags;            /* descriptor: read 1, write 2, mutate-directory 32 */
    uint32_t next_free;
    int fd;                     /* -1: none */
    uint64_t pos;
    uint64_t deadline;          /* pollable: monotonic ns (0: ready) */
    DIR *dir;                   /* directory-entry-stream */
    char *msg;                  /* error: debug string */
    int err;                    /* error: the host errno (0: none; network-error-code) */
    const char *err_label;      /* error: filesystem error-code label, or NULL */
    const w2_ops *ops;          /* streams/pollables implemented elsewhere (NULL: fd) */
    void *impl;                 /* owned by ops (ops->drop frees it) */
    short events;               /* pollable on fd: POLLIN / POLLOUT */
    uint8_t src_kind;           /* pollable: kind of the object it mirrors (0: none) */
    uint32_t src;               /* pollable: rep of that object (its ops->ready) */
} w2_obj;

/* A resource type the host defines (one per w2_resources entry). */
typedef struct w2_rtype {
    wacc_resource_type rt;
    struct wacc_wasi2 *w;
} w2_rtype;

typedef struct w2_call w2_call;
typedef uint32_t (*w2_impl)(w2_call *c);

typedef struct w2_fn {
    const char *name;           /* "wasi:io/streams#[method]output-stream.write" */
    w2_impl fn;
} w2_fn;

/* What a linked import calls: the implementation and the import's type. */
typedef struct w2_binding {
    struct wacc_wasi2 *w;
    w2_impl fn;                 /* NULL: not implemented (error result or trap) */
    const wacc_cfunc *type;
    const wacc_ctype **ptypes;  /* [nparams] */
    const char *name;
    struct w2_binding *next;
} w2_binding;

struct w2_call {
    struct wacc_wasi2 *w;
    const wacc_cval *a;         /* arguments */
    uint32_t n;
    const wacc_ctype *const *ptypes;   /* argument types */
    wacc_cval *res;
    const wacc_ctype *rt;       /* result type (NULL: none) */
    wacc_arena *arena;
};

typedef struct w2_preopen {
    int fd;
    char *guest;
} w2_preopen;

struct wacc_wasi2 {
    char **argv, **envp;
    uint32_t argc, envc;
    w2_preopen *pre;
    uint32_t npre;
    int stdio[3];
    bool use_openat2;
    bool exited;
    int exit_status;
    w2_obj *objs;               /* objs[0] unused (rep 0 is never handed out) */
    uint32_t nobjs, cap, free_head;
    w2_rtype *rts;              /* [w2_resources_count] */
    w2_binding *bindings;
    struct w2_pool *pool;       /* the bindings' memory (bump-allocated blocks) */
    uint64_t seed[2];           /* insecure random state */
    wacc_wasi2_waiter waiter;   /* wait == NULL: poll(2) here */
    /* asked first (WASI 0.3's wacc_wasi3_bind: a wait on a 0.3 task's own
     * stack blocks only that task): 1 ready, 0 stop, -1 not for it */
    int (*task_wait)(void *ud, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns);
    void *task_ud;
    /* service-half grants (copies of wacc_wasi_config's lists) */
    char **allow_http, **tcp_listen, **tcp_connect, **udp;
    uint32_t nallow_http, ntcp_listen, ntcp_connect, nudp;
    bool allow_dns;
    /* wasi:http (http_*.c): the server request in flight, and the
     * outbound transfers (libcurl multi handle, http_client.c) */
    struct w2_http *http;
    uint64_t http_gen;
    struct h_clients *clients;
    /* tracing of outbound requests (wacc_wasi2_set_trace; NULL: off) */
    struct wacc_otel *otel;
    const struct wacc_span_context *trace_parent;
    /* wasi:otel guest spans started and not yet ended, innermost last */
    wacc_span_context gspans[W2_MAX_GSPANS];
    uint32_t ngspans;
    bool trace_calls;           /* wacc_wasi2_set_trace_calls */
    const wacc_store *store;    /* its deadline bounds default waits (wacc_wasi2_set_store) */
};

/* ---- ctx.c ---- */
uint32_t w2_new(wacc_wasi2 *w, uint8_t kind, w2_obj **out);   /* rep, 0 on OOM */
w2_obj *w2_get(wacc_wasi2 *w, uint64_t rep, uint8_t kind);   /* NULL: wrong rep/kind */
void w2_release(wacc_wasi2 *w, uint32_t rep);
const wacc_resource_type *w2_rt(wacc_wasi2 *w, const char *iface_res);

/* Wait for fds / a deadline through the waiter (see wasi2.h). false: the
 * guest must stop; the host function returns w2_stopped(c). */
bool w2_wait(wacc_wasi2 *w, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns);
uint32_t w2_stopped(w2_call *c);
/* A pollable of `kind` mirroring object rep (its ops->ready), or on fd for
 * events, or ready at deadline_ns (0: now). Returns the result. */
uint32_t w2_new_pollable_src(w2_call *c, uint8_t kind, uint32_t rep);
uint32_t w2_new_pollable_fd(w2_call *c, int fd, short events);
/* Is pollable p ready? If not: pf and deadline_ns say what moves it. */
bool w2_pollable_ready(wacc_wasi2 *w, w2_obj *p, struct pollfd *pf, uint64_t *deadline_ns);

/* The implementation of WASI 0.2 function `name` ("wasi:cli/exit#exit";
 * NULL: none), for runtime/wasi3's functions that are the same in 0.3. */
w2_impl w2_impl_named(const char *name);

/* ---- sig.c ---- */
/* Canonical signature of a component function type (malloc'd, NULL on OOM). */
char *w2_sig_of(const wacc_cfunc *f);
/* Does f's signature text equal want? (no allocation for usual sizes) */
bool w2_sig_is(const wacc_cfunc *f, const char *want);
const w2_sig *w2_find_sig(const char *name);

/* ---- values (val.c) ---- */
uint32_t w2_label(const wacc_ctype *t, const char *label);   /* case/label index, UINT32_MAX */
wacc_cval *w2_box(w2_call *c, wacc_cval v);                  /* arena copy (NULL on OOM) */
uint32_t w2_ok(w2_call *c, const wacc_cval *payload);        /* result ok(payload?) */
uint32_t w2_err_label(w2_call *c, const char *label);        /* result err(enum/variant case) */
uint32_t w2_ret(w2_call *c, wacc_cval v);                    /* plain result */
uint32_t w2_trap(w2_call *c, const char *why);               /* trap (message on stderr) */
wacc_cval w2_str(w2_call *c, const char *s, size_t n);       /* arena copy */
/* list<u8> values as byte buffers (abi-glue WACC_CVAL_BYTES): a result
 * from n bytes (borrowed: arena memory), and argument i (a list<u8> in
 * either representation) as its bytes (NULL on OOM). */
wacc_cval w2_bytes(const uint8_t *p, size_t n);
const uint8_t *w2_arg_bytes(w2_call *c, uint32_t i);
/* Payload type of a result's ok / err, option's some, or variant case `label`. */
const wacc_ctype *w2_case_type(const wacc_ctype *t, const char *label);
/* filesystem error-code label of a host errno / of a preview1 WE_* errno. */
const char *w2_errno_label(int host_errno);
const char *w2_we_label(int we);
/* A generic implementation for functions we do not provide: the result's
 * error case if it has one (sockets access-denied, http internal-error,
 * filesystem unsupported), else a trap. */
uint32_t w2_unsupported(w2_call *c);

/* ---- implementations ---- */
extern const w2_fn w2_fns_cli[];      /* cli, clocks, random */
extern const w2_fn w2_fns_io[];       /* io error/poll/streams */
extern const w2_fn w2_fns_fs[];       /* filesystem */
extern const w2_fn w2_fns_sockets_net[];   /* sockets: network, instance-network */
extern const w2_fn w2_fns_sockets_tcp[];   /* sockets: tcp, tcp-create-socket */
extern const w2_fn w2_fns_sockets_udp[];   /* sockets: udp, udp-create-socket */
extern const w2_fn w2_fns_sockets_dns[];   /* sockets: ip-name-lookup */
extern const w2_fn w2_fns_otel[];          /* wasi:otel tracing (fns_otel.c) */
/* The span outbound requests and guest spans belong to: the innermost open
 * wasi:otel guest span, else the host's (wacc_wasi2_set_trace), else NULL. */
const wacc_span_context *w2_trace_current(const wacc_wasi2 *w);
/* wacc_component_host call_begin / call_end for --trace-calls (fns_otel.c) */
void *w2_call_begin(void *ud, const char *name, const char *caller, const char *callee);
void w2_call_end(void *ud, void *token, uint32_t code);

/* io: stream results shared with filesystem */
uint32_t w2_stream_closed(w2_call *c);
uint32_t w2_stream_failed(w2_call *c, int host_errno);
uint64_t w2_now_ns(void);              /* monotonic */

#endif
