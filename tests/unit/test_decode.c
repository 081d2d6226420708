/* test_decode.c — binary decoder, instruction reader, const evaluator. */
#include "wasm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny module builder --------------------------------------------------- */

typedef struct buf {
    uint8_t b[8192];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    ck_assert(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_u8(buf *o, uint8_t x) { put(o, &x, 1); }

static void put_leb(buf *o, uint32_t x)
{
    do {
        uint8_t b = x & 0x7F;
        x >>= 7;
        put_u8(o, b | (x ? 0x80 : 0));
    } while (x);
}

static void header(buf *o)
{
    o->n = 0;
    put(o, "\0asm\1\0\0\0", 8);
}

static void section(buf *o, uint8_t id, const void *content, size_t n)
{
    put_u8(o, id);
    put_leb(o, (uint32_t)n);
    put(o, content, n);
}

#define SEC(o, id, lit) section(o, id, lit, sizeof(lit) - 1)

static wasm_module *dec(const buf *o, wasm_error *err)
{
    return wasm_decode(o->b, o->n, 0, 0, err);
}

static void expect_malformed(const buf *o, const char *msg)
{
    wasm_error err = { 0, "" };
    wasm_module *m = dec(o, &err);
    ck_assert_msg(m == NULL, "expected \"%s\"", msg);
    ck_assert_msg(strstr(err.msg, msg) != NULL, "expected \"%s\", got \"%s\"", msg, err.msg);
}

/* ---- tests ------------------------------------------------------------------------- */

START_TEST(empty_module)
{
    buf o;
    header(&o);
    wasm_error err;
    wasm_module *m = dec(&o, &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->nfuncs, 0);
    ck_assert_uint_eq(m->ntypes, 0);
    ck_assert(wasm_validate(m, &err));
    wasm_module_free(m);
}
END_TEST

START_TEST(header_errors)
{
    buf o = { .n = 0 };
    put(&o, "\0asn\1\0\0\0", 8);
    expect_malformed(&o, "magic header not detected");
    o.n = 0;
    put(&o, "\0asm\2\0\0\0", 8);
    expect_malformed(&o, "unknown binary version");
    o.n = 0;
    put(&o, "\0as", 3);
    expect_malformed(&o, "magic header not detected");
    o.n = 0;
    put(&o, "\0asm\1", 5);
    expect_malformed(&o, "unexpected end");
}
END_TEST

START_TEST(full_module)
{
    buf o;
    header(&o);
    /* type 0: (i32 i32) -> i32, type 1: () -> () */
    SEC(&o, 1, "\x02\x60\x02\x7f\x7f\x01\x7f\x60\x00\x00");
    /* import "env" "f" func type 1; "env" "g" global i32 const */
    SEC(&o, 2, "\x02\x03" "env" "\x01" "f" "\x00\x01" "\x03" "env" "\x01" "g" "\x03\x7f\x00");
    SEC(&o, 3, "\x02\x00\x01");                           /* funcs: type 0, type 1 */
    SEC(&o, 4, "\x01\x70\x01\x01\x05");                   /* table funcref 1..5 */
    SEC(&o, 5, "\x01\x01\x01\x02");                       /* memory 1..2 */
    SEC(&o, 6, "\x01\x7e\x01\x42\x7f\x0b");               /* global mut i64 = -1 */
    SEC(&o, 7, "\x02\x03" "add" "\x00\x01" "\x03" "mem" "\x02\x00");
    SEC(&o, 8, "\x02");                                   /* start: func 2 */
    SEC(&o, 9, "\x01\x00\x41\x00\x0b\x02\x01\x02");       /* elem active: funcs 1,2 */
    SEC(&o, 12, "\x01");                                  /* data count 1 */
    SEC(&o, 10, "\x02"
                "\x07\x00\x20\x00\x20\x01\x6a\x0b"        /* local.get 0 1 i32.add */
                "\x07\x01\x02\x7c\xfc\x09\x00\x0b");      /* 2 f64 locals; data.drop 0 */
    SEC(&o, 11, "\x01\x00\x41\x08\x0b\x02hi");            /* data at 8: "hi" */
    SEC(&o, 0, "\x04name" "\x01\x06\x01\x01\x03" "add");  /* name: func 1 = "add" */

    wasm_error err = { 0, "" };
    wasm_module *m = dec(&o, &err);
    ck_assert_msg(m != NULL, "%s", err.msg);
    ck_assert_uint_eq(m->ntypes, 2);
    ck_assert_uint_eq(m->types[0].nparams, 2);
    ck_assert_uint_eq(m->types[0].results[0], WASM_I32);
    ck_assert_uint_eq(m->nimports, 2);
    ck_assert_str_eq(m->imports[0].module, "env");
    ck_assert_str_eq(m->imports[1].name, "g");
    ck_assert_uint_eq(m->nfuncs, 3);
    ck_assert_uint_eq(m->nimported_funcs, 1);
    ck_assert_uint_eq(m->func_types[1], 0);
    ck_assert_uint_eq(m->ntables, 1);
    ck_assert_uint_eq(m->tables[0].limits.max, 5);
    ck_assert_uint_eq(m->nmemories, 1);
    ck_assert(m->memories[0].limits.has_max);
    ck_assert_uint_eq(m->nglobals, 2);
    ck_assert_uint_eq(m->nimported_globals, 1);
    ck_assert(m->globals[1].type.is_mutable);
    ck_assert_uint_eq(m->nexports, 2);
    ck_assert_str_eq(m->exports[0].name, "add");
    ck_assert_uint_eq(m->exports[0].name_len, 3);
    ck_assert(m->has_start);
    ck_assert_uint_eq(m->start, 2);
    ck_assert_uint_eq(m->nelems, 1);
    ck_assert_uint_eq(m->elems[0].count, 2);
    ck_assert_uint_eq(m->elems[0].funcs[1], 2);
    ck_assert_uint_eq(m->ncodes, 2);
    ck_assert_uint_eq(m->codes[1].nlocals, 2);
    ck_assert_uint_eq(m->codes[1].local_decls[0].type, WASM_F64);
    ck_assert_uint_eq(m->codes[0].end - m->codes[0].body, 6);
    ck_assert_uint_eq(m->ndatas, 1);
    ck_assert_uint_eq(m->datas[0].len, 2);
    ck_assert(memcmp(m->datas[0].bytes, "hi", 2) == 0);
    ck_assert_ptr_nonnull(m->func_names);
    ck_assert_str_eq(m->func_names[1], "add");
    ck_assert_ptr_null(m->func_names[0]);
    ck_assert_msg(wasm_validate(m, &err), "%s", err.msg);

    /* The global initialiser evaluates to -1. */
    wasm_value val;
    ck_assert(wasm_eval_const(&m->globals[1].init, NULL, &val, &err));
    ck_assert_int_eq(val.i64, -1);
    wasm_module_free(m);
}
END_TEST

START_TEST(leb_rules)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x80\x80\x80\x80\x80\x00");     /* 6-byte u32 */
    expect_malformed(&o, "integer representation too long");
    header(&o);
    SEC(&o, 1, "\x80\x80\x80\x80\x70");         /* unused bits set */
    expect_malformed(&o, "integer too large");
    header(&o);
    SEC(&o, 1, "\x81\x80\x80\x80\x00");         /* redundant but valid: 1 type */
    expect_malformed(&o, "unexpected end");

    /* Signed 32-bit: the last byte's unused bits must extend the sign. */
    const uint8_t ok[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x7F };
    const uint8_t bad[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x4F };
    const uint8_t *p = ok;
    wasm_reader r;
    wasm_insn in;
    wasm_error err;
    uint8_t code[8] = { 0x41 };
    memcpy(code + 1, ok, 5);
    wasm_reader_init(&r, code, code, code + 6);
    ck_assert(wasm_read_insn(&r, &in, &err));
    ck_assert_int_eq(in.imm.i32, -1);
    memcpy(code + 1, bad, 5);
    wasm_reader_init(&r, code, code, code + 6);
    ck_assert(!wasm_read_insn(&r, &in, &err));
    ck_assert_str_eq(err.msg, "integer too large");
    ck_assert_uint_eq(err.offset, 5);
    (void)p;
}
END_TEST

START_TEST(section_rules)
{
    buf o;
    header(&o);
    SEC(&o, 3, "\x00");
    SEC(&o, 1, "\x00");
    expect_malformed(&o, "unexpected content after last section");
    header(&o);
    SEC(&o, 1, "\x00");
    SEC(&o, 1, "\x00");
    expect_malformed(&o, "unexpected content after last section");
    header(&o);
    SEC(&o, 13, "\x00");
    expect_malformed(&o, "malformed section id");
    header(&o);
    SEC(&o, 1, "\x00\x00");
    expect_malformed(&o, "section size mismatch");
    header(&o);
    put(&o, "\x01\x05\x00", 3);
    expect_malformed(&o, "length out of bounds");
    /* Custom sections may appear anywhere, even between ordered ones. */
    header(&o);
    SEC(&o, 1, "\x00");
    SEC(&o, 0, "\x01x");
    SEC(&o, 3, "\x00");
    wasm_error err;
    wasm_module *m = dec(&o, &err);
    ck_assert_ptr_nonnull(m);
    wasm_module_free(m);
    header(&o);
    SEC(&o, 0, "\x05" "ab\xff" "cd");
    expect_malformed(&o, "malformed UTF-8 encoding");
}
END_TEST

START_TEST(count_rules)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x01\x60\x00\x00");
    SEC(&o, 3, "\x01\x00");
    expect_malformed(&o, "function and code section have inconsistent lengths");

    /* ... unless the caller says the code section is not there. */
    wasm_error err;
    wasm_module *m = wasm_decode(o.b, o.n, 0, WASM_DECODE_NO_CODE, &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(m->nfuncs, 1);
    ck_assert_uint_eq(m->ncodes, 0);
    wasm_module_free(m);

    header(&o);
    SEC(&o, 12, "\x01");
    expect_malformed(&o, "data count and data section have inconsistent lengths");

    header(&o);
    SEC(&o, 1, "\x01\x60\x00\x00");
    SEC(&o, 3, "\x01\x00");
    SEC(&o, 5, "\x01\x00\x01");
    SEC(&o, 10, "\x01\x0b\x00\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00\x0b");
    SEC(&o, 11, "\x01\x01\x00");
    expect_malformed(&o, "data count section required");

    header(&o);
    SEC(&o, 1, "\x01\x60\x00\x00");
    SEC(&o, 3, "\x01\x00");
    SEC(&o, 10, "\x01\x0c\x02\xff\xff\xff\xff\x0f\x7f\xff\xff\xff\xff\x0f\x7f\x0b");
    expect_malformed(&o, "too many locals");
}
END_TEST

START_TEST(type_encodings)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x01\x60\x01\x7a\x00");
    expect_malformed(&o, "malformed value type");
    header(&o);
    SEC(&o, 4, "\x01\x7f\x00\x00");
    expect_malformed(&o, "malformed reference type");
    header(&o);
    SEC(&o, 6, "\x01\x7f\x02\x41\x00\x0b");
    expect_malformed(&o, "malformed mutability");
    header(&o);
    SEC(&o, 2, "\x01\x01m\x01n\x05\x00");
    expect_malformed(&o, "malformed import kind");
    header(&o);
    SEC(&o, 5, "\x01\x02\x00");     /* shared memory without threads */
    expect_malformed(&o, "integer too large");
    wasm_error err;
    wasm_module *m = wasm_decode(o.b, o.n, WASM_FEATURE_THREADS, 0, &err);
    ck_assert_ptr_nonnull(m);
    ck_assert(m->memories[0].shared);
    wasm_module_free(m);
}
END_TEST

