/*
 * validate.c — WebAssembly 2.0 validation: module-level rules and the
 * operand/control stack algorithm of the spec's validation appendix.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN 0   /* the bottom type of unreachable code */

typedef struct ctrl {
    uint32_t op;            /* block, loop, if, else, or 0 for the function */
    uint8_t kind;           /* WASM_BLOCK_* */
    uint8_t valtype;
    uint32_t typeidx;
    uint32_t height;        /* operand stack height at entry */
    bool unreachable;
} ctrl;

typedef struct vctx {
    const wasm_module *m;
    wasm_error *err;
    uint32_t func;          /* function index being validated */
    const char *opname;
    size_t offset;          /* offset of the current instruction */

    uint8_t *locals;
    uint32_t nlocals;

    uint8_t *vals;
    uint32_t nvals, capvals;
    ctrl *ctrls;
    uint32_t nctrls, capctrls;
    uint8_t *tmp;           /* scratch for br_table */
    uint32_t captmp;

    bool *refs;             /* [nfuncs] declared by ref.func outside bodies */
    wasm_reader rd;
} vctx;

static bool fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(vctx *v, const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (v->opname)
        return wasm_fail(v->err, v->offset, "%s (%s in function %u)", buf, v->opname, v->func);
    return wasm_fail(v->err, v->offset, "%s", buf);
}

#define TRY(x) do { if (!(x)) return false; } while (0)

static const char *tname(uint8_t t)
{
    return t == UNKNOWN ? "unknown" : wasm_valtype_name(t);
}

static bool is_num(uint8_t t)
{
    return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == UNKNOWN;
}

static bool is_vec(uint8_t t)
{
    return t == WASM_V128 || t == UNKNOWN;
}

static bool is_ref(uint8_t t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF || t == UNKNOWN;
}

/* ---- operand and control stacks ------------------------------------------------ */

static bool push(vctx *v, uint8_t t)
{
    if (v->nvals == v->capvals) {
        uint32_t c = v->capvals ? v->capvals * 2 : 64;
        uint8_t *n = realloc(v->vals, c);
        if (!n)
            return fail(v, "out of memory");
        v->vals = n;
        v->capvals = c;
    }
    v->vals[v->nvals++] = t;
    return true;
}

static bool pop_any(vctx *v, uint8_t *out)
{
    ctrl *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable) {
            *out = UNKNOWN;
            return true;
        }
        return fail(v, "type mismatch: expected a value but the stack is empty");
    }
    *out = v->vals[--v->nvals];
    return true;
}

static bool pop_expect(vctx *v, uint8_t expect, uint8_t *out)
{
    uint8_t actual = UNKNOWN;
    TRY(pop_any(v, &actual));
    if (actual != expect && actual != UNKNOWN && expect != UNKNOWN)
        return fail(v, "type mismatch: expected %s, got %s", tname(expect), tname(actual));
    if (out)
        *out = actual;
    return true;
}

static bool pop(vctx *v, uint8_t expect)
{
    return pop_expect(v, expect, NULL);
}

static bool pop_types(vctx *v, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = n; i > 0; i--)
        TRY(pop(v, ts[i - 1]));
    return true;
}

static bool push_types(vctx *v, const uint8_t *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY(push(v, ts[i]));
    return true;
}

/* Block parameter / result types. `c` must stay put while in use. */
static const uint8_t *ctrl_params(const vctx *v, const ctrl *c, uint32_t *n)
{
    if (c->kind == WASM_BLOCK_TYPEIDX) {
        *n = v->m->types[c->typeidx].nparams;
        return v->m->types[c->typeidx].params;
    }
    *n = 0;
    return NULL;
}

static const uint8_t *ctrl_results(const vctx *v, const ctrl *c, uint32_t *n)
{
    if (c->kind == WASM_BLOCK_TYPEIDX) {
        *n = v->m->types[c->typeidx].nresults;
        return v->m->types[c->typeidx].results;
    }
    *n = c->kind == WASM_BLOCK_VALTYPE ? 1 : 0;
    return &c->valtype;
}

static const uint8_t *label_types(const vctx *v, const ctrl *c, uint32_t *n)
{
    return c->op == WASM_OP_LOOP ? ctrl_params(v, c, n) : ctrl_results(v, c, n);
}

static bool push_ctrl(vctx *v, uint32_t op, uint8_t kind, uint8_t valtype, uint32_t typeidx)
{
    if (v->nctrls == v->capctrls) {
        uint32_t c = v->capctrls ? v->capctrls * 2 : 16;
        ctrl *n = realloc(v->ctrls, (size_t)c * sizeof *n);
        if (!n)
            return fail(v, "out of memory");
        v->ctrls = n;
        v->capctrls = c;
    }
    ctrl *c = &v->ctrls[v->nctrls++];
    c->op = op;
    c->kind = kind;
    c->valtype = valtype;
    c->typeidx = typeidx;
    c->height = v->nvals;
    c->unreachable = false;
    uint32_t n;
    const uint8_t *ps = ctrl_params(v, c, &n);
    return push_types(v, ps, n);
}

