/*
 * numeric_jit.c — stand-alone check of lower_numeric.c against the spec
 * test suite's single-instruction scripts (i32, i64, f32, f64, *_bitwise,
 * *_cmp, conversions), without the rest of the pipeline.
 *
 * For every instruction named by an assert_return/assert_trap it builds
 *     void op(uint32_t *trap, const uint64_t *args, uint64_t *result)
 * through lower_numeric with a minimal fake lower_ctx, JITs the module with
 * MCJIT (after the O2 pipeline) and compares the results bit for bit
 * (nan:canonical / nan:arithmetic by class).
 *
 * usage: numeric_jit [-d out.ll] FILE.json...   (wast2json output)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/ExecutionEngine.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "lower/lower.h"

/* ---- the fake per-function context ------------------------------------ */

struct lower_ctx {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMValueRef fn;
    LLVMValueRef trap_out;
    LLVMValueRef stack[8];
    int sp;
    LLVMValueRef mem_base;     /* memory tests: a 64-byte buffer */
};

LLVMBuilderRef lower_builder(lower_ctx *c) { return c->b; }
LLVMContextRef lower_llvm_ctx(lower_ctx *c) { return c->ctx; }
LLVMModuleRef lower_llvm_module(lower_ctx *c) { return c->mod; }

LLVMValueRef lower_pop(lower_ctx *c)
{
    if (c->sp == 0) {
        fprintf(stderr, "numeric_jit: pop from empty stack\n");
        exit(2);
    }
    return c->stack[--c->sp];
}

void lower_push(lower_ctx *c, LLVMValueRef v)
{
    if (c->sp == 8) {
        fprintf(stderr, "numeric_jit: stack overflow\n");
        exit(2);
    }
    c->stack[c->sp++] = v;
}

LLVMTypeRef lower_valtype(lower_ctx *c, uint8_t t)
{
    switch (t) {
    case WASM_I32: return LLVMInt32TypeInContext(c->ctx);
    case WASM_I64: return LLVMInt64TypeInContext(c->ctx);
    case WASM_F32: return LLVMFloatTypeInContext(c->ctx);
    case WASM_F64: return LLVMDoubleTypeInContext(c->ctx);
    default: return LLVMPointerTypeInContext(c->ctx, 0);
    }
}

void lower_trap_if(lower_ctx *c, LLVMValueRef cond, uint32_t code)
{
    LLVMBasicBlockRef trap = LLVMAppendBasicBlockInContext(c->ctx, c->fn, "trap");
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(c->ctx, c->fn, "cont");
    LLVMBuildCondBr(c->b, cond, trap, cont);
    LLVMPositionBuilderAtEnd(c->b, trap);
    LLVMBuildStore(c->b, LLVMConstInt(LLVMInt32TypeInContext(c->ctx), code, false), c->trap_out);
    LLVMBuildRetVoid(c->b);
    LLVMPositionBuilderAtEnd(c->b, cont);
}

LLVMValueRef lower_intrinsic(lower_ctx *c, const char *name, LLVMTypeRef *ov, unsigned nov,
                             LLVMValueRef *args, unsigned nargs)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (id == 0) {
        fprintf(stderr, "numeric_jit: unknown intrinsic %s\n", name);
        exit(2);
    }
    LLVMValueRef f = LLVMGetIntrinsicDeclaration(c->mod, id, ov, nov);
    LLVMTypeRef ft = LLVMIntrinsicGetType(c->ctx, id, ov, nov);
    return LLVMBuildCall2(c->b, ft, f, args, nargs, "");
}

/* Memory hooks: lower_memory.c links against these; this tool does not
 * exercise memory instructions. */
static void no_memory(void)
{
    fprintf(stderr, "numeric_jit: memory instructions are not supported here\n");
    exit(2);
}

LLVMValueRef lower_mem_addr(lower_ctx *c, const wasm_memarg *m, LLVMValueRef index, unsigned size)
{
    (void)size;
    if (!c->mem_base)
        no_memory();
    LLVMTypeRef i64 = LLVMInt64TypeInContext(c->ctx);
    LLVMValueRef off = LLVMBuildZExt(c->b, index, i64, "");
    off = LLVMBuildAdd(c->b, off, LLVMConstInt(i64, m->offset, false), "");
    return LLVMBuildGEP2(c->b, LLVMInt8TypeInContext(c->ctx), c->mem_base, &off, 1, "");
}

