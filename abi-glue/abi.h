/*
 * abi-glue/abi.h — the Component Model Canonical ABI (library "waccabi").
 *
 * A port of the Python reference definitions in CanonicalABI.md to C:
 *   - component value types (wacc_ctype) with their layout (alignment,
 *     elem_size, discriminant sizes) and flattening computed once, when the
 *     type is built;
 *   - component values (wacc_cval), the shape a host embedding works with;
 *   - load/store from/to a linear memory, lift_flat/lower_flat from/to core
 *     values (wacc_val), with the canonical options (string encoding, memory,
 *     realloc), string transcoding between utf8, utf16 and latin1+utf16;
 *   - resource handle tables, borrow scopes, resource.new/drop/rep.
 *
 * Every function that can trap returns an int: 0 (WACC_ABI_OK) or a
 * wacc_abi_err code, with a one-line reason in cx->msg (or the msg buffer
 * given). Nothing here longjmps; the runtime turns an error into a trap
 * (WACC_TRAP_COMPONENT, or the realloc's own trap code, see cx->trap).
 *
 * A synchronous call, as canon_lift/canon_lower do it:
 *   host -> guest export (lift side): wacc_task_init(&task); cx.task = &task;
 *     wacc_abi_lower_values(cx, MAX_FLAT_PARAMS, args...) -> core params;
 *     call the core function; wacc_abi_lift_values(cx, MAX_FLAT_RESULTS,
 *     core results...) -> values; wacc_task_return(&task) (traps while the
 *     callee still holds borrows); then the caller runs post-return with the
 *     same core results (inst->may_leave = false around it).
 *   guest -> host import (lower side): wacc_subtask_init(&st, inst);
 *     cx.subtask = &st; wacc_abi_lift_values(cx, MAX_FLAT_PARAMS, core args)
 *     -> values; run the host function; wacc_abi_lower_values(cx,
 *     MAX_FLAT_RESULTS, results, ..., out_param = the trailing core arg when
 *     results are spilled); wacc_subtask_deliver_resolve(&st) (returns lent
 *     handles).
 *
 * Memory: types live in a wacc_arena owned by the caller (one per component,
 * typically); lifted values are allocated from cx->arena (one per call,
 * reset between calls: no malloc in steady state). Nothing here keeps global
 * mutable state. Host byte order must be little-endian (as wasm's).
 */
#ifndef WACC_ABIGLUE_ABI_H
#define WACC_ABIGLUE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <wacc/abi.h>   /* wacc_val, trap codes */

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Limits (CanonicalABI.md).                                                  */

#define WACC_ABI_MAX_FLAT_PARAMS 16
#define WACC_ABI_MAX_FLAT_ASYNC_PARAMS 4
#define WACC_ABI_MAX_FLAT_RESULTS 1
#define WACC_ABI_MAX_FLAT 16                        /* flat types kept per type */
#define WACC_ABI_MAX_STRING_BYTE_LENGTH ((1u << 28) - 1)
#define WACC_ABI_MAX_LIST_BYTE_LENGTH ((1u << 28) - 1)
#define WACC_ABI_MAX_ELEM_SIZE ((1u << 28) - 1)     /* validation bound on elem_size */
#define WACC_ABI_TABLE_MAX_LENGTH ((1u << 28) - 1)
#define WACC_ABI_CANONICAL_NAN32 0x7fc00000u
#define WACC_ABI_CANONICAL_NAN64 0x7ff8000000000000ull

/* ------------------------------------------------------------------------ */
/* Errors.                                                                    */

enum wacc_abi_err {
    WACC_ABI_OK = 0,
    WACC_ABI_E_BOUNDS,        /* pointer/length outside linear memory */
    WACC_ABI_E_ALIGN,         /* misaligned pointer */
    WACC_ABI_E_LENGTH,        /* string/list byte length over the maximum */
    WACC_ABI_E_CHAR,          /* invalid char (surrogate or > 0x10FFFF) */
    WACC_ABI_E_DISCRIMINANT,  /* variant case index out of range */
    WACC_ABI_E_ENCODING,      /* invalid utf8/utf16 in a string */
    WACC_ABI_E_HANDLE,        /* bad handle index / wrong kind / wrong resource type */
    WACC_ABI_E_BORROW,        /* own/borrow misuse (lent out, borrows left, ...) */
    WACC_ABI_E_MAY_LEAVE,     /* call not allowed now (inside realloc/post-return) */
    WACC_ABI_E_TABLE_FULL,    /* handle table over 2^28-1 entries */
    WACC_ABI_E_REALLOC,       /* the realloc callback trapped (code in cx->trap) */
    WACC_ABI_E_NO_MEMORY,     /* type needs memory/realloc but the options have none */
    WACC_ABI_E_TYPE,          /* a value does not match its type (host error) */
    WACC_ABI_E_FLAT,          /* wrong number of flat values for the type */
    WACC_ABI_E_OOM,           /* host allocation failed */
    WACC_ABI_E_DTOR,          /* a resource destructor trapped (code in cx->trap) */
    WACC_ABI_E__COUNT
};

