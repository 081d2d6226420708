/*
 * eh_frame.c — read .eh_frame records and build .eh_frame_hdr (the binary
 * search table that PT_GNU_EH_FRAME points at, used by in-process unwinders).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"

enum {
    PE_absptr = 0x00, PE_udata2 = 0x02, PE_udata4 = 0x03, PE_udata8 = 0x04,
    PE_sdata2 = 0x0a, PE_sdata4 = 0x0b, PE_sdata8 = 0x0c, PE_pcrel = 0x10,
    PE_datarel = 0x30, PE_omit = 0xff,
};

typedef struct cursor {
    const uint8_t *p;
    size_t pos, end;
    bool bad;
} cursor;

static uint64_t rd(cursor *c, unsigned n)
{
    if (c->bad || c->end - c->pos < n) {
        c->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)c->p[c->pos + i] << (8 * i);
    c->pos += n;
    return v;
}

static uint64_t uleb(cursor *c)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint64_t b = rd(c, 1);
        if (c->bad)
            return 0;
        if (shift < 64)
            v |= (b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
        if (shift > 70) {
            c->bad = true;
            return 0;
        }
    }
}

/* Read an encoded pointer at the cursor; `addr` is the section address. */
static bool rd_encoded(cursor *c, unsigned enc, uint64_t addr, uint64_t *out)
{
    uint64_t field = addr + c->pos, v;
    switch (enc & 0x0f) {
    case PE_absptr: case PE_udata8: case PE_sdata8: v = rd(c, 8); break;
    case PE_udata4: v = rd(c, 4); break;
    case PE_sdata4: v = (uint64_t)(int64_t)(int32_t)rd(c, 4); break;
    case PE_udata2: v = rd(c, 2); break;
    case PE_sdata2: v = (uint64_t)(int64_t)(int16_t)rd(c, 2); break;
    default: return false;
    }
    switch (enc & 0x70) {
    case 0: break;
    case PE_pcrel: v += field; break;
    default: return false;
    }
    if (enc & 0x80)
        return false;   /* indirect */
    *out = v;
    return !c->bad;
}

/* Parse the CIE at `off`; return its FDE pointer encoding or -1. */
static int cie_encoding(const uint8_t *p, size_t size, size_t off)
{
    cursor c = {p, off, size, false};
    uint64_t len = rd(&c, 4);
    if (len == 0xffffffffu)
        len = rd(&c, 8);
    if (c.bad || len > c.end - c.pos)
        return -1;
    c.end = c.pos + len;
    if (rd(&c, 4) != 0)
        return -1;
    unsigned version = (unsigned)rd(&c, 1);
    const char *aug = (const char *)p + c.pos;
    size_t alen = strnlen(aug, c.end - c.pos);
    if (alen == c.end - c.pos)
        return -1;
    c.pos += alen + 1;
    if (strstr(aug, "eh"))
        return -1;
    uleb(&c);               /* code alignment */
    uleb(&c);               /* data alignment (sleb, only skipped) */
    if (version == 1)
        rd(&c, 1);
    else
        uleb(&c);
    if (aug[0] != 'z')
        return c.bad ? -1 : PE_absptr;
    uleb(&c);               /* augmentation data length */
    int enc = PE_absptr;
    for (size_t i = 1; i < alen && !c.bad; i++) {
        switch (aug[i]) {
        case 'R': enc = (int)rd(&c, 1); break;
        case 'L': rd(&c, 1); break;
        case 'P': {
            unsigned penc = (unsigned)rd(&c, 1);
            uint64_t dummy;
            if (!rd_encoded(&c, penc & 0x7f, 0, &dummy))
                return -1;
            break;
        }
        case 'S': case 'B': break;
        default: return -1;
        }
    }
    return c.bad ? -1 : enc;
}

/* Walk the records; with `out` == NULL only count FDEs. */
static size_t walk(const uint8_t *p, size_t size, uint64_t addr, ehf_entry *out, size_t max)
{
    size_t n = 0, off = 0;
    while (off < size) {
        cursor c = {p, off, size, false};
        uint64_t len = rd(&c, 4);
        if (c.bad)
            return EHF_UNSUPPORTED;
        if (len == 0)
            break;          /* terminator */
        if (len == 0xffffffffu)
            len = rd(&c, 8);
        if (c.bad || len > size - c.pos)
            return EHF_UNSUPPORTED;
        size_t next = c.pos + (size_t)len;
        size_t id_pos = c.pos;
        uint64_t id = rd(&c, 4);
        if (c.bad)
            return EHF_UNSUPPORTED;
        if (id != 0) {
            if (out) {
                if (n >= max || id > id_pos)
                    return EHF_UNSUPPORTED;
                int enc = cie_encoding(p, size, id_pos - (size_t)id);
                uint64_t pc;
                if (enc < 0 || enc == PE_omit || !rd_encoded(&c, (unsigned)enc, addr, &pc))
                    return EHF_UNSUPPORTED;
                out[n].pc = pc;
                out[n].fde = addr + off;
            }
            n++;
        }
        off = next;
    }
    return n;
}

size_t ehf_count(const uint8_t *p, size_t size)
{
    return walk(p, size, 0, NULL, 0);
}

size_t ehf_collect(const uint8_t *p, size_t size, uint64_t addr, ehf_entry *out, size_t max)
{
    return walk(p, size, addr, out, max);
}

size_t ehf_hdr_size(size_t n)
{
    return 12 + 8 * n;
}

static int cmp_entry(const void *a, const void *b)
{
    const ehf_entry *x = a, *y = b;
    if (x->pc != y->pc)
        return x->pc < y->pc ? -1 : 1;
    return x->fde < y->fde ? -1 : x->fde > y->fde;
}

static void wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

void ehf_write_hdr(uint8_t *hdr, uint64_t hdr_addr, uint64_t eh_addr, ehf_entry *e, size_t n)
{
    qsort(e, n, sizeof *e, cmp_entry);
    hdr[0] = 1;                             /* version */
    hdr[1] = PE_pcrel | PE_sdata4;          /* eh_frame_ptr */
    hdr[2] = PE_udata4;                     /* fde_count */
    hdr[3] = PE_datarel | PE_sdata4;        /* table */
    wr32(hdr + 4, (uint32_t)(eh_addr - (hdr_addr + 4)));
    wr32(hdr + 8, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        wr32(hdr + 12 + 8 * i, (uint32_t)(e[i].pc - hdr_addr));
        wr32(hdr + 16 + 8 * i, (uint32_t)(e[i].fde - hdr_addr));
    }
}
