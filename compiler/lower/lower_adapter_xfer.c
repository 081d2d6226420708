/*
 * lower_adapter_xfer.c — moving one component value from one side of a
 * fused adapter to the other (wacc/abi.h "Fused adapters (k2)"): flat core
 * values to flat core values, or linear memory to linear memory, checking
 * and normalising what lift_flat/load would (CanonicalABI.md) and re-encoding
 * what lower_flat/store would. Strings and lists are allocated and checked
 * by the runtime through the ops table.
 */
#include <stdio.h>
#include <string.h>

#include "lower_adapter.h"

/* ---- small helpers ---------------------------------------------------- */

LLVMTypeRef adapter_flat_type(agen *g, uint8_t flat)
{
    switch (flat) {
    case WACC_FLAT_I64: return g->t_i64;
    case WACC_FLAT_F32: return g->t_f32;
    case WACC_FLAT_F64: return g->t_f64;
    default: return g->t_i32;
    }
}

static LLVMValueRef c32(agen *g, uint64_t v) { return LLVMConstInt(g->t_i32, v, 0); }
static LLVMValueRef c64(agen *g, uint64_t v) { return LLVMConstInt(g->t_i64, v, 0); }

static LLVMBasicBlockRef new_block(agen *g, const char *name)
{
    return LLVMAppendBasicBlockInContext(g->C, g->fn, name);
}

LLVMValueRef adapter_load_field(agen *g, LLVMTypeRef sty, LLVMValueRef p, unsigned field,
                                LLVMTypeRef ty)
{
    LLVMValueRef fp = LLVMBuildStructGEP2(g->b, sty, p, field, "");
    LLVMValueRef v = LLVMBuildLoad2(g->b, ty, fp, "");
    LLVMSetMetadata(v, g->md_invariant, g->md_empty);
    return v;
}

static LLVMValueRef op_fn(agen *g, unsigned slot)
{
    return adapter_load_field(g, g->t_ops, g->ops, slot, g->t_ptr);
}

static LLVMValueRef call_op(agen *g, unsigned slot, LLVMTypeRef ret, LLVMValueRef *args,
                            unsigned nargs)
{
    LLVMTypeRef ps[8];
    LLVMValueRef as[8];
    ps[0] = g->t_ptr;
    as[0] = g->cx;
    for (unsigned i = 0; i < nargs; i++) {
        ps[i + 1] = LLVMTypeOf(args[i]);
        as[i + 1] = args[i];
    }
    LLVMTypeRef fty = LLVMFunctionType(ret, ps, nargs + 1, 0);
    return LLVMBuildCall2(g->b, fty, op_fn(g, slot), as, nargs + 1, "");
}

LLVMValueRef adapter_addr(agen *g, int side, LLVMValueRef p, uint64_t off)
{
    if (!g->base[side]) {
        /* Loaded in the entry block so every later block sees it. */
        LLVMBasicBlockRef cur = LLVMGetInsertBlock(g->b);
        LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(g->fn);
        LLVMValueRef term = LLVMGetBasicBlockTerminator(entry);
        if (term)
            LLVMPositionBuilderBefore(g->b, term);
        else
            LLVMPositionBuilderAtEnd(g->b, entry);
        LLVMValueRef mems = LLVMBuildStructGEP2(g->b, g->t_ctx, g->cx, WACC_ACTX_MEM, "");
        LLVMValueRef idx[2] = { c32(g, 0), c32(g, (unsigned)side) };
        LLVMValueRef mp = LLVMBuildGEP2(g->b, LLVMArrayType2(g->t_ptr, 2), mems, idx, 2, "");
        LLVMValueRef mem = LLVMBuildLoad2(g->b, g->t_ptr, mp, side ? "callee_mem" : "caller_mem");
        LLVMSetMetadata(mem, g->md_invariant, g->md_empty);
        g->base[side] = adapter_load_field(g, g->t_memory, mem, WACC_MEMORY_BASE, g->t_ptr);
        LLVMPositionBuilderAtEnd(g->b, cur);
    }
    LLVMValueRef i = LLVMBuildZExt(g->b, p, g->t_i64, "");
    if (off)
        i = LLVMBuildAdd(g->b, i, c64(g, off), "");
    return LLVMBuildGEP2(g->b, g->t_i8, g->base[side], &i, 1, "");
}

