/*
 * inspect_component.c — `wacc inspect` of a component artifact: the
 * component's imports and exports in a WIT-like notation, decoded from the
 * component description in the metadata (compfmt). Types that are not
 * defined in the root component itself are shown by kind only.
 *
 * Kept apart from cmd_inspect.c: component.h and wacc.h both name a
 * wacc_valtype.
 */
#include <stdio.h>
#include <string.h>

#include "component.h"

int drv_inspect_component(const uint8_t *bytes, size_t size);

static void print_valtype(const wacc_component *c, wacc_valtype vt, int depth);

static const char *prim_name(uint8_t p)
{
    switch (p) {
    case WACC_PT_BOOL: return "bool";
    case WACC_PT_S8: return "s8";
    case WACC_PT_U8: return "u8";
    case WACC_PT_S16: return "s16";
    case WACC_PT_U16: return "u16";
    case WACC_PT_S32: return "s32";
    case WACC_PT_U32: return "u32";
    case WACC_PT_S64: return "s64";
    case WACC_PT_U64: return "u64";
    case WACC_PT_F32: return "f32";
    case WACC_PT_F64: return "f64";
    case WACC_PT_CHAR: return "char";
    case WACC_PT_STRING: return "string";
    case WACC_PT_ERROR_CONTEXT: return "error-context";
    default: return "?";
    }
}

/* The deftype at type index idx if the root defines it, else NULL. */
static const wacc_deftype *deftype(const wacc_component *c, uint32_t idx, const char **name)
{
    *name = NULL;
    while (idx < c->spaces[WACC_SORT_TYPE].count) {
        const wacc_space_entry *e = &c->spaces[WACC_SORT_TYPE].entries[idx];
        if (e->def == WACC_DEF_TYPE)
            return c->types[e->index];
        if (e->def == WACC_DEF_EXPORT && !*name) {
            *name = c->exports[e->index].name.str;
            idx = c->exports[e->index].item.idx;
            continue;
        }
        if (e->def == WACC_DEF_IMPORT && !*name)
            *name = c->imports[e->index].name.str;
        return NULL;
    }
    return NULL;
}

static void print_fields(const wacc_component *c, const wacc_deftype *dt, bool types, int depth)
{
    for (uint32_t i = 0; i < dt->nfields; i++) {
        printf("%s%s", i ? ", " : "", dt->fields[i].label ? dt->fields[i].label : "");
        if (types && dt->fields[i].has_type) {
            printf(dt->kind == WACC_DT_VARIANT ? "(" : ": ");
            print_valtype(c, dt->fields[i].type, depth + 1);
            if (dt->kind == WACC_DT_VARIANT)
                putchar(')');
        }
    }
}

static void print_deftype(const wacc_component *c, const wacc_deftype *dt, int depth)
{
    if (depth > 8) {
        printf("...");
        return;
    }
    switch (dt->kind) {
    case WACC_DT_PRIM: printf("%s", prim_name(dt->prim)); break;
    case WACC_DT_RECORD: printf("record { "); print_fields(c, dt, true, depth); printf(" }"); break;
    case WACC_DT_VARIANT: printf("variant { "); print_fields(c, dt, true, depth); printf(" }"); break;
    case WACC_DT_FLAGS: printf("flags { "); print_fields(c, dt, false, depth); printf(" }"); break;
    case WACC_DT_ENUM: printf("enum { "); print_fields(c, dt, false, depth); printf(" }"); break;
    case WACC_DT_LIST: printf("list<"); print_valtype(c, dt->t, depth + 1); putchar('>'); break;
    case WACC_DT_FIXED_LIST:
        printf("list<");
        print_valtype(c, dt->t, depth + 1);
        printf(", %u>", dt->len);
        break;
    case WACC_DT_OPTION: printf("option<"); print_valtype(c, dt->t, depth + 1); putchar('>'); break;
    case WACC_DT_TUPLE:
        printf("tuple<");
        for (uint32_t i = 0; i < dt->nfields; i++) {
            printf("%s", i ? ", " : "");
            print_valtype(c, dt->fields[i].type, depth + 1);
        }
        putchar('>');
        break;
    case WACC_DT_RESULT:
        if (!dt->has_t && !dt->has_u) {
            printf("result");
            break;
        }
        printf("result<");
        if (dt->has_t)
            print_valtype(c, dt->t, depth + 1);
        else
            putchar('_');
        if (dt->has_u) {
            printf(", ");
            print_valtype(c, dt->u, depth + 1);
        }
        putchar('>');
        break;
    case WACC_DT_OWN:
    case WACC_DT_BORROW: {
        const char *n;
        deftype(c, dt->t.idx, &n);
        if (dt->kind == WACC_DT_OWN)
            printf("%s", n ? n : "own<resource>");
        else
            printf("borrow<%s>", n ? n : "resource");
        break;
    }
    case WACC_DT_FUNC:
        printf("%sfunc(", dt->async ? "async " : "");
        for (uint32_t i = 0; i < dt->nfields; i++) {
            printf("%s%s: ", i ? ", " : "", dt->fields[i].label ? dt->fields[i].label : "");
            print_valtype(c, dt->fields[i].type, depth + 1);
        }
        putchar(')');
        if (dt->has_t) {
            printf(" -> ");
            print_valtype(c, dt->t, depth + 1);
        }
        break;
    case WACC_DT_RESOURCE: printf("resource"); break;
    case WACC_DT_INSTANCE: {
        printf("instance {");
        for (uint32_t i = 0; i < dt->ndecls; i++)
            if (dt->decls[i].kind == WACC_DECL_EXPORT)
                printf(" %s: %s;", dt->decls[i].name.str,
                       dt->decls[i].ext.kind == WACC_ET_FUNC ? "func"
                       : dt->decls[i].ext.kind == WACC_ET_TYPE ? "type"
                       : dt->decls[i].ext.kind == WACC_ET_INSTANCE ? "instance" : "item");
        printf(" }");
        break;
    }
    case WACC_DT_COMPONENT: printf("component"); break;
    case WACC_DT_STREAM:
    case WACC_DT_FUTURE:
        printf("%s", dt->kind == WACC_DT_STREAM ? "stream" : "future");
        if (dt->has_t) {
            putchar('<');
            print_valtype(c, dt->t, depth + 1);
            putchar('>');
        }
        break;
    default: printf("type"); break;
    }
}

