/*
 * emit_internal.h — helpers shared by the files of compiler/emit/.
 */
#ifndef WACC_EMIT_INTERNAL_H
#define WACC_EMIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* One .eh_frame_hdr search-table entry (absolute addresses). */
typedef struct ehf_entry {
    uint64_t pc, fde;
} ehf_entry;

#define EHF_UNSUPPORTED ((size_t)-1)

/* Count the FDEs of one .eh_frame section (before relocation).
 * Returns EHF_UNSUPPORTED if the section is malformed. */
size_t ehf_count(const uint8_t *p, size_t size);

/* Collect {initial location, FDE address} of every FDE of one relocated
 * .eh_frame section that lives at `addr`. Writes at most `max` entries.
 * Returns the count or EHF_UNSUPPORTED (unknown pointer encoding, ...). */
size_t ehf_collect(const uint8_t *p, size_t size, uint64_t addr, ehf_entry *out, size_t max);

/* Size of an .eh_frame_hdr with `n` table entries. */
size_t ehf_hdr_size(size_t n);

/* Write .eh_frame_hdr at `hdr` (address `hdr_addr`) pointing at the
 * .eh_frame at `eh_addr`; sorts `e`. n == 0 writes an empty table. */
void ehf_write_hdr(uint8_t *hdr, uint64_t hdr_addr, uint64_t eh_addr, ehf_entry *e, size_t n);

#endif
