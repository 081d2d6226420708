/*
 * sigdata.c — the Signatures.md signature data (wacc_sign.h): hashing a
 * module by its sections, encoding, signing and verifying.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sign_internal.h"

#define MAX_HASHES 64
#define MAX_SIGS 256
#define DOMAIN "wasmsig"

static bool is_wasm(const uint8_t *b, size_t n)
{
    return n >= 8 && memcmp(b, "\0asm", 4) == 0;
}

static bool get_leb(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static size_t put_leb(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

/* One section of a module: [start, end) including its id and size; for a
 * custom section `name` (not NUL-terminated) and `payload`. */
struct section {
    const uint8_t *start, *end;
    bool custom;
    const uint8_t *name;
    uint32_t name_len;
    const uint8_t *payload;
};

static bool next_section(const uint8_t **p, const uint8_t *end, struct section *s)
{
    uint32_t size;
    s->start = *p;
    uint8_t id = *(*p)++;
    if (!get_leb(p, end, &size) || size > (size_t)(end - *p))
        return false;
    s->end = *p + size;
    s->custom = id == 0;
    s->name = NULL;
    s->name_len = 0;
    s->payload = s->end;
    if (s->custom) {
        const uint8_t *q = *p;
        if (!get_leb(&q, s->end, &s->name_len) || s->name_len > (size_t)(s->end - q))
            return false;
        s->name = q;
        s->payload = q + s->name_len;
    }
    *p = s->end;
    return true;
}

static bool named(const struct section *s, const char *name)
{
    return s->custom && s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}

/* The hashes of a module (Signatures.md): rolling SHA-256 over every section
 * after an optional leading `signature` section, one hash at the end of
 * each `signature_delimiter` and one at the end of the module if content
 * follows the last delimiter. `embedded` receives the leading signature
 * section's payload, if any. Returns the number of hashes, -1 if the module
 * cannot be read. */
static int module_hashes(const uint8_t *b, size_t n, uint8_t hashes[MAX_HASHES][32],
                         const uint8_t **embedded, size_t *embedded_len, const uint8_t **body)
{
    const uint8_t *p = b + 8, *end = b + n;
    struct section s;
    *embedded = NULL;
    *embedded_len = 0;
    *body = p;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    int nh = 0;
    bool first = true, pending = false;
    while (p < end) {
        if (!next_section(&p, end, &s))
            return -1;
        if (first && named(&s, "signature")) {
            *embedded = s.payload;
            *embedded_len = (size_t)(s.end - s.payload);
            *body = p;
            first = false;
            continue;
        }
        first = false;
        crypto_hash_sha256_update(&st, s.start, (size_t)(s.end - s.start));
        pending = true;
        if (named(&s, "signature_delimiter")) {
            if (nh == MAX_HASHES)
                return -1;
            crypto_hash_sha256_state copy = st;
            crypto_hash_sha256_final(&copy, hashes[nh++]);
            pending = false;
        }
    }
    if (pending || nh == 0) {
        if (nh == MAX_HASHES)
            return -1;
        crypto_hash_sha256_final(&st, hashes[nh++]);
    }
    return nh;
}

/* The content type and hashes that a signature of these bytes covers. */
static int content_hashes(const uint8_t *b, size_t n, uint8_t hashes[MAX_HASHES][32],
                          uint8_t *ctype, const uint8_t **embedded, size_t *embedded_len,
                          const uint8_t **body, char err[WACC_SIGN_ERR_LEN])
{
    if (is_wasm(b, n)) {
        *ctype = WACC_SIG_CONTENT_WASM;
        int nh = module_hashes(b, n, hashes, embedded, embedded_len, body);
        if (nh < 0)
            snprintf(err, WACC_SIGN_ERR_LEN, "malformed WebAssembly sections (cannot hash)");
        return nh;
    }
    *ctype = WACC_SIG_CONTENT_FILE;
    *embedded = NULL;
    *embedded_len = 0;
    *body = b;
    crypto_hash_sha256(hashes[0], b, n);
    return 1;
}

