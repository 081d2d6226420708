/*
 * wit.h — WIT (WebAssembly Interface Types) text: lexer, parser, resolver,
 * printer (library "waccwit").
 *
 * A wit_resolve is a set of packages that refer to each other by name.
 * Everything in it (packages, interfaces, worlds, types, strings) is owned
 * by the resolve and freed with wit_resolve_free: one owner, one free.
 *
 *   wit_resolve *r = wit_resolve_new();
 *   wit_package *main;
 *   if (!wit_load_path(r, "wit/", &main) || !wit_resolve_all(r))
 *       fprintf(stderr, "%s\n", wit_error(r));     // file:line:col: reason
 *   char *text = wit_print(r, main, WIT_PRINT_DEPS);  // canonical WIT
 *   free(text);
 *   wit_resolve_free(r);
 *
 * Loading a directory parses every *.wit file in it as one package, and each
 * entry of its deps/ folder (a directory, or a single .wit file) as a
 * dependency package; a package already present (same ns:name@version) is
 * not loaded twice. wit_resolve_all binds every name (use, types, includes,
 * world imports/exports) and elaborates worlds (includes expanded, the
 * interfaces an imported/exported interface uses become imports).
 */
#ifndef WACC_WIT_H
#define WACC_WIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wit_resolve wit_resolve;
typedef struct wit_package wit_package;
typedef struct wit_interface wit_interface;
typedef struct wit_world wit_world;
typedef struct wit_typedef wit_typedef;
typedef struct wit_type wit_type;
typedef struct wit_func wit_func;

typedef struct wit_pos {
    const char *file;           /* NULL for synthesized items */
    uint32_t line, col;         /* 1-based */
} wit_pos;

/* Feature gates; NULL when absent. */
typedef struct wit_gate {
    const char *since;          /* @since(version = V) */
    const char *unstable;       /* @unstable(feature = F) */
    const char *deprecated;     /* @deprecated(version = V) */
} wit_gate;

/* ---------------------------------------------------------------------- */
/* Types.                                                                   */

enum wit_tkind {
    WIT_T_BOOL = 1, WIT_T_S8, WIT_T_U8, WIT_T_S16, WIT_T_U16, WIT_T_S32,
    WIT_T_U32, WIT_T_S64, WIT_T_U64, WIT_T_F32, WIT_T_F64, WIT_T_CHAR,
    WIT_T_STRING, WIT_T_ERROR_CONTEXT,
    WIT_T_LIST,         /* a */
    WIT_T_FIXED_LIST,   /* a, len */
    WIT_T_TUPLE,        /* n, elems */
    WIT_T_OPTION,       /* a */
    WIT_T_RESULT,       /* a = ok or NULL (_), b = err or NULL */
    WIT_T_MAP,          /* a = key, b = value */
    WIT_T_FUTURE,       /* a or NULL */
    WIT_T_STREAM,       /* a or NULL */
    WIT_T_NAMED,        /* name -> def (an owned handle if def is a resource) */
    WIT_T_OWN,          /* own<name> */
    WIT_T_BORROW,       /* borrow<name> */
};

struct wit_type {
    uint8_t kind;               /* enum wit_tkind */
    wit_pos pos;
    wit_type *a, *b;
    uint32_t len;               /* fixed-length list */
    uint32_t n;
    wit_type **elems;           /* tuple */
    const char *name;           /* NAMED/OWN/BORROW: the name as written */
    wit_typedef *def;           /* resolved: the typedef that name denotes */
};

typedef struct wit_field {      /* record field, variant case, enum/flags name, param */
    const char *name;
    wit_type *type;             /* NULL: variant case without payload, enum, flags */
    const char *docs;
    wit_pos pos;
} wit_field;

enum wit_fkind { WIT_F_FREESTANDING, WIT_F_METHOD, WIT_F_STATIC, WIT_F_CONSTRUCTOR };

struct wit_func {
    const char *name;           /* "constructor" for constructors */
    uint8_t kind;               /* enum wit_fkind */
    bool async;
    uint32_t nparams;
    wit_field *params;          /* methods: without the implicit self */
    wit_type *result;           /* NULL: no result */
    const char *docs;
    const char *external_id;    /* @external-id("..."), or NULL */
    wit_gate gate;
    wit_pos pos;
};

enum wit_dkind {
    WIT_D_RECORD, WIT_D_VARIANT, WIT_D_ENUM, WIT_D_FLAGS, WIT_D_RESOURCE,
    WIT_D_ALIAS,        /* type x = ty */
    WIT_D_USE,          /* a name brought in by `use`: target */
};

typedef struct wit_use wit_use;

