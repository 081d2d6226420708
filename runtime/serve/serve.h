/*
 * serve.h — an HTTP/1.1 server that runs a fresh component instance per
 * request (library "wacc-serve"; `wacc serve` is a thin driver over it).
 *
 * Built on libuv (one event loop per worker thread, SO_REUSEPORT listeners)
 * and the nodejs http-parser 2.9 (streaming callbacks, chunked decoding):
 * request bodies are streamed to the guest with backpressure (reading from
 * the socket stops while the guest's buffer is full), responses stream out
 * with bounded buffering (the guest waits while the client is slow).
 *
 * Per request: a new wacc_store + wacc_wasi2 (the route's grants) + component
 * instance, wacc_wasi2_http_handle on its own fiber (runtime/fiber/fiber.h).
 * A guest that waits (body not there yet, client slow, a pollable) parks its
 * fiber and the worker runs other requests. A trap, deadline or
 * out-of-memory is a 500 for that request; its instance is discarded.
 *
 * Limits: request line + headers (431), --max-body (413), header read time
 * (slowloris: 408 and close), concurrent connections per process,
 * per-request deadline. A malformed request is answered 400 by the server
 * and never reaches the guest.
 *
 *   wacc_serve_config cfg; wacc_serve_config_init(&cfg);
 *   cfg.routes = routes; cfg.nroutes = n; ...
 *   wacc_serve *sv = wacc_serve_new(&cfg, err);      // binds the sockets
 *   printf("listening on %s\n", wacc_serve_url(sv));
 *   wacc_serve_run(sv);        // until SIGINT/SIGTERM or wacc_serve_stop
 *   wacc_serve_free(sv);
 */
#ifndef WACC_SERVE_H
#define WACC_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "wacc.h"
#include "wasi.h"
#include "wasi2.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wacc_serve wacc_serve;
struct wacc_otel;

/* A request handler in C instead of a component (the native baseline of
 * benchmarks/serve, and the server's own tests). It runs on the request's
 * fiber exactly like a guest: it reads the body and writes the response
 * through io; when io says "nothing yet" (body_read 0, resp_room 0) it
 * calls wt->wait(wt->ud, NULL, 0, 0) and retries; false from wait means
 * stop now (deadline passed or server stopping). Returning without
 * finishing the response counts as a failure (500). Handlers of one route
 * run concurrently on all workers: ud must be thread-safe. */
typedef struct wacc_serve_native {
    void (*handle)(void *ud, const wacc_http_request *req, const wacc_http_io *io,
                   const wacc_wasi2_waiter *wt);
    void *ud;
} wacc_serve_native;

typedef struct wacc_serve_route {
    const char *prefix;             /* "/" or "/api" (matches /api, /api/..., /api?...) */
    const char *name;               /* for messages: the artifact's file name */
    wacc_artifact *artifact;        /* a component exporting wasi:http/incoming-handler */
    const wacc_serve_native *native;    /* or this (artifact NULL) */
    wacc_wasi_config wasi;          /* this route's grants (strings must outlive the server) */
} wacc_serve_route;

typedef struct wacc_serve_config {
    const char *addr;               /* "HOST:PORT" (IPv4 or [IPv6]); port 0: any */
    unsigned workers;               /* event-loop threads; 0: one per core */
    const wacc_serve_route *routes; /* longest matching prefix wins */
    unsigned nroutes;
    wacc_engine *engine;            /* that loaded the artifacts */
    uint64_t timeout_ns;            /* per-request deadline, from its headers (0: none) */
    uint64_t max_memory;            /* per-instance linear memory cap in bytes (0: none) */
    uint64_t max_body;              /* request body bytes (413 beyond) */
    uint32_t max_header;            /* request line + headers bytes (431 beyond) */
    uint64_t header_timeout_ns;     /* until a request's headers are complete (408) */
    uint64_t idle_timeout_ns;       /* keep-alive connection idle between requests */
    unsigned max_conns;             /* open connections (process), more are closed at once */
    uint64_t grace_ns;              /* on stop: time in-flight requests get to finish */
    size_t fiber_stack;             /* per-request stack bytes (0: fiber.h's default) */
    struct wacc_otel *otel;         /* traces (runtime/otel; NULL: off): a SERVER span per
                                       request, continuing its traceparent; the guest's
                                       outbound wasi:http calls get CLIENT spans under it */
    bool trace_calls;               /* with otel: component -> component calls as spans
                                       (generic path instead of fused adapters;
                                       wacc_wasi2_set_trace_calls) */
    bool quiet;                     /* no access log */
    int log_fd;                     /* access log and messages (2) */
} wacc_serve_config;

/* Defaults: 127.0.0.1:8080, workers 0, max_body 64 MiB, max_header 16 KiB,
 * header_timeout 10 s, idle_timeout 60 s, max_conns 10,000, grace 10 s,
 * timeout 30 s, log_fd 2. */
void wacc_serve_config_init(wacc_serve_config *cfg);

/* Checks the config and the routes (a component that does not export
 * wasi:http/incoming-handler is an error), binds and listens. NULL +
 * message in err on failure. */
wacc_serve *wacc_serve_new(const wacc_serve_config *cfg, char err[WACC_ERR_LEN]);
/* "http://127.0.0.1:8080" (the bound port, when 0 was asked). */
const char *wacc_serve_url(const wacc_serve *sv);

/* Serve until SIGINT or SIGTERM (blocked in the calling thread and the
 * workers, taken with sigwait) or wacc_serve_stop: then stop accepting,
 * let in-flight requests finish within the grace period, return 0. */
int wacc_serve_run(wacc_serve *sv);
/* From any thread: make wacc_serve_run return (as on SIGTERM). */
void wacc_serve_stop(wacc_serve *sv);
void wacc_serve_free(wacc_serve *sv);

#ifdef __cplusplus
}
#endif
#endif
