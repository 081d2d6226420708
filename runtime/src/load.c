/*
 * load.c — loading an artifact: check the file (trailer hash, ELF header,
 * metadata section, ABI version, CPU features) before any of its code is
 * mapped executable, then dlopen it, find the descriptor, decode the module
 * description and register the code range with the trap registry.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "internal.h"

/* ---- file checks ---- */

static const struct { uint64_t bit; const char *name; } cpu_names[] = {
    { WACC_CPU_SSE41, "sse4.1" }, { WACC_CPU_SSE42, "sse4.2" }, { WACC_CPU_POPCNT, "popcnt" },
    { WACC_CPU_AVX, "avx" }, { WACC_CPU_AVX2, "avx2" }, { WACC_CPU_BMI1, "bmi" },
    { WACC_CPU_BMI2, "bmi2" }, { WACC_CPU_LZCNT, "lzcnt" }, { WACC_CPU_FMA, "fma" },
    { WACC_CPU_AVX512F, "avx512f" }, { WACC_CPU_AVX512BW, "avx512bw" },
    { WACC_CPU_AVX512DQ, "avx512dq" }, { WACC_CPU_AVX512VL, "avx512vl" },
    { WACC_CPU_SSSE3, "ssse3" }, { WACC_CPU_F16C, "f16c" }, { WACC_CPU_MOVBE, "movbe" },
    { WACC_CPU_A64_LSE, "lse" }, { WACC_CPU_A64_RDM, "rdm" }, { WACC_CPU_A64_FP16, "fp16" },
    { WACC_CPU_A64_DOTPROD, "dotprod" }, { WACC_CPU_A64_SVE, "sve" },
};

/* The machine this runtime runs artifacts for: ELF e_machine and the
 * metadata's target triple prefix. */
#if defined(__x86_64__)
#define NATIVE_EM EM_X86_64
#define NATIVE_ARCH "x86_64"
#define NATIVE_NAME "x86-64"
#elif defined(__aarch64__)
#define NATIVE_EM EM_AARCH64
#define NATIVE_ARCH "aarch64"
#define NATIVE_NAME "aarch64"
#else
#error "load.c: unsupported host architecture"
#endif

static const char *machine_name(unsigned em)
{
    return em == EM_X86_64 ? "x86-64" : em == EM_AARCH64 ? "aarch64" : em == EM_RISCV ? "riscv64"
         : em == EM_386 ? "i386" : em == EM_ARM ? "arm" : "another machine";
}

#if defined(__x86_64__)
/* glibc keeps the CPUID bits it read at start-up (<sys/platform/x86.h>):
 * asking it costs nothing, whereas __builtin_cpu_supports links libgcc's
 * constructor, which runs CPUID a dozen times in every process that links
 * libwacc (each one a VM exit, ~17 us, in virtual machines). */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <sys/platform/x86.h>
/* CPU_FEATURE_ACTIVE, with an unsigned shift (glibc's shifts 1 << 31). */
static bool glibc_active(unsigned index)
{
    const unsigned bits = 8 * sizeof(unsigned);
    const struct cpuid_feature *f = __x86_get_cpuid_feature_leaf(index / (bits * 4));
    unsigned reg = index % (bits * 4);
    return f->active_array[reg / bits] >> (reg % bits) & 1u;
}
#define HAS(glibc, gcc) glibc_active(x86_cpu_##glibc)
#else
#define HAS(glibc, gcc) (__builtin_cpu_init(), __builtin_cpu_supports(gcc))
#endif