static LLVMValueRef at(agen *g, LLVMValueRef p, uint64_t off)
{
    if (!off)
        return p;
    LLVMValueRef i = c64(g, off);
    return LLVMBuildGEP2(g->b, g->t_i8, p, &i, 1, "");
}

static LLVMValueRef load(agen *g, LLVMTypeRef ty, LLVMValueRef p, unsigned align)
{
    LLVMValueRef v = LLVMBuildLoad2(g->b, ty, p, "");
    LLVMSetAlignment(v, align);
    return v;
}

static void store(agen *g, LLVMValueRef v, LLVMValueRef p, unsigned align)
{
    LLVMSetAlignment(LLVMBuildStore(g->b, v, p), align);
}

void adapter_trap_if(agen *g, LLVMValueRef cond, unsigned reason, LLVMValueRef value)
{
    LLVMBasicBlockRef trap = new_block(g, "trap"), cont = new_block(g, "ok");
    LLVMBuildCondBr(g->b, cond, trap, cont);
    LLVMPositionBuilderAtEnd(g->b, trap);
    LLVMValueRef args[2] = { c32(g, reason), value };
    LLVMValueRef call = call_op(g, WACC_AOPS_TRAP, g->t_void, args, 2);
    unsigned k = LLVMGetEnumAttributeKindForName("noreturn", 8);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->C, k, 0));
    k = LLVMGetEnumAttributeKindForName("cold", 4);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->C, k, 0));
    LLVMBuildUnreachable(g->b);
    LLVMPositionBuilderAtEnd(g->b, cont);
}

void adapter_call_check(agen *g, int side, LLVMValueRef ptr, uint32_t size, uint32_t align)
{
    LLVMValueRef args[4] = { c32(g, (unsigned)side), ptr, c32(g, size), c32(g, align) };
    call_op(g, WACC_AOPS_CHECK, g->t_void, args, 4);
}

LLVMValueRef adapter_call_alloc(agen *g, int side, uint32_t align, uint32_t size)
{
    LLVMValueRef args[3] = { c32(g, (unsigned)side), c32(g, align), c32(g, size) };
    return call_op(g, WACC_AOPS_ALLOC, g->t_i32, args, 3);
}

/* Copy-by-bytes is enough for these: no value to check or normalise. */
static bool is_plain(const wacc_ctype *t)
{
    switch (t->kind) {
    case WACC_CT_S8: case WACC_CT_U8: case WACC_CT_S16: case WACC_CT_U16:
    case WACC_CT_S32: case WACC_CT_U32: case WACC_CT_S64: case WACC_CT_U64:
    case WACC_CT_F32: case WACC_CT_F64:
        return true;
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
        for (uint32_t i = 0; i < t->n; i++)
            if (!is_plain(t->fields[i].type))
                return false;
        return true;
    case WACC_CT_LIST:
        return t->has_len && is_plain(t->elem);
    default:
        return false;
    }
}

bool adapter_type_ok(const wacc_ctype *t, char *err, size_t cap)
{
    switch (t->kind) {
    case WACC_CT_BOOL: case WACC_CT_S8: case WACC_CT_U8: case WACC_CT_S16: case WACC_CT_U16:
    case WACC_CT_S32: case WACC_CT_U32: case WACC_CT_S64: case WACC_CT_U64:
    case WACC_CT_F32: case WACC_CT_F64: case WACC_CT_CHAR: case WACC_CT_STRING:
    case WACC_CT_FLAGS: case WACC_CT_OWN: case WACC_CT_BORROW:
        return true;
    case WACC_CT_LIST:
        return adapter_type_ok(t->elem, err, cap);
    case WACC_CT_RECORD: case WACC_CT_TUPLE:
    case WACC_CT_VARIANT: case WACC_CT_ENUM: case WACC_CT_OPTION: case WACC_CT_RESULT:
        for (uint32_t i = 0; i < t->n; i++)
            if (t->fields[i].type && !adapter_type_ok(t->fields[i].type, err, cap))
                return false;
        return true;
    default:
        snprintf(err, cap, "type kind %u cannot be fused", t->kind);
        return false;
    }
}