/* Pops the innermost frame into *out (checking its results). */
static bool pop_ctrl(vctx *v, ctrl *out)
{
    if (v->nctrls == 0)
        return fail(v, "unexpected end");
    ctrl *c = &v->ctrls[v->nctrls - 1];
    uint32_t n;
    const uint8_t *rs = ctrl_results(v, c, &n);
    TRY(pop_types(v, rs, n));
    if (v->nvals != c->height)
        return fail(v, "type mismatch: values remain on the stack at the end of a block");
    *out = *c;
    v->nctrls--;
    return true;
}

static void set_unreachable(vctx *v)
{
    ctrl *c = &v->ctrls[v->nctrls - 1];
    v->nvals = c->height;
    c->unreachable = true;
}

/* ---- index checks -------------------------------------------------------------- */

static bool check_type(vctx *v, uint32_t idx)
{
    if (idx >= v->m->ntypes)
        return fail(v, "unknown type %u", idx);
    return true;
}

static bool check_func(vctx *v, uint32_t idx)
{
    if (idx >= v->m->nfuncs)
        return fail(v, "unknown function %u", idx);
    if (v->m->func_types[idx] >= v->m->ntypes)
        return fail(v, "unknown type %u", v->m->func_types[idx]);
    return true;
}

static bool check_table(vctx *v, uint32_t idx)
{
    if (idx >= v->m->ntables)
        return fail(v, "unknown table %u", idx);
    return true;
}

static bool check_memory(vctx *v, uint32_t idx)
{
    if (idx >= v->m->nmemories)
        return fail(v, "unknown memory %u", idx);
    return true;
}

static bool check_global(vctx *v, uint32_t idx)
{
    if (idx >= v->m->nglobals)
        return fail(v, "unknown global %u", idx);
    return true;
}

static bool check_elem(vctx *v, uint32_t idx)
{
    if (idx >= v->m->nelems)
        return fail(v, "unknown elem segment %u", idx);
    return true;
}

static bool check_data(vctx *v, uint32_t idx)
{
    uint32_t n = v->m->has_datacount ? v->m->datacount : v->m->ndatas;
    if (idx >= n)
        return fail(v, "unknown data segment %u", idx);
    return true;
}

static uint8_t addr_type(const vctx *v, uint32_t mem)
{
    return v->m->memories[mem].is64 ? WASM_I64 : WASM_I32;
}

/* log2 of the natural alignment of a memory access. */
static uint32_t natural_align(uint32_t op)
{
    switch (op) {
    case WASM_OP_I32_LOAD8_S: case WASM_OP_I32_LOAD8_U: case WASM_OP_I64_LOAD8_S:
    case WASM_OP_I64_LOAD8_U: case WASM_OP_I32_STORE8: case WASM_OP_I64_STORE8:
    case WASM_OP_V128_LOAD8_SPLAT: case WASM_OP_V128_LOAD8_LANE: case WASM_OP_V128_STORE8_LANE:
        return 0;
    case WASM_OP_I32_LOAD16_S: case WASM_OP_I32_LOAD16_U: case WASM_OP_I64_LOAD16_S:
    case WASM_OP_I64_LOAD16_U: case WASM_OP_I32_STORE16: case WASM_OP_I64_STORE16:
    case WASM_OP_V128_LOAD16_SPLAT: case WASM_OP_V128_LOAD16_LANE: case WASM_OP_V128_STORE16_LANE:
        return 1;
    case WASM_OP_I32_LOAD: case WASM_OP_F32_LOAD: case WASM_OP_I64_LOAD32_S:
    case WASM_OP_I64_LOAD32_U: case WASM_OP_I32_STORE: case WASM_OP_F32_STORE:
    case WASM_OP_I64_STORE32: case WASM_OP_V128_LOAD32_SPLAT: case WASM_OP_V128_LOAD32_ZERO:
    case WASM_OP_V128_LOAD32_LANE: case WASM_OP_V128_STORE32_LANE:
        return 2;
    case WASM_OP_V128_LOAD: case WASM_OP_V128_STORE:
        return 4;
    default:    /* 64-bit accesses */
        return 3;
    }
}

