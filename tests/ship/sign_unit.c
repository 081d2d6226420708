/*
 * sign_unit.c — libwacc-sign and libwacc-oci on bad input: signature data
 * truncated at every length and with every byte flipped, random bytes as a
 * module, bad references; a round trip of sign/verify for a module with
 * signature delimiters. Exit 0 when every check holds (run under ASan in CI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wacc_oci.h"
#include "wacc_sign.h"

static int failures;
#define CHECK(c)                                                   \
    do {                                                           \
        if (!(c)) {                                                \
            fprintf(stderr, "sign_unit.c:%d: %s\n", __LINE__, #c); \
            failures++;                                            \
        }                                                          \
    } while (0)

/* a module: preamble, a custom section "a", a delimiter, a custom "b" */
static size_t module(uint8_t *m, bool delimited)
{
    static const uint8_t pre[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    size_t n = 0;
    memcpy(m, pre, 8);
    n = 8;
    const uint8_t a[] = { 0, 3, 1, 'a', 'x' };
    memcpy(m + n, a, sizeof a);
    n += sizeof a;
    if (delimited) {
        uint8_t d[2 + 1 + 19 + 16] = { 0, 1 + 19 + 16, 19 };
        memcpy(d + 3, "signature_delimiter", 19);
        memset(d + 22, 0x5a, 16);
        memcpy(m + n, d, sizeof d);
        n += sizeof d;
    }
    const uint8_t b[] = { 0, 3, 1, 'b', 'y' };
    memcpy(m + n, b, sizeof b);
    return n + sizeof b;
}

int main(void)
{
    char err[WACC_SIGN_ERR_LEN], dir[] = "/tmp/wacc-sign-unit-XXXXXX", key[128], pub[160];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(key, sizeof key, "%s/k", dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    CHECK(wacc_keygen(key, err));
    wacc_keyset *ks = wacc_keyset_new();
    CHECK(wacc_keyset_add_file(ks, pub, err));
    CHECK(!wacc_keyset_add_file(ks, key, err));         /* a secret key is not a public key */

    for (int delimited = 0; delimited < 2; delimited++) {
        uint8_t m[128], *sig;
        size_t n = module(m, delimited), sl;
        CHECK(wacc_sign_bytes(key, m, n, &sig, &sl, err));
        CHECK(wacc_verify_bytes(ks, m, n, sig, sl, err));
        /* every truncation and every flipped byte of the signature data */
        for (size_t cut = 0; cut < sl; cut++)
            CHECK(!wacc_verify_bytes(ks, m, n, sig, cut, err));
        for (size_t i = 0; i < sl; i++) {
            sig[i] ^= 0x01;
            CHECK(!wacc_verify_bytes(ks, m, n, sig, sl, err));
            sig[i] ^= 0x01;
        }
        /* every flipped byte of the module after the preamble */
        for (size_t i = 8; i < n; i++) {
            m[i] ^= 0x40;
            CHECK(!wacc_verify_bytes(ks, m, n, sig, sl, err));
            m[i] ^= 0x40;
        }
        free(sig);
    }
    /* random garbage as module and as signature: no crash, no accept */
    srand(7);
    for (int r = 0; r < 2000; r++) {
        uint8_t b[96], s[96];
        for (size_t i = 0; i < sizeof b; i++) {
            b[i] = (uint8_t)rand();
            s[i] = (uint8_t)rand();
        }
        if (r & 1)
            memcpy(b, "\0asm\1\0\0\0", 8);
        if (r & 2) {
            s[0] = 1;
            s[1] = (r & 1) ? 1 : 2;
            s[2] = 1;
        }
        CHECK(!wacc_verify_bytes(ks, b, sizeof b, s, (size_t)(r % 97), err));
        CHECK(!wacc_verify_bytes(ks, b, (size_t)(r % 97), NULL, 0, err));
    }

    /* references */
    wacc_oci_ref ref;
    char oerr[WACC_OCI_ERR_LEN];
    CHECK(wacc_oci_ref_parse("oci://127.0.0.1:5000/team/auth:1.2", &ref, oerr) &&
          strcmp(ref.registry, "127.0.0.1:5000") == 0 && strcmp(ref.repo, "team/auth") == 0 &&
          strcmp(ref.tag, "1.2") == 0 && ref.digest[0] == '\0');
    CHECK(wacc_oci_ref_parse("localhost/x", &ref, oerr) && strcmp(ref.tag, "latest") == 0);
    CHECK(wacc_oci_ref_parse("h:1/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                             &ref, oerr) && ref.tag[0] == '\0' && ref.digest[0] == 's');
    const char *bad[] = { "", "x", "/a", "h/", "h/A", "h/a//b", "h/a:", "h/a:-x", "h/a@sha256:12",
                          "h/a@md5:0123456789abcdef0123456789abcdef", "h/a/:t", "h/a:t:u" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!wacc_oci_ref_parse(bad[i], &ref, oerr));

    wacc_keyset_free(ks);
    unlink(key);
    unlink(pub);
    rmdir(dir);
    return failures ? 1 : 0;
}
