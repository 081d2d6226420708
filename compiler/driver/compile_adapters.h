/*
 * compile_adapters.h — which fused adapters (wacc/abi.h k2) a component
 * needs, found while validating it, and their generation
 * (compile_adapters.c; used by compile_component.c).
 */
#ifndef WACC_COMPILE_ADAPTERS_H
#define WACC_COMPILE_ADAPTERS_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "compiler.h"
#include "component.h"

typedef struct adapter_keys {
    char **v;                   /* sorted (strcmp), no duplicates, owned */
    uint32_t n;
} adapter_keys;

/* wacc_component_validate (default features) that also collects the keys
 * of the adapters for every canon lower whose function type some canon lift
 * of the component also has (sync, 32-bit memories, fusable types). */
bool compile_adapters_validate(const wacc_component *c, wasm_error *err, adapter_keys *keys);

/* The adapters and their table into mod (*table NULL when there are none). */
bool compile_adapters_lower(LLVMModuleRef mod, const wacc_target *t, const adapter_keys *keys,
                            LLVMValueRef *table, char err[512]);

void compile_adapters_free(adapter_keys *keys);

#endif
