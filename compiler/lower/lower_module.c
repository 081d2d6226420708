/*
 * lower_module.c — drives the lowering of a whole module: LLVM types that
 * mirror wacc/abi.h, the in-module memcpy/memset/memmove, the declaration of
 * every defined function, the bodies (lower_func.c), the artifact parts
 * (lower_artifact.c) and the final verification. A huge module (more than
 * 2 MB of code) is lowered in parts (wacc_parts in compiler.h): each part's
 * bodies go into a module of their own, which is verified, written as
 * bitcode and freed before the next part is lowered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>

#include "lower.h"

LLVMTypeRef lower_mod_valtype(lower_mod *lm, uint8_t wasm_type)
{
    switch (wasm_type) {
    case WASM_I32: return lm->t_i32;
    case WASM_I64: return lm->t_i64;
    case WASM_F32: return lm->t_f32;
    case WASM_F64: return lm->t_f64;
    case WASM_V128: return lm->t_v128;
    default: return lm->t_ptr;          /* funcref, externref */
    }
}

static void add_enum_attr(lower_mod *lm, LLVMValueRef fn, unsigned idx, const char *name)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(lm->ctx, kind, 0));
}

static void add_str_attr(lower_mod *lm, LLVMValueRef fn, const char *k, const char *v)
{
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
        LLVMCreateStringAttribute(lm->ctx, k, (unsigned)strlen(k), v, (unsigned)strlen(v)));
}

void lower_mod_fn_attrs(lower_mod *lm, LLVMValueRef fn)
{
    add_enum_attr(lm, fn, LLVMAttributeFunctionIndex, "nounwind");
    add_str_attr(lm, fn, "no-builtins", "");
    if (lm->t && lm->t->cpu_name[0])
        add_str_attr(lm, fn, "target-cpu", lm->t->cpu_name);
    if (lm->t && lm->t->features && lm->t->features[0])
        add_str_attr(lm, fn, "target-features", lm->t->features);
}

static LLVMTypeRef named_struct(lower_mod *lm, const char *name, LLVMTypeRef *fields, unsigned n)
{
    LLVMTypeRef s = LLVMStructCreateNamed(lm->ctx, name);
    LLVMStructSetBody(s, fields, n, 0);
    return s;
}

static bool build_types(lower_mod *lm)
{
    LLVMContextRef C = lm->ctx;
    lm->t_void = LLVMVoidTypeInContext(C);
    lm->t_i1 = LLVMInt1TypeInContext(C);
    lm->t_i8 = LLVMInt8TypeInContext(C);
    lm->t_i32 = LLVMInt32TypeInContext(C);
    lm->t_i64 = LLVMInt64TypeInContext(C);
    lm->t_f32 = LLVMFloatTypeInContext(C);
    lm->t_f64 = LLVMDoubleTypeInContext(C);
    lm->t_v128 = LLVMVectorType(lm->t_i32, 4);
    lm->t_ptr = LLVMPointerTypeInContext(C, 0);

    LLVMTypeRef f[32];
    _Static_assert((int)WACC_LIBCALL__COUNT <= 32 && (int)WACC_VMCTX__COUNT <= 32, "field count");
    for (unsigned i = 0; i < WACC_VMCTX__COUNT; i++)
        f[i] = lm->t_ptr;
    f[WACC_VMCTX_STACK_LIMIT] = lm->t_i64;
    lm->t_vmctx = named_struct(lm, "wacc_vmctx", f, WACC_VMCTX__COUNT);

    f[WACC_FUNCREF_CODE] = lm->t_ptr;
    f[WACC_FUNCREF_VMCTX] = lm->t_ptr;
    f[WACC_FUNCREF_TYPE_ID] = lm->t_i32;
    f[WACC_FUNCREF_RESERVED] = lm->t_i32;
    f[WACC_FUNCREF_ARRAY_CALL] = lm->t_ptr;
    lm->t_funcref = named_struct(lm, "wacc_funcref", f, WACC_FUNCREF_ARRAY_CALL + 1);

    f[WACC_TABLE_ELEMS] = lm->t_ptr;
    f[WACC_TABLE_SIZE] = lm->t_i32;
    f[WACC_TABLE_MAX] = lm->t_i32;
    lm->t_table = named_struct(lm, "wacc_table", f, WACC_TABLE_MAX + 1);

    f[WACC_MEMORY_BASE] = lm->t_ptr;
    f[WACC_MEMORY_SIZE] = lm->t_i64;
    lm->t_memory = named_struct(lm, "wacc_memory", f, WACC_MEMORY_SIZE + 1);

    f[WACC_LIMITS_EPOCH] = lm->t_i64;
    lm->t_limits = named_struct(lm, "wacc_limits", f, WACC_LIMITS__COUNT);

    for (unsigned i = 0; i < WACC_LIBCALL__COUNT; i++)
        f[i] = lm->t_ptr;
    lm->t_libcalls = named_struct(lm, "wacc_libcalls", f, WACC_LIBCALL__COUNT);

    const wasm_module *m = lm->m;
    lm->fn_types = calloc(m->ntypes ? m->ntypes : 1, sizeof *lm->fn_types);
    if (!lm->fn_types)
        return false;
    for (uint32_t t = 0; t < m->ntypes; t++) {
        const wasm_functype *ft = &m->types[t];
        LLVMTypeRef *ps = malloc((ft->nparams + 1) * sizeof *ps);
        LLVMTypeRef *rs = malloc((ft->nresults + 1) * sizeof *rs);
        if (!ps || !rs) {
            free(ps);
            free(rs);
            return false;
        }
        ps[0] = lm->t_ptr;
        for (uint32_t i = 0; i < ft->nparams; i++)
            ps[i + 1] = lower_mod_valtype(lm, ft->params[i]);
        for (uint32_t i = 0; i < ft->nresults; i++)
            rs[i] = lower_mod_valtype(lm, ft->results[i]);
        LLVMTypeRef ret = ft->nresults == 0 ? lm->t_void
                        : ft->nresults == 1 ? rs[0]
                        : LLVMStructTypeInContext(C, rs, ft->nresults, 0);
        lm->fn_types[t] = LLVMFunctionType(ret, ps, ft->nparams + 1, 0);
        free(ps);
        free(rs);
    }
    return true;
}

