/*
 * component.h — the in-memory model of a WebAssembly component (Component
 * Model binary format, version 0x0d, layer 1), its decoder and its validator.
 *
 * This is the public header of the `compfmt` library (compiler/component).
 *
 * Ownership: a wacc_component owns every array and string it points to.
 * Core modules are byte ranges into the input (decode them with wasm_decode
 * from wasm.h); the caller keeps the input alive as long as the component.
 * Nested components are owned by their parent.
 *
 * Decoding checks the binary structure only (malformed input); index bounds,
 * types, names and canonical options are checked by wacc_component_validate.
 * Errors are one line with a byte offset into the outermost input.
 */
#ifndef WACC_COMPONENT_H
#define WACC_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

/* ---------------------------------------------------------------------- */
/* Sorts (= index spaces).                                                  */

typedef enum wacc_sort {
    WACC_SORT_CORE_FUNC,
    WACC_SORT_CORE_TABLE,
    WACC_SORT_CORE_MEMORY,
    WACC_SORT_CORE_GLOBAL,
    WACC_SORT_CORE_TAG,
    WACC_SORT_CORE_TYPE,
    WACC_SORT_CORE_MODULE,
    WACC_SORT_CORE_INSTANCE,
    WACC_SORT_FUNC,
    WACC_SORT_VALUE,
    WACC_SORT_TYPE,
    WACC_SORT_COMPONENT,
    WACC_SORT_INSTANCE,
    WACC_SORT_COUNT
} wacc_sort;

const char *wacc_sort_name(wacc_sort s);

typedef struct wacc_sortidx {
    uint8_t sort;               /* wacc_sort */
    uint32_t idx;
} wacc_sortidx;

/* ---------------------------------------------------------------------- */
/* Names.                                                                   */

enum {
    WACC_NAME_PLAIN = 0,        /* label */
    WACC_NAME_CONSTRUCTOR,      /* [constructor]r */
    WACC_NAME_METHOD,           /* [method]r.m */
    WACC_NAME_STATIC,           /* [static]r.m */
    WACC_NAME_INTERFACE,        /* ns:pkg/iface@ver */
    WACC_NAME_DEP,              /* unlocked-dep=<..>, locked-dep=<..>, url=<..>, integrity=<..> */
    WACC_NAME_OTHER,            /* not a valid externname (validation fails) */
};

typedef struct wacc_name {
    char *str;                  /* NUL-terminated copy */
    uint32_t len;
    uint32_t offset;            /* of the name in the input */
    uint8_t kind;               /* WACC_NAME_* (classified by the decoder) */
    /* attributes (nameattributes 0x02) */
    char *implements;           /* or NULL */
    char *version_suffix;       /* or NULL */
    char *external_id;          /* or NULL */
    bool dup_attr;              /* an attribute kind occurred twice */
} wacc_name;

/* ---------------------------------------------------------------------- */
/* Types.                                                                   */

/* Primitive value type codes (as in the binary format). */
enum {
    WACC_PT_BOOL = 0x7f, WACC_PT_S8 = 0x7e, WACC_PT_U8 = 0x7d,
    WACC_PT_S16 = 0x7c, WACC_PT_U16 = 0x7b, WACC_PT_S32 = 0x7a,
    WACC_PT_U32 = 0x79, WACC_PT_S64 = 0x78, WACC_PT_U64 = 0x77,
    WACC_PT_F32 = 0x76, WACC_PT_F64 = 0x75, WACC_PT_CHAR = 0x74,
    WACC_PT_STRING = 0x73, WACC_PT_ERROR_CONTEXT = 0x64,
};

/* A value type: a primitive (prim != 0) or a type index. */
typedef struct wacc_valtype {
    uint8_t prim;               /* WACC_PT_* or 0 */
    uint32_t idx;               /* type index when prim == 0 */
} wacc_valtype;

typedef struct wacc_field {
    char *label;                /* NULL for tuple elements */
    uint32_t label_len;
    bool has_type;              /* variant cases / result lists may lack one */
    wacc_valtype type;
} wacc_field;

