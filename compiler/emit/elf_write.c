/*
 * elf_write.c — wacc's own static linker: relocatable x86-64 or aarch64 ELF
 * objects (as LLVM emits them, PIC) → one ET_DYN shared object, read and
 * written with libelf. No linker process. (aarch64 relocations: elf_a64.c)
 *
 * Output layout (file offset == virtual address for everything in a file):
 *
 *   R   segment  ELF header, program headers, .hash .dynsym .dynstr
 *                .rela.dyn, read-only input sections (.rodata, .eh_frame,
 *                .wacc_meta, .wacc_image, ...)
 *   RX  segment  .text                                   (page aligned)
 *   RW  segment  .data.rel.ro .got .dynamic   [GNU_RELRO, padded to a page]
 *                .data ... .bss                          (page aligned)
 *   non-alloc    .symtab .strtab .shstrtab, section headers, wacc_trailer
 *
 * Input sections with the same (normalised) name and class are concatenated
 * into one output section. Every relocation is resolved here; absolute
 * pointers become R_X86_64_RELATIVE (R_AARCH64_RELATIVE) dynamic relocations. The only dynamic
 * symbols are the object's default-visibility globals.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "compiler.h"
#include "emit_internal.h"
#include "wacc/abi.h"

#define PAGE 4096u
#define MAX_ALIGN (2u << 20)            /* 2 MiB */
#define MAX_OUTPUT (1ull << 31)         /* everything must be in rel32 reach */

enum { C_RO, C_TEXT, C_RELRO, C_DATA, C_BSS, C__COUNT };

/* An output section. Synthetic ones have in_count == 0. */
typedef struct outsec {
    const char *name;
    int cls;
    uint32_t type;
    uint64_t flags, align, size, addr, entsize;
    uint32_t link, info;                /* filled for synthetic sections */
    size_t shndx;                       /* index in the output section table */
} outsec;

typedef struct insec {
    int out;                            /* index into outsecs, -1 = not loaded */
    uint64_t off;                       /* offset inside the output section */
    uint64_t addr;
    GElf_Shdr sh;
    const char *name;
    const uint8_t *bytes;               /* raw contents (NULL for NOBITS) */
} insec;

enum { S_NONE, S_SEC, S_ABS, S_COMMON, S_NOALLOC, S_UNDEF, S_GOTSYM };

typedef struct insym {
    GElf_Sym sym;
    const char *name;
    uint32_t shndx;                     /* resolved input section index */
    int kind;                           /* S_* */
    int32_t got;                        /* GOT slot or -1 */
    insec *sec;                         /* defining section (S_SEC, S_NOALLOC) */
    struct insym *def;                  /* S_UNDEF: the definition in another object */
    uint64_t addr;
} insym;

/* One input object. */
typedef struct inobj {
    Elf *in;
    size_t nsec, shstrndx;
    insec *secs;
    size_t symtab;                      /* index of SHT_SYMTAB, 0 = none */
    Elf_Data *xndx;                     /* SHT_SYMTAB_SHNDX data, may be NULL */
    insym *syms;
    size_t nsyms;
} inobj;

typedef struct dynrel {
    uint64_t off, addend;
} dynrel;

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

typedef struct linker {
    char *err;
    unsigned machine;                   /* EM_X86_64 or EM_AARCH64 (all objects alike) */
    inobj *objs;
    size_t nobjs;

    outsec *outs;
    size_t nouts, capouts;
    int o_hash, o_dynsym, o_dynstr, o_rela, o_got, o_dynamic, o_bss;
    int o_ehframe, o_ehhdr;             /* .eh_frame and its search table */
    size_t nfdes;

    insym **exports;
    size_t nexports, capexports;
    size_t ngot;
    bool need_got;
    dynrel *rels;
    size_t nrels, caprels;
    size_t ndyn;

    uint64_t rw_start, relro_end, file_end, mem_end, text_start, text_end, ro_end;
    uint64_t max_align[3];              /* per segment R, RX, RW */
    uint8_t *img;
} linker;