static bool host_has(uint64_t bit)
{
    switch (bit) {
    case WACC_CPU_SSE41: return HAS(SSE4_1, "sse4.1");
    case WACC_CPU_SSE42: return HAS(SSE4_2, "sse4.2");
    case WACC_CPU_POPCNT: return HAS(POPCNT, "popcnt");
    case WACC_CPU_AVX: return HAS(AVX, "avx");
    case WACC_CPU_AVX2: return HAS(AVX2, "avx2");
    case WACC_CPU_BMI1: return HAS(BMI1, "bmi");
    case WACC_CPU_BMI2: return HAS(BMI2, "bmi2");
    case WACC_CPU_LZCNT: return HAS(LZCNT, "lzcnt");
    case WACC_CPU_FMA: return HAS(FMA, "fma");
    case WACC_CPU_AVX512F: return HAS(AVX512F, "avx512f");
    case WACC_CPU_AVX512BW: return HAS(AVX512BW, "avx512bw");
    case WACC_CPU_AVX512DQ: return HAS(AVX512DQ, "avx512dq");
    case WACC_CPU_AVX512VL: return HAS(AVX512VL, "avx512vl");
    case WACC_CPU_SSSE3: return HAS(SSSE3, "ssse3");
    case WACC_CPU_F16C: return HAS(F16C, "f16c");
    case WACC_CPU_MOVBE: return HAS(MOVBE, "movbe");
    default: return false;
    }
}
#else
#include <sys/auxv.h>
static bool host_has(uint64_t bit)
{
    unsigned long hw = getauxval(AT_HWCAP);
    switch (bit) {
    case WACC_CPU_A64_LSE: return hw & HWCAP_ATOMICS;
    case WACC_CPU_A64_RDM: return hw & HWCAP_ASIMDRDM;
    case WACC_CPU_A64_FP16: return (hw & HWCAP_FPHP) && (hw & HWCAP_ASIMDHP);
    case WACC_CPU_A64_DOTPROD: return hw & HWCAP_ASIMDDP;
    case WACC_CPU_A64_SVE: return hw & HWCAP_SVE;
    default: return false;      /* x86-64 features */
    }
}
#endif

/* Locate the metadata section in the file image. Returns NULL + err. */
static const uint8_t *find_meta(const char *path, const uint8_t *p, size_t size,
                                uint64_t *meta_size, char err[WACC_ERR_LEN])
{
    if (size < sizeof(Elf64_Ehdr) || memcmp(p, ELFMAG, SELFMAG) != 0) {
        wacc__err(err, "%s: not an ELF file", path);
        return NULL;
    }
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != NATIVE_EM) {
        wacc__err(err, "%s: wrong architecture: the artifact is for %s, this runtime runs " NATIVE_NAME
                  " artifacts (compile with --target %s)", path,
                  eh.e_ident[EI_CLASS] != ELFCLASS64 ? "a 32-bit machine" : machine_name(eh.e_machine),
                  NATIVE_EM == EM_AARCH64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu");
        return NULL;
    }
    if (eh.e_type != ET_DYN) {
        wacc__err(err, "%s: not a shared object", path);
        return NULL;
    }
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shoff > size ||
        (size - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum || eh.e_shstrndx >= eh.e_shnum) {
        wacc__err(err, "%s: corrupt artifact (bad section header table)", path);
        return NULL;
    }
    Elf64_Shdr strs;
    memcpy(&strs, p + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof strs);
    if (strs.sh_offset > size || strs.sh_size > size - strs.sh_offset) {
        wacc__err(err, "%s: corrupt artifact (bad section name table)", path);
        return NULL;
    }
    const char *names = (const char *)p + strs.sh_offset;
    size_t want = sizeof WACC_META_SECTION;       /* includes the NUL */
    for (uint32_t i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, p + eh.e_shoff + (size_t)i * sizeof(Elf64_Shdr), sizeof sh);
        if (sh.sh_name >= strs.sh_size || strs.sh_size - sh.sh_name < want ||
            memcmp(names + sh.sh_name, WACC_META_SECTION, want) != 0)
            continue;
        if (sh.sh_type == SHT_NOBITS || sh.sh_offset > size || sh.sh_size > size - sh.sh_offset) {
            wacc__err(err, "%s: corrupt artifact (bad %s section)", path, WACC_META_SECTION);
            return NULL;
        }
        *meta_size = sh.sh_size;
        return p + sh.sh_offset;
    }
    wacc__err(err, "%s: not a wacc artifact (no %s section)", path, WACC_META_SECTION);
    return NULL;
}

