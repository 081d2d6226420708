/*
 * wasm.h — the in-memory model of a WebAssembly core module, the binary
 * decoder, the instruction reader and the validator.
 *
 * This is the public header of the `wasmfmt` library (compiler/decode). It is
 * shared by the compiler (validate, lower) and by the runtime, which parses the
 * module description stored in an artifact with the same decoder.
 *
 * Ownership: a wasm_module owns every array it points to, except byte ranges
 * (names are copied; const-expr code, data bytes and function bodies point into
 * the input buffer, which the caller keeps alive as long as the module).
 */
#ifndef WACC_WASM_H
#define WACC_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types, encoded as in the binary format. */
enum {
    WASM_I32 = 0x7F,
    WASM_I64 = 0x7E,
    WASM_F32 = 0x7D,
    WASM_F64 = 0x7C,
    WASM_V128 = 0x7B,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6F,
};

/* External kinds (import/export descriptors). */
enum {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
};

/* Implementation limits (also used by the validator). */
#define WASM_MAX_PAGES_32 65536u        /* 4 GiB of 64 KiB pages */
#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_LOCALS 50000u          /* per function, like V8 */
#define WASM_MAX_PARAMS 1000u
#define WASM_MAX_RESULTS 1000u
#define WASM_MAX_TABLE_SIZE 10000000u

typedef struct wasm_error {
    size_t offset;      /* byte offset in the input where the problem is */
    char msg[240];      /* one line, no trailing newline */
} wasm_error;

typedef struct wasm_functype {
    uint32_t nparams, nresults;
    uint8_t *params;    /* nparams value types */
    uint8_t *results;   /* nresults value types */
} wasm_functype;

typedef struct wasm_limits {
    uint64_t min;
    uint64_t max;       /* valid only if has_max */
    bool has_max;
} wasm_limits;

typedef struct wasm_tabletype {
    uint8_t elemtype;   /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits limits;
} wasm_tabletype;

typedef struct wasm_memtype {
    wasm_limits limits; /* in pages */
    bool shared;        /* threads proposal */
    bool is64;          /* memory64 proposal */
} wasm_memtype;

typedef struct wasm_globaltype {
    uint8_t valtype;
    bool is_mutable;
} wasm_globaltype;

/* A constant expression: the raw instruction bytes including the final `end`.
 * Evaluate with wasm_eval_const(). `offset` is the position in the input. */
typedef struct wasm_constexpr {
    const uint8_t *code;
    uint32_t len;
    uint32_t offset;
} wasm_constexpr;

typedef struct wasm_import {
    char *module;
    char *name;
    uint8_t kind;       /* WASM_EXTERN_* */
    union {
        uint32_t typeidx;           /* func */
        wasm_tabletype table;
        wasm_memtype memory;
        wasm_globaltype global;
    } desc;
} wasm_import;

typedef struct wasm_export {
    char *name;
    uint32_t name_len;  /* bytes in name (names may contain NUL) */
    uint8_t kind;       /* WASM_EXTERN_* */
    uint32_t index;
} wasm_export;

typedef struct wasm_global {
    wasm_globaltype type;
    wasm_constexpr init;        /* defined globals only */
} wasm_global;

enum { WASM_SEG_ACTIVE = 0, WASM_SEG_PASSIVE = 1, WASM_SEG_DECLARATIVE = 2 };

typedef struct wasm_elem {
    uint8_t mode;               /* WASM_SEG_* */
    uint8_t elemtype;           /* WASM_FUNCREF / WASM_EXTERNREF */
    uint32_t table;             /* active only */
    wasm_constexpr offset;      /* active only */
    uint32_t count;
    /* Exactly one of these is non-NULL (when count > 0): */
    uint32_t *funcs;            /* "vec(funcidx)" forms */
    wasm_constexpr *exprs;      /* "vec(expr)" forms */
} wasm_elem;

typedef struct wasm_data {
    uint8_t mode;               /* WASM_SEG_ACTIVE or WASM_SEG_PASSIVE */
    uint32_t memory;
    wasm_constexpr offset;      /* active only */
    const uint8_t *bytes;
    uint32_t len;
} wasm_data;