static void signed_message(uint8_t *msg, size_t *len, uint8_t ctype,
                           const uint8_t hashes[][32], int nh)
{
    size_t k = 0;
    memcpy(msg, DOMAIN, strlen(DOMAIN));
    k += strlen(DOMAIN);
    msg[k++] = WSG_VERSION;
    msg[k++] = ctype;
    msg[k++] = WSG_HASH_SHA256;
    memcpy(msg + k, hashes, (size_t)nh * 32);
    *len = k + (size_t)nh * 32;
}

void wacc_sha256_digest(const uint8_t *bytes, size_t n, char out[72])
{
    uint8_t h[32];
    crypto_hash_sha256(h, bytes, n);
    memcpy(out, "sha256:", 7);
    sodium_bin2hex(out + 7, 65, h, sizeof h);
}

bool wacc_sign_bytes(const char *key, const uint8_t *bytes, size_t n, uint8_t **sig,
                     size_t *siglen, char err[WACC_SIGN_ERR_LEN])
{
    uint8_t sk[64], hashes[MAX_HASHES][32], ctype;
    const uint8_t *emb, *body;
    size_t emblen;
    if (!wsg_init(err) || !wsg_read_secret(key, sk, err))
        return false;
    int nh = content_hashes(bytes, n, hashes, &ctype, &emb, &emblen, &body, err);
    if (nh < 0) {
        sodium_memzero(sk, sizeof sk);
        return false;
    }
    uint8_t msg[16 + MAX_HASHES * 32], s[64];
    size_t mlen;
    signed_message(msg, &mlen, ctype, hashes, nh);
    crypto_sign_detached(s, NULL, msg, mlen, sk);
    sodium_memzero(sk, sizeof sk);

    /* signature record: key id (none), algorithm, signature */
    uint8_t rec[80];
    size_t rl = 0;
    rl += put_leb(rec + rl, 0);
    rec[rl++] = WSG_PK_ID;
    rl += put_leb(rec + rl, 64);
    memcpy(rec + rl, s, 64);
    rl += 64;
    /* signed hashes: hashes, one signature */
    size_t shmax = 16 + (size_t)nh * 32 + rl;
    uint8_t *sh = malloc(shmax);
    uint8_t *out = malloc(shmax + 32);
    if (sh == NULL || out == NULL) {
        free(sh);
        free(out);
        snprintf(err, WACC_SIGN_ERR_LEN, "out of memory");
        return false;
    }
    size_t sl = put_leb(sh, (uint32_t)nh);
    memcpy(sh + sl, hashes, (size_t)nh * 32);
    sl += (size_t)nh * 32;
    sl += put_leb(sh + sl, 1);
    sl += put_leb(sh + sl, (uint32_t)rl);
    memcpy(sh + sl, rec, rl);
    sl += rl;
    size_t ol = 0;
    ol += put_leb(out + ol, WSG_VERSION);
    ol += put_leb(out + ol, ctype);
    ol += put_leb(out + ol, WSG_HASH_SHA256);
    ol += put_leb(out + ol, 1);
    ol += put_leb(out + ol, (uint32_t)sl);
    memcpy(out + ol, sh, sl);
    ol += sl;
    free(sh);
    *sig = out;
    *siglen = ol;
    return true;
}

/* Does one signature in `sig` verify, with a key of `ks`, for exactly
 * `hashes`? Returns 1 yes, 0 no, -1 malformed (message in err). */
