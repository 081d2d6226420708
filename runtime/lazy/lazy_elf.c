/* libelf (elfutils), loaded on first use (lazy.h) by the driver: only
 * `wacc inspect` reads section headers through it. It brings zlib along. */
#include <gelf.h>
#include <libelf.h>

#include "lazy.h"

#define ELF_FUNCS(F, V) \
    F(int, elf_end, (Elf *a), (a)) \
    F(int, elf_getshdrstrndx, (Elf *a, size_t *b), (a, b)) \
    F(Elf_Kind, elf_kind, (Elf *a), (a)) \
    F(Elf *, elf_memory, (char *a, size_t b), (a, b)) \
    F(Elf_Scn *, elf_nextscn, (Elf *a, Elf_Scn *b), (a, b)) \
    F(char *, elf_strptr, (Elf *a, size_t b, size_t c), (a, b, c)) \
    F(unsigned int, elf_version, (unsigned int a), (a)) \
    F(GElf_Shdr *, gelf_getshdr, (Elf_Scn *a, GElf_Shdr *b), (a, b))

WACC_LAZY_LIBRARY("libelf.so.1", ELF_FUNCS)