/* Number of lanes addressed by a lane immediate. */
static uint32_t lane_count(uint32_t op)
{
    switch (op) {
    case WASM_OP_I8X16_EXTRACT_LANE_S: case WASM_OP_I8X16_EXTRACT_LANE_U:
    case WASM_OP_I8X16_REPLACE_LANE: case WASM_OP_V128_LOAD8_LANE: case WASM_OP_V128_STORE8_LANE:
        return 16;
    case WASM_OP_I16X8_EXTRACT_LANE_S: case WASM_OP_I16X8_EXTRACT_LANE_U:
    case WASM_OP_I16X8_REPLACE_LANE: case WASM_OP_V128_LOAD16_LANE: case WASM_OP_V128_STORE16_LANE:
        return 8;
    case WASM_OP_I32X4_EXTRACT_LANE: case WASM_OP_I32X4_REPLACE_LANE:
    case WASM_OP_F32X4_EXTRACT_LANE: case WASM_OP_F32X4_REPLACE_LANE:
    case WASM_OP_V128_LOAD32_LANE: case WASM_OP_V128_STORE32_LANE:
        return 4;
    default:
        return 2;
    }
}

static bool check_memarg(vctx *v, uint32_t op, const wasm_memarg *ma)
{
    TRY(check_memory(v, ma->memidx));
    if (ma->align > natural_align(op))
        return fail(v, "alignment must not be larger than natural");
    if (!v->m->memories[ma->memidx].is64 && ma->offset > UINT32_MAX)
        return fail(v, "offset out of range");
    return true;
}

/* ---- instructions --------------------------------------------------------------- */

static bool check_blocktype(vctx *v, const wasm_insn *in)
{
    if (in->imm.block.kind == WASM_BLOCK_TYPEIDX)
        return check_type(v, in->imm.block.typeidx);
    return true;
}

static bool do_call(vctx *v, const wasm_functype *ft)
{
    TRY(pop_types(v, ft->params, ft->nparams));
    return push_types(v, ft->results, ft->nresults);
}

static bool check_tail_results(vctx *v, const wasm_functype *callee)
{
    const wasm_functype *self = &v->m->types[v->m->func_types[v->func]];
    if (callee->nresults != self->nresults ||
        (self->nresults && memcmp(callee->results, self->results, self->nresults) != 0))
        return fail(v, "type mismatch: tail call result types differ");
    return true;
}

static bool do_br_table(vctx *v, const wasm_insn *in)
{
    TRY(pop(v, WASM_I32));
    uint32_t def = in->imm.br_table.def;
    if (def >= v->nctrls)
        return fail(v, "unknown label %u", def);
    uint32_t arity;
    const uint8_t *dts = label_types(v, &v->ctrls[v->nctrls - 1 - def], &arity);
    if (arity > v->captmp) {
        uint8_t *t = realloc(v->tmp, arity);
        if (!t)
            return fail(v, "out of memory");
        v->tmp = t;
        v->captmp = arity;
    }
    for (uint32_t i = 0; i < in->imm.br_table.count; i++) {
        uint32_t l = in->imm.br_table.labels[i];
        if (l >= v->nctrls)
            return fail(v, "unknown label %u", l);
        uint32_t n;
        const uint8_t *ts = label_types(v, &v->ctrls[v->nctrls - 1 - l], &n);
        if (n != arity)
            return fail(v, "type mismatch: br_table targets have different arities");
        for (uint32_t k = n; k > 0; k--)
            TRY(pop_expect(v, ts[k - 1], &v->tmp[k - 1]));
        TRY(push_types(v, v->tmp, n));
    }
    TRY(pop_types(v, dts, arity));
    set_unreachable(v);
    return true;
}

static bool do_select(vctx *v, const wasm_insn *in)
{
    if (in->op == WASM_OP_SELECT_T) {
        if (in->imm.select.count != 1)
            return fail(v, "invalid result arity");
        uint8_t t = in->imm.select.type;
        TRY(pop(v, WASM_I32));
        TRY(pop(v, t));
        TRY(pop(v, t));
        return push(v, t);
    }
    uint8_t t1 = UNKNOWN, t2 = UNKNOWN;
    TRY(pop(v, WASM_I32));
    TRY(pop_any(v, &t1));
    TRY(pop_any(v, &t2));
    if (!((is_num(t1) && is_num(t2)) || (is_vec(t1) && is_vec(t2))))
        return fail(v, "type mismatch: select needs numeric or vector operands");
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
        return fail(v, "type mismatch: select operands differ");
    return push(v, t1 == UNKNOWN ? t2 : t1);
}