START_TEST(elem_forms)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x01\x60\x00\x00");
    SEC(&o, 3, "\x01\x00");
    SEC(&o, 4, "\x02\x70\x00\x01\x6f\x00\x01");
    SEC(&o, 9, "\x08"
               "\x00\x41\x00\x0b\x01\x00"                 /* 0: active table 0, funcs */
               "\x01\x00\x01\x00"                         /* 1: passive funcs */
               "\x02\x00\x41\x00\x0b\x00\x01\x00"         /* 2: active table 0 explicit */
               "\x03\x00\x01\x00"                         /* 3: declarative funcs */
               "\x04\x41\x00\x0b\x01\xd2\x00\x0b"         /* 4: active exprs */
               "\x05\x6f\x01\xd0\x6f\x0b"                 /* 5: passive externref exprs */
               "\x06\x01\x41\x00\x0b\x6f\x01\xd0\x6f\x0b" /* 6: active table 1 exprs */
               "\x07\x70\x01\xd2\x00\x0b");               /* 7: declarative exprs */
    SEC(&o, 10, "\x01\x02\x00\x0b");
    wasm_error err = { 0, "" };
    wasm_module *m = dec(&o, &err);
    ck_assert_msg(m != NULL, "%s", err.msg);
    ck_assert_uint_eq(m->nelems, 8);
    static const uint8_t modes[8] = { 0, 1, 0, 2, 0, 1, 0, 2 };
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(m->elems[i].mode, modes[i]);
        ck_assert_uint_eq(m->elems[i].count, 1);
        ck_assert((m->elems[i].funcs != NULL) == (i < 4));
    }
    ck_assert_uint_eq(m->elems[5].elemtype, WASM_EXTERNREF);
    ck_assert_uint_eq(m->elems[6].table, 1);
    ck_assert_msg(wasm_validate(m, &err), "%s", err.msg);
    wasm_module_free(m);

    header(&o);
    SEC(&o, 9, "\x01\x08");
    expect_malformed(&o, "malformed elements segment kind");
    header(&o);
    SEC(&o, 9, "\x01\x01\x01\x00");
    expect_malformed(&o, "malformed element kind");
    header(&o);
    SEC(&o, 11, "\x01\x03");
    expect_malformed(&o, "malformed data segment kind");
}
END_TEST