enum {
    WACC_DT_PRIM,       /* prim */
    WACC_DT_RECORD,     /* fields (labelled) */
    WACC_DT_VARIANT,    /* fields = cases (type optional) */
    WACC_DT_LIST,       /* t */
    WACC_DT_FIXED_LIST, /* t, len */
    WACC_DT_TUPLE,      /* fields (unlabelled) */
    WACC_DT_FLAGS,      /* fields (labels only) */
    WACC_DT_ENUM,       /* fields (labels only) */
    WACC_DT_OPTION,     /* t */
    WACC_DT_RESULT,     /* has_t t (ok), has_u u (error) */
    WACC_DT_OWN,        /* t.idx = resource type index */
    WACC_DT_BORROW,     /* t.idx */
    WACC_DT_STREAM,     /* has_t t */
    WACC_DT_FUTURE,     /* has_t t */
    WACC_DT_MAP,        /* t = key, u = value */
    WACC_DT_FUNC,       /* fields = params, has_t t = result, async */
    WACC_DT_COMPONENT,  /* decls */
    WACC_DT_INSTANCE,   /* decls */
    WACC_DT_RESOURCE,   /* rep, has_dtor dtor */
};

typedef struct wacc_decl wacc_decl;

typedef struct wacc_deftype {
    uint8_t kind;               /* WACC_DT_* */
    uint32_t offset;
    uint8_t prim;
    uint32_t nfields;
    wacc_field *fields;
    bool has_t, has_u;
    wacc_valtype t, u;
    uint32_t len;               /* fixed-length list */
    bool async;                 /* func async */
    uint8_t rep;                /* resource: core value type */
    bool has_dtor;
    uint32_t dtor;              /* core func index */
    uint32_t ndecls;
    wacc_decl *decls;           /* component / instance types */
} wacc_deftype;

/* Core external type (imports/exports of module types). */
typedef struct wacc_core_extern {
    uint8_t kind;               /* WASM_EXTERN_* or 4 = tag */
    union {
        uint32_t typeidx;       /* func, tag */
        wasm_tabletype table;
        wasm_memtype memory;
        wasm_globaltype global;
    } desc;
} wacc_core_extern;

enum { WACC_CORE_EXTERN_TAG = 4 };

enum {
    WACC_MD_IMPORT = 0, WACC_MD_TYPE = 1, WACC_MD_ALIAS = 2, WACC_MD_EXPORT = 3,
};

typedef struct wacc_core_type wacc_core_type;

typedef struct wacc_moduledecl {
    uint8_t kind;               /* WACC_MD_* */
    uint32_t offset;
    char *module, *name;        /* import: module+name; export: name */
    wacc_core_extern ext;
    wacc_core_type *type;       /* WACC_MD_TYPE */
    uint32_t outer_ct, outer_idx; /* WACC_MD_ALIAS (outer core type) */
} wacc_moduledecl;

enum { WACC_CT_FUNC, WACC_CT_MODULE, WACC_CT_GC };

struct wacc_core_type {
    uint8_t kind;               /* WACC_CT_* */
    uint32_t offset;
    wasm_functype func;         /* WACC_CT_FUNC */
    uint32_t nrefs;             /* WACC_CT_FUNC: concrete type indices of */
    uint32_t *refs;             /*   its (ref $t) params/results */
    uint32_t ndecls;
    wacc_moduledecl *decls;     /* WACC_CT_MODULE */
};

/* ---------------------------------------------------------------------- */
/* Aliases, imports, exports, declarations.                                 */

enum { WACC_ALIAS_EXPORT = 0, WACC_ALIAS_CORE_EXPORT = 1, WACC_ALIAS_OUTER = 2 };

typedef struct wacc_alias {
    uint8_t sort;               /* wacc_sort */
    uint8_t kind;               /* WACC_ALIAS_* */
    uint32_t offset;
    uint32_t instance;          /* export / core export */
    wacc_name name;             /* export / core export (kind PLAIN unchecked) */
    uint32_t outer_ct, outer_idx; /* outer */
} wacc_alias;

/* externtype */
enum {
    WACC_ET_MODULE = 0, WACC_ET_FUNC = 1, WACC_ET_VALUE = 2, WACC_ET_TYPE = 3,
    WACC_ET_COMPONENT = 4, WACC_ET_INSTANCE = 5,
};

typedef struct wacc_externtype {
    uint8_t kind;               /* WACC_ET_* */
    uint32_t idx;               /* type index (core type for MODULE) */
    /* WACC_ET_TYPE: sub_resource or eq idx; WACC_ET_VALUE: eq idx or valtype */
    bool sub_resource;
    bool value_eq;
    wacc_valtype value_type;
} wacc_externtype;

typedef struct wacc_import {
    wacc_name name;
    wacc_externtype type;
    uint32_t offset;
} wacc_import;

typedef struct wacc_export {
    wacc_name name;
    wacc_sortidx item;
    bool has_type;
    wacc_externtype type;
    uint32_t offset;
} wacc_export;

enum { WACC_DECL_CORE_TYPE = 0, WACC_DECL_TYPE = 1, WACC_DECL_ALIAS = 2,
       WACC_DECL_IMPORT = 3, WACC_DECL_EXPORT = 4 };

