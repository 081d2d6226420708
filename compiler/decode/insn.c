/* insn.c — the instruction reader: one instruction and its immediates. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wasm_fail(wasm_error *err, size_t offset, const char *fmt, ...)
{
    if (!err)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->offset = offset;
    return false;
}

const char *wasm_leb(const uint8_t **pp, const uint8_t *end, unsigned bits,
                     bool is_signed, uint64_t *out)
{
    const uint8_t *p = *pp;
    unsigned maxbytes = (bits + 6) / 7;
    uint64_t result = 0;
    unsigned shift = 0;

    for (unsigned i = 0;; i++) {
        if (p >= end) {
            *pp = p;
            return "unexpected end";
        }
        uint8_t b = *p;
        if (i == maxbytes - 1) {
            unsigned used = bits - shift;   /* value bits in the last byte */
            if (b & 0x80) {
                *pp = p;
                return "integer representation too long";
            }
            if (is_signed) {
                unsigned upper = (b & 0x7Fu) >> (used - 1);
                if (upper != 0 && upper != (0x7Fu >> (used - 1))) {
                    *pp = p;
                    return "integer too large";
                }
            } else if ((b & 0x7Fu) >> used) {
                *pp = p;
                return "integer too large";
            }
        }
        p++;
        result |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (is_signed && shift < 64 && (b & 0x40))
                result |= ~(uint64_t)0 << shift;
            break;
        }
    }
    *pp = p;
    *out = result;
    return NULL;
}

void wasm_reader_init(wasm_reader *r, const uint8_t *module_base,
                      const uint8_t *p, const uint8_t *end)
{
    r->base = module_base;
    r->p = p;
    r->end = end;
    r->scratch = NULL;
    r->scratch_cap = 0;
    r->features = ~0u;
}

void wasm_reader_free(wasm_reader *r)
{
    free(r->scratch);
    r->scratch = NULL;
    r->scratch_cap = 0;
}

static size_t roff(const wasm_reader *r, const uint8_t *p)
{
    return (size_t)(p - r->base);
}

static bool rd_leb(wasm_reader *r, unsigned bits, bool sgn, uint64_t *v,
                   wasm_error *err)
{
    const char *why = wasm_leb(&r->p, r->end, bits, sgn, v);
    if (why)
        return wasm_fail(err, roff(r, r->p), "%s", why);
    return true;
}

static bool rd_u32(wasm_reader *r, uint32_t *v, wasm_error *err)
{
    uint64_t x = 0;
    if (!rd_leb(r, 32, false, &x, err))
        return false;
    *v = (uint32_t)x;
    return true;
}

static bool rd_byte(wasm_reader *r, uint8_t *b, wasm_error *err)
{
    if (r->p >= r->end)
        return wasm_fail(err, roff(r, r->p), "unexpected end");
    *b = *r->p++;
    return true;
}

static bool rd_bytes(wasm_reader *r, void *dst, size_t n, wasm_error *err)
{
    if ((size_t)(r->end - r->p) < n)
        return wasm_fail(err, roff(r, r->end), "unexpected end");
    memcpy(dst, r->p, n);
    r->p += n;
    return true;
}

/* A memory index where 2.0 has a reserved zero byte. */
static bool rd_memidx(wasm_reader *r, uint32_t *v, wasm_error *err)
{
    if (r->features & WASM_FEATURE_MULTI_MEMORY)
        return rd_u32(r, v, err);
    uint8_t b = 0;
    const uint8_t *at = r->p;
    if (!rd_byte(r, &b, err))
        return false;
    if (b != 0)
        return wasm_fail(err, roff(r, at), "zero byte expected");
    *v = 0;
    return true;
}