static bool do_table_op(vctx *v, const wasm_insn *in)
{
    const wasm_module *m = v->m;
    switch (in->op) {
    case WASM_OP_TABLE_GET:
        TRY(check_table(v, in->imm.idx));
        TRY(pop(v, WASM_I32));
        return push(v, m->tables[in->imm.idx].elemtype);
    case WASM_OP_TABLE_SET:
        TRY(check_table(v, in->imm.idx));
        TRY(pop(v, m->tables[in->imm.idx].elemtype));
        return pop(v, WASM_I32);
    case WASM_OP_TABLE_SIZE:
        TRY(check_table(v, in->imm.idx));
        return push(v, WASM_I32);
    case WASM_OP_TABLE_GROW:
        TRY(check_table(v, in->imm.idx));
        TRY(pop(v, WASM_I32));
        TRY(pop(v, m->tables[in->imm.idx].elemtype));
        return push(v, WASM_I32);
    case WASM_OP_TABLE_FILL:
        TRY(check_table(v, in->imm.idx));
        TRY(pop(v, WASM_I32));
        TRY(pop(v, m->tables[in->imm.idx].elemtype));
        return pop(v, WASM_I32);
    case WASM_OP_TABLE_COPY:
        TRY(check_table(v, in->imm.pair.a));
        TRY(check_table(v, in->imm.pair.b));
        if (m->tables[in->imm.pair.a].elemtype != m->tables[in->imm.pair.b].elemtype)
            return fail(v, "type mismatch: tables have different element types");
        return pop(v, WASM_I32) && pop(v, WASM_I32) && pop(v, WASM_I32);
    case WASM_OP_TABLE_INIT:
        TRY(check_elem(v, in->imm.pair.a));
        TRY(check_table(v, in->imm.pair.b));
        if (m->elems[in->imm.pair.a].elemtype != m->tables[in->imm.pair.b].elemtype)
            return fail(v, "type mismatch: element segment and table types differ");
        return pop(v, WASM_I32) && pop(v, WASM_I32) && pop(v, WASM_I32);
    case WASM_OP_ELEM_DROP:
        return check_elem(v, in->imm.idx);
    }
    return fail(v, "illegal opcode");
}

static bool do_memory_op(vctx *v, const wasm_insn *in)
{
    switch (in->op) {
    case WASM_OP_MEMORY_SIZE:
        TRY(check_memory(v, in->imm.idx));
        return push(v, addr_type(v, in->imm.idx));
    case WASM_OP_MEMORY_GROW: {
        TRY(check_memory(v, in->imm.idx));
        uint8_t at = addr_type(v, in->imm.idx);
        TRY(pop(v, at));
        return push(v, at);
    }
    case WASM_OP_MEMORY_FILL: {
        TRY(check_memory(v, in->imm.idx));
        uint8_t at = addr_type(v, in->imm.idx);
        return pop(v, at) && pop(v, WASM_I32) && pop(v, at);
    }
    case WASM_OP_MEMORY_COPY: {
        TRY(check_memory(v, in->imm.pair.a));
        TRY(check_memory(v, in->imm.pair.b));
        uint8_t d = addr_type(v, in->imm.pair.a), s = addr_type(v, in->imm.pair.b);
        uint8_t n = (d == WASM_I64 && s == WASM_I64) ? WASM_I64 : WASM_I32;
        return pop(v, n) && pop(v, s) && pop(v, d);
    }
    case WASM_OP_MEMORY_INIT:
        TRY(check_data(v, in->imm.pair.a));
        TRY(check_memory(v, in->imm.pair.b));
        return pop(v, WASM_I32) && pop(v, WASM_I32) && pop(v, addr_type(v, in->imm.pair.b));
    case WASM_OP_DATA_DROP:
        return check_data(v, in->imm.idx);
    }
    return fail(v, "illegal opcode");
}

/* An op described entirely by its signature (numeric, memory, SIMD). */
static bool do_simple(vctx *v, const wasm_insn *in, const wasm_opinfo *info)
{
    const wasm_siginfo *s = wasm_sig_info(info->sig);
    uint8_t params[3];
    memcpy(params, s->params, 3);
    switch (info->imm) {
    case WASM_IMM_MEM:
        TRY(check_memarg(v, in->op, &in->imm.mem));
        params[0] = addr_type(v, in->imm.mem.memidx);
        break;
    case WASM_IMM_MEM_LANE:
        TRY(check_memarg(v, in->op, &in->imm.mem_lane.mem));
        params[0] = addr_type(v, in->imm.mem_lane.mem.memidx);
        if (in->imm.mem_lane.lane >= lane_count(in->op))
            return fail(v, "invalid lane index");
        break;
    case WASM_IMM_LANE:
        if (in->imm.lane >= lane_count(in->op))
            return fail(v, "invalid lane index");
        break;
    case WASM_IMM_SHUFFLE:
        for (int i = 0; i < 16; i++)
            if (in->imm.lanes[i] >= 32)
                return fail(v, "invalid lane index");
        break;
    default:
        break;
    }
    TRY(pop_types(v, params, s->nparams));
    if (s->result)
        TRY(push(v, s->result));
    return true;
}

