/*
 * cmd_wit.c — `wacc wit`: print WIT.
 *
 *   wacc wit FILE.wit|DIR [--deps DIR]... [--no-docs] [--dump]
 *       the resolved package (and, with --all, its dependencies)
 *   wacc wit APP.wasm [--world-only]
 *       a component's world, with the interfaces it imports and exports
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "wit.h"
#ifdef WACC_HAVE_WITCOMP
#include "wit_component.h"
#endif

int cmd_wit(int argc, char **argv);

static void wit_usage(void)
{
    fputs("usage: wacc wit FILE.wit|DIR [--deps DIR]... [--all] [--no-docs] [--dump]\n"
          "       wacc wit APP.wasm [--world-only] [--no-docs]\n", stderr);
}

static int print_text(char *text)
{
    if (text == NULL) {
        drv_error(NULL, "wit: out of memory");
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

static int wit_component(const char *path, const uint8_t *bytes, size_t size, bool world_only,
                         unsigned flags)
{
#ifdef WACC_HAVE_WITCOMP
    wit_resolve *r = wit_resolve_new();
    wit_package *pkg;
    wit_world *w;
    int status = 0;
    if (r == NULL || !wit_from_component_bytes(r, bytes, size, &pkg, &w)) {
        drv_error(path, "%s", r ? wit_error(r) : "out of memory");
        status = 1;
    } else if (!wit_resolve_all(r)) {
        drv_error(path, "internal error: the WIT rebuilt from the component does not resolve: %s",
                  wit_error(r));
        status = 1;
    } else {
        status = print_text(world_only ? wit_print_world(r, w, flags)
                                       : wit_print(r, pkg, flags | WIT_PRINT_DEPS));
    }
    wit_resolve_free(r);
    return status;
#else
    (void)bytes, (void)size, (void)world_only, (void)flags;
    drv_error(path, "this wacc was built without the component decoder");
    return 1;
#endif
}

int cmd_wit(int argc, char **argv)
{
    const char *in = NULL;
    const char *deps[64];
    int ndeps = 0;
    bool all = false, dump = false, world_only = false;
    unsigned flags = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--deps") == 0) {
            if (i + 1 >= argc || ndeps == 64) {
                wit_usage();
                return 2;
            }
            deps[ndeps++] = argv[++i];
        } else if (strcmp(a, "--all") == 0) {
            all = true;
        } else if (strcmp(a, "--dump") == 0) {
            dump = true;
        } else if (strcmp(a, "--no-docs") == 0) {
            flags |= WIT_PRINT_NO_DOCS;
        } else if (strcmp(a, "--world-only") == 0) {
            world_only = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            wit_usage();
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            drv_error(NULL, "wit: unknown option '%s'", a);
            return 2;
        } else if (in == NULL) {
            in = a;
        } else {
            drv_error(NULL, "wit: more than one input");
            return 2;
        }
    }
    if (in == NULL) {
        wit_usage();
        return 2;
    }

    /* A wasm binary? */
    FILE *f = fopen(in, "rb");
    uint8_t magic[8] = {0};
    size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    if (got == 8 && memcmp(magic, "\0asm", 4) == 0) {
        char err[512];
        size_t size;
        uint8_t *bytes = drv_read_file(in, &size, err);
        if (bytes == NULL) {
            drv_error(in, "%s", err);
            return 1;
        }
        int status;
        if (magic[4] == 1 && magic[5] == 0 && magic[6] == 0 && magic[7] == 0) {
            drv_error(in, "a core module has no WIT world (only components do)");
            status = 1;
        } else {
            status = wit_component(in, bytes, size, world_only, flags);
        }
        free(bytes);
        return status;
    }

    wit_resolve *r = wit_resolve_new();
    if (r == NULL) {
        drv_error(NULL, "out of memory");
        return 1;
    }
    wit_package *pkg = NULL;
    int status = 0;
    bool ok = wit_load_path(r, in, &pkg);
    for (int i = 0; ok && i < ndeps; i++)
        ok = wit_load_deps_dir(r, deps[i]);
    if (!ok || !wit_resolve_all(r)) {
        fprintf(stderr, "wacc: %s\n", wit_error(r));
        status = 1;
    } else if (dump) {
        status = print_text(wit_dump(r, pkg));
    } else {
        status = print_text(wit_print(r, pkg, flags | (all ? WIT_PRINT_DEPS : 0)));
    }
    wit_resolve_free(r);
    return status;
}