static bool rd_memarg(wasm_reader *r, wasm_memarg *m, wasm_error *err)
{
    uint64_t v = 0;
    const uint8_t *at = r->p;
    if (!rd_u32(r, &m->align, err))
        return false;
    m->memidx = 0;
    if ((r->features & WASM_FEATURE_MULTI_MEMORY) && m->align < 0x80 && (m->align & 0x40)) {
        m->align &= ~0x40u;
        if (!rd_u32(r, &m->memidx, err))
            return false;
    }
    if (m->align >= 32)
        return wasm_fail(err, roff(r, at), "malformed memop flags");
    if (!rd_leb(r, (r->features & WASM_FEATURE_MEMORY64) ? 64 : 32, false, &v, err))
        return false;
    m->offset = v;
    return true;
}

static bool rd_blocktype(wasm_reader *r, wasm_insn *in, wasm_error *err)
{
    if (r->p >= r->end)
        return wasm_fail(err, roff(r, r->p), "unexpected end");
    uint8_t b = *r->p;
    in->imm.block.valtype = 0;
    in->imm.block.typeidx = 0;
    if (b == 0x40) {
        r->p++;
        in->imm.block.kind = WASM_BLOCK_EMPTY;
        return true;
    }
    if (wasm_is_valtype(b)) {
        r->p++;
        in->imm.block.kind = WASM_BLOCK_VALTYPE;
        in->imm.block.valtype = b;
        return true;
    }
    const uint8_t *at = r->p;
    uint64_t v = 0;
    if (!rd_leb(r, 33, true, &v, err))
        return false;
    if ((int64_t)v < 0)
        return wasm_fail(err, roff(r, at), "malformed value type");
    in->imm.block.kind = WASM_BLOCK_TYPEIDX;
    in->imm.block.typeidx = (uint32_t)v;
    return true;
}

static bool rd_br_table(wasm_reader *r, wasm_insn *in, wasm_error *err)
{
    uint32_t n;
    if (!rd_u32(r, &n, err))
        return false;
    /* Every label takes at least one byte: bound the allocation. */
    if (n > (size_t)(r->end - r->p))
        return wasm_fail(err, roff(r, r->p), "unexpected end");
    if (n > r->scratch_cap) {
        uint32_t cap = r->scratch_cap ? r->scratch_cap : 16;
        while (cap < n)
            cap *= 2;
        uint32_t *s = realloc(r->scratch, (size_t)cap * sizeof *s);
        if (!s)
            return wasm_fail(err, roff(r, r->p), "out of memory");
        r->scratch = s;
        r->scratch_cap = cap;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!rd_u32(r, &r->scratch[i], err))
            return false;
    in->imm.br_table.count = n;
    in->imm.br_table.labels = r->scratch;
    return rd_u32(r, &in->imm.br_table.def, err);
}