const char *wacc_abi_err_name(int err);

/* ------------------------------------------------------------------------ */
/* Arena: bump allocation, freed all at once. reset() keeps one chunk so a   */
/* call-per-call reuse does not touch malloc.                                  */

typedef struct wacc_arena_chunk wacc_arena_chunk;
typedef struct wacc_arena {
    wacc_arena_chunk *head;
} wacc_arena;

void wacc_arena_init(wacc_arena *a);
void *wacc_arena_alloc(wacc_arena *a, size_t size);     /* 8-aligned, NULL on OOM */
char *wacc_arena_strdup(wacc_arena *a, const char *s);
void wacc_arena_reset(wacc_arena *a);
void wacc_arena_fini(wacc_arena *a);

/* ------------------------------------------------------------------------ */
/* Types.                                                                     */

typedef enum wacc_ckind {
    WACC_CT_BOOL = 1,
    WACC_CT_S8, WACC_CT_U8, WACC_CT_S16, WACC_CT_U16,
    WACC_CT_S32, WACC_CT_U32, WACC_CT_S64, WACC_CT_U64,
    WACC_CT_F32, WACC_CT_F64, WACC_CT_CHAR, WACC_CT_STRING,
    WACC_CT_LIST,            /* list<T> and list<T, N> (has_len) */
    WACC_CT_RECORD, WACC_CT_TUPLE,
    WACC_CT_VARIANT, WACC_CT_ENUM, WACC_CT_OPTION, WACC_CT_RESULT,
    WACC_CT_FLAGS,
    WACC_CT_OWN, WACC_CT_BORROW,
    WACC_CT_ERROR_CONTEXT, WACC_CT_STREAM, WACC_CT_FUTURE,
    WACC_CT__COUNT
} wacc_ckind;

/* Core (flat) value types, numbered as in the wasm binary format. */
enum wacc_flat {
    WACC_FLAT_I32 = 0x7F,
    WACC_FLAT_I64 = 0x7E,
    WACC_FLAT_F32 = 0x7D,
    WACC_FLAT_F64 = 0x7C
};

struct wacc_cinst;
typedef struct wacc_ctype wacc_ctype;

/* A resource type: identity is the pointer (never compared structurally).
 * impl: the component instance that defined it (NULL: the host).
 * dtor: optional destructor, called by resource.drop of an owning handle;
 * returns 0 or a wacc_trap_code. */
typedef struct wacc_resource_type {
    struct wacc_cinst *impl;
    int (*dtor)(void *ctx, uint32_t rep);
    void *dtor_ctx;
    const char *name;               /* for messages only, may be NULL */
} wacc_resource_type;

/* A record field or a variant case (type NULL: no payload). */
typedef struct wacc_cfield {
    const char *label;
    const wacc_ctype *type;
} wacc_cfield;

/* Immutable once built. Despecialisation is done at construction: tuples
 * are laid out as records, enum/option/result as variants (cases filled in:
 * option = none|some(T), result = ok(T?)|error(E?), enum = labels). Layout
 * arrays are indexed by pointer size: [0] 32-bit memory, [1] 64-bit memory. */
struct wacc_ctype {
    uint8_t kind;              /* wacc_ckind */
    uint8_t disc_size;         /* variant-like: 1/2/4 bytes; flags: 1/2/4 */
    uint8_t has_len;           /* list: fixed length n */
    uint8_t align[2];
    uint8_t case_align[2];     /* variant-like: max_case_alignment */
    uint32_t size[2];          /* elem_size */
    uint32_t n;                /* fields, cases, flag labels, or fixed list length */
    uint32_t nflat;            /* len(flatten_type); saturates at UINT32_MAX */
    uint8_t flat[2][WACC_ABI_MAX_FLAT];   /* valid when nflat <= WACC_ABI_MAX_FLAT */
    const wacc_ctype *elem;              /* list element; stream/future payload (or NULL) */
    const wacc_cfield *fields;           /* record/tuple fields; variant-like cases */
    const char *const *labels;           /* flags labels */
    const wacc_resource_type *rt;        /* own/borrow */
};