static bool fail(linker *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->err, 512, fmt, ap);
    va_end(ap);
    return false;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool sb_add(strbuf *b, const char *s, size_t *off)
{
    size_t n = strlen(s) + 1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    if (off)
        *off = b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

static bool starts(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

/* ".text.foo" → ".text" etc.; custom names are kept. */
static const char *normalise(const char *name)
{
    static const char *const pfx[] = {".text", ".rodata", ".data.rel.ro", ".data", ".bss"};
    for (size_t i = 0; i < sizeof pfx / sizeof pfx[0]; i++) {
        size_t n = strlen(pfx[i]);
        if (!strncmp(name, pfx[i], n) && (name[n] == 0 || name[n] == '.'))
            return pfx[i];
    }
    return name;
}

static int add_out(linker *L, const char *name, int cls, uint32_t type, uint64_t flags, uint64_t align)
{
    if (L->nouts == L->capouts) {
        size_t cap = L->capouts ? L->capouts * 2 : 32;
        outsec *p = realloc(L->outs, cap * sizeof *p);
        if (!p)
            return -1;
        L->outs = p;
        L->capouts = cap;
    }
    outsec *o = &L->outs[L->nouts];
    memset(o, 0, sizeof *o);
    o->name = name;
    o->cls = cls;
    o->type = type;
    o->flags = flags;
    o->align = align ? align : 1;
    return (int)L->nouts++;
}

static int find_out(linker *L, const char *name, int cls)
{
    for (size_t i = 0; i < L->nouts; i++)
        if (L->outs[i].cls == cls && !strcmp(L->outs[i].name, name))
            return (int)i;
    return -1;
}

/* Place `size` bytes with `align` at the end of output section `o`. */
static uint64_t out_reserve(outsec *o, uint64_t size, uint64_t align)
{
    if (align > o->align)
        o->align = align;
    uint64_t off = align_up(o->size, align);
    o->size = off + size;
    return off;
}

static bool add_dynrel(linker *L, uint64_t off, uint64_t addend)
{
    if (L->nrels == L->caprels)
        return fail(L, "internal: dynamic relocation count mismatch");
    L->rels[L->nrels].off = off;
    L->rels[L->nrels].addend = addend;
    L->nrels++;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Input                                                                     */

static bool open_input(linker *L, inobj *ob, const uint8_t *obj, size_t size)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return fail(L, "libelf initialisation failed");
    if (size < sizeof(Elf64_Ehdr))
        return fail(L, "object file truncated (%zu bytes)", size);
    ob->in = elf_memory((char *)obj, size);
    if (!ob->in || elf_kind(ob->in) != ELF_K_ELF)
        return fail(L, "not an ELF object: %s", elf_errmsg(-1));
    GElf_Ehdr eh;
    if (!gelf_getehdr(ob->in, &eh))
        return fail(L, "bad ELF header: %s", elf_errmsg(-1));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(L, "object is not ELF64 little-endian");
    if (eh.e_type != ET_REL)
        return fail(L, "object is not relocatable (e_type %u)", (unsigned)eh.e_type);
    if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64)
        return fail(L, "object is neither x86-64 nor aarch64 (e_machine %u)", (unsigned)eh.e_machine);
    if (L->machine && L->machine != eh.e_machine)
        return fail(L, "objects for different machines (e_machine %u and %u)", L->machine,
                    (unsigned)eh.e_machine);
    L->machine = eh.e_machine;
    if (elf_getshdrnum(ob->in, &ob->nsec) || elf_getshdrstrndx(ob->in, &ob->shstrndx))
        return fail(L, "bad section table: %s", elf_errmsg(-1));
    if (ob->nsec == 0 || ob->shstrndx >= ob->nsec)
        return fail(L, "object has no section name table");
    ob->secs = calloc(ob->nsec, sizeof *ob->secs);
    if (!ob->secs)
        return fail(L, "out of memory");
    return true;
}

static int classify(const GElf_Shdr *sh)
{
    if (sh->sh_flags & SHF_EXECINSTR)
        return C_TEXT;
    if (!(sh->sh_flags & SHF_WRITE))
        return C_RO;
    return -1;  /* decided by the caller (needs the name) */
}

static bool scan_sections(linker *L, inobj *ob)
{
    for (size_t i = 1; i < ob->nsec; i++) {
        insec *s = &ob->secs[i];
        s->out = -1;
        Elf_Scn *scn = elf_getscn(ob->in, i);
        if (!scn || !gelf_getshdr(scn, &s->sh))
            return fail(L, "section %zu: bad header: %s", i, elf_errmsg(-1));
        s->name = elf_strptr(ob->in, ob->shstrndx, s->sh.sh_name);
        if (!s->name)
            return fail(L, "section %zu: bad name offset", i);
        if (s->sh.sh_type == SHT_SYMTAB) {
            if (ob->symtab)
                return fail(L, "object has more than one symbol table");
            ob->symtab = i;
        } else if (s->sh.sh_type == SHT_SYMTAB_SHNDX) {
            ob->xndx = elf_getdata(scn, NULL);
        }
        if (!(s->sh.sh_flags & SHF_ALLOC))
            continue;
        if (s->sh.sh_flags & SHF_TLS)
            return fail(L, "section %s: thread-local storage is not supported", s->name);
        if (s->sh.sh_type == SHT_INIT_ARRAY || s->sh.sh_type == SHT_FINI_ARRAY ||
            s->sh.sh_type == SHT_PREINIT_ARRAY)
            return fail(L, "section %s: constructors/destructors are not supported", s->name);
        if (s->sh.sh_type == SHT_GROUP || s->sh.sh_type == SHT_RELA || s->sh.sh_type == SHT_REL)
            return fail(L, "section %s: unexpected allocated section of type %u", s->name, (unsigned)s->sh.sh_type);
        uint64_t align = s->sh.sh_addralign ? s->sh.sh_addralign : 1;
        if (align & (align - 1))
            return fail(L, "section %s: alignment %llu is not a power of two", s->name, (unsigned long long)align);
        if (align > MAX_ALIGN)
            return fail(L, "section %s: alignment %llu too large", s->name, (unsigned long long)align);
        if (s->sh.sh_size >= MAX_OUTPUT)
            return fail(L, "section %s: too large", s->name);
        bool nobits = s->sh.sh_type == SHT_NOBITS;
        int cls = classify(&s->sh);
        if (cls < 0) {
            if (nobits)
                cls = C_BSS;
            else if (starts(s->name, ".data.rel.ro") || !strcmp(s->name, ".got"))
                cls = C_RELRO;
            else
                cls = C_DATA;
        }
        if (cls == C_TEXT && (s->sh.sh_flags & SHF_WRITE))
            return fail(L, "section %s: writable and executable", s->name);
        if (!nobits) {
            Elf_Data *d = elf_rawdata(scn, NULL);
            if (!d || d->d_size != s->sh.sh_size || (s->sh.sh_size && !d->d_buf))
                return fail(L, "section %s: contents out of range: %s", s->name, elf_errmsg(-1));
            s->bytes = d->d_buf;
        }
        const char *oname = normalise(s->name);
        int o = find_out(L, oname, cls);
        if (o < 0) {
            uint32_t type = cls == C_BSS ? SHT_NOBITS : nobits ? SHT_PROGBITS : s->sh.sh_type;
            uint64_t fl = SHF_ALLOC | (s->sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR));
            o = add_out(L, oname, cls, type, fl, align);
            if (o < 0)
                return fail(L, "out of memory");
        } else if (L->outs[o].type != SHT_NOBITS && L->outs[o].type != s->sh.sh_type && !nobits) {
            L->outs[o].type = SHT_PROGBITS;
        }
        s->out = o;
        s->off = out_reserve(&L->outs[o], s->sh.sh_size, align);
        if (L->outs[o].size >= MAX_OUTPUT)
            return fail(L, "section %s: output too large", oname);
    }
    if (!ob->symtab)
        return fail(L, "object has no symbol table");
    return true;
}

/* After every object's sections: count the FDEs of .eh_frame for
 * .eh_frame_hdr and add the zero terminator. */
static void finish_sections(linker *L)
{
    L->o_ehframe = find_out(L, ".eh_frame", C_RO);
    if (L->o_ehframe < 0)
        return;
    for (size_t k = 0; k < L->nobjs; k++) {
        inobj *ob = &L->objs[k];
        for (size_t i = 1; i < ob->nsec && L->nfdes != EHF_UNSUPPORTED; i++) {
            if (ob->secs[i].out != L->o_ehframe)
                continue;
            size_t n = ob->secs[i].bytes ? ehf_count(ob->secs[i].bytes, ob->secs[i].sh.sh_size) : 0;
            L->nfdes = n == EHF_UNSUPPORTED ? n : L->nfdes + n;
        }
    }
    out_reserve(&L->outs[L->o_ehframe], 4, 4);
}

static bool add_export(linker *L, insym *y)
{
    if (L->nexports == L->capexports) {
        size_t cap = L->capexports ? L->capexports * 2 : 64;
        insym **p = realloc(L->exports, cap * sizeof *p);
        if (!p)
            return fail(L, "out of memory");
        L->exports = p;
        L->capexports = cap;
    }
    L->exports[L->nexports++] = y;
    return true;
}