/* ---- checks shared by both transfer forms ------------------------------ */

void adapter_call_scope(agen *g, bool begin)
{
    call_op(g, begin ? WACC_AOPS_CALL_BEGIN : WACC_AOPS_CALL_END, g->t_void, NULL, 0);
}

/* An own/borrow handle (i32) through ops->handle. */
static LLVMValueRef xfer_handle(agen *g, const wacc_ctype *t, LLVMValueRef x, int to)
{
    uint32_t res = 0;
    while (res < g->nres && g->res[res] != t->rt)
        res++;
    LLVMValueRef args[4] = {
        c32(g, (uint64_t)to),
        c32(g, t->kind == WACC_CT_OWN ? WACC_ADAPTER_OWN : WACC_ADAPTER_BORROW),
        c32(g, res), x,
    };
    return call_op(g, WACC_AOPS_HANDLE, g->t_i32, args, 4);
}

static LLVMValueRef check_char(agen *g, LLVMValueRef x)
{
    LLVMValueRef sur = LLVMBuildICmp(g->b, LLVMIntULT, LLVMBuildSub(g->b, x, c32(g, 0xD800), ""),
                                     c32(g, 0x800), "");
    LLVMValueRef big = LLVMBuildICmp(g->b, LLVMIntUGT, x, c32(g, 0x10FFFF), "");
    adapter_trap_if(g, LLVMBuildOr(g->b, sur, big, ""), WACC_ADAPTER_TRAP_CHAR, x);
    return x;
}

static void check_disc(agen *g, LLVMValueRef d, uint32_t n)
{
    adapter_trap_if(g, LLVMBuildICmp(g->b, LLVMIntUGE, d, c32(g, n), ""),
                    WACC_ADAPTER_TRAP_DISCRIMINANT, d);
}

static uint64_t flags_mask(uint32_t n)
{
    return n >= 32 ? 0xFFFFFFFFu : ((1u << n) - 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

static bool variant_like(const wacc_ctype *t)
{
    return t->kind == WACC_CT_VARIANT || t->kind == WACC_CT_ENUM ||
           t->kind == WACC_CT_OPTION || t->kind == WACC_CT_RESULT;
}

/* ---- lists: ops->list, then element by element when not plain --------- */

static void mem_elems(agen *g, const wacc_ctype *elem, LLVMValueRef src, LLVMValueRef dst,
                      LLVMValueRef n64, int to)
{
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef body = new_block(g, "elem"), done = new_block(g, "elems_done");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, n64, c64(g, 0), ""), done, body);
    LLVMPositionBuilderAtEnd(g->b, body);
    LLVMValueRef i = LLVMBuildPhi(g->b, g->t_i64, "i");
    LLVMValueRef off = LLVMBuildMul(g->b, i, c64(g, elem->size[0]), "");
    LLVMValueRef s = LLVMBuildGEP2(g->b, g->t_i8, src, &off, 1, "");
    LLVMValueRef d = LLVMBuildGEP2(g->b, g->t_i8, dst, &off, 1, "");
    adapter_mem_xfer(g, elem, s, d, to);
    LLVMValueRef next = LLVMBuildNUWAdd(g->b, i, c64(g, 1), "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMValueRef zero = c64(g, 0);
    LLVMAddIncoming(i, &zero, &pre, 1);
    LLVMAddIncoming(i, &next, &latch, 1);
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, next, n64, ""), body, done);
    LLVMPositionBuilderAtEnd(g->b, done);
}

void adapter_mem_elems(agen *g, const wacc_ctype *elem, LLVMValueRef src, LLVMValueRef dst,
                       LLVMValueRef n64, int to)
{
    mem_elems(g, elem, src, dst, n64, to);
}

/* The list (ptr, n) in the source memory copied to `to`; returns the
 * destination pointer. */
