/*
 * compose_check.c — decode and validate a component `wacc compose` wrote
 * (apart from cmd_compose.c: component.h's names clash with wacc.h's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"

bool drv_component_check(const uint8_t *bytes, size_t size, char err[512]);

bool drv_component_check(const uint8_t *bytes, size_t size, char err[512])
{
#ifdef WACC_HAVE_COMPFMT
    wasm_error e;
    memset(&e, 0, sizeof e);
    wacc_component *c = wacc_component_decode(bytes, size, &e);
    bool ok = c != NULL && wacc_component_validate(c, &e);
    if (c)
        wacc_component_free(c);
    if (!ok)
        snprintf(err, 512, "offset %zu: %s", e.offset, e.msg);
    return ok;
#else
    (void)bytes, (void)size;
    snprintf(err, 512, "built without the component validator");
    return false;
#endif
}

/* The names of a component's exports that are functions or instances (the
 * kinds `wacc compose` re-exports): *names (malloc'd strings in a malloc'd
 * array) and *funcs (true: a function). Returns the count, or -1 with err. */
int drv_component_exports(const uint8_t *bytes, size_t size, char ***names, bool **funcs,
                          char err[512]);

int drv_component_exports(const uint8_t *bytes, size_t size, char ***names, bool **funcs,
                          char err[512])
{
#ifdef WACC_HAVE_COMPFMT
    wasm_error e;
    memset(&e, 0, sizeof e);
    wacc_component *c = wacc_component_decode(bytes, size, &e);
    if (c == NULL) {
        snprintf(err, 512, "offset %zu: %s", e.offset, e.msg);
        return -1;
    }
    *names = calloc(c->nexports ? c->nexports : 1, sizeof **names);
    *funcs = calloc(c->nexports ? c->nexports : 1, sizeof **funcs);
    int n = 0;
    for (uint32_t i = 0; *names && *funcs && i < c->nexports; i++) {
        const wacc_export *ex = &c->exports[i];
        if (ex->item.sort != WACC_SORT_FUNC && ex->item.sort != WACC_SORT_INSTANCE)
            continue;
        (*names)[n] = strndup(ex->name.str, ex->name.len);
        (*funcs)[n] = ex->item.sort == WACC_SORT_FUNC;
        if ((*names)[n] == NULL) {
            wacc_component_free(c);
            snprintf(err, 512, "out of memory");
            return -1;
        }
        n++;
    }
    wacc_component_free(c);
    if (*names == NULL || *funcs == NULL) {
        free(*names), free(*funcs);
        *names = NULL, *funcs = NULL;
        snprintf(err, 512, "out of memory");
        return -1;
    }
    return n;
#else
    (void)bytes, (void)size, (void)names, (void)funcs;
    snprintf(err, 512, "built without the component decoder");
    return -1;
#endif
}
