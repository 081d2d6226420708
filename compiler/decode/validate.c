/* validate.c — temporary stub */
#include "internal.h"
bool wasm_validate(const wasm_module *m, wasm_error *err) { (void)m; (void)err; return true; }
