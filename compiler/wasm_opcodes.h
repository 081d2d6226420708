/*
 * wasm_opcodes.h — every WebAssembly 2.0 opcode (plus tail calls and relaxed SIMD), as an
 * X-macro list.  Included by wasm.h.
 *
 * Opcode values: the plain byte for single-byte opcodes, 0xFC00|sub and
 * 0xFD00|sub for the prefixed spaces (the sub-opcode is a LEB u32 in the
 * binary; every known one is < 0x100, except the relaxed SIMD ones, 0xFD
 * 0x100..0x113, whose values are 0xFD0000|sub).
 *
 * Each entry is X(NAME, CODE, "text", IMM, SIG):
 *   NAME  WASM_OP_<NAME> — the mnemonic upper-cased, '.' and '/' -> '_'
 *   IMM   immediate kind (WASM_IMM_<IMM>), i.e. which wasm_insn.imm member
 *   SIG   stack signature for simple ops, WASM_SIG_<SIG>: letters before the
 *         '_' are operand types (bottom..top), after it the result type, with
 *         i=i32 l=i64 f=f32 d=f64 v=v128.  S = special (typed by hand in the
 *         validator).  Memory ops are listed with an i32 address; memory64
 *         replaces it with i64.
 */
#ifndef WACC_WASM_OPCODES_H
#define WACC_WASM_OPCODES_H

#include <stdint.h>

