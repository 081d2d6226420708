/* opcodes.c — opcode tables: names, immediate kinds, stack signatures. */
#include "wasm.h"

/* Dense index: 0..255 plain, 256..511 0xFC space, 512..767 0xFD space,
 * 768..1023 0xFD0000|sub for sub 0x100..0x1FF (relaxed SIMD). */
#define OPSLOT(code) \
    ((code) < 0x100 ? (code) \
     : (((code) >> 8) == 0xFC ? 0x100 : ((code) >> 8) == 0xFD ? 0x200 : 0x300) + ((code) & 0xFF))

static const wasm_opinfo op_table[0x400] = {
#define OP_ENTRY_(name, code, text, imm, sig) \
    [OPSLOT(code)] = { text, WASM_IMM_##imm, WASM_SIG_##sig },
    WASM_OPCODES(OP_ENTRY_)
#undef OP_ENTRY_
};

const wasm_opinfo *wasm_op_info(uint32_t op)
{
    uint32_t slot;
    if (op < 0x100)
        slot = op;
    else if ((op & ~0xFFu) == 0xFC00)
        slot = 0x100 + (op & 0xFF);
    else if ((op & ~0xFFu) == 0xFD00)
        slot = 0x200 + (op & 0xFF);
    else if ((op & ~0xFFu) == 0xFD0100)
        slot = 0x300 + (op & 0xFF);
    else
        return NULL;
    return op_table[slot].name ? &op_table[slot] : NULL;
}

const char *wasm_op_name(uint32_t op)
{
    const wasm_opinfo *info = wasm_op_info(op);
    return info ? info->name : "<unknown>";
}

#define I WASM_I32
#define L WASM_I64
#define F WASM_F32
#define D WASM_F64
#define V WASM_V128

static const wasm_siginfo sig_table[WASM_SIG_COUNT_] = {
    [WASM_SIG_S] = { 0, { 0 }, 0 },
    [WASM_SIG__] = { 0, { 0 }, 0 },
    [WASM_SIG__i] = { 0, { 0 }, I },
    [WASM_SIG__l] = { 0, { 0 }, L },
    [WASM_SIG__f] = { 0, { 0 }, F },
    [WASM_SIG__d] = { 0, { 0 }, D },
    [WASM_SIG__v] = { 0, { 0 }, V },
    [WASM_SIG_i_i] = { 1, { I }, I },
    [WASM_SIG_i_l] = { 1, { I }, L },
    [WASM_SIG_i_f] = { 1, { I }, F },
    [WASM_SIG_i_d] = { 1, { I }, D },
    [WASM_SIG_i_v] = { 1, { I }, V },
    [WASM_SIG_l_i] = { 1, { L }, I },
    [WASM_SIG_l_l] = { 1, { L }, L },
    [WASM_SIG_l_f] = { 1, { L }, F },
    [WASM_SIG_l_d] = { 1, { L }, D },
    [WASM_SIG_l_v] = { 1, { L }, V },
    [WASM_SIG_f_i] = { 1, { F }, I },
    [WASM_SIG_f_l] = { 1, { F }, L },
    [WASM_SIG_f_f] = { 1, { F }, F },
    [WASM_SIG_f_d] = { 1, { F }, D },
    [WASM_SIG_f_v] = { 1, { F }, V },
    [WASM_SIG_d_i] = { 1, { D }, I },
    [WASM_SIG_d_l] = { 1, { D }, L },
    [WASM_SIG_d_f] = { 1, { D }, F },
    [WASM_SIG_d_d] = { 1, { D }, D },
    [WASM_SIG_d_v] = { 1, { D }, V },
    [WASM_SIG_v_i] = { 1, { V }, I },
    [WASM_SIG_v_l] = { 1, { V }, L },
    [WASM_SIG_v_f] = { 1, { V }, F },
    [WASM_SIG_v_d] = { 1, { V }, D },
    [WASM_SIG_v_v] = { 1, { V }, V },
    [WASM_SIG_ii_i] = { 2, { I, I }, I },
    [WASM_SIG_ll_i] = { 2, { L, L }, I },
    [WASM_SIG_ll_l] = { 2, { L, L }, L },
    [WASM_SIG_ff_i] = { 2, { F, F }, I },
    [WASM_SIG_ff_f] = { 2, { F, F }, F },
    [WASM_SIG_dd_i] = { 2, { D, D }, I },
    [WASM_SIG_dd_d] = { 2, { D, D }, D },
    [WASM_SIG_vv_v] = { 2, { V, V }, V },
    [WASM_SIG_vi_v] = { 2, { V, I }, V },
    [WASM_SIG_vl_v] = { 2, { V, L }, V },
    [WASM_SIG_vf_v] = { 2, { V, F }, V },
    [WASM_SIG_vd_v] = { 2, { V, D }, V },
    [WASM_SIG_ii_] = { 2, { I, I }, 0 },
    [WASM_SIG_il_] = { 2, { I, L }, 0 },
    [WASM_SIG_if_] = { 2, { I, F }, 0 },
    [WASM_SIG_id_] = { 2, { I, D }, 0 },
    [WASM_SIG_iv_] = { 2, { I, V }, 0 },
    [WASM_SIG_iv_v] = { 2, { I, V }, V },
    [WASM_SIG_iii_] = { 3, { I, I, I }, 0 },
    [WASM_SIG_vvv_v] = { 3, { V, V, V }, V },
};

const wasm_siginfo *wasm_sig_info(uint8_t sig)
{
    return &sig_table[sig < WASM_SIG_COUNT_ ? sig : WASM_SIG_S];
}
