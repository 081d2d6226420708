/*
 * handler.c — libwacc-crun-handler.so: a crun handler plugin (crun >= 1.8
 * loads it from <libdir>/crun/handlers through run_oci_handler_get_handler)
 * so that a container started with the annotation run.oci.handler=wacc runs
 * its entrypoint — a component or core module (.wasm) or a wacc artifact
 * (.so) — under libwacc, inside the namespaces, cgroups and rootfs crun set
 * up. argv, the environment and stdio are the container's; the guest sees
 * the container's filesystem ("/" is preopened as "/"; crun's mounts are in
 * it); the exit status is the guest's.
 *
 * Signatures: with WACC_VERIFY_KEYS (a ':'-separated list of .pub files
 * inside the container) or WACC_REQUIRE_SIGNATURES=1 in the container's
 * environment, the entrypoint must be signed (embedded, or FILE.sig).
 *
 * A .wasm entrypoint is compiled in memory: the compiler library
 * (libwacc-compiler.so, LLVM) is loaded while the host's filesystem is
 * still visible (crun's "before mounts" phase), since it cannot be found
 * inside the container's rootfs.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler_api.h"
#include "wacc.h"
#include "wacc_sign.h"
#include "wasi.h"
#include "wasi2.h"

extern char **environ;

/* crun 1.8's struct custom_handler_s (src/libcrun/custom-handler.h), with
 * crun's own types as opaque pointers: only the layout matters. */
enum { CRUN_HANDLER_CONFIGURE_BEFORE_MOUNTS = 1 };
struct crun_custom_handler {
    const char *name;
    const char *feature_string;
    const char *alias;
    int (*load)(void **cookie, void *err);
    int (*unload)(void *cookie, void *err);
    int (*run_func)(void *cookie, void *container, const char *pathname, char *const argv[]);
    int (*exec_func)(void *cookie, void *container, const char *pathname, char *const argv[]);
    int (*configure_container)(void *cookie, int phase, void *context, void *container,
                               const char *rootfs, void *err);
    int (*can_handle_container)(void *container, void *err);
    int (*modify_oci_configuration)(void *cookie, void *context, void *def, void *err);
};

#ifndef WACC_COMPILER_INSTALL_DIR
#define WACC_COMPILER_INSTALL_DIR "/usr/local/lib/wacc"
#endif
#ifndef WACC_COMPILER_BUILD_DIR
#define WACC_COMPILER_BUILD_DIR ""
#endif

/* The compiler, loaded before the container's rootfs replaces the host's.
 * One per container process (crun forks it): not shared state. */
static const struct wacc_compiler_api *compiler;

static void load_compiler(void)
{
    const char *dirs[] = { getenv("WACC_COMPILER_DIR"), WACC_COMPILER_BUILD_DIR,
                           WACC_COMPILER_INSTALL_DIR };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && compiler == NULL; i++) {
        char path[4096];
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        snprintf(path, sizeof path, "%s/%s", dirs[i], WACC_COMPILER_LIB);
        void *h = access(path, R_OK) == 0 ? dlopen(path, RTLD_LAZY | RTLD_LOCAL) : NULL;
        const struct wacc_compiler_api *a = h ? dlsym(h, WACC_COMPILER_API_SYMBOL) : NULL;
        if (a != NULL && a->version == WACC_COMPILER_API_VERSION)
            compiler = a;
    }
}

static int configure(void *cookie, int phase, void *context, void *container, const char *rootfs,
                     void *err)
{
    (void)cookie, (void)context, (void)container, (void)rootfs, (void)err;
    if (phase == CRUN_HANDLER_CONFIGURE_BEFORE_MOUNTS && getenv("WACC_CRUN_NO_COMPILER") == NULL)
        load_compiler();
    return 0;
}

static int fail(const char *path, const char *msg)
{
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && msg[n] == ':')
        msg += n + strspn(msg + n, ": ");           /* the runtime's messages name the file */
    fprintf(stderr, "wacc: %s: %s\n", path, msg);
    fflush(stderr);
    return 126;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *b = NULL;
    if (fd >= 0 && fstat(fd, &st) == 0 && (b = malloc((size_t)st.st_size + 1)) != NULL) {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got != (size_t)st.st_size) {
            free(b);
            b = NULL;
        }
        *n = got;
    }
    if (fd >= 0)
        close(fd);
    return b;
}

/* Compile a .wasm into a private temporary directory (the container's
 * /dev/shm tmpfs, else /tmp): out receives the artifact's path; the caller
 * unlinks it (and its directory) once loaded. */
static bool compile_to_temp(const uint8_t *wasm, size_t n, char out[128], char dir[96],
                            char err[512])
{
    if (compiler == NULL) {
        snprintf(err, 512, "a .wasm entrypoint needs %s, which could not be loaded "
                 "(or ship a precompiled .so)", WACC_COMPILER_LIB);
        return false;
    }
    snprintf(dir, 96, "/dev/shm/wacc-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        snprintf(dir, 96, "/tmp/wacc-XXXXXX");
        if (mkdtemp(dir) == NULL) {
            snprintf(err, 512, "no writable /dev/shm or /tmp to compile into: %s", strerror(errno));
            dir[0] = '\0';
            return false;
        }
    }
    snprintf(out, 128, "%s/entry.so", dir);
    wacc_compile_options o = { .opt_level = 2, .cpu = NULL, .explicit_bounds = false,
                               .wasm_features = WASM_FEATURES_RUNNABLE };
    const char *lvl = getenv("WACC_OPT_LEVEL");
    if (lvl != NULL && lvl[0] >= '0' && lvl[0] <= '3' && lvl[1] == '\0')
        o.opt_level = lvl[0] - '0';
    return compiler->compile_file(wasm, n, &o, out, err);
}

