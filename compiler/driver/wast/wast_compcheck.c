/*
 * wast_compcheck.c — decode + validate one component binary for `wacc wast`
 * (wast_component.c). A file of its own so that the component model header
 * is not mixed with the runtime API (wacc.h) in one translation unit.
 * Without the component library (compfmt) the check is "unavailable".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wasm.h"
#ifdef WACC_HAVE_COMPFMT
#include "component/component.h"
#endif

int wast_check_component(const unsigned char *bytes, size_t size, char *why, size_t len);
int wast_check_component_features(const unsigned char *bytes, size_t size, const char *features,
                                  char *why, size_t len);
void wast_component_features(const char *wast_path, char *out, size_t len);

/* Append `k` bytes of `s` to the feature list `out` (',' separated). */
static void feat_add(char *out, size_t len, const char *prefix, const char *s, size_t k)
{
    size_t o = strlen(out), pl = strlen(prefix);
    if (o + pl + k + 2 >= len)
        return;
    if (o)
        out[o++] = ',';
    memcpy(out + o, prefix, pl);
    memcpy(out + o + pl, s, k);
    out[o + pl + k] = '\0';
}

/* The Component Model features a script is written for, as a list for
 * wacc_component_features_apply:
 *   wasm-tools scripts (a leading `;; RUN:` comment): its `-f LIST` /
 *     `-f=LIST` / `--features=LIST` flags (e.g. "cm-async,-cm-threading");
 *   wasmtime scripts (`;;! component_model_X = true|false` lines): those;
 *   other scripts (the spec's own tests): every proposal the spec defines
 *     but the still-gated nested names (🪺).
 * The first two start from what wacc runs (WACC_CFEAT_RUNNABLE: "-all,cm-async").
 * wacc's defaults are changed by the list; "" when the file cannot be read. */
void wast_component_features(const char *wast_path, char *out, size_t len)
{
    char head[4096], line[512];
    size_t n = 0;
    bool run = false, directives = false;
    if (len == 0)
        return;
    out[0] = '\0';
    FILE *f = fopen(wast_path, "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] != ';' || line[1] != ';')
            break;
        if (strncmp(line, ";; RUN:", 7) == 0)
            run = true;
        if (line[2] == '!') {
            directives = true;
            char key[128], val[16];
            if (sscanf(line + 3, " %127[a-z0-9_] = %15s", key, val) == 2 &&
                strncmp(key, "component_model_", 16) == 0) {
                char name[128];
                const char *k = key + 16;
                if (strcmp(k, "memory64") == 0)
                    snprintf(name, sizeof name, "cm64");
                else
                    snprintf(name, sizeof name, "cm-%s", k);
                for (char *p = name; *p; p++)
                    if (*p == '_')
                        *p = '-';
                feat_add(out, len, strcmp(val, "true") == 0 ? "" : "-", name, strlen(name));
            }
            continue;
        }
        size_t k = strlen(line);
        if (n + k + 1 < sizeof head) {
            memcpy(head + n, line + 2, k - 2);
            n += k - 2;
            head[n++] = ' ';
        }
    }
    fclose(f);
    head[n] = '\0';
    if (!run && !directives) {  /* nested names stay gated (🪺) in the spec */
        feat_add(out, len, "", "all,-cm-nested-names", 20);
        return;
    }
    /* wasm-tools / wasmtime scripts: their flags change what wacc runs */
    char base[300];
    snprintf(base, sizeof base, "-all,cm-async%s%s", out[0] ? "," : "", out);
    snprintf(out, len, "%s", base);
    if (!run)
        return;
    for (char *p = head; (p = strstr(p, "-f")) != NULL; ) {
        bool ok = p == head || p[-1] == ' ' || p[-1] == '\t';
        char *q = p + 2;
        if (strncmp(q, "eatures", 7) == 0 && p > head && p[-1] == '-')
            q += 7, ok = p - 1 == head || p[-2] == ' ' || p[-2] == '\t';
        p = q;
        if (!ok || (*q != '=' && *q != ' '))
            continue;
        while (*q == '=' || *q == ' ')
            q++;
        size_t k = strcspn(q, " \t\n\\");
        feat_add(out, len, "", q, k);
        p = q + k;
    }
}

/* 0: valid, 1: rejected (why = offset + reason), 2: no validator (why = reason). */
int wast_check_component(const unsigned char *bytes, size_t size, char *why, size_t len)
{
    return wast_check_component_features(bytes, size, NULL, why, len);
}

/* Same, with the default features changed by a feature list (see above). */
int wast_check_component_features(const unsigned char *bytes, size_t size, const char *features,
                                  char *why, size_t len)
{
#ifdef WACC_HAVE_COMPFMT
    wasm_error err = { 0, "" };
    uint32_t feats = WACC_CFEAT_DEFAULT;
    if (features != NULL)
        wacc_component_features_apply(features, &feats);
    wacc_component *c = wacc_component_decode(bytes, size, &err);
    int res = 0;
    if (c == NULL || !wacc_component_validate_features(c, feats, &err)) {
        snprintf(why, len, "at byte %zu: %s", err.offset, err.msg);
        res = 1;
    }
    wacc_component_free(c);
    return res;
#else
    (void)bytes, (void)size, (void)features;
    snprintf(why, len, "component decoder/validator not built");
    return 2;
#endif
}