/* Primitive types (bool, ints, floats, char, string, error-context) are
 * static; the others are allocated in the arena, copying the given arrays
 * and labels. Constructors return NULL for an invalid type (no fields/cases,
 * flags count not in 1..32, fixed length 0, elem_size >= 2^28, NULL child,
 * allocation failure). */
const wacc_ctype *wacc_ctype_prim(wacc_ckind kind);
const wacc_ctype *wacc_ctype_list(wacc_arena *a, const wacc_ctype *elem);
const wacc_ctype *wacc_ctype_list_fixed(wacc_arena *a, const wacc_ctype *elem, uint32_t len);
const wacc_ctype *wacc_ctype_record(wacc_arena *a, const wacc_cfield *fields, uint32_t n);
const wacc_ctype *wacc_ctype_tuple(wacc_arena *a, const wacc_ctype *const *types, uint32_t n);
const wacc_ctype *wacc_ctype_variant(wacc_arena *a, const wacc_cfield *cases, uint32_t n);
const wacc_ctype *wacc_ctype_enum(wacc_arena *a, const char *const *labels, uint32_t n);
const wacc_ctype *wacc_ctype_option(wacc_arena *a, const wacc_ctype *t);
const wacc_ctype *wacc_ctype_result(wacc_arena *a, const wacc_ctype *ok, const wacc_ctype *err);
const wacc_ctype *wacc_ctype_flags(wacc_arena *a, const char *const *labels, uint32_t n);
const wacc_ctype *wacc_ctype_own(wacc_arena *a, const wacc_resource_type *rt);
const wacc_ctype *wacc_ctype_borrow(wacc_arena *a, const wacc_resource_type *rt);
const wacc_ctype *wacc_ctype_stream(wacc_arena *a, const wacc_ctype *payload);   /* payload may be NULL */
const wacc_ctype *wacc_ctype_future(wacc_arena *a, const wacc_ctype *payload);

static inline uint32_t wacc_ctype_align(const wacc_ctype *t, bool mem64) { return t->align[mem64]; }
static inline uint32_t wacc_ctype_size(const wacc_ctype *t, bool mem64) { return t->size[mem64]; }
bool wacc_ctype_is_variant_like(const wacc_ctype *t);   /* variant/enum/option/result */
bool wacc_ctype_is_record_like(const wacc_ctype *t);    /* record/tuple */
bool wacc_ctype_contains_borrow(const wacc_ctype *t);
bool wacc_ctype_equal(const wacc_ctype *a, const wacc_ctype *b);   /* structural; resources by identity */

/* flatten_type: writes at most cap types, returns len(flatten_type(t)). */
uint32_t wacc_flatten_type(const wacc_ctype *t, bool mem64, uint8_t *out, uint32_t cap);

/* flatten_functype. context: lift (canon lift: core callee type) or lower
 * (canon lower: the core function given to the guest). */
enum wacc_abi_context { WACC_ABI_LIFT = 0, WACC_ABI_LOWER = 1 };

typedef struct wacc_core_functype {
    uint8_t params[WACC_ABI_MAX_FLAT_PARAMS + 1];
    uint8_t results[WACC_ABI_MAX_FLAT_PARAMS];
    uint32_t nparams, nresults;
    bool params_spilled;      /* params passed as one pointer to a tuple */
    bool results_spilled;     /* lift: result is a pointer; lower: trailing out-param pointer */
} wacc_core_functype;

void wacc_flatten_functype(const wacc_ctype *const *params, uint32_t nparams,
                           const wacc_ctype *result /* NULL: none */,
                           bool mem64, bool async_, bool callback,
                           int context, wacc_core_functype *out);

/* ------------------------------------------------------------------------ */
/* Values.                                                                    */

/* Source-encoding hint of a string value (the spec's (encoding, code units)
 * pair, which steers store_string's allocation choices). */