static bool do_insn(vctx *v, const wasm_insn *in, bool *done)
{
    const wasm_module *m = v->m;
    const wasm_opinfo *info = wasm_op_info(in->op);
    ctrl c;
    uint32_t n;
    const uint8_t *ts;

    v->opname = info->name;
    v->offset = in->offset;
    if (info->sig != WASM_SIG_S && info->imm != WASM_IMM_MEMIDX &&
        info->imm != WASM_IMM_PAIR && info->imm != WASM_IMM_IDX)
        return do_simple(v, in, info);

    switch (in->op) {
    case WASM_OP_UNREACHABLE:
        set_unreachable(v);
        return true;
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
        TRY(check_blocktype(v, in));
        ts = NULL;
        if (in->imm.block.kind == WASM_BLOCK_TYPEIDX) {
            const wasm_functype *ft = &m->types[in->imm.block.typeidx];
            TRY(pop_types(v, ft->params, ft->nparams));
        }
        return push_ctrl(v, in->op, in->imm.block.kind, in->imm.block.valtype,
                         in->imm.block.typeidx);
    case WASM_OP_IF:
        TRY(check_blocktype(v, in));
        TRY(pop(v, WASM_I32));
        if (in->imm.block.kind == WASM_BLOCK_TYPEIDX) {
            const wasm_functype *ft = &m->types[in->imm.block.typeidx];
            TRY(pop_types(v, ft->params, ft->nparams));
        }
        return push_ctrl(v, in->op, in->imm.block.kind, in->imm.block.valtype,
                         in->imm.block.typeidx);
    case WASM_OP_ELSE:
        if (v->nctrls == 0 || v->ctrls[v->nctrls - 1].op != WASM_OP_IF)
            return fail(v, "else without if");
        TRY(pop_ctrl(v, &c));
        return push_ctrl(v, WASM_OP_ELSE, c.kind, c.valtype, c.typeidx);
    case WASM_OP_END:
        TRY(pop_ctrl(v, &c));
        if (c.op == WASM_OP_IF) {
            uint32_t np, nr;
            const uint8_t *ps = ctrl_params(v, &c, &np);
            const uint8_t *rs = ctrl_results(v, &c, &nr);
            if (np != nr || (np && memcmp(ps, rs, np) != 0))
                return fail(v, "type mismatch: if without else must leave its parameters");
        }
        ts = ctrl_results(v, &c, &n);
        TRY(push_types(v, ts, n));
        if (v->nctrls == 0)
            *done = true;
        return true;
    case WASM_OP_BR:
        if (in->imm.idx >= v->nctrls)
            return fail(v, "unknown label %u", in->imm.idx);
        ts = label_types(v, &v->ctrls[v->nctrls - 1 - in->imm.idx], &n);
        TRY(pop_types(v, ts, n));
        set_unreachable(v);
        return true;
    case WASM_OP_BR_IF:
        if (in->imm.idx >= v->nctrls)
            return fail(v, "unknown label %u", in->imm.idx);
        TRY(pop(v, WASM_I32));
        ts = label_types(v, &v->ctrls[v->nctrls - 1 - in->imm.idx], &n);
        TRY(pop_types(v, ts, n));
        return push_types(v, ts, n);
    case WASM_OP_BR_TABLE:
        return do_br_table(v, in);
    case WASM_OP_RETURN:
        ts = ctrl_results(v, &v->ctrls[0], &n);
        TRY(pop_types(v, ts, n));
        set_unreachable(v);
        return true;
    case WASM_OP_CALL:
        TRY(check_func(v, in->imm.idx));
        return do_call(v, &m->types[m->func_types[in->imm.idx]]);
    case WASM_OP_RETURN_CALL: {
        TRY(check_func(v, in->imm.idx));
        const wasm_functype *ft = &m->types[m->func_types[in->imm.idx]];
        TRY(check_tail_results(v, ft));
        TRY(pop_types(v, ft->params, ft->nparams));
        set_unreachable(v);
        return true;
    }
    case WASM_OP_CALL_INDIRECT:
    case WASM_OP_RETURN_CALL_INDIRECT: {
        TRY(check_table(v, in->imm.call_indirect.table));
        if (m->tables[in->imm.call_indirect.table].elemtype != WASM_FUNCREF)
            return fail(v, "type mismatch: call_indirect table is not funcref");
        TRY(check_type(v, in->imm.call_indirect.typeidx));
        const wasm_functype *ft = &m->types[in->imm.call_indirect.typeidx];
        TRY(pop(v, WASM_I32));
        if (in->op == WASM_OP_CALL_INDIRECT)
            return do_call(v, ft);
        TRY(check_tail_results(v, ft));
        TRY(pop_types(v, ft->params, ft->nparams));
        set_unreachable(v);
        return true;
    }
    case WASM_OP_DROP: {
        uint8_t t;
        return pop_any(v, &t);
    }
    case WASM_OP_SELECT:
    case WASM_OP_SELECT_T:
        return do_select(v, in);
    case WASM_OP_LOCAL_GET:
        if (in->imm.idx >= v->nlocals)
            return fail(v, "unknown local %u", in->imm.idx);
        return push(v, v->locals[in->imm.idx]);
    case WASM_OP_LOCAL_SET:
        if (in->imm.idx >= v->nlocals)
            return fail(v, "unknown local %u", in->imm.idx);
        return pop(v, v->locals[in->imm.idx]);
    case WASM_OP_LOCAL_TEE:
        if (in->imm.idx >= v->nlocals)
            return fail(v, "unknown local %u", in->imm.idx);
        TRY(pop(v, v->locals[in->imm.idx]));
        return push(v, v->locals[in->imm.idx]);
    case WASM_OP_GLOBAL_GET:
        TRY(check_global(v, in->imm.idx));
        return push(v, m->globals[in->imm.idx].type.valtype);
    case WASM_OP_GLOBAL_SET:
        TRY(check_global(v, in->imm.idx));
        if (!m->globals[in->imm.idx].type.is_mutable)
            return fail(v, "global is immutable");
        return pop(v, m->globals[in->imm.idx].type.valtype);
    case WASM_OP_TABLE_GET: case WASM_OP_TABLE_SET: case WASM_OP_TABLE_SIZE:
    case WASM_OP_TABLE_GROW: case WASM_OP_TABLE_FILL: case WASM_OP_TABLE_COPY:
    case WASM_OP_TABLE_INIT: case WASM_OP_ELEM_DROP:
        return do_table_op(v, in);
    case WASM_OP_MEMORY_SIZE: case WASM_OP_MEMORY_GROW: case WASM_OP_MEMORY_FILL:
    case WASM_OP_MEMORY_COPY: case WASM_OP_MEMORY_INIT: case WASM_OP_DATA_DROP:
        return do_memory_op(v, in);
    case WASM_OP_REF_NULL:
        return push(v, in->imm.reftype);
    case WASM_OP_REF_IS_NULL: {
        uint8_t t;
        TRY(pop_any(v, &t));
        if (!is_ref(t))
            return fail(v, "type mismatch: expected a reference, got %s", tname(t));
        return push(v, WASM_I32);
    }
    case WASM_OP_REF_FUNC:
        TRY(check_func(v, in->imm.idx));
        if (!v->refs[in->imm.idx])
            return fail(v, "undeclared function reference");
        return push(v, WASM_FUNCREF);
    }
    return fail(v, "illegal opcode");
}

