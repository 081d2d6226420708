/* random: getentropy fills buffers with fresh bytes every time. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    int ok = getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0;
    printf("getentropy: %s\n", ok ? "ok" : "FAIL");
    printf("differ: %s\n", memcmp(a, b, sizeof a) ? "ok" : "FAIL");
    int counts[256] = { 0 }, distinct = 0;
    for (int round = 0; round < 64; round++) {
        getentropy(a, sizeof a);
        for (size_t i = 0; i < sizeof a; i++)
            counts[a[i]]++;
    }
    for (int i = 0; i < 256; i++)
        distinct += counts[i] > 0;
    printf("all byte values seen: %s\n", distinct == 256 ? "ok" : "FAIL");
    unsigned char big[512];
    printf("too long rejected: %s\n", getentropy(big, 257) != 0 ? "ok" : "FAIL");
    return 0;
}
