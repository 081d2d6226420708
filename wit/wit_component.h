/*
 * wit_component.h — a component binary's world as WIT (library
 * "waccwitcomp": waccwit + compfmt).
 *
 * wit_from_component builds, inside r, a package root:component with one
 * world `root` holding the component's imports and exports, plus one package
 * per imported/exported interface namespace (wasi:io@0.2.12, ...) with the
 * interfaces rebuilt from the instance types: resources with their methods,
 * type names from the export names, `use` for types that come from another
 * interface. Print it with wit_print(r, *pkg, WIT_PRINT_DEPS).
 */
#ifndef WACC_WIT_COMPONENT_H
#define WACC_WIT_COMPONENT_H

#include "wit.h"

struct wacc_component;  /* component.h (not included: its names clash with wacc.h's) */

bool wit_from_component(wit_resolve *r, const struct wacc_component *c, wit_package **pkg,
                        wit_world **world);

/* Decode a component binary and rebuild its world (errors in wit_error(r)). */
bool wit_from_component_bytes(wit_resolve *r, const uint8_t *bytes, size_t size,
                              wit_package **pkg, wit_world **world);

#endif
