/* Unit tests of the fused-adapter generator (compiler/lower/lower_adapter*.c):
 * the generated module verifies for many keys, and adapters JIT-compiled
 * (MCJIT) run against a fake runtime here (two linear memories, bump
 * allocators, ops that copy strings/lists as bytes, C callees). */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/ExecutionEngine.h>
#include <llvm-c/Target.h>

#include "abi.h"
#include "compiler.h"

#define MEMSZ 65536u

typedef struct env {
    struct wacc_adapter_ctx cx;
    struct wacc_adapter_ops ops;
    struct wacc_memory mem[2];
    uint8_t *buf[2];
    uint32_t bump[2];
    struct wacc_funcref callee, post;
    uint8_t caller_may_leave, callee_may_enter, callee_may_leave;
    jmp_buf trap;
    uint32_t trap_reason, trap_value;
    /* what the callee saw */
    uint64_t args[20];
    int nargs, calls, post_calls;
    uint8_t enter_during_call, leave_during_post;
    uint64_t ret;           /* what the callee returns */
    /* handle ops, in call order: 'b' begin, 'e' end, 'h' handle, 'c' callee, 'p' post */
    char log[64];
    int nlog;
    uint32_t h[16][4];      /* handle calls: to, op, res, index */
    int nh;
    LLVMContextRef C;
    LLVMExecutionEngineRef ee;
} env;

static env *E(struct wacc_adapter_ctx *cx) { return cx->runtime; }

static void op_trap(struct wacc_adapter_ctx *cx, uint32_t reason, uint32_t value)
{
    E(cx)->trap_reason = reason;
    E(cx)->trap_value = value;
    longjmp(E(cx)->trap, 1);
}

static void op_check(struct wacc_adapter_ctx *cx, uint32_t side, uint32_t ptr, uint32_t size,
                     uint32_t align)
{
    if ((uint64_t)ptr + size > MEMSZ || ptr % align)
        op_trap(cx, 100, ptr);
    (void)side;
}

static uint32_t op_alloc(struct wacc_adapter_ctx *cx, uint32_t side, uint32_t align, uint32_t size)
{
    env *e = E(cx);
    uint32_t p = (e->bump[side] + align - 1) / align * align;
    e->bump[side] = p + size;
    op_check(cx, side, p, size, align);
    return p;
}

static uint64_t op_string(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t ptr, uint32_t len)
{
    env *e = E(cx);
    op_check(cx, !to, ptr, len, 1);
    uint32_t d = op_alloc(cx, to, 1, len);
    memcpy(e->buf[to] + d, e->buf[!to] + ptr, len);
    return d | (uint64_t)len << 32;
}

static uint32_t op_list(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t ptr, uint32_t n,
                        uint32_t esz, uint32_t align, uint32_t copy)
{
    env *e = E(cx);
    op_check(cx, !to, ptr, n * esz, align);
    uint32_t d = op_alloc(cx, to, align, n * esz);
    if (copy)
        memcpy(e->buf[to] + d, e->buf[!to] + ptr, (size_t)n * esz);
    return d;
}

static void logc(env *e, char c)
{
    if (e->nlog < (int)sizeof e->log - 1)
        e->log[e->nlog++] = c;
}

/* index -> index + 1000 * (to + 1) + 100 * op + 10 * res */
static uint32_t op_handle(struct wacc_adapter_ctx *cx, uint32_t to, uint32_t op, uint32_t res,
                          uint32_t index)
{
    env *e = E(cx);
    logc(e, 'h');
    if (e->nh < 16) {
        e->h[e->nh][0] = to;
        e->h[e->nh][1] = op;
        e->h[e->nh][2] = res;
        e->h[e->nh++][3] = index;
    }
    if (index == 666)
        op_trap(cx, 101, index);
    return index + 1000 * (to + 1) + 100 * op + 10 * res;
}

static void op_call_begin(struct wacc_adapter_ctx *cx) { logc(E(cx), 'b'); }
static void op_call_end(struct wacc_adapter_ctx *cx) { logc(E(cx), 'e'); }

