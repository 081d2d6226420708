/*
 * util.c — the resolve's arena, string buffers, errors, lookups.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct wit_chunk {
    wit_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define CHUNK_SIZE (64 * 1024)

static void *arena_alloc(wit_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    wit_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = malloc(sizeof *c + cap);
        if (c == NULL)
            return NULL;
        c->used = 0;
        c->cap = cap;
        if (a->head != NULL && size > CHUNK_SIZE) {
            /* a big block: keep the current chunk as the head */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void wit_arena_fini(wit_arena *a)
{
    wit_chunk *c = a->head;
    while (c != NULL) {
        wit_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

wit_resolve *wit_resolve_new(void)
{
    wit_resolve *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->arena = calloc(1, sizeof(wit_arena));
    if (r->arena == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void wit_resolve_free(wit_resolve *r)
{
    if (r == NULL)
        return;
    wit_arena_fini(r->arena);
    free(r->arena);
    free(r);
}

const char *wit_error(const wit_resolve *r)
{
    return r->err[0] ? r->err : "unknown error";
}

void *wit_alloc(wit_resolve *r, size_t size)
{
    void *p = arena_alloc(r->arena, size);
    if (p == NULL)
        snprintf(r->err, sizeof r->err, "out of memory");
    return p;
}

char *wit_strndup(wit_resolve *r, const char *s, size_t n)
{
    char *p = wit_alloc(r, n + 1);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

char *wit_strdup(wit_resolve *r, const char *s)
{
    return s == NULL ? NULL : wit_strndup(r, s, strlen(s));
}

bool wit_push(wit_resolve *r, void *arr, uint32_t *n, void *p)
{
    void ***a = arr;
    uint32_t cnt = *n;
    /* capacity: the smallest power of two >= cnt, at least 4 */
    if (cnt == 0 || (cnt >= 4 && (cnt & (cnt - 1)) == 0)) {
        uint32_t cap = cnt == 0 ? 4 : cnt * 2;
        void **na = wit_alloc(r, cap * sizeof *na);
        if (na == NULL)
            return false;
        if (cnt > 0)
            memcpy(na, *a, cnt * sizeof *na);
        *a = na;
    }
    (*a)[cnt] = p;
    *n = cnt + 1;
    return true;
}

void wit_set_error(wit_resolve *r, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (file != NULL)
        snprintf(r->err, sizeof r->err, "%s:%u:%u: %s", file, line, col, msg);
    else
        snprintf(r->err, sizeof r->err, "%s", msg);
}

void wit_set_error_at(wit_resolve *r, wit_pos pos, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wit_set_error(r, pos.file, pos.line, pos.col, "%s", msg);
}

/* ---- string buffer ---- */

void wit_buf_add(wit_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (ns == NULL) {
            b->failed = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void wit_buf_puts(wit_buf *b, const char *s)
{
    wit_buf_add(b, s, strlen(s));
}

void wit_buf_printf(wit_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        wit_buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    wit_buf_add(b, big, (size_t)n);
    free(big);
}

char *wit_buf_take(wit_buf *b)
{
    char *s = b->failed ? NULL : b->s;
    if (s == NULL && !b->failed)
        s = calloc(1, 1);
    if (b->failed)
        free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return s;
}

void wit_buf_free(wit_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* ---- names ---- */

static const char *const keywords[] = {
    "as", "async", "bool", "borrow", "char", "constructor", "enum", "export",
    "f32", "f64", "flags", "from", "func", "future", "import", "include",
    "interface", "list", "map", "option", "own", "package", "record",
    "resource", "result", "s16", "s32", "s64", "s8", "static", "stream",
    "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant",
    "with", "world", "error-context", "float32", "float64",
};

bool wit_is_keyword(const char *s)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(s, keywords[i]) == 0)
            return true;
    return false;
}

static const char *const prim_names[] = {
    [WIT_T_BOOL] = "bool", [WIT_T_S8] = "s8", [WIT_T_U8] = "u8",
    [WIT_T_S16] = "s16", [WIT_T_U16] = "u16", [WIT_T_S32] = "s32",
    [WIT_T_U32] = "u32", [WIT_T_S64] = "s64", [WIT_T_U64] = "u64",
    [WIT_T_F32] = "f32", [WIT_T_F64] = "f64", [WIT_T_CHAR] = "char",
    [WIT_T_STRING] = "string", [WIT_T_ERROR_CONTEXT] = "error-context",
};

bool wit_is_prim_kind(int kind)
{
    return kind >= WIT_T_BOOL && kind <= WIT_T_ERROR_CONTEXT;
}

const char *wit_prim_name(int kind)
{
    return wit_is_prim_kind(kind) ? prim_names[kind] : NULL;
}

/* ---- lookups ---- */

static bool streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

wit_package *wit_find_package(const wit_resolve *r, const char *ns, const char *name,
                              const char *version)
{
    wit_package *found = NULL;
    for (uint32_t i = 0; i < r->npackages; i++) {
        wit_package *p = r->packages[i];
        if (!streq(p->ns, ns) || !streq(p->name, name))
            continue;
        if (version != NULL) {
            if (streq(p->version, version))
                return p;
            continue;
        }
        if (found != NULL)
            return NULL;        /* ambiguous without a version */
        found = p;
    }
    return found;
}

wit_package *wit_add_package(wit_resolve *r, const char *ns, const char *name,
                             const char *version)
{
    wit_package *p = wit_find_package(r, ns, name, version);
    if (p != NULL && streq(p->version, version))
        return p;
    p = wit_alloc(r, sizeof *p);
    if (p == NULL)
        return NULL;
    p->ns = wit_strdup(r, ns);
    p->name = wit_strdup(r, name);
    p->version = wit_strdup(r, version);
    if (!wit_push(r, &r->packages, &r->npackages, p))
        return NULL;
    return p;
}

wit_interface *wit_find_interface(const wit_package *p, const char *name)
{
    for (uint32_t i = 0; i < p->ninterfaces; i++)
        if (streq(p->interfaces[i]->name, name))
            return p->interfaces[i];
    return NULL;
}

wit_world *wit_find_world(const wit_package *p, const char *name)
{
    for (uint32_t i = 0; i < p->nworlds; i++)
        if (streq(p->worlds[i]->name, name))
            return p->worlds[i];
    return NULL;
}

wit_typedef *wit_find_type(const wit_interface *i, const char *name)
{
    for (uint32_t k = 0; k < i->ntypes; k++)
        if (streq(i->types[k]->name, name))
            return i->types[k];
    return NULL;
}

wit_typedef *wit_typedef_real(wit_typedef *d)
{
    for (int guard = 0; d != NULL && d->kind == WIT_D_USE && guard < 1000; guard++)
        d = d->target;
    return d;
}

char *wit_interface_id(const wit_interface *i)
{
    wit_buf b = {0};
    if (i->inline_in != NULL || i->pkg == NULL) {
        wit_buf_puts(&b, i->name);
    } else {
        wit_buf_printf(&b, "%s:%s/%s", i->pkg->ns, i->pkg->name, i->name);
        if (i->pkg->version != NULL)
            wit_buf_printf(&b, "@%s", i->pkg->version);
    }
    return wit_buf_take(&b);
}

wit_typedef *wit_typedef_resource(wit_typedef *d)
{
    for (int depth = 0; d != NULL && depth < 100; depth++) {
        d = wit_typedef_real(d);
        if (d->kind == WIT_D_RESOURCE)
            return d;
        if (d->kind != WIT_D_ALIAS || d->alias == NULL || d->alias->kind != WIT_T_NAMED)
            return NULL;
        d = d->alias->def;
    }
    return NULL;
}
