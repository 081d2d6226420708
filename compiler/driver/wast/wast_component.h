/*
 * wast_component.h — internal interface of `wacc wast` for Component Model
 * scripts:
 *   wast_component.c  converting a component script (scripts/wast2component.mjs,
 *                     node + jco) and judging its commands
 *   wast_compcheck.c  decode + validate a component binary
 *   wast_cval.c       component values of the script syntax (wast_cval.h)
 */
#ifndef WACC_WAST_COMPONENT_H
#define WACC_WAST_COMPONENT_H

#include "wast.h"
#include "wast_cval.h"

/* Is `path` a component script (a top-level `(component` form, or one as the
 * module of an assertion)? Reads the file; false if it cannot be read. */
bool wast_is_component_script(const char *path);

/* Same contract as wast_run_file (wast.h), for a component script. */
int wast_component_run_file(const char *wast_path, const char *tmpdir, const wast_opts *o, int fd);

/* wast_compcheck.c: decode + validate a component binary. 0: valid,
 * 1: rejected, 2: no component validator built (why: the reason). */
int wast_check_component(const unsigned char *bytes, size_t size, char *why, size_t len);
/* The same with a script's Component Model feature list ("" or NULL: wacc's
 * defaults), and that list as the script's header asks for it (wasm-tools
 * `;; RUN: ... -f LIST`, wasmtime `;;! component_model_X = true`, else the
 * spec's full set). */
int wast_check_component_features(const unsigned char *bytes, size_t size, const char *features,
                                  char *why, size_t len);
void wast_component_features(const char *wast_path, char *out, size_t len);

/* wast_cexec.c: executing components (one context per script). */
enum { RUN_OK, RUN_TRAP, RUN_ERROR, RUN_UNIMPLEMENTED,
       RUN_NEEDS_HOST,          /* a root import only wasmtime's harness provides */
       RUN_ERROR_COMPILE };     /* the component did not compile or load */
typedef struct wcx wcx;
wcx *wcx_new(const wast_opts *o, const char *dir);
void wcx_free(wcx *x);
/* Instantiate binary `file` (in the script's dir); *inst is owned by x. */
int wcx_instantiate(wcx *x, const char *file, void **inst, char *msg, size_t len);
/* Call export `field`; *results (malloc'd, wcv_free each) on RUN_OK. */
int wcx_invoke(wcx *x, void *inst, const char *field, const wcv *args, size_t nargs,
               wcv **results, size_t *nresults, char *msg, size_t len);

#endif
