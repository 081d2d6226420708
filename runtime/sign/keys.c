/*
 * keys.c — ed25519 key files (wacc_sign.h): generate, read, key sets.
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

#define SK_TAG "wacc-ed25519-secret-key "
#define PK_TAG "wacc-ed25519-public-key "

bool wsg_init(char err[WACC_SIGN_ERR_LEN])
{
    if (sodium_init() < 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "cannot initialise libsodium");
        return false;
    }
    return true;
}

static bool write_text(const char *path, const char *tag, const uint8_t *raw, size_t n,
                       mode_t mode, char err[WACC_SIGN_ERR_LEN])
{
    char b64[256];
    sodium_bin2base64(b64, sizeof b64, raw, n, sodium_base64_VARIANT_ORIGINAL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", path, strerror(errno));
        return false;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", path, strerror(errno));
        return false;
    }
    fprintf(f, "%s%s\n", tag, b64);
    if (fclose(f) != 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool wacc_keygen(const char *path, char err[WACC_SIGN_ERR_LEN])
{
    if (!wsg_init(err))
        return false;
    uint8_t pk[1 + crypto_sign_PUBLICKEYBYTES], sk[1 + crypto_sign_SECRETKEYBYTES];
    pk[0] = WSG_PK_ID;
    sk[0] = WSG_SK_ID;
    crypto_sign_keypair(pk + 1, sk + 1);
    char pub[600];
    snprintf(pub, sizeof pub, "%s.pub", path);
    bool ok = write_text(path, SK_TAG, sk, sizeof sk, 0600, err) &&
              write_text(pub, PK_TAG, pk, sizeof pk, 0644, err);
    sodium_memzero(sk, sizeof sk);
    return ok;
}

/* Read a key file: text (tag + base64) or raw wasmsign2 bytes. `id` is the
 * expected first byte (0x01 public, 0x81 secret); out gets the key after it. */
static bool read_key(const char *path, uint8_t id, uint8_t *out, size_t len,
                     char err[WACC_SIGN_ERR_LEN])
{
    uint8_t buf[512];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: %s", path, strerror(errno));
        return false;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    uint8_t raw[256];
    size_t rawlen = 0;
    const char *tag = id == WSG_PK_ID ? PK_TAG : SK_TAG;
    const char *other = id == WSG_PK_ID ? SK_TAG : PK_TAG;
    if (n >= strlen(tag) && memcmp(buf, tag, strlen(tag)) == 0) {
        const char *b = (const char *)buf + strlen(tag);
        size_t bl = strcspn(b, "\r\n");
        if (sodium_base642bin(raw, sizeof raw, b, bl, NULL, &rawlen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: bad key (base64)", path);
            return false;
        }
    } else if (n >= strlen(other) && memcmp(buf, other, strlen(other)) == 0) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: this is a %s key, a %s key is needed", path,
                 id == WSG_PK_ID ? "secret" : "public", id == WSG_PK_ID ? "public" : "secret");
        return false;
    } else if (n == len + 1) {
        memcpy(raw, buf, n);
        rawlen = n;
    } else {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: not a wacc or wasmsign2 ed25519 %s key", path,
                 id == WSG_PK_ID ? "public" : "secret");
        return false;
    }
    if (rawlen != len + 1 || raw[0] != id) {
        snprintf(err, WACC_SIGN_ERR_LEN, "%.300s: not an ed25519 %s key", path,
                 id == WSG_PK_ID ? "public" : "secret");
        return false;
    }
    memcpy(out, raw + 1, len);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(buf, sizeof buf);
    return true;
}

bool wsg_read_secret(const char *path, uint8_t sk[64], char err[WACC_SIGN_ERR_LEN])
{
    return read_key(path, WSG_SK_ID, sk, crypto_sign_SECRETKEYBYTES, err);
}

wacc_keyset *wacc_keyset_new(void)
{
    return calloc(1, sizeof(wacc_keyset));
}

void wacc_keyset_free(wacc_keyset *ks)
{
    if (ks == NULL)
        return;
    free(ks->pk);
    free(ks);
}

size_t wacc_keyset_count(const wacc_keyset *ks)
{
    return ks ? ks->n : 0;
}

bool wsg_keyset_add(wacc_keyset *ks, const uint8_t pk[32], char err[WACC_SIGN_ERR_LEN])
{
    uint8_t (*grown)[32] = realloc(ks->pk, (ks->n + 1) * sizeof *ks->pk);
    if (grown == NULL) {
        snprintf(err, WACC_SIGN_ERR_LEN, "out of memory");
        return false;
    }
    ks->pk = grown;
    memcpy(ks->pk[ks->n++], pk, 32);
    return true;
}

bool wacc_keyset_add_file(wacc_keyset *ks, const char *path, char err[WACC_SIGN_ERR_LEN])
{
    uint8_t pk[32];
    if (!wsg_init(err) || !read_key(path, WSG_PK_ID, pk, sizeof pk, err))
        return false;
    return wsg_keyset_add(ks, pk, err);
}
