/* decode.c — the binary decoder: bytes -> wasm_module (no type checking). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dec {
    const uint8_t *base;
    const uint8_t *p, *end;     /* cursor and end of the current section */
    const uint8_t *mend;        /* end of the module */
    wasm_error *err;
    uint32_t features, flags;
    wasm_module *m;
    uint32_t cap_funcs, cap_tables, cap_mems, cap_globals;
    const uint8_t *name_sec, *name_end;   /* the "name" custom section */
    bool have_code, have_data;
    wasm_reader rd;
} dec;

static bool fail_at(dec *d, const uint8_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail_at(dec *d, const uint8_t *at, const char *fmt, ...)
{
    char buf[sizeof d->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return wasm_fail(d->err, (size_t)(at - d->base), "%s", buf);
}

#define FAIL(...) fail_at(d, d->p, __VA_ARGS__)
#define TRY(x) do { if (!(x)) return false; } while (0)

static void seen(dec *d, uint32_t feature)
{
    d->m->features |= feature & d->features;
}

static bool rd_leb(dec *d, unsigned bits, bool sgn, uint64_t *v)
{
    const char *why = wasm_leb(&d->p, d->end, bits, sgn, v);
    if (why) {
        if (d->p >= d->end && d->end < d->mend)
            why = "unexpected end of section or function";
        return FAIL("%s", why);
    }
    return true;
}

static bool rd_u32(dec *d, uint32_t *v)
{
    uint64_t x = 0;
    TRY(rd_leb(d, 32, false, &x));
    *v = (uint32_t)x;
    return true;
}

static bool rd_byte(dec *d, uint8_t *b)
{
    if (d->p >= d->end)
        return FAIL(d->end < d->mend ? "unexpected end of section or function"
                                     : "unexpected end");
    *b = *d->p++;
    return true;
}

/* A vector length, each element taking at least `minsize` bytes. */
static bool rd_count(dec *d, uint32_t *n, size_t minsize)
{
    TRY(rd_u32(d, n));
    if ((uint64_t)*n * minsize > (uint64_t)(d->end - d->p))
        return FAIL(d->end < d->mend ? "unexpected end of section or function"
                                     : "unexpected end");
    return true;
}

static void *xcalloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* Grow *arr (elements of `size` bytes) to hold at least `need`. */
static bool grow(dec *d, void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 8;
    while (c < need)
        c = c > UINT32_MAX / 2 ? need : c * 2;
    void *n = realloc(*arr, (size_t)c * size);
    if (!n)
        return FAIL("out of memory");
    memset((char *)n + (size_t)*cap * size, 0, (size_t)(c - *cap) * size);
    *arr = n;
    *cap = c;
    return true;
}

/* ---- UTF-8 and names ---------------------------------------------------- */

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2; cp = c & 0x1F; min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3; cp = c & 0x0F; min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4; cp = c & 0x07; min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* Read a name: sets *out to its bytes (in the input) and *len. */
static bool rd_name_raw(dec *d, const uint8_t **out, uint32_t *len)
{
    TRY(rd_u32(d, len));
    if (*len > (size_t)(d->end - d->p))
        return FAIL("length out of bounds");
    if (!utf8_valid(d->p, *len))
        return FAIL("malformed UTF-8 encoding");
    *out = d->p;
    d->p += *len;
    return true;
}

static char *dup_bytes(const uint8_t *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = 0;
    }
    return c;
}

static bool rd_name(dec *d, char **out, uint32_t *lenp)
{
    const uint8_t *s;
    uint32_t len;
    TRY(rd_name_raw(d, &s, &len));
    *out = dup_bytes(s, len);
    if (!*out)
        return FAIL("out of memory");
    if (lenp)
        *lenp = len;
    return true;
}

/* ---- types ---------------------------------------------------------------- */

static bool rd_valtype(dec *d, uint8_t *t)
{
    const uint8_t *at = d->p;
    TRY(rd_byte(d, t));
    if (!wasm_is_valtype(*t))
        return fail_at(d, at, "malformed value type");
    return true;
}

static bool rd_reftype(dec *d, uint8_t *t)
{
    const uint8_t *at = d->p;
    TRY(rd_byte(d, t));
    if (!wasm_is_reftype(*t))
        return fail_at(d, at, "malformed reference type");
    return true;
}

static bool rd_valtypes(dec *d, uint32_t *n, uint8_t **out)
{
    TRY(rd_count(d, n, 1));
    *out = xcalloc(*n, 1);
    if (!*out)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < *n; i++)
        TRY(rd_valtype(d, &(*out)[i]));
    return true;
}