static void build_metadata_kinds(lower_mod *lm)
{
    LLVMContextRef C = lm->ctx;
    lm->md_invariant = LLVMGetMDKindIDInContext(C, "invariant.load", 14);
    lm->md_prof = LLVMGetMDKindIDInContext(C, "prof", 4);
    lm->md_nonnull = LLVMGetMDKindIDInContext(C, "nonnull", 7);
    lm->md_empty = LLVMMetadataAsValue(C, LLVMMDNodeInContext2(C, NULL, 0));
    LLVMMetadataRef w[3] = {
        LLVMMDStringInContext2(C, "branch_weights", 14),
        LLVMValueAsMetadata(LLVMConstInt(lm->t_i32, 1, 0)),
        LLVMValueAsMetadata(LLVMConstInt(lm->t_i32, 2000, 0)),
    };
    lm->md_unlikely = LLVMMetadataAsValue(C, LLVMMDNodeInContext2(C, w, 3));

    /* TBAA: root, one scalar type per disjoint kind of storage, and an
     * access tag {type, type, 0} for each. */
    lm->md_tbaa = LLVMGetMDKindIDInContext(C, "tbaa", 4);
    LLVMMetadataRef root_s = LLVMMDStringInContext2(C, "wacc tbaa", 9);
    LLVMMetadataRef root = LLVMMDNodeInContext2(C, &root_s, 1);
    LLVMMetadataRef zero = LLVMValueAsMetadata(LLVMConstInt(lm->t_i64, 0, 0));
    const char *names[4] = { "wasm memory", "wacc vm", "wasm global", "wasm table" };
    LLVMValueRef *tags[4] = { &lm->tbaa_mem, &lm->tbaa_vm, &lm->tbaa_global, &lm->tbaa_table };
    for (int i = 0; i < 4; i++) {
        LLVMMetadataRef tn[3] = { LLVMMDStringInContext2(C, names[i], strlen(names[i])), root, zero };
        LLVMMetadataRef type = LLVMMDNodeInContext2(C, tn, 3);
        LLVMMetadataRef an[3] = { type, type, zero };
        *tags[i] = LLVMMetadataAsValue(C, LLVMMDNodeInContext2(C, an, 3));
    }
}

/* ---- memcpy / memset / memmove in plain IR loops -------------------- */

