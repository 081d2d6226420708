/*
 * cmd_inspect.c — `wacc inspect FILE.so`: print an artifact's metadata.
 *
 * Reads the file itself (no dlopen), so it works for artifacts built for
 * another CPU: checks the trailer checksum, finds the WACC_META_SECTION with
 * libelf and decodes the module description stored in it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>
#include <libelf.h>
#include <xxhash.h>

#include "driver.h"

static const char *const cpu_bits[] = {
    "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "lzcnt", "fma",
    "avx512f", "avx512bw", "avx512dq", "avx512vl", "ssse3", "f16c", "movbe",
};

static void print_functype(const wasm_module *m, uint32_t typeidx)
{
    if (typeidx >= m->ntypes) {
        printf("<bad type %u>", typeidx);
        return;
    }
    const wasm_functype *t = &m->types[typeidx];
    putchar('(');
    for (uint32_t i = 0; i < t->nparams; i++)
        printf("%s%s", i ? ", " : "", wasm_valtype_name(t->params[i]));
    printf(") -> (");
    for (uint32_t i = 0; i < t->nresults; i++)
        printf("%s%s", i ? ", " : "", wasm_valtype_name(t->results[i]));
    putchar(')');
}

static void print_limits(const wasm_limits *l)
{
    printf("min %" PRIu64, l->min);
    if (l->has_max)
        printf(" max %" PRIu64, l->max);
}

static void print_extern(const wasm_module *m, uint8_t kind, uint32_t index)
{
    switch (kind) {
    case WASM_EXTERN_FUNC:
        printf("func ");
        if (index < m->nfuncs)
            print_functype(m, m->func_types[index]);
        break;
    case WASM_EXTERN_TABLE:
        printf("table");
        if (index < m->ntables) {
            printf(" %s ", wasm_valtype_name(m->tables[index].elemtype));
            print_limits(&m->tables[index].limits);
        }
        break;
    case WASM_EXTERN_MEMORY:
        printf("memory");
        if (index < m->nmemories) {
            printf(" ");
            print_limits(&m->memories[index].limits);
            printf(" pages");
        }
        break;
    case WASM_EXTERN_GLOBAL:
        printf("global");
        if (index < m->nglobals)
            printf(" %s%s", m->globals[index].type.is_mutable ? "mut " : "",
                   wasm_valtype_name(m->globals[index].type.valtype));
        break;
    default:
        printf("<kind %u>", kind);
    }
}

static void print_module(const wasm_module *m)
{
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    printf("imports: %u\n", m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *im = &m->imports[i];
        uint32_t idx = 0;
        switch (im->kind) {
        case WASM_EXTERN_FUNC: idx = nf++; break;
        case WASM_EXTERN_TABLE: idx = nt++; break;
        case WASM_EXTERN_MEMORY: idx = nm++; break;
        default: idx = ng++; break;
        }
        printf("  %s.%s: ", im->module, im->name);
        print_extern(m, im->kind, idx);
        putchar('\n');
    }
    printf("exports: %u\n", m->nexports);
    for (uint32_t i = 0; i < m->nexports; i++) {
        printf("  \"%s\": ", m->exports[i].name);
        print_extern(m, m->exports[i].kind, m->exports[i].index);
        putchar('\n');
    }
    printf("functions: %u (%u imported)\n", m->nfuncs, m->nimported_funcs);
    printf("memories: %u\n", m->nmemories);
    for (uint32_t i = 0; i < m->nmemories; i++) {
        printf("  %u: ", i);
        print_limits(&m->memories[i].limits);
        printf(" pages%s\n", i < m->nimported_memories ? " (imported)" : "");
    }
    printf("tables: %u\n", m->ntables);
    for (uint32_t i = 0; i < m->ntables; i++) {
        printf("  %u: %s ", i, wasm_valtype_name(m->tables[i].elemtype));
        print_limits(&m->tables[i].limits);
        printf("%s\n", i < m->nimported_tables ? " (imported)" : "");
    }
    printf("globals: %u (%u imported)\n", m->nglobals, m->nimported_globals);
    printf("data segments: %u, element segments: %u\n", m->ndatas, m->nelems);
    if (m->has_start)
        printf("start function: %u\n", m->start);
}

/* Locate the metadata section. Returns a pointer into `bytes` or NULL. */
static const uint8_t *find_meta(uint8_t *bytes, size_t size, size_t *meta_size)
{
    const uint8_t *res = NULL;
    Elf *elf = elf_memory((char *)bytes, size);
    size_t shstrndx;
    if (elf == NULL)
        return NULL;
    if (elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &shstrndx) == 0) {
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (gelf_getshdr(scn, &sh) == NULL)
                continue;
            const char *nm = elf_strptr(elf, shstrndx, sh.sh_name);
            if (nm == NULL || strcmp(nm, WACC_META_SECTION) != 0 || sh.sh_type == SHT_NOBITS)
                continue;
            if (sh.sh_offset <= size && sh.sh_size <= size - sh.sh_offset) {
                res = bytes + sh.sh_offset;
                *meta_size = sh.sh_size;
            }
            break;
        }
    }
    elf_end(elf);
    return res;
}

