/*
 * wasi3.h — WASI 0.3 for components (library "wacc-wasi3").
 *
 * A wacc_wasi3 is the host side of one program run, like wacc_wasi2 (and
 * with the same configuration and capability rules: wacc_wasi_config's
 * argv, env, preopens, grants): it serves the imports
 * wasi:{cli,clocks,random,filesystem}/IFACE@0.3.0 on the async Component
 * Model (streams, futures, async functions; wacc.h "async Component Model:
 * the host side") and, through a wacc_wasi2 it owns, every WASI 0.2
 * import, so a component may mix 0.2 and 0.3 imports (filesystem
 * descriptors of both live in the same table and sandbox).
 *
 * Waiting (a timer, stdin, a stream the guest does not read yet) never
 * blocks inside a host function: it is a watch on the component
 * instance's event loop, which waits through the instance's waiter.
 */
#ifndef WACC_WASI3_H
#define WACC_WASI3_H

#include "wacc.h"
#include "wasi.h"          /* wacc_wasi_config */
#include "wasi2.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wacc_wasi3 wacc_wasi3;

/* Copies what it needs from cfg. NULL + message in err on failure. */
wacc_wasi3 *wacc_wasi3_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
/* After the store (and component instances) that used it. */
void wacc_wasi3_free(wacc_wasi3 *w);

/* The host resolver for wacc_component_instantiate: 0.3 imports (async
 * host functions) and 0.2 imports (wacc_wasi3_wasi2's). */
void wacc_wasi3_host(wacc_wasi3 *w, wacc_component_host *out);
/* The WASI 0.2 context it serves 0.2 imports with (set its waiter, store,
 * tracing there). */
wacc_wasi2 *wacc_wasi3_wasi2(wacc_wasi3 *w);
/* The instance w serves (NULL before freeing it): a WASI 0.2 import that
 * waits (wasi:io/poll, blocking reads, ...) called by a 0.3 task on its
 * own stack then blocks only that task (wacc_cinstance_wait_task) instead
 * of the thread. wacc_wasi3_run_with binds it. */
void wacc_wasi3_bind(wacc_wasi3 *w, wacc_cinstance *ci);

/* Does the instance export wasi:cli/run@0.3.x#run? */
bool wacc_wasi3_is_command(wacc_cinstance *ci);
/* Run a component: instantiate with w, call wasi:cli/run@0.3.x#run (an
 * async export; the event loop runs until it resolves), or the 0.2 run if
 * that is what it exports. Returns the exit status (0 ok, 1 on err(), the
 * code given to exit / exit-with-code), -1 with a message in err (link
 * error, trap), or -2 if the component exports no wasi:cli/run. */
int wacc_wasi3_run(wacc_wasi3 *w, wacc_store *s, wacc_artifact *a, char err[WACC_ERR_LEN]);
/* The same with the host chain `h` (wacc_wasi3_host, then e.g. the http and
 * sockets hosts below, which need their instance): bind(ud, s, ci) runs once
 * the component is instantiated and bind(ud, NULL, NULL) before it is freed. */
int wacc_wasi3_run_with(wacc_wasi3 *w, wacc_store *s, wacc_artifact *a, const wacc_component_host *h,
                        void (*bind)(void *ud, wacc_store *s, wacc_cinstance *ci), void *ud,
                        char err[WACC_ERR_LEN]);
/* True once the guest called exit / exit-with-code (0.2 or 0.3); the status. */
bool wacc_wasi3_exited(const wacc_wasi3 *w, int *status);

