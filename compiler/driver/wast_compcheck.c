/*
 * wast_compcheck.c — decode + validate one component binary for `wacc wast`
 * (wast_component.c). A file of its own so that the component model header
 * is not mixed with the runtime API (wacc.h) in one translation unit.
 * Without the component library (compfmt) the check is "unavailable".
 */
#include <stdio.h>

#include "wasm.h"
#ifdef WACC_HAVE_COMPFMT
#include "component/component.h"
#endif

int wast_check_component(const unsigned char *bytes, size_t size, char *why, size_t len);

/* 0: valid, 1: rejected (why = offset + reason), 2: no validator (why = reason). */
int wast_check_component(const unsigned char *bytes, size_t size, char *why, size_t len)
{
#ifdef WACC_HAVE_COMPFMT
    wasm_error err = { 0, "" };
    wacc_component *c = wacc_component_decode(bytes, size, &err);
    int res = 0;
    if (c == NULL || !wacc_component_validate(c, &err)) {
        snprintf(why, len, "at byte %zu: %s", err.offset, err.msg);
        res = 1;
    }
    wacc_component_free(c);
    return res;
#else
    (void)bytes, (void)size;
    snprintf(why, len, "component decoder/validator not built");
    return 2;
#endif
}
