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

/* Does the instance export wasi:cli/run@0.3.x#run? */
bool wacc_wasi3_is_command(wacc_cinstance *ci);
/* Run a component: instantiate with w, call wasi:cli/run@0.3.x#run (an
 * async export; the event loop runs until it resolves), or the 0.2 run if
 * that is what it exports. Returns the exit status (0 ok, 1 on err(), the
 * code given to exit / exit-with-code), -1 with a message in err (link
 * error, trap), or -2 if the component exports no wasi:cli/run. */
int wacc_wasi3_run(wacc_wasi3 *w, wacc_store *s, wacc_artifact *a, char err[WACC_ERR_LEN]);
/* True once the guest called exit / exit-with-code (0.2 or 0.3); the status. */
bool wacc_wasi3_exited(const wacc_wasi3 *w, int *status);

#ifdef __cplusplus
}
#endif
#endif