START_TEST(name_section_tolerant)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x01\x60\x00\x00");
    SEC(&o, 3, "\x01\x00");
    SEC(&o, 10, "\x01\x02\x00\x0b");
    SEC(&o, 0, "\x04name" "\x01\x08\x02\x00\x01" "f" "\x07\x05" "ab");  /* truncated */
    wasm_error err;
    wasm_module *m = dec(&o, &err);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->func_names[0], "f");
    wasm_module_free(m);
}
END_TEST

static void read_one(const uint8_t *code, size_t n, wasm_insn *in)
{
    wasm_reader r;
    wasm_error err = { 0, "" };
    wasm_reader_init(&r, code, code, code + n);
    ck_assert_msg(wasm_read_insn(&r, in, &err), "%s", err.msg);
    ck_assert_ptr_eq(r.p, code + n);
    wasm_reader_free(&r);
}

START_TEST(reader_immediates)
{
    wasm_insn in;
    wasm_reader r;
    wasm_error err;

    const uint8_t brt[] = { 0x0e, 0x03, 0x00, 0x01, 0x02, 0x05 };
    wasm_reader_init(&r, brt, brt, brt + sizeof brt);
    ck_assert(wasm_read_insn(&r, &in, &err));
    ck_assert_uint_eq(in.op, WASM_OP_BR_TABLE);
    ck_assert_uint_eq(in.imm.br_table.count, 3);
    ck_assert_uint_eq(in.imm.br_table.labels[2], 2);
    ck_assert_uint_eq(in.imm.br_table.def, 5);
    wasm_reader_free(&r);

    const uint8_t ld[] = { 0x29, 0x03, 0x80, 0x01 };
    read_one(ld, sizeof ld, &in);
    ck_assert_uint_eq(in.op, WASM_OP_I64_LOAD);
    ck_assert_uint_eq(in.imm.mem.align, 3);
    ck_assert_uint_eq(in.imm.mem.offset, 128);

    const uint8_t c64[] = { 0x42, 0x80, 0x7f };
    read_one(c64, sizeof c64, &in);
    ck_assert_int_eq(in.imm.i64, -128);

    const uint8_t f32[] = { 0x43, 0x00, 0x00, 0x80, 0x3f };
    read_one(f32, sizeof f32, &in);
    ck_assert_uint_eq(in.imm.f32_bits, 0x3f800000u);

    const uint8_t sel[] = { 0x1c, 0x01, 0x7b };
    read_one(sel, sizeof sel, &in);
    ck_assert_uint_eq(in.op, WASM_OP_SELECT_T);
    ck_assert_uint_eq(in.imm.select.count, 1);
    ck_assert_uint_eq(in.imm.select.type, WASM_V128);

    uint8_t shuf[19] = { 0xfd, 0x0d };
    for (int i = 0; i < 16; i++)
        shuf[2 + i] = (uint8_t)(31 - i);
    read_one(shuf, 18, &in);
    ck_assert_uint_eq(in.op, WASM_OP_I8X16_SHUFFLE);
    ck_assert_uint_eq(in.imm.lanes[0], 31);

    const uint8_t lane[] = { 0xfd, 0x54, 0x00, 0x10, 0x0f };  /* v128.load8_lane */
    read_one(lane, sizeof lane, &in);
    ck_assert_uint_eq(in.op, WASM_OP_V128_LOAD8_LANE);
    ck_assert_uint_eq(in.imm.mem_lane.mem.offset, 16);
    ck_assert_uint_eq(in.imm.mem_lane.lane, 15);

    const uint8_t dot[] = { 0xfd, 0xba, 0x01 };   /* LEB sub-opcode */
    read_one(dot, sizeof dot, &in);
    ck_assert_uint_eq(in.op, WASM_OP_I32X4_DOT_I16X8_S);

    const uint8_t minit[] = { 0xfc, 0x08, 0x03, 0x00 };
    read_one(minit, sizeof minit, &in);
    ck_assert_uint_eq(in.op, WASM_OP_MEMORY_INIT);
    ck_assert_uint_eq(in.imm.pair.a, 3);

    const uint8_t blk[] = { 0x02, 0x05 };
    read_one(blk, sizeof blk, &in);
    ck_assert_uint_eq(in.imm.block.kind, WASM_BLOCK_TYPEIDX);
    ck_assert_uint_eq(in.imm.block.typeidx, 5);

    /* Errors. */
    const uint8_t bad[][3] = {
        { 0x3f, 0x01 },         /* memory.size reserved byte */
        { 0xfd, 0x9a, 0x01 },   /* unassigned SIMD opcode */
        { 0x06 },               /* unassigned opcode */
        { 0xd0, 0x7f },         /* ref.null i32 */
        { 0x12, 0x00 },         /* return_call without tail-call */
    };
    static const size_t badlen[] = { 2, 3, 1, 2, 2 };
    static const char *badmsg[] = { "zero byte expected", "illegal opcode", "illegal opcode",
                                    "malformed reference type", "illegal opcode" };
    for (size_t i = 0; i < sizeof badlen / sizeof *badlen; i++) {
        wasm_reader_init(&r, bad[i], bad[i], bad[i] + badlen[i]);
        r.features = 0;
        ck_assert(!wasm_read_insn(&r, &in, &err));
        ck_assert_msg(strstr(err.msg, badmsg[i]), "%zu: %s", i, err.msg);
        wasm_reader_free(&r);
    }
    /* Every truncation of a long instruction fails cleanly. */
    for (size_t n = 0; n < sizeof lane; n++) {
        wasm_reader_init(&r, lane, lane, lane + n);
        ck_assert(!wasm_read_insn(&r, &in, &err));
        wasm_reader_free(&r);
    }
}
END_TEST