struct wacc_decl {
    uint8_t kind;               /* WACC_DECL_* */
    uint32_t offset;
    wacc_core_type *core_type;
    wacc_deftype *type;
    wacc_alias alias;
    wacc_name name;             /* import / export */
    wacc_externtype ext;
};

/* ---------------------------------------------------------------------- */
/* Definitions.                                                             */

typedef struct wacc_core_module {
    const uint8_t *bytes;       /* into the input */
    size_t size;
    uint32_t offset;
} wacc_core_module;

typedef struct wacc_core_arg {     /* core instantiate arg / inline export */
    wacc_name name;
    uint8_t sort;               /* wacc_sort (core sorts) */
    uint32_t idx;
} wacc_core_arg;

typedef struct wacc_core_instance {
    bool instantiate;           /* else: inline exports */
    uint32_t module;
    uint32_t nargs;
    wacc_core_arg *args;        /* with-args or exports */
    uint32_t offset;
} wacc_core_instance;

typedef struct wacc_inst_arg {
    wacc_name name;
    wacc_sortidx item;
} wacc_inst_arg;

typedef struct wacc_instance {
    bool instantiate;
    uint32_t component;
    uint32_t nargs;
    wacc_inst_arg *args;        /* with-args or exports */
    uint32_t offset;
} wacc_instance;

/* Canonical options. */
enum {
    WACC_ENC_UTF8 = 0, WACC_ENC_UTF16 = 1, WACC_ENC_LATIN1_UTF16 = 2,
};

typedef struct wacc_canonopts {
    uint32_t nenc;              /* how many string-encoding options */
    uint8_t encoding;
    uint32_t nmemory, nrealloc, npost_return, nasync, ncallback;
    uint32_t memory, realloc, post_return, callback;
    bool bad_opt;               /* unknown option code (decoder rejects) */
} wacc_canonopts;

/* Canonical definitions: opcode as in the binary format. */
enum {
    WACC_CANON_LIFT = 0x00, WACC_CANON_LOWER = 0x01,
    WACC_CANON_RESOURCE_NEW = 0x02, WACC_CANON_RESOURCE_DROP = 0x03,
    WACC_CANON_RESOURCE_REP = 0x04, WACC_CANON_TASK_CANCEL = 0x05,
    WACC_CANON_SUBTASK_CANCEL = 0x06, WACC_CANON_RESOURCE_DROP_ASYNC = 0x07,
    WACC_CANON_TASK_RETURN = 0x09,
    WACC_CANON_CONTEXT_GET = 0x0a, WACC_CANON_CONTEXT_SET = 0x0b,
    WACC_CANON_THREAD_YIELD = 0x0c, WACC_CANON_SUBTASK_DROP = 0x0d,
    WACC_CANON_STREAM_NEW = 0x0e, WACC_CANON_STREAM_READ = 0x0f,
    WACC_CANON_STREAM_WRITE = 0x10, WACC_CANON_STREAM_CANCEL_READ = 0x11,
    WACC_CANON_STREAM_CANCEL_WRITE = 0x12, WACC_CANON_STREAM_DROP_READABLE = 0x13,
    WACC_CANON_STREAM_DROP_WRITABLE = 0x14, WACC_CANON_FUTURE_NEW = 0x15,
    WACC_CANON_FUTURE_READ = 0x16, WACC_CANON_FUTURE_WRITE = 0x17,
    WACC_CANON_FUTURE_CANCEL_READ = 0x18, WACC_CANON_FUTURE_CANCEL_WRITE = 0x19,
    WACC_CANON_FUTURE_DROP_READABLE = 0x1a, WACC_CANON_FUTURE_DROP_WRITABLE = 0x1b,
    WACC_CANON_ERROR_CONTEXT_NEW = 0x1c, WACC_CANON_ERROR_CONTEXT_DEBUG_MESSAGE = 0x1d,
    WACC_CANON_ERROR_CONTEXT_DROP = 0x1e, WACC_CANON_WAITABLE_SET_NEW = 0x1f,
    WACC_CANON_WAITABLE_SET_WAIT = 0x20, WACC_CANON_WAITABLE_SET_POLL = 0x21,
    WACC_CANON_WAITABLE_SET_DROP = 0x22, WACC_CANON_WAITABLE_JOIN = 0x23,
    WACC_CANON_BACKPRESSURE_INC = 0x24, WACC_CANON_BACKPRESSURE_DEC = 0x25,
    WACC_CANON_THREAD_INDEX = 0x26, WACC_CANON_THREAD_NEW_INDIRECT = 0x27,
    WACC_CANON_THREAD_RESUME_LATER = 0x28, WACC_CANON_THREAD_SUSPEND = 0x29,
    WACC_CANON_THREAD_SUSPEND_THEN_RESUME = 0x2a, WACC_CANON_THREAD_YIELD_THEN_RESUME = 0x2b,
    WACC_CANON_THREAD_SUSPEND_THEN_PROMOTE = 0x2c, WACC_CANON_THREAD_YIELD_THEN_PROMOTE = 0x2d,
    WACC_CANON_THREAD_SPAWN_REF = 0x40, WACC_CANON_THREAD_SPAWN_INDIRECT = 0x41,
    WACC_CANON_THREAD_AVAILABLE_PARALLELISM = 0x42,
};

