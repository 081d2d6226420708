/*
 * component_names.c — a component's own top-level import and export names
 * (interfaces and functions), for the Wasm OCI artifact config (cmd_oci.c).
 * Separate from cmd_oci.c: component.h and wacc.h both name wacc_valtype.
 */
#include <stdlib.h>
#include <string.h>

#include "component.h"

void *drv_component_names(const uint8_t *b, size_t n, const char ***imp, size_t *nimp,
                          const char ***exp, size_t *nexp);
void drv_component_names_free(void *keep);

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