struct wit_typedef {
    uint8_t kind;               /* enum wit_dkind */
    const char *name;
    const char *docs;
    const char *external_id;
    wit_gate gate;
    wit_pos pos;
    uint32_t nfields;
    wit_field *fields;          /* record / variant / enum / flags */
    uint32_t nfuncs;
    wit_func **funcs;           /* resource methods, statics, constructor */
    bool has_body;              /* resource written with { } */
    wit_type *alias;            /* WIT_D_ALIAS */
    wit_use *use;               /* WIT_D_USE: the statement */
    const char *use_name;       /* WIT_D_USE: the name in the used interface */
    wit_typedef *target;        /* WIT_D_USE: resolved (may be a USE itself) */
    wit_interface *iface;       /* owner: an interface ... */
    wit_world *world;           /* ... or a world */
    int state;                  /* resolver bookkeeping */
};

/* Follow `use` links to the definition. */
wit_typedef *wit_typedef_real(wit_typedef *d);
/* The resource d names through `use` and `type x = y` links, or NULL. */
wit_typedef *wit_typedef_resource(wit_typedef *d);

/* A reference to an interface or world: bare `id`, or `ns:pkg/id@version`. */
typedef struct wit_path {
    const char *ns, *pkg;       /* NULL for a bare id */
    const char *name;
    const char *version;        /* or NULL */
    wit_pos pos;
    wit_interface *iface;       /* resolved (use, import, export) */
    wit_world *world;           /* resolved (include) */
} wit_path;

typedef struct wit_rename {
    const char *name, *as;      /* as == NULL: no rename */
} wit_rename;

struct wit_use {
    wit_path path;
    uint32_t n;
    wit_rename *names;
    wit_gate gate;
    wit_pos pos;
};

/* ---------------------------------------------------------------------- */
/* Interfaces, worlds, packages.                                            */

struct wit_interface {
    const char *name;           /* inline interfaces: the import/export name */
    const char *docs;
    wit_gate gate;
    wit_pos pos;
    wit_package *pkg;
    wit_world *inline_in;       /* non-NULL: `import x: interface { }` */
    uint32_t nuses;
    wit_use **uses;
    uint32_t ntypes;
    wit_typedef **types;        /* in order, including `use`d names */
    uint32_t nfuncs;
    wit_func **funcs;
    void *scope;                /* the file's top-level uses (internal) */
    int state;                  /* resolver bookkeeping */
};

enum wit_xkind {
    WIT_X_INTERFACE,    /* import path;  (name == NULL) */
    WIT_X_NAMED_IFACE,  /* import name: path; */
    WIT_X_INLINE,       /* import name: interface { ... } */
    WIT_X_FUNC,         /* import name: func(...); */
};

typedef struct wit_extern {
    uint8_t kind;               /* enum wit_xkind */
    const char *name;           /* plain name (NULL for WIT_X_INTERFACE) */
    wit_path path;              /* WIT_X_INTERFACE / WIT_X_NAMED_IFACE */
    wit_interface *iface;       /* resolved, or the inline interface */
    wit_func *func;             /* WIT_X_FUNC */
    const char *docs;
    const char *external_id;
    wit_gate gate;
    wit_pos pos;
    bool implicit;              /* added by elaboration (a dependency) */
} wit_extern;

typedef struct wit_include {
    wit_path path;
    uint32_t nwith;
    wit_rename *with;
    wit_gate gate;
    wit_pos pos;
} wit_include;

struct wit_world {
    const char *name;
    const char *docs;
    wit_gate gate;
    wit_pos pos;
    wit_package *pkg;
    uint32_t nuses;
    wit_use **uses;
    uint32_t ntypes;
    wit_typedef **types;
    uint32_t nincludes;
    wit_include **includes;
    uint32_t nimports, nexports;
    wit_extern **imports, **exports;            /* as written */
    uint32_t nall_imports, nall_exports;
    wit_extern **all_imports, **all_exports;    /* elaborated (wit_resolve_all) */
    void *scope;
    int state;
};

struct wit_package {
    const char *ns, *name;
    const char *version;        /* or NULL */
    const char *docs;
    wit_pos pos;
    uint32_t ninterfaces;
    wit_interface **interfaces;
    uint32_t nworlds;
    wit_world **worlds;
    const char *dir;            /* where it was loaded from, or NULL */
};

struct wit_resolve {
    uint32_t npackages;
    wit_package **packages;
    void *arena;                /* internal */
    char err[512];
};

/* ---------------------------------------------------------------------- */
/* API.                                                                     */

wit_resolve *wit_resolve_new(void);
void wit_resolve_free(wit_resolve *r);
const char *wit_error(const wit_resolve *r);

/* Parse WIT source text as one file (`file` names it in error messages).
 * Its packages (the file's own and any nested `package x { }` blocks) join
 * the resolve; *main (if not NULL) gets the file's own package. */
bool wit_parse_string(wit_resolve *r, const char *file, const char *src, size_t len,
                      wit_package **main);

