/* compcheck.c — decode + validate component binaries; one result line each:
 *   <file> ok | malformed <offset> <msg> | invalid <offset> <msg> */
#include <stdio.h>
#include <stdlib.h>

#include "component.h"

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            unsigned char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *size = n;
    return buf;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        size_t size;
        unsigned char *bytes = slurp(argv[i], &size);
        if (!bytes) {
            printf("%s unreadable\n", argv[i]);
            bad = 1;
            continue;
        }
        wasm_error err = { 0 };
        wacc_component *c = wacc_component_decode(bytes, size, &err);
        if (!c)
            printf("%s malformed %zu %s\n", argv[i], err.offset, err.msg);
        else if (!wacc_component_validate(c, &err))
            printf("%s invalid %zu %s\n", argv[i], err.offset, err.msg);
        else
            printf("%s ok\n", argv[i]);
        wacc_component_free(c);
        free(bytes);
    }
    return bad;
}
