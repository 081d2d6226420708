/*
 * cache.c — the compilation cache used by `wacc run app.wasm`.
 *
 * Directory: $XDG_CACHE_HOME/wacc, else ~/.cache/wacc. One file per key,
 * <16 hex digits>.so, where the key is XXH3-64 over the input bytes, the
 * canonical options string (with WACC_ABI_VERSION: builds of different ABIs
 * sharing the directory do not discard each other's entries), WACC_VERSION
 * and the host CPU name. Entries are
 * written to a temporary name and renamed into place. An entry that does not
 * load (bad checksum, truncated, foreign) is deleted and rebuilt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "driver.h"
#include "wacc_sign.h"

static bool mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0755);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(path, 0755) == 0 || errno == EEXIST;
}

bool drv_cache_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, len, "%s/wacc", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(buf, len, "%s/.cache/wacc", home);
    else
        return false;
    if (n < 0 || (size_t)n >= len)
        return false;
    return mkdir_p(buf);
}

/* What identifies this machine's CPU for the cache key, without loading LLVM
 * (a cache hit must not pay for it): the model name and feature flags from
 * /proc/cpuinfo. */
static char *host_cpu_signature(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return NULL;
    char line[8192], *sig = NULL;
    size_t len = 0;
    int seen = 0;
    while (seen < 2 && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0 && strncmp(line, "flags", 5) != 0)
            continue;
        size_t n = strlen(line);
        char *grown = realloc(sig, len + n + 1);
        if (grown == NULL)
            break;
        sig = grown;
        memcpy(sig + len, line, n + 1);
        len += n;
        seen++;
    }
    fclose(f);
    return sig;
}

static uint64_t cache_key(const uint8_t *wasm, size_t size, const wacc_compile_options *o)
{
    char opts[256];
    snprintf(opts, sizeof opts, "O%d;cpu=%s;bounds=%d;abi=%u", o->opt_level,
             o->cpu ? o->cpu : "native", o->explicit_bounds, WACC_ABI_VERSION);
    char *cpu = host_cpu_signature();
    XXH3_state_t *st = XXH3_createState();
    uint64_t h;
    if (st == NULL) {
        h = XXH3_64bits(wasm, size) ^ XXH3_64bits(opts, strlen(opts));
    } else {
        XXH3_64bits_reset(st);
        XXH3_64bits_update(st, wasm, size);
        XXH3_64bits_update(st, "\0", 1);
        XXH3_64bits_update(st, opts, strlen(opts));
        XXH3_64bits_update(st, "\0" WACC_VERSION "\0", sizeof WACC_VERSION + 1);
        if (cpu != NULL)
            XXH3_64bits_update(st, cpu, strlen(cpu));
        h = XXH3_64bits_digest(st);
        XXH3_freeState(st);
    }
    free(cpu);
    return h;
}

/* Compile into `path` through a temporary file in the same directory. */
static bool compile_to(const char *path, const uint8_t *wasm, size_t size,
                       const wacc_compile_options *o, const wacc_sign_policy *pol, char err[512])
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    const struct wacc_compiler_api *api = drv_compiler(err);
    if (api == NULL || !api->compile_file(wasm, size, o, tmp, err)) {
        unlink(tmp);
        return false;
    }
    /* under a signature policy the entry is signed by the local cache key,
     * and its .sig is in place before the entry appears */
    char sig[700], tmpsig[700];
    snprintf(sig, sizeof sig, "%s.sig", path);
    snprintf(tmpsig, sizeof tmpsig, "%s.sig", tmp);
    if (pol != NULL && wacc_sign_policy_active(pol)) {
        if (!wacc_sign_policy_seal_cache(pol, tmp, err) || rename(tmpsig, sig) != 0) {
            unlink(tmp);
            unlink(tmpsig);
            return false;
        }
    } else {
        unlink(sig);
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, 512, "cannot write %.300s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

wacc_artifact *drv_cache_load(wacc_engine *e, const char *wasm_path, const uint8_t *wasm,
                              size_t size, const wacc_compile_options *o, bool no_cache,
                              const wacc_sign_policy *pol, char tmp_path[512], char err[512])
{
    char dir[400], path[512], lerr[WACC_ERR_LEN];
    wacc_artifact *a;

    (void)wasm_path;
    tmp_path[0] = '\0';
    if (!no_cache && drv_cache_dir(dir, sizeof dir)) {
        snprintf(path, sizeof path, "%s/%016llx.so", dir,
                 (unsigned long long)cache_key(wasm, size, o));
        if (access(path, F_OK) == 0) {
            a = wacc_artifact_load(e, path, lerr);
            if (a != NULL)
                return a;
            if (pol != NULL && wacc_sign_policy_active(pol))
                drv_error(NULL, "%s (cache entry discarded, recompiling)", lerr);
            unlink(path);               /* corrupt or stale: never use it */
        }
        if (!compile_to(path, wasm, size, o, pol, err))
            return NULL;
        a = wacc_artifact_load(e, path, lerr);
        if (a == NULL) {
            unlink(path);
            snprintf(err, 512, "cannot load compiled artifact: %.400s", lerr);
        }
        return a;
    }

    const char *tdir = getenv("TMPDIR");
    snprintf(tmp_path, 512, "%s/wacc-run-XXXXXX.so", tdir && tdir[0] ? tdir : "/tmp");
    int fd = mkstemps(tmp_path, 3);
    if (fd < 0) {
        snprintf(err, 512, "cannot create temporary file: %s", strerror(errno));
        tmp_path[0] = '\0';
        return NULL;
    }
    close(fd);
    const struct wacc_compiler_api *api = drv_compiler(err);
    if (api == NULL || !api->compile_file(wasm, size, o, tmp_path, err))
        return NULL;
    if (pol != NULL && wacc_sign_policy_active(pol) && !wacc_sign_policy_seal_cache(pol, tmp_path, err))
        return NULL;
    a = wacc_artifact_load(e, tmp_path, lerr);
    if (a == NULL)
        snprintf(err, 512, "cannot load compiled artifact: %.400s", lerr);
    return a;
}