/* A byte loop: for (i = 0; i < n; i++) body(i). `dir` < 0 walks from n-1
 * down to 0. Emits into fn starting from the builder's current block;
 * calls `emit` for each index. Leaves the builder in the exit block. */
typedef void (*byte_body)(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef *args, LLVMValueRef i);

static void byte_loop(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef fn, LLVMValueRef *args,
                      LLVMValueRef n, int dir, byte_body body)
{
    LLVMContextRef C = lm->ctx;
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(C, fn, "loop");
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(C, fn, "exit");
    LLVMValueRef zero = LLVMConstInt(lm->t_i64, 0, 0), one = LLVMConstInt(lm->t_i64, 1, 0);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, n, zero, ""), exit, head);
    LLVMPositionBuilderAtEnd(b, head);
    LLVMValueRef k = LLVMBuildPhi(b, lm->t_i64, "k");   /* iterations done */
    LLVMValueRef i = dir > 0 ? k : LLVMBuildSub(b, LLVMBuildSub(b, n, k, ""), one, "");
    body(lm, b, args, i);
    LLVMValueRef k1 = LLVMBuildAdd(b, k, one, "");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, k1, n, ""), exit, head);
    LLVMValueRef in_v[2] = { zero, k1 };
    LLVMBasicBlockRef in_b[2] = { pre, head };
    LLVMAddIncoming(k, in_v, in_b, 2);
    LLVMPositionBuilderAtEnd(b, exit);
}

static void copy_body(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef *args, LLVMValueRef i)
{
    LLVMValueRef s = LLVMBuildGEP2(b, lm->t_i8, args[1], &i, 1, "");
    LLVMValueRef d = LLVMBuildGEP2(b, lm->t_i8, args[0], &i, 1, "");
    LLVMBuildStore(b, LLVMBuildLoad2(b, lm->t_i8, s, ""), d);
}

static void set_body(lower_mod *lm, LLVMBuilderRef b, LLVMValueRef *args, LLVMValueRef i)
{
    LLVMValueRef d = LLVMBuildGEP2(b, lm->t_i8, args[0], &i, 1, "");
    LLVMBuildStore(b, args[1], d);
}

static LLVMValueRef libc_fn(lower_mod *lm, const char *name, LLVMTypeRef p1)
{
    LLVMTypeRef ps[3] = { lm->t_ptr, p1, lm->t_i64 };
    LLVMValueRef fn = LLVMAddFunction(lm->mod, name, LLVMFunctionType(lm->t_ptr, ps, 3, 0));
    LLVMSetLinkage(fn, LLVMExternalLinkage);
    LLVMSetVisibility(fn, LLVMHiddenVisibility);
    lower_mod_fn_attrs(lm, fn);
    return fn;
}

static void build_libc(lower_mod *lm)
{
    LLVMContextRef C = lm->ctx;
    LLVMBuilderRef b = LLVMCreateBuilderInContext(C);
    LLVMValueRef args[2];

    LLVMValueRef fn = libc_fn(lm, "memcpy", lm->t_ptr);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(C, fn, "entry"));
    args[0] = LLVMGetParam(fn, 0);
    args[1] = LLVMGetParam(fn, 1);
    byte_loop(lm, b, fn, args, LLVMGetParam(fn, 2), 1, copy_body);
    LLVMBuildRet(b, args[0]);

    fn = libc_fn(lm, "memmove", lm->t_ptr);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(C, fn, "entry"));
    args[0] = LLVMGetParam(fn, 0);
    args[1] = LLVMGetParam(fn, 1);
    LLVMBasicBlockRef fwd = LLVMAppendBasicBlockInContext(C, fn, "fwd");
    LLVMBasicBlockRef bwd = LLVMAppendBasicBlockInContext(C, fn, "bwd");
    LLVMValueRef di = LLVMBuildPtrToInt(b, args[0], lm->t_i64, "");
    LLVMValueRef si = LLVMBuildPtrToInt(b, args[1], lm->t_i64, "");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntULE, di, si, ""), fwd, bwd);
    LLVMPositionBuilderAtEnd(b, fwd);
    byte_loop(lm, b, fn, args, LLVMGetParam(fn, 2), 1, copy_body);
    LLVMBuildRet(b, args[0]);
    LLVMPositionBuilderAtEnd(b, bwd);
    byte_loop(lm, b, fn, args, LLVMGetParam(fn, 2), -1, copy_body);
    LLVMBuildRet(b, args[0]);

    fn = libc_fn(lm, "memset", lm->t_i32);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(C, fn, "entry"));
    args[0] = LLVMGetParam(fn, 0);
    args[1] = LLVMBuildTrunc(b, LLVMGetParam(fn, 1), lm->t_i8, "");
    byte_loop(lm, b, fn, args, LLVMGetParam(fn, 2), 1, set_body);
    LLVMBuildRet(b, args[0]);

    LLVMDisposeBuilder(b);
}

