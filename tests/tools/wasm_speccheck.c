/*
 * wasm_speccheck — runs the module commands of wast2json output through the
 * decoder and validator:  wasm_speccheck [-f FEATURES] [-v] FILE.json...
 * "module" (and modules of assert_trap/unlinkable/...) must decode and
 * validate; binary assert_malformed / assert_invalid modules must fail.
 * FEATURES: comma list of multi-memory, memory64, extended-const, tail-call,
 * threads.  Prints one line per mismatch and "N passed, N failed".
 */
#include "wasm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

static uint32_t parse_features(const char *s)
{
    uint32_t f = 0;
    if (strstr(s, "multi-memory")) f |= WASM_FEATURE_MULTI_MEMORY;
    if (strstr(s, "memory64")) f |= WASM_FEATURE_MEMORY64;
    if (strstr(s, "extended-const")) f |= WASM_FEATURE_EXTENDED_CONST;
    if (strstr(s, "tail-call")) f |= WASM_FEATURE_TAIL_CALL;
    if (strstr(s, "threads")) f |= WASM_FEATURE_THREADS;
    return f;
}

int main(int argc, char **argv)
{
    uint32_t features = 0;
    int verbose = 0, passed = 0, failed = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "-f") && a + 1 < argc) {
            features = parse_features(argv[++a]);
            continue;
        }
        if (!strcmp(argv[a], "-v")) {
            verbose = 1;
            continue;
        }
        size_t len;
        char *text = slurp(argv[a], &len);
        cJSON *root = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!root) {
            fprintf(stderr, "%s: cannot read\n", argv[a]);
            failed++;
            continue;
        }
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", argv[a]);
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[1] = 0;
        else
            dir[0] = 0;
        cJSON *cmd;
        cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(root, "commands")) {
            const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "type"));
            const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "filename"));
            const char *mtype = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "module_type"));
            int line = cJSON_GetObjectItem(cmd, "line") ? cJSON_GetObjectItem(cmd, "line")->valueint : 0;
            if (!type || !file)
                continue;
            if (mtype && strcmp(mtype, "binary") != 0)
                continue;
            if (strlen(file) < 5 || strcmp(file + strlen(file) - 5, ".wasm") != 0)
                continue;
            int expect_ok;
            if (!strcmp(type, "assert_malformed") || !strcmp(type, "assert_invalid"))
                expect_ok = 0;
            else if (!strcmp(type, "module") || !strcmp(type, "assert_unlinkable") ||
                     !strcmp(type, "assert_uninstantiable") || !strcmp(type, "assert_trap"))
                expect_ok = 1;
            else
                continue;
            char path[8192];
            snprintf(path, sizeof path, "%s%s", dir, file);
            size_t n;
            char *bytes = slurp(path, &n);
            if (!bytes) {
                fprintf(stderr, "%s: cannot read\n", path);
                failed++;
                continue;
            }
            wasm_error err = { 0, "" };
            wasm_module *m = wasm_decode((const uint8_t *)bytes, n, features, 0, &err);
            const char *stage = "decode";
            bool ok = m != NULL;
            if (m) {
                stage = "validate";
                ok = wasm_validate(m, &err);
                wasm_module_free(m);
            }
            free(bytes);
            const char *text2 = cJSON_GetStringValue(cJSON_GetObjectItem(cmd, "text"));
            if (ok == (bool)expect_ok) {
                passed++;
                if (verbose && !ok)
                    printf("ok   %s:%d %s expected \"%s\" got %s @%zu: %s\n", argv[a], line, type,
                           text2 ? text2 : "", stage, err.offset, err.msg);
            } else {
                failed++;
                if (ok)
                    printf("FAIL %s:%d %s (%s) \"%s\": accepted\n", argv[a], line, type, file,
                           text2 ? text2 : "");
                else
                    printf("FAIL %s:%d %s (%s): %s error @%zu: %s\n", argv[a], line, type, file,
                           stage, err.offset, err.msg);
            }
        }
        cJSON_Delete(root);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