static bool rd_limits_vals(dec *d, wasm_limits *l, bool has_max, bool is64)
{
    uint64_t v = 0;
    TRY(rd_leb(d, is64 ? 64 : 32, false, &v));
    l->min = v;
    l->has_max = has_max;
    l->max = 0;
    if (has_max) {
        TRY(rd_leb(d, is64 ? 64 : 32, false, &v));
        l->max = v;
    }
    return true;
}

static bool rd_tabletype(dec *d, wasm_tabletype *t)
{
    TRY(rd_reftype(d, &t->elemtype));
    const uint8_t *at = d->p;
    uint8_t flags = 0;
    TRY(rd_byte(d, &flags));
    if (flags > 1)
        return fail_at(d, at, "integer too large");
    return rd_limits_vals(d, &t->limits, flags & 1, false);
}

static bool rd_memtype(dec *d, wasm_memtype *t)
{
    const uint8_t *at = d->p;
    uint8_t flags = 0;
    TRY(rd_byte(d, &flags));
    uint32_t allowed = 1;
    if (d->features & WASM_FEATURE_THREADS)
        allowed |= 2;
    if (d->features & WASM_FEATURE_MEMORY64)
        allowed |= 4;
    if (flags & ~allowed)
        return fail_at(d, at, "integer too large");
    t->shared = flags & 2;
    t->is64 = flags & 4;
    if (t->shared)
        seen(d, WASM_FEATURE_THREADS);
    if (t->is64)
        seen(d, WASM_FEATURE_MEMORY64);
    return rd_limits_vals(d, &t->limits, flags & 1, t->is64);
}

static bool rd_globaltype(dec *d, wasm_globaltype *g)
{
    TRY(rd_valtype(d, &g->valtype));
    const uint8_t *at = d->p;
    uint8_t mut = 0;
    TRY(rd_byte(d, &mut));
    if (mut > 1)
        return fail_at(d, at, "malformed mutability");
    g->is_mutable = mut;
    return true;
}

/* ---- index spaces ---------------------------------------------------------- */

static bool push_func(dec *d, uint32_t typeidx)
{
    wasm_module *m = d->m;
    TRY(grow(d, (void **)&m->func_types, &d->cap_funcs, m->nfuncs + 1, sizeof *m->func_types));
    m->func_types[m->nfuncs++] = typeidx;
    return true;
}

static bool push_table(dec *d, const wasm_tabletype *t)
{
    wasm_module *m = d->m;
    TRY(grow(d, (void **)&m->tables, &d->cap_tables, m->ntables + 1, sizeof *m->tables));
    m->tables[m->ntables++] = *t;
    return true;
}

static bool push_memory(dec *d, const wasm_memtype *t)
{
    wasm_module *m = d->m;
    TRY(grow(d, (void **)&m->memories, &d->cap_mems, m->nmemories + 1, sizeof *m->memories));
    m->memories[m->nmemories++] = *t;
    if (m->nmemories > 1)
        seen(d, WASM_FEATURE_MULTI_MEMORY);
    return true;
}

static wasm_global *push_global(dec *d)
{
    wasm_module *m = d->m;
    if (!grow(d, (void **)&m->globals, &d->cap_globals, m->nglobals + 1, sizeof *m->globals))
        return NULL;
    return &m->globals[m->nglobals++];
}

/* ---- instructions ----------------------------------------------------------- */