LLVMValueRef lower_vmctx(lower_ctx *c) { (void)c; no_memory(); return NULL; }

LLVMValueRef lower_libcall(lower_ctx *c, unsigned slot, LLVMTypeRef ret, LLVMValueRef *args,
                           unsigned nargs)
{
    (void)c, (void)slot, (void)ret, (void)args, (void)nargs;
    no_memory();
    return NULL;
}

LLVMValueRef lower_memory_struct(lower_ctx *c, uint32_t memidx)
{
    (void)c, (void)memidx;
    no_memory();
    return NULL;
}

LLVMValueRef lower_mem_size(lower_ctx *c, uint32_t memidx)
{
    (void)c, (void)memidx;
    no_memory();
    return NULL;
}

const wasm_module *lower_wasm_module(lower_ctx *c)
{
    (void)c;
    no_memory();
    return NULL;
}

/* ---- opcode table from the X-macro list --------------------------------- */

typedef struct op_entry {
    const char *text;
    uint32_t code;
    const char *sig;   /* e.g. "ii_i" */
} op_entry;

#define OP_ENTRY(NAME, CODE, TEXT, IMM, SIG) { TEXT, CODE, #SIG },
static const op_entry op_table[] = { WASM_OPCODES(OP_ENTRY) };
#undef OP_ENTRY

static const op_entry *find_op(const char *text)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (strcmp(op_table[i].text, text) == 0)
            return &op_table[i];
    return NULL;
}

static LLVMTypeRef letter_type(LLVMContextRef ctx, char l)
{
    switch (l) {
    case 'i': return LLVMInt32TypeInContext(ctx);
    case 'l': return LLVMInt64TypeInContext(ctx);
    case 'f': return LLVMFloatTypeInContext(ctx);
    default: return LLVMDoubleTypeInContext(ctx);
    }
}

/* ---- building one function per instruction ------------------------------ */

#define MAX_FUNCS 256

typedef struct jit_fn {
    const op_entry *op;
    char sym[64];
    void (*fn)(uint32_t *trap, const uint64_t *args, uint64_t *result);
} jit_fn;

static bool build_op(LLVMContextRef ctx, LLVMModuleRef mod, jit_fn *jf)
{
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef params[3] = { ptr, ptr, ptr };
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 3, false);
    lower_ctx c = { .ctx = ctx, .mod = mod };
    const char *sig = jf->op->sig;
    const char *us = strchr(sig, '_');
    unsigned nparams = (unsigned)(us - sig);

    snprintf(jf->sym, sizeof jf->sym, "op_%s", jf->op->text);
    for (char *p = jf->sym; *p; p++)
        if (*p == '.')
            *p = '_';
    c.fn = LLVMAddFunction(mod, jf->sym, fty);
    c.b = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(c.b, LLVMAppendBasicBlockInContext(ctx, c.fn, "entry"));
    c.trap_out = LLVMGetParam(c.fn, 0);
    for (unsigned i = 0; i < nparams; i++) {
        LLVMValueRef idx = LLVMConstInt(i64, i, false);
        LLVMValueRef p = LLVMBuildGEP2(c.b, i64, LLVMGetParam(c.fn, 1), &idx, 1, "");
        lower_push(&c, LLVMBuildLoad2(c.b, letter_type(ctx, sig[i]), p, ""));
    }
    wasm_insn insn = { .op = jf->op->code };
    if (!lower_numeric(&c, &insn)) {
        fprintf(stderr, "numeric_jit: lower_numeric refused %s\n", jf->op->text);
        LLVMDisposeBuilder(c.b);
        return false;
    }
    if (c.sp != 1) {
        fprintf(stderr, "numeric_jit: %s left %d values\n", jf->op->text, c.sp);
        exit(2);
    }
    LLVMBuildStore(c.b, lower_pop(&c), LLVMGetParam(c.fn, 2));
    LLVMBuildRetVoid(c.b);
    LLVMDisposeBuilder(c.b);
    return true;
}