static bool validate_func(vctx *v, uint32_t i)
{
    const wasm_module *m = v->m;
    const wasm_code *code = &m->codes[i];
    uint32_t fidx = m->nimported_funcs + i;
    const wasm_functype *ft = &m->types[m->func_types[fidx]];

    v->func = fidx;
    v->opname = NULL;
    v->offset = code->code_offset;
    uint64_t nl = (uint64_t)ft->nparams + code->nlocals;
    if (nl > UINT32_MAX)
        return fail(v, "too many locals");
    free(v->locals);
    v->locals = malloc(nl ? nl : 1);
    if (!v->locals)
        return fail(v, "out of memory");
    v->nlocals = (uint32_t)nl;
    memcpy(v->locals, ft->params, ft->nparams);
    uint32_t k = ft->nparams;
    for (uint32_t d = 0; d < code->nlocal_decls; d++) {
        memset(v->locals + k, code->local_decls[d].type, code->local_decls[d].count);
        k += code->local_decls[d].count;
    }

    v->nvals = 0;
    v->nctrls = 0;
    TRY(push_ctrl(v, 0, WASM_BLOCK_TYPEIDX, 0, m->func_types[fidx]));
    v->nvals = 0;   /* parameters are locals, not operands */

    v->rd.p = code->body;
    v->rd.end = code->end;
    bool done = false;
    wasm_insn in;
    while (!done) {
        if (v->rd.p >= v->rd.end) {
            v->offset = (size_t)(v->rd.p - m->bytes);
            return fail(v, "END opcode expected");
        }
        if (!wasm_read_insn(&v->rd, &in, v->err))
            return false;
        TRY(do_insn(v, &in, &done));
    }
    if (v->rd.p != code->end) {
        v->offset = (size_t)(v->rd.p - m->bytes);
        return fail(v, "operators remaining after end of function");
    }
    return true;
}