START_TEST(opcode_table)
{
    ck_assert_uint_eq(WASM_OP_I32_ADD, 0x6a);
    ck_assert_uint_eq(WASM_OP_I32_TRUNC_SAT_F32_S, 0xfc00);
    ck_assert_uint_eq(WASM_OP_TABLE_FILL, 0xfc11);
    ck_assert_uint_eq(WASM_OP_F64X2_PROMOTE_LOW_F32X4, 0xfd5f);
    ck_assert_uint_eq(WASM_OP_I16X8_Q15MULR_SAT_S, 0xfd82);
    ck_assert_uint_eq(WASM_OP_I64X2_GE_S, 0xfddb);
    ck_assert_uint_eq(WASM_OP_F64X2_CONVERT_LOW_I32X4_U, 0xfdff);
    ck_assert_str_eq(wasm_op_name(WASM_OP_I8X16_AVGR_U), "i8x16.avgr_u");
    ck_assert_str_eq(wasm_op_name(WASM_OP_SELECT_T), "select");
    ck_assert_str_eq(wasm_op_name(0xfd9a), "<unknown>");
    const wasm_opinfo *info = wasm_op_info(WASM_OP_F32_CONVERT_I64_U);
    ck_assert_ptr_nonnull(info);
    const wasm_siginfo *s = wasm_sig_info(info->sig);
    ck_assert_uint_eq(s->nparams, 1);
    ck_assert_uint_eq(s->params[0], WASM_I64);
    ck_assert_uint_eq(s->result, WASM_F32);
    ck_assert_ptr_null(wasm_op_info(0xfe00));
}
END_TEST