static void print_valtype(const wacc_component *c, wacc_valtype vt, int depth)
{
    if (vt.prim) {
        printf("%s", prim_name(vt.prim));
        return;
    }
    const char *name;
    const wacc_deftype *dt = deftype(c, vt.idx, &name);
    if (name)
        printf("%s", name);
    else if (dt)
        print_deftype(c, dt, depth);
    else
        printf("type#%u", vt.idx);
}

static void print_typeidx(const wacc_component *c, uint32_t idx)
{
    const char *name;
    const wacc_deftype *dt = deftype(c, idx, &name);
    if (dt)
        print_deftype(c, dt, 0);
    else
        printf("%s", name ? name : "type");
}

/* Type index of function `idx` of the root, or UINT32_MAX. */
static uint32_t func_type(const wacc_component *c, uint32_t idx)
{
    for (int guard = 0; guard < 64 && idx < c->spaces[WACC_SORT_FUNC].count; guard++) {
        const wacc_space_entry *e = &c->spaces[WACC_SORT_FUNC].entries[idx];
        if (e->def == WACC_DEF_CANON && c->canons[e->index].op == WACC_CANON_LIFT)
            return c->canons[e->index].type;
        if (e->def == WACC_DEF_IMPORT)
            return c->imports[e->index].type.idx;
        if (e->def != WACC_DEF_EXPORT)
            break;
        idx = c->exports[e->index].item.idx;
    }
    return UINT32_MAX;
}

static uint32_t count_modules(const wacc_component *c)
{
    uint32_t n = c->ncore_modules;
    for (uint32_t i = 0; i < c->ncomponents; i++)
        n += count_modules(c->components[i]);
    return n;
}

int drv_inspect_component(const uint8_t *bytes, size_t size)
{
    wasm_error we;
    memset(&we, 0, sizeof we);
    wacc_component *c = wacc_component_decode(bytes, size, &we);
    if (!c) {
        fprintf(stderr, "wacc: component description: offset 0x%zx: %s\n", we.offset, we.msg);
        return 1;
    }
    printf("core modules: %u (nested components flattened)\n", count_modules(c));
    printf("component description: %zu bytes (the input component, core module code left out)\n", size);
    printf("world {\n");
    for (uint32_t i = 0; i < c->nimports; i++) {
        const wacc_import *im = &c->imports[i];
        printf("  import %s: ", im->name.str);
        switch (im->type.kind) {
        case WACC_ET_FUNC:
        case WACC_ET_INSTANCE:
        case WACC_ET_COMPONENT:
            print_typeidx(c, im->type.idx);
            break;
        case WACC_ET_TYPE: printf(im->type.sub_resource ? "resource" : "type"); break;
        case WACC_ET_MODULE: printf("core module"); break;
        default: printf("value"); break;
        }
        printf(";\n");
    }
    for (uint32_t i = 0; i < c->nexports; i++) {
        const wacc_export *ex = &c->exports[i];
        printf("  export %s: ", ex->name.str);
        switch (ex->item.sort) {
        case WACC_SORT_FUNC: {
            uint32_t t = ex->has_type && ex->type.kind == WACC_ET_FUNC ? ex->type.idx
                                                                      : func_type(c, ex->item.idx);
            if (t == UINT32_MAX)
                printf("func");
            else
                print_typeidx(c, t);
            break;
        }
        case WACC_SORT_TYPE: print_typeidx(c, ex->item.idx); break;
        default: printf("%s", wacc_sort_name(ex->item.sort)); break;
        }
        printf(";\n");
    }
    printf("}\n");
    wacc_component_free(c);
    return 0;
}
