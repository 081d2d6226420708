/*
 * wast.h — internal interface of the spec-test harness (`wacc wast`):
 *   wast.c      command line, one child process per .wast file, results
 *   wast_run.c  running the commands of one converted script (in the child)
 *   json.c      wast2json values: parsing arguments, matching expectations
 */
#ifndef WACC_WAST_H
#define WACC_WAST_H

#include <cjson/cJSON.h>

#include "driver.h"

typedef struct wast_opts {
    wacc_compile_options copts;
    int jobs;               /* compile processes per file */
    int cmd_timeout;        /* seconds per command (0 = none) */
    bool component;         /* --component: every file is a component script */
    int nskip;              /* --skip-line N: commands at these lines are skipped */
    int skip_line[64];
    bool proposals_set;     /* --features LIST given: else taken from the path */
    unsigned proposals;     /* WAST_P_* bits of --features */
} wast_opts;

/* Proposals a core script may use (`--features tail-call,multi-memory,...`,
 * or from a path .../proposals/<name>/...): each selects wast2json flags and
 * WASM_FEATURE_* bits for decoding, validating and compiling its modules. */
enum {
    WAST_P_TAIL_CALL = 1u << 0,
    WAST_P_EXTENDED_CONST = 1u << 1,
    WAST_P_MULTI_MEMORY = 1u << 2,
    WAST_P_MEMORY64 = 1u << 3,
    WAST_P_RELAXED_SIMD = 1u << 4,
    WAST_P_THREADS = 1u << 5,
    WAST_P_EXCEPTIONS = 1u << 6,
};
/* Parse a comma-separated proposal list into *mask; false (why set) on an
 * unknown name. */
bool wast_proposals_parse(const char *list, unsigned *mask, char *why, size_t len);
/* The proposal of a path `.../proposals/<name>/FILE` (0 if none). */
unsigned wast_proposals_of_path(const char *path);

/* Run one .wast file: convert it into `tmpdir`, execute every command and
 * report to `fd` one record per line:
 *   C<line> <command>   a command starts (for crash reports)
 *   P / S               a command passed / was skipped
 *   F<message>          a command failed
 * Returns 0 (the parent counts the records). */
int wast_run_file(const char *wast_path, const char *tmpdir, const wast_opts *o, int fd);

/* json.c */
/* One value of an `args` array. `why` gets a reason on failure. */
bool wj_parse_arg(const cJSON *v, uint8_t *type, wacc_val *out, char *why, size_t whylen);
/* Does `got` (of type `type`) satisfy the expectation `exp`? */
bool wj_match(const cJSON *exp, uint8_t type, const wacc_val *got);
/* Printing for failure messages. */
void wj_format_expected(char *buf, size_t len, const cJSON *exp);
void wj_format_value(char *buf, size_t len, uint8_t type, const wacc_val *v, const char *lane_type);
uint8_t wj_type(const char *name);     /* "i32" → WACC_I32, 0 if unknown */

/* A string member of a JSON object, or NULL. */
const char *wj_str(const cJSON *obj, const char *key);

/* Run argv (searched in PATH) with stdout and stderr going to `log`, killed
 * by SIGALRM after `timeout` seconds (0: none). Returns the wait status, or
 * -1 with err set if it could not be started or waited for. An exec
 * failure is exit status 127. */
int wast_run_logged(char *const argv[], const char *log, unsigned timeout, char *err, size_t errlen);

/* write(2) all of s[0..n), retrying on EINTR (errors are dropped: the
 * parent notices a short record). */
void wast_write_all(int fd, const char *s, size_t n);

/* Write one result record of a script child to `fd` (the parent collects
 * them): buf[0] is the record kind; control characters after it become '?'
 * and a newline is appended (buf must have room for one more byte). */
void wast_emit_record(int fd, char *buf, size_t len);

#endif