static LLVMValueRef xfer_list(agen *g, const wacc_ctype *t, LLVMValueRef ptr, LLVMValueRef n, int to)
{
    const wacc_ctype *e = t->elem;
    bool plain = is_plain(e);
    LLVMValueRef args[6] = { c32(g, (unsigned)to), ptr, n, c32(g, e->size[0]), c32(g, e->align[0]),
                             c32(g, plain) };
    LLVMValueRef dptr = call_op(g, WACC_AOPS_LIST, g->t_i32, args, 6);
    if (!plain)
        mem_elems(g, e, adapter_addr(g, !to, ptr, 0), adapter_addr(g, to, dptr, 0),
                  LLVMBuildZExt(g->b, n, g->t_i64, ""), to);
    return dptr;
}

static LLVMValueRef xfer_string(agen *g, LLVMValueRef ptr, LLVMValueRef len, int to,
                                LLVMValueRef *dlen)
{
    LLVMValueRef args[3] = { c32(g, (unsigned)to), ptr, len };
    LLVMValueRef r = call_op(g, WACC_AOPS_STRING, g->t_i64, args, 3);
    *dlen = LLVMBuildTrunc(g->b, LLVMBuildLShr(g->b, r, c64(g, 32), ""), g->t_i32, "");
    return LLVMBuildTrunc(g->b, r, g->t_i32, "");
}

/* ---- flat -> flat ------------------------------------------------------ */

/* Joined slot type `have` -> the case's own flat type `want` (lift_flat_variant). */
static LLVMValueRef coerce_in(agen *g, LLVMValueRef x, uint8_t have, uint8_t want)
{
    if (have == want)
        return x;
    if (have == WACC_FLAT_I64)
        x = want == WACC_FLAT_F64 ? x : LLVMBuildTrunc(g->b, x, g->t_i32, "");
    return LLVMBuildBitCast(g->b, x, adapter_flat_type(g, want), "");
}

/* The case's flat type `have` -> the joined slot type `want` (lower_flat_variant). */
static LLVMValueRef coerce_out(agen *g, LLVMValueRef x, uint8_t have, uint8_t want)
{
    if (have == want)
        return x;
    if (have == WACC_FLAT_F32)
        x = LLVMBuildBitCast(g->b, x, g->t_i32, "");
    else if (have == WACC_FLAT_F64)
        return LLVMBuildBitCast(g->b, x, g->t_i64, "");
    if (want == WACC_FLAT_I64)
        x = LLVMBuildZExt(g->b, x, g->t_i64, "");
    return x;
}

/* A switch on the checked discriminant d of an n-case variant: its
 * default is unreachable; the cases are the caller's to add. */
static LLVMValueRef case_switch(agen *g, LLVMValueRef d, uint32_t n)
{
    LLVMBasicBlockRef dflt = new_block(g, "bad_case");
    LLVMValueRef sw = LLVMBuildSwitch(g->b, d, dflt, n);
    LLVMPositionBuilderAtEnd(g->b, dflt);
    LLVMBuildUnreachable(g->b);
    return sw;
}

/* Case c of sw: without a payload straight to merge (false); with one a
 * block of its own, the builder at it (true). */
static bool case_begin(agen *g, LLVMValueRef sw, uint32_t c, bool payload,
                       LLVMBasicBlockRef merge)
{
    if (!payload) {
        LLVMAddCase(sw, c32(g, c), merge);
        return false;
    }
    LLVMBasicBlockRef bb = new_block(g, "case");
    LLVMAddCase(sw, c32(g, c), bb);
    LLVMPositionBuilderAtEnd(g->b, bb);
    return true;
}

/* The end of a variant case's block: its payload's np joined values vals[]
 * padded with zeros to the variant's nslots flat slots, a branch to merge,
 * and the values as the incomings of the slots' phis there. */