static wasm_value get_global(void *ud, uint32_t idx)
{
    wasm_value v;
    memset(&v, 0, sizeof v);
    v.i32 = *(int32_t *)ud + (int32_t)idx;
    return v;
}

START_TEST(const_eval)
{
    /* global.get 1; i32.const 5; i32.mul; i32.const 2; i32.sub */
    const uint8_t code[] = { 0x23, 0x01, 0x41, 0x05, 0x6c, 0x41, 0x02, 0x6b, 0x0b };
    wasm_constexpr e = { code, sizeof code, 0 };
    int32_t base = 10;
    wasm_const_env env = { get_global, NULL, &base };
    wasm_value v;
    wasm_error err;
    ck_assert(wasm_eval_const(&e, &env, &v, &err));
    ck_assert_int_eq(v.i32, 11 * 5 - 2);

    const uint8_t bad[] = { 0x41, 0x00, 0x1a, 0x0b };   /* drop */
    wasm_constexpr e2 = { bad, sizeof bad, 0 };
    ck_assert(!wasm_eval_const(&e2, &env, &v, &err));
    const uint8_t v128[] = { 0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x0b };
    wasm_constexpr e3 = { v128, sizeof v128, 0 };
    ck_assert(wasm_eval_const(&e3, &env, &v, &err));
    ck_assert_uint_eq(v.v128[15], 16);
}
END_TEST