/* ---- short sequences whose folding LLVM would get wrong ----------------- */

#define SNAN32 0x7fa00000ull                /* f32 nan:0x200000 (signalling) */
#define SNAN64 0x7ff4000000000000ull        /* f64 nan:0x4000000000000 */
#define ONE32 0x3f800000ull
#define MONE32 0xbf800000ull
#define ONE64 0x3ff0000000000000ull
#define MONE64 0xbff0000000000000ull
#define MZERO32 0x80000000ull
#define MZERO64 0x8000000000000000ull

typedef struct seq_test {
    const char *name;
    char type;              /* of the parameter and the result */
    uint64_t arg;
    unsigned n;
    struct { uint32_t op; uint64_t imm; } insn[3];   /* param is pushed first */
} seq_test;

/* Every test passes a signalling NaN and expects an arithmetic NaN. */
static const seq_test seq_tests[] = {
    { "f32 x*1", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, ONE32 }, { WASM_OP_F32_MUL, 0 } } },
    { "f32 x/1", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, ONE32 }, { WASM_OP_F32_DIV, 0 } } },
    { "f32 x/-1", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, MONE32 }, { WASM_OP_F32_DIV, 0 } } },
    { "f32 x*-1", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, MONE32 }, { WASM_OP_F32_MUL, 0 } } },
    { "f32 x-0", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, 0 }, { WASM_OP_F32_SUB, 0 } } },
    { "f32 x+-0", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, MZERO32 }, { WASM_OP_F32_ADD, 0 } } },
    { "f32 min(x,-0)", 'f', SNAN32, 2, { { WASM_OP_F32_CONST, MZERO32 }, { WASM_OP_F32_MIN, 0 } } },
    { "f32 demote(promote x)", 'f', SNAN32, 2, { { WASM_OP_F64_PROMOTE_F32, 0 },
                                                  { WASM_OP_F32_DEMOTE_F64, 0 } } },
    { "f64 x*1", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, ONE64 }, { WASM_OP_F64_MUL, 0 } } },
    { "f64 x/1", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, ONE64 }, { WASM_OP_F64_DIV, 0 } } },
    { "f64 x/-1", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, MONE64 }, { WASM_OP_F64_DIV, 0 } } },
    { "f64 x-0", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, 0 }, { WASM_OP_F64_SUB, 0 } } },
    { "f64 x+-0", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, MZERO64 }, { WASM_OP_F64_ADD, 0 } } },
    { "f64 max(x,-0)", 'd', SNAN64, 2, { { WASM_OP_F64_CONST, MZERO64 }, { WASM_OP_F64_MAX, 0 } } },
};

#define NSEQ (sizeof seq_tests / sizeof seq_tests[0])

static void build_seq(LLVMContextRef ctx, LLVMModuleRef mod, unsigned k)
{
    const seq_test *t = &seq_tests[k];
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef params[3] = { ptr, ptr, ptr };
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 3, false);
    lower_ctx c = { .ctx = ctx, .mod = mod };
    char sym[32];
    snprintf(sym, sizeof sym, "seq_%u", k);
    c.fn = LLVMAddFunction(mod, sym, fty);
    c.b = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(c.b, LLVMAppendBasicBlockInContext(ctx, c.fn, "entry"));
    c.trap_out = LLVMGetParam(c.fn, 0);
    lower_push(&c, LLVMBuildLoad2(c.b, letter_type(ctx, t->type), LLVMGetParam(c.fn, 1), ""));
    for (unsigned i = 0; i < t->n; i++) {
        wasm_insn insn = { .op = t->insn[i].op };
        if (insn.op == WASM_OP_F32_CONST)
            insn.imm.f32_bits = (uint32_t)t->insn[i].imm;
        else
            insn.imm.f64_bits = t->insn[i].imm;
        lower_numeric(&c, &insn);
    }
    LLVMBuildStore(c.b, lower_pop(&c), LLVMGetParam(c.fn, 2));
    LLVMBuildRetVoid(c.b);
    LLVMDisposeBuilder(c.b);
}

