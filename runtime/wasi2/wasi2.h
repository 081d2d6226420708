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

#ifdef __cplusplus
}
#endif
#endif
