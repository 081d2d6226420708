/*
 * store.c — the content-addressed blob store under $XDG_CACHE_HOME/wacc/oci:
 * blobs/sha256/HEX (verified on every read), HEX.repos (REGISTRY/REPO lines
 * known to hold the blob: the source of cross-repository mounts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oci_internal.h"

bool oci_mkdir_p(const char *path)
{
    char p[1200];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int r = mkdir(p, 0755);
        *s = '/';
        if (r != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(p, 0755) == 0 || errno == EEXIST;
}

bool wacc_oci_store_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, len, "%s/wacc/oci", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(buf, len, "%s/.cache/wacc/oci", home);
    else
        return false;
    return n > 0 && (size_t)n < len && oci_mkdir_p(buf);
}

bool oci_blob_path(const char *digest, char *buf, size_t len)
{
    char dir[900];
    if (!oci_digest_valid(digest) || !wacc_oci_store_dir(dir, sizeof dir))
        return false;
    char sub[1000];
    snprintf(sub, sizeof sub, "%s/blobs/sha256", dir);
    if (!oci_mkdir_p(sub))
        return false;
    int n = snprintf(buf, len, "%s/%s", sub, digest + 7);
    return n > 0 && (size_t)n < len;
}

bool oci_digest_ok(const char *digest, const uint8_t *b, size_t len)
{
    char d[72];
    wacc_sha256_digest(b, len, d);
    return strcmp(d, digest) == 0;
}

bool oci_write_file(const char *path, const uint8_t *b, size_t len, char err[WACC_OCI_ERR_LEN])
{
    char tmp[1400];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f != NULL && fwrite(b, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        if (err != NULL)
            snprintf(err, WACC_OCI_ERR_LEN, "cannot write %.300s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

uint8_t *oci_store_get(const char *digest, size_t *len)
{
    char path[1200];
    if (!oci_blob_path(digest, path, sizeof path))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    uint8_t *b = NULL;
    if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size <= OCI_MAX_BLOB &&
        (b = malloc((size_t)st.st_size + 1)) != NULL &&
        fread(b, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
        *len = (size_t)st.st_size;
    } else {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b != NULL && !oci_digest_ok(digest, b, *len)) {
        free(b);                                /* corrupt: drop it, fetch again */
        unlink(path);
        return NULL;
    }
    return b;
}

bool oci_store_put(const char *digest, const uint8_t *b, size_t len)
{
    char path[1200];
    return oci_blob_path(digest, path, sizeof path) && oci_write_file(path, b, len, NULL);
}

void oci_store_note_repo(const char *digest, const char *registry, const char *repo)
{
    char path[1300], line[600], want[600];
    if (!oci_blob_path(digest, path, 1200))
        return;
    strcat(path, ".repos");
    snprintf(want, sizeof want, "%s/%s\n", registry, repo);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f))
            if (strcmp(line, want) == 0) {
                fclose(f);
                return;
            }
        fclose(f);
    }
    if ((f = fopen(path, "a")) != NULL) {
        fputs(want, f);
        fclose(f);
    }
}

bool oci_store_find_repo(const char *digest, const char *registry, const char *repo,
                         char out[256])
{
    char path[1300], line[600];
    if (!oci_blob_path(digest, path, 1200))
        return false;
    strcat(path, ".repos");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t rl = strlen(registry);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, registry, rl) != 0 || line[rl] != '/' || strcmp(line + rl + 1, repo) == 0)
            continue;
        if (strlen(line + rl + 1) < 256) {
            strcpy(out, line + rl + 1);
            found = true;
        }
    }
    fclose(f);
    return found;
}
