/* <setjmp.h> for Lua's ldo.c in wasm32-wasi (no setjmp there): the bench
 * build overrides LUAI_THROW/LUAI_TRY, so only the type is needed. */
#ifndef BENCH_WASI_SETJMP_H
#define BENCH_WASI_SETJMP_H
typedef int jmp_buf[1];
#endif