static int check_sigdata(const wacc_keyset *ks, const uint8_t *sig, size_t siglen,
                         uint8_t ctype, const uint8_t hashes[][32], int nh,
                         char err[WACC_SIGN_ERR_LEN])
{
    const uint8_t *p = sig, *end = sig + siglen;
    uint32_t ver, ct, hf, nsets;
    if (!get_leb(&p, end, &ver) || !get_leb(&p, end, &ct) || !get_leb(&p, end, &hf) ||
        !get_leb(&p, end, &nsets)) {
        snprintf(err, WACC_SIGN_ERR_LEN, "malformed signature data (truncated header)");
        return -1;
    }
    if (ver != WSG_VERSION || hf != WSG_HASH_SHA256) {
        snprintf(err, WACC_SIGN_ERR_LEN, "unsupported signature data (version %u, hash %u)",
                 ver, hf);
        return -1;
    }
    if (ct != ctype) {
        snprintf(err, WACC_SIGN_ERR_LEN, "signature is for content type %u, the file is %u",
                 ct, ctype);
        return 0;
    }
    if (nsets > MAX_HASHES) {
        snprintf(err, WACC_SIGN_ERR_LEN, "malformed signature data (%u hash sets)", nsets);
        return -1;
    }
    uint8_t msg[16 + MAX_HASHES * 32];
    size_t mlen;
    signed_message(msg, &mlen, ctype, hashes, nh);
    for (uint32_t i = 0; i < nsets; i++) {
        uint32_t len, count, nsig;
        if (!get_leb(&p, end, &len) || len > (size_t)(end - p))
            goto bad;
        const uint8_t *q = p, *qend = p + len;
        p = qend;
        if (!get_leb(&q, qend, &count) || count > MAX_HASHES || (size_t)count * 32 > (size_t)(qend - q))
            goto bad;
        const uint8_t *set = q;
        q += (size_t)count * 32;
        if (!get_leb(&q, qend, &nsig) || nsig > MAX_SIGS)
            goto bad;
        bool same = count == (uint32_t)nh && memcmp(set, hashes, (size_t)nh * 32) == 0;
        for (uint32_t j = 0; j < nsig; j++) {
            uint32_t rl, kl, sl;
            if (!get_leb(&q, qend, &rl) || rl > (size_t)(qend - q))
                goto bad;
            const uint8_t *r = q, *rend = q + rl;
            q = rend;
            if (!get_leb(&r, rend, &kl) || kl > (size_t)(rend - r))
                goto bad;
            r += kl;
            if (r >= rend)
                goto bad;
            uint8_t alg = *r++;
            if (!get_leb(&r, rend, &sl) || sl > (size_t)(rend - r))
                goto bad;
            if (!same || alg != WSG_PK_ID || sl != 64)
                continue;
            for (size_t k = 0; k < ks->n; k++)
                if (crypto_sign_verify_detached(r, msg, mlen, ks->pk[k]) == 0)
                    return 1;
        }
    }
    if (p != end)
        goto bad;
    snprintf(err, WACC_SIGN_ERR_LEN, "no valid signature by a trusted key (tampered, or signed by another key)");
    return 0;
bad:
    snprintf(err, WACC_SIGN_ERR_LEN, "malformed signature data");
    return -1;
}

bool wacc_verify_bytes(const wacc_keyset *ks, const uint8_t *bytes, size_t n,
                       const uint8_t *sig, size_t siglen, char err[WACC_SIGN_ERR_LEN])
{
    uint8_t hashes[MAX_HASHES][32], ctype;
    const uint8_t *emb, *body;
    size_t emblen;
    if (!wsg_init(err))
        return false;
    if (ks == NULL || ks->n == 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "no trusted public key");
        return false;
    }
    int nh = content_hashes(bytes, n, hashes, &ctype, &emb, &emblen, &body, err);
    if (nh < 0)
        return false;
    if (sig == NULL) {
        sig = emb;
        siglen = emblen;
    }
    if (sig == NULL) {
        snprintf(err, WACC_SIGN_ERR_LEN, "not signed");
        return false;
    }
    return check_sigdata(ks, sig, siglen, ctype, hashes, nh, err) == 1;
}