static unsigned run_seqs(LLVMExecutionEngineRef ee)
{
    unsigned fails = 0;
    for (unsigned k = 0; k < NSEQ; k++) {
        char sym[32];
        snprintf(sym, sizeof sym, "seq_%u", k);
        uint64_t addr = LLVMGetFunctionAddress(ee, sym);
        void (*fn)(uint32_t *, const uint64_t *, uint64_t *);
        memcpy(&fn, &addr, sizeof addr);
        uint32_t trap = 0;
        uint64_t arg = seq_tests[k].arg, result = 0;
        fn(&trap, &arg, &result);
        bool f32 = seq_tests[k].type == 'f';
        uint64_t quiet = f32 ? 0x7fc00000u : 0x7ff8000000000000ull;
        if (f32)
            result &= 0xffffffffu;
        if ((result & quiet) != quiet) {
            printf("sequence \"%s\": expected an arithmetic NaN, got 0x%" PRIx64 "\n",
                   seq_tests[k].name, result);
            fails++;
        }
    }
    return fails;
}

/* ---- loads and stores on a fake 64-byte memory -------------------------- */

typedef struct mem_insn {
    uint32_t op;
    uint64_t imm;           /* const value or memarg offset */
} mem_insn;

typedef struct mem_test {
    const char *name;
    unsigned n;
    mem_insn insn[6];
    uint64_t want;          /* bits of the single result */
} mem_test;

#define C32(v) { WASM_OP_I32_CONST, (v) }
#define C64(v) { WASM_OP_I64_CONST, (v) }

static const mem_test mem_tests[] = {
    { "i64 store, i32.load8_s", 5, { C32(8), C64(0x8182838485868788ull), { WASM_OP_I64_STORE, 0 },
      C32(8), { WASM_OP_I32_LOAD8_S, 0 } }, 0xffffff88u },
    { "i64 store, i64.load16_u off", 5, { C32(8), C64(0x8182838485868788ull),
      { WASM_OP_I64_STORE, 0 }, C32(4), { WASM_OP_I64_LOAD16_U, 6 } }, 0x8586u },
    { "i64 store, i64.load32_s", 5, { C32(3), C64(0x8182838485868788ull),
      { WASM_OP_I64_STORE, 0 }, C32(7), { WASM_OP_I64_LOAD32_S, 0 } }, 0xffffffff81828384ull },
    { "i64 store, i64.load32_u", 5, { C32(3), C64(0x8182838485868788ull),
      { WASM_OP_I64_STORE, 0 }, C32(7), { WASM_OP_I64_LOAD32_U, 0 } }, 0x81828384ull },
    { "i32.store16, i32.load", 5, { C32(0), C32(0x12345678), { WASM_OP_I32_STORE16, 2 },
      C32(0), { WASM_OP_I32_LOAD, 0 } }, 0x56780000u },
    { "i64.store32, i64.load", 5, { C32(16), C64(0x1122334455667788ull),
      { WASM_OP_I64_STORE32, 0 }, C32(16), { WASM_OP_I64_LOAD, 0 } }, 0x55667788ull },
    { "f32 sNaN roundtrip", 6, { C32(20), { WASM_OP_F32_CONST, 0xffa00001u },
      { WASM_OP_F32_STORE, 1 }, C32(21), { WASM_OP_F32_LOAD, 0 },
      { WASM_OP_I32_REINTERPRET_F32, 0 } }, 0xffa00001u },
    { "f64 sNaN roundtrip", 6, { C32(32), { WASM_OP_F64_CONST, 0x7ff0000000000001ull },
      { WASM_OP_F64_STORE, 0 }, C32(32), { WASM_OP_F64_LOAD, 0 },
      { WASM_OP_I64_REINTERPRET_F64, 0 } }, 0x7ff0000000000001ull },
};

#define NMEM (sizeof mem_tests / sizeof mem_tests[0])