/* ---- constant expressions ----------------------------------------------------------- */

/* `nglobals`: how many globals the expression may refer to; `imported_only`
 * restricts global.get to imported globals (global initialisers in 2.0). */
static bool validate_const(vctx *v, const wasm_constexpr *e, uint8_t expect,
                           uint32_t nglobals)
{
    const wasm_module *m = v->m;
    uint8_t stack[64];
    uint32_t sp = 0;
    wasm_reader r;
    wasm_insn in;
    bool ok = true;

    v->opname = NULL;
    wasm_reader_init(&r, m->bytes, e->code, e->code + e->len);
    for (;;) {
        if (!wasm_read_insn(&r, &in, v->err)) {
            ok = false;
            break;
        }
        v->offset = in.offset;
        if (in.op == WASM_OP_END)
            break;
        uint8_t t = 0;
        switch (in.op) {
        case WASM_OP_I32_CONST: t = WASM_I32; break;
        case WASM_OP_I64_CONST: t = WASM_I64; break;
        case WASM_OP_F32_CONST: t = WASM_F32; break;
        case WASM_OP_F64_CONST: t = WASM_F64; break;
        case WASM_OP_V128_CONST: t = WASM_V128; break;
        case WASM_OP_REF_NULL: t = in.imm.reftype; break;
        case WASM_OP_REF_FUNC:
            ok = check_func(v, in.imm.idx);
            t = WASM_FUNCREF;
            break;
        case WASM_OP_GLOBAL_GET:
            if (in.imm.idx >= nglobals) {
                ok = fail(v, "unknown global %u", in.imm.idx);
                break;
            }
            if (m->globals[in.imm.idx].type.is_mutable) {
                ok = fail(v, "constant expression required");
                break;
            }
            t = m->globals[in.imm.idx].type.valtype;
            break;
        case WASM_OP_I32_ADD: case WASM_OP_I32_SUB: case WASM_OP_I32_MUL:
        case WASM_OP_I64_ADD: case WASM_OP_I64_SUB: case WASM_OP_I64_MUL: {
            if (!(m->features & WASM_FEATURE_EXTENDED_CONST)) {
                ok = fail(v, "constant expression required");
                break;
            }
            t = in.op <= WASM_OP_I32_MUL ? WASM_I32 : WASM_I64;
            if (sp < 2 || stack[sp - 1] != t || stack[sp - 2] != t) {
                ok = fail(v, "type mismatch");
                break;
            }
            sp -= 2;
            break;
        }
        default:
            ok = fail(v, "constant expression required");
            break;
        }
        if (!ok)
            break;
        if (sp == sizeof stack) {
            ok = fail(v, "constant expression too deep");
            break;
        }
        stack[sp++] = t;
    }
    wasm_reader_free(&r);
    if (!ok)
        return false;
    v->offset = e->offset;
    if (sp != 1 || stack[0] != expect)
        return fail(v, "type mismatch: constant expression must produce one %s",
                    wasm_valtype_name(expect));
    return true;
}

/* ---- module-level rules -------------------------------------------------------------- */

static bool check_limits(vctx *v, const wasm_limits *l, uint64_t bound, const char *what)
{
    if (l->min > bound || (l->has_max && l->max > bound))
        return fail(v, "%s", what);
    if (l->has_max && l->min > l->max)
        return fail(v, "size minimum must not be greater than maximum");
    return true;
}

static bool check_memtype(vctx *v, const wasm_memtype *t)
{
    if (t->is64)
        TRY(check_limits(v, &t->limits, (uint64_t)1 << 48,
                         "memory size must be at most 2^48 pages"));
    else
        TRY(check_limits(v, &t->limits, WASM_MAX_PAGES_32,
                         "memory size must be at most 65536 pages (4GiB)"));
    if (t->shared && !t->limits.has_max)
        return fail(v, "shared memory must have maximum");
    return true;
}

static bool check_tabletype(vctx *v, const wasm_tabletype *t)
{
    return check_limits(v, &t->limits, UINT32_MAX, "table size must be at most 2^32-1");
}

static void mark_refs_in(vctx *v, const wasm_constexpr *e)
{
    wasm_reader r;
    wasm_insn in;
    wasm_reader_init(&r, v->m->bytes, e->code, e->code + e->len);
    while (wasm_read_insn(&r, &in, NULL) && in.op != WASM_OP_END)
        if (in.op == WASM_OP_REF_FUNC && in.imm.idx < v->m->nfuncs)
            v->refs[in.imm.idx] = true;
    wasm_reader_free(&r);
}

