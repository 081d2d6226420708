/*
 * bindgen_c_host.c — `wacc bindgen c --host`: typed C functions over wacc.h
 * for a host that instantiates a component of the world.
 */
#include <stdio.h>

#include "internal.h"

bool wit_bindgen_c_host(wit_resolve *r, const wit_world *w, const char *dir)
{
    (void)dir;
    snprintf(r->err, sizeof r->err, "bindgen: --host bindings for world '%s' are not implemented yet",
             w->name);
    return false;
}
