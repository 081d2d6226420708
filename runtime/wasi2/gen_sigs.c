/*
 * gen_sigs.c — build-time generator: reads the WASI 0.2 WIT packages the
 * runtime implements (wit/wasi-0.2) and writes a C table of every function
 * ("wasi:io/streams#[method]output-stream.write" -> canonical signature)
 * and every resource type, so that the host's link-time checks are derived
 * from the WIT, not from a hand-written copy of it.
 *
 *   gen_sigs WIT_DIR OUT.c
 *
 * The signature text is the one w2_sig_of (sig.c) prints for a component
 * function type; both follow the grammar in w2_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wit.h"

static const char *const pkgs[] = { "io", "clocks", "random", "filesystem", "sockets", "cli",
                                     "http", "../wasi-otel" };

typedef struct buf {
    char *s;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->n + l + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) {
            fprintf(stderr, "gen_sigs: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

static void type(buf *b, const wit_type *t);

static void def(buf *b, wit_typedef *d)
{
    d = wit_typedef_real(d);
    switch (d->kind) {
    case WIT_D_ALIAS:
        type(b, d->alias);
        return;
    case WIT_D_RESOURCE:
        put(b, "own<");
        put(b, d->name);
        put(b, ">");
        return;
    case WIT_D_RECORD:
        put(b, "record{");
        break;
    case WIT_D_VARIANT:
        put(b, "variant{");
        break;
    case WIT_D_ENUM:
        put(b, "enum{");
        break;
    case WIT_D_FLAGS:
        put(b, "flags{");
        break;
    default:
        put(b, "?");
        return;
    }
    for (uint32_t i = 0; i < d->nfields; i++) {
        if (i)
            put(b, ",");
        put(b, d->fields[i].name);
        if (d->kind == WIT_D_RECORD) {
            put(b, ":");
            type(b, d->fields[i].type);
        } else if (d->kind == WIT_D_VARIANT && d->fields[i].type) {
            put(b, "(");
            type(b, d->fields[i].type);
            put(b, ")");
        }
    }
    put(b, "}");
}

static void handle(buf *b, const char *kw, const wit_type *t)
{
    put(b, kw);
    put(b, "<");
    put(b, t->def ? wit_typedef_real(t->def)->name : t->name);
    put(b, ">");
}

static void type(buf *b, const wit_type *t)
{
    static const char *const prims[] = { [WIT_T_BOOL] = "bool", [WIT_T_S8] = "s8", [WIT_T_U8] = "u8",
        [WIT_T_S16] = "s16", [WIT_T_U16] = "u16", [WIT_T_S32] = "s32", [WIT_T_U32] = "u32",
        [WIT_T_S64] = "s64", [WIT_T_U64] = "u64", [WIT_T_F32] = "f32", [WIT_T_F64] = "f64",
        [WIT_T_CHAR] = "char", [WIT_T_STRING] = "string" };
    char num[32];
    if (!t) {
        put(b, "_");
        return;
    }
    switch (t->kind) {
    case WIT_T_LIST:
        put(b, "list<");
        type(b, t->a);
        put(b, ">");
        break;
    case WIT_T_FIXED_LIST:
        put(b, "list<");
        type(b, t->a);
        snprintf(num, sizeof num, ",%u>", t->len);
        put(b, num);
        break;
    case WIT_T_TUPLE:
        put(b, "tuple<");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i)
                put(b, ",");
            type(b, t->elems[i]);
        }
        put(b, ">");
        break;
    case WIT_T_OPTION:
        put(b, "option<");
        type(b, t->a);
        put(b, ">");
        break;
    case WIT_T_RESULT:
        put(b, "result<");
        type(b, t->a);
        put(b, ",");
        type(b, t->b);
        put(b, ">");
        break;
    case WIT_T_NAMED:
        def(b, t->def);
        break;
    case WIT_T_OWN:
        handle(b, "own", t);
        break;
    case WIT_T_BORROW:
        handle(b, "borrow", t);
        break;
    default:
        put(b, t->kind < sizeof prims / sizeof prims[0] && prims[t->kind] ? prims[t->kind] : "?");
    }
}

typedef struct entry {
    char *name, *sig;
} entry;

typedef struct list {
    entry *a;
    size_t n, cap;
} list;

static void add(list *l, char *name, char *sig)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->a = realloc(l->a, l->cap * sizeof *l->a);
        if (!l->a) {
            fprintf(stderr, "gen_sigs: out of memory\n");
            exit(1);
        }
    }
    l->a[l->n].name = name;
    l->a[l->n++].sig = sig;
}

static char *dupf(const char *a, const char *b, const char *c, const char *d)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
    char *s = malloc(n);
    if (!s)
        exit(1);
    snprintf(s, n, "%s%s%s%s", a, b, c, d);
    return s;
}

static void func(list *l, const char *iface, const wit_func *f, const wit_typedef *res)
{
    buf b = { 0 };
    put(&b, "(");
    uint32_t k = 0;
    if (f->kind == WIT_F_METHOD) {
        put(&b, "self:borrow<");
        put(&b, res->name);
        put(&b, ">");
        k++;
    }
    for (uint32_t i = 0; i < f->nparams; i++, k++) {
        if (k)
            put(&b, ",");
        put(&b, f->params[i].name);
        put(&b, ":");
        type(&b, f->params[i].type);
    }
    put(&b, ")");
    if (f->kind == WIT_F_CONSTRUCTOR) {
        put(&b, "->own<");
        put(&b, res->name);
        put(&b, ">");
    } else if (f->result) {
        put(&b, "->");
        type(&b, f->result);
    }
    char *name;
    switch (f->kind) {
    case WIT_F_METHOD: name = dupf("[method]", res->name, ".", f->name); break;
    case WIT_F_STATIC: name = dupf("[static]", res->name, ".", f->name); break;
    case WIT_F_CONSTRUCTOR: name = dupf("[constructor]", res->name, "", ""); break;
    default: name = dupf(f->name, "", "", ""); break;
    }
    char *full = dupf(iface, "#", name, "");
    free(name);
    add(l, full, b.s);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static void emit(FILE *o, const char *var, list *l)
{
    qsort(l->a, l->n, sizeof *l->a, cmp);
    fprintf(o, "const w2_sig %s[] = {\n", var);
    for (size_t i = 0; i < l->n; i++) {
        fprintf(o, "    { \"%s\", \"%s\" },\n", l->a[i].name, l->a[i].sig);
        free(l->a[i].name);
        free(l->a[i].sig);
    }
    fprintf(o, "};\nconst uint32_t %s_count = %zu;\n\n", var, l->n);
    free(l->a);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_sigs WIT_DIR OUT.c\n");
        return 2;
    }
    wit_resolve *r = wit_resolve_new();
    wit_package *p[sizeof pkgs / sizeof pkgs[0]];
    for (size_t i = 0; i < sizeof pkgs / sizeof pkgs[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], pkgs[i]);
        if (!wit_load_path(r, path, &p[i])) {
            fprintf(stderr, "gen_sigs: %s\n", wit_error(r));
            return 1;
        }
    }
    if (!wit_resolve_all(r)) {
        fprintf(stderr, "gen_sigs: %s\n", wit_error(r));
        return 1;
    }
    list funcs = { 0 }, res = { 0 };
    for (size_t i = 0; i < sizeof pkgs / sizeof pkgs[0]; i++) {
        for (uint32_t j = 0; j < p[i]->ninterfaces; j++) {
            const wit_interface *in = p[i]->interfaces[j];
            char *iface = dupf(p[i]->ns, ":", p[i]->name, "/");
            char *id = dupf(iface, in->name, "", "");
            free(iface);
            for (uint32_t k = 0; k < in->nfuncs; k++)
                func(&funcs, id, in->funcs[k], NULL);
            for (uint32_t k = 0; k < in->ntypes; k++) {
                const wit_typedef *d = in->types[k];
                if (d->kind != WIT_D_RESOURCE)
                    continue;
                add(&res, dupf(id, "#", d->name, ""), dupf(d->name, "", "", ""));
                for (uint32_t m = 0; m < d->nfuncs; m++)
                    func(&funcs, id, d->funcs[m], d);
            }
            free(id);
        }
    }
    FILE *o = fopen(argv[2], "w");
    if (!o) {
        perror(argv[2]);
        return 1;
    }
    fprintf(o, "/* generated by runtime/wasi2/gen_sigs.c from wit/wasi-0.2: do not edit */\n");
    fprintf(o, "#include \"w2_int.h\"\n\n");
    emit(o, "w2_sigs", &funcs);
    emit(o, "w2_resources", &res);
    fclose(o);
    wit_resolve_free(r);
    return 0;
}
