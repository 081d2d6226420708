/*
 * policy.c — verification policy for a process (wacc_sign.h): the trusted
 * keys, the local key that signs compile-cache entries, and the loader hook
 * that refuses an unsigned or tampered artifact before its code is mapped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sign_internal.h"

static bool mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0700);
        *p = '/';
        if (r != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* $XDG_CONFIG_HOME/wacc/cache.key (else ~/.config/wacc/cache.key): the
 * key that signs compile-cache entries, made the first time an entry is
 * sealed (never just for verifying: a read-only or foreign $HOME, e.g. a
 * container's, is left alone). Kept out of the cache directory: whoever can
 * write the cache cannot forge an entry. */
static bool cache_key_path(char path[512], char err[WACC_SIGN_ERR_LEN])
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        snprintf(path, 512, "%.480s/wacc/cache.key", xdg);
    else if (home != NULL && home[0] != '\0')
        snprintf(path, 512, "%.470s/.config/wacc/cache.key", home);
    else {
        snprintf(err, WACC_SIGN_ERR_LEN, "no $XDG_CONFIG_HOME or $HOME for the cache key");
        return false;
    }
    return true;
}

bool wacc_sign_policy_init(wacc_sign_policy *p, const char *const *key_files, size_t nkeys,
                           bool require, char err[WACC_SIGN_ERR_LEN])
{
    memset(p, 0, sizeof *p);
    const char *env = getenv("WACC_VERIFY_KEYS");
    const char *req = getenv("WACC_REQUIRE_SIGNATURES");
    if (req != NULL && req[0] != '\0' && strcmp(req, "0") != 0)
        require = true;
    bool any = nkeys > 0 || (env != NULL && env[0] != '\0');
    if (!any) {
        if (require) {
            snprintf(err, WACC_SIGN_ERR_LEN, "signatures are required but no key was given "
                     "(--verify-key KEY.pub or $WACC_VERIFY_KEYS)");
            return false;
        }
        return true;
    }
    if (!wsg_init(err) || (p->keys = wacc_keyset_new()) == NULL) {
        snprintf(err, WACC_SIGN_ERR_LEN, "out of memory");
        return false;
    }
    for (size_t i = 0; i < nkeys; i++)
        if (!wacc_keyset_add_file(p->keys, key_files[i], err))
            goto fail;
    if (env != NULL) {
        char *list = strdup(env);
        if (list == NULL)
            goto fail;
        bool ok = true;
        for (char *save = NULL, *k = strtok_r(list, ":", &save); ok && k;
             k = strtok_r(NULL, ":", &save))
            ok = wacc_keyset_add_file(p->keys, k, err);
        free(list);
        if (!ok)
            goto fail;
    }
    /* entries sealed earlier verify with the cache key's public half */
    char pub[600];
    if (cache_key_path(p->cache_key, err)) {
        snprintf(pub, sizeof pub, "%s.pub", p->cache_key);
        if (access(pub, R_OK) == 0 && !wacc_keyset_add_file(p->keys, pub, err))
            goto fail;
    } else {
        p->cache_key[0] = '\0';
    }
    return true;
fail:
    wacc_sign_policy_free(p);
    return false;
}

void wacc_sign_policy_free(wacc_sign_policy *p)
{
    wacc_keyset_free(p->keys);
    p->keys = NULL;
    p->cache_key[0] = '\0';
}

static bool verify_hook(void *ud, const char *path, const uint8_t *bytes, size_t size,
                        char err[WACC_ERR_LEN])
{
    const wacc_sign_policy *p = ud;
    char e[WACC_SIGN_ERR_LEN];
    if (wacc_verify_file_bytes(p->keys, path, bytes, size, e))
        return true;
    snprintf(err, WACC_ERR_LEN, "%.200s: refused before loading: %.280s", path, e);
    return false;
}

void wacc_sign_policy_attach(wacc_sign_policy *p, wacc_engine *e)
{
    if (p->keys != NULL)
        wacc_engine_set_verifier(e, verify_hook, p);
}

bool wacc_sign_policy_seal_cache(const wacc_sign_policy *p, const char *file,
                                 char err[WACC_SIGN_ERR_LEN])
{
    if (p->keys == NULL)
        return true;
    if (p->cache_key[0] == '\0') {
        snprintf(err, WACC_SIGN_ERR_LEN, "no $XDG_CONFIG_HOME or $HOME for the cache key");
        return false;
    }
    if (access(p->cache_key, R_OK) != 0) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s", p->cache_key);
        *strrchr(dir, '/') = '\0';
        char pub[600];
        snprintf(pub, sizeof pub, "%s.pub", p->cache_key);
        if (!mkdir_p(dir)) {
            snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", dir, strerror(errno));
            return false;
        }
        if (!wacc_keygen(p->cache_key, err) || !wacc_keyset_add_file(p->keys, pub, err))
            return false;
    }
    return wacc_sign_file(p->cache_key, file, false, err);
}