static void env_init(env *e)
{
    memset(e, 0, sizeof *e);
    e->ops.trap = op_trap;
    e->ops.check = op_check;
    e->ops.alloc = op_alloc;
    e->ops.string = op_string;
    e->ops.list = op_list;
    e->ops.handle = op_handle;
    e->ops.call_begin = op_call_begin;
    e->ops.call_end = op_call_end;
    for (int s = 0; s < 2; s++) {
        e->buf[s] = calloc(1, MEMSZ);
        e->mem[s].base = e->buf[s];
        e->mem[s].size = MEMSZ;
        e->bump[s] = 1024;
        e->cx.mem[s] = &e->mem[s];
    }
    e->cx.ops = &e->ops;
    e->cx.callee = &e->callee;
    e->callee.vmctx = e;
    e->cx.caller_may_leave = &e->caller_may_leave;
    e->cx.callee_may_enter = &e->callee_may_enter;
    e->cx.callee_may_leave = &e->callee_may_leave;
    e->caller_may_leave = e->callee_may_enter = e->callee_may_leave = 1;
    e->cx.runtime = e;
}

static void env_fini(env *e)
{
    if (e->ee)
        LLVMDisposeExecutionEngine(e->ee);
    if (e->C)
        LLVMContextDispose(e->C);
    free(e->buf[0]);
    free(e->buf[1]);
}

/* Generates, verifies and JIT-compiles the adapters of keys; returns the
 * address of adapter `which`. */
static void *jit(env *e, const char *const *keys, uint32_t n, uint32_t which, bool array)
{
    LLVMLinkInMCJIT();
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    e->C = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("adapters", e->C);
    LLVMValueRef table;
    char err[512];
    ck_assert_msg(wacc_lower_adapters(mod, NULL, keys, n, &table, err), "%s", err);
    ck_assert_ptr_nonnull(table);
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
        LLVMDumpModule(mod);
        ck_abort_msg("invalid module: %s", msg);
    }
    LLVMDisposeMessage(msg);
    char name[48];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "wacc_adapter_%u", i);
        LLVMSetLinkage(LLVMGetNamedFunction(mod, name), LLVMExternalLinkage);
        snprintf(name, sizeof name, "wacc_adapter_array_%u", i);
        LLVMSetLinkage(LLVMGetNamedFunction(mod, name), LLVMExternalLinkage);
    }
    LLVMSetLinkage(table, LLVMExternalLinkage);
    snprintf(name, sizeof name, array ? "wacc_adapter_array_%u" : "wacc_adapter_%u", which);
    struct LLVMMCJITCompilerOptions opts;
    LLVMInitializeMCJITCompilerOptions(&opts, sizeof opts);
    opts.OptLevel = 2;
    ck_assert_msg(!LLVMCreateMCJITCompilerForModule(&e->ee, mod, &opts, sizeof opts, &msg), "%s", msg);
    uint64_t addr = LLVMGetFunctionAddress(e->ee, name);
    ck_assert(addr != 0);
    void *p;
    memcpy(&p, &addr, sizeof p);
    return p;
}

static void *jit1(env *e, const char *key)
{
    return jit(e, &key, 1, 0, false);
}

static void seen(env *e, int n, const uint64_t *a)
{
    e->calls++;
    e->enter_during_call = e->callee_may_enter;
    e->nargs = n;
    for (int i = 0; i < n; i++)
        e->args[i] = a[i];
}

/* ---- verification of many shapes ---------------------------------------- */

START_TEST(verify_many)
{
    static const char *const keys[] = {
        "()->_|0|0", "(b,1,2,3,4,5,6,7,8,f,d,c)->d|0|0", "(s)->s|0|1", "(s,L2)->V2{_,s}|0|1",
        "(Lc)->Ls|2|0", "(R3{b,s,LR2{c,d}})->R2{2,s}|0|0", "(V3{_,6,d},V2{f,8})->V2{_,F3}|0|0",
        "(F32,F8,F17)->F9|0|0", "(N4:2,N3:c)->N2:5|0|0", "(LN3:s)->LV3{_,c,s}|1|2",
        "(V2{V2{_,f},V3{d,_,s}})->_|0|0",
        "(6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6)->_|0|0",
        "(s,s,s,s,s,s,s,s,s)->R2{s,Lb}|0|0",
        "(o0)->o0|0|0", "(B0,o1,B1)->V2{_,o0}|0|0", "(LB0,LR2{o1,s})->LR2{o1,o0}|0|1",
        "(V3{_,o0,B1},N2:B0)->R2{o1,6}|0|0", "(o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0,o0)->_|0|0",
    };
    env e;
    env_init(&e);
    jit(&e, keys, sizeof keys / sizeof *keys, 0, false);
    env_fini(&e);
}
END_TEST