/* ---- function declarations ------------------------------------------ */

static bool reserved_name(const char *s)
{
    return strncmp(s, "wacc", 4) == 0 || strcmp(s, "memcpy") == 0 ||
           strcmp(s, "memset") == 0 || strcmp(s, "memmove") == 0 ||
           strncmp(s, "llvm", 4) == 0;
}

/* Symbol name for function `idx`: `prefix` and the sanitised wasm name or
 * wasm_func_<idx>. */
static void func_symbol(const wasm_module *m, uint32_t idx, const char *prefix, char *buf, size_t len)
{
    const char *name = m->func_names ? m->func_names[idx] : NULL;
    size_t o = prefix ? strlen(prefix) : 0;
    if (o > 32)
        o = 32;
    memcpy(buf, prefix ? prefix : "", o);
    if (!name || !name[0]) {
        snprintf(buf + o, len - o, "wasm_func_%u", idx);
        return;
    }
    if (reserved_name(name) || (name[0] >= '0' && name[0] <= '9')) {
        memcpy(buf + o, "w_", 2);
        o += 2;
    }
    for (const char *p = name; *p && o + 1 < len; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        buf[o++] = ok ? ch : '_';
    }
    buf[o] = 0;
}

static void set_err(wasm_error *err, size_t offset, const char *msg);

/* Mark every function a constant expression takes with ref.func. */
static void mark_constexpr(lower_mod *lm, const wasm_constexpr *e)
{
    if (!e->code || !e->len)
        return;
    wasm_reader r;
    wasm_error err;
    wasm_reader_init(&r, lm->m->bytes, e->code, e->code + e->len);
    while (r.p < r.end) {
        wasm_insn in;
        if (!wasm_read_insn(&r, &in, &err))
            break;
        if (in.op == WASM_OP_REF_FUNC && in.imm.idx < lm->m->nfuncs)
            lm->escapes[in.imm.idx] = true;
    }
    wasm_reader_free(&r);
}

/* Which functions can be reached other than by a direct call: exports,
 * element segments, ref.func in constant expressions, the start function.
 * (ref.func in code may only name these; lower_func marks them anyway.) */
static void find_escapes(lower_mod *lm)
{
    const wasm_module *m = lm->m;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WASM_EXTERN_FUNC && m->exports[i].index < m->nfuncs)
            lm->escapes[m->exports[i].index] = true;
    if (m->has_start && m->start < m->nfuncs)
        lm->escapes[m->start] = true;
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        mark_constexpr(lm, &m->globals[i].init);
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *el = &m->elems[i];
        for (uint32_t j = 0; j < el->count; j++) {
            if (el->funcs && el->funcs[j] < m->nfuncs)
                lm->escapes[el->funcs[j]] = true;
            else if (el->exprs)
                mark_constexpr(lm, &el->exprs[j]);
        }
    }
}

/* A defined function's declaration: internal, or (`hidden`: lowered in
 * parts) a hidden global, which its part makes internal again if no other
 * part uses it. */
static LLVMValueRef declare_function(lower_mod *lm, uint32_t i, const char *name, bool hidden)
{
    LLVMValueRef fn = LLVMAddFunction(lm->mod, name, lm->fn_types[lm->m->func_types[i]]);
    LLVMSetLinkage(fn, hidden ? LLVMExternalLinkage : LLVMInternalLinkage);
    if (hidden)
        LLVMSetVisibility(fn, LLVMHiddenVisibility);
    lower_mod_fn_attrs(lm, fn);
    /* Keep wasm call depth: no tail-recursion elimination (it turns
     * runaway recursion into an endless loop instead of a stack
     * exhaustion trap) and no sibling calls. */
    add_str_attr(lm, fn, "disable-tail-calls", "true");
    return fn;
}