/* Note what an instruction needs: features seen, the data count section. */
static bool note_insn(dec *d, const wasm_insn *in)
{
    switch (in->op) {
    case WASM_OP_MEMORY_INIT:
    case WASM_OP_DATA_DROP:
        if (!d->m->has_datacount)
            return fail_at(d, d->base + in->offset, "data count section required");
        break;
    case WASM_OP_RETURN_CALL:
    case WASM_OP_RETURN_CALL_INDIRECT:
        seen(d, WASM_FEATURE_TAIL_CALL);
        break;
    case WASM_OP_I32_ADD: case WASM_OP_I32_SUB: case WASM_OP_I32_MUL:
    case WASM_OP_I64_ADD: case WASM_OP_I64_SUB: case WASM_OP_I64_MUL:
        break;
    default:
        if (in->op >= WASM_OP_I8X16_RELAXED_SWIZZLE &&
            in->op <= WASM_OP_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S)
            seen(d, WASM_FEATURE_RELAXED_SIMD);
        break;
    }
    return true;
}

static bool rd_insn(dec *d, wasm_insn *in)
{
    d->rd.p = d->p;
    d->rd.end = d->end;
    bool ok = wasm_read_insn(&d->rd, in, d->err);
    d->p = d->rd.p;
    if (!ok && d->p >= d->end && d->end < d->mend && d->err)
        snprintf(d->err->msg, sizeof d->err->msg, "unexpected end of section or function");
    return ok;
}

static bool rd_constexpr(dec *d, wasm_constexpr *e)
{
    const uint8_t *start = d->p;
    wasm_insn in;
    for (;;) {
        TRY(rd_insn(d, &in));
        if (in.op == WASM_OP_END)
            break;
        switch (in.op) {
        case WASM_OP_I32_ADD: case WASM_OP_I32_SUB: case WASM_OP_I32_MUL:
        case WASM_OP_I64_ADD: case WASM_OP_I64_SUB: case WASM_OP_I64_MUL:
            seen(d, WASM_FEATURE_EXTENDED_CONST);
            break;
        default:
            TRY(note_insn(d, &in));
        }
    }
    e->code = start;
    e->len = (uint32_t)(d->p - start);
    e->offset = (uint32_t)(start - d->base);
    return true;
}

/* ---- sections --------------------------------------------------------------- */

static bool sec_type(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 3));
    m->types = xcalloc(n, sizeof *m->types);
    if (!m->types)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_functype *t = &m->types[i];
        m->ntypes = i + 1;
        uint8_t form = 0;
        const uint8_t *at = d->p;
        TRY(rd_byte(d, &form));
        if (form != 0x60)
            return fail_at(d, at, "integer representation too long");
        TRY(rd_valtypes(d, &t->nparams, &t->params));
        TRY(rd_valtypes(d, &t->nresults, &t->results));
    }
    return true;
}

static bool sec_import(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 3));
    m->imports = xcalloc(n, sizeof *m->imports);
    if (!m->imports)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &m->imports[i];
        m->nimports = i + 1;
        TRY(rd_name(d, &im->module, NULL));
        TRY(rd_name(d, &im->name, NULL));
        const uint8_t *at = d->p;
        TRY(rd_byte(d, &im->kind));
        switch (im->kind) {
        case WASM_EXTERN_FUNC:
            TRY(rd_u32(d, &im->desc.typeidx));
            TRY(push_func(d, im->desc.typeidx));
            m->nimported_funcs++;
            break;
        case WASM_EXTERN_TABLE:
            TRY(rd_tabletype(d, &im->desc.table));
            TRY(push_table(d, &im->desc.table));
            m->nimported_tables++;
            break;
        case WASM_EXTERN_MEMORY:
            TRY(rd_memtype(d, &im->desc.memory));
            TRY(push_memory(d, &im->desc.memory));
            m->nimported_memories++;
            break;
        case WASM_EXTERN_GLOBAL: {
            TRY(rd_globaltype(d, &im->desc.global));
            wasm_global *g = push_global(d);
            if (!g)
                return false;
            g->type = im->desc.global;
            m->nimported_globals++;
            break;
        }
        default:
            return fail_at(d, at, "malformed import kind");
        }
    }
    return true;
}

static bool sec_function(dec *d)
{
    uint32_t n;
    TRY(rd_count(d, &n, 1));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        TRY(rd_u32(d, &t));
        TRY(push_func(d, t));
    }
    return true;
}

static bool sec_table(dec *d)
{
    uint32_t n;
    TRY(rd_count(d, &n, 3));
    for (uint32_t i = 0; i < n; i++) {
        wasm_tabletype t;
        TRY(rd_tabletype(d, &t));
        TRY(push_table(d, &t));
    }
    return true;
}