/* Async adapters and stream/future element copies (wacc/abi.h "Fused
 * async adapters", WACC_ECOPY_PREFIX): generated and verified. */
START_TEST(verify_async)
{
    static const char *const keys[] = {
        "!c(s)->s|0|1", "!s(s,L6)->R3{s,6,L6}|0|0", "!y(6,6,6,6,6,s)->8|0|0",
        "!c(6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6)->R9{s,s,s,s,s,s,s,s,s}|1|0",
        "!c(V2{_,s})->V2{8,s}|2|0", "!y(s)->s|0|0", "!y()->_|0|0", "!s()->_|0|0",
        "!s(b,c,F3,V3{_,6,d},f)->V2{f,8}|0|0", "!y(R2{s,Lb},V2{_,d},2,3,s)->R17{6,8,f,d,6,8,f,d,6,8,f,d,6,8,f,d,6}|0|0",
        "#e(s)->_|0|1", "#e(R2{s,Lb})->_|0|0", "#e(V3{_,c,LN3:s})->_|1|2", "#e(b)->_|0|0",
    };
    LLVMContextRef C = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("adapters", C);
    LLVMValueRef table;
    char err[512];
    ck_assert_msg(wacc_lower_adapters(mod, NULL, keys, sizeof keys / sizeof *keys, &table, err), "%s",
                  err);
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
        LLVMDumpModule(mod);
        ck_abort_msg("invalid module: %s", msg);
    }
    LLVMDisposeMessage(msg);
    ck_assert_ptr_nonnull(LLVMGetNamedFunction(mod, "wacc_aadapter_start_0"));
    ck_assert_ptr_nonnull(LLVMGetNamedFunction(mod, "wacc_aadapter_result_0"));
    ck_assert_ptr_nonnull(LLVMGetNamedFunction(mod, "wacc_ecopy_10"));
    LLVMDisposeModule(mod);
    /* handles are not moved by async adapters */
    mod = LLVMModuleCreateWithNameInContext("adapters", C);
    const char *key = "!c(o0)->o0|0|0";
    ck_assert(!wacc_lower_adapters(mod, NULL, &key, 1, &table, err));
    ck_assert_ptr_nonnull(strstr(err, "handles"));
    LLVMDisposeModule(mod);
    LLVMContextDispose(C);
}
END_TEST

START_TEST(bad_key)
{
    LLVMContextRef C = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("adapters", C);
    const char *key = "(x)->_|0|0";
    LLVMValueRef table;
    char err[512];
    ck_assert(!wacc_lower_adapters(mod, NULL, &key, 1, &table, err));
    ck_assert_ptr_nonnull(strstr(err, "malformed"));
    LLVMDisposeModule(mod);
    LLVMContextDispose(C);
}
END_TEST

/* ---- scalars -------------------------------------------------------------- */

static void callee_scalars(void *vm, uint32_t b, uint32_t u8, uint32_t s8, uint32_t s16, uint32_t c,
                           uint32_t fl)
{
    uint64_t a[6] = { b, u8, s8, s16, c, fl };
    seen(vm, 6, a);
}

START_TEST(scalars)
{
    env e;
    env_init(&e);
    void (*f)(void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
    void *p = jit1(&e, "(b,2,1,3,c,F3)->_|0|0");
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_scalars;
    if (setjmp(e.trap) == 0)
        f(&e.cx, 7, 0x1FF, 0x80, 0x18000, 0x10FFFF, 0xFF);
    else
        ck_abort_msg("trap %u", e.trap_reason);
    ck_assert_int_eq(e.calls, 1);
    ck_assert_int_eq(e.args[0], 1);
    ck_assert_int_eq(e.args[1], 0xFF);
    ck_assert_int_eq(e.args[2], 0xFFFFFF80u);
    ck_assert_int_eq(e.args[3], 0xFFFF8000u);
    ck_assert_int_eq(e.args[4], 0x10FFFF);
    ck_assert_int_eq(e.args[5], 7);
    ck_assert_int_eq(e.enter_during_call, 0);
    ck_assert_int_eq(e.callee_may_enter, 1);
    /* a surrogate */
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 0, 0, 0, 0, 0xD800, 0);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, WACC_ADAPTER_TRAP_CHAR);
    ck_assert_int_eq(e.trap_value, 0xD800);
    ck_assert_int_eq(e.calls, 1);
    env_fini(&e);
}
END_TEST