static void case_join(agen *g, const uint8_t *slots, uint32_t nslots, LLVMValueRef *vals,
                      uint32_t np, LLVMBasicBlockRef merge, LLVMValueRef *phis)
{
    for (uint32_t k = np; k < nslots; k++)
        vals[k] = LLVMConstNull(adapter_flat_type(g, slots[k]));
    LLVMBasicBlockRef end = LLVMGetInsertBlock(g->b);
    LLVMBuildBr(g->b, merge);
    for (uint32_t k = 0; k < nslots; k++)
        LLVMAddIncoming(phis[k], &vals[k], &end, 1);
}

static void flat_variant(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef *out,
                         int to)
{
    LLVMValueRef d = in[0];
    check_disc(g, d, t->n);
    out[0] = d;
    uint32_t nslots = t->nflat - 1;
    if (nslots == 0)
        return;
    const uint8_t *slots = &t->flat[0][1];
    LLVMValueRef sw = case_switch(g, d, t->n);
    LLVMBasicBlockRef merge = new_block(g, "case_done");
    LLVMPositionBuilderAtEnd(g->b, merge);
    LLVMValueRef phis[WACC_ABI_MAX_FLAT];
    for (uint32_t k = 0; k < nslots; k++)
        phis[k] = LLVMBuildPhi(g->b, adapter_flat_type(g, slots[k]), "");
    for (uint32_t c = 0; c < t->n; c++) {
        const wacc_ctype *ct = t->fields[c].type;
        case_begin(g, sw, c, true, merge);
        LLVMValueRef vals[WACC_ABI_MAX_FLAT];
        uint32_t np = ct ? ct->nflat : 0;
        if (ct) {
            LLVMValueRef pin[WACC_ABI_MAX_FLAT], pout[WACC_ABI_MAX_FLAT];
            for (uint32_t k = 0; k < np; k++)
                pin[k] = coerce_in(g, in[1 + k], slots[k], ct->flat[0][k]);
            adapter_flat_xfer(g, ct, pin, pout, to);
            for (uint32_t k = 0; k < np; k++)
                vals[k] = coerce_out(g, pout[k], ct->flat[0][k], slots[k]);
        }
        case_join(g, slots, nslots, vals, np, merge, phis);
    }
    LLVMPositionBuilderAtEnd(g->b, merge);
    for (uint32_t k = 0; k < nslots; k++)
        out[1 + k] = phis[k];
}

void adapter_flat_xfer(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef *out,
                       int to)
{
    switch (t->kind) {
    case WACC_CT_BOOL:
        out[0] = LLVMBuildZExt(g->b, LLVMBuildICmp(g->b, LLVMIntNE, in[0], c32(g, 0), ""),
                               g->t_i32, "");
        return;
    case WACC_CT_S8: case WACC_CT_U8: case WACC_CT_S16: case WACC_CT_U16: {
        unsigned bits = t->kind == WACC_CT_S8 || t->kind == WACC_CT_U8 ? 8 : 16;
        LLVMValueRef x = LLVMBuildTrunc(g->b, in[0], LLVMIntTypeInContext(g->C, bits), "");
        bool sign = t->kind == WACC_CT_S8 || t->kind == WACC_CT_S16;
        out[0] = sign ? LLVMBuildSExt(g->b, x, g->t_i32, "") : LLVMBuildZExt(g->b, x, g->t_i32, "");
        return;
    }
    case WACC_CT_CHAR:
        out[0] = check_char(g, in[0]);
        return;
    case WACC_CT_STRING:
        out[0] = xfer_string(g, in[0], in[1], to, &out[1]);
        return;
    case WACC_CT_FLAGS:
        out[0] = t->n >= 32 ? in[0] : LLVMBuildAnd(g->b, in[0], c32(g, flags_mask(t->n)), "");
        return;
    case WACC_CT_OWN: case WACC_CT_BORROW:
        out[0] = xfer_handle(g, t, in[0], to);
        return;
    case WACC_CT_LIST:
        if (t->has_len) {
            uint32_t ne = t->elem->nflat;
            for (uint32_t i = 0; i < t->n; i++)
                adapter_flat_xfer(g, t->elem, in + i * ne, out + i * ne, to);
        } else {
            out[0] = xfer_list(g, t, in[0], in[1], to);
            out[1] = in[1];
        }
        return;
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        uint32_t pos = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            adapter_flat_xfer(g, ft, in + pos, out + pos, to);
            pos += ft->nflat;
        }
        return;
    }
    default:
        if (variant_like(t)) {
            flat_variant(g, t, in, out, to);
            return;
        }
        for (uint32_t k = 0; k < t->nflat; k++)      /* ints, floats */
            out[k] = in[k];
        return;
    }
}