static bool sec_memory(dec *d)
{
    uint32_t n;
    TRY(rd_count(d, &n, 2));
    for (uint32_t i = 0; i < n; i++) {
        wasm_memtype t;
        TRY(rd_memtype(d, &t));
        TRY(push_memory(d, &t));
    }
    return true;
}

static bool sec_global(dec *d)
{
    uint32_t n;
    TRY(rd_count(d, &n, 3));
    for (uint32_t i = 0; i < n; i++) {
        wasm_global *g = push_global(d);
        if (!g)
            return false;
        TRY(rd_globaltype(d, &g->type));
        TRY(rd_constexpr(d, &g->init));
    }
    return true;
}

static bool sec_export(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 3));
    m->exports = xcalloc(n, sizeof *m->exports);
    if (!m->exports)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *e = &m->exports[i];
        m->nexports = i + 1;
        TRY(rd_name(d, &e->name, &e->name_len));
        const uint8_t *at = d->p;
        TRY(rd_byte(d, &e->kind));
        if (e->kind > WASM_EXTERN_GLOBAL)
            return fail_at(d, at, "malformed export kind");
        TRY(rd_u32(d, &e->index));
    }
    return true;
}

static bool sec_start(dec *d)
{
    d->m->has_start = true;
    return rd_u32(d, &d->m->start);
}

static bool rd_funcidx_vec(dec *d, wasm_elem *e)
{
    TRY(rd_count(d, &e->count, 1));
    e->funcs = xcalloc(e->count, sizeof *e->funcs);
    if (!e->funcs)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < e->count; i++)
        TRY(rd_u32(d, &e->funcs[i]));
    return true;
}

static bool rd_expr_vec(dec *d, wasm_elem *e)
{
    uint32_t n;
    TRY(rd_count(d, &n, 2));
    e->exprs = xcalloc(n, sizeof *e->exprs);
    if (!e->exprs)
        return FAIL("out of memory");
    e->count = n;
    for (uint32_t i = 0; i < n; i++)
        TRY(rd_constexpr(d, &e->exprs[i]));
    return true;
}

static bool rd_elemkind(dec *d)
{
    const uint8_t *at = d->p;
    uint8_t k = 0;
    TRY(rd_byte(d, &k));
    if (k != 0)
        return fail_at(d, at, "malformed element kind");
    return true;
}

static bool sec_elem(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 1));
    m->elems = xcalloc(n, sizeof *m->elems);
    if (!m->elems)
        return FAIL("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_elem *e = &m->elems[i];
        m->nelems = i + 1;
        const uint8_t *at = d->p;
        uint32_t flags;
        TRY(rd_u32(d, &flags));
        if (flags > 7)
            return fail_at(d, at, "malformed elements segment kind");
        e->elemtype = WASM_FUNCREF;
        e->table = 0;
        if (flags & 1)
            e->mode = (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
        else
            e->mode = WASM_SEG_ACTIVE;
        if (e->mode == WASM_SEG_ACTIVE) {
            if (flags & 2)
                TRY(rd_u32(d, &e->table));
            TRY(rd_constexpr(d, &e->offset));
        }
        bool exprs = flags & 4;
        if (flags & 3) {    /* explicit elemkind / reftype */
            if (exprs)
                TRY(rd_reftype(d, &e->elemtype));
            else
                TRY(rd_elemkind(d));
        }
        TRY(exprs ? rd_expr_vec(d, e) : rd_funcidx_vec(d, e));
    }
    return true;
}

static bool sec_datacount(dec *d)
{
    d->m->has_datacount = true;
    return rd_u32(d, &d->m->datacount);
}