/* Check the header and the blobs it points to. */
static bool check_meta(const char *path, const uint8_t *meta, uint64_t size, bool cpu,
                       char err[WACC_ERR_LEN])
{
    struct wacc_meta_header h;
    if (size < sizeof h) {
        wacc__err(err, "%s: corrupt artifact (metadata too small)", path);
        return false;
    }
    memcpy(&h, meta, sizeof h);
    if (memcmp(h.magic, WACC_META_MAGIC, 8) != 0) {
        wacc__err(err, "%s: not a wacc artifact (bad metadata magic)", path);
        return false;
    }
    if (h.abi_version != WACC_ABI_VERSION) {
        wacc__err(err, "%s: artifact ABI version %u, runtime supports %u", path, h.abi_version,
                  WACC_ABI_VERSION);
        return false;
    }
    if (h.header_size < sizeof h || h.header_size > size) {
        wacc__err(err, "%s: corrupt artifact (bad metadata header size)", path);
        return false;
    }
    if (h.artifact_kind != WACC_ARTIFACT_CORE_MODULE && h.artifact_kind != WACC_ARTIFACT_COMPONENT) {
        wacc__err(err, "%s: artifact kind %u is not supported by this runtime",
                  path, h.artifact_kind);
        return false;
    }
    const uint32_t blobs[3][2] = { { h.desc_offset, h.desc_size },
                                   { h.image_segs_offset, h.image_segs_size },
                                   { h.traps_offset, h.traps_size } };
    for (int i = 0; i < 3; i++) {
        if (blobs[i][0] > size || blobs[i][1] > size - blobs[i][0]) {
            wacc__err(err, "%s: corrupt artifact (metadata blob out of bounds)", path);
            return false;
        }
    }
    if (strncmp(h.target_triple, NATIVE_ARCH, strlen(NATIVE_ARCH)) != 0) {
        wacc__err(err, "%s: wrong architecture: compiled for %.*s, this runtime runs " NATIVE_NAME " artifacts",
                  path, (int)strnlen(h.target_triple, sizeof h.target_triple), h.target_triple);
        return false;
    }
    for (size_t i = 0; cpu && i < sizeof cpu_names / sizeof cpu_names[0]; i++) {
        if ((h.cpu_features & cpu_names[i].bit) && !host_has(cpu_names[i].bit)) {
            wacc__err(err, "%s: needs CPU feature %s which this machine lacks", path,
                      cpu_names[i].name);
            return false;
        }
    }
    return true;
}

/* The bytes of an artifact file while it is checked and loaded: read into
 * a buffer if it is small (no page-table set-up and tear-down), else mapped
 * and populated in one go. `meta` points at its metadata section. */
struct file_view {
    const uint8_t *p;
    size_t size;
    bool mapped;
    const uint8_t *meta;
};

#define READ_LIMIT (256u * 1024u)

static void view_release(struct file_view *v)
{
    if (v->mapped)
        munmap((void *)v->p, v->size);
    else
        free((void *)v->p);
    v->p = NULL;
}

static bool view_open(const char *path, int fd, size_t size, bool force_read,
                      struct file_view *v, char err[WACC_ERR_LEN])
{
    v->size = size;
    v->mapped = size > READ_LIMIT && !force_read;
    if (v->mapped) {
        v->p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (v->p != MAP_FAILED)
            return true;
        wacc__err(err, "%s: cannot map: %s", path, strerror(errno));
        return false;
    }
    uint8_t *buf = malloc(size);
    if (!buf) {
        wacc__err(err, "%s: out of memory", path);
        return false;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            wacc__err(err, "%s: cannot read: %s", path, n < 0 ? strerror(errno) : "file shrank");
            free(buf);
            return false;
        }
        got += (size_t)n;
    }
    v->p = buf;
    return true;
}

/* The checks on an artifact's bytes that need no code: trailer hash, ELF
 * header, metadata section, ABI version, CPU features. */
static bool check_bytes(const char *path, const uint8_t *p, size_t size, bool cpu,
                        const uint8_t **meta, uint64_t *meta_size, char err[WACC_ERR_LEN])
{
    struct wacc_trailer tr;
    if (size < sizeof tr) {
        wacc__err(err, "%s: not a wacc artifact (no trailer)", path);
        return false;
    }
    size_t body = size - sizeof tr;
    memcpy(&tr, p + body, sizeof tr);
    if (memcmp(tr.magic, WACC_TRAILER_MAGIC, 8) != 0) {
        wacc__err(err, "%s: not a wacc artifact (no trailer)", path);
        return false;
    }
    if (wacc__xxh3(p, body) != tr.hash) {
        wacc__err(err, "%s: corrupt artifact (checksum mismatch)", path);
        return false;
    }
    *meta = find_meta(path, p, body, meta_size, err);
    return *meta && check_meta(path, *meta, *meta_size, cpu, err);
}

