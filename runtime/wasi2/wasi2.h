/*
 * wasi2.h — WASI 0.2 (preview 2) for components (library "wacc-wasi2").
 *
 * A wacc_wasi2 is the host side of one program run: arguments, environment,
 * stdio, preopened directories (the same capability rules as preview 1:
 * runtime/wasi/sandbox.c resolves every path beneath a granted directory),
 * and the host objects the guest holds handles to (streams, pollables,
 * descriptors, ...).
 *
 * wacc_wasi2_host fills a wacc_component_host for wacc_component_instantiate:
 * it serves the imports wasi:{cli,io,clocks,random,filesystem,sockets,http}
 * /IFACE@0.2.x for any x in 0..12 (semver-compatible with our 0.2.12).
 * Every function of those interfaces links; each import's function type is
 * checked at link time against the signature derived (at build time) from
 * wit/wasi-0.2. Functions without an implementation (sockets, http, ...)
 * return their interface's error (access-denied / internal-error /
 * unsupported) at call time, or trap when their result has no error case.
 */
#ifndef WACC_WASI2_H
#define WACC_WASI2_H

#include "wacc.h"
#include "wasi.h"          /* wacc_wasi_config, wacc_wasi_preopen */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wacc_wasi2 wacc_wasi2;

/* Copies what it needs from cfg (argv, envp, preopens, stdio fds) and opens
 * the preopened directories. NULL + message in err on failure. */
wacc_wasi2 *wacc_wasi2_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
/* After the store that used it: closes every host object. */
void wacc_wasi2_free(wacc_wasi2 *w);

/* The host resolver for wacc_component_instantiate (valid while w lives). */
void wacc_wasi2_host(wacc_wasi2 *w, wacc_component_host *out);

/* Run a wasi:cli/run component: instantiate with w, call
 * wasi:cli/run@0.2.x#run. Returns the exit status (0 ok, 1 on err(), the
 * code given to exit / exit-with-code), -1 with a message in err (link
 * error, trap), or -2 if the component exports no wasi:cli/run. */
int wacc_wasi2_run(wacc_wasi2 *w, wacc_store *s, wacc_artifact *a, char err[WACC_ERR_LEN]);

/* True once the guest called exit / exit-with-code; the status. */
bool wacc_wasi2_exited(const wacc_wasi2 *w, int *status);

/* ---- waiting (service half) ----
 * How a host function that must wait (pollable.block, wasi:io/poll#poll,
 * blocking-read/-write-and-flush, a socket or HTTP body that is not ready)
 * waits. Default (no waiter set): poll(2) on the calling thread. wacc serve
 * sets a waiter that parks the guest's fiber and runs other requests on the
 * event loop until an fd is ready, the request's own I/O moved (the server
 * resumes the fiber), or the deadline passed. */
#include <poll.h>
typedef struct wacc_wasi2_waiter {
    void *ud;
    /* Wait until one of fds[0..nfds) is ready (revents filled), the server
     * woke this guest, or the monotonic time deadline_ns passed (0: none).
     * May return early; callers re-check readiness. false: the guest must
     * stop now (its deadline passed, or the server is shutting down): the
     * host function returns a trap (WACC_TRAP_DEADLINE). */
    bool (*wait)(void *ud, struct pollfd *fds, unsigned nfds, uint64_t deadline_ns);
} wacc_wasi2_waiter;
void wacc_wasi2_set_waiter(wacc_wasi2 *w, const wacc_wasi2_waiter *wt);
/* The store whose deadline (wacc_store_deadline) also bounds waits made
 * with the default waiter: a guest blocked in a WASI 0.2 wait past it traps
 * with WACC_TRAP_DEADLINE. wacc_wasi2_run sets it; NULL: none. */
void wacc_wasi2_set_store(wacc_wasi2 *w, const wacc_store *s);

/* ---- tracing (service half, optional) ----
 * With a tracer set, every outbound wasi:http request the guest makes gets
 * a CLIENT span (runtime/otel: method, url.full, response status) whose
 * parent is *parent, and a `traceparent` header naming it. Both pointers
 * are the caller's and must outlive the guest's use of w (wacc serve: the
 * request's span); NULL o: off (the default). */