START_TEST(helpers)
{
    ck_assert_str_eq(wasm_valtype_name(WASM_V128), "v128");
    ck_assert_str_eq(wasm_valtype_name(WASM_EXTERNREF), "externref");
    uint8_t p[] = { WASM_I32 }, q[] = { WASM_I64 };
    wasm_functype a = { 1, 0, p, NULL }, b = { 1, 0, p, NULL }, c = { 1, 0, q, NULL };
    ck_assert(wasm_functype_equal(&a, &b));
    ck_assert(!wasm_functype_equal(&a, &c));
    wasm_module_free(NULL);
}
END_TEST

/* Truncating a valid module at every length never crashes or leaks. */
START_TEST(truncations)
{
    buf o;
    header(&o);
    SEC(&o, 1, "\x01\x60\x01\x7f\x01\x7f");
    SEC(&o, 3, "\x01\x00");
    SEC(&o, 5, "\x01\x00\x01");
    SEC(&o, 7, "\x01\x01" "f" "\x00\x00");
    SEC(&o, 10, "\x01\x10\x00\x20\x00\x28\x02\x04\x41\x01\x6a\xfd\x0c\x00\x0b\x0b\x0b");
    for (size_t n = 0; n < o.n; n++) {
        wasm_error err;
        wasm_module *m = wasm_decode(o.b, n, 0, 0, &err);
        if (m) {
            wasm_validate(m, &err);
            wasm_module_free(m);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, empty_module);
    tcase_add_test(tc, header_errors);
    tcase_add_test(tc, full_module);
    tcase_add_test(tc, leb_rules);
    tcase_add_test(tc, section_rules);
    tcase_add_test(tc, count_rules);
    tcase_add_test(tc, type_encodings);
    tcase_add_test(tc, elem_forms);
    tcase_add_test(tc, name_section_tolerant);
    tcase_add_test(tc, reader_immediates);
    tcase_add_test(tc, opcode_table);
    tcase_add_test(tc, const_eval);
    tcase_add_test(tc, helpers);
    tcase_add_test(tc, truncations);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