LLVMValueRef lower_mod_func(lower_mod *lm, uint32_t i)
{
    if (!lm->funcs[i] && lm->decls) {
        size_t len = 0;
        const char *name = LLVMGetValueName2(lm->decls[i], &len);
        lm->funcs[i] = declare_function(lm, i, name, true);
    }
    return lm->funcs[i];
}

static bool declare_functions(lower_mod *lm, const char *prefix, bool hidden, wasm_error *err)
{
    const wasm_module *m = lm->m;
    char name[200];
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->func_types[i] >= m->ntypes) {
            set_err(err, 0, "internal error: function type index out of range");
            return false;
        }
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        func_symbol(m, i, prefix, name, sizeof name);
        lm->funcs[i] = declare_function(lm, i, name, hidden);
    }
    return true;
}

static void set_err(wasm_error *err, size_t offset, const char *msg)
{
    if (!err)
        return;
    err->offset = offset;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

/* After a failed module verification: name the first bad function. */
static void verify_error(lower_mod *lm, char *msg, wasm_error *err)
{
    const wasm_module *m = lm->m;
    char line[160];
    size_t n = strcspn(msg, "\n");
    snprintf(line, sizeof line, "%.*s", (int)(n < 150 ? n : 150), msg);
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        if (lm->funcs[i] && LLVMVerifyFunction(lm->funcs[i], LLVMReturnStatusAction)) {
            char buf[240];
            size_t len;
            const char *fname = LLVMGetValueName2(lm->funcs[i], &len);
            snprintf(buf, sizeof buf, "internal error: invalid IR in function %u (%.*s): %s",
                     i, (int)(len < 60 ? len : 60), fname, line);
            set_err(err, m->codes[i - m->nimported_funcs].code_offset, buf);
            return;
        }
    }
    char buf[240];
    snprintf(buf, sizeof buf, "internal error: invalid IR: %s", line);
    set_err(err, 0, buf);
}

/* ---- lowering in parts ---------------------------------------------- */

#define PARTS_MIN_CODE (2u << 20)       /* code bytes: a huge module (a JS engine: ~8 MB) */
#define PARTS_CODE (512u << 10)         /* code bytes per part */
#define PARTS_MAX 32

static size_t code_bytes(const wasm_module *m, uint32_t code)
{
    return (size_t)(m->codes[code].end - m->codes[code].body) + 1;
}

/* How many parts to lower `m` in; 0: the whole module at once. Depends
 * only on the module (and the debugging overrides). */
static size_t parts_wanted(const wasm_module *m)
{
    const char *force = getenv("WACC_HUGE"), *presplit = getenv("WACC_PRESPLIT");
    const char *dump = getenv("WACC_DUMP_IR"), *dump_raw = getenv("WACC_DUMP_IR_RAW");
    if ((force && force[0] == '0') || (presplit && presplit[0] == '0') || (dump && *dump) ||
        (dump_raw && *dump_raw))
        return 0;
    if (force && force[0] == '1') {
        const char *np = getenv("WACC_PARTS");
        long v = np && *np ? strtol(np, NULL, 10) : 0;
        return v < 2 ? 0 : v > PARTS_MAX ? PARTS_MAX : (size_t)v;
    }
    size_t total = 0;
    for (uint32_t c = 0; c < m->ncodes; c++)
        total += code_bytes(m, c);
    if (total < PARTS_MIN_CODE)
        return 0;
    size_t n = total / PARTS_CODE;
    return n < 2 ? 2 : n > PARTS_MAX ? PARTS_MAX : n;
}

void wacc_parts_free(wacc_parts *p)
{
    if (!p)
        return;
    for (size_t k = 0; k < p->n; k++)
        if (p->bc[k])
            LLVMDisposeMemoryBuffer(p->bc[k]);
    for (size_t k = 0; k < p->ncross; k++)
        free(p->cross[k]);
    free(p->bc);
    free(p->nfuncs);
    free(p->cross);
    memset(p, 0, sizeof *p);
}