static bool rd_body(dec *d, wasm_code *c)
{
    uint32_t ndecl;
    uint64_t total = 0;
    TRY(rd_count(d, &ndecl, 2));
    c->local_decls = xcalloc(ndecl, sizeof *c->local_decls);
    if (!c->local_decls)
        return FAIL("out of memory");
    c->nlocal_decls = ndecl;
    for (uint32_t i = 0; i < ndecl; i++) {
        const uint8_t *at = d->p;
        TRY(rd_u32(d, &c->local_decls[i].count));
        total += c->local_decls[i].count;
        if (total > WASM_MAX_LOCALS)
            return fail_at(d, at, "too many locals");
        TRY(rd_valtype(d, &c->local_decls[i].type));
    }
    c->nlocals = (uint32_t)total;
    c->body = d->p;
    c->body_offset = (uint32_t)(d->p - d->base);

    /* Scan the instructions to find the final `end`. */
    uint32_t depth = 0;
    wasm_insn in;
    for (;;) {
        if (d->p >= d->end)
            return FAIL("END opcode expected");
        TRY(rd_insn(d, &in));
        TRY(note_insn(d, &in));
        if (in.op == WASM_OP_BLOCK || in.op == WASM_OP_LOOP || in.op == WASM_OP_IF) {
            depth++;
        } else if (in.op == WASM_OP_END) {
            if (depth == 0)
                break;
            depth--;
        }
    }
    c->end = d->p;
    return true;
}

static bool sec_code(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 2));
    if (n != m->nfuncs - m->nimported_funcs)
        return FAIL("function and code section have inconsistent lengths");
    m->codes = xcalloc(n, sizeof *m->codes);
    if (!m->codes)
        return FAIL("out of memory");
    d->have_code = true;
    const uint8_t *secend = d->end;
    for (uint32_t i = 0; i < n; i++) {
        wasm_code *c = &m->codes[i];
        m->ncodes = i + 1;
        c->code_offset = (uint32_t)(d->p - d->base);
        uint32_t size;
        TRY(rd_u32(d, &size));
        if (size > (size_t)(secend - d->p))
            return FAIL("unexpected end of section or function");
        d->end = d->p + size;
        bool ok = rd_body(d, c);
        if (ok && d->p != d->end)
            ok = FAIL("section size mismatch");
        d->end = secend;
        if (!ok)
            return false;
    }
    return true;
}

static bool sec_data(dec *d)
{
    wasm_module *m = d->m;
    uint32_t n;
    TRY(rd_count(d, &n, 1));
    if (m->has_datacount && n != m->datacount)
        return FAIL("data count and data section have inconsistent lengths");
    m->datas = xcalloc(n, sizeof *m->datas);
    if (!m->datas)
        return FAIL("out of memory");
    d->have_data = true;
    for (uint32_t i = 0; i < n; i++) {
        wasm_data *s = &m->datas[i];
        m->ndatas = i + 1;
        const uint8_t *at = d->p;
        uint32_t flags;
        TRY(rd_u32(d, &flags));
        if (flags > 2)
            return fail_at(d, at, "malformed data segment kind");
        s->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
        s->memory = 0;
        if (flags == 2)
            TRY(rd_u32(d, &s->memory));
        if (flags != 1)
            TRY(rd_constexpr(d, &s->offset));
        TRY(rd_u32(d, &s->len));
        if (s->len > (size_t)(d->end - d->p))
            return FAIL("unexpected end of section or function");
        s->bytes = d->p;
        d->p += s->len;
    }
    return true;
}

static bool sec_custom(dec *d)
{
    const uint8_t *name;
    uint32_t len;
    if (d->p >= d->end)
        return FAIL("unexpected end");
    TRY(rd_name_raw(d, &name, &len));
    if (len == 4 && memcmp(name, "name", 4) == 0 && !d->name_sec) {
        d->name_sec = d->p;
        d->name_end = d->end;
    }
    d->p = d->end;
    return true;
}

/* The "name" section is advisory: any problem just stops reading it. */
static void parse_names(dec *d)
{
    wasm_module *m = d->m;
    wasm_error scratch;
    wasm_error *saved = d->err;
    d->err = &scratch;
    d->p = d->name_sec;
    d->end = d->name_end;
    while (d->p < d->end) {
        uint8_t id = 0;
        uint32_t size;
        if (!rd_byte(d, &id) || !rd_u32(d, &size) || size > (size_t)(d->end - d->p))
            break;
        const uint8_t *subend = d->p + size;
        const uint8_t *secend = d->end;
        d->end = subend;
        if (id == 0 && !m->module_name) {
            if (!rd_name(d, &m->module_name, NULL))
                break;
        } else if (id == 1 && !m->func_names && m->nfuncs > 0) {
            uint32_t n;
            m->func_names = calloc(m->nfuncs, sizeof *m->func_names);
            if (!m->func_names || !rd_count(d, &n, 2))
                break;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t idx;
                char *s;
                if (!rd_u32(d, &idx) || !rd_name(d, &s, NULL))
                    break;
                if (idx < m->nfuncs) {
                    free(m->func_names[idx]);
                    m->func_names[idx] = s;
                } else {
                    free(s);
                }
            }
        }
        d->p = subend;
        d->end = secend;
    }
    d->err = saved;
}

