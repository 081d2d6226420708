/*
 * bindgen_c_internal.h — shared by bindgen_c.c (names, types, helpers,
 * files) and bindgen_c_func.c (function bodies: flat lift/lower, return
 * areas, post-return). Private to waccwit.
 */
#ifndef WACC_WIT_BINDGEN_C_INTERNAL_H
#define WACC_WIT_BINDGEN_C_INTERNAL_H

#include "internal.h"

/* Core (flat) types. */
enum { CF_I32 = 1, CF_I64, CF_F32, CF_F64 };

#define BG_MAX_FLAT 256         /* flat values tracked per type (more: spilled anyway) */

typedef struct bg_names {       /* a set of strings (malloc'd) */
    uint32_t n, cap;
    char **v;
} bg_names;

typedef struct bg_defined {     /* typedefs already emitted */
    uint32_t n, cap;
    const void **v;
} bg_defined;

/* Where the code being generated belongs. */
typedef struct bg_ctx {
    const wit_interface *iface;     /* NULL: world-level functions/types */
    bool import;
    char *ns;                       /* C namespace (malloc'd) */
    char *module;                   /* core import module ("ns:pkg/i@v", "$root", "name") */
} bg_ctx;

typedef struct bgen {
    wit_resolve *r;
    const wit_world *w;
    unsigned flags;
    char *ws;                       /* world name, snake case */
    wit_buf h_defs, h_fns, h_helpers, c_defs, c_fns, c_helpers, c_adapters;
    bg_names names;                 /* anonymous typedef names emitted */
    bg_defined defined;             /* typedefs emitted */
    bg_names symbols;               /* C function names (duplicates are an error) */
    bool needs_string;
    uint32_t ret_size, ret_align;   /* exports' static return area */
    uint32_t tmp;                   /* temporaries counter */
    bool failed;
    bg_ctx *cx;
    /* --host */
    bool host;
    wit_buf host_imports;           /* resolver table lines */
    uint32_t nhost_exports;
    wit_buf host_exports;           /* export lookup names, one per line of C */
    wit_buf host_res_fields;        /* host struct: a wacc_resource_type per imported resource */
    wit_buf host_res_init;          /* instantiate: their dtor, ctx and name */
    wit_buf host_res_lookup;        /* the resource resolver's cases */
    bool host_export_res;           /* the world exports a resource: wit_host_export_rt */
} bgen;

/* ---- bindgen_c.c ---- */
char *bg_snake(const char *s);                       /* malloc'd */
char *bg_shouty(const char *s);
char *bg_ident(const char *s);                       /* snake + C/C++ keywords escaped */
char *bg_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bg_fail(bgen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A type with NAMED aliases followed: *def is the real typedef when the
 * result is WIT_T_NAMED (record/variant/enum/flags/resource). */
const wit_type *bg_deref(const wit_type *t, wit_typedef **def);
/* The C type name of t (defining anonymous types on first use). malloc'd. */
char *bg_tname(bgen *g, const wit_type *t);
/* Statements freeing the value at lvalue expression `expr` (a pointer expression). */
void bg_free_stmt(bgen *g, wit_buf *b, const wit_type *t, const char *ptr_expr);
bool bg_needs_free(const wit_type *t);
/* Resource handle C names for the resource a NAMED/OWN/BORROW type refers to. */
bool bg_resource_exported(bgen *g, wit_typedef *real);
char *bg_ns_of(bgen *g, const wit_typedef *d);
const char *bg_int_repr(uint32_t ncases);
const char *bg_flags_repr(uint32_t nflags);

/* Layout on wasm32. */
void bg_layout(const wit_type *t, uint32_t *size, uint32_t *align);
void bg_layout_def(const wit_typedef *d, uint32_t *size, uint32_t *align);
uint32_t bg_flatten(const wit_type *t, uint8_t *out, uint32_t cap);

/* ---- bindgen_c_func.c ---- */
enum { R_VOID, R_SCALAR, R_PTR, R_OPTION, R_RESULT };

typedef struct bg_param {
    const wit_type *type;
    char *name;                 /* C identifier */
    bool by_ptr, maybe;
} param;

typedef struct sig {
    uint32_t n;
    param *p;
    const wit_type *result;
    int rkind;
    const wit_type *rp[2];      /* retptr types */
    const char *rpn[2];         /* their names */
    uint32_t nrp;
    char *cname, *text;
} sig;

/* ---- bindgen_c_host.c ---- */
void bg_host_import_func(bgen *g, const wit_func *f, const wit_typedef *res);
void bg_host_export_func(bgen *g, const wit_func *f, const wit_typedef *res);
char *bg_host_assemble_h(bgen *g);
char *bg_host_assemble_c(bgen *g);
void bg_host_resource(bgen *g, const wit_typedef *d);

/* The C signature of f (wit-bindgen's conventions); s->text is its text. */
void bg_build_sig(bgen *g, const wit_func *f, const wit_typedef *res, sig *s);
void bg_sig_free(sig *s);
void bg_import_func(bgen *g, const wit_func *f, const wit_typedef *res);
void bg_export_func(bgen *g, const wit_func *f, const wit_typedef *res);
char *bg_func_cname(bgen *g, const wit_func *f, const wit_typedef *res);
char *bg_func_wasm_name(const wit_func *f, const wit_typedef *res);

#endif