/* ---- memory -> memory ------------------------------------------------- */

static LLVMTypeRef int_type(agen *g, uint32_t bytes)
{
    return LLVMIntTypeInContext(g->C, bytes * 8);
}

static void mem_variant(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef dst, int to)
{
    LLVMTypeRef dt = int_type(g, t->disc_size);
    LLVMValueRef d = load(g, dt, src, t->disc_size);
    LLVMValueRef d32 = t->disc_size < 4 ? LLVMBuildZExt(g->b, d, g->t_i32, "") : d;
    check_disc(g, d32, t->n);
    store(g, d, dst, t->disc_size);
    uint32_t off = (uint32_t)align_up(t->disc_size, t->case_align[0]);
    bool any = false;
    for (uint32_t c = 0; c < t->n; c++)
        any |= t->fields[c].type != NULL;
    if (!any)
        return;
    LLVMValueRef sw = case_switch(g, d32, t->n);
    LLVMBasicBlockRef merge = new_block(g, "case_done");
    for (uint32_t c = 0; c < t->n; c++) {
        const wacc_ctype *ct = t->fields[c].type;
        if (!case_begin(g, sw, c, ct != NULL, merge))
            continue;
        adapter_mem_xfer(g, ct, at(g, src, off), at(g, dst, off), to);
        LLVMBuildBr(g->b, merge);
    }
    LLVMPositionBuilderAtEnd(g->b, merge);
}

void adapter_mem_xfer(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef dst, int to)
{
    switch (t->kind) {
    case WACC_CT_BOOL: {
        LLVMValueRef x = load(g, g->t_i8, src, 1);
        x = LLVMBuildICmp(g->b, LLVMIntNE, x, LLVMConstInt(g->t_i8, 0, 0), "");
        store(g, LLVMBuildZExt(g->b, x, g->t_i8, ""), dst, 1);
        return;
    }
    case WACC_CT_CHAR:
        store(g, check_char(g, load(g, g->t_i32, src, 4)), dst, 4);
        return;
    case WACC_CT_OWN: case WACC_CT_BORROW:
        store(g, xfer_handle(g, t, load(g, g->t_i32, src, 4), to), dst, 4);
        return;
    case WACC_CT_STRING: {
        LLVMValueRef p = load(g, g->t_i32, src, 4), n = load(g, g->t_i32, at(g, src, 4), 4), dn;
        LLVMValueRef dp = xfer_string(g, p, n, to, &dn);
        store(g, dp, dst, 4);
        store(g, dn, at(g, dst, 4), 4);
        return;
    }
    case WACC_CT_FLAGS: {
        LLVMTypeRef ty = int_type(g, t->disc_size);
        LLVMValueRef x = load(g, ty, src, t->disc_size);
        if (t->n < t->disc_size * 8u)
            x = LLVMBuildAnd(g->b, x, LLVMConstInt(ty, flags_mask(t->n), 0), "");
        store(g, x, dst, t->disc_size);
        return;
    }
    case WACC_CT_LIST:
        if (t->has_len) {
            mem_elems(g, t->elem, src, dst, c64(g, t->n), to);
        } else {
            LLVMValueRef p = load(g, g->t_i32, src, 4), n = load(g, g->t_i32, at(g, src, 4), 4);
            store(g, xfer_list(g, t, p, n, to), dst, 4);
            store(g, n, at(g, dst, 4), 4);
        }
        return;
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        uint64_t off = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            off = align_up(off, ft->align[0]);
            adapter_mem_xfer(g, ft, at(g, src, off), at(g, dst, off), to);
            off += ft->size[0];
        }
        return;
    }
    default:
        if (variant_like(t)) {
            mem_variant(g, t, src, dst, to);
            return;
        }
        /* ints and floats: the bits (NaN payloads may pass) */
        store(g, load(g, int_type(g, t->size[0]), src, t->align[0]), dst, t->align[0]);
        return;
    }
}