typedef struct wacc_canon {
    uint8_t op;                 /* WACC_CANON_* */
    uint32_t offset;
    uint32_t func;              /* lift: core func; lower: func */
    uint32_t type;              /* lift: func type; resource.*, stream.*, future.*:
                                   type index; thread.*: core type index */
    uint32_t table;             /* thread.new-indirect / spawn-indirect */
    uint32_t context_index;     /* context.get/set */
    uint8_t core_valtype;       /* context.get/set */
    bool async, cancellable, shared;
    bool has_result;            /* task.return */
    wacc_valtype result;
    wacc_canonopts opts;
} wacc_canon;

typedef struct wacc_start {
    uint32_t func;
    uint32_t nargs;
    uint32_t *args;             /* value indices */
    uint32_t nresults;
    uint32_t offset;
} wacc_start;

typedef struct wacc_custom {
    char *name;
    const uint8_t *data;        /* into the input */
    size_t size;
    uint32_t offset;
} wacc_custom;

/* Definition kinds, in the order they appear (section ids). */
enum {
    WACC_DEF_CORE_MODULE = 1, WACC_DEF_CORE_INSTANCE = 2, WACC_DEF_CORE_TYPE = 3,
    WACC_DEF_COMPONENT = 4, WACC_DEF_INSTANCE = 5, WACC_DEF_ALIAS = 6,
    WACC_DEF_TYPE = 7, WACC_DEF_CANON = 8, WACC_DEF_START = 9,
    WACC_DEF_IMPORT = 10, WACC_DEF_EXPORT = 11, WACC_DEF_VALUE = 12,
};

typedef struct wacc_def {
    uint8_t kind;               /* WACC_DEF_* */
    uint32_t index;             /* into the array of that kind */
} wacc_def;

/* One entry of an index space: which definition introduced it. */
typedef struct wacc_space_entry {
    uint8_t def;                /* WACC_DEF_* */
    uint32_t index;             /* into the array of that kind */
} wacc_space_entry;

typedef struct wacc_space {
    uint32_t count;
    wacc_space_entry *entries;
} wacc_space;

typedef struct wacc_namemap_entry {
    uint32_t idx;
    char *name;
} wacc_namemap_entry;

typedef struct wacc_component wacc_component;

struct wacc_component {
    const uint8_t *bytes;       /* the outermost input (not owned) */
    size_t size;
    uint32_t offset;            /* of this component's preamble */
    uint32_t end;               /* one past its last byte */

    uint32_t ndefs;
    wacc_def *defs;             /* all definitions in order */

    uint32_t ncore_modules;
    wacc_core_module *core_modules;
    uint32_t ncore_instances;
    wacc_core_instance *core_instances;
    uint32_t ncore_types;
    wacc_core_type **core_types;
    uint32_t ncomponents;
    wacc_component **components;
    uint32_t ninstances;
    wacc_instance *instances;
    uint32_t naliases;
    wacc_alias *aliases;
    uint32_t ntypes;
    wacc_deftype **types;
    uint32_t ncanons;
    wacc_canon *canons;
    uint32_t nstarts;
    wacc_start *starts;
    uint32_t nimports;
    wacc_import *imports;
    uint32_t nexports;
    wacc_export *exports;
    uint32_t nvalues;           /* value section entries (not modelled further) */
    uint32_t ncustoms;
    wacc_custom *customs;

    /* Index spaces resolved during decode (one per wacc_sort). */
    wacc_space spaces[WACC_SORT_COUNT];

    /* "component-name" custom section (optional; ignored if malformed). */
    char *name;
    uint32_t nnames[WACC_SORT_COUNT];
    wacc_namemap_entry *names[WACC_SORT_COUNT];
};

/* ---------------------------------------------------------------------- */
/* API.                                                                     */

/* True if the input starts with the component preamble (layer 1). */
bool wacc_is_component(const uint8_t *bytes, size_t size);