int cmd_inspect(int argc, char **argv)
{
    char err[512];
    if (argc != 1 || argv[0][0] == '-') {
        drv_error(NULL, "usage: wacc inspect FILE.so");
        return 2;
    }
    const char *file = argv[0];
    size_t size;
    uint8_t *bytes = drv_read_file(file, &size, err);
    if (bytes == NULL) {
        drv_error(file, "%s", err);
        return 1;
    }
    int status = 1;
    struct wacc_trailer tr;
    if (size < 4 || memcmp(bytes, "\177ELF", 4) != 0) {
        drv_error(file, "not an ELF file");
        goto out;
    }
    if (size < sizeof tr + 64) {
        drv_error(file, "not a wacc artifact (too small)");
        goto out;
    }
    memcpy(&tr, bytes + size - sizeof tr, sizeof tr);
    if (memcmp(tr.magic, WACC_TRAILER_MAGIC, 8) != 0) {
        drv_error(file, "not a wacc artifact (no wacc trailer)");
        goto out;
    }
    uint64_t h = XXH3_64bits(bytes, size - sizeof tr);
    if (h != tr.hash) {
        drv_error(file, "checksum mismatch (file is corrupt): stored %016" PRIx64
                  ", computed %016" PRIx64, tr.hash, h);
        goto out;
    }
    elf_version(EV_CURRENT);
    size_t msize = 0;
    const uint8_t *meta = find_meta(bytes, size, &msize);
    struct wacc_meta_header hd;
    if (meta == NULL || msize < sizeof hd) {
        drv_error(file, "no %s section", WACC_META_SECTION);
        goto out;
    }
    memcpy(&hd, meta, sizeof hd);
    if (memcmp(hd.magic, WACC_META_MAGIC, 8) != 0) {
        drv_error(file, "bad metadata magic");
        goto out;
    }
    hd.compiler_version[sizeof hd.compiler_version - 1] = '\0';
    hd.target_triple[sizeof hd.target_triple - 1] = '\0';
    hd.cpu_name[sizeof hd.cpu_name - 1] = '\0';

    printf("file: %s (%zu bytes)\n", file, size);
    printf("abi version: %u%s\n", hd.abi_version,
           hd.abi_version == WACC_ABI_VERSION ? "" : " (not supported by this runtime)");
    printf("kind: %s\n", hd.artifact_kind == WACC_ARTIFACT_CORE_MODULE ? "core module" :
           hd.artifact_kind == WACC_ARTIFACT_COMPONENT ? "component" : "unknown");
    printf("compiler version: wacc %s\n", hd.compiler_version);
    printf("target triple: %s\n", hd.target_triple);
    printf("cpu baseline: %s\n", hd.cpu_name);
    printf("cpu features: 0x%" PRIx64, hd.cpu_features);
    for (unsigned i = 0; i < sizeof cpu_bits / sizeof cpu_bits[0]; i++)
        if (hd.cpu_features & (1ull << i))
            printf(" %s", cpu_bits[i]);
    putchar('\n');
    printf("opt level: %u\n", hd.opt_level);
    printf("interrupt checks: %s\n", hd.flags & WACC_META_NO_INTERRUPT_CHECKS ? "no" : "yes");
    printf("bounds checks: %s\n", hd.flags & WACC_META_BOUNDS_CHECKS ? "explicit (--bounds-checks)" : "guard pages");
    printf("input hash: %016" PRIx64 "\n", hd.input_hash);
    printf("options hash: %016" PRIx64 "\n", hd.options_hash);
    printf("file checksum: OK (%016" PRIx64 ")\n", h);
    if (hd.traps_size > 0)
        printf("trap table: %u bytes\n", hd.traps_size);

    if (hd.desc_size == 0 || hd.desc_offset > msize || hd.desc_size > msize - hd.desc_offset) {
        drv_error(file, "module description missing or out of range");
        goto out;
    }
    if (hd.artifact_kind == WACC_ARTIFACT_COMPONENT) {
        status = drv_inspect_component(meta + hd.desc_offset, hd.desc_size);
        goto out;
    }
    wasm_error we;
    memset(&we, 0, sizeof we);
    wasm_module *m = wasm_decode(meta + hd.desc_offset, hd.desc_size, ~0u,
                                 WASM_DECODE_NO_CODE, &we);
    if (m == NULL) {
        drv_error(file, "module description: offset 0x%zx: %s", we.offset, we.msg);
        goto out;
    }
    print_module(m);
    wasm_module_free(m);
    status = 0;
out:
    fflush(stdout);
    free(bytes);
    return status;
}