static bool collect_refs(vctx *v)
{
    const wasm_module *m = v->m;
    v->refs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *v->refs);
    if (!v->refs)
        return fail(v, "out of memory");
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        mark_refs_in(v, &m->globals[i].init);
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == WASM_EXTERN_FUNC && m->exports[i].index < m->nfuncs)
            v->refs[m->exports[i].index] = true;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE)
            mark_refs_in(v, &e->offset);
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->funcs && e->funcs[k] < m->nfuncs)
                v->refs[e->funcs[k]] = true;
            else if (e->exprs)
                mark_refs_in(v, &e->exprs[k]);
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == WASM_SEG_ACTIVE)
            mark_refs_in(v, &m->datas[i].offset);
    return true;
}

static int cmp_export(const void *a, const void *b)
{
    const wasm_export *x = *(const wasm_export *const *)a, *y = *(const wasm_export *const *)b;
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c)
        return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static bool check_exports(vctx *v)
{
    const wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *e = &m->exports[i];
        switch (e->kind) {
        case WASM_EXTERN_FUNC: TRY(check_func(v, e->index)); break;
        case WASM_EXTERN_TABLE: TRY(check_table(v, e->index)); break;
        case WASM_EXTERN_MEMORY: TRY(check_memory(v, e->index)); break;
        default: TRY(check_global(v, e->index)); break;
        }
    }
    if (m->nexports < 2)
        return true;
    /* Sort pointers to find duplicates in n log n. */
    const wasm_export **sorted = malloc(m->nexports * sizeof *sorted);
    if (!sorted)
        return fail(v, "out of memory");
    for (uint32_t i = 0; i < m->nexports; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, cmp_export);
    bool ok = true;
    for (uint32_t i = 1; i < m->nexports && ok; i++)
        if (cmp_export(&sorted[i - 1], &sorted[i]) == 0)
            ok = fail(v, "duplicate export name \"%s\"", sorted[i]->name);
    free(sorted);
    return ok;
}

/* Globals a constant expression may read: in 2.0 only imported ones. */
static uint32_t const_globals(const wasm_module *m)
{
    return m->nimported_globals;
}

static bool check_module(vctx *v)
{
    const wasm_module *m = v->m;

    for (uint32_t i = 0; i < m->nfuncs; i++) {
        if (m->func_types[i] >= m->ntypes)
            return fail(v, "unknown type %u", m->func_types[i]);
    }
    for (uint32_t i = 0; i < m->ntables; i++)
        TRY(check_tabletype(v, &m->tables[i]));
    if (m->nmemories > 1 && !(m->features & WASM_FEATURE_MULTI_MEMORY))
        return fail(v, "multiple memories");
    for (uint32_t i = 0; i < m->nmemories; i++)
        TRY(check_memtype(v, &m->memories[i]));

    TRY(collect_refs(v));

    /* Global initialisers may only read imported globals (2.0). */
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
        TRY(validate_const(v, &m->globals[i].init, m->globals[i].type.valtype,
                           m->nimported_globals));

    TRY(check_exports(v));

    if (m->has_start) {
        v->offset = 0;
        TRY(check_func(v, m->start));
        const wasm_functype *ft = &m->types[m->func_types[m->start]];
        if (ft->nparams || ft->nresults)
            return fail(v, "start function must have type [] -> []");
    }

    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            TRY(check_table(v, e->table));
            if (m->tables[e->table].elemtype != e->elemtype)
                return fail(v, "type mismatch: element segment %u does not match table %u",
                            i, e->table);
            TRY(validate_const(v, &e->offset, WASM_I32, const_globals(m)));
        }
        for (uint32_t k = 0; k < e->count; k++) {
            if (e->funcs)
                TRY(check_func(v, e->funcs[k]));
            else
                TRY(validate_const(v, &e->exprs[k], e->elemtype, const_globals(m)));
        }
    }

    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        TRY(check_memory(v, d->memory));
        TRY(validate_const(v, &d->offset, addr_type(v, d->memory), const_globals(m)));
    }

    for (uint32_t i = 0; i < m->ncodes; i++)
        TRY(validate_func(v, i));
    return true;
}

bool wasm_validate(const wasm_module *m, wasm_error *err)
{
    wasm_error dummy;
    vctx v;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.err = err ? err : &dummy;
    wasm_reader_init(&v.rd, m->bytes, m->bytes, m->bytes);
    bool ok = check_module(&v);
    wasm_reader_free(&v.rd);
    free(v.locals);
    free(v.vals);
    free(v.ctrls);
    free(v.tmp);
    free(v.refs);
    return ok;
}