struct wacc_otel;
struct wacc_span_context;
void wacc_wasi2_set_trace(wacc_wasi2 *w, struct wacc_otel *o, const struct wacc_span_context *parent);
/* --trace-calls: the host wacc_wasi2_host fills in from now on brackets
 * every component -> component call of the graph with an INTERNAL span
 * (name "ns:pkg/iface#func", wacc.call.caller / wacc.call.callee) under
 * the current span; such calls then take the generic path instead of the
 * fused adapters (wacc.h call_begin). Set before instantiating. Guest
 * spans (wasi:otel) and outbound requests made inside a call nest under
 * it. Only while a tracer is set (wacc_wasi2_set_trace). */
void wacc_wasi2_set_trace_calls(wacc_wasi2 *w, bool on);

/* ---- wasi:http server side (service half) ----
 * The server (runtime/serve) parses a request and hands it to the guest's
 * wasi:http/incoming-handler#handle through wacc_wasi2_http_handle; the
 * guest reads the body and writes the response through these callbacks,
 * which run on the guest's fiber and never block: "would block" makes the
 * host function wait through the waiter. */
typedef struct wacc_http_header {
    const char *name;           /* lower-case field name */
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} wacc_http_header;

typedef struct wacc_http_request {
    const char *method;          /* "GET", "POST", ... (other methods: their token) */
    const char *scheme;          /* "http" or "https" */
    const char *authority;       /* Host header, or NULL */
    const char *path_with_query; /* "/a/b?x=1" */
    const wacc_http_header *headers;
    size_t nheaders;
} wacc_http_request;

typedef struct wacc_http_io {
    void *ud;
    /* Request body: copy up to cap bytes into buf. > 0: bytes copied;
     * 0: nothing yet (wait); -1: end of body; -2: failed (client gone,
     * body over --max-body, malformed chunking). */
    long (*body_read)(void *ud, uint8_t *buf, size_t cap);
    /* Response head, once (response-outparam.set with ok). false: client gone. */
    bool (*resp_head)(void *ud, unsigned status, const wacc_http_header *h, size_t n);
    /* Response body bytes that can be accepted now without buffering more
     * than the server allows (0: wait). */
    size_t (*resp_room)(void *ud);
    bool (*resp_write)(void *ud, const uint8_t *p, size_t n);   /* false: client gone */
    /* outgoing-body.finish (trailers may be empty). */
    bool (*resp_finish)(void *ud, const wacc_http_header *trailers, size_t n);
    /* The response failed: response-outparam.set(err(code)) (label is the
     * error-code case, e.g. "internal-error"), never set, body dropped
     * before finish, or a trap. Before the head: the server answers 5xx;
     * after it: the server aborts the response (closes the connection). */
    void (*resp_error)(void *ud, const char *label, const char *detail);
} wacc_http_io;

/* Outbound wasi:http (0.2 and 0.3 clients): is the request's authority
 * ("host[:port]", "[v6][:port]"; no port: 443 with tls, else 80) granted
 * by one of allow[0..nallow) ("HOST" any port, "HOST:PORT", names compared
 * without case)? */
bool wacc_wasi2_http_granted(const char *const *allow, uint32_t nallow,
                             const char *authority, bool tls);

/* Does the component export wasi:http/incoming-handler@0.2.x#handle? */
bool wacc_wasi2_is_http_handler(wacc_cinstance *ci);
/* Call handle(request, response-outparam) for one request on an instance
 * created with w's host. Returns when handle returned (the body written or
 * failed through io) or trapped (false, *trap filled; io->resp_error was
 * called). A response never set is io->resp_error("internal-error"). */
bool wacc_wasi2_http_handle(wacc_wasi2 *w, wacc_store *s, wacc_cinstance *ci,
                            const wacc_http_request *req, const wacc_http_io *io,
                            wacc_trap *trap, char err[WACC_ERR_LEN]);

#ifdef __cplusplus
}
#endif
#endif