enum wacc_strhint {
    WACC_STRHINT_UTF8 = 0,          /* units = UTF-8 bytes (host strings) */
    WACC_STRHINT_UTF16 = 1,         /* units = UTF-16 code units */
    WACC_STRHINT_COMPACT_LATIN1 = 2,/* latin1+utf16, latin1 form: units = bytes */
    WACC_STRHINT_COMPACT_UTF16 = 3  /* latin1+utf16, utf16 form: units (untagged) */
};

/* Representation of a list value (wacc_cval.repr). A list is either an
 * array of element values (x.elems[n], WACC_CVAL_ELEMS), or, when its
 * element type is a plain scalar (wacc_ctype_plain: s8..u64, f32, f64,
 * whose Canonical ABI memory layout is the host's), a byte buffer
 * (WACC_CVAL_BYTES): x.bytes holds the n elements back to back as they are
 * laid out in linear memory (n * elem size bytes, little-endian), not owned
 * by the value. Lowering and storing accept both (a byte buffer is one
 * realloc and one memcpy); lifting a list from linear memory produces
 * bytes when cx->list_bytes is set (one memcpy into cx->arena; f32/f64 NaNs
 * canonicalised), else elements (the default: embedders reading x.elems
 * keep working; a fixed-length list lifted from flat values is always
 * elements). Equality and printing treat both alike. */
enum wacc_cval_repr { WACC_CVAL_ELEMS = 0, WACC_CVAL_BYTES = 1 };

typedef struct wacc_cval wacc_cval;
struct wacc_cval {
    uint8_t kind;        /* wacc_ckind of its type */
    uint8_t strhint;     /* string: wacc_strhint */
    uint8_t repr;        /* list: wacc_cval_repr (0 for every other kind) */
    uint8_t reserved;
    uint32_t n;          /* string: UTF-8 byte length; list/record/tuple: count;
                            variant-like: case index */
    union {
        bool b;
        int64_t s;           /* s8..s64 */
        uint64_t u;          /* u8..u64, flags bits, own/borrow rep */
        float f32;
        double f64;
        uint32_t ch;         /* char: Unicode scalar value */
        const char *str;     /* string: UTF-8, not NUL-terminated */
        wacc_cval *elems;    /* list (WACC_CVAL_ELEMS), record, tuple */
        const uint8_t *bytes;/* list (WACC_CVAL_BYTES): n elements in memory layout */
        wacc_cval *payload;  /* variant-like: NULL when the case has none */
        void *obj;           /* error-context/stream/future: host object */
    } x;
    uint32_t units;      /* string: code units of the source encoding (hint) */
    uint32_t reserved2;
};

/* Convenience constructors (no allocation; payload/elems are borrowed). */
wacc_cval wacc_cval_bool(bool b);
wacc_cval wacc_cval_sint(wacc_ckind kind, int64_t v);
wacc_cval wacc_cval_uint(wacc_ckind kind, uint64_t v);
wacc_cval wacc_cval_f32(float f);
wacc_cval wacc_cval_f64(double f);
wacc_cval wacc_cval_char(uint32_t c);
wacc_cval wacc_cval_string(const char *utf8, uint32_t len);
wacc_cval wacc_cval_list(wacc_cval *elems, uint32_t n);
/* A list of n plain-scalar elements given as their memory layout
 * (WACC_CVAL_BYTES; e.g. list<u8> from n bytes; bytes borrowed). */
wacc_cval wacc_cval_list_bytes(const void *bytes, uint32_t n);
wacc_cval wacc_cval_record(wacc_cval *fields, uint32_t n);
wacc_cval wacc_cval_tuple(wacc_cval *elems, uint32_t n);
wacc_cval wacc_cval_variant(wacc_ckind kind, uint32_t case_index, wacc_cval *payload);
wacc_cval wacc_cval_flags(uint32_t bits);
wacc_cval wacc_cval_handle(wacc_ckind kind, uint32_t rep);   /* own/borrow */
wacc_cval wacc_cval_object(wacc_ckind kind, void *obj);      /* error-context/stream/future */

/* Element types whose lists may be byte buffers: s8..u64, f32, f64. */
bool wacc_ctype_plain(const wacc_ctype *t);
/* Element i of a list value of element type et, from either representation
 * (i < list->n). */
wacc_cval wacc_cval_list_elem(const wacc_cval *list, const wacc_ctype *et, uint32_t i);
/* The list's elements (element type et, plain) in memory layout: the buffer
 * itself for WACC_CVAL_BYTES, else dst (list->n * elem size bytes) filled.
 * NULL if an element is not of kind et->kind (or et is not plain). */