#define WASM_OPCODES(X) \
    X(UNREACHABLE, 0x00, "unreachable", NONE, S) \
    X(NOP, 0x01, "nop", NONE, _) \
    X(BLOCK, 0x02, "block", BLOCK, S) \
    X(LOOP, 0x03, "loop", BLOCK, S) \
    X(IF, 0x04, "if", BLOCK, S) \
    X(ELSE, 0x05, "else", NONE, S) \
    X(END, 0x0B, "end", NONE, S) \
    X(BR, 0x0C, "br", IDX, S) \
    X(BR_IF, 0x0D, "br_if", IDX, S) \
    X(BR_TABLE, 0x0E, "br_table", BR_TABLE, S) \
    X(RETURN, 0x0F, "return", NONE, S) \
    X(CALL, 0x10, "call", IDX, S) \
    X(CALL_INDIRECT, 0x11, "call_indirect", CALL_INDIRECT, S) \
    X(RETURN_CALL, 0x12, "return_call", IDX, S) \
    X(RETURN_CALL_INDIRECT, 0x13, "return_call_indirect", CALL_INDIRECT, S) \
    X(DROP, 0x1A, "drop", NONE, S) \
    X(SELECT, 0x1B, "select", NONE, S) \
    X(SELECT_T, 0x1C, "select", SELECT_T, S) \
    X(LOCAL_GET, 0x20, "local.get", IDX, S) \
    X(LOCAL_SET, 0x21, "local.set", IDX, S) \
    X(LOCAL_TEE, 0x22, "local.tee", IDX, S) \
    X(GLOBAL_GET, 0x23, "global.get", IDX, S) \
    X(GLOBAL_SET, 0x24, "global.set", IDX, S) \
    X(TABLE_GET, 0x25, "table.get", IDX, S) \
    X(TABLE_SET, 0x26, "table.set", IDX, S) \
    X(I32_LOAD, 0x28, "i32.load", MEM, i_i) \
    X(I64_LOAD, 0x29, "i64.load", MEM, i_l) \
    X(F32_LOAD, 0x2A, "f32.load", MEM, i_f) \
    X(F64_LOAD, 0x2B, "f64.load", MEM, i_d) \
    X(I32_LOAD8_S, 0x2C, "i32.load8_s", MEM, i_i) \
    X(I32_LOAD8_U, 0x2D, "i32.load8_u", MEM, i_i) \
    X(I32_LOAD16_S, 0x2E, "i32.load16_s", MEM, i_i) \
    X(I32_LOAD16_U, 0x2F, "i32.load16_u", MEM, i_i) \
    X(I64_LOAD8_S, 0x30, "i64.load8_s", MEM, i_l) \
    X(I64_LOAD8_U, 0x31, "i64.load8_u", MEM, i_l) \
    X(I64_LOAD16_S, 0x32, "i64.load16_s", MEM, i_l) \
    X(I64_LOAD16_U, 0x33, "i64.load16_u", MEM, i_l) \
    X(I64_LOAD32_S, 0x34, "i64.load32_s", MEM, i_l) \
    X(I64_LOAD32_U, 0x35, "i64.load32_u", MEM, i_l) \
    X(I32_STORE, 0x36, "i32.store", MEM, ii_) \
    X(I64_STORE, 0x37, "i64.store", MEM, il_) \
    X(F32_STORE, 0x38, "f32.store", MEM, if_) \
    X(F64_STORE, 0x39, "f64.store", MEM, id_) \
    X(I32_STORE8, 0x3A, "i32.store8", MEM, ii_) \
    X(I32_STORE16, 0x3B, "i32.store16", MEM, ii_) \
    X(I64_STORE8, 0x3C, "i64.store8", MEM, il_) \
    X(I64_STORE16, 0x3D, "i64.store16", MEM, il_) \
    X(I64_STORE32, 0x3E, "i64.store32", MEM, il_) \
    X(MEMORY_SIZE, 0x3F, "memory.size", MEMIDX, _i) \
    X(MEMORY_GROW, 0x40, "memory.grow", MEMIDX, i_i) \
    X(I32_CONST, 0x41, "i32.const", I32, _i) \
    X(I64_CONST, 0x42, "i64.const", I64, _l) \
    X(F32_CONST, 0x43, "f32.const", F32, _f) \
    X(F64_CONST, 0x44, "f64.const", F64, _d) \
    X(I32_EQZ, 0x45, "i32.eqz", NONE, i_i) \
    X(I32_EQ, 0x46, "i32.eq", NONE, ii_i) \
    X(I32_NE, 0x47, "i32.ne", NONE, ii_i) \
    X(I32_LT_S, 0x48, "i32.lt_s", NONE, ii_i) \
    X(I32_LT_U, 0x49, "i32.lt_u", NONE, ii_i) \
    X(I32_GT_S, 0x4A, "i32.gt_s", NONE, ii_i) \
    X(I32_GT_U, 0x4B, "i32.gt_u", NONE, ii_i) \
    X(I32_LE_S, 0x4C, "i32.le_s", NONE, ii_i) \
    X(I32_LE_U, 0x4D, "i32.le_u", NONE, ii_i) \
    X(I32_GE_S, 0x4E, "i32.ge_s", NONE, ii_i) \
    X(I32_GE_U, 0x4F, "i32.ge_u", NONE, ii_i) \
    X(I64_EQZ, 0x50, "i64.eqz", NONE, l_i) \
    X(I64_EQ, 0x51, "i64.eq", NONE, ll_i) \
    X(I64_NE, 0x52, "i64.ne", NONE, ll_i) \
    X(I64_LT_S, 0x53, "i64.lt_s", NONE, ll_i) \
    X(I64_LT_U, 0x54, "i64.lt_u", NONE, ll_i) \
    X(I64_GT_S, 0x55, "i64.gt_s", NONE, ll_i) \
    X(I64_GT_U, 0x56, "i64.gt_u", NONE, ll_i) \
    X(I64_LE_S, 0x57, "i64.le_s", NONE, ll_i) \
    X(I64_LE_U, 0x58, "i64.le_u", NONE, ll_i) \
    X(I64_GE_S, 0x59, "i64.ge_s", NONE, ll_i) \
    X(I64_GE_U, 0x5A, "i64.ge_u", NONE, ll_i) \
    X(F32_EQ, 0x5B, "f32.eq", NONE, ff_i) \
    X(F32_NE, 0x5C, "f32.ne", NONE, ff_i) \
    X(F32_LT, 0x5D, "f32.lt", NONE, ff_i) \
    X(F32_GT, 0x5E, "f32.gt", NONE, ff_i) \
    X(F32_LE, 0x5F, "f32.le", NONE, ff_i) \
    X(F32_GE, 0x60, "f32.ge", NONE, ff_i) \
    X(F64_EQ, 0x61, "f64.eq", NONE, dd_i) \
    X(F64_NE, 0x62, "f64.ne", NONE, dd_i) \
    X(F64_LT, 0x63, "f64.lt", NONE, dd_i) \
    X(F64_GT, 0x64, "f64.gt", NONE, dd_i) \
    X(F64_LE, 0x65, "f64.le", NONE, dd_i) \
    X(F64_GE, 0x66, "f64.ge", NONE, dd_i) \
    X(I32_CLZ, 0x67, "i32.clz", NONE, i_i) \
    X(I32_CTZ, 0x68, "i32.ctz", NONE, i_i) \
    X(I32_POPCNT, 0x69, "i32.popcnt", NONE, i_i) \
    X(I32_ADD, 0x6A, "i32.add", NONE, ii_i) \
    X(I32_SUB, 0x6B, "i32.sub", NONE, ii_i) \
    X(I32_MUL, 0x6C, "i32.mul", NONE, ii_i) \
    X(I32_DIV_S, 0x6D, "i32.div_s", NONE, ii_i) \
    X(I32_DIV_U, 0x6E, "i32.div_u", NONE, ii_i) \
    X(I32_REM_S, 0x6F, "i32.rem_s", NONE, ii_i) \
    X(I32_REM_U, 0x70, "i32.rem_u", NONE, ii_i) \
    X(I32_AND, 0x71, "i32.and", NONE, ii_i) \
    X(I32_OR, 0x72, "i32.or", NONE, ii_i) \
    X(I32_XOR, 0x73, "i32.xor", NONE, ii_i) \
    X(I32_SHL, 0x74, "i32.shl", NONE, ii_i) \
    X(I32_SHR_S, 0x75, "i32.shr_s", NONE, ii_i) \
    X(I32_SHR_U, 0x76, "i32.shr_u", NONE, ii_i) \
    X(I32_ROTL, 0x77, "i32.rotl", NONE, ii_i) \
    X(I32_ROTR, 0x78, "i32.rotr", NONE, ii_i) \
    X(I64_CLZ, 0x79, "i64.clz", NONE, l_l) \
    X(I64_CTZ, 0x7A, "i64.ctz", NONE, l_l) \
    X(I64_POPCNT, 0x7B, "i64.popcnt", NONE, l_l) \
    X(I64_ADD, 0x7C, "i64.add", NONE, ll_l) \
    X(I64_SUB, 0x7D, "i64.sub", NONE, ll_l) \
    X(I64_MUL, 0x7E, "i64.mul", NONE, ll_l) \
    X(I64_DIV_S, 0x7F, "i64.div_s", NONE, ll_l) \
    X(I64_DIV_U, 0x80, "i64.div_u", NONE, ll_l) \
    X(I64_REM_S, 0x81, "i64.rem_s", NONE, ll_l) \
    X(I64_REM_U, 0x82, "i64.rem_u", NONE, ll_l) \
    X(I64_AND, 0x83, "i64.and", NONE, ll_l) \
    X(I64_OR, 0x84, "i64.or", NONE, ll_l) \
    X(I64_XOR, 0x85, "i64.xor", NONE, ll_l) \
    X(I64_SHL, 0x86, "i64.shl", NONE, ll_l) \
    X(I64_SHR_S, 0x87, "i64.shr_s", NONE, ll_l) \
    X(I64_SHR_U, 0x88, "i64.shr_u", NONE, ll_l) \
    X(I64_ROTL, 0x89, "i64.rotl", NONE, ll_l) \
    X(I64_ROTR, 0x8A, "i64.rotr", NONE, ll_l) \
    X(F32_ABS, 0x8B, "f32.abs", NONE, f_f) \
    X(F32_NEG, 0x8C, "f32.neg", NONE, f_f) \
    X(F32_CEIL, 0x8D, "f32.ceil", NONE, f_f) \
    X(F32_FLOOR, 0x8E, "f32.floor", NONE, f_f) \
    X(F32_TRUNC, 0x8F, "f32.trunc", NONE, f_f) \
    X(F32_NEAREST, 0x90, "f32.nearest", NONE, f_f) \
    X(F32_SQRT, 0x91, "f32.sqrt", NONE, f_f) \
    X(F32_ADD, 0x92, "f32.add", NONE, ff_f) \
    X(F32_SUB, 0x93, "f32.sub", NONE, ff_f) \
    X(F32_MUL, 0x94, "f32.mul", NONE, ff_f) \
    X(F32_DIV, 0x95, "f32.div", NONE, ff_f) \
    X(F32_MIN, 0x96, "f32.min", NONE, ff_f) \
    X(F32_MAX, 0x97, "f32.max", NONE, ff_f) \
    X(F32_COPYSIGN, 0x98, "f32.copysign", NONE, ff_f) \
    X(F64_ABS, 0x99, "f64.abs", NONE, d_d) \
    X(F64_NEG, 0x9A, "f64.neg", NONE, d_d) \
    X(F64_CEIL, 0x9B, "f64.ceil", NONE, d_d) \
    X(F64_FLOOR, 0x9C, "f64.floor", NONE, d_d) \
    X(F64_TRUNC, 0x9D, "f64.trunc", NONE, d_d) \
    X(F64_NEAREST, 0x9E, "f64.nearest", NONE, d_d) \
    X(F64_SQRT, 0x9F, "f64.sqrt", NONE, d_d) \
    X(F64_ADD, 0xA0, "f64.add", NONE, dd_d) \
    X(F64_SUB, 0xA1, "f64.sub", NONE, dd_d) \
    X(F64_MUL, 0xA2, "f64.mul", NONE, dd_d) \
    X(F64_DIV, 0xA3, "f64.div", NONE, dd_d) \
    X(F64_MIN, 0xA4, "f64.min", NONE, dd_d) \
    X(F64_MAX, 0xA5, "f64.max", NONE, dd_d) \
    X(F64_COPYSIGN, 0xA6, "f64.copysign", NONE, dd_d) \
    X(I32_WRAP_I64, 0xA7, "i32.wrap_i64", NONE, l_i) \
    X(I32_TRUNC_F32_S, 0xA8, "i32.trunc_f32_s", NONE, f_i) \
    X(I32_TRUNC_F32_U, 0xA9, "i32.trunc_f32_u", NONE, f_i) \
    X(I32_TRUNC_F64_S, 0xAA, "i32.trunc_f64_s", NONE, d_i) \
    X(I32_TRUNC_F64_U, 0xAB, "i32.trunc_f64_u", NONE, d_i) \
    X(I64_EXTEND_I32_S, 0xAC, "i64.extend_i32_s", NONE, i_l) \
    X(I64_EXTEND_I32_U, 0xAD, "i64.extend_i32_u", NONE, i_l) \
    X(I64_TRUNC_F32_S, 0xAE, "i64.trunc_f32_s", NONE, f_l) \
    X(I64_TRUNC_F32_U, 0xAF, "i64.trunc_f32_u", NONE, f_l) \
    X(I64_TRUNC_F64_S, 0xB0, "i64.trunc_f64_s", NONE, d_l) \
    X(I64_TRUNC_F64_U, 0xB1, "i64.trunc_f64_u", NONE, d_l) \
    X(F32_CONVERT_I32_S, 0xB2, "f32.convert_i32_s", NONE, i_f) \
    X(F32_CONVERT_I32_U, 0xB3, "f32.convert_i32_u", NONE, i_f) \
    X(F32_CONVERT_I64_S, 0xB4, "f32.convert_i64_s", NONE, l_f) \
    X(F32_CONVERT_I64_U, 0xB5, "f32.convert_i64_u", NONE, l_f) \
    X(F32_DEMOTE_F64, 0xB6, "f32.demote_f64", NONE, d_f) \
    X(F64_CONVERT_I32_S, 0xB7, "f64.convert_i32_s", NONE, i_d) \
    X(F64_CONVERT_I32_U, 0xB8, "f64.convert_i32_u", NONE, i_d) \
    X(F64_CONVERT_I64_S, 0xB9, "f64.convert_i64_s", NONE, l_d) \
    X(F64_CONVERT_I64_U, 0xBA, "f64.convert_i64_u", NONE, l_d) \
    X(F64_PROMOTE_F32, 0xBB, "f64.promote_f32", NONE, f_d) \
    X(I32_REINTERPRET_F32, 0xBC, "i32.reinterpret_f32", NONE, f_i) \
    X(I64_REINTERPRET_F64, 0xBD, "i64.reinterpret_f64", NONE, d_l) \
    X(F32_REINTERPRET_I32, 0xBE, "f32.reinterpret_i32", NONE, i_f) \
    X(F64_REINTERPRET_I64, 0xBF, "f64.reinterpret_i64", NONE, l_d) \
    X(I32_EXTEND8_S, 0xC0, "i32.extend8_s", NONE, i_i) \
    X(I32_EXTEND16_S, 0xC1, "i32.extend16_s", NONE, i_i) \
    X(I64_EXTEND8_S, 0xC2, "i64.extend8_s", NONE, l_l) \
    X(I64_EXTEND16_S, 0xC3, "i64.extend16_s", NONE, l_l) \
    X(I64_EXTEND32_S, 0xC4, "i64.extend32_s", NONE, l_l) \
    X(REF_NULL, 0xD0, "ref.null", REFTYPE, S) \
    X(REF_IS_NULL, 0xD1, "ref.is_null", NONE, S) \
    X(REF_FUNC, 0xD2, "ref.func", IDX, S) \
    X(I32_TRUNC_SAT_F32_S, 0xFC00, "i32.trunc_sat_f32_s", NONE, f_i) \
    X(I32_TRUNC_SAT_F32_U, 0xFC01, "i32.trunc_sat_f32_u", NONE, f_i) \
    X(I32_TRUNC_SAT_F64_S, 0xFC02, "i32.trunc_sat_f64_s", NONE, d_i) \
    X(I32_TRUNC_SAT_F64_U, 0xFC03, "i32.trunc_sat_f64_u", NONE, d_i) \
    X(I64_TRUNC_SAT_F32_S, 0xFC04, "i64.trunc_sat_f32_s", NONE, f_l) \
    X(I64_TRUNC_SAT_F32_U, 0xFC05, "i64.trunc_sat_f32_u", NONE, f_l) \
    X(I64_TRUNC_SAT_F64_S, 0xFC06, "i64.trunc_sat_f64_s", NONE, d_l) \
    X(I64_TRUNC_SAT_F64_U, 0xFC07, "i64.trunc_sat_f64_u", NONE, d_l) \
    X(MEMORY_INIT, 0xFC08, "memory.init", PAIR, iii_) \
    X(DATA_DROP, 0xFC09, "data.drop", IDX, _) \
    X(MEMORY_COPY, 0xFC0A, "memory.copy", PAIR, iii_) \
    X(MEMORY_FILL, 0xFC0B, "memory.fill", MEMIDX, iii_) \
    X(TABLE_INIT, 0xFC0C, "table.init", PAIR, iii_) \
    X(ELEM_DROP, 0xFC0D, "elem.drop", IDX, _) \
    X(TABLE_COPY, 0xFC0E, "table.copy", PAIR, iii_) \
    X(TABLE_GROW, 0xFC0F, "table.grow", IDX, S) \
    X(TABLE_SIZE, 0xFC10, "table.size", IDX, _i) \
    X(TABLE_FILL, 0xFC11, "table.fill", IDX, S) \
    X(V128_LOAD, 0xFD00, "v128.load", MEM, i_v) \
    X(V128_LOAD8X8_S, 0xFD01, "v128.load8x8_s", MEM, i_v) \
    X(V128_LOAD8X8_U, 0xFD02, "v128.load8x8_u", MEM, i_v) \
    X(V128_LOAD16X4_S, 0xFD03, "v128.load16x4_s", MEM, i_v) \
    X(V128_LOAD16X4_U, 0xFD04, "v128.load16x4_u", MEM, i_v) \
    X(V128_LOAD32X2_S, 0xFD05, "v128.load32x2_s", MEM, i_v) \
    X(V128_LOAD32X2_U, 0xFD06, "v128.load32x2_u", MEM, i_v) \
    X(V128_LOAD8_SPLAT, 0xFD07, "v128.load8_splat", MEM, i_v) \
    X(V128_LOAD16_SPLAT, 0xFD08, "v128.load16_splat", MEM, i_v) \
    X(V128_LOAD32_SPLAT, 0xFD09, "v128.load32_splat", MEM, i_v) \
    X(V128_LOAD64_SPLAT, 0xFD0A, "v128.load64_splat", MEM, i_v) \
    X(V128_STORE, 0xFD0B, "v128.store", MEM, iv_) \
    X(V128_CONST, 0xFD0C, "v128.const", V128, _v) \
    X(I8X16_SHUFFLE, 0xFD0D, "i8x16.shuffle", SHUFFLE, vv_v) \
    X(I8X16_SWIZZLE, 0xFD0E, "i8x16.swizzle", NONE, vv_v) \
    X(I8X16_SPLAT, 0xFD0F, "i8x16.splat", NONE, i_v) \
    X(I16X8_SPLAT, 0xFD10, "i16x8.splat", NONE, i_v) \
    X(I32X4_SPLAT, 0xFD11, "i32x4.splat", NONE, i_v) \
    X(I64X2_SPLAT, 0xFD12, "i64x2.splat", NONE, l_v) \
    X(F32X4_SPLAT, 0xFD13, "f32x4.splat", NONE, f_v) \
    X(F64X2_SPLAT, 0xFD14, "f64x2.splat", NONE, d_v) \
    X(I8X16_EXTRACT_LANE_S, 0xFD15, "i8x16.extract_lane_s", LANE, v_i) \
    X(I8X16_EXTRACT_LANE_U, 0xFD16, "i8x16.extract_lane_u", LANE, v_i) \
    X(I8X16_REPLACE_LANE, 0xFD17, "i8x16.replace_lane", LANE, vi_v) \
    X(I16X8_EXTRACT_LANE_S, 0xFD18, "i16x8.extract_lane_s", LANE, v_i) \
    X(I16X8_EXTRACT_LANE_U, 0xFD19, "i16x8.extract_lane_u", LANE, v_i) \
    X(I16X8_REPLACE_LANE, 0xFD1A, "i16x8.replace_lane", LANE, vi_v) \
    X(I32X4_EXTRACT_LANE, 0xFD1B, "i32x4.extract_lane", LANE, v_i) \
    X(I32X4_REPLACE_LANE, 0xFD1C, "i32x4.replace_lane", LANE, vi_v) \
    X(I64X2_EXTRACT_LANE, 0xFD1D, "i64x2.extract_lane", LANE, v_l) \
    X(I64X2_REPLACE_LANE, 0xFD1E, "i64x2.replace_lane", LANE, vl_v) \
    X(F32X4_EXTRACT_LANE, 0xFD1F, "f32x4.extract_lane", LANE, v_f) \
    X(F32X4_REPLACE_LANE, 0xFD20, "f32x4.replace_lane", LANE, vf_v) \
    X(F64X2_EXTRACT_LANE, 0xFD21, "f64x2.extract_lane", LANE, v_d) \
    X(F64X2_REPLACE_LANE, 0xFD22, "f64x2.replace_lane", LANE, vd_v) \
    X(I8X16_EQ, 0xFD23, "i8x16.eq", NONE, vv_v) \
    X(I8X16_NE, 0xFD24, "i8x16.ne", NONE, vv_v) \
    X(I8X16_LT_S, 0xFD25, "i8x16.lt_s", NONE, vv_v) \
    X(I8X16_LT_U, 0xFD26, "i8x16.lt_u", NONE, vv_v) \
    X(I8X16_GT_S, 0xFD27, "i8x16.gt_s", NONE, vv_v) \
    X(I8X16_GT_U, 0xFD28, "i8x16.gt_u", NONE, vv_v) \
    X(I8X16_LE_S, 0xFD29, "i8x16.le_s", NONE, vv_v) \
    X(I8X16_LE_U, 0xFD2A, "i8x16.le_u", NONE, vv_v) \
    X(I8X16_GE_S, 0xFD2B, "i8x16.ge_s", NONE, vv_v) \
    X(I8X16_GE_U, 0xFD2C, "i8x16.ge_u", NONE, vv_v) \
    X(I16X8_EQ, 0xFD2D, "i16x8.eq", NONE, vv_v) \
    X(I16X8_NE, 0xFD2E, "i16x8.ne", NONE, vv_v) \
    X(I16X8_LT_S, 0xFD2F, "i16x8.lt_s", NONE, vv_v) \
    X(I16X8_LT_U, 0xFD30, "i16x8.lt_u", NONE, vv_v) \
    X(I16X8_GT_S, 0xFD31, "i16x8.gt_s", NONE, vv_v) \
    X(I16X8_GT_U, 0xFD32, "i16x8.gt_u", NONE, vv_v) \
    X(I16X8_LE_S, 0xFD33, "i16x8.le_s", NONE, vv_v) \
    X(I16X8_LE_U, 0xFD34, "i16x8.le_u", NONE, vv_v) \
    X(I16X8_GE_S, 0xFD35, "i16x8.ge_s", NONE, vv_v) \
    X(I16X8_GE_U, 0xFD36, "i16x8.ge_u", NONE, vv_v) \
    X(I32X4_EQ, 0xFD37, "i32x4.eq", NONE, vv_v) \
    X(I32X4_NE, 0xFD38, "i32x4.ne", NONE, vv_v) \
    X(I32X4_LT_S, 0xFD39, "i32x4.lt_s", NONE, vv_v) \
    X(I32X4_LT_U, 0xFD3A, "i32x4.lt_u", NONE, vv_v) \
    X(I32X4_GT_S, 0xFD3B, "i32x4.gt_s", NONE, vv_v) \
    X(I32X4_GT_U, 0xFD3C, "i32x4.gt_u", NONE, vv_v) \
    X(I32X4_LE_S, 0xFD3D, "i32x4.le_s", NONE, vv_v) \
    X(I32X4_LE_U, 0xFD3E, "i32x4.le_u", NONE, vv_v) \
    X(I32X4_GE_S, 0xFD3F, "i32x4.ge_s", NONE, vv_v) \
    X(I32X4_GE_U, 0xFD40, "i32x4.ge_u", NONE, vv_v) \
    X(F32X4_EQ, 0xFD41, "f32x4.eq", NONE, vv_v) \
    X(F32X4_NE, 0xFD42, "f32x4.ne", NONE, vv_v) \
    X(F32X4_LT, 0xFD43, "f32x4.lt", NONE, vv_v) \
    X(F32X4_GT, 0xFD44, "f32x4.gt", NONE, vv_v) \
    X(F32X4_LE, 0xFD45, "f32x4.le", NONE, vv_v) \
    X(F32X4_GE, 0xFD46, "f32x4.ge", NONE, vv_v) \
    X(F64X2_EQ, 0xFD47, "f64x2.eq", NONE, vv_v) \
    X(F64X2_NE, 0xFD48, "f64x2.ne", NONE, vv_v) \
    X(F64X2_LT, 0xFD49, "f64x2.lt", NONE, vv_v) \
    X(F64X2_GT, 0xFD4A, "f64x2.gt", NONE, vv_v) \
    X(F64X2_LE, 0xFD4B, "f64x2.le", NONE, vv_v) \
    X(F64X2_GE, 0xFD4C, "f64x2.ge", NONE, vv_v) \
    X(V128_NOT, 0xFD4D, "v128.not", NONE, v_v) \
    X(V128_AND, 0xFD4E, "v128.and", NONE, vv_v) \
    X(V128_ANDNOT, 0xFD4F, "v128.andnot", NONE, vv_v) \
    X(V128_OR, 0xFD50, "v128.or", NONE, vv_v) \
    X(V128_XOR, 0xFD51, "v128.xor", NONE, vv_v) \
    X(V128_BITSELECT, 0xFD52, "v128.bitselect", NONE, vvv_v) \
    X(V128_ANY_TRUE, 0xFD53, "v128.any_true", NONE, v_i) \
    X(V128_LOAD8_LANE, 0xFD54, "v128.load8_lane", MEM_LANE, iv_v) \
    X(V128_LOAD16_LANE, 0xFD55, "v128.load16_lane", MEM_LANE, iv_v) \
    X(V128_LOAD32_LANE, 0xFD56, "v128.load32_lane", MEM_LANE, iv_v) \
    X(V128_LOAD64_LANE, 0xFD57, "v128.load64_lane", MEM_LANE, iv_v) \
    X(V128_STORE8_LANE, 0xFD58, "v128.store8_lane", MEM_LANE, iv_) \
    X(V128_STORE16_LANE, 0xFD59, "v128.store16_lane", MEM_LANE, iv_) \
    X(V128_STORE32_LANE, 0xFD5A, "v128.store32_lane", MEM_LANE, iv_) \
    X(V128_STORE64_LANE, 0xFD5B, "v128.store64_lane", MEM_LANE, iv_) \
    X(V128_LOAD32_ZERO, 0xFD5C, "v128.load32_zero", MEM, i_v) \
    X(V128_LOAD64_ZERO, 0xFD5D, "v128.load64_zero", MEM, i_v) \
    X(F32X4_DEMOTE_F64X2_ZERO, 0xFD5E, "f32x4.demote_f64x2_zero", NONE, v_v) \
    X(F64X2_PROMOTE_LOW_F32X4, 0xFD5F, "f64x2.promote_low_f32x4", NONE, v_v) \
    X(I8X16_ABS, 0xFD60, "i8x16.abs", NONE, v_v) \
    X(I8X16_NEG, 0xFD61, "i8x16.neg", NONE, v_v) \
    X(I8X16_POPCNT, 0xFD62, "i8x16.popcnt", NONE, v_v) \
    X(I8X16_ALL_TRUE, 0xFD63, "i8x16.all_true", NONE, v_i) \
    X(I8X16_BITMASK, 0xFD64, "i8x16.bitmask", NONE, v_i) \
    X(I8X16_NARROW_I16X8_S, 0xFD65, "i8x16.narrow_i16x8_s", NONE, vv_v) \
    X(I8X16_NARROW_I16X8_U, 0xFD66, "i8x16.narrow_i16x8_u", NONE, vv_v) \
    X(F32X4_CEIL, 0xFD67, "f32x4.ceil", NONE, v_v) \
    X(F32X4_FLOOR, 0xFD68, "f32x4.floor", NONE, v_v) \
    X(F32X4_TRUNC, 0xFD69, "f32x4.trunc", NONE, v_v) \
    X(F32X4_NEAREST, 0xFD6A, "f32x4.nearest", NONE, v_v) \
    X(I8X16_SHL, 0xFD6B, "i8x16.shl", NONE, vi_v) \
    X(I8X16_SHR_S, 0xFD6C, "i8x16.shr_s", NONE, vi_v) \
    X(I8X16_SHR_U, 0xFD6D, "i8x16.shr_u", NONE, vi_v) \
    X(I8X16_ADD, 0xFD6E, "i8x16.add", NONE, vv_v) \
    X(I8X16_ADD_SAT_S, 0xFD6F, "i8x16.add_sat_s", NONE, vv_v) \
    X(I8X16_ADD_SAT_U, 0xFD70, "i8x16.add_sat_u", NONE, vv_v) \
    X(I8X16_SUB, 0xFD71, "i8x16.sub", NONE, vv_v) \
    X(I8X16_SUB_SAT_S, 0xFD72, "i8x16.sub_sat_s", NONE, vv_v) \
    X(I8X16_SUB_SAT_U, 0xFD73, "i8x16.sub_sat_u", NONE, vv_v) \
    X(F64X2_CEIL, 0xFD74, "f64x2.ceil", NONE, v_v) \
    X(F64X2_FLOOR, 0xFD75, "f64x2.floor", NONE, v_v) \
    X(I8X16_MIN_S, 0xFD76, "i8x16.min_s", NONE, vv_v) \
    X(I8X16_MIN_U, 0xFD77, "i8x16.min_u", NONE, vv_v) \
    X(I8X16_MAX_S, 0xFD78, "i8x16.max_s", NONE, vv_v) \
    X(I8X16_MAX_U, 0xFD79, "i8x16.max_u", NONE, vv_v) \
    X(F64X2_TRUNC, 0xFD7A, "f64x2.trunc", NONE, v_v) \
    X(I8X16_AVGR_U, 0xFD7B, "i8x16.avgr_u", NONE, vv_v) \
    X(I16X8_EXTADD_PAIRWISE_I8X16_S, 0xFD7C, "i16x8.extadd_pairwise_i8x16_s", NONE, v_v) \
    X(I16X8_EXTADD_PAIRWISE_I8X16_U, 0xFD7D, "i16x8.extadd_pairwise_i8x16_u", NONE, v_v) \
    X(I32X4_EXTADD_PAIRWISE_I16X8_S, 0xFD7E, "i32x4.extadd_pairwise_i16x8_s", NONE, v_v) \
    X(I32X4_EXTADD_PAIRWISE_I16X8_U, 0xFD7F, "i32x4.extadd_pairwise_i16x8_u", NONE, v_v) \
    X(I16X8_ABS, 0xFD80, "i16x8.abs", NONE, v_v) \
    X(I16X8_NEG, 0xFD81, "i16x8.neg", NONE, v_v) \
    X(I16X8_Q15MULR_SAT_S, 0xFD82, "i16x8.q15mulr_sat_s", NONE, vv_v) \
    X(I16X8_ALL_TRUE, 0xFD83, "i16x8.all_true", NONE, v_i) \
    X(I16X8_BITMASK, 0xFD84, "i16x8.bitmask", NONE, v_i) \
    X(I16X8_NARROW_I32X4_S, 0xFD85, "i16x8.narrow_i32x4_s", NONE, vv_v) \
    X(I16X8_NARROW_I32X4_U, 0xFD86, "i16x8.narrow_i32x4_u", NONE, vv_v) \
    X(I16X8_EXTEND_LOW_I8X16_S, 0xFD87, "i16x8.extend_low_i8x16_s", NONE, v_v) \
    X(I16X8_EXTEND_HIGH_I8X16_S, 0xFD88, "i16x8.extend_high_i8x16_s", NONE, v_v) \
    X(I16X8_EXTEND_LOW_I8X16_U, 0xFD89, "i16x8.extend_low_i8x16_u", NONE, v_v) \
    X(I16X8_EXTEND_HIGH_I8X16_U, 0xFD8A, "i16x8.extend_high_i8x16_u", NONE, v_v) \
    X(I16X8_SHL, 0xFD8B, "i16x8.shl", NONE, vi_v) \
    X(I16X8_SHR_S, 0xFD8C, "i16x8.shr_s", NONE, vi_v) \
    X(I16X8_SHR_U, 0xFD8D, "i16x8.shr_u", NONE, vi_v) \
    X(I16X8_ADD, 0xFD8E, "i16x8.add", NONE, vv_v) \
    X(I16X8_ADD_SAT_S, 0xFD8F, "i16x8.add_sat_s", NONE, vv_v) \
    X(I16X8_ADD_SAT_U, 0xFD90, "i16x8.add_sat_u", NONE, vv_v) \
    X(I16X8_SUB, 0xFD91, "i16x8.sub", NONE, vv_v) \
    X(I16X8_SUB_SAT_S, 0xFD92, "i16x8.sub_sat_s", NONE, vv_v) \
    X(I16X8_SUB_SAT_U, 0xFD93, "i16x8.sub_sat_u", NONE, vv_v) \
    X(F64X2_NEAREST, 0xFD94, "f64x2.nearest", NONE, v_v) \
    X(I16X8_MUL, 0xFD95, "i16x8.mul", NONE, vv_v) \
    X(I16X8_MIN_S, 0xFD96, "i16x8.min_s", NONE, vv_v) \
    X(I16X8_MIN_U, 0xFD97, "i16x8.min_u", NONE, vv_v) \
    X(I16X8_MAX_S, 0xFD98, "i16x8.max_s", NONE, vv_v) \
    X(I16X8_MAX_U, 0xFD99, "i16x8.max_u", NONE, vv_v) \
    X(I16X8_AVGR_U, 0xFD9B, "i16x8.avgr_u", NONE, vv_v) \
    X(I16X8_EXTMUL_LOW_I8X16_S, 0xFD9C, "i16x8.extmul_low_i8x16_s", NONE, vv_v) \
    X(I16X8_EXTMUL_HIGH_I8X16_S, 0xFD9D, "i16x8.extmul_high_i8x16_s", NONE, vv_v) \
    X(I16X8_EXTMUL_LOW_I8X16_U, 0xFD9E, "i16x8.extmul_low_i8x16_u", NONE, vv_v) \
    X(I16X8_EXTMUL_HIGH_I8X16_U, 0xFD9F, "i16x8.extmul_high_i8x16_u", NONE, vv_v) \
    X(I32X4_ABS, 0xFDA0, "i32x4.abs", NONE, v_v) \
    X(I32X4_NEG, 0xFDA1, "i32x4.neg", NONE, v_v) \
    X(I32X4_ALL_TRUE, 0xFDA3, "i32x4.all_true", NONE, v_i) \
    X(I32X4_BITMASK, 0xFDA4, "i32x4.bitmask", NONE, v_i) \
    X(I32X4_EXTEND_LOW_I16X8_S, 0xFDA7, "i32x4.extend_low_i16x8_s", NONE, v_v) \
    X(I32X4_EXTEND_HIGH_I16X8_S, 0xFDA8, "i32x4.extend_high_i16x8_s", NONE, v_v) \
    X(I32X4_EXTEND_LOW_I16X8_U, 0xFDA9, "i32x4.extend_low_i16x8_u", NONE, v_v) \
    X(I32X4_EXTEND_HIGH_I16X8_U, 0xFDAA, "i32x4.extend_high_i16x8_u", NONE, v_v) \
    X(I32X4_SHL, 0xFDAB, "i32x4.shl", NONE, vi_v) \
    X(I32X4_SHR_S, 0xFDAC, "i32x4.shr_s", NONE, vi_v) \
    X(I32X4_SHR_U, 0xFDAD, "i32x4.shr_u", NONE, vi_v) \
    X(I32X4_ADD, 0xFDAE, "i32x4.add", NONE, vv_v) \
    X(I32X4_SUB, 0xFDB1, "i32x4.sub", NONE, vv_v) \
    X(I32X4_MUL, 0xFDB5, "i32x4.mul", NONE, vv_v) \
    X(I32X4_MIN_S, 0xFDB6, "i32x4.min_s", NONE, vv_v) \
    X(I32X4_MIN_U, 0xFDB7, "i32x4.min_u", NONE, vv_v) \
    X(I32X4_MAX_S, 0xFDB8, "i32x4.max_s", NONE, vv_v) \
    X(I32X4_MAX_U, 0xFDB9, "i32x4.max_u", NONE, vv_v) \
    X(I32X4_DOT_I16X8_S, 0xFDBA, "i32x4.dot_i16x8_s", NONE, vv_v) \
    X(I32X4_EXTMUL_LOW_I16X8_S, 0xFDBC, "i32x4.extmul_low_i16x8_s", NONE, vv_v) \
    X(I32X4_EXTMUL_HIGH_I16X8_S, 0xFDBD, "i32x4.extmul_high_i16x8_s", NONE, vv_v) \
    X(I32X4_EXTMUL_LOW_I16X8_U, 0xFDBE, "i32x4.extmul_low_i16x8_u", NONE, vv_v) \
    X(I32X4_EXTMUL_HIGH_I16X8_U, 0xFDBF, "i32x4.extmul_high_i16x8_u", NONE, vv_v) \
    X(I64X2_ABS, 0xFDC0, "i64x2.abs", NONE, v_v) \
    X(I64X2_NEG, 0xFDC1, "i64x2.neg", NONE, v_v) \
    X(I64X2_ALL_TRUE, 0xFDC3, "i64x2.all_true", NONE, v_i) \
    X(I64X2_BITMASK, 0xFDC4, "i64x2.bitmask", NONE, v_i) \
    X(I64X2_EXTEND_LOW_I32X4_S, 0xFDC7, "i64x2.extend_low_i32x4_s", NONE, v_v) \
    X(I64X2_EXTEND_HIGH_I32X4_S, 0xFDC8, "i64x2.extend_high_i32x4_s", NONE, v_v) \
    X(I64X2_EXTEND_LOW_I32X4_U, 0xFDC9, "i64x2.extend_low_i32x4_u", NONE, v_v) \
    X(I64X2_EXTEND_HIGH_I32X4_U, 0xFDCA, "i64x2.extend_high_i32x4_u", NONE, v_v) \
    X(I64X2_SHL, 0xFDCB, "i64x2.shl", NONE, vi_v) \
    X(I64X2_SHR_S, 0xFDCC, "i64x2.shr_s", NONE, vi_v) \
    X(I64X2_SHR_U, 0xFDCD, "i64x2.shr_u", NONE, vi_v) \
    X(I64X2_ADD, 0xFDCE, "i64x2.add", NONE, vv_v) \
    X(I64X2_SUB, 0xFDD1, "i64x2.sub", NONE, vv_v) \
    X(I64X2_MUL, 0xFDD5, "i64x2.mul", NONE, vv_v) \
    X(I64X2_EQ, 0xFDD6, "i64x2.eq", NONE, vv_v) \
    X(I64X2_NE, 0xFDD7, "i64x2.ne", NONE, vv_v) \
    X(I64X2_LT_S, 0xFDD8, "i64x2.lt_s", NONE, vv_v) \
    X(I64X2_GT_S, 0xFDD9, "i64x2.gt_s", NONE, vv_v) \
    X(I64X2_LE_S, 0xFDDA, "i64x2.le_s", NONE, vv_v) \
    X(I64X2_GE_S, 0xFDDB, "i64x2.ge_s", NONE, vv_v) \
    X(I64X2_EXTMUL_LOW_I32X4_S, 0xFDDC, "i64x2.extmul_low_i32x4_s", NONE, vv_v) \
    X(I64X2_EXTMUL_HIGH_I32X4_S, 0xFDDD, "i64x2.extmul_high_i32x4_s", NONE, vv_v) \
    X(I64X2_EXTMUL_LOW_I32X4_U, 0xFDDE, "i64x2.extmul_low_i32x4_u", NONE, vv_v) \
    X(I64X2_EXTMUL_HIGH_I32X4_U, 0xFDDF, "i64x2.extmul_high_i32x4_u", NONE, vv_v) \
    X(F32X4_ABS, 0xFDE0, "f32x4.abs", NONE, v_v) \
    X(F32X4_NEG, 0xFDE1, "f32x4.neg", NONE, v_v) \
    X(F32X4_SQRT, 0xFDE3, "f32x4.sqrt", NONE, v_v) \
    X(F32X4_ADD, 0xFDE4, "f32x4.add", NONE, vv_v) \
    X(F32X4_SUB, 0xFDE5, "f32x4.sub", NONE, vv_v) \
    X(F32X4_MUL, 0xFDE6, "f32x4.mul", NONE, vv_v) \
    X(F32X4_DIV, 0xFDE7, "f32x4.div", NONE, vv_v) \
    X(F32X4_MIN, 0xFDE8, "f32x4.min", NONE, vv_v) \
    X(F32X4_MAX, 0xFDE9, "f32x4.max", NONE, vv_v) \
    X(F32X4_PMIN, 0xFDEA, "f32x4.pmin", NONE, vv_v) \
    X(F32X4_PMAX, 0xFDEB, "f32x4.pmax", NONE, vv_v) \
    X(F64X2_ABS, 0xFDEC, "f64x2.abs", NONE, v_v) \
    X(F64X2_NEG, 0xFDED, "f64x2.neg", NONE, v_v) \
    X(F64X2_SQRT, 0xFDEF, "f64x2.sqrt", NONE, v_v) \
    X(F64X2_ADD, 0xFDF0, "f64x2.add", NONE, vv_v) \
    X(F64X2_SUB, 0xFDF1, "f64x2.sub", NONE, vv_v) \
    X(F64X2_MUL, 0xFDF2, "f64x2.mul", NONE, vv_v) \
    X(F64X2_DIV, 0xFDF3, "f64x2.div", NONE, vv_v) \
    X(F64X2_MIN, 0xFDF4, "f64x2.min", NONE, vv_v) \
    X(F64X2_MAX, 0xFDF5, "f64x2.max", NONE, vv_v) \
    X(F64X2_PMIN, 0xFDF6, "f64x2.pmin", NONE, vv_v) \
    X(F64X2_PMAX, 0xFDF7, "f64x2.pmax", NONE, vv_v) \
    X(I32X4_TRUNC_SAT_F32X4_S, 0xFDF8, "i32x4.trunc_sat_f32x4_s", NONE, v_v) \
    X(I32X4_TRUNC_SAT_F32X4_U, 0xFDF9, "i32x4.trunc_sat_f32x4_u", NONE, v_v) \
    X(F32X4_CONVERT_I32X4_S, 0xFDFA, "f32x4.convert_i32x4_s", NONE, v_v) \
    X(F32X4_CONVERT_I32X4_U, 0xFDFB, "f32x4.convert_i32x4_u", NONE, v_v) \
    X(I32X4_TRUNC_SAT_F64X2_S_ZERO, 0xFDFC, "i32x4.trunc_sat_f64x2_s_zero", NONE, v_v) \
    X(I32X4_TRUNC_SAT_F64X2_U_ZERO, 0xFDFD, "i32x4.trunc_sat_f64x2_u_zero", NONE, v_v) \
    X(F64X2_CONVERT_LOW_I32X4_S, 0xFDFE, "f64x2.convert_low_i32x4_s", NONE, v_v) \
    X(F64X2_CONVERT_LOW_I32X4_U, 0xFDFF, "f64x2.convert_low_i32x4_u", NONE, v_v) \
    /* relaxed SIMD (WASM_FEATURE_RELAXED_SIMD) */ \
    X(I8X16_RELAXED_SWIZZLE, 0xFD0100, "i8x16.relaxed_swizzle", NONE, vv_v) \
    X(I32X4_RELAXED_TRUNC_F32X4_S, 0xFD0101, "i32x4.relaxed_trunc_f32x4_s", NONE, v_v) \
    X(I32X4_RELAXED_TRUNC_F32X4_U, 0xFD0102, "i32x4.relaxed_trunc_f32x4_u", NONE, v_v) \
    X(I32X4_RELAXED_TRUNC_F64X2_S_ZERO, 0xFD0103, "i32x4.relaxed_trunc_f64x2_s_zero", NONE, v_v) \
    X(I32X4_RELAXED_TRUNC_F64X2_U_ZERO, 0xFD0104, "i32x4.relaxed_trunc_f64x2_u_zero", NONE, v_v) \
    X(F32X4_RELAXED_MADD, 0xFD0105, "f32x4.relaxed_madd", NONE, vvv_v) \
    X(F32X4_RELAXED_NMADD, 0xFD0106, "f32x4.relaxed_nmadd", NONE, vvv_v) \
    X(F64X2_RELAXED_MADD, 0xFD0107, "f64x2.relaxed_madd", NONE, vvv_v) \
    X(F64X2_RELAXED_NMADD, 0xFD0108, "f64x2.relaxed_nmadd", NONE, vvv_v) \
    X(I8X16_RELAXED_LANESELECT, 0xFD0109, "i8x16.relaxed_laneselect", NONE, vvv_v) \
    X(I16X8_RELAXED_LANESELECT, 0xFD010A, "i16x8.relaxed_laneselect", NONE, vvv_v) \
    X(I32X4_RELAXED_LANESELECT, 0xFD010B, "i32x4.relaxed_laneselect", NONE, vvv_v) \
    X(I64X2_RELAXED_LANESELECT, 0xFD010C, "i64x2.relaxed_laneselect", NONE, vvv_v) \
    X(F32X4_RELAXED_MIN, 0xFD010D, "f32x4.relaxed_min", NONE, vv_v) \
    X(F32X4_RELAXED_MAX, 0xFD010E, "f32x4.relaxed_max", NONE, vv_v) \
    X(F64X2_RELAXED_MIN, 0xFD010F, "f64x2.relaxed_min", NONE, vv_v) \
    X(F64X2_RELAXED_MAX, 0xFD0110, "f64x2.relaxed_max", NONE, vv_v) \
    X(I16X8_RELAXED_Q15MULR_S, 0xFD0111, "i16x8.relaxed_q15mulr_s", NONE, vv_v) \
    X(I16X8_RELAXED_DOT_I8X16_I7X16_S, 0xFD0112, "i16x8.relaxed_dot_i8x16_i7x16_s", NONE, vv_v) \
    X(I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, 0xFD0113, "i32x4.relaxed_dot_i8x16_i7x16_add_s", NONE, vvv_v)