typedef struct wasm_local_decl {
    uint32_t count;
    uint8_t type;
} wasm_local_decl;

typedef struct wasm_code {
    uint32_t nlocal_decls;
    wasm_local_decl *local_decls;
    uint32_t nlocals;           /* total declared locals (not counting params) */
    const uint8_t *body;        /* first instruction */
    const uint8_t *end;         /* one past the function's final `end` opcode */
    uint32_t body_offset;       /* offset of `body` in the input */
    uint32_t code_offset;       /* offset of the function's size field */
} wasm_code;

typedef struct wasm_module {
    const uint8_t *bytes;       /* the input (not owned) */
    size_t size;

    uint32_t ntypes;
    wasm_functype *types;

    uint32_t nimports;
    wasm_import *imports;

    /* Index spaces: imports come first in each. */
    uint32_t nfuncs, nimported_funcs;
    uint32_t *func_types;       /* [nfuncs] type index of every function */

    uint32_t ntables, nimported_tables;
    wasm_tabletype *tables;     /* [ntables] */

    uint32_t nmemories, nimported_memories;
    wasm_memtype *memories;     /* [nmemories] */

    uint32_t nglobals, nimported_globals;
    wasm_global *globals;       /* [nglobals]; init valid for defined ones */

    uint32_t nexports;
    wasm_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    wasm_elem *elems;

    bool has_datacount;
    uint32_t datacount;
    uint32_t ndatas;
    wasm_data *datas;

    uint32_t ncodes;            /* == nfuncs - nimported_funcs when present */
    wasm_code *codes;

    /* From the "name" custom section (NULL where absent). [nfuncs] or NULL. */
    char **func_names;
    char *module_name;

    /* Proposal features seen (the decoder accepts them; see wasm_features). */
    uint32_t features;
} wasm_module;

/* Optional features beyond WebAssembly 2.0 that the decoder accepts. */
enum {
    WASM_FEATURE_MULTI_MEMORY = 1u << 0,
    WASM_FEATURE_MEMORY64 = 1u << 1,
    WASM_FEATURE_EXTENDED_CONST = 1u << 2,
    WASM_FEATURE_TAIL_CALL = 1u << 3,
    WASM_FEATURE_THREADS = 1u << 4,
    WASM_FEATURE_RELAXED_SIMD = 1u << 5,
};

/* What wacc compiles and runs end to end beyond 2.0 (the proposal suites
 * pass): the default of `wacc compile` / `wacc run` and of core modules
 * inside components. Threads (shared memories, atomics) are decoded only. */
#define WASM_FEATURES_RUNNABLE (WASM_FEATURE_MULTI_MEMORY | WASM_FEATURE_MEMORY64 | \
                                WASM_FEATURE_EXTENDED_CONST | WASM_FEATURE_TAIL_CALL | \
                                WASM_FEATURE_RELAXED_SIMD)

enum {
    WASM_DECODE_DEFAULT = 0,
    /* The input may lack the code section (artifact module descriptions). */
    WASM_DECODE_NO_CODE = 1u << 0,
};

/* Decode a binary module. Returns NULL and fills *err on malformed input.
 * `features` is a mask of WASM_FEATURE_* that are allowed. */
wasm_module *wasm_decode(const uint8_t *bytes, size_t size, uint32_t features,
                         uint32_t flags, wasm_error *err);
void wasm_module_free(wasm_module *m);

/* Full validation (types, instruction sequences, constant expressions,
 * index bounds, export name uniqueness, ...). Returns false and fills *err. */
bool wasm_validate(const wasm_module *m, wasm_error *err);

/* ---------------------------------------------------------------------- */
/* Instruction reader (shared by validator, lowerer and const evaluator).   */