/* A .wit file, or a directory of .wit files with an optional deps/ folder. */
bool wit_load_path(wit_resolve *r, const char *path, wit_package **main);

/* Every entry of `dir` (a package directory or a .wit file) whose packages
 * are not loaded yet, as with a deps/ folder (e.g. a WASI release folder). */
bool wit_load_deps_dir(wit_resolve *r, const char *dir);

/* Bind all names and elaborate worlds. Idempotent. */
bool wit_resolve_all(wit_resolve *r);

/* Lookups. version may be NULL (matches when only one version is present). */
wit_package *wit_find_package(const wit_resolve *r, const char *ns, const char *name,
                              const char *version);
wit_interface *wit_find_interface(const wit_package *p, const char *name);
wit_world *wit_find_world(const wit_package *p, const char *name);
wit_typedef *wit_find_type(const wit_interface *i, const char *name);

/* "ns:pkg/name@version" (or the plain name for inline interfaces). malloc'd. */
char *wit_interface_id(const wit_interface *i);

enum {
    WIT_PRINT_DEPS = 1,         /* also print the other packages as nested blocks */
    WIT_PRINT_NO_DOCS = 2,
};

/* Canonical WIT text of a package (malloc'd, NULL on OOM). With pkg == NULL
 * every package is printed as a nested block. */
char *wit_print(const wit_resolve *r, const wit_package *pkg, unsigned flags);

/* Print one world on its own (in its package's block unless bare). */
char *wit_print_world(const wit_resolve *r, const wit_world *w, unsigned flags);

/* A structural, order-independent description of a resolved package: every
 * interface and world (elaborated) with fully-qualified type references,
 * gates, no docs; two packages with equal dumps define the same things. */
char *wit_dump(const wit_resolve *r, const wit_package *pkg);

/* Building models by hand (used by the component decoder bridge): strings
 * and nodes allocated in the resolve. */
void *wit_alloc(wit_resolve *r, size_t size);           /* zeroed */
char *wit_strdup(wit_resolve *r, const char *s);
char *wit_strndup(wit_resolve *r, const char *s, size_t n);
/* Append p to a pointer array (*arr, *n) allocated in the resolve. */
bool wit_push(wit_resolve *r, void *arr, uint32_t *n, void *p);
wit_package *wit_add_package(wit_resolve *r, const char *ns, const char *name,
                             const char *version);

/* Is s a keyword (printed as %s)? */
bool wit_is_keyword(const char *s);

/* ---------------------------------------------------------------------- */
/* C bindings (`wacc bindgen c`).                                           */

enum {
    WIT_BINDGEN_HOST = 1,       /* typed host functions over wacc.h instead of a guest */
};

/* Guest bindings for world w following wit-bindgen's C conventions: writes
 * DIR/<world>.h, DIR/<world>.c and DIR/<world>.wit (the world with its
 * dependencies, for `jco embed`/`wasm-tools component embed`). With
 * WIT_BINDGEN_HOST: DIR/<world>_host.h and DIR/<world>_host.c. Errors in
 * wit_error(r). */
bool wit_bindgen_c(wit_resolve *r, const wit_world *w, unsigned flags, const char *dir);

/* ---------------------------------------------------------------------- */
/* Component Model binary encoding of WIT (for `wacc compose`).             */

struct wit_encmap;
typedef struct wit_encoder {
    uint8_t *buf;                   /* the sections written so far (malloc'd) */
    size_t len, cap;
    bool decls;                     /* write component-type decls instead of sections */
    uint32_t ndecls;                /* decls written (decls mode) */
    uint32_t ntypes, ninstances;    /* index spaces of the component being written */
    uint32_t nmap, capmap;          /* (interface id, type name) -> type index */
    struct wit_encmap *map;
} wit_encoder;

/* Append the sections that import an interface under import_name: a type
 * section (one instance type: the union of the types and functions of the
 * n given versions of the interface, e.g. as several components import it,
 * each with the functions it uses; `use`d types are outer aliases of types
 * an earlier wit_encode_import aliased), an import section, and an alias
 * section naming each type it exports. Errors in wit_error(r). */
bool wit_encode_import(wit_resolve *r, wit_encoder *e, const char *import_name,
                       const wit_interface *const *ifaces, uint32_t n);
/* Same, as an import or an export (exports: in decls mode only). */
bool wit_encode_extern(wit_resolve *r, wit_encoder *e, const char *name,
                       const wit_interface *const *ifaces, uint32_t n, bool is_export);
void wit_encoder_free(wit_encoder *e);

/* The payload of a core module's `component-type` custom section for world
 * w (wit-component's metadata format, version 4, UTF-8): what `jco new` /
 * `wasm-tools component new` read to make the component. malloc'd. */
uint8_t *wit_encode_world_metadata(wit_resolve *r, const wit_world *w, size_t *size);

#endif
