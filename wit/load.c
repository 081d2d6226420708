/*
 * load.c — WIT from strings, files and directories (with deps/).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

bool wit_parse_string(wit_resolve *r, const char *file, const char *src, size_t len,
                      wit_package **main)
{
    wit_package *pkg = NULL;
    wit_pending pend = {0};
    if (!wit_parse_file(r, file, src, len, &pkg, &pend))
        return false;
    if (pkg == NULL && (pend.ninterfaces > 0 || pend.nworlds > 0)) {
        wit_set_error(r, file, 1, 1, "no package declaration (package ns:name;)");
        return false;
    }
    if (main != NULL)
        *main = pkg;
    return true;
}

static char *read_file(wit_resolve *r, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        wit_set_error(r, NULL, 0, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                wit_set_error(r, NULL, 0, 0, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        wit_set_error(r, NULL, 0, 0, "%s: read error", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a directory (malloc'd array of malloc'd strings). */
static char **list_dir(wit_resolve *r, const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        wit_set_error(r, NULL, 0, 0, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool oom = false;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL) {
                oom = true;
                break;
            }
            names = nn;
        }
        if ((names[n] = strdup(e->d_name)) == NULL) {
            oom = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (oom) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        wit_set_error(r, NULL, 0, 0, "%s: out of memory", dir);
        return NULL;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, name_cmp);
    *count = n;
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, na);
    size_t k = na;
    if (k > 0 && s[k - 1] != '/')
        s[k++] = '/';
    memcpy(s + k, b, nb + 1);
    return s;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool parse_one(wit_resolve *r, const char *path, wit_package **pkg, wit_pending *pend)
{
    size_t len;
    char *src = read_file(r, path, &len);
    if (src == NULL)
        return false;
    bool ok = wit_parse_file(r, path, src, len, pkg, pend);
    free(src);
    return ok;
}

/* Parse a package (file or directory, without its deps) into r. */
static bool load_package(wit_resolve *r, const char *path, wit_package **main)
{
    if (!is_dir(path)) {
        wit_pending pend = {0};
        wit_package *pkg = NULL;
        if (!parse_one(r, path, &pkg, &pend))
            return false;
        if (pkg == NULL) {
            wit_set_error(r, path, 1, 1, "no package declaration (package ns:name;)");
            return false;
        }
        if (pkg->dir == NULL)
            pkg->dir = wit_strdup(r, path);
        *main = pkg;
        return true;
    }
    size_t n;
    char **names = list_dir(r, path, &n);
    if (names == NULL)
        return false;
    wit_pending pend = {0};
    wit_package *pkg = NULL;
    bool ok = true;
    const char *decl_file = NULL;
    for (size_t i = 0; i < n && ok; i++) {
        if (!ends_with(names[i], ".wit"))
            continue;
        char *file = join(path, names[i]);
        if (file == NULL) {
            wit_set_error(r, NULL, 0, 0, "out of memory");
            ok = false;
            break;
        }
        if (is_dir(file)) {
            free(file);
            continue;
        }
        wit_package *fp = NULL;
        ok = parse_one(r, file, &fp, &pend);
        if (ok && fp != NULL) {
            if (pkg != NULL && fp != pkg) {
                wit_set_error(r, file, fp->pos.line, fp->pos.col,
                              "package %s:%s differs from %s:%s declared in %s", fp->ns,
                              fp->name, pkg->ns, pkg->name, decl_file);
                ok = false;
            }
            pkg = fp;
            decl_file = fp->pos.file;
        }
        free(file);
    }
    free_list(names, n);
    if (!ok)
        return false;
    if (pkg == NULL) {
        wit_set_error(r, NULL, 0, 0, "%s: no .wit file declares a package (package ns:name;)",
                      path);
        return false;
    }
    if (!wit_attach(r, pkg, &pend))
        return false;
    if (pkg->dir == NULL)
        pkg->dir = wit_strdup(r, path);
    *main = pkg;
    return true;
}

/* Would loading `path` add only packages r does not have yet? */
static bool is_new(wit_resolve *r, const char *path, bool *fresh)
{
    wit_resolve *tmp = wit_resolve_new();
    if (tmp == NULL) {
        wit_set_error(r, NULL, 0, 0, "out of memory");
        return false;
    }
    wit_package *m;
    if (!load_package(tmp, path, &m)) {
        snprintf(r->err, sizeof r->err, "%s", tmp->err);
        wit_resolve_free(tmp);
        return false;
    }
    *fresh = true;
    for (uint32_t i = 0; i < tmp->npackages; i++) {
        wit_package *p = tmp->packages[i];
        wit_package *q = wit_find_package(r, p->ns, p->name, p->version);
        if (q != NULL && ((q->version == NULL) == (p->version == NULL)))
            *fresh = false;
    }
    wit_resolve_free(tmp);
    return true;
}

static bool load_dep_entries(wit_resolve *r, const char *deps, int depth);

static bool load_deps(wit_resolve *r, const char *dir, int depth)
{
    if (depth > 16)
        return true;
    char *deps = join(dir, "deps");
    if (deps == NULL) {
        wit_set_error(r, NULL, 0, 0, "out of memory");
        return false;
    }
    bool ok = !is_dir(deps) || load_dep_entries(r, deps, depth);
    free(deps);
    return ok;
}

/* Every directory or .wit file in `deps` that brings new packages. */
static bool load_dep_entries(wit_resolve *r, const char *deps, int depth)
{
    size_t n;
    char **names = list_dir(r, deps, &n);
    bool ok = names != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        char *p = join(deps, names[i]);
        if (p == NULL) {
            wit_set_error(r, NULL, 0, 0, "out of memory");
            ok = false;
            break;
        }
        bool dir_entry = is_dir(p);
        if (dir_entry || ends_with(names[i], ".wit")) {
            bool fresh = false;
            wit_package *m;
            ok = is_new(r, p, &fresh);
            if (ok && fresh)
                ok = load_package(r, p, &m);
            if (ok && dir_entry)
                ok = load_deps(r, p, depth + 1);
        }
        free(p);
    }
    if (names != NULL)
        free_list(names, n);
    return ok;
}

bool wit_load_deps_dir(wit_resolve *r, const char *dir)
{
    return load_dep_entries(r, dir, 0);
}

bool wit_load_path(wit_resolve *r, const char *path, wit_package **main)
{
    wit_package *m = NULL;
    if (!load_package(r, path, &m))
        return false;
    if (is_dir(path) && !load_deps(r, path, 0))
        return false;
    if (main != NULL)
        *main = m;
    return true;
}
