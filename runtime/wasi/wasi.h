/*
 * wasi.h — WASI preview 1 (`wasi_snapshot_preview1`) for core modules,
 * built only on the public runtime API (wacc.h).
 *
 * Capability model: the guest reaches nothing but what the config grants:
 * its argv/envp, the three stdio host fds, and the preopened directories.
 * Paths are always resolved beneath a preopen (openat2 RESOLVE_BENEATH, or a
 * component-wise walk when openat2 is unavailable); absolute paths, `..`
 * escapes and symlinks leading out fail with errno `perm` (63).
 *
 * Typical use (a `wacc run` driver):
 *
 *   wacc_wasi_config cfg = {0};
 *   wacc_wasi_config_init(&cfg);                 // stdio = 0,1,2
 *   cfg.argv = argv; cfg.argc = argc;            // argv[0] = program name
 *   cfg.envp = envs; cfg.envc = nenv;            // "KEY=VALUE" strings
 *   cfg.preopens = pre; cfg.npreopens = npre;    // {host_path, guest_path}
 *   wacc_wasi *w = wacc_wasi_new(&cfg, err);
 *   imports = calloc(n, ...);                    // n = wacc_artifact_num_imports(art)
 *   if (!wacc_wasi_link(w, store, art, imports, err)) -> "unknown import M.N"
 *       (or, import by import: wacc_wasi_resolve(w, store, module, name, NULL, &imports[i]))
 *   inst = wacc_instantiate(store, art, imports, n, &trap, err);
 *   wacc_wasi_bind_instance(w, inst);            // looks up the "memory" export
 *   call export "_start" (or "_initialize" then "main"...);
 *   if trap.code == WACC_TRAP_EXIT -> exit status = wacc_wasi_exit_code(w)
 *   ... wacc_store_free(store); wacc_wasi_free(w);
 *
 * Host functions created by wacc_wasi_resolve keep a pointer to the wacc_wasi:
 * free the store (or stop calling into it) before freeing the wacc_wasi.
 */
#ifndef WACC_WASI_H
#define WACC_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wacc.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WACC_WASI_MODULE "wasi_snapshot_preview1"

typedef struct wacc_wasi wacc_wasi;

typedef struct wacc_wasi_preopen {
    const char *host_path;      /* directory on the host */
    const char *guest_path;     /* name the guest sees (fd_prestat_dir_name), e.g. "/data" or "." */
} wacc_wasi_preopen;

typedef struct wacc_wasi_config {
    const char *const *argv;    /* argc strings; argv[0] is the program name */
    uint32_t argc;
    const char *const *envp;    /* envc "KEY=VALUE" strings (only these are visible) */
    uint32_t envc;
    const wacc_wasi_preopen *preopens;  /* become guest fds 3, 4, ... in order */
    uint32_t npreopens;
    int stdin_fd, stdout_fd, stderr_fd; /* host fds for guest fds 0,1,2 (not closed by wacc); -1 = none */
    bool no_openat2;            /* force the portable component-wise path walk (testing) */
    /* Service-half grants (additive; WASI 0.2/0.3 hosts). Nothing is
     * reachable unless listed here; every list holds n strings. */
    const char *const *allow_http;      /* outbound wasi:http: "HOST[:PORT]" */
    uint32_t nallow_http;
    const char *const *tcp_listen;      /* wasi:sockets tcp bind+listen: "ADDR:PORT" (port 0: any) */
    uint32_t ntcp_listen;
    /* socket rules are literal: IP[/BITS][:PORT], [IP6][/BITS][:PORT] or *[:PORT]
     * (no port or *: any); host names must be resolved by the embedder first
     * (the driver's drv_parse_net_option does) */
    const char *const *tcp_connect;     /* tcp connect: "ADDR:PORT" or "CIDR[:PORT]" */
    uint32_t ntcp_connect;
    const char *const *udp;             /* udp bind/send: "ADDR:PORT" or "CIDR[:PORT]" */
    uint32_t nudp;
    bool allow_dns;                     /* wasi:sockets/ip-name-lookup */
} wacc_wasi_config;

/* Zero the config and set stdio to the host's 0, 1, 2. */
void wacc_wasi_config_init(wacc_wasi_config *cfg);

/* Copies everything it needs from cfg; opens the preopened directories.
 * NULL + one-line message in err on failure (e.g. a preopen cannot be opened). */
wacc_wasi *wacc_wasi_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN]);
/* Closes every fd the guest opened and the preopens (never the stdio host fds). */
void wacc_wasi_free(wacc_wasi *w);

/* If module is "wasi_snapshot_preview1" and name is a preview1 function,
 * create (once per wacc_wasi and store) the host function in `s` and store it
 * in *out. `want` may be NULL; it is not checked here: the function always has
 * the preview1 type, so a mismatching import is reported by wacc_instantiate. */
bool wacc_wasi_resolve(wacc_wasi *w, wacc_store *s, const char *module, const char *name,
                       const wacc_functype *want, wacc_extern *out);

/* Resolve every import of a core-module artifact: imports[0..n) (n =
 * wacc_artifact_num_imports) are filled with WASI functions. False + message
 * "unknown import MODULE.NAME" if an import is not a preview1 function. */
bool wacc_wasi_link(wacc_wasi *w, wacc_store *s, const wacc_artifact *a, wacc_extern *imports,
                    char err[WACC_ERR_LEN]);

/* The guest memory the WASI functions read and write. Without a bound
 * memory every call that touches guest memory returns errno `fault`. */
void wacc_wasi_bind_memory(wacc_wasi *w, wacc_memory_obj *m);
/* Binds the instance's exported "memory"; false if it has none. */
bool wacc_wasi_bind_instance(wacc_wasi *w, wacc_instance *inst);

/* After a call trapped with WACC_TRAP_EXIT: the status given to proc_exit. */
int wacc_wasi_exit_code(const wacc_wasi *w);
/* True once proc_exit has been called. */
bool wacc_wasi_exited(const wacc_wasi *w);

#ifdef __cplusplus
}
#endif
#endif