static bool parts_add(wacc_parts *ps, LLVMMemoryBufferRef bc, size_t nfuncs)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        LLVMMemoryBufferRef *b = realloc(ps->bc, cap * sizeof *b);
        if (!b)
            return false;
        ps->bc = b;
        size_t *f = realloc(ps->nfuncs, cap * sizeof *f);
        if (!f)
            return false;
        ps->nfuncs = f;
        ps->cap = cap;
    }
    ps->bc[ps->n] = bc;
    ps->nfuncs[ps->n++] = nfuncs;
    return true;
}

static bool parts_cross(wacc_parts *ps, LLVMValueRef fn)
{
    if (ps->ncross == ps->cap_cross) {
        size_t cap = ps->cap_cross ? ps->cap_cross * 2 : 256;
        char **c = realloc(ps->cross, cap * sizeof *c);
        if (!c)
            return false;
        ps->cross = c;
        ps->cap_cross = cap;
    }
    size_t len = 0;
    const char *name = LLVMGetValueName2(fn, &len);
    char *copy = malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, name, len);
    copy[len] = 0;
    ps->cross[ps->ncross++] = copy;
    return true;
}

/* The module of one part: the artifact module's target, the libc
 * functions and the part's functions [lo, hi) declared (hidden; the
 * others' are declared on first use, lower_mod_func). */
static LLVMModuleRef part_module(lower_mod *lm, LLVMModuleRef head, LLVMValueRef *head_funcs, size_t p,
                                 uint32_t lo, uint32_t hi, LLVMValueRef *pf)
{
    const wasm_module *m = lm->m;
    char name[48];
    snprintf(name, sizeof name, "wasm.part%zu", p);
    LLVMModuleRef cm = LLVMModuleCreateWithNameInContext(name, lm->ctx);
    LLVMSetTarget(cm, LLVMGetTarget(head));
    LLVMSetDataLayout(cm, LLVMGetDataLayoutStr(head));
    lm->mod = cm;
    libc_fn(lm, "memcpy", lm->t_ptr);
    libc_fn(lm, "memmove", lm->t_ptr);
    libc_fn(lm, "memset", lm->t_i32);
    memset(pf, 0, m->nfuncs * sizeof *pf);
    for (uint32_t i = lo; i < hi; i++) {
        size_t len = 0;
        const char *fname = LLVMGetValueName2(head_funcs[i], &len);
        pf[i] = declare_function(lm, i, fname, true);
    }
    return cm;
}

/* Lower the function bodies into `nparts` parts (see wacc_parts), then
 * point lm back at the artifact module `lm->mod` (whose lm->funcs are
 * hidden declarations). `cross` collects the functions used outside their
 * part. */
static bool lower_parts(lower_mod *lm, size_t nparts, bool *cross, wacc_parts *ps, wasm_error *err)
{
    const wasm_module *m = lm->m;
    LLVMModuleRef head = lm->mod;
    LLVMValueRef *head_funcs = lm->funcs;
    LLVMValueRef *pf = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *pf);
    if (!pf) {
        set_err(err, 0, "out of memory");
        return false;
    }
    size_t total = 0;
    for (uint32_t c = 0; c < m->ncodes; c++)
        total += code_bytes(m, c);
    bool ok = true;
    uint32_t i = m->nimported_funcs;
    size_t acc = 0;
    for (size_t p = 0; ok && p < nparts && i < m->nfuncs; p++) {
        /* part p: the functions whose code starts in its share of the bytes */
        uint32_t lo = i;
        while (i < m->nfuncs) {
            size_t at = (size_t)((acc * (unsigned __int128)nparts) / total);
            if (at > p && i > lo)
                break;
            acc += code_bytes(m, i - m->nimported_funcs);
            i++;
        }
        LLVMModuleRef cm = part_module(lm, head, head_funcs, p, lo, i, pf);
        lm->funcs = pf;
        lm->decls = head_funcs;
        for (uint32_t f = lo; ok && f < i; f++)
            ok = lower_function(lm, f, err);
        if (ok) {
            lower_keep_used(cm);
            char *msg = NULL;
            if (LLVMVerifyModule(cm, LLVMReturnStatusAction, &msg)) {
                verify_error(lm, msg ? msg : "", err);
                ok = false;
            }
            LLVMDisposeMessage(msg);
        }
        for (uint32_t f = m->nimported_funcs; ok && f < m->nfuncs; f++) {
            if ((f >= lo && f < i) || !pf[f])
                continue;
            if (LLVMGetFirstUse(pf[f])) {
                cross[f] = true;
            } else {
                LLVMDeleteFunction(pf[f]);
                pf[f] = NULL;
            }
        }
        LLVMMemoryBufferRef bc = ok ? LLVMWriteBitcodeToMemoryBuffer(cm) : NULL;
        LLVMDisposeModule(cm);
        if (ok && (!bc || !parts_add(ps, bc, i - lo))) {
            if (bc)
                LLVMDisposeMemoryBuffer(bc);
            set_err(err, 0, "out of memory (bitcode of a part)");
            ok = false;
        }
    }
    lm->mod = head;
    lm->funcs = head_funcs;
    lm->decls = NULL;
    free(pf);
    return ok;
}