static void build_mem(LLVMContextRef ctx, LLVMModuleRef mod, unsigned k)
{
    const mem_test *t = &mem_tests[k];
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef params[3] = { ptr, ptr, ptr };
    LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), params, 3, false);
    lower_ctx c = { .ctx = ctx, .mod = mod };
    char sym[32];
    snprintf(sym, sizeof sym, "mem_%u", k);
    c.fn = LLVMAddFunction(mod, sym, fty);
    c.b = LLVMCreateBuilderInContext(ctx);
    LLVMPositionBuilderAtEnd(c.b, LLVMAppendBasicBlockInContext(ctx, c.fn, "entry"));
    c.trap_out = LLVMGetParam(c.fn, 0);
    c.mem_base = LLVMGetParam(c.fn, 1);
    for (unsigned i = 0; i < t->n; i++) {
        wasm_insn insn = { .op = t->insn[i].op };
        switch (insn.op) {
        case WASM_OP_I32_CONST: insn.imm.i32 = (int32_t)t->insn[i].imm; break;
        case WASM_OP_I64_CONST: insn.imm.i64 = (int64_t)t->insn[i].imm; break;
        case WASM_OP_F32_CONST: insn.imm.f32_bits = (uint32_t)t->insn[i].imm; break;
        case WASM_OP_F64_CONST: insn.imm.f64_bits = t->insn[i].imm; break;
        default: insn.imm.mem.offset = t->insn[i].imm; break;
        }
        if (!lower_numeric(&c, &insn) && !lower_memory(&c, &insn)) {
            fprintf(stderr, "numeric_jit: %s: instruction 0x%x refused\n", t->name, insn.op);
            exit(2);
        }
    }
    LLVMValueRef v = lower_pop(&c);
    if (LLVMTypeOf(v) == LLVMInt32TypeInContext(ctx))
        v = LLVMBuildZExt(c.b, v, LLVMInt64TypeInContext(ctx), "");
    LLVMBuildStore(c.b, v, LLVMGetParam(c.fn, 2));
    LLVMBuildRetVoid(c.b);
    LLVMDisposeBuilder(c.b);
}

static unsigned run_mems(LLVMExecutionEngineRef ee)
{
    unsigned fails = 0;
    for (unsigned k = 0; k < NMEM; k++) {
        char sym[32];
        snprintf(sym, sizeof sym, "mem_%u", k);
        uint64_t addr = LLVMGetFunctionAddress(ee, sym);
        void (*fn)(uint32_t *, uint8_t *, uint64_t *);
        memcpy(&fn, &addr, sizeof addr);
        uint8_t memory[64] = { 0 };
        uint32_t trap = 0;
        uint64_t result = 0;
        fn(&trap, memory, &result);
        if (result != mem_tests[k].want) {
            printf("memory \"%s\": expected 0x%" PRIx64 ", got 0x%" PRIx64 "\n",
                   mem_tests[k].name, mem_tests[k].want, result);
            fails++;
        }
    }
    return fails;
}

/* ---- values ----------------------------------------------------------------- */

enum { V_BITS, V_NAN_CANON, V_NAN_ARITH };

typedef struct value {
    char type;          /* i l f d */
    int kind;
    uint64_t bits;
} value;

static bool parse_value(const cJSON *j, value *v)
{
    const cJSON *t = cJSON_GetObjectItem(j, "type");
    const cJSON *val = cJSON_GetObjectItem(j, "value");
    if (!cJSON_IsString(t) || !cJSON_IsString(val))
        return false;
    const char *ts = t->valuestring;
    if (strcmp(ts, "i32") == 0) v->type = 'i';
    else if (strcmp(ts, "i64") == 0) v->type = 'l';
    else if (strcmp(ts, "f32") == 0) v->type = 'f';
    else if (strcmp(ts, "f64") == 0) v->type = 'd';
    else return false;
    v->kind = V_BITS;
    v->bits = 0;
    if (strcmp(val->valuestring, "nan:canonical") == 0)
        v->kind = V_NAN_CANON;
    else if (strcmp(val->valuestring, "nan:arithmetic") == 0)
        v->kind = V_NAN_ARITH;
    else
        v->bits = strtoull(val->valuestring, NULL, 10);
    return true;
}

