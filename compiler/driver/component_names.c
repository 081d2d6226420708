/*
 * component_names.c — a component's own top-level import and export names
 * (interfaces and functions), for the Wasm OCI artifact config (cmd_oci.c).
 * Separate from cmd_oci.c: component.h and wacc.h both name wacc_valtype.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"

void *drv_component_names(const uint8_t *b, size_t n, const char ***imp, size_t *nimp,
                          const char ***exp, size_t *nexp);
void drv_component_names_free(void *keep);
bool drv_component_target(const char *const *imp, size_t nimp, const char *const *exp, size_t nexp,
                          char *out, size_t cap);

/* Returns the decoded component that owns the strings (NULL if it does
 * not decode: no names). */
void *drv_component_names(const uint8_t *b, size_t n, const char ***imp, size_t *nimp,
                          const char ***exp, size_t *nexp)
{
    wasm_error e;
    memset(&e, 0, sizeof e);
    wacc_component *c = wacc_component_decode(b, n, &e);
    if (c == NULL)
        return NULL;
    *imp = calloc(c->nimports + 1, sizeof **imp);
    *exp = calloc(c->nexports + 1, sizeof **exp);
    for (uint32_t i = 0; *imp && i < c->nimports; i++)
        if (c->imports[i].type.kind == WACC_ET_INSTANCE || c->imports[i].type.kind == WACC_ET_FUNC)
            (*imp)[(*nimp)++] = c->imports[i].name.str;
    for (uint32_t i = 0; *exp && i < c->nexports; i++)
        if (c->exports[i].item.sort == WACC_SORT_INSTANCE || c->exports[i].item.sort == WACC_SORT_FUNC)
            (*exp)[(*nexp)++] = c->exports[i].name.str;
    return c;
}

void drv_component_names_free(void *keep)
{
    wacc_component_free(keep);
}

/* ---- the target world ----
 * A component binary does not name the world it was built for, but its
 * own import and export types say which WASI world it fits: the world of
 * its export (wasi:http/incoming-handler -> wasi:http/proxy, wasi:cli/run
 * -> wasi:cli/command), at the export's version, when every import is one
 * that world offers. */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool proxy_import(const char *i)
{
    static const char *const ok[] = { "wasi:http/types@", "wasi:http/outgoing-handler@",
                                       "wasi:io/", "wasi:clocks/", "wasi:random/",
                                       "wasi:cli/stdout@", "wasi:cli/stderr@", "wasi:cli/stdin@" };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
        if (has_prefix(i, ok[k]))
            return true;
    return false;
}

static bool command_import(const char *i)
{
    static const char *const ok[] = { "wasi:cli/", "wasi:io/", "wasi:clocks/", "wasi:random/",
                                       "wasi:filesystem/", "wasi:sockets/" };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
        if (has_prefix(i, ok[k]))
            return true;
    return false;
}

/* "wasi:http/proxy@0.2.3" into out, or false (no known world fits). */
bool drv_component_target(const char *const *imp, size_t nimp, const char *const *exp, size_t nexp,
                          char *out, size_t cap)
{
    for (size_t e = 0; e < nexp; e++) {
        const char *world = NULL, *ver = strchr(exp[e], '@');
        bool (*fits)(const char *) = NULL;
        if (has_prefix(exp[e], "wasi:http/incoming-handler@"))
            world = "wasi:http/proxy", fits = proxy_import;
        else if (has_prefix(exp[e], "wasi:cli/run@"))
            world = "wasi:cli/command", fits = command_import;
        if (world == NULL || nexp != 1)
            continue;
        bool all = true;
        for (size_t i = 0; i < nimp && all; i++)
            all = fits(imp[i]);
        if (all && (size_t)snprintf(out, cap, "%s%s", world, ver) < cap)
            return true;
    }
    return false;
}