START_TEST(flags_checks)
{
    env e;
    env_init(&e);
    void (*f)(void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
    void *p = jit1(&e, "(b,2,1,3,c,F3)->_|0|0");
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_scalars;
    e.caller_may_leave = 0;
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 0, 0, 0, 0, 0, 0);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, WACC_ADAPTER_TRAP_CANNOT_LEAVE);
    e.caller_may_leave = 1;
    e.callee_may_enter = 0;
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 0, 0, 0, 0, 0, 0);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, WACC_ADAPTER_TRAP_CANNOT_ENTER);
    ck_assert_int_eq(e.calls, 0);
    env_fini(&e);
}
END_TEST

/* ---- variants (flat, joined slots) --------------------------------------- */

static uint32_t callee_variant(void *vm, uint32_t d, uint64_t x)
{
    uint64_t a[2] = { d, x };
    seen(vm, 2, a);
    return (uint32_t)((env *)vm)->ret;
}

static void post_return(void *vm, uint32_t r)
{
    env *e = vm;
    e->post_calls++;
    e->leave_during_post = e->callee_may_leave;
    e->args[19] = r;
}

START_TEST(variant_flat)
{
    env e;
    env_init(&e);
    uint32_t (*f)(void *, uint32_t, uint64_t);
    void *p = jit1(&e, "(V3{_,6,d})->V4{_,_,_,_}|0|0");
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_variant;
    e.cx.post_return = &e.post;
    e.post.code = (void *)post_return;
    e.post.vmctx = &e;
    double d = 1.5;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    e.ret = 3;
    ck_assert_int_eq(f(&e.cx, 2, bits), 3);
    ck_assert_int_eq(e.args[0], 2);
    ck_assert(e.args[1] == bits);
    ck_assert_int_eq(e.post_calls, 1);
    ck_assert_int_eq(e.args[19], 3);
    ck_assert_int_eq(e.leave_during_post, 0);
    ck_assert_int_eq(e.callee_may_leave, 1);
    ck_assert_int_eq(f(&e.cx, 1, 0xFFFFFFFF00000005ull), 3);
    ck_assert(e.args[1] == 5);
    ck_assert_int_eq(f(&e.cx, 0, 77), 3);
    ck_assert(e.args[1] == 0);
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 3, 0);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, WACC_ADAPTER_TRAP_DISCRIMINANT);
    ck_assert_int_eq(e.trap_value, 3);
    e.callee_may_enter = 1;     /* the runtime restores it after a trap */
    e.ret = 4;      /* a bad result discriminant */
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 0, 0);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, WACC_ADAPTER_TRAP_DISCRIMINANT);
    ck_assert_int_eq(e.trap_value, 4);
    env_fini(&e);
}
END_TEST

/* ---- strings, lists, spilled results -------------------------------------- */

static uint32_t callee_strings(void *vm, uint32_t sp, uint32_t sl, uint32_t lp, uint32_t ln)
{
    env *e = vm;
    uint64_t a[4] = { sp, sl, lp, ln };
    seen(vm, 4, a);
    /* result (string, list<char>) in callee memory at 64 */
    memcpy(e->buf[1] + 200, "result", 6);
    uint32_t chars[2] = { 'x', 0x1F600 };
    memcpy(e->buf[1] + 208, chars, 8);
    uint32_t rec[4] = { 200, 6, 208, 2 };
    memcpy(e->buf[1] + 64, rec, 16);
    return 64;
}