/* ---- memory <-> flat, on one side (async adapters) ---------------------- */

/* load_flat helper for a variant: the discriminant (zero-extended, not
 * checked: adapter_flat_xfer checks it) and the case's payload joined into
 * the variant's flat slots (zeros for no payload or a bad discriminant). */
static void load_variant(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef *out)
{
    LLVMValueRef d = load(g, int_type(g, t->disc_size), src, t->disc_size);
    out[0] = t->disc_size < 4 ? LLVMBuildZExt(g->b, d, g->t_i32, "") : d;
    uint32_t nslots = t->nflat - 1;
    if (nslots == 0)
        return;
    const uint8_t *slots = &t->flat[0][1];
    uint32_t off = (uint32_t)align_up(t->disc_size, t->case_align[0]);
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef merge = new_block(g, "lcase_done");
    LLVMValueRef sw = LLVMBuildSwitch(g->b, out[0], merge, t->n);
    LLVMPositionBuilderAtEnd(g->b, merge);
    LLVMValueRef phis[WACC_ABI_MAX_FLAT];
    for (uint32_t k = 0; k < nslots; k++) {
        phis[k] = LLVMBuildPhi(g->b, adapter_flat_type(g, slots[k]), "");
        LLVMValueRef z = LLVMConstNull(adapter_flat_type(g, slots[k]));
        LLVMAddIncoming(phis[k], &z, &pre, 1);
    }
    for (uint32_t c = 0; c < t->n; c++) {
        const wacc_ctype *ct = t->fields[c].type;
        case_begin(g, sw, c, true, merge);
        LLVMValueRef vals[WACC_ABI_MAX_FLAT];
        uint32_t np = ct ? ct->nflat : 0;
        if (ct) {
            LLVMValueRef pin[WACC_ABI_MAX_FLAT];
            adapter_load_flat(g, ct, at(g, src, off), pin);
            for (uint32_t k = 0; k < np; k++)
                vals[k] = coerce_out(g, pin[k], ct->flat[0][k], slots[k]);
        }
        case_join(g, slots, nslots, vals, np, merge, phis);
    }
    LLVMPositionBuilderAtEnd(g->b, merge);
    for (uint32_t k = 0; k < nslots; k++)
        out[1 + k] = phis[k];
}

void adapter_load_flat(agen *g, const wacc_ctype *t, LLVMValueRef src, LLVMValueRef *out)
{
    switch (t->kind) {
    case WACC_CT_BOOL: case WACC_CT_U8:
        out[0] = LLVMBuildZExt(g->b, load(g, g->t_i8, src, 1), g->t_i32, "");
        return;
    case WACC_CT_S8:
        out[0] = LLVMBuildSExt(g->b, load(g, g->t_i8, src, 1), g->t_i32, "");
        return;
    case WACC_CT_U16:
        out[0] = LLVMBuildZExt(g->b, load(g, int_type(g, 2), src, 2), g->t_i32, "");
        return;
    case WACC_CT_S16:
        out[0] = LLVMBuildSExt(g->b, load(g, int_type(g, 2), src, 2), g->t_i32, "");
        return;
    case WACC_CT_FLAGS: {
        LLVMValueRef x = load(g, int_type(g, t->disc_size), src, t->disc_size);
        out[0] = t->disc_size < 4 ? LLVMBuildZExt(g->b, x, g->t_i32, "") : x;
        return;
    }
    case WACC_CT_STRING:
        out[0] = load(g, g->t_i32, src, 4);
        out[1] = load(g, g->t_i32, at(g, src, 4), 4);
        return;
    case WACC_CT_LIST:
        if (t->has_len) {
            uint32_t ne = t->elem->nflat;
            for (uint32_t i = 0; i < t->n; i++)
                adapter_load_flat(g, t->elem, at(g, src, (uint64_t)i * t->elem->size[0]), out + i * ne);
        } else {
            out[0] = load(g, g->t_i32, src, 4);
            out[1] = load(g, g->t_i32, at(g, src, 4), 4);
        }
        return;
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        uint64_t off = 0;
        uint32_t pos = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            off = align_up(off, ft->align[0]);
            adapter_load_flat(g, ft, at(g, src, off), out + pos);
            off += ft->size[0];
            pos += ft->nflat;
        }
        return;
    }
    default:
        if (variant_like(t)) {
            load_variant(g, t, src, out);
            return;
        }
        /* i32/i64/f32/f64 (char, own, borrow: i32) */
        out[0] = load(g, adapter_flat_type(g, t->flat[0][0]), src, t->align[0]);
        return;
    }
}

