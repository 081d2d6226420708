/*
 * root_check.h — what a host cannot do with the root of a component, checked
 * before compiling it (the same restrictions and messages as Wasmtime):
 *
 *   - a root import of a component ("root-level component imports are not
 *     supported"): a host provides functions, instances and types, never a
 *     component;
 *   - a root export that is a component, or an exported instance holding one
 *     ("exporting a component from the root component is not supported"):
 *     the host gets nothing it could instantiate.
 *
 * Re-exporting an imported function is allowed (wacc supports it).
 *
 * Also: the kinds of a root's imports, for a host that checks what it
 * provides against them (the wast harness).
 */
#ifndef WACC_ROOT_CHECK_H
#define WACC_ROOT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

/* Only a forward declaration: callers that cannot include component.h (its
 * wacc_valtype clashes with wacc.h's) use the _bytes form. */
struct wacc_component;

/* true if the root component `c` (decoded, ideally validated) is free of the
 * restrictions above; else false with err->offset at the import or export
 * and err->msg the reason. Indices out of range are not an error here (the
 * validator reports them). */
bool wacc_component_root_check(const struct wacc_component *c, wasm_error *err);

/* The same for a component binary: decoded, checked, freed. A binary that
 * does not decode passes (the decoder's error is for the validator to
 * report). */
bool wacc_component_root_check_bytes(const uint8_t *bytes, size_t size, wasm_error *err);

/* Each import of the root of a component binary, in order: fn(user, name,
 * kind), kind 'm' core module, 'f' func, 'v' value, 't' type, 'c' component,
 * 'i' instance. false + err if the binary does not decode. */
typedef void (*wacc_root_import_fn)(void *user, const char *name, char kind);
bool wacc_component_root_imports_bytes(const uint8_t *bytes, size_t size, wacc_root_import_fn fn,
                                       void *user, wasm_error *err);

#endif
