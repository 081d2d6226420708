/*
 * component_strip.h — the component description a component artifact
 * keeps in its metadata: the input without its core modules' contents.
 */
#ifndef WACC_COMPONENT_STRIP_H
#define WACC_COMPONENT_STRIP_H

#include <stddef.h>
#include <stdint.h>

/* A copy of the component binary `bytes` in which the payload of every core
 * module section, at every nesting level, is the 8-byte preamble of an
 * empty module; the sizes of the enclosing nested-component sections are
 * re-encoded. Every other section (types, canons, aliases, imports,
 * exports, custom sections, ...) is copied byte for byte, so the copy
 * decodes to the same structure with the same core module numbering.
 * Returns a malloc'd buffer (caller frees) and its size in *out_size, or
 * NULL with a one-line reason naming the input offset in `err`. */
uint8_t *wacc_component_strip(const uint8_t *bytes, size_t size, size_t *out_size,
                              char err[512]);

#endif