const uint8_t *wacc_cval_list_data(const wacc_cval *list, const wacc_ctype *et, void *dst);

/* Structural equality of two values of type t (floats by bits, NaN == NaN). */
bool wacc_cval_equal(const wacc_cval *a, const wacc_cval *b, const wacc_ctype *t);

/* WAVE-style text: "hello", [1, 2], {a: 1}, some(x), ok(x), err(e), 'c',
 * (1, 2), {flag-a, flag-b}, case(x), %keyword labels. snprintf-like:
 * returns the full length, writes at most cap-1 bytes plus NUL. */
size_t wacc_cval_format(char *buf, size_t cap, const wacc_cval *v, const wacc_ctype *t);
int wacc_cval_print(FILE *f, const wacc_cval *v, const wacc_ctype *t);

/* ------------------------------------------------------------------------ */
/* Component instances, handle tables, borrow scopes.                         */

enum wacc_handle_kind {
    WACC_HANDLE_FREE = 0,
    WACC_HANDLE_RESOURCE,
    WACC_HANDLE_ERROR_CONTEXT,
    WACC_HANDLE_STREAM,          /* readable end */
    WACC_HANDLE_FUTURE,          /* readable end */
    WACC_HANDLE_OTHER            /* waitables, sets, subtasks (owned elsewhere) */
};

typedef struct wacc_task wacc_task;

typedef struct wacc_handle {
    uint8_t kind;                /* wacc_handle_kind */
    uint8_t own;                 /* resource: own (1) or borrow (0) */
    uint8_t busy;                /* stream/future: not idle (copying or done) */
    uint8_t in_set;              /* stream/future: joined to a waitable set */
    uint32_t rep;                /* resource representation; free: next free index */
    uint32_t num_lends;
    const wacc_resource_type *rt;
    wacc_task *borrow_scope;     /* borrow handles: the task that lowered it */
    void *obj;                   /* error-context/stream/future/other object */
    const wacc_ctype *t;         /* stream/future: its type */
} wacc_handle;

typedef struct wacc_handle_table {
    wacc_handle *a;              /* a[0] is reserved */
    uint32_t len, cap;
    uint32_t free_head;          /* 0: no free entry */
} wacc_handle_table;

typedef struct wacc_cinst {
    wacc_handle_table handles;
    bool may_leave;
    bool may_enter;
} wacc_cinst;

/* A Task (callee side of a call into a component): counts borrow handles
 * lowered into the callee, which must all be dropped before it returns. */
struct wacc_task {
    uint32_t num_borrows;
};

/* A Subtask (caller side): the handles lent for borrow parameters, whose
 * num_lends are given back when the call resolves. */
typedef struct wacc_subtask {
    wacc_cinst *inst;            /* the caller's instance (owner of the lenders) */
    uint32_t *lenders;           /* heap storage; NULL while inline_ suffices */
    uint32_t n, cap;
    bool delivered;
    uint32_t inline_[8];
} wacc_subtask;

int wacc_cinst_init(wacc_cinst *inst);
void wacc_cinst_fini(wacc_cinst *inst);

/* Table primitives (spec Table: add/get/remove, index 0 reserved, LIFO
 * free list, 2^28-1 limit). msg (may be NULL) receives a reason. */
int wacc_htable_add(wacc_handle_table *t, const wacc_handle *h, uint32_t *index, char *msg, size_t msgcap);
wacc_handle *wacc_htable_get(wacc_handle_table *t, uint32_t index);   /* NULL: bad index */
int wacc_htable_remove(wacc_handle_table *t, uint32_t index, wacc_handle *out, char *msg, size_t msgcap);

/* canon resource.new / resource.drop / resource.rep. */
int wacc_resource_new(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t rep,
                      uint32_t *index, char *msg, size_t msgcap);
/* Calls rt->dtor for an owning handle; *trap receives the dtor's trap code. */
int wacc_resource_drop(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t index,
                       int *trap, char *msg, size_t msgcap);
int wacc_resource_rep(wacc_cinst *inst, const wacc_resource_type *rt, uint32_t index,
                      uint32_t *rep, char *msg, size_t msgcap);

void wacc_task_init(wacc_task *t);
/* Task.return_ / Task.cancel check: traps while borrows remain. */
int wacc_task_return(wacc_task *t, char *msg, size_t msgcap);