uint8_t *wsg_read_file(const char *path, size_t *n, char err[WACC_SIGN_ERR_LEN])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(size ? size : 1);
    while (buf != NULL && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (buf == NULL || got != size) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: cannot read", path);
        free(buf);
        return NULL;
    }
    *n = size;
    return buf;
}

bool wacc_verify_file_bytes(const wacc_keyset *ks, const char *path, const uint8_t *bytes,
                            size_t n, char err[WACC_SIGN_ERR_LEN])
{
    char sp[4200], e2[WACC_SIGN_ERR_LEN];
    snprintf(sp, sizeof sp, "%s.sig", path);
    uint8_t *sig = NULL;
    size_t siglen = 0;
    struct stat st;
    bool embedded = false;
    if (is_wasm(bytes, n)) {
        uint8_t hashes[MAX_HASHES][32], ct;
        const uint8_t *emb, *body;
        size_t el;
        embedded = content_hashes(bytes, n, hashes, &ct, &emb, &el, &body, e2) >= 0 && emb != NULL;
    }
    if (!embedded && stat(sp, &st) == 0) {
        if (st.st_size > WACC_SIG_MAX) {
            snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: signature file too large", sp);
            return false;
        }
        if ((sig = wsg_read_file(sp, &siglen, err)) == NULL)
            return false;
    } else if (!embedded) {
        snprintf(err, WACC_SIGN_ERR_LEN, "not signed (no embedded signature and no %.300s)", sp);
        return false;
    }
    bool ok = wacc_verify_bytes(ks, bytes, n, sig, siglen, err);
    free(sig);
    return ok;
}

bool wacc_verify_file(const wacc_keyset *ks, const char *path, char err[WACC_SIGN_ERR_LEN])
{
    size_t n;
    uint8_t *b = wsg_read_file(path, &n, err);
    if (b == NULL)
        return false;
    bool ok = wacc_verify_file_bytes(ks, path, b, n, err);
    free(b);
    return ok;
}

static bool write_all(const char *path, const uint8_t *parts[], const size_t lens[], int nparts,
                      char err[WACC_SIGN_ERR_LEN])
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", tmp, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < nparts; i++)
        ok = ok && fwrite(parts[i], 1, lens[i], f) == lens[i];
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

bool wacc_sign_file(const char *key, const char *file, bool embed, char err[WACC_SIGN_ERR_LEN])
{
    size_t n, siglen;
    uint8_t *bytes = wsg_read_file(file, &n, err), *sig = NULL;
    if (bytes == NULL)
        return false;
    if (!wacc_sign_bytes(key, bytes, n, &sig, &siglen, err)) {
        free(bytes);
        return false;
    }
    bool ok;
    if (embed && is_wasm(bytes, n)) {
        uint8_t hashes[MAX_HASHES][32], ct;
        const uint8_t *emb, *body;
        size_t el;
        content_hashes(bytes, n, hashes, &ct, &emb, &el, &body, err);
        /* preamble, custom section "signature", the other sections */
        uint8_t head[16];
        size_t payload = 1 + 9 + siglen, hl = 0;
        head[hl++] = 0;
        hl += put_leb(head + hl, (uint32_t)payload);
        hl += put_leb(head + hl, 9);
        memcpy(head + hl, "signature", 9);
        hl += 9;
        const uint8_t *parts[] = { bytes, head, sig, body };
        const size_t lens[] = { 8, hl, siglen, (size_t)(bytes + n - body) };
        ok = write_all(file, parts, lens, 4, err);
    } else if (embed) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: --embed needs a .wasm", file);
        ok = false;
    } else {
        char sp[4200];
        snprintf(sp, sizeof sp, "%s.sig", file);
        const uint8_t *parts[] = { sig };
        const size_t lens[] = { siglen };
        ok = write_all(sp, parts, lens, 1, err);
    }
    free(sig);
    free(bytes);
    return ok;
}