START_TEST(strings_lists)
{
    env e;
    env_init(&e);
    void (*f)(void *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
    void *p = jit1(&e, "(s,LR2{b,4})->R2{s,Lc}|0|0");
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_strings;
    memcpy(e.buf[0] + 100, "hello", 5);
    uint8_t recs[8] = { 5, 0, 0x34, 0x12, 0, 0, 0xFF, 0xFF };
    memcpy(e.buf[0] + 120, recs, 8);
    if (setjmp(e.trap) == 0)
        f(&e.cx, 100, 5, 120, 2, 512);
    else
        ck_abort_msg("trap %u %u", e.trap_reason, e.trap_value);
    ck_assert_int_eq(e.args[1], 5);
    ck_assert(memcmp(e.buf[1] + e.args[0], "hello", 5) == 0);
    ck_assert_int_eq(e.args[3], 2);
    const uint8_t *l = e.buf[1] + e.args[2];
    ck_assert_int_eq(l[0], 1);      /* bool normalised */
    ck_assert_int_eq(l[2] | l[3] << 8, 0x1234);
    ck_assert_int_eq(l[4], 0);
    ck_assert_int_eq(l[6] | l[7] << 8, 0xFFFF);
    uint32_t r[4];
    memcpy(r, e.buf[0] + 512, 16);
    ck_assert_int_eq(r[1], 6);
    ck_assert(memcmp(e.buf[0] + r[0], "result", 6) == 0);
    ck_assert_int_eq(r[3], 2);
    uint32_t chars[2];
    memcpy(chars, e.buf[0] + r[2], 8);
    ck_assert_int_eq(chars[0], 'x');
    ck_assert_int_eq(chars[1], 0x1F600);
    env_fini(&e);
}
END_TEST

/* 17 u32 params: spilled to a tuple; the array-call entry too. */
static void callee_spilled(void *vm, uint32_t ptr)
{
    env *e = vm;
    uint64_t a[17];
    for (int i = 0; i < 17; i++) {
        uint32_t v;
        memcpy(&v, e->buf[1] + ptr + 4 * i, 4);
        a[i] = v;
    }
    seen(vm, 17, a);
}

START_TEST(spilled_params)
{
    env e;
    env_init(&e);
    void (*f)(void *, void *, wacc_val *);
    void *p = jit(&e, (const char *const[]){ "(6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6)->_|0|0" }, 1, 0, true);
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_spilled;
    /* call the adapter through its array entry, found in the table */
    uint64_t t = LLVMGetGlobalValueAddress(e.ee, "wacc_adapters");
    ck_assert(t != 0);
    const struct wacc_adapter_entry *ent;
    memcpy(&ent, &t, sizeof ent);
    void *code = ent[0].code;
    ck_assert_str_eq(ent[0].key, "(6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6,6)->_|0|0");
    ck_assert(ent[0].array_call == (wacc_array_call_fn)f);
    for (int i = 0; i < 17; i++) {
        uint32_t v = 1000 + (uint32_t)i;
        memcpy(e.buf[0] + 300 + 4 * i, &v, 4);
    }
    wacc_val vals[2];
    memset(vals, 0, sizeof vals);
    vals[0].i32 = 300;
    if (setjmp(e.trap) == 0)
        f(&e.cx, code, vals);
    else
        ck_abort_msg("trap %u %u", e.trap_reason, e.trap_value);
    ck_assert_int_eq(e.nargs, 17);
    for (int i = 0; i < 17; i++)
        ck_assert_int_eq(e.args[i], 1000 + i);
    vals[0].i32 = 302;      /* misaligned */
    if (setjmp(e.trap) == 0) {
        f(&e.cx, code, vals);
        ck_abort_msg("no trap");
    }
    ck_assert_int_eq(e.trap_reason, 100);
    env_fini(&e);
}
END_TEST

/* ---- handles -------------------------------------------------------------- */

static uint32_t callee_handles(void *vm, uint32_t b, uint32_t o, uint32_t lp, uint32_t ln)
{
    env *e = vm;
    uint64_t a[4] = { b, o, lp, ln };
    seen(vm, 4, a);
    logc(e, 'c');
    return (uint32_t)e->ret;
}

static void post_log(void *vm, uint32_t r)
{
    (void)r;
    logc(vm, 'p');
}

START_TEST(handles)
{
    env e;
    env_init(&e);
    uint32_t (*f)(void *, uint32_t, uint32_t, uint32_t, uint32_t);
    void *p = jit1(&e, "(B0,o1,LB1)->o0|0|0");
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_handles;
    e.cx.post_return = &e.post;
    e.post.code = (void *)post_log;
    e.post.vmctx = &e;
    uint32_t l[2] = { 5, 6 };
    memcpy(e.buf[0] + 100, l, 8);
    e.ret = 9;
    uint32_t r = 0;
    if (setjmp(e.trap) == 0)
        r = f(&e.cx, 3, 4, 100, 2);
    else
        ck_abort_msg("trap %u %u", e.trap_reason, e.trap_value);
    /* begin, 4 handles in, the call, 1 handle out, end, post-return */
    e.log[e.nlog] = 0;
    ck_assert_str_eq(e.log, "bhhhhchep");
    ck_assert_int_eq(e.args[0], 3 + 2000 + 100 + 0);       /* borrow, resource 0 */
    ck_assert_int_eq(e.args[1], 4 + 2000 + 0 + 10);        /* own, resource 1 */
    ck_assert_int_eq(e.args[3], 2);
    uint32_t got[2];
    memcpy(got, e.buf[1] + e.args[2], 8);
    ck_assert_int_eq(got[0], 5 + 2000 + 100 + 10);         /* borrows of resource 1, in memory */
    ck_assert_int_eq(got[1], 6 + 2000 + 100 + 10);
    ck_assert_int_eq(r, 9 + 1000 + 0 + 0);                 /* own resource 0 to the caller */
    ck_assert_int_eq(e.h[4][0], WACC_ADAPTER_CALLER);
    ck_assert_int_eq(e.h[4][1], WACC_ADAPTER_OWN);
    /* a trapping handle op: no call, no end */
    e.nlog = 0;
    if (setjmp(e.trap) == 0) {
        f(&e.cx, 666, 4, 100, 0);
        ck_abort_msg("no trap");
    }
    e.log[e.nlog] = 0;
    ck_assert_str_eq(e.log, "bh");
    ck_assert_int_eq(e.trap_reason, 101);
    env_fini(&e);
}
END_TEST

/* A spilled result with an own handle; no scope calls without handles. */
static uint32_t callee_pair(void *vm, uint32_t x)
{
    env *e = vm;
    uint64_t a[1] = { x };
    seen(vm, 1, a);
    logc(e, 'c');
    uint32_t rec[2] = { 7, x };
    memcpy(e->buf[1] + 64, rec, 8);
    return 64;
}

START_TEST(handles_spilled)
{
    env e;
    env_init(&e);
    void (*f)(void *, uint32_t, uint32_t);
    const char *keys[2] = { "(6)->R2{o0,6}|0|0", "(6)->R2{5,6}|0|0" };
    void *p = jit(&e, keys, 2, 0, false);
    memcpy(&f, &p, sizeof p);
    e.callee.code = (void *)callee_pair;
    if (setjmp(e.trap) == 0)
        f(&e.cx, 42, 512);
    else
        ck_abort_msg("trap %u %u", e.trap_reason, e.trap_value);
    e.log[e.nlog] = 0;
    ck_assert_str_eq(e.log, "bche");
    uint32_t r[2];
    memcpy(r, e.buf[0] + 512, 8);
    ck_assert_int_eq(r[0], 7 + 1000);
    ck_assert_int_eq(r[1], 42);
    env_fini(&e);
    /* the same shape without a handle: no begin/end */
    env_init(&e);
    uint64_t a = LLVMGetFunctionAddress(jit(&e, keys, 2, 1, false) ? e.ee : NULL, "wacc_adapter_1");
    memcpy(&f, &a, sizeof f);
    e.callee.code = (void *)callee_pair;
    if (setjmp(e.trap) == 0)
        f(&e.cx, 42, 512);
    else
        ck_abort_msg("trap %u %u", e.trap_reason, e.trap_value);
    e.log[e.nlog] = 0;
    ck_assert_str_eq(e.log, "c");
    memcpy(r, e.buf[0] + 512, 8);
    ck_assert_int_eq(r[0], 7);
    env_fini(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("adapter_gen");
    TCase *tc = tcase_create("gen");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, verify_many);
    tcase_add_test(tc, bad_key);
    tcase_add_test(tc, verify_async);
    tcase_add_test(tc, scalars);
    tcase_add_test(tc, flags_checks);
    tcase_add_test(tc, variant_flat);
    tcase_add_test(tc, strings_lists);
    tcase_add_test(tc, spilled_params);
    tcase_add_test(tc, handles);
    tcase_add_test(tc, handles_spilled);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