static void store_variant(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef dst)
{
    LLVMValueRef d = in[0];
    store(g, t->disc_size < 4 ? LLVMBuildTrunc(g->b, d, int_type(g, t->disc_size), "") : d, dst,
          t->disc_size);
    uint32_t nslots = t->nflat - 1;
    if (nslots == 0)
        return;
    const uint8_t *slots = &t->flat[0][1];
    uint32_t off = (uint32_t)align_up(t->disc_size, t->case_align[0]);
    LLVMValueRef sw = case_switch(g, d, t->n);
    LLVMBasicBlockRef merge = new_block(g, "scase_done");
    for (uint32_t c = 0; c < t->n; c++) {
        const wacc_ctype *ct = t->fields[c].type;
        if (!case_begin(g, sw, c, ct != NULL, merge))
            continue;
        LLVMValueRef pin[WACC_ABI_MAX_FLAT];
        for (uint32_t k = 0; k < ct->nflat; k++)
            pin[k] = coerce_in(g, in[1 + k], slots[k], ct->flat[0][k]);
        adapter_store_flat(g, ct, pin, at(g, dst, off));
        LLVMBuildBr(g->b, merge);
    }
    LLVMPositionBuilderAtEnd(g->b, merge);
}

void adapter_store_flat(agen *g, const wacc_ctype *t, const LLVMValueRef *in, LLVMValueRef dst)
{
    switch (t->kind) {
    case WACC_CT_BOOL: case WACC_CT_U8: case WACC_CT_S8:
        store(g, LLVMBuildTrunc(g->b, in[0], g->t_i8, ""), dst, 1);
        return;
    case WACC_CT_U16: case WACC_CT_S16:
        store(g, LLVMBuildTrunc(g->b, in[0], int_type(g, 2), ""), dst, 2);
        return;
    case WACC_CT_FLAGS:
        store(g, t->disc_size < 4 ? LLVMBuildTrunc(g->b, in[0], int_type(g, t->disc_size), "") : in[0],
              dst, t->disc_size);
        return;
    case WACC_CT_STRING:
        store(g, in[0], dst, 4);
        store(g, in[1], at(g, dst, 4), 4);
        return;
    case WACC_CT_LIST:
        if (t->has_len) {
            uint32_t ne = t->elem->nflat;
            for (uint32_t i = 0; i < t->n; i++)
                adapter_store_flat(g, t->elem, in + i * ne, at(g, dst, (uint64_t)i * t->elem->size[0]));
        } else {
            store(g, in[0], dst, 4);
            store(g, in[1], at(g, dst, 4), 4);
        }
        return;
    case WACC_CT_RECORD: case WACC_CT_TUPLE: {
        uint64_t off = 0;
        uint32_t pos = 0;
        for (uint32_t i = 0; i < t->n; i++) {
            const wacc_ctype *ft = t->fields[i].type;
            off = align_up(off, ft->align[0]);
            adapter_store_flat(g, ft, in + pos, at(g, dst, off));
            off += ft->size[0];
            pos += ft->nflat;
        }
        return;
    }
    default:
        if (variant_like(t)) {
            store_variant(g, t, in, dst);
            return;
        }
        store(g, in[0], dst, t->align[0]);
        return;
    }
}