static bool value_matches(const value *want, uint64_t got)
{
    bool f32 = want->type == 'f';
    uint64_t exp_mask = f32 ? 0x7f800000u : 0x7ff0000000000000ull;
    uint64_t frac_mask = f32 ? 0x007fffffu : 0x000fffffffffffffull;
    uint64_t quiet = f32 ? 0x00400000u : 0x0008000000000000ull;
    switch (want->type) {
    case 'i': case 'f': got &= 0xffffffffu; break;
    default: break;
    }
    switch (want->kind) {
    case V_NAN_CANON:
        return (got & exp_mask) == exp_mask && (got & frac_mask) == quiet;
    case V_NAN_ARITH:
        return (got & exp_mask) == exp_mask && (got & quiet) != 0;
    default:
        return got == want->bits;
    }
}

static uint32_t trap_code_of(const char *text)
{
    if (strstr(text, "divide by zero")) return WACC_TRAP_INT_DIV_ZERO;
    if (strstr(text, "overflow")) return WACC_TRAP_INT_OVERFLOW;
    if (strstr(text, "invalid conversion")) return WACC_TRAP_BAD_CONVERSION;
    return 0;
}

/* ---- the scripts --------------------------------------------------------------- */

typedef struct run {
    jit_fn fns[MAX_FUNCS];
    unsigned nfns;
    unsigned pass, fail, skip;
} run;

/* The instruction an export of a single-instruction script names. */
static const op_entry *op_for_field(const char *file, const char *field)
{
    char text[64];
    if (strchr(field, '.')) {
        snprintf(text, sizeof text, "%s", field);
    } else {
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        snprintf(text, sizeof text, "%.3s.%s", base, field);
    }
    return find_op(text);
}

static jit_fn *fn_for(run *r, const op_entry *op)
{
    for (unsigned i = 0; i < r->nfns; i++)
        if (r->fns[i].op == op)
            return &r->fns[i];
    if (r->nfns == MAX_FUNCS)
        return NULL;
    r->fns[r->nfns].op = op;
    r->fns[r->nfns].fn = NULL;
    return &r->fns[r->nfns++];
}

static cJSON *load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    cJSON *j = cJSON_Parse(buf);
    free(buf);
    if (!j)
        fprintf(stderr, "%s: bad JSON\n", path);
    return j;
}

/* Pass 1 (exec == false): collect instructions. Pass 2: run the asserts. */
static void walk(run *r, const char *path, cJSON *root, bool exec)
{
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(root, "commands")) {
        const char *type = cJSON_GetObjectItem(cmd, "type")->valuestring;
        bool is_trap = strcmp(type, "assert_trap") == 0;
        if (!is_trap && strcmp(type, "assert_return") != 0)
            continue;
        const cJSON *action = cJSON_GetObjectItem(cmd, "action");
        const cJSON *field = cJSON_GetObjectItem(action, "field");
        const op_entry *op = op_for_field(path, field->valuestring);
        if (!op) {
            if (exec)
                r->skip++;
            continue;
        }
        jit_fn *jf = fn_for(r, op);
        if (!exec || !jf || !jf->fn) {
            if (exec)
                r->skip++;
            continue;
        }
        uint64_t args[4] = { 0 };
        unsigned n = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, cJSON_GetObjectItem(action, "args")) {
            value v;
            if (n == 4 || !parse_value(a, &v))
                break;
            args[n++] = v.bits;
        }
        uint32_t trap = 0;
        uint64_t result = 0;
        jf->fn(&trap, args, &result);
        int line = cJSON_GetObjectItem(cmd, "line")->valueint;
        if (is_trap) {
            uint32_t want = trap_code_of(cJSON_GetObjectItem(cmd, "text")->valuestring);
            if (trap == want) {
                r->pass++;
            } else {
                r->fail++;
                printf("%s:%d: %s: expected trap %u, got trap %u result 0x%" PRIx64 "\n", path,
                       line, op->text, want, trap, result);
            }
            continue;
        }
        value want;
        const cJSON *exp = cJSON_GetArrayItem(cJSON_GetObjectItem(cmd, "expected"), 0);
        if (!exp || !parse_value(exp, &want)) {
            r->skip++;
            continue;
        }
        if (trap == 0 && value_matches(&want, result)) {
            r->pass++;
        } else {
            r->fail++;
            printf("%s:%d: %s(0x%" PRIx64 ", 0x%" PRIx64 "): expected 0x%" PRIx64
                   " (kind %d), got 0x%" PRIx64 " trap %u\n",
                   path, line, op->text, args[0], args[1], want.bits, want.kind, result, trap);
        }
    }
}