void wacc_subtask_init(wacc_subtask *st, wacc_cinst *caller);
/* Subtask.deliver_resolve: returns the lent handles; frees heap storage. */
void wacc_subtask_deliver_resolve(wacc_subtask *st);
void wacc_subtask_fini(wacc_subtask *st);   /* frees storage without delivering */

/* ------------------------------------------------------------------------ */
/* Lifting and lowering context.                                              */

enum wacc_string_encoding {
    WACC_STRENC_UTF8 = 0,
    WACC_STRENC_UTF16 = 1,
    WACC_STRENC_LATIN1_UTF16 = 2
};

typedef struct wacc_abi_cx wacc_abi_cx;

/* The guest's cabi_realloc(old, old_size, align, new_size) -> ptr.
 * Returns 0, or a wacc_trap_code if the call trapped. If linear memory grew
 * or moved during the call, the callback updates cx->mem / cx->mem_size. */
typedef int (*wacc_realloc_fn)(void *ctx, wacc_abi_cx *cx, uint64_t old_ptr, uint64_t old_size,
                               uint64_t align, uint64_t new_size, uint64_t *new_ptr);

struct wacc_abi_cx {
    /* canonical options */
    uint8_t *mem;                /* NULL: no memory option */
    uint64_t mem_size;
    bool mem64;                  /* memory's address type is i64 */
    uint8_t string_encoding;     /* wacc_string_encoding */
    wacc_realloc_fn realloc;     /* NULL: no realloc option */
    void *realloc_ctx;
    /* ambient state */
    wacc_cinst *inst;            /* the component instance lifting/lowering */
    wacc_task *task;             /* borrow scope when lowering borrows (callee task) */
    wacc_subtask *subtask;       /* borrow scope when lifting borrows (caller subtask) */
    wacc_arena *arena;           /* where lifted values are allocated */
    bool list_bytes;             /* lift lists of plain scalars as WACC_CVAL_BYTES */
    /* error report */
    int trap;                    /* realloc's trap code on WACC_ABI_E_REALLOC */
    char msg[160];
};

/* Zeroes cx and sets the defaults (utf8, no memory, may_leave checks on inst). */
void wacc_abi_cx_init(wacc_abi_cx *cx);

/* cx->reallocate (allocate: old_ptr 0, old_size 0). Sets inst->may_leave
 * false around the call as the spec does. */
int wacc_abi_realloc(wacc_abi_cx *cx, uint64_t old_ptr, uint64_t old_size, uint64_t align,
                     uint64_t new_size, uint64_t *new_ptr);

/* load/store: ptr must be aligned and in bounds (checked, traps). */
int wacc_abi_load(wacc_abi_cx *cx, uint64_t ptr, const wacc_ctype *t, wacc_cval *out);
int wacc_abi_store(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t, uint64_t ptr);

/* Strings alone: load_string_from_range / store_string_into_range. */
int wacc_abi_load_string(wacc_abi_cx *cx, uint64_t ptr, uint64_t tagged_code_units, wacc_cval *out);
int wacc_abi_store_string(wacc_abi_cx *cx, const wacc_cval *v, uint64_t *ptr, uint64_t *tagged_code_units);

/* lift_flat / lower_flat on an array of core values; *pos is the iterator. */
int wacc_abi_lift_flat(wacc_abi_cx *cx, const wacc_val *vals, uint32_t nvals, uint32_t *pos,
                       const wacc_ctype *t, wacc_cval *out);
int wacc_abi_lower_flat(wacc_abi_cx *cx, const wacc_cval *v, const wacc_ctype *t,
                        wacc_val *out, uint32_t cap, uint32_t *pos);

/* lift_flat_values / lower_flat_values: with more than max_flat flat values
 * the tuple of values goes through memory (lift: vals[*pos] is the pointer;
 * lower: allocated with realloc and the pointer is the one result, or, if
 * out_param is given, stored there and no value is produced). */
int wacc_abi_lift_values(wacc_abi_cx *cx, uint32_t max_flat, const wacc_val *vals, uint32_t nvals,
                         uint32_t *pos, const wacc_ctype *const *ts, uint32_t n, wacc_cval *out);
int wacc_abi_lower_values(wacc_abi_cx *cx, uint32_t max_flat, const wacc_cval *vs,
                          const wacc_ctype *const *ts, uint32_t n, wacc_val *out, uint32_t cap,
                          uint32_t *nout, const uint64_t *out_param);

