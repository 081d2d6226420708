/*
 * driver.h — internal interface between the files of the `wacc` command-line
 * driver (compiler/driver). Not a public header.
 */
#ifndef WACC_DRIVER_H
#define WACC_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "compiler_api.h"
#include "wacc.h"

/* main.c */
void drv_error(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* compile.c: read a whole file (malloc'd; NULL + errno message in err). */
uint8_t *drv_read_file(const char *path, size_t *size, char err[512]);
/* Parse -O0..-O3 / --cpu NAME style options shared by compile/run/wast.
 * Returns 1 if argv[*i] was consumed (advancing *i for a separate value),
 * 0 if it is not a compile option, -1 on a bad value (message printed). */
int drv_parse_compile_option(int argc, char **argv, int *i, wacc_compile_options *o);
bool drv_is_wasm(const uint8_t *bytes, size_t size);
/* util.c: "5s", "250ms", "1.5m", "2" (seconds; units us, ms, s, m, h) to
 * nanoseconds; "128MiB", "64K", "1G", "4096" (bytes; units B, K/KiB, M/MiB,
 * G/GiB) to bytes. False on anything else or overflow. */
bool parse_duration_ns(const char *s, uint64_t *ns);
bool parse_size_bytes(const char *s, uint64_t *bytes);

/* cache.c: compile `wasm` (through the cache unless no_cache) and load it.
 * Returns the loaded artifact or NULL with err filled. `tmp_path` receives
 * the path of a temporary file to unlink after use ("" if none). */
struct wacc_sign_policy;
wacc_artifact *drv_cache_load(wacc_engine *e, const char *wasm_path, const uint8_t *wasm,
                              size_t size, const wacc_compile_options *o, bool no_cache,
                              const struct wacc_sign_policy *pol, char tmp_path[512],
                              char err[512]);
bool drv_cache_dir(char *buf, size_t len);

/* values.c: CLI value parsing/printing (wasmtime-like). */
bool drv_parse_value(const char *s, uint8_t type, wacc_val *out);
void drv_print_value(FILE *f, uint8_t type, const wacc_val *v);
void drv_format_float(char *buf, size_t len, double v, bool is_f32);

/* Commands. Each returns the process exit status. */
int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_wast(int argc, char **argv);
int cmd_keygen(int argc, char **argv);      /* cmd_sign.c */
int cmd_push(int argc, char **argv);        /* cmd_oci.c */
int cmd_pull(int argc, char **argv);
struct wacc_oci_options;
int drv_parse_oci_option(int argc, char **argv, int *i, struct wacc_oci_options *o);
/* component_names.c: top-level import/export names; returns their owner. */
void *drv_component_names(const uint8_t *b, size_t n, const char ***imp, size_t *nimp,
                          const char ***exp, size_t *nexp);
void drv_component_names_free(void *keep);
/* The WASI world the component fits ("wasi:http/proxy@0.2.3"), from its
 * import/export names; false when none does. */
bool drv_component_target(const char *const *imp, size_t nimp, const char *const *exp, size_t nexp,
                          char *out, size_t cap);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_serve(int argc, char **argv);  /* cmd_serve.c */

/* artifact_open.c: FILE | oci://REF → artifact under a signature policy
 * (shared by run and serve). drv_resolve_oci returns the local file to load
 * (FILE itself unless it is oci://REF; then a path inside *pulled), NULL +
 * err on failure. drv_load_local verifies a .wasm's bytes before compiling
 * them (the engine, with wacc_sign_policy_attach, verifies every .so before
 * mapping it); tmp receives a temporary file for drv_unlink_tmp. */
struct wacc_sign_policy;
struct wacc_oci_pulled;
const char *drv_resolve_oci(const char *file, const struct wacc_sign_policy *pol,
                            const struct wacc_oci_options *oci, struct wacc_oci_pulled *pulled,
                            char err[512]);
wacc_artifact *drv_load_local(wacc_engine *e, const struct wacc_sign_policy *pol, const char *file,
                              const wacc_compile_options *o, bool no_cache, char tmp[512],
                              char err[512]);
void drv_unlink_tmp(const char *tmp);

/* cmd_run_component.c: instantiate a component artifact (imports from
 * `host`, may be NULL) and call `call` (WAVE: "name(args...)", or NAME with
 * one WAVE value per ARG); without a call, list the exported functions.
 * Returns the exit status. */
int drv_run_component(const char *file, wacc_store *s, wacc_artifact *art, const char *call,
                      char **args, int nargs, const wacc_component_host *host);

/* inspect_component.c: print a component description (imports/exports,
 * WIT-like). Returns the exit status. */
int drv_inspect_component(const uint8_t *bytes, size_t size);

/* net_grants.c: --tcp-listen ADDR:PORT, --tcp-connect HOST:PORT|CIDR[:PORT],
 * --udp ADDR:PORT|CIDR[:PORT], --allow-dns (wacc run and wacc serve).
 * drv_parse_net_option: 1 if argv[*i] was one (advancing *i past a
 * separate value), 0 if not, -1 on a bad value (message printed). Host
 * names are resolved when parsed. drv_net_apply points cfg's grant lists
 * at net's (net must outlive cfg's use); drv_net_free releases them. */
struct wacc_wasi_config;
typedef struct drv_net {
    char **tcp_listen, **tcp_connect, **udp;
    uint32_t ntcp_listen, ntcp_connect, nudp;
    bool allow_dns;
} drv_net;
int drv_parse_net_option(int argc, char **argv, int *i, drv_net *net);
void drv_net_apply(const drv_net *net, struct wacc_wasi_config *cfg);
void drv_net_free(drv_net *net);

/* spectest.c: the `spectest` host module, one per store. */
typedef struct spectest spectest;
spectest *spectest_new(wacc_store *s, char err[WACC_ERR_LEN]);
void spectest_free(spectest *st);
bool spectest_lookup(const spectest *st, const char *name, wacc_extern *out);

#endif