static bool read_symbols(linker *L, inobj *ob)
{
    insec *st = &ob->secs[ob->symtab];
    if (st->sh.sh_entsize != sizeof(Elf64_Sym))
        return fail(L, "symbol table has entry size %llu", (unsigned long long)st->sh.sh_entsize);
    if (st->sh.sh_link >= ob->nsec)
        return fail(L, "symbol table has a bad string table link");
    Elf_Data *d = elf_getdata(elf_getscn(ob->in, ob->symtab), NULL);
    if (!d)
        return fail(L, "cannot read symbol table: %s", elf_errmsg(-1));
    ob->nsyms = d->d_size / sizeof(Elf64_Sym);
    ob->syms = calloc(ob->nsyms ? ob->nsyms : 1, sizeof *ob->syms);
    if (!ob->syms)
        return fail(L, "out of memory");
    for (size_t i = 0; i < ob->nsyms; i++) {
        insym *y = &ob->syms[i];
        Elf32_Word xi = 0;
        y->got = -1;
        if (!gelf_getsymshndx(d, ob->xndx, (int)i, &y->sym, &xi))
            return fail(L, "symbol %zu: unreadable: %s", i, elf_errmsg(-1));
        if (i == 0)
            continue;
        y->name = elf_strptr(ob->in, st->sh.sh_link, y->sym.st_name);
        if (!y->name)
            return fail(L, "symbol %zu: bad name offset", i);
        int type = GELF_ST_TYPE(y->sym.st_info);
        if (type == STT_TLS)
            return fail(L, "symbol %s: thread-local storage is not supported", y->name);
        if (type == STT_GNU_IFUNC)
            return fail(L, "symbol %s: ifunc is not supported", y->name);
        uint32_t sh = y->sym.st_shndx == SHN_XINDEX ? xi : y->sym.st_shndx;
        y->shndx = sh;
        if (sh == SHN_UNDEF) {
            if (!strcmp(y->name, "_GLOBAL_OFFSET_TABLE_")) {
                y->kind = S_GOTSYM;
                L->need_got = true;
                continue;
            }
            if (!*y->name || GELF_ST_BIND(y->sym.st_info) == STB_LOCAL)
                return fail(L, "undefined symbol %s", *y->name ? y->name : "(unnamed)");
            y->kind = S_UNDEF;              /* resolve_symbols finds it */
            continue;
        } else if (sh == SHN_ABS) {
            y->kind = S_ABS;
            y->addr = y->sym.st_value;
        } else if (sh == SHN_COMMON) {
            uint64_t al = y->sym.st_value ? y->sym.st_value : 1;
            if ((al & (al - 1)) || al > MAX_ALIGN || y->sym.st_size >= MAX_OUTPUT)
                return fail(L, "common symbol %s: bad alignment or size", y->name);
            if (L->o_bss < 0) {
                L->o_bss = find_out(L, ".bss", C_BSS);
                if (L->o_bss < 0)
                    L->o_bss = add_out(L, ".bss", C_BSS, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, al);
                if (L->o_bss < 0)
                    return fail(L, "out of memory");
            }
            y->kind = S_COMMON;
            y->addr = out_reserve(&L->outs[L->o_bss], y->sym.st_size, al);
            if (L->outs[L->o_bss].size >= MAX_OUTPUT)
                return fail(L, "common symbol %s: output too large", y->name);
        } else if (sh >= ob->nsec) {
            return fail(L, "symbol %s: bad section index %u", y->name, sh);
        } else {
            y->sec = &ob->secs[sh];
            y->kind = y->sec->out >= 0 ? S_SEC : S_NOALLOC;
        }
        int bind = GELF_ST_BIND(y->sym.st_info);
        int vis = GELF_ST_VISIBILITY(y->sym.st_other);
        if ((bind == STB_GLOBAL || bind == STB_WEAK) && (vis == STV_DEFAULT || vis == STV_PROTECTED) &&
            y->kind != S_NOALLOC && *y->name && !add_export(L, y))
            return false;
    }
    return true;
}

/* The symbol a relocation against `y` refers to (undefined symbols are
 * defined by another object). */
static insym *target_of(insym *y)
{
    return y->kind == S_UNDEF && y->def ? y->def : y;
}

/* Resolve every object's undefined symbols against the global definitions
 * of all objects (hash table by name; one definition per name, a strong
 * one wins over weak ones). */