bool wacc_artifact_check_bytes(const uint8_t *bytes, size_t size, bool this_cpu,
                               struct wacc_meta_header *hdr, char err[WACC_ERR_LEN])
{
    const uint8_t *meta;
    uint64_t meta_size;
    if (!check_bytes("artifact", bytes, size, this_cpu, &meta, &meta_size, err))
        return false;
    if (hdr != NULL)
        memcpy(hdr, meta, sizeof *hdr);
    return true;
}

/* A sealed in-memory file holding exactly `size` bytes at p: what the loader
 * maps when a verifier checked those bytes. Returns the fd or -1. */
static int sealed_copy(const char *path, const uint8_t *p, size_t size, char err[WACC_ERR_LEN])
{
    int fd = memfd_create("wacc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        wacc__err(err, "%s: memfd_create: %s", path, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            wacc__err(err, "%s: cannot copy the verified artifact: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        wacc__err(err, "%s: cannot seal the verified artifact: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Read the file and run every check that needs no code. On success *v holds
 * the file (release it with view_release), *fd_out the open file and
 * dl_path the name to dlopen: the path, or with a verifier the sealed copy
 * of the bytes it accepted (/proc/self/fd/N). */
static bool check_file(wacc_engine *e, const char *path, struct file_view *v, uint64_t *meta_size,
                       int *fd_out, char dl_path[64], char err[WACC_ERR_LEN])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        wacc__err(err, "%s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        wacc__err(err, "%s: not a regular file", path);
        close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    if (size < sizeof(struct wacc_trailer) && e->verify == NULL) {
        wacc__err(err, "%s: not a wacc artifact (no trailer)", path);
        close(fd);
        return false;
    }
    if (!view_open(path, fd, size, e->verify != NULL, v, err)) {
        close(fd);
        return false;
    }
    dl_path[0] = '\0';
    bool ok = (e->verify == NULL || e->verify(e->verify_ud, path, v->p, size, err)) &&
              check_bytes(path, v->p, size, true, &v->meta, meta_size, err);
    if (ok && e->verify != NULL) {
        int copy = sealed_copy(path, v->p, size, err);
        ok = copy >= 0;
        if (ok) {
            close(fd);
            fd = copy;
            snprintf(dl_path, 64, "/proc/self/fd/%d", fd);
        }
    }
    if (ok) {
        *fd_out = fd;       /* kept to map the memory image copy-on-write */
    } else {
        view_release(v);
        close(fd);
    }
    return ok;
}

/* ---- code range ---- */

struct phdr_query {
    uintptr_t base;
    uintptr_t start, end;       /* executable range */
    uintptr_t image;            /* in: address of the memory image */
    uint64_t image_size;
    int64_t image_off;          /* out: its file offset, or -1 */
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    struct phdr_query *q = ud;
    if (info->dlpi_addr != q->base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        if (q->image && q->image >= s && q->image - s + q->image_size <= ph->p_filesz &&
            !(ph->p_flags & PF_W))
            q->image_off = (int64_t)(ph->p_offset + (q->image - s));
        if (!(ph->p_flags & PF_X))
            continue;
        if (!q->start || s < q->start)
            q->start = s;
        if (e > q->end)
            q->end = e;
    }
    return 1;
}

static int cmp_addr(const void *a, const void *b)
{
    const struct wacc_func_addr *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

uint32_t wacc__artifact_func_at(const wacc_artifact *a, uintptr_t pc)
{
    uint32_t lo = 0, hi = a->nfunc_addrs;
    while (lo < hi) {       /* first entry with addr > pc */
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->func_addrs[mid].addr <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? a->func_addrs[lo - 1].index : UINT32_MAX;
}

/* ---- load ---- */

/* Index sanity of the decoded description (the decoder checks encodings,
 * the validator ran at compile time; this keeps a damaged description from
 * indexing out of bounds at instantiation). */
static bool check_desc(const wasm_module *m)
{
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == WASM_EXTERN_FUNC && m->imports[i].desc.typeidx >= m->ntypes)
            return false;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->func_types[i] >= m->ntypes)
            return false;
    static const int kinds = 4;
    const uint32_t counts[4] = { m->nfuncs, m->ntables, m->nmemories, m->nglobals };
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind >= kinds || m->exports[i].index >= counts[m->exports[i].kind])
            return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *el = &m->elems[i];
        if (el->mode == WASM_SEG_ACTIVE && el->table >= m->ntables)
            return false;
        if (el->count && !el->funcs && !el->exprs)
            return false;
    }
    for (uint32_t i = 0; i < m->ndatas; i++)
        if (m->datas[i].mode == WASM_SEG_ACTIVE && m->datas[i].memory >= m->nmemories)
            return false;
    return !m->has_start || m->start < m->nfuncs;
}

void wacc_artifact_free(wacc_artifact *a)
{
    if (!a)
        return;
    for (uint32_t i = 0; i < a->nmodules; i++)
        wacc_artifact_free(a->modules[i]);
    free(a->modules);
    wacc__component_def_free(a->comp);
    wacc__unregister_code(a);
    if (a->engine && a->type_ids)
        wacc__engine_drop_stubs(a->engine, a);
    wasm_module_free(a->mod);
    wasm_module_free(a->names);
    free(a->type_ids);
    free(a->func_addrs);
    if (a->dl)
        dlclose(a->dl);
    if (a->fd >= 0 && !a->parent)
        close(a->fd);
    free(a->path);
    free(a);
}

static bool setup_module(wacc_artifact *a, const struct wacc_descriptor *d, void *dl,
                         char err[WACC_ERR_LEN]);
static wacc_artifact *load_component(wacc_artifact *a, struct file_view *v, uint64_t meta_size,
                                     char err[WACC_ERR_LEN]);

static wacc_artifact *fail(wacc_artifact *a, struct file_view *v)
{
    if (v)
        view_release(v);
    wacc_artifact_free(a);
    return NULL;
}

wacc_artifact *wacc_artifact_load(wacc_engine *e, const char *path, char err[WACC_ERR_LEN])
{
    struct file_view view = { 0 };
    uint64_t meta_size = 0;
    int fd = -1;
    char dl_path[64];
    if (!check_file(e, path, &view, &meta_size, &fd, dl_path, err))
        return NULL;

    wacc_artifact *a = calloc(1, sizeof *a);
    if (!a || !(a->path = strdup(path))) {
        wacc__err(err, "%s: out of memory", path);
        free(a);
        view_release(&view);
        close(fd);
        return NULL;
    }
    a->fd = fd;
    a->image_off = -1;
    a->engine = e;
    a->dl = dlopen(dl_path[0] ? dl_path : path, RTLD_NOW | RTLD_LOCAL);
    if (!a->dl) {
        const char *why = dlerror();
        wacc__err(err, "%s: dlopen failed: %s", path, why ? why : "unknown error");
        return fail(a, &view);
    }
    if (((const struct wacc_meta_header *)view.meta)->artifact_kind == WACC_ARTIFACT_COMPONENT)
        return load_component(a, &view, meta_size, err);
    a->desc = dlsym(a->dl, WACC_DESCRIPTOR_SYMBOL);
    if (!a->desc) {
        wacc__err(err, "%s: not a wacc artifact (no %s symbol)", path, WACC_DESCRIPTOR_SYMBOL);
        return fail(a, &view);
    }
    const struct wacc_descriptor *d = a->desc;
    if (d->magic != WACC_DESCRIPTOR_MAGIC || d->abi_version != WACC_ABI_VERSION) {
        wacc__err(err, "%s: bad descriptor (magic 0x%08x, ABI version %u)", path, d->magic,
                  d->abi_version);
        return fail(a, &view);
    }
    /* dlopen returns an already loaded object with the same name: make sure
     * it is this very file. */
    if (!d->meta || d->meta_size != meta_size || memcmp(d->meta, view.meta, meta_size) != 0) {
        wacc__err(err, "%s: a different artifact with this path is already loaded", path);
        return fail(a, &view);
    }
    view_release(&view);
    if (!setup_module(a, d, a->dl, err))
        return fail(a, NULL);
    if (a->code_start && !wacc__register_code(a, a->code_start, a->code_end)) {
        wacc__err(err, "%s: too many artifacts loaded", path);
        return fail(a, NULL);
    }
    return a;
}

/* ---- function names ----
 *
 * Decoding the name section costs more than the rest of a description
 * together (a string per function), and names are only needed to describe
 * traps: leave a trailing "name" custom section out at load time. */

static bool rd_leb(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p == end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Size of the description without a trailing "name" section (or all of it). */
static size_t desc_without_names(const uint8_t *desc, size_t size)
{
    const uint8_t *p = desc + 8, *end = desc + size;
    if (size < 8)
        return size;
    while (p < end) {
        const uint8_t *start = p;
        uint8_t id = *p++;
        uint32_t len, nlen;
        if (!rd_leb(&p, end, &len) || len > (size_t)(end - p))
            return size;
        const uint8_t *next = p + len, *q = p;
        if (id == 0 && next == end && rd_leb(&q, next, &nlen) && nlen == 4 &&
            (size_t)(next - q) >= 4 && memcmp(q, "name", 4) == 0)
            return (size_t)(start - desc);
        p = next;
    }
    return size;
}

const char *wacc__func_name(const wacc_artifact *a, uint32_t fi)
{
    const wasm_module *m = a->mod;
    if (!m || fi >= m->nfuncs)
        return NULL;
    if (m->func_names || !a->desc_size)
        return m->func_names ? m->func_names[fi] : NULL;
    wasm_module **slot = &((wacc_artifact *)a)->names;
    wasm_module *n = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!n) {
        wasm_error werr;
        n = wasm_decode(a->desc_bytes, a->desc_size, ~0u, WASM_DECODE_NO_CODE, &werr);
        if (!n)
            return NULL;
        wasm_module *seen = NULL;
        if (!__atomic_compare_exchange_n(slot, &seen, n, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE)) {
            wasm_module_free(n);
            n = seen;
        }
    }
    return n->func_names && fi < n->nfuncs ? n->func_names[fi] : NULL;
}

/* The part of loading after the descriptor is found and checked: decode
 * the module description, canonical type ids, function addresses, memory
 * image offset, host stubs. The code range is registered by the caller. */
static bool setup_module(wacc_artifact *a, const struct wacc_descriptor *d, void *dl,
                         char err[WACC_ERR_LEN])
{
    const char *path = a->path;
    wacc_engine *e = a->engine;
    a->desc = d;
    a->meta = (const struct wacc_meta_header *)d->meta;
    const struct wacc_meta_header *h = a->meta;

    wasm_error werr;
    const uint8_t *desc = d->meta + h->desc_offset;
    size_t size = desc_without_names(desc, h->desc_size);
    if (size < h->desc_size) {
        a->desc_bytes = desc;
        a->desc_size = h->desc_size;
    }
    a->mod = wasm_decode(desc, size, ~0u, WASM_DECODE_NO_CODE, &werr);
    if (!a->mod) {
        wacc__err(err, "%s: bad module description at offset %zu: %s", path, werr.offset,
                  werr.msg);
        return false;
    }
    const wasm_module *m = a->mod;
    uint32_t ndefined = m->nfuncs - m->nimported_funcs;
    if (!check_desc(m) || d->num_types != m->ntypes || d->num_defined_funcs != ndefined) {
        wacc__err(err, "%s: descriptor does not match the module description", path);
        return false;
    }
    a->image_segs = d->meta + h->image_segs_offset;
    a->image_segs_size = h->image_segs_size;

    a->type_ids = wacc__calloc(m->ntypes, sizeof *a->type_ids);
    a->func_addrs = wacc__calloc(ndefined, sizeof *a->func_addrs);
    if (!a->type_ids || !a->func_addrs) {
        wacc__err(err, "%s: out of memory", path);
        return false;
    }
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const wasm_functype *t = &m->types[i];
        a->type_ids[i] = wacc__sig_id(e, t->nparams, t->params, t->nresults, t->results);
        if (a->type_ids[i] == UINT32_MAX) {
            wacc__err(err, "%s: out of memory", path);
            return false;
        }
    }
    for (uint32_t i = 0; i < ndefined; i++)
        a->func_addrs[i] = (struct wacc_func_addr){ (uintptr_t)d->funcs[i], m->nimported_funcs + i };
    a->nfunc_addrs = ndefined;
    bool sorted = true;         /* usual: functions are emitted in index order */
    for (uint32_t i = 1; i < ndefined && sorted; i++)
        sorted = a->func_addrs[i - 1].addr <= a->func_addrs[i].addr;
    if (!sorted)
        qsort(a->func_addrs, ndefined, sizeof *a->func_addrs, cmp_addr);

    struct link_map *lm = NULL;
    if (dlinfo(dl, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
        wacc__err(err, "%s: cannot find the loaded object", path);
        return false;
    }
    struct phdr_query q = { (uintptr_t)lm->l_addr, 0, 0, (uintptr_t)d->memory_image,
                            d->memory_image_size, -1 };
    dl_iterate_phdr(phdr_cb, &q);
    if (d->memory_image && q.image_off >= 0 && q.image_off % 4096 == 0 &&
        (uintptr_t)d->memory_image % 4096 == 0 && d->memory_image_size % 4096 == 0) {
        a->image_off = q.image_off;
        pthread_mutex_lock(&e->lock);
        a->image_id = ++e->last_image_id;       /* lets pooled memories keep the mapping */
        pthread_mutex_unlock(&e->lock);
    }
    if (!q.start && ndefined) {
        wacc__err(err, "%s: no executable segment", path);
        return false;
    }
    wacc__engine_add_stubs(e, a);
    a->code_start = q.start;
    a->code_end = q.end;
    return true;
}

/* ---- components ---- */

/* Narrow code ranges (one per module, from its lowest function to the
 * next module's lowest) go first so traps name the right function; the
 * whole executable range, under the component artifact, catches the rest. */
static bool register_component_code(wacc_artifact *a)
{
    for (uint32_t k = 0; k < a->nmodules; k++) {
        wacc_artifact *m = a->modules[k];
        if (!m->nfunc_addrs)
            continue;
        uintptr_t lo = m->func_addrs[0].addr, hi = a->code_end;
        for (uint32_t j = 0; j < a->nmodules; j++) {
            wacc_artifact *o = a->modules[j];
            if (j != k && o->nfunc_addrs && o->func_addrs[0].addr > lo && o->func_addrs[0].addr < hi)
                hi = o->func_addrs[0].addr;
        }
        if (!wacc__register_code(m, lo, hi))
            return false;
    }
    return !a->code_start || wacc__register_code(a, a->code_start, a->code_end);
}

static wacc_artifact *load_component(wacc_artifact *a, struct file_view *v, uint64_t meta_size,
                                     char err[WACC_ERR_LEN])
{
    const char *path = a->path;
    const struct wacc_component_descriptor *cd = dlsym(a->dl, WACC_COMPONENT_DESCRIPTOR_SYMBOL);
    if (!cd) {
        wacc__err(err, "%s: not a wacc component artifact (no %s symbol)", path,
                  WACC_COMPONENT_DESCRIPTOR_SYMBOL);
        return fail(a, v);
    }
    if (cd->magic != WACC_DESCRIPTOR_MAGIC || cd->abi_version != WACC_ABI_VERSION) {
        wacc__err(err, "%s: bad component descriptor (magic 0x%08x, ABI version %u)", path,
                  cd->magic, cd->abi_version);
        return fail(a, v);
    }
    if (!cd->meta || cd->meta_size != meta_size || memcmp(cd->meta, v->meta, meta_size) != 0) {
        wacc__err(err, "%s: a different artifact with this path is already loaded", path);
        return fail(a, v);
    }
    view_release(v);
    a->meta = (const struct wacc_meta_header *)cd->meta;
    a->cdesc = cd;
    a->modules = wacc__calloc(cd->num_modules, sizeof *a->modules);
    if (!a->modules || (cd->num_modules && !cd->modules)) {
        wacc__err(err, "%s: out of memory", path);
        return fail(a, NULL);
    }
    for (uint32_t k = 0; k < cd->num_modules; k++) {
        const struct wacc_descriptor *d = cd->modules[k];
        wacc_artifact *m = calloc(1, sizeof *m);
        if (!m || !(m->path = strdup(path))) {
            free(m);
            wacc__err(err, "%s: out of memory", path);
            return fail(a, NULL);
        }
        m->engine = a->engine;
        m->fd = a->fd;
        m->image_off = -1;
        m->parent = a;
        a->modules[a->nmodules++] = m;
        if (!d || d->magic != WACC_DESCRIPTOR_MAGIC || d->abi_version != WACC_ABI_VERSION ||
            !d->meta || d->meta_size < sizeof(struct wacc_meta_header)) {
            wacc__err(err, "%s: bad descriptor of core module %u", path, k);
            return fail(a, NULL);
        }
        if (!setup_module(m, d, a->dl, err))
            return fail(a, NULL);
        if (m->code_start && (!a->code_start || m->code_start < a->code_start))
            a->code_start = m->code_start;
        if (m->code_end > a->code_end)
            a->code_end = m->code_end;
    }
    const struct wacc_meta_header *h = a->meta;
    if (h->desc_offset > cd->meta_size || h->desc_size > cd->meta_size - h->desc_offset) {
        wacc__err(err, "%s: corrupt artifact (component description out of bounds)", path);
        return fail(a, NULL);
    }
    if (!wacc__component_def_load(a, cd->meta + h->desc_offset, h->desc_size, err))
        return fail(a, NULL);
    if (!register_component_code(a)) {
        wacc__err(err, "%s: too many artifacts loaded", path);
        return fail(a, NULL);
    }
    return a;
}

bool wacc_artifact_is_component(const wacc_artifact *a)
{
    return a->meta && a->meta->artifact_kind == WACC_ARTIFACT_COMPONENT;
}

/* ---- accessors ---- */

const struct wacc_meta_header *wacc_artifact_meta(const wacc_artifact *a)
{
    return a->meta;
}

uint32_t wacc_artifact_num_imports(const wacc_artifact *a)
{
    return a->mod ? a->mod->nimports : 0;
}

void wacc_artifact_import(const wacc_artifact *a, uint32_t i, const char **module,
                          const char **name, wacc_extern_kind *kind)
{
    const wasm_import *im = &a->mod->imports[i];
    if (module)
        *module = im->module;
    if (name)
        *name = im->name;
    if (kind)
        *kind = (wacc_extern_kind)im->kind;
}

uint32_t wacc_artifact_num_exports(const wacc_artifact *a)
{
    return a->mod ? a->mod->nexports : 0;
}

void wacc_artifact_export(const wacc_artifact *a, uint32_t i, const char **name,
                          wacc_extern_kind *kind)
{
    const wasm_export *ex = &a->mod->exports[i];
    if (name)
        *name = ex->name;
    if (kind)
        *kind = (wacc_extern_kind)ex->kind;
}

static void functype_out(const wasm_functype *t, wacc_functype *out)
{
    out->nparams = t->nparams;
    out->nresults = t->nresults;
    out->params = t->params;
    out->results = t->results;
}

bool wacc_artifact_export_functype(const wacc_artifact *a, uint32_t i, wacc_functype *out)
{
    const wasm_module *m = a->mod;
    if (!m || i >= m->nexports || m->exports[i].kind != WASM_EXTERN_FUNC ||
        m->exports[i].index >= m->nfuncs)
        return false;
    functype_out(&m->types[m->func_types[m->exports[i].index]], out);
    return true;
}

bool wacc_artifact_import_functype(const wacc_artifact *a, uint32_t i, wacc_functype *out)
{
    const wasm_module *m = a->mod;
    if (!m || i >= m->nimports || m->imports[i].kind != WASM_EXTERN_FUNC)
        return false;
    functype_out(&m->types[m->imports[i].desc.typeidx], out);
    return true;
}