enum {
#define WASM_OP_ENUM_(name, code, text, imm, sig) WASM_OP_##name = code,
    WASM_OPCODES(WASM_OP_ENUM_)
#undef WASM_OP_ENUM_
};

/* Immediate kinds. */
enum {
    WASM_IMM_NONE,
    WASM_IMM_BLOCK,         /* imm.block */
    WASM_IMM_IDX,           /* imm.idx */
    WASM_IMM_BR_TABLE,      /* imm.br_table */
    WASM_IMM_CALL_INDIRECT, /* imm.call_indirect */
    WASM_IMM_SELECT_T,      /* imm.select */
    WASM_IMM_MEM,           /* imm.mem */
    WASM_IMM_MEMIDX,        /* imm.idx: memory.size/grow/fill (0x00 byte in 2.0) */
    WASM_IMM_PAIR,          /* imm.pair */
    WASM_IMM_I32,           /* imm.i32 */
    WASM_IMM_I64,           /* imm.i64 */
    WASM_IMM_F32,           /* imm.f32_bits */
    WASM_IMM_F64,           /* imm.f64_bits */
    WASM_IMM_V128,          /* imm.v128 */
    WASM_IMM_SHUFFLE,       /* imm.lanes */
    WASM_IMM_LANE,          /* imm.lane */
    WASM_IMM_MEM_LANE,      /* imm.mem_lane */
    WASM_IMM_REFTYPE,       /* imm.reftype */
};

