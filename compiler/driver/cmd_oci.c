/*
 * cmd_oci.c — `wacc push` and `wacc pull` (runtime/oci), and the oci://
 * resolution used by `wacc run`.
 *
 *   wacc push REF app.wasm [--native app.so]... [--sign KEY] [--insecure]
 *             [--creds USER:PASS] [--chunk-size BYTES] [-v]
 *   wacc pull REF [-o DIR] [--verify-key KEY.pub]... [--insecure]
 *             [--creds USER:PASS] [-v]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "wacc_oci.h"

/* Options shared by push/pull/run: returns 1 if argv[*i] was one. */
int drv_parse_oci_option(int argc, char **argv, int *i, wacc_oci_options *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--insecure") == 0) {
        o->insecure = true;
        return 1;
    }
    if (strcmp(a, "--creds") == 0 && *i + 1 < argc) {
        o->creds = argv[++*i];
        return 1;
    }
    if (strncmp(a, "--creds=", 8) == 0) {
        o->creds = a + 8;
        return 1;
    }
    if (strcmp(a, "--oci-verbose") == 0) {
        o->verbose = true;
        return 1;
    }
    return 0;
}

struct names {
    const char **v;
    size_t n;
};

int cmd_push(int argc, char **argv)
{
    wacc_oci_options o = { 0 };
    wacc_oci_push_input in = { 0 };
    const char *ref = NULL;
    const char **natives = calloc((size_t)argc + 1, sizeof *natives);
    char err[WACC_OCI_ERR_LEN], digest[80];
    int status = 2;
    if (natives == NULL)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (drv_parse_oci_option(argc, argv, &i, &o))
            continue;
        if (strcmp(a, "--native") == 0 && i + 1 < argc)
            natives[in.nnatives++] = argv[++i];
        else if (strcmp(a, "--sign") == 0 && i + 1 < argc)
            o.sign_key = argv[++i];
        else if (strcmp(a, "--chunk-size") == 0 && i + 1 < argc)
            o.chunk_size = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(a, "-v") == 0)
            o.verbose = true;
        else if (a[0] == '-') {
            drv_error(NULL, "push: unknown option '%s'", a);
            goto out;
        } else if (ref == NULL)
            ref = a;
        else if (in.wasm == NULL)
            in.wasm = a;
        else {
            drv_error(NULL, "push: more than one component (use --native for .so builds)");
            goto out;
        }
    }
    if (ref == NULL || in.wasm == NULL) {
        drv_error(NULL, "push: usage: wacc push REF app.wasm [--native app.so]... [--sign KEY] [--insecure]");
        goto out;
    }
    in.natives = natives;
    size_t n;
    char rerr[512];
    uint8_t *b = drv_read_file(in.wasm, &n, rerr);
    if (b == NULL) {
        drv_error(in.wasm, "%s", rerr);
        status = 1;
        goto out;
    }
    if (!drv_is_wasm(b, n)) {
        drv_error(in.wasm, "not a WebAssembly module or component");
        free(b);
        status = 1;
        goto out;
    }
    struct names imp = { 0 }, exp = { 0 };
    void *keep = NULL;
    in.is_component = n >= 8 && b[4] == 0x0d;       /* component layer (version 0xd) */
    if (in.is_component)
        keep = drv_component_names(b, n, &imp.v, &imp.n, &exp.v, &exp.n);
    in.imports = imp.v;
    in.nimports = imp.n;
    in.exports = exp.v;
    in.nexports = exp.n;
    char target[160];
    if (in.is_component && drv_component_target(imp.v, imp.n, exp.v, exp.n, target, sizeof target))
        in.target = target;
    bool ok = wacc_oci_push(ref, &in, &o, digest, err);
    free(imp.v);
    free(exp.v);
    drv_component_names_free(keep);
    free(b);
    if (!ok) {
        drv_error(NULL, "push %s: %s", ref, err);
        status = 1;
        goto out;
    }
    printf("%s\n", digest);
    status = 0;
out:
    free(natives);
    return status;
}

int cmd_pull(int argc, char **argv)
{
    wacc_oci_options o = { 0 };
    const char *ref = NULL, *dir = NULL;
    const char **keys = calloc((size_t)argc + 1, sizeof *keys);
    size_t nkeys = 0;
    bool require = false;
    wacc_sign_policy pol = { 0 };
    char err[WACC_OCI_ERR_LEN];
    int status = 2;
    if (keys == NULL)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (drv_parse_oci_option(argc, argv, &i, &o))
            continue;
        if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(a, "--verify-key") == 0 && i + 1 < argc) {
            keys[nkeys++] = argv[++i];
        } else if (strcmp(a, "--require-signatures") == 0) {
            require = true;
        } else if (strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else if (a[0] == '-' || ref != NULL) {
            drv_error(NULL, "pull: unexpected argument '%s'", a);
            goto out;
        } else {
            ref = a;
        }
    }
    if (ref == NULL) {
        drv_error(NULL, "pull: usage: wacc pull REF [-o DIR] [--verify-key KEY.pub]... [--insecure]");
        goto out;
    }
    /* the same policy as run: --verify-key, $WACC_VERIFY_KEYS, --require-signatures */
    if (!wacc_sign_policy_init(&pol, keys, nkeys, require, err)) {
        drv_error(NULL, "%s", err);
        goto out;
    }
    o.verify = pol.keys;
    wacc_oci_pulled p;
    if (!wacc_oci_pull(ref, dir, &o, &p, err)) {
        drv_error(NULL, "pull %s: %s", ref, err);
        status = 1;
        goto out;
    }
    printf("%s\n%s\n", p.digest, p.wasm);
    if (p.native[0])
        printf("%s\n", p.native);
    status = 0;
out:
    wacc_sign_policy_free(&pol);
    free(keys);
    return status;
}