int main(int argc, char **argv)
{
    const char *dump = NULL;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-d") == 0) {
        dump = argv[2];
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: numeric_jit [-d out.ll] FILE.json...\n");
        return 2;
    }
    int nfiles = argc - first;
    cJSON **docs = calloc((size_t)nfiles, sizeof *docs);
    run *r = calloc(1, sizeof *r);
    for (int i = 0; i < nfiles; i++) {
        docs[i] = load_json(argv[first + i]);
        if (docs[i])
            walk(r, argv[first + i], docs[i], false);
    }

    LLVMLinkInMCJIT();
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("numeric_jit", ctx);
    for (unsigned i = 0; i < r->nfns; i++)
        if (!build_op(ctx, mod, &r->fns[i]))
            r->fns[i].op = NULL;
    for (unsigned k = 0; k < NSEQ; k++)
        build_seq(ctx, mod, k);
    for (unsigned k = 0; k < NMEM; k++)
        build_mem(ctx, mod, k);
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
        fprintf(stderr, "numeric_jit: invalid module: %s\n", msg);
        return 2;
    }
    LLVMDisposeMessage(msg);

    LLVMExecutionEngineRef ee;
    struct LLVMMCJITCompilerOptions opts;
    LLVMInitializeMCJITCompilerOptions(&opts, sizeof opts);
    opts.OptLevel = 2;
    char *triple = LLVMGetDefaultTargetTriple();
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
        fprintf(stderr, "numeric_jit: %s\n", msg);
        return 2;
    }
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, "x86-64-v2", "",
                                                      LLVMCodeGenLevelDefault, LLVMRelocPIC,
                                                      LLVMCodeModelDefault);
    LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
    LLVMErrorRef perr = LLVMRunPasses(mod, "default<O2>", tm, pbo);
    if (perr) {
        char *em = LLVMGetErrorMessage(perr);
        fprintf(stderr, "numeric_jit: passes: %s\n", em);
        LLVMDisposeErrorMessage(em);
        return 2;
    }
    LLVMDisposePassBuilderOptions(pbo);
    if (dump) {
        LLVMPrintModuleToFile(mod, dump, NULL);
        char asm_path[512];
        snprintf(asm_path, sizeof asm_path, "%s.s", dump);
        if (LLVMTargetMachineEmitToFile(tm, mod, asm_path, LLVMAssemblyFile, &msg)) {
            fprintf(stderr, "numeric_jit: %s\n", msg);
            LLVMDisposeMessage(msg);
        }
    }
    LLVMDisposeTargetMachine(tm);
    LLVMDisposeMessage(triple);
    if (LLVMCreateMCJITCompilerForModule(&ee, mod, &opts, sizeof opts, &msg)) {
        fprintf(stderr, "numeric_jit: %s\n", msg);
        return 2;
    }
    for (unsigned i = 0; i < r->nfns; i++) {
        if (!r->fns[i].op)
            continue;
        uint64_t addr = LLVMGetFunctionAddress(ee, r->fns[i].sym);
        memcpy(&r->fns[i].fn, &addr, sizeof addr);
    }

    for (int i = 0; i < nfiles; i++)
        if (docs[i])
            walk(r, argv[first + i], docs[i], true);
    unsigned seq_fails = run_seqs(ee) + run_mems(ee);
    r->fail += seq_fails;
    r->pass += (unsigned)(NSEQ + NMEM) - seq_fails;
    printf("numeric_jit: %u passed, %u failed, %u skipped (%u instructions)\n", r->pass,
           r->fail, r->skip, r->nfns);
    int rc = r->fail ? 1 : 0;

    for (int i = 0; i < nfiles; i++)
        cJSON_Delete(docs[i]);
    free(docs);
    free(r);
    LLVMDisposeExecutionEngine(ee);
    LLVMContextDispose(ctx);
    return rc;
}