/* Stack signatures of simple ops. */
enum {
    WASM_SIG_S,             /* special */
    WASM_SIG__,             /* [] -> [] */
    WASM_SIG__i, WASM_SIG__l, WASM_SIG__f, WASM_SIG__d, WASM_SIG__v,
    WASM_SIG_i_i, WASM_SIG_i_l, WASM_SIG_i_f, WASM_SIG_i_d, WASM_SIG_i_v,
    WASM_SIG_l_i, WASM_SIG_l_l, WASM_SIG_l_f, WASM_SIG_l_d, WASM_SIG_l_v,
    WASM_SIG_f_i, WASM_SIG_f_l, WASM_SIG_f_f, WASM_SIG_f_d, WASM_SIG_f_v,
    WASM_SIG_d_i, WASM_SIG_d_l, WASM_SIG_d_f, WASM_SIG_d_d, WASM_SIG_d_v,
    WASM_SIG_v_i, WASM_SIG_v_l, WASM_SIG_v_f, WASM_SIG_v_d, WASM_SIG_v_v,
    WASM_SIG_ii_i, WASM_SIG_ll_i, WASM_SIG_ll_l, WASM_SIG_ff_i, WASM_SIG_ff_f,
    WASM_SIG_dd_i, WASM_SIG_dd_d, WASM_SIG_vv_v,
    WASM_SIG_vi_v, WASM_SIG_vl_v, WASM_SIG_vf_v, WASM_SIG_vd_v,
    WASM_SIG_ii_, WASM_SIG_il_, WASM_SIG_if_, WASM_SIG_id_, WASM_SIG_iv_,
    WASM_SIG_iv_v, WASM_SIG_iii_, WASM_SIG_vvv_v,
    WASM_SIG_COUNT_
};

typedef struct wasm_opinfo {
    const char *name;       /* text mnemonic, NULL for an unknown opcode */
    uint8_t imm;            /* WASM_IMM_* */
    uint8_t sig;            /* WASM_SIG_* */
} wasm_opinfo;

typedef struct wasm_siginfo {
    uint8_t nparams;
    uint8_t params[3];      /* value types (WASM_I32, ...) */
    uint8_t result;         /* value type, or 0 for none */
} wasm_siginfo;

/* Info for an opcode value; NULL if it is not a known opcode. */
const wasm_opinfo *wasm_op_info(uint32_t op);
/* Text mnemonic, or "<unknown>". */
const char *wasm_op_name(uint32_t op);
/* Operand/result types of a WASM_SIG_* (nparams == 0 and result == 0 for S). */
const wasm_siginfo *wasm_sig_info(uint8_t sig);

#endif