/* Opcodes: a single byte for the plain space, 0xFC00|sub and 0xFD00|sub for
 * the prefixed spaces (sub < 0x100 is guaranteed for the ones we know;
 * unknown prefixed sub-opcodes are rejected by the reader). Exception: the
 * relaxed SIMD ops, 0xFD sub-opcodes 0x100..0x113, are 0xFD0000|sub
 * (WASM_OP_I8X16_RELAXED_SWIZZLE == 0xFD0100, ...); wasm_op_is_simd covers both.
 * Names: WASM_OP_ + the spec mnemonic upper-cased with '.' and '/' -> '_',
 * e.g. WASM_OP_I32_ADD, WASM_OP_I32_TRUNC_SAT_F32_S, WASM_OP_V128_LOAD8X8_S,
 * WASM_OP_I8X16_SHUFFLE, WASM_OP_F32X4_DEMOTE_F64X2_ZERO. */
#include "wasm_opcodes.h"

/* Is `op` a 0xFD-prefixed (SIMD) opcode value: 0xFD00|sub or 0xFD0000|sub? */
static inline bool wasm_op_is_simd(uint32_t op)
{
    return (op >> 8) == 0xFD || (op >> 16) == 0xFD;
}

enum {
    WASM_BLOCK_EMPTY = 0,       /* blocktype 0x40 */
    WASM_BLOCK_VALTYPE = 1,     /* single result of type `valtype` */
    WASM_BLOCK_TYPEIDX = 2,     /* params/results of types[typeidx] */
};

typedef struct wasm_memarg {
    uint32_t align;             /* log2 of the alignment */
    uint32_t memidx;
    uint64_t offset;
} wasm_memarg;

typedef struct wasm_insn {
    uint32_t op;                /* WASM_OP_* */
    uint32_t offset;            /* byte offset of the opcode in the input */
    union {
        struct { uint8_t kind; uint8_t valtype; uint32_t typeidx; } block;
        uint32_t idx;           /* br, br_if, call, local.*, global.*, ref.func,
                                   table.get/set/size/grow/fill, memory.size/grow/fill,
                                   data.drop, elem.drop */
        struct { uint32_t count; const uint32_t *labels; uint32_t def; } br_table;
        struct { uint32_t typeidx, table; } call_indirect;
        struct { uint32_t a, b; } pair;   /* table.copy (dst,src), memory.copy (dst,src),
                                             table.init (elem,table), memory.init (data,mem) */
        wasm_memarg mem;        /* loads/stores */
        struct { wasm_memarg mem; uint8_t lane; } mem_lane;   /* v128.loadN_lane etc */
        uint8_t lane;           /* extract/replace_lane */
        uint8_t lanes[16];      /* i8x16.shuffle */
        uint8_t v128[16];       /* v128.const (little-endian bytes) */
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t reftype;        /* ref.null */
        struct { uint32_t count; uint8_t type; } select;  /* typed select (count==1) */
    } imm;
} wasm_insn;

typedef struct wasm_reader {
    const uint8_t *base;        /* start of the module (for offsets) */
    const uint8_t *p, *end;
    uint32_t *scratch;          /* br_table label storage, owned by the reader */
    uint32_t scratch_cap;
    /* WASM_FEATURE_* whose encodings the reader accepts. wasm_reader_init sets
     * all of them (a superset that reads every valid 2.0 body the same way);
     * the decoder narrows it to the allowed features while checking bodies. */
    uint32_t features;
} wasm_reader;

void wasm_reader_init(wasm_reader *r, const uint8_t *module_base,
                      const uint8_t *p, const uint8_t *end);
void wasm_reader_free(wasm_reader *r);
/* Read one instruction; false + *err on malformed encoding. */
bool wasm_read_insn(wasm_reader *r, wasm_insn *insn, wasm_error *err);

/* Evaluating constant expressions (runtime side). */
typedef union wasm_value {
    int32_t i32;
    int64_t i64;
    uint32_t f32_bits;
    uint64_t f64_bits;
    uint8_t v128[16];
    void *ref;
} wasm_value;

typedef struct wasm_const_env {
    /* Value of global `idx` (already initialised). */
    wasm_value (*global_get)(void *ud, uint32_t idx);
    /* Reference for ref.func `idx`. */
    void *(*ref_func)(void *ud, uint32_t idx);
    void *ud;
} wasm_const_env;

bool wasm_eval_const(const wasm_constexpr *e, const wasm_const_env *env,
                     wasm_value *out, wasm_error *err);

/* Helpers. */
const char *wasm_valtype_name(uint8_t t);
bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b);

#endif