LLVMModuleRef wacc_lower_module_parts(LLVMContextRef ctx, const wasm_module *m, const wacc_target *t,
                                      const wacc_compile_options *o, uint64_t input_hash,
                                      uint64_t options_hash, const char *prefix, wacc_parts *parts,
                                      wasm_error *err)
{
    if (m->ncodes != m->nfuncs - m->nimported_funcs) {
        set_err(err, 0, "module has no code for some functions");
        return NULL;
    }
    size_t nparts = parts ? parts_wanted(m) : 0;
    lower_mod lm;
    memset(&lm, 0, sizeof lm);
    lm.ctx = ctx;
    lm.m = m;
    lm.t = t;
    lm.o = o;
    lm.mod = LLVMModuleCreateWithNameInContext(m->module_name ? m->module_name : "wasm", ctx);
    if (t) {
        LLVMSetTarget(lm.mod, t->triple);
        if (t->layout) {
            char *dl = LLVMCopyStringRepOfTargetData(t->layout);
            LLVMSetDataLayout(lm.mod, dl);
            LLVMDisposeMessage(dl);
        }
    }
    bool ok = false;
    bool *cross = NULL;
    lm.funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *lm.funcs);
    lm.escapes = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *lm.escapes);
    if (nparts)
        cross = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *cross);
    bool grows_ok = lower_never_grows(m, &lm.never_grows, &lm.frame_nogrow);
    if (!nparts)
        lm.plains = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *lm.plains);
    if (!lm.funcs || !lm.escapes || !grows_ok || (nparts ? !cross : !lm.plains) || !build_types(&lm)) {
        set_err(err, 0, "out of memory");
        goto out;
    }
    build_metadata_kinds(&lm);
    build_libc(&lm);
    find_escapes(&lm);
    if (!declare_functions(&lm, nparts ? prefix : NULL, nparts > 0, err))
        goto out;
    if (nparts) {
        if (!lower_parts(&lm, nparts, cross, parts, err))
            goto out;
    } else {
        for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
            if (!lower_function(&lm, i, err))
                goto out;
    }
    if (!lower_artifact(&lm, input_hash, options_hash, err))
        goto out;
    lower_keep_used(lm.mod);
    if (nparts)
        for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
            bool used = LLVMGetFirstUse(lm.funcs[i]) != NULL;
            if ((used || cross[i]) && !parts_cross(parts, lm.funcs[i])) {
                set_err(err, 0, "out of memory");
                goto out;
            }
            if (!used) {
                LLVMDeleteFunction(lm.funcs[i]);    /* the artifact does not use it */
                lm.funcs[i] = NULL;
            }
        }

    char *msg = NULL;
    if (LLVMVerifyModule(lm.mod, LLVMReturnStatusAction, &msg)) {
        verify_error(&lm, msg ? msg : "", err);
        LLVMDisposeMessage(msg);
        goto out;
    }
    LLVMDisposeMessage(msg);
    ok = true;
out:
    free(lm.fn_types);
    free(lm.funcs);
    free(lm.escapes);
    free(lm.never_grows);
    free(lm.frame_nogrow);
    free(lm.plains);
    free(cross);
    if (!ok) {
        LLVMDisposeModule(lm.mod);
        return NULL;
    }
    return lm.mod;
}

LLVMModuleRef wacc_lower_module(LLVMContextRef ctx, const wasm_module *m, const wacc_target *t,
                                const wacc_compile_options *o, uint64_t input_hash,
                                uint64_t options_hash, wasm_error *err)
{
    return wacc_lower_module_parts(ctx, m, t, o, input_hash, options_hash, NULL, NULL, err);
}