/* Decode a component binary. NULL + *err on malformed input. */
wacc_component *wacc_component_decode(const uint8_t *bytes, size_t size,
                                      wasm_error *err);

/* Validate a decoded component (and everything nested in it) with the
 * default features (WACC_CFEAT_DEFAULT). */
bool wacc_component_validate(const wacc_component *c, wasm_error *err);

/* Component Model features (wasm-tools' names in comments). A component
 * using a feature that is not enabled is invalid ("... requires the
 * component model X feature"). */
enum {
    WACC_CFEAT_VALUES = 1u << 0,          /* cm-values: value imports/exports/start */
    WACC_CFEAT_ASYNC = 1u << 1,           /* cm-async: async ABI, tasks, streams, futures */
    WACC_CFEAT_ASYNC_BUILTINS = 1u << 2,  /* cm-more-async-builtins */
    WACC_CFEAT_ASYNC_STACKFUL = 1u << 3,  /* cm-async-stackful: async lift without callback */
    WACC_CFEAT_ERROR_CONTEXT = 1u << 4,   /* cm-error-context */
    WACC_CFEAT_FIXED_LISTS = 1u << 5,     /* cm-fixed-length-lists */
    WACC_CFEAT_MAP = 1u << 6,             /* cm-map */
    WACC_CFEAT_THREADING = 1u << 7,       /* cm-threading: thread.* builtins */
    WACC_CFEAT_CM64 = 1u << 8,            /* cm64: 64-bit memories in canonical options */
    WACC_CFEAT_NESTED_NAMES = 1u << 9,    /* cm-nested-names: a:b:c/d interface names */
    WACC_CFEAT_SHARED_THREADS = 1u << 10, /* shared-everything-threads (thread.spawn*) */
};
#define WACC_CFEAT_ALL ((uint32_t)0x7ff)
/* wacc_component_validate's set (what `wacc compile` accepts): everything
 * but value imports/exports, which the runtime cannot execute; other
 * builtins it cannot execute are reported when they are used. */
#define WACC_CFEAT_DEFAULT (WACC_CFEAT_ALL & ~(uint32_t)WACC_CFEAT_VALUES)
/* Only what wacc can run (the base of wasm-tools / wasmtime test scripts,
 * whose headers enable more). */
#define WACC_CFEAT_RUNNABLE ((uint32_t)WACC_CFEAT_ASYNC)

bool wacc_component_validate_features(const wacc_component *c, uint32_t features,
                                      wasm_error *err);

/* Apply a wasm-tools style feature list ("cm-async,-cm-threading", also
 * with '+' and whitespace) to *features. Unknown names (core proposals)
 * are ignored. */
void wacc_component_features_apply(const char *list, uint32_t *features);

/* Validation with a visitor (fused adapters, wacc/abi.h k2): fn is called
 * for every canon lift and canon lower of c and its nested components (and
 * every stream/future read and write with a payload: its element type as
 * the site's one parameter, no result), in
 * validation order, with the site's function type resolved into abi-glue
 * types allocated in `arena` (a struct wacc_arena from abi-glue/abi.h;
 * resources become own/borrow of placeholder resource types). Sites in
 * component types or that fail to validate are not reported. */
struct wacc_ctype;
struct wacc_arena;
typedef struct wacc_canon_site {
    const wacc_component *def;  /* the (nested) component definition */
    uint32_t canon;             /* index into def->canons */
    const struct wacc_ctype *const *params;
    uint32_t nparams;
    const struct wacc_ctype *result;    /* NULL: none */
    uint8_t encoding;           /* the site's string-encoding (WACC_ENC_*) */
    bool mem64;                 /* its memory option is a 64-bit memory */
    bool async;                 /* async option or async function type */
} wacc_canon_site;
typedef void (*wacc_canon_visit_fn)(void *user, const wacc_canon_site *site);
bool wacc_component_validate_visit(const wacc_component *c, uint32_t features, wasm_error *err,
                                   struct wacc_arena *arena, wacc_canon_visit_fn fn, void *user);

void wacc_component_free(wacc_component *c);

/* Name helpers (also used by the validator). */
bool wacc_label_valid(const char *s, size_t len);
/* Classify an externname (WACC_NAME_*); WACC_NAME_OTHER if invalid. */
uint8_t wacc_externname_classify(const char *s, size_t len);
/* Does an interface or dependency name use nested namespaces/projections
 * (valid only with WACC_CFEAT_NESTED_NAMES)? */
bool wacc_externname_nested(const char *s, size_t len);
/* `canon` (the interface version) is a canonversion and canon+suffix a semver. */
bool wacc_version_suffix_valid(const char *canon, size_t len, const char *suffix);

#endif