/* Handle lifting/lowering on their own (the value is the rep). */
int wacc_abi_lift_own(wacc_abi_cx *cx, uint32_t index, const wacc_ctype *t, uint32_t *rep);
int wacc_abi_lift_borrow(wacc_abi_cx *cx, uint32_t index, const wacc_ctype *t, uint32_t *rep);
int wacc_abi_lower_own(wacc_abi_cx *cx, uint32_t rep, const wacc_ctype *t, uint32_t *index);
int wacc_abi_lower_borrow(wacc_abi_cx *cx, uint32_t rep, const wacc_ctype *t, uint32_t *index);

/* ------------------------------------------------------------------------ */
/* Fused adapter keys (wacc/abi.h k2; abi-glue/adapter_key.c).                */
/*
 * A key names one compile-time adapter: the function type (structure only:
 * labels are not part of it, tuples and records are the same, enum, option
 * and result are written as the variants they despecialise to; resource
 * types by number, in order of first appearance: params left to right,
 * then the result, depth first) plus the string encodings of the lowering
 * (caller) and lifting (callee) side:
 *
 *   key    := '(' [type (',' type)*] ')' '->' (type | '_') '|' enc '|' enc
 *   type   := 'b' bool | '1' s8 | '2' u8 | '3' s16 | '4' u16 | '5' s32 | '6' u32
 *           | '7' s64 | '8' u64 | 'f' f32 | 'd' f64 | 'c' char | 's' string
 *           | 'L' type                        list<T>
 *           | 'N' n ':' type                  list<T, n>
 *           | 'R' n '{' type (',' type)* '}'   record / tuple of n fields
 *           | 'V' n '{' case (',' case)* '}'   variant-like of n cases
 *           | 'F' n                            flags with n labels
 *           | 'o' r                            own<resource number r>
 *           | 'B' r                            borrow<resource number r>
 *   case   := type | '_'                     (no payload)
 *   r      := decimal from 0, at most one more than the largest before it
 *   enc    := '0' utf8 | '1' utf16 | '2' latin1+utf16   (WACC_STRENC_*)
 *
 * e.g. func(a: string, b: list<u8>) -> option<string>, utf8 to utf16:
 * "(s,L2)->V2{_,s}|0|1"; func(x: borrow<T>, y: own<U>) -> own<T>:
 * "(B0,o1)->o0|0|0".
 */

/* At most this many distinct resource types in a key. */
#define WACC_ADAPTER_KEY_MAX_RESOURCES 64

/* Writes the key (NUL-terminated) to buf. False if the type cannot be
 * fused (stream, future, error-context anywhere in it, more than
 * WACC_ADAPTER_KEY_MAX_RESOURCES resource types) or buf is too small. */
bool wacc_adapter_key(const wacc_ctype *const *params, uint32_t nparams,
                      const wacc_ctype *result /* NULL: none */, uint8_t lower_enc,
                      uint8_t lift_enc, char *buf, size_t cap);

/* The key in a malloc'd string (the caller frees it), buffer grown as
 * needed up to WACC_ADAPTER_KEY_MAX_LEN bytes. NULL if the type cannot be
 * fused (checked before rendering), its key is longer, or on OOM. */
#define WACC_ADAPTER_KEY_MAX_LEN ((size_t)1 << 20)
char *wacc_adapter_key_alloc(const wacc_ctype *const *params, uint32_t nparams,
                             const wacc_ctype *result /* NULL: none */, uint8_t lower_enc,
                             uint8_t lift_enc);

/* Parses a key back into types allocated in `a` (labels are synthesised:
 * records/tuples come back as tuples, variant-likes as variants, flags
 * with labels "f0".."fN", resource number r as a placeholder resource type
 * allocated in `a`, the same for every handle numbered r). *params gets an
 * arena array. False on a malformed key. */
bool wacc_adapter_key_parse(wacc_arena *a, const char *key, const wacc_ctype ***params,
                            uint32_t *nparams, const wacc_ctype **result, uint8_t *lower_enc,
                            uint8_t *lift_enc);

/* The distinct resource types of the own/borrow handles of a function
 * type, numbered as its key numbers them (out[r] is resource number r).
 * Returns their count, or UINT32_MAX when there are more than cap. */
uint32_t wacc_adapter_key_resources(const wacc_ctype *const *params, uint32_t nparams,
                                    const wacc_ctype *result, const wacc_resource_type **out,
                                    uint32_t cap);

#ifdef __cplusplus
}
#endif
#endif
