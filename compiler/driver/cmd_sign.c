/*
 * cmd_sign.c — `wacc keygen`, `wacc sign`, `wacc verify` (runtime/sign).
 *
 *   wacc keygen -o KEY                  writes KEY (secret, 0600) and KEY.pub
 *   wacc sign --key KEY [--embed] FILE  writes FILE.sig (or embeds it in a .wasm)
 *   wacc verify --key KEY.pub... FILE   exit 0 when a trusted key signed FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "wacc_sign.h"

int cmd_keygen(int argc, char **argv)
{
    const char *out = NULL;
    char err[WACC_SIGN_ERR_LEN];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else {
            drv_error(NULL, "keygen: unknown argument '%s' (usage: wacc keygen -o KEY)", argv[i]);
            return 2;
        }
    }
    if (out == NULL) {
        drv_error(NULL, "keygen: -o KEY is required");
        return 2;
    }
    if (!wacc_keygen(out, err)) {
        drv_error(out, "%s", err);
        return 1;
    }
    printf("%s\n%s.pub\n", out, out);
    return 0;
}

int cmd_sign(int argc, char **argv)
{
    const char *key = NULL, *file = NULL;
    bool embed = false;
    char err[WACC_SIGN_ERR_LEN];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--embed") == 0)
            embed = true;
        else if (argv[i][0] == '-' || file != NULL) {
            drv_error(NULL, "sign: unexpected argument '%s' (usage: wacc sign --key KEY [--embed] FILE)",
                      argv[i]);
            return 2;
        } else
            file = argv[i];
    }
    if (key == NULL || file == NULL) {
        drv_error(NULL, "sign: usage: wacc sign --key KEY [--embed] FILE");
        return 2;
    }
    if (!wacc_sign_file(key, file, embed, err)) {
        drv_error(file, "%s", err);
        return 1;
    }
    if (!embed)
        printf("%s.sig\n", file);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    const char *file = NULL, *sigfile = NULL;
    char err[WACC_SIGN_ERR_LEN];
    wacc_keyset *ks = wacc_keyset_new();
    if (ks == NULL)
        return 1;
    int status = 2;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "--key") == 0 || strcmp(argv[i], "--verify-key") == 0) && i + 1 < argc) {
            if (!wacc_keyset_add_file(ks, argv[++i], err)) {
                drv_error(NULL, "%s", err);
                goto out;
            }
        } else if (strcmp(argv[i], "--signature") == 0 && i + 1 < argc) {
            sigfile = argv[++i];
        } else if (argv[i][0] == '-' || file != NULL) {
            drv_error(NULL, "verify: unexpected argument '%s' (usage: wacc verify --key KEY.pub FILE)",
                      argv[i]);
            goto out;
        } else {
            file = argv[i];
        }
    }
    if (file == NULL || wacc_keyset_count(ks) == 0) {
        drv_error(NULL, "verify: usage: wacc verify --key KEY.pub [--signature FILE.sig] FILE");
        goto out;
    }
    status = 1;
    bool ok;
    if (sigfile != NULL) {
        size_t n, sn;
        char rerr[512];
        uint8_t *b = drv_read_file(file, &n, rerr), *s = b ? drv_read_file(sigfile, &sn, rerr) : NULL;
        if (s == NULL) {
            drv_error(b ? sigfile : file, "%s", rerr);
            free(b);
            goto out;
        }
        ok = wacc_verify_bytes(ks, b, n, s, sn, err);
        free(b);
        free(s);
    } else {
        ok = wacc_verify_file(ks, file, err);
    }
    if (!ok) {
        drv_error(file, "signature check failed: %s", err);
        goto out;
    }
    printf("%s: OK\n", file);
    status = 0;
out:
    wacc_keyset_free(ks);
    return status;
}
