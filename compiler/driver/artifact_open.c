/*
 * artifact_open.c — what `wacc run` and `wacc serve` share to get from a
 * command-line FILE to a loaded artifact under the process's signature
 * policy:
 *
 *   drv_resolve_oci   oci://REF → the local .so (a native build this CPU
 *                     loads) or .wasm, pulled with digests verified and
 *                     signatures checked against the policy's keys
 *   drv_load_local    FILE.so | FILE.wasm → artifact: a .wasm is verified in
 *                     the very bytes that get compiled (through the cache,
 *                     whose entries are signed by the local cache key); a
 *                     .so is verified by the loader before it is mapped
 *                     (wacc_sign_policy_attach on the engine)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver.h"
#include "wacc_oci.h"
#include "wacc_sign.h"

const char *drv_resolve_oci(const char *file, const wacc_sign_policy *pol,
                            const wacc_oci_options *oci, wacc_oci_pulled *pulled, char err[512])
{
    if (!wacc_oci_is_uri(file))
        return file;
    wacc_oci_options o = *oci;
    o.verify = pol ? pol->keys : NULL;
    if (!wacc_oci_resolve(file, &o, pulled, err))
        return NULL;
    return pulled->native[0] ? pulled->native : pulled->wasm;
}

static bool is_elf_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    struct stat st;
    uint8_t magic[4];
    bool elf = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
               fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
    fclose(f);
    return elf;
}

wacc_artifact *drv_load_local(wacc_engine *e, const wacc_sign_policy *pol, const char *file,
                              const wacc_compile_options *o, bool no_cache, char tmp[512],
                              char err[512])
{
    wacc_artifact *art = NULL;
    tmp[0] = '\0';
    if (is_elf_file(file)) {        /* the runtime maps it itself */
        char path[4200];
        /* dlopen searches the library path for names without a slash */
        snprintf(path, sizeof path, "%s%s", strchr(file, '/') ? "" : "./", file);
        art = wacc_artifact_load(e, path, err);
        if (art == NULL) {
            /* the runtime's messages may already start with the path */
            char msg[512];
            const char *m = err;
            size_t fl = strlen(file);
            if (strncmp(m, "./", 2) == 0 && strncmp(m + 2, file, fl) == 0 && m[fl + 2] == ':')
                m += fl + 2;
            else if (strncmp(m, file, fl) == 0 && m[fl] == ':')
                m += fl;
            if (m != err) {
                m += strspn(m, ": ");
                snprintf(msg, sizeof msg, "%s", m);
                snprintf(err, 512, "%s", msg);
            }
        }
        return art;
    }
    size_t size = 0;
    uint8_t *bytes = drv_read_file(file, &size, err);
    if (bytes == NULL)
        return NULL;
    char serr[WACC_SIGN_ERR_LEN];
    if (!drv_is_wasm(bytes, size)) {
        snprintf(err, 512, "not a wasm module or wacc artifact (bad magic)");
    } else if (pol != NULL && wacc_sign_policy_active(pol) &&
               !wacc_verify_file_bytes(pol->keys, file, bytes, size, serr)) {
        snprintf(err, 512, "refused: %.480s", serr);
    } else {
        art = drv_cache_load(e, file, bytes, size, o, no_cache, pol, tmp, err);
    }
    free(bytes);
    return art;
}

void drv_unlink_tmp(const char *tmp)
{
    if (tmp[0] == '\0')
        return;
    char sig[600];
    snprintf(sig, sizeof sig, "%s.sig", tmp);
    remove(tmp);
    remove(sig);
}
