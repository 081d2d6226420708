/*
 * compose_check.c — decode and validate a component `wacc compose` wrote
 * (apart from cmd_compose.c: component.h's names clash with wacc.h's).
 */
#include <stdio.h>
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