static bool resolve_symbols(linker *L)
{
    size_t nglob = 0, nundef = 0;
    for (size_t k = 0; k < L->nobjs; k++)
        for (size_t i = 1; i < L->objs[k].nsyms; i++) {
            const insym *y = &L->objs[k].syms[i];
            if (y->kind == S_UNDEF)
                nundef++;
            else if (GELF_ST_BIND(y->sym.st_info) != STB_LOCAL && *y->name && y->kind != S_NOALLOC &&
                     y->kind != S_GOTSYM && y->kind != S_NONE)
                nglob++;
        }
    if (!nundef)
        return true;
    size_t cap = 16;
    while (cap < 2 * nglob)
        cap *= 2;
    insym **tab = calloc(cap, sizeof *tab);
    if (!tab)
        return fail(L, "out of memory");
    for (size_t k = 0; k < L->nobjs; k++)
        for (size_t i = 1; i < L->objs[k].nsyms; i++) {
            insym *y = &L->objs[k].syms[i];
            if (y->kind == S_UNDEF || GELF_ST_BIND(y->sym.st_info) == STB_LOCAL || !*y->name ||
                y->kind == S_NOALLOC || y->kind == S_GOTSYM || y->kind == S_NONE)
                continue;
            size_t h = (size_t)XXH3_64bits(y->name, strlen(y->name)) & (cap - 1);
            while (tab[h] && strcmp(tab[h]->name, y->name))
                h = (h + 1) & (cap - 1);
            if (!tab[h]) {
                tab[h] = y;
            } else if (GELF_ST_BIND(tab[h]->sym.st_info) == STB_WEAK) {
                tab[h] = y;
            } else if (GELF_ST_BIND(y->sym.st_info) != STB_WEAK) {
                free(tab);
                return fail(L, "symbol %s defined in two objects", y->name);
            }
        }
    for (size_t k = 0; k < L->nobjs; k++)
        for (size_t i = 1; i < L->objs[k].nsyms; i++) {
            insym *y = &L->objs[k].syms[i];
            if (y->kind != S_UNDEF)
                continue;
            size_t h = (size_t)XXH3_64bits(y->name, strlen(y->name)) & (cap - 1);
            while (tab[h] && strcmp(tab[h]->name, y->name))
                h = (h + 1) & (cap - 1);
            if (!tab[h]) {
                fail(L, "undefined symbol %s", y->name);
                free(tab);
                return false;
            }
            y->def = tab[h];
        }
    free(tab);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Relocations                                                               */

/* Is the input section `t`'s relocation at `off` of the mov-from-GOT kind
 * that can become a lea? */
static bool relax_to_lea(const insec *t, uint64_t off, uint32_t type, const insym *y)
{
    if (type != R_X86_64_GOTPCRELX && type != R_X86_64_REX_GOTPCRELX)
        return false;
    if (y->kind != S_SEC && y->kind != S_COMMON)
        return false;
    if (off < 2 || !t->bytes)
        return false;
    return t->bytes[off - 2] == 0x8b;
}

static unsigned reloc_width(uint32_t type)
{
    switch (type) {
    case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64: case R_X86_64_GOTPC64:
    case R_X86_64_SIZE64: case R_X86_64_GOT64: case R_X86_64_GOTPCREL64: case R_X86_64_GOTPLT64:
    case R_X86_64_PLTOFF64:
        return 8;
    default:
        return 4;
    }
}

/* The aarch64 relocations (a64_reloc_width, a64_prescan, a64_apply): they
 * use the linker's internals, so the file is included, not compiled alone. */
#include "elf_a64.inc"

/* Check one relocation section and count the dynamic relocations and GOT
 * slots it needs. Returns the target section or NULL when it is skipped. */
static bool check_rela(linker *L, inobj *ob, size_t ri, insec **target, Elf_Data **data)
{
    insec *r = &ob->secs[ri];
    *target = NULL;
    if (r->sh.sh_info == 0 || r->sh.sh_info >= ob->nsec)
        return fail(L, "relocation section %s: bad target section", r->name);
    insec *t = &ob->secs[r->sh.sh_info];
    if (t->out < 0)
        return true;  /* debug info or similar: not loaded */
    if (r->sh.sh_type == SHT_REL)
        return fail(L, "relocation section %s: SHT_REL is not used on x86-64", r->name);
    if (r->sh.sh_link != ob->symtab)
        return fail(L, "relocation section %s: not linked to the symbol table", r->name);
    if (r->sh.sh_entsize != sizeof(Elf64_Rela))
        return fail(L, "relocation section %s: entry size %llu", r->name, (unsigned long long)r->sh.sh_entsize);
    if (L->outs[t->out].type == SHT_NOBITS)
        return fail(L, "relocation section %s: applies to a section without contents", r->name);
    *data = elf_getdata(elf_getscn(ob->in, ri), NULL);
    if (!*data)
        return fail(L, "relocation section %s: unreadable: %s", r->name, elf_errmsg(-1));
    *target = t;
    return true;
}

static bool prescan_relocs(linker *L)
{
    size_t nrel = 0;
    for (size_t oi = 0; oi < L->nobjs; oi++) {
    inobj *ob = &L->objs[oi];
    for (size_t ri = 1; ri < ob->nsec; ri++) {
        uint32_t st = ob->secs[ri].sh.sh_type;
        if (st != SHT_RELA && st != SHT_REL)
            continue;
        insec *t;
        Elf_Data *d = NULL;
        if (!check_rela(L, ob, ri, &t, &d))
            return false;
        if (!t)
            continue;
        size_t n = d->d_size / sizeof(Elf64_Rela);
        for (size_t k = 0; k < n; k++) {
            GElf_Rela ra;
            if (!gelf_getrela(d, (int)k, &ra))
                return fail(L, "%s: relocation %zu unreadable", ob->secs[ri].name, k);
            uint32_t type = GELF_R_TYPE(ra.r_info);
            size_t si = GELF_R_SYM(ra.r_info);
            if (si >= ob->nsyms)
                return fail(L, "%s: relocation %zu: bad symbol index %zu", ob->secs[ri].name, k, si);
            insym *y = target_of(&ob->syms[si]);
            if (type == R_X86_64_NONE)
                continue;
            if (si == 0)
                return fail(L, "%s: relocation %zu against the null symbol", ob->secs[ri].name, k);
            if (y->kind == S_NOALLOC)
                return fail(L, "%s: relocation against %s in non-loaded section %s", ob->secs[ri].name,
                            *y->name ? y->name : "(section)", y->sec->name);
            unsigned width = L->machine == EM_AARCH64 ? a64_reloc_width(type) : reloc_width(type);
            if (ra.r_offset > t->sh.sh_size || t->sh.sh_size - ra.r_offset < width)
                return fail(L, "%s: relocation %zu: offset %llu out of range", ob->secs[ri].name, k,
                            (unsigned long long)ra.r_offset);
            if (L->machine == EM_AARCH64) {
                if (!a64_prescan(L, ob->secs[ri].name, t, type, y, &nrel))
                    return false;
                continue;
            }
            switch (type) {
            case R_X86_64_64:
                if (y->kind != S_ABS) {
                    if (L->outs[t->out].cls == C_RO || L->outs[t->out].cls == C_TEXT)
                        return fail(L, "absolute relocation against %s in read-only section %s (code is not PIC)",
                                    *y->name ? y->name : y->sec ? y->sec->name : "?", t->name);
                    nrel++;
                }
                break;
            case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_PC64:
            case R_X86_64_SIZE32: case R_X86_64_SIZE64:
                break;
            case R_X86_64_GOTPCREL: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
            case R_X86_64_GOT64: case R_X86_64_GOTPCREL64: case R_X86_64_GOTPLT64:
                if (relax_to_lea(t, ra.r_offset, type, y))
                    break;
                L->need_got = true;
                if (y->got < 0) {
                    if (L->ngot >= (1u << 27))
                        return fail(L, "too many GOT entries");
                    y->got = (int32_t)L->ngot++;
                    if (y->kind != S_ABS)
                        nrel++;
                }
                break;
            case R_X86_64_GOTOFF64: case R_X86_64_GOTPC32: case R_X86_64_GOTPC64: case R_X86_64_PLTOFF64:
                L->need_got = true;
                break;
            case R_X86_64_32: case R_X86_64_32S:
                return fail(L, "%s: 32-bit absolute relocation against %s (code is not PIC)", ob->secs[ri].name,
                            *y->name ? y->name : y->sec ? y->sec->name : "?");
            case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_DTPOFF32: case R_X86_64_GOTTPOFF:
            case R_X86_64_TPOFF32: case R_X86_64_DTPMOD64: case R_X86_64_DTPOFF64: case R_X86_64_TPOFF64:
            case R_X86_64_GOTPC32_TLSDESC: case R_X86_64_TLSDESC_CALL:
                return fail(L, "%s: thread-local storage relocation is not supported", ob->secs[ri].name);
            default:
                return fail(L, "%s: unsupported relocation type %u", ob->secs[ri].name, type);
            }
        }
    }
    }
    L->rels = calloc(nrel ? nrel : 1, sizeof *L->rels);
    if (!L->rels)
        return fail(L, "out of memory");
    L->caprels = nrel;
    return true;
}

static bool fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

static bool apply_relocs(linker *L)
{
    uint64_t got = L->o_got >= 0 ? L->outs[L->o_got].addr : 0;
    for (size_t oi = 0; oi < L->nobjs; oi++) {
    inobj *ob = &L->objs[oi];
    for (size_t ri = 1; ri < ob->nsec; ri++) {
        if (ob->secs[ri].sh.sh_type != SHT_RELA)
            continue;
        insec *t;
        Elf_Data *d = NULL;
        if (!check_rela(L, ob, ri, &t, &d))
            return false;
        if (!t)
            continue;
        size_t n = d->d_size / sizeof(Elf64_Rela);
        bool writable = L->outs[t->out].cls != C_RO && L->outs[t->out].cls != C_TEXT;
        for (size_t k = 0; k < n; k++) {
            GElf_Rela ra;
            if (!gelf_getrela(d, (int)k, &ra))
                return fail(L, "%s: relocation %zu unreadable", ob->secs[ri].name, k);
            uint32_t type = GELF_R_TYPE(ra.r_info);
            if (type == R_X86_64_NONE)
                continue;
            insym *y = target_of(&ob->syms[GELF_R_SYM(ra.r_info)]);
            uint64_t P = t->addr + ra.r_offset;
            uint64_t S = y->addr;
            int64_t A = ra.r_addend;
            uint8_t *loc = L->img + P;
            int64_t v = 0;
            bool w64 = false;
            if (L->machine == EM_AARCH64) {
                if (!a64_apply(L, ob->secs[ri].name, k, type, y, P, A, got))
                    return false;
                continue;
            }
            switch (type) {
            case R_X86_64_64:
                v = (int64_t)(S + (uint64_t)A);
                w64 = true;
                if (y->kind != S_ABS && !add_dynrel(L, P, (uint64_t)v))
                    return false;
                (void)writable;
                break;
            case R_X86_64_PC32: case R_X86_64_PLT32:
                v = (int64_t)(S + (uint64_t)A - P);
                break;
            case R_X86_64_PC64:
                v = (int64_t)(S + (uint64_t)A - P);
                w64 = true;
                break;
            case R_X86_64_SIZE32:
                v = (int64_t)(y->sym.st_size + (uint64_t)A);
                break;
            case R_X86_64_SIZE64:
                v = (int64_t)(y->sym.st_size + (uint64_t)A);
                w64 = true;
                break;
            case R_X86_64_GOTPCREL: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
                if (relax_to_lea(t, ra.r_offset, type, y)) {
                    loc[-2] = 0x8d;
                    v = (int64_t)(S + (uint64_t)A - P);
                } else {
                    v = (int64_t)(got + 8 * (uint64_t)y->got + (uint64_t)A - P);
                }
                break;
            case R_X86_64_GOT64: case R_X86_64_GOTPLT64:
                v = (int64_t)(8 * (uint64_t)y->got + (uint64_t)A);
                w64 = true;
                break;
            case R_X86_64_GOTPCREL64:
                v = (int64_t)(got + 8 * (uint64_t)y->got + (uint64_t)A - P);
                w64 = true;
                break;
            case R_X86_64_GOTOFF64: case R_X86_64_PLTOFF64:
                v = (int64_t)(S + (uint64_t)A - got);
                w64 = true;
                break;
            case R_X86_64_GOTPC32:
                v = (int64_t)(got + (uint64_t)A - P);
                break;
            case R_X86_64_GOTPC64:
                v = (int64_t)(got + (uint64_t)A - P);
                w64 = true;
                break;
            default:
                return fail(L, "%s: unsupported relocation type %u", ob->secs[ri].name, type);
            }
            if (w64) {
                memcpy(loc, &v, 8);
            } else {
                if (!fits32(v) && !(type == R_X86_64_SIZE32 && v >= 0 && v <= (int64_t)UINT32_MAX))
                    return fail(L, "%s: relocation %zu against %s out of 32-bit range", ob->secs[ri].name, k,
                                *y->name ? y->name : "(section)");
                int32_t v32 = (int32_t)v;
                memcpy(loc, &v32, 4);
            }
        }
    }
    }
    /* GOT slots: the symbol address, relocated at load time */
    for (size_t oi = 0; oi < L->nobjs; oi++)
        for (size_t i = 0; i < L->objs[oi].nsyms; i++) {
            insym *y = &L->objs[oi].syms[i];
            if (y->got < 0)
                continue;
            uint64_t slot = got + 8 * (uint64_t)y->got;
            memcpy(L->img + slot, &y->addr, 8);
            if (y->kind != S_ABS && !add_dynrel(L, slot, y->addr))
                return false;
        }
    if (L->nrels != L->caprels)
        return fail(L, "internal: dynamic relocation count mismatch");
    return true;
}

/* ------------------------------------------------------------------------ */
/* Layout                                                                    */

static size_t count_dynamic(const linker *L)
{
    return 5 + (L->nrels || L->caprels ? 4 : 0) + 1 + 1;  /* base, rela, FLAGS_1, NULL */
}

static int num_phdrs(const linker *L)
{
    bool text = false;
    for (size_t i = 0; i < L->nouts; i++)
        if (L->outs[i].cls == C_TEXT && L->outs[i].size)
            text = true;
    /* LOAD R, [LOAD RX], LOAD RW, DYNAMIC, GNU_RELRO, GNU_STACK, [GNU_EH_FRAME] */
    return 5 + (text ? 1 : 0) + (L->o_ehhdr >= 0 ? 1 : 0);
}

static size_t dynstr_size(const linker *L)
{
    size_t n = 1;
    for (size_t i = 0; i < L->nexports; i++)
        n += strlen(L->exports[i]->name) + 1;
    return n;
}

static bool create_synthetic(linker *L)
{
    /* Synthetic R sections go first: create them, then move them in front. */
    size_t nb = L->nexports ? L->nexports : 1;
    size_t first = L->nouts;
    L->o_hash = add_out(L, ".hash", C_RO, SHT_HASH, SHF_ALLOC, 8);
    L->o_dynsym = add_out(L, ".dynsym", C_RO, SHT_DYNSYM, SHF_ALLOC, 8);
    L->o_dynstr = add_out(L, ".dynstr", C_RO, SHT_STRTAB, SHF_ALLOC, 1);
    L->o_rela = add_out(L, ".rela.dyn", C_RO, SHT_RELA, SHF_ALLOC, 8);
    L->o_got = L->need_got ? add_out(L, ".got", C_RELRO, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8) : -1;
    L->o_dynamic = add_out(L, ".dynamic", C_RELRO, SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, 8);
    if (L->o_hash < 0 || L->o_dynsym < 0 || L->o_dynstr < 0 || L->o_rela < 0 || L->o_dynamic < 0 ||
        (L->need_got && L->o_got < 0))
        return fail(L, "out of memory");
    L->outs[L->o_hash].size = (2 + nb + 1 + L->nexports) * 4;
    L->outs[L->o_hash].entsize = 4;
    L->outs[L->o_dynsym].size = (1 + L->nexports) * sizeof(Elf64_Sym);
    L->outs[L->o_dynsym].entsize = sizeof(Elf64_Sym);
    L->outs[L->o_dynsym].info = 1;
    L->outs[L->o_dynstr].size = dynstr_size(L);
    L->outs[L->o_rela].size = L->caprels * sizeof(Elf64_Rela);
    L->outs[L->o_rela].entsize = sizeof(Elf64_Rela);
    if (L->o_got >= 0) {
        L->outs[L->o_got].size = L->ngot * 8;
        L->outs[L->o_got].entsize = 8;
    }
    if (L->o_ehframe >= 0 && L->nfdes != EHF_UNSUPPORTED && L->nfdes < (1u << 26)) {
        L->o_ehhdr = add_out(L, ".eh_frame_hdr", C_RO, SHT_PROGBITS, SHF_ALLOC, 4);
        if (L->o_ehhdr < 0)
            return fail(L, "out of memory");
        L->outs[L->o_ehhdr].size = ehf_hdr_size(L->nfdes);
    }
    L->outs[L->o_dynamic].size = count_dynamic(L) * sizeof(Elf64_Dyn);
    L->outs[L->o_dynamic].entsize = sizeof(Elf64_Dyn);
    (void)first;
    return true;
}

/* The order in which output sections are laid out (and numbered). */
static size_t layout_order(const linker *L, int *order)
{
    size_t n = 0;
    int front[4] = {L->o_hash, L->o_dynsym, L->o_dynstr, L->o_rela};
    for (int i = 0; i < 4; i++)
        order[n++] = front[i];
    for (int c = 0; c < C__COUNT; c++) {
        for (size_t i = 0; i < L->nouts; i++) {
            int o = (int)i;
            if (L->outs[i].cls != c || o == L->o_hash || o == L->o_dynsym || o == L->o_dynstr ||
                o == L->o_rela || o == L->o_got || o == L->o_dynamic)
                continue;
            order[n++] = o;
        }
        if (c == C_RELRO) {
            if (L->o_got >= 0)
                order[n++] = L->o_got;
            order[n++] = L->o_dynamic;
        }
    }
    return n;
}

static uint64_t place_class(linker *L, const int *order, size_t n, int cls, uint64_t addr, bool *any)
{
    for (size_t k = 0; k < n; k++) {
        outsec *o = &L->outs[order[k]];
        if (o->cls != cls)
            continue;
        addr = align_up(addr, o->align);
        o->addr = addr;
        addr += o->size;
        *any = true;
    }
    return addr;
}

static bool layout(linker *L, const int *order, size_t n)
{
    L->max_align[0] = L->max_align[1] = L->max_align[2] = PAGE;
    for (size_t k = 0; k < n; k++) {
        outsec *o = &L->outs[order[k]];
        int seg = o->cls == C_RO ? 0 : o->cls == C_TEXT ? 1 : 2;
        if (o->align > L->max_align[seg])
            L->max_align[seg] = o->align;
    }
    bool any = false, text = false, data = false;
    uint64_t addr = sizeof(Elf64_Ehdr) + (uint64_t)num_phdrs(L) * sizeof(Elf64_Phdr);
    addr = place_class(L, order, n, C_RO, addr, &any);
    L->ro_end = addr;
    L->text_start = align_up(addr, L->max_align[1]);
    L->text_end = place_class(L, order, n, C_TEXT, L->text_start, &text);
    if (text)
        addr = L->text_end;
    else
        L->text_start = L->text_end = 0;
    addr = L->rw_start = align_up(addr, L->max_align[2]);
    addr = L->relro_end = place_class(L, order, n, C_RELRO, addr, &any);
    uint64_t data_start = align_up(addr, PAGE);
    addr = place_class(L, order, n, C_DATA, data_start, &data);
    addr = place_class(L, order, n, C_BSS, L->file_end = addr, &data);
    if (!data)
        L->file_end = L->relro_end;
    L->mem_end = addr > align_up(L->relro_end, PAGE) ? addr : align_up(L->relro_end, PAGE);
    if (L->mem_end >= MAX_OUTPUT)
        return fail(L, "output too large (%llu bytes)", (unsigned long long)L->mem_end);
    L->img = calloc(L->file_end ? L->file_end : 1, 1);
    if (!L->img)
        return fail(L, "out of memory (%llu byte image)", (unsigned long long)L->file_end);
    for (size_t k = 0; k < L->nobjs; k++) {
        inobj *ob = &L->objs[k];
        for (size_t i = 1; i < ob->nsec; i++) {
            insec *s = &ob->secs[i];
            if (s->out < 0)
                continue;
            s->addr = L->outs[s->out].addr + s->off;
            if (s->bytes && s->sh.sh_size)
                memcpy(L->img + s->addr, s->bytes, s->sh.sh_size);
        }
    }
    for (size_t k = 0; k < L->nobjs; k++) {
        inobj *ob = &L->objs[k];
        for (size_t i = 1; i < ob->nsyms; i++) {
            insym *y = &ob->syms[i];
            if (y->kind == S_SEC)
                y->addr = y->sec->addr + y->sym.st_value;
            else if (y->kind == S_COMMON)
                y->addr += L->outs[L->o_bss].addr;
            else if (y->kind == S_GOTSYM)
                y->addr = L->outs[L->o_got].addr;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Dynamic linking tables                                                    */

static uint32_t sysv_hash(const char *s)
{
    uint32_t h = 0;
    for (; *s; s++) {
        h = (h << 4) + (uint8_t)*s;
        uint32_t g = h & 0xf0000000u;
        if (g)
            h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

static int cmp_rel(const void *a, const void *b)
{
    const dynrel *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static uint16_t out_shndx_of(const linker *L, const insym *y)
{
    if (y->kind == S_ABS)
        return SHN_ABS;
    if (y->kind == S_COMMON)
        return (uint16_t)L->outs[L->o_bss].shndx;
    if (y->kind == S_GOTSYM)
        return (uint16_t)L->outs[L->o_got].shndx;
    return (uint16_t)L->outs[y->sec->out].shndx;
}

static void write_eh_frame_hdr(linker *L)
{
    if (L->o_ehhdr < 0)
        return;
    size_t n = 0;
    bool bad = false;
    ehf_entry *e = calloc(L->nfdes ? L->nfdes : 1, sizeof *e);
    for (size_t oi = 0; e && !bad && oi < L->nobjs; oi++) {
        inobj *ob = &L->objs[oi];
        for (size_t i = 1; i < ob->nsec; i++) {
            insec *s = &ob->secs[i];
            if (s->out != L->o_ehframe || !s->bytes)
                continue;
            size_t k = ehf_collect(L->img + s->addr, s->sh.sh_size, s->addr, e + n, L->nfdes - n);
            if (k == EHF_UNSUPPORTED) {
                bad = true;
                break;
            }
            n += k;
        }
    }
    if (bad || !e || n != L->nfdes)
        n = 0;
    uint64_t at = L->outs[L->o_ehhdr].addr;
    ehf_write_hdr(L->img + at, at, L->outs[L->o_ehframe].addr, e, n);
    free(e);
}

static void write_dynamic_tables(linker *L)
{
    write_eh_frame_hdr(L);
    /* .rela.dyn */
    qsort(L->rels, L->nrels, sizeof *L->rels, cmp_rel);
    Elf64_Rela *ra = (Elf64_Rela *)(L->img + L->outs[L->o_rela].addr);
    for (size_t i = 0; i < L->nrels; i++) {
        Elf64_Rela r = {L->rels[i].off,
                        ELF64_R_INFO(0, L->machine == EM_AARCH64 ? R_AARCH64_RELATIVE : R_X86_64_RELATIVE),
                        (int64_t)L->rels[i].addend};
        memcpy(&ra[i], &r, sizeof r);
    }
    /* .dynstr + .dynsym */
    char *dstr = (char *)(L->img + L->outs[L->o_dynstr].addr);
    size_t soff = 1;
    uint8_t *dsym = L->img + L->outs[L->o_dynsym].addr;
    for (size_t i = 0; i < L->nexports; i++) {
        const insym *y = L->exports[i];
        size_t n = strlen(y->name) + 1;
        memcpy(dstr + soff, y->name, n);
        Elf64_Sym s = {0};
        s.st_name = (uint32_t)soff;
        s.st_info = y->sym.st_info;
        s.st_other = y->sym.st_other;
        s.st_shndx = out_shndx_of(L, y);
        s.st_value = y->addr;
        s.st_size = y->sym.st_size;
        memcpy(dsym + (i + 1) * sizeof s, &s, sizeof s);
        soff += n;
    }
    /* .hash: nbucket, nchain, buckets, chains */
    uint32_t nb = L->nexports ? (uint32_t)L->nexports : 1, nc = (uint32_t)L->nexports + 1;
    uint8_t *h = L->img + L->outs[L->o_hash].addr;
    uint32_t *hv = calloc(2 + nb + nc, 4);
    if (hv) {
        hv[0] = nb;
        hv[1] = nc;
        uint32_t *bucket = hv + 2, *chain = hv + 2 + nb;
        for (size_t i = 0; i < L->nexports; i++) {
            uint32_t idx = (uint32_t)i + 1;
            uint32_t b = sysv_hash(L->exports[i]->name) % nb;
            chain[idx] = bucket[b];
            bucket[b] = idx;
        }
        memcpy(h, hv, (2 + nb + nc) * 4);
        free(hv);
    }
    /* .dynamic */
    Elf64_Dyn dyn[16];
    size_t n = 0;
    dyn[n].d_tag = DT_HASH, dyn[n++].d_un.d_ptr = L->outs[L->o_hash].addr;
    dyn[n].d_tag = DT_STRTAB, dyn[n++].d_un.d_ptr = L->outs[L->o_dynstr].addr;
    dyn[n].d_tag = DT_SYMTAB, dyn[n++].d_un.d_ptr = L->outs[L->o_dynsym].addr;
    dyn[n].d_tag = DT_STRSZ, dyn[n++].d_un.d_val = L->outs[L->o_dynstr].size;
    dyn[n].d_tag = DT_SYMENT, dyn[n++].d_un.d_val = sizeof(Elf64_Sym);
    if (L->caprels) {
        dyn[n].d_tag = DT_RELA, dyn[n++].d_un.d_ptr = L->outs[L->o_rela].addr;
        dyn[n].d_tag = DT_RELASZ, dyn[n++].d_un.d_val = L->nrels * sizeof(Elf64_Rela);
        dyn[n].d_tag = DT_RELAENT, dyn[n++].d_un.d_val = sizeof(Elf64_Rela);
        dyn[n].d_tag = DT_RELACOUNT, dyn[n++].d_un.d_val = L->nrels;
    }
    dyn[n].d_tag = DT_FLAGS_1, dyn[n++].d_un.d_val = DF_1_NOW;
    dyn[n].d_tag = DT_NULL, dyn[n++].d_un.d_val = 0;
    memcpy(L->img + L->outs[L->o_dynamic].addr, dyn, n * sizeof dyn[0]);
}

/* Binding of a symbol in the output .symtab: hidden and internal globals
 * (the names the parts of a split module share) become locals, as a
 * linker does for a shared object. */
static int out_bind(const insym *y)
{
    int bind = GELF_ST_BIND(y->sym.st_info), vis = GELF_ST_VISIBILITY(y->sym.st_other);
    if (bind != STB_LOCAL && (vis == STV_HIDDEN || vis == STV_INTERNAL))
        return STB_LOCAL;
    return bind;
}

/* .symtab: locals first, then globals; only named functions/objects. */
static bool build_symtab(linker *L, strbuf *symtab, strbuf *strtab, uint32_t *first_global)
{
    size_t cap = 1;
    for (size_t k = 0; k < L->nobjs; k++)
        cap += L->objs[k].nsyms;
    Elf64_Sym *out = calloc(cap + 1, sizeof *out);
    if (!out || !sb_add(strtab, "", NULL)) {
        free(out);
        return fail(L, "out of memory");
    }
    size_t n = 1;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            *first_global = (uint32_t)n;
        for (size_t k = 0; k < L->nobjs; k++) {
            for (size_t i = 1; i < L->objs[k].nsyms; i++) {
                const insym *y = &L->objs[k].syms[i];
                int bind = out_bind(y), type = GELF_ST_TYPE(y->sym.st_info);
                if ((bind == STB_LOCAL) != (pass == 0))
                    continue;
                if (!*y->name || starts(y->name, ".L") || y->kind == S_NOALLOC || y->kind == S_NONE ||
                    y->kind == S_UNDEF)
                    continue;
                if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE && type != STT_FILE)
                    continue;
                size_t so;
                if (!sb_add(strtab, y->name, &so)) {
                    free(out);
                    return fail(L, "out of memory");
                }
                Elf64_Sym *s = &out[n++];
                s->st_name = (uint32_t)so;
                s->st_info = GELF_ST_INFO(bind, type);
                s->st_other = y->sym.st_other;
                if (type == STT_FILE) {
                    s->st_shndx = SHN_ABS;
                } else {
                    s->st_shndx = out_shndx_of(L, y);
                    s->st_value = y->addr;
                    s->st_size = y->sym.st_size;
                }
            }
        }
    }
    symtab->p = (char *)out;
    symtab->len = n * sizeof *out;
    symtab->cap = (cap + 1) * sizeof *out;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Output through libelf                                                     */

static bool new_section(linker *L, Elf *e, const char *name, strbuf *shstr, uint32_t type, uint64_t flags,
                        uint64_t addr, uint64_t off, uint64_t size, uint64_t align, uint64_t entsize,
                        uint32_t link, uint32_t info, void *buf)
{
    size_t nameoff;
    if (!sb_add(shstr, name, &nameoff))
        return fail(L, "out of memory");
    Elf_Scn *scn = elf_newscn(e);
    if (!scn)
        return fail(L, "libelf: %s", elf_errmsg(-1));
    Elf_Data *d = elf_newdata(scn);
    if (!d)
        return fail(L, "libelf: %s", elf_errmsg(-1));
    d->d_buf = type == SHT_NOBITS ? NULL : buf;
    d->d_size = size;
    d->d_type = ELF_T_BYTE;
    d->d_align = align ? align : 1;
    d->d_off = 0;
    d->d_version = EV_CURRENT;
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh))
        return fail(L, "libelf: %s", elf_errmsg(-1));
    sh.sh_name = (uint32_t)nameoff;
    sh.sh_type = type;
    sh.sh_flags = flags;
    sh.sh_addr = addr;
    sh.sh_offset = off;
    sh.sh_size = size;
    sh.sh_link = link;
    sh.sh_info = info;
    sh.sh_addralign = align ? align : 1;
    sh.sh_entsize = entsize;
    if (!gelf_update_shdr(scn, &sh))
        return fail(L, "libelf: %s", elf_errmsg(-1));
    return true;
}

static void set_phdr(GElf_Phdr *p, uint32_t type, uint32_t flags, uint64_t off, uint64_t filesz,
                     uint64_t memsz, uint64_t align)
{
    p->p_type = type;
    p->p_flags = flags;
    p->p_offset = off;
    p->p_vaddr = p->p_paddr = off;
    p->p_filesz = filesz;
    p->p_memsz = memsz;
    p->p_align = align;
}

static uint8_t *write_output(linker *L, const int *order, size_t norder, size_t *out_size)
{
    uint8_t *result = NULL;
    strbuf shstr = {0}, symtab = {0}, strtab = {0};
    Elf *e = NULL;
    int fd = memfd_create("wacc-so", MFD_CLOEXEC);
    if (fd < 0) {
        fail(L, "memfd_create: %s", strerror(errno));
        return NULL;
    }
    /* section indices: 1.. in layout order, then .symtab .strtab .shstrtab */
    for (size_t k = 0; k < norder; k++)
        L->outs[order[k]].shndx = k + 1;
    size_t i_symtab = norder + 1, i_strtab = norder + 2, i_shstr = norder + 3;
    uint32_t first_global = 1;
    if (!sb_add(&shstr, "", NULL)) {
        fail(L, "out of memory");
        goto out;
    }
    if (!build_symtab(L, &symtab, &strtab, &first_global))
        goto out;
    write_dynamic_tables(L);

    e = elf_begin(fd, ELF_C_WRITE, NULL);
    if (!e) {
        fail(L, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
    if (!gelf_newehdr(e, ELFCLASS64)) {
        fail(L, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    int nph = num_phdrs(L);
    if (!gelf_newphdr(e, (size_t)nph)) {
        fail(L, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    for (size_t k = 0; k < norder; k++) {
        outsec *o = &L->outs[order[k]];
        uint32_t link = 0, info = 0;
        if (order[k] == L->o_hash || order[k] == L->o_rela)
            link = (uint32_t)L->outs[L->o_dynsym].shndx;
        else if (order[k] == L->o_dynsym || order[k] == L->o_dynamic)
            link = (uint32_t)L->outs[L->o_dynstr].shndx;
        if (order[k] == L->o_dynsym)
            info = 1;
        if (!new_section(L, e, o->name, &shstr, o->type, o->flags, o->addr, o->addr, o->size, o->align, o->entsize,
                         link, info, L->img + (o->type == SHT_NOBITS ? 0 : o->addr)))
            goto out;
    }
    uint64_t off = L->file_end;
    off = align_up(off, 8);
    if (!new_section(L, e, ".symtab", &shstr, SHT_SYMTAB, 0, 0, off, symtab.len, 8, sizeof(Elf64_Sym),
                     (uint32_t)i_strtab, first_global, symtab.p))
        goto out;
    off += symtab.len;
    if (!new_section(L, e, ".strtab", &shstr, SHT_STRTAB, 0, 0, off, strtab.len, 1, 0, 0, 0, strtab.p))
        goto out;
    off += strtab.len;
    /* .shstrtab must name itself before its size is known */
    size_t shoff_name;
    if (!sb_add(&shstr, ".shstrtab", &shoff_name)) {
        fail(L, "out of memory");
        goto out;
    }
    {
        Elf_Scn *scn = elf_newscn(e);
        Elf_Data *d = scn ? elf_newdata(scn) : NULL;
        GElf_Shdr sh;
        if (!d || !gelf_getshdr(scn, &sh)) {
            fail(L, "libelf: %s", elf_errmsg(-1));
            goto out;
        }
        d->d_buf = shstr.p;
        d->d_size = shstr.len;
        d->d_type = ELF_T_BYTE;
        d->d_align = 1;
        d->d_version = EV_CURRENT;
        sh.sh_name = (uint32_t)shoff_name;
        sh.sh_type = SHT_STRTAB;
        sh.sh_offset = off;
        sh.sh_size = shstr.len;
        sh.sh_addralign = 1;
        if (!gelf_update_shdr(scn, &sh)) {
            fail(L, "libelf: %s", elf_errmsg(-1));
            goto out;
        }
        off += shstr.len;
    }
    (void)i_symtab;

    GElf_Ehdr eh;
    if (!gelf_getehdr(e, &eh)) {
        fail(L, "libelf: %s", elf_errmsg(-1));
        goto out;
    }
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
    eh.e_type = ET_DYN;
    eh.e_machine = (Elf64_Half)L->machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_shoff = align_up(off, 8);
    eh.e_flags = 0;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shstrndx = (uint16_t)i_shstr;
    if (!gelf_update_ehdr(e, &eh)) {
        fail(L, "libelf: %s", elf_errmsg(-1));
        goto out;
    }

    GElf_Phdr ph[8];
    memset(ph, 0, sizeof ph);
    int np = 0;
    set_phdr(&ph[np++], PT_LOAD, PF_R, 0, L->ro_end, L->ro_end, L->max_align[0]);
    if (L->text_end > L->text_start)
        set_phdr(&ph[np++], PT_LOAD, PF_R | PF_X, L->text_start, L->text_end - L->text_start,
                 L->text_end - L->text_start, L->max_align[1]);
    set_phdr(&ph[np++], PT_LOAD, PF_R | PF_W, L->rw_start, L->file_end - L->rw_start, L->mem_end - L->rw_start,
             L->max_align[2]);
    const outsec *dy = &L->outs[L->o_dynamic];
    set_phdr(&ph[np++], PT_DYNAMIC, PF_R | PF_W, dy->addr, dy->size, dy->size, 8);
    set_phdr(&ph[np++], PT_GNU_RELRO, PF_R, L->rw_start, L->relro_end - L->rw_start,
             align_up(L->relro_end, PAGE) - L->rw_start, 1);
    set_phdr(&ph[np++], PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 16);
    if (L->o_ehhdr >= 0) {
        const outsec *eh = &L->outs[L->o_ehhdr];
        set_phdr(&ph[np++], PT_GNU_EH_FRAME, PF_R, eh->addr, eh->size, eh->size, 4);
    }
    if (np != nph) {
        fail(L, "internal: program header count");
        goto out;
    }
    for (int k = 0; k < np; k++)
        if (!gelf_update_phdr(e, k, &ph[k])) {
            fail(L, "libelf: %s", elf_errmsg(-1));
            goto out;
        }

    off_t fsz = elf_update(e, ELF_C_WRITE);
    if (fsz < 0) {
        fail(L, "libelf: writing the shared object: %s", elf_errmsg(-1));
        goto out;
    }
    size_t size = (size_t)fsz;
    result = malloc(size + sizeof(struct wacc_trailer));
    if (!result) {
        fail(L, "out of memory");
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, result + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fail(L, "reading back the shared object: %s", r < 0 ? strerror(errno) : "short read");
            free(result);
            result = NULL;
            goto out;
        }
        got += (size_t)r;
    }
    struct wacc_trailer tr;
    memcpy(tr.magic, WACC_TRAILER_MAGIC, 8);
    tr.hash = XXH3_64bits(result, size);
    memcpy(result + size, &tr, sizeof tr);
    *out_size = size + sizeof tr;
out:
    if (e)
        elf_end(e);
    close(fd);
    free(shstr.p);
    free(symtab.p);
    free(strtab.p);
    return result;
}

/* ------------------------------------------------------------------------ */

uint8_t *wacc_link_objects(const uint8_t *const *objs, const size_t *sizes, size_t nobjs, size_t *out_size,
                           char err[512])
{
    linker L;
    memset(&L, 0, sizeof L);
    L.err = err;
    L.o_hash = L.o_dynsym = L.o_dynstr = L.o_rela = L.o_got = L.o_dynamic = L.o_bss = -1;
    L.o_ehframe = L.o_ehhdr = -1;
    err[0] = 0;
    *out_size = 0;
    uint8_t *result = NULL;
    int *order = NULL;
    if (!objs || !nobjs) {
        fail(&L, "no object");
        return NULL;
    }
    L.objs = calloc(nobjs, sizeof *L.objs);
    if (!L.objs) {
        fail(&L, "out of memory");
        return NULL;
    }
    L.nobjs = nobjs;
    for (size_t k = 0; k < nobjs; k++) {
        if (!objs[k]) {
            fail(&L, "no object");
            goto out;
        }
        if (!open_input(&L, &L.objs[k], objs[k], sizes[k]) || !scan_sections(&L, &L.objs[k]))
            goto out;
    }
    finish_sections(&L);
    for (size_t k = 0; k < nobjs; k++)
        if (!read_symbols(&L, &L.objs[k]))
            goto out;
    if (!resolve_symbols(&L) || !prescan_relocs(&L) || !create_synthetic(&L))
        goto out;
    order = malloc((L.nouts + 1) * sizeof *order);
    if (!order) {
        fail(&L, "out of memory");
        goto out;
    }
    size_t norder = layout_order(&L, order);
    if (!layout(&L, order, norder) || !apply_relocs(&L))
        goto out;
    result = write_output(&L, order, norder, out_size);
out:
    free(order);
    free(L.img);
    free(L.rels);
    free(L.exports);
    free(L.outs);
    for (size_t k = 0; k < L.nobjs; k++) {
        free(L.objs[k].syms);
        free(L.objs[k].secs);
        if (L.objs[k].in)
            elf_end(L.objs[k].in);
    }
    free(L.objs);
    return result;
}

uint8_t *wacc_link_object(const uint8_t *obj, size_t obj_size, size_t *out_size, char err[512])
{
    return wacc_link_objects(&obj, &obj_size, 1, out_size, err);
}