bool wasm_read_insn(wasm_reader *r, wasm_insn *in, wasm_error *err)
{
    const uint8_t *start = r->p;
    uint8_t b = 0;
    uint64_t v = 0;

    in->offset = (uint32_t)roff(r, start);
    if (!rd_byte(r, &b, err))
        return false;
    uint32_t op = b;
    if (b == 0xFC || b == 0xFD) {
        uint32_t sub;
        if (!rd_u32(r, &sub, err))
            return false;
        if (b == 0xFD && sub >= 0x100 && sub < 0x200 &&
            (r->features & WASM_FEATURE_RELAXED_SIMD))
            op = 0xFD0000 | sub;        /* relaxed SIMD */
        else if (sub >= 0x100)
            return wasm_fail(err, roff(r, start), "illegal opcode %02x %x", b, sub);
        else
            op = ((uint32_t)b << 8) | sub;
    }
    const wasm_opinfo *info = wasm_op_info(op);
    if (!info && op > 0xFFFF)
        return wasm_fail(err, roff(r, start), "illegal opcode %02x %x", op >> 16, op & 0xFFFF);
    if (!info)
        return wasm_fail(err, roff(r, start), "illegal opcode %x", op);
    if ((op == WASM_OP_RETURN_CALL || op == WASM_OP_RETURN_CALL_INDIRECT) &&
        !(r->features & WASM_FEATURE_TAIL_CALL))
        return wasm_fail(err, roff(r, start), "illegal opcode %x", op);
    in->op = op;

    switch (info->imm) {
    case WASM_IMM_NONE:
        return true;
    case WASM_IMM_BLOCK:
        return rd_blocktype(r, in, err);
    case WASM_IMM_IDX:
        return rd_u32(r, &in->imm.idx, err);
    case WASM_IMM_BR_TABLE:
        return rd_br_table(r, in, err);
    case WASM_IMM_CALL_INDIRECT:
        return rd_u32(r, &in->imm.call_indirect.typeidx, err) &&
               rd_u32(r, &in->imm.call_indirect.table, err);
    case WASM_IMM_SELECT_T: {
        uint32_t n;
        if (!rd_u32(r, &n, err))
            return false;
        if (n > (size_t)(r->end - r->p))
            return wasm_fail(err, roff(r, r->p), "unexpected end");
        in->imm.select.count = n;
        in->imm.select.type = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *at = r->p;
            if (!rd_byte(r, &b, err))
                return false;
            if (!wasm_is_valtype(b))
                return wasm_fail(err, roff(r, at), "malformed value type");
            if (i == 0)
                in->imm.select.type = b;
        }
        return true;
    }
    case WASM_IMM_MEM:
        return rd_memarg(r, &in->imm.mem, err);
    case WASM_IMM_MEMIDX:
        return rd_memidx(r, &in->imm.idx, err);
    case WASM_IMM_PAIR:
        switch (op) {
        case WASM_OP_MEMORY_INIT:
            return rd_u32(r, &in->imm.pair.a, err) && rd_memidx(r, &in->imm.pair.b, err);
        case WASM_OP_MEMORY_COPY:
            return rd_memidx(r, &in->imm.pair.a, err) && rd_memidx(r, &in->imm.pair.b, err);
        default: /* table.init (elem, table), table.copy (dst, src) */
            return rd_u32(r, &in->imm.pair.a, err) && rd_u32(r, &in->imm.pair.b, err);
        }
    case WASM_IMM_I32:
        if (!rd_leb(r, 32, true, &v, err))
            return false;
        in->imm.i32 = (int32_t)(uint32_t)v;
        return true;
    case WASM_IMM_I64:
        if (!rd_leb(r, 64, true, &v, err))
            return false;
        in->imm.i64 = (int64_t)v;
        return true;
    case WASM_IMM_F32: {
        uint8_t x[4] = { 0 };
        if (!rd_bytes(r, x, 4, err))
            return false;
        in->imm.f32_bits = (uint32_t)x[0] | (uint32_t)x[1] << 8 |
                           (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
        return true;
    }
    case WASM_IMM_F64: {
        uint8_t x[8] = { 0 };
        if (!rd_bytes(r, x, 8, err))
            return false;
        uint64_t bits = 0;
        for (int i = 7; i >= 0; i--)
            bits = bits << 8 | x[i];
        in->imm.f64_bits = bits;
        return true;
    }
    case WASM_IMM_V128:
        return rd_bytes(r, in->imm.v128, 16, err);
    case WASM_IMM_SHUFFLE:
        return rd_bytes(r, in->imm.lanes, 16, err);
    case WASM_IMM_LANE:
        return rd_byte(r, &in->imm.lane, err);
    case WASM_IMM_MEM_LANE:
        return rd_memarg(r, &in->imm.mem_lane.mem, err) &&
               rd_byte(r, &in->imm.mem_lane.lane, err);
    case WASM_IMM_REFTYPE: {
        const uint8_t *at = r->p;
        if (!rd_byte(r, &in->imm.reftype, err))
            return false;
        if (!wasm_is_reftype(in->imm.reftype))
            return wasm_fail(err, roff(r, at), "malformed reference type");
        return true;
    }
    }
    return wasm_fail(err, roff(r, start), "illegal opcode %x", op);
}
