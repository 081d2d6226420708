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
wacc_artifact *drv_cache_load(wacc_engine *e, const char *wasm_path, const uint8_t *wasm,
                              size_t size, const wacc_compile_options *o, bool no_cache,
                              char tmp_path[512], char err[512]);
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
int cmd_serve(int argc, char **argv);  /* cmd_serve.c */

/* cmd_run_component.c: instantiate a component artifact (imports from
 * `host`, may be NULL) and call `call` (WAVE: "name(args...)", or NAME with
 * one WAVE value per ARG); without a call, list the exported functions.
 * Returns the exit status. */
int drv_run_component(const char *file, wacc_store *s, wacc_artifact *art, const char *call,
                      char **args, int nargs, const wacc_component_host *host);

/* inspect_component.c: print a component description (imports/exports,
 * WIT-like). Returns the exit status. */
int drv_inspect_component(const uint8_t *bytes, size_t size);

/* spectest.c: the `spectest` host module, one per store. */
typedef struct spectest spectest;
spectest *spectest_new(wacc_store *s, char err[WACC_ERR_LEN]);
void spectest_free(spectest *st);
bool spectest_lookup(const spectest *st, const char *name, wacc_extern *out);

#endif
