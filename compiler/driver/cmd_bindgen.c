/*
 * cmd_bindgen.c — `wacc bindgen c`: C bindings for a WIT world.
 *
 *   wacc bindgen c FILE.wit|DIR --world NAME [--deps DIR]... [--host] --out DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "wit.h"

int cmd_bindgen(int argc, char **argv);

static void bindgen_usage(FILE *f)
{
    fputs("usage: wacc bindgen c FILE.wit|DIR [--world NAME] [--deps DIR]... [--host] --out DIR\n"
          "  writes DIR/<world>.h, <world>.c and <world>.wit (guest bindings, wit-bindgen's C\n"
          "  conventions; embed <world>.wit into the core module to make a component)\n", f);
}

int cmd_bindgen(int argc, char **argv)
{
    const char *lang = NULL, *in = NULL, *world = NULL, *out = NULL;
    const char *deps[64];
    int ndeps = 0;
    unsigned flags = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--world") == 0 || strcmp(a, "-w") == 0) && i + 1 < argc) {
            world = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--deps") == 0 && i + 1 < argc && ndeps < 64) {
            deps[ndeps++] = argv[++i];
        } else if (strcmp(a, "--host") == 0) {
            flags |= WIT_BINDGEN_HOST;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            bindgen_usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            drv_error(NULL, "bindgen: unknown option '%s' (or it needs a value)", a);
            return 2;
        } else if (lang == NULL) {
            lang = a;
        } else if (in == NULL) {
            in = a;
        } else {
            drv_error(NULL, "bindgen: more than one input");
            return 2;
        }
    }
    if (lang == NULL || in == NULL || out == NULL) {
        bindgen_usage(stderr);
        return 2;
    }
    if (strcmp(lang, "c") != 0) {
        drv_error(NULL, "bindgen: unknown language '%s' (known: c)", lang);
        return 2;
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
    } else {
        wit_world *w = NULL;
        if (world != NULL) {
            w = wit_find_world(pkg, world);
            if (w == NULL)
                drv_error(in, "no world '%s' in package %s:%s", world, pkg->ns, pkg->name);
        } else if (pkg->nworlds == 1) {
            w = pkg->worlds[0];
        } else {
            drv_error(in, "package %s:%s has %u worlds: choose one with --world", pkg->ns,
                      pkg->name, pkg->nworlds);
        }
        if (w == NULL)
            status = 1;
        else if (!wit_bindgen_c(r, w, flags, out)) {
            fprintf(stderr, "wacc: %s\n", wit_error(r));
            status = 1;
        }
    }
    wit_resolve_free(r);
    return status;
}