static bool accept_own(void *ud, const char *path, const uint8_t *bytes, size_t size,
                       char err[WACC_ERR_LEN])
{
    (void)ud, (void)path, (void)bytes, (void)size, (void)err;
    return true;
}

static int run_core(wacc_store *s, wacc_artifact *a, const wacc_wasi_config *cfg, const char *path)
{
    char err[WACC_ERR_LEN];
    wacc_wasi *w = wacc_wasi_new(cfg, err);
    if (w == NULL)
        return fail(path, err);
    uint32_t nimp = wacc_artifact_num_imports(a);
    wacc_extern *imports = calloc((size_t)nimp + 1, sizeof *imports);
    int status = 1;
    wacc_trap trap;
    memset(&trap, 0, sizeof trap);
    wacc_instance *inst = NULL;
    if (imports == NULL || !wacc_wasi_link(w, s, a, imports, err)) {
        status = fail(path, imports ? err : "out of memory");
    } else if ((inst = wacc_instantiate(s, a, imports, nimp, &trap, err)) == NULL) {
        status = trap.code == WACC_TRAP_EXIT ? trap.exit_status
                 : fail(path, trap.code != WACC_TRAP_NONE ? trap.message : err);
    } else {
        wacc_wasi_bind_instance(w, inst);
        wacc_extern ext;
        status = 0;
        if (wacc_instance_export(inst, "_start", &ext) && ext.kind == WACC_EXTERN_FUNC &&
            !wacc_call(s, ext.of.func, NULL, 0, NULL, 0, &trap))
            status = trap.code == WACC_TRAP_EXIT ? trap.exit_status
                     : fail(path, trap.message[0] ? trap.message : wacc_trap_name(trap.code));
    }
    fflush(stdout);
    wacc_store_free(s);
    wacc_wasi_free(w);
    free(imports);
    return status;
}

static int run(const char *path, char *const argv[])
{
    char err[WACC_SIGN_ERR_LEN > WACC_ERR_LEN ? WACC_SIGN_ERR_LEN : WACC_ERR_LEN];
    wacc_sign_policy pol;
    if (!wacc_sign_policy_init(&pol, NULL, 0, false, err))
        return fail(path, err);
    size_t n = 0;
    uint8_t *b = read_all(path, &n);
    if (b == NULL)
        return fail(path, strerror(errno ? errno : EIO));
    wacc_engine *e = wacc_engine_new();
    wacc_artifact *a = NULL;
    char load_path[128], tmpdir[96] = "";
    int status;
    if (e == NULL)
        return fail(path, "out of memory");
    if (n >= 4 && memcmp(b, "\0asm", 4) == 0) {
        if (wacc_sign_policy_active(&pol) && !wacc_verify_file_bytes(pol.keys, path, b, n, err))
            return fail(path, err);
        bool ok = compile_to_temp(b, n, load_path, tmpdir, err);
        /* ours, from verified bytes; /dev/shm is noexec: a verifier makes
         * the loader map a sealed in-memory copy instead of the file */
        wacc_engine_set_verifier(e, accept_own, NULL);
        if (ok)
            a = wacc_artifact_load(e, load_path, err);
        wacc_engine_set_verifier(e, NULL, NULL);
        if (tmpdir[0]) {
            unlink(load_path);                          /* the loader keeps it open */
            rmdir(tmpdir);
        }
        if (!ok)
            return fail(path, err);
    } else {
        /* the loader verifies the bytes it maps (policy), as `wacc run` does */
        wacc_sign_policy_attach(&pol, e);
        a = wacc_artifact_load(e, path, err);
    }
    free(b);
    if (a == NULL)
        return fail(path, err);
    uint32_t envc = 0;
    while (environ[envc] != NULL)
        envc++;
    uint32_t argc = 0;
    while (argv[argc] != NULL)
        argc++;
    wacc_wasi_preopen root = { .host_path = "/", .guest_path = "/" };
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    cfg.argv = (const char *const *)argv;
    cfg.argc = argc;
    cfg.envp = (const char *const *)environ;
    cfg.envc = envc;
    cfg.preopens = &root;
    cfg.npreopens = 1;
    wacc_store *s = wacc_store_new(e);
    if (s == NULL)
        return fail(path, "out of memory");
    if (!wacc_artifact_is_component(a))
        return run_core(s, a, &cfg, path);
    wacc_wasi2 *w2 = wacc_wasi2_new(&cfg, err);
    if (w2 == NULL)
        return fail(path, err);
    status = wacc_wasi2_run(w2, s, a, err);
    int exited;
    if (wacc_wasi2_exited(w2, &exited))
        status = exited;
    else if (status == -2)
        status = fail(path, "the component does not export wasi:cli/run");
    else if (status < 0)
        status = fail(path, err);
    fflush(stdout);
    wacc_store_free(s);
    wacc_wasi2_free(w2);
    return status;
}

static int run_func(void *cookie, void *container, const char *pathname, char *const argv[])
{
    (void)cookie, (void)container;
    int status = run(pathname, argv);
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

static struct crun_custom_handler wacc_handler = {
    .name = "wacc",
    .feature_string = "WASM:wacc",
    .run_func = run_func,
    .configure_container = configure,
};

__attribute__((visibility("default"))) struct crun_custom_handler *run_oci_handler_get_handler(void);

struct crun_custom_handler *run_oci_handler_get_handler(void)
{
    return &wacc_handler;
}