/* ---- http: wasi:http@0.3.0 (runtime/wasi3/http_*.c) ----
 *
 * A wacc_wasi3_http is the http host of one component instance: it
 * resolves the imports wasi:http/types@0.3.0 and wasi:http/client@0.3.0
 * (other imports go to `next`), owns the fields / request / response /
 * request-options objects the guest holds, and runs requests through the
 * guest's async export wasi:http/handler@0.3.0#handle without waiting:
 * several at a time in one instance.
 *
 *   wacc_wasi3_http *h = wacc_wasi3_http_new(&cfg, err);
 *   wacc_component_host host; wacc_wasi3_http_host(h, &next, &host);
 *   ci = wacc_component_instantiate(s, art, &host, &trap, err);
 *   wacc_wasi3_http_bind(h, s, ci);
 *   x = wacc_wasi3_http_start(h, &req, &io, &trap, err);
 *   while ((st = wacc_wasi3_exchange_step(x, &trap)) == 0) wait, then again;
 *   wacc_wasi3_exchange_free(x);  ...  free the instance, then h.
 */
typedef struct wacc_wasi3_http wacc_wasi3_http;
typedef struct wacc_wasi3_exchange wacc_wasi3_exchange;

/* cfg: the grants (allow_http for client.send); it must outlive h. */
wacc_wasi3_http *wacc_wasi3_http_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
/* After the instance it served was freed. */
void wacc_wasi3_http_free(wacc_wasi3_http *h);
/* The host for instantiation: wasi:http@0.3.0 here, the rest from next
 * (may be NULL). next must outlive the instantiation. */
void wacc_wasi3_http_host(wacc_wasi3_http *h, const wacc_component_host *next, wacc_component_host *out);
/* The instance created with that host. */
void wacc_wasi3_http_bind(wacc_wasi3_http *h, wacc_store *s, wacc_cinstance *ci);

/* Does the component export wasi:http/handler@0.3.x#handle? */
bool wacc_wasi3_is_http_service(wacc_cinstance *ci);

/* Start handle(request) for req; its body is read and its response written
 * through io (non-blocking: io's calls never wait). NULL on failure (the
 * instance trapped: *trap; or err). */
wacc_wasi3_exchange *wacc_wasi3_http_start(wacc_wasi3_http *h, const wacc_http_request *req,
                                           const wacc_http_io *io, wacc_trap *trap,
                                           char err[WACC_ERR_LEN]);
/* Move what can move now: request body bytes from io into the guest,
 * response bytes from the guest to io, then run the instance's ready work
 * (wacc_cinstance_poll). 1: the exchange is over (response finished or
 * failed through io); 0: in progress (wait for io or the instance, then
 * step again); -1: the instance trapped (*trap): it must be discarded,
 * with every exchange in it. */
int wacc_wasi3_exchange_step(wacc_wasi3_exchange *x, wacc_trap *trap);
/* Something moved for x since its last step (another exchange's step ran
 * the instance): it should step again. */
bool wacc_wasi3_exchange_pending(const wacc_wasi3_exchange *x);
/* End the exchange (io is not used any more). If the guest still runs it,
 * its body and response streams are closed and it finishes on its own. */
void wacc_wasi3_exchange_free(wacc_wasi3_exchange *x);

/* ---- sockets: wasi:sockets/types@0.3.0 (runtime/wasi3/sockets_*.c) ----
 * The sockets host of one component instance, chained like the http host.
 * tcp-socket: create, bind (--tcp-listen grants), listen (accepted
 * connections as a stream<tcp-socket>), connect (async; --tcp-connect
 * grants), send, receive, addresses. udp-socket: create, bind, connect,
 * disconnect, send / receive (async; --udp grants), addresses.
 * ip-name-lookup resolve-addresses (async; --allow-dns). Not yet: socket
 * options (importing them is a link error). */
typedef struct wacc_wasi3_sockets wacc_wasi3_sockets;
wacc_wasi3_sockets *wacc_wasi3_sockets_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
void wacc_wasi3_sockets_host(wacc_wasi3_sockets *ss, const wacc_component_host *next, wacc_component_host *out);
void wacc_wasi3_sockets_bind(wacc_wasi3_sockets *ss, wacc_cinstance *ci);
/* After the instance it served was freed. */
void wacc_wasi3_sockets_free(wacc_wasi3_sockets *ss);

#ifdef __cplusplus
}
#endif
#endif