/* Section ids in their required order (custom sections aside). */
static int section_rank(uint8_t id)
{
    static const int8_t rank[13] = {
        [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7,
        [8] = 8, [9] = 9, [12] = 10, [10] = 11, [11] = 12,
    };
    return id < 13 ? rank[id] : -1;
}

static bool decode_module(dec *d)
{
    wasm_module *m = d->m;
    static const uint8_t magic[4] = { 0x00, 'a', 's', 'm' };
    static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };
    size_t size = (size_t)(d->mend - d->base);

    if (size < 4 || memcmp(d->base, magic, 4) != 0)
        return FAIL("magic header not detected");
    if (size < 8)
        return fail_at(d, d->mend, "unexpected end");
    if (memcmp(d->base + 4, version, 4) != 0)
        return fail_at(d, d->base + 4, "unknown binary version");
    d->p = d->base + 8;

    int last = 0;
    while (d->p < d->mend) {
        const uint8_t *secstart = d->p;
        uint8_t id = *d->p++;
        uint32_t size32;
        d->end = d->mend;
        if (id > 12)
            return fail_at(d, secstart, "malformed section id");
        TRY(rd_u32(d, &size32));
        if (size32 > (size_t)(d->mend - d->p))
            return FAIL("length out of bounds");
        d->end = d->p + size32;
        if (id != 0) {
            int r = section_rank(id);
            if (r <= last)
                return fail_at(d, secstart, "unexpected content after last section");
            last = r;
        }
        bool ok = false;
        switch (id) {
        case 0: ok = sec_custom(d); break;
        case 1: ok = sec_type(d); break;
        case 2: ok = sec_import(d); break;
        case 3: ok = sec_function(d); break;
        case 4: ok = sec_table(d); break;
        case 5: ok = sec_memory(d); break;
        case 6: ok = sec_global(d); break;
        case 7: ok = sec_export(d); break;
        case 8: ok = sec_start(d); break;
        case 9: ok = sec_elem(d); break;
        case 10: ok = sec_code(d); break;
        case 11: ok = sec_data(d); break;
        case 12: ok = sec_datacount(d); break;
        }
        if (!ok)
            return false;
        if (d->p != d->end)
            return FAIL("section size mismatch");
    }
    d->end = d->mend;

    if (!d->have_code && m->nfuncs > m->nimported_funcs && !(d->flags & WASM_DECODE_NO_CODE))
        return FAIL("function and code section have inconsistent lengths");
    if (m->has_datacount && !d->have_data && m->datacount != 0)
        return FAIL("data count and data section have inconsistent lengths");
    if (d->name_sec)
        parse_names(d);
    return true;
}

wasm_module *wasm_decode(const uint8_t *bytes, size_t size, uint32_t features,
                         uint32_t flags, wasm_error *err)
{
    wasm_error dummy;
    dec d;
    memset(&d, 0, sizeof d);
    d.base = d.p = bytes;
    d.end = d.mend = bytes + size;
    d.err = err ? err : &dummy;
    d.features = features;
    d.flags = flags;
    d.m = calloc(1, sizeof *d.m);
    if (!d.m) {
        wasm_fail(err, 0, "out of memory");
        return NULL;
    }
    d.m->bytes = bytes;
    d.m->size = size;
    wasm_reader_init(&d.rd, bytes, bytes, bytes);
    d.rd.features = features;
    bool ok = decode_module(&d);
    wasm_reader_free(&d.rd);
    if (!ok) {
        wasm_module_free(d.m);
        return NULL;
    }
    return d.m;
}
