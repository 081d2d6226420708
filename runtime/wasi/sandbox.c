/*
 * sandbox.c — resolve guest paths beneath a directory fd, never escaping it.
 *
 * Fast path: openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) (Linux >= 5.6):
 * the kernel refuses absolute paths, `..` above the base and symlinks that
 * lead out (EXDEV). Fallback: a component-wise walk with O_PATH|O_NOFOLLOW
 * opens, a stack of directory fds for `..`, and symlinks expanded here
 * (absolute targets refused, at most MAX_LINKS expansions).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_int.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif

#define MAX_LINKS 40

/* struct open_how of openat2(2), declared here to avoid depending on
 * <linux/openat2.h> being installed. */
struct sb_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
    struct sb_open_how how = { (uint64_t)(unsigned)flags, 0, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
        how.mode = mode;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

bool sb_probe_openat2(void)
{
    int fd = sys_openat2(AT_FDCWD, ".", O_PATH | O_CLOEXEC, 0);
    if (fd < 0)
        return false;           /* ENOSYS, or filtered (seccomp EPERM) */
    close(fd);
    return true;
}

/* Errors of the resolution step: EXDEV means "would leave the base". */
static int resolve_err(int e)
{
    return -(int)(e == EXDEV ? WE_ESCAPE : wasi_errno(e));
}

/* ------------------------------------------------------------------------ */
/* The portable walk                                                         */

typedef struct walk {
    int base;                   /* not owned */
    int *stack;                 /* owned O_PATH fds of the directories entered */
    uint32_t depth, cap;
} walk;

static int walk_cur(const walk *k)
{
    return k->depth ? k->stack[k->depth - 1] : k->base;
}

static void walk_free(walk *k)
{
    for (uint32_t i = 0; i < k->depth; i++)
        close(k->stack[i]);
    free(k->stack);
}

static bool walk_push(walk *k, int fd)
{
    if (k->depth == k->cap) {
        uint32_t n = k->cap ? k->cap * 2 : 8;
        int *p = realloc(k->stack, n * sizeof *p);
        if (!p)
            return false;
        k->stack = p;
        k->cap = n;
    }
    k->stack[k->depth++] = fd;
    return true;
}

/* Replace buf (a malloc'd path) by target + "/" + rest (rest points into buf;
 * no separator when rest is empty). */
static char *splice_link(char *buf, const char *target, const char *rest)
{
    size_t tl = strlen(target), rl = strlen(rest);
    char *n = malloc(tl + 1 + rl + 1);
    if (!n)
        return NULL;
    memcpy(n, target, tl);
    if (rl) {
        n[tl] = '/';
        memcpy(n + tl + 1, rest, rl + 1);
    } else {
        n[tl] = 0;
    }
    free(buf);
    return n;
}

/* Walk `path` beneath base; on success *parent is an owned fd of the directory
 * holding the final component and *name that component (see sb_parent).
 * When follow_final, a final symlink is expanded too. */
static int walk_path(int base, const char *path, bool follow_final, int *parent, char **name)
{
    walk k = { base, NULL, 0, 0 };
    char *buf = strdup(path);
    char *out = NULL;
    int links = 0, err = 0;
    size_t i = 0;
    if (!buf)
        return -WE_NOMEM;
    for (;;) {
        while (buf[i] == '/')
            i++;
        if (buf[i] == 0) {              /* nothing left: the current directory */
            out = strdup(".");
            break;
        }
        size_t j = i;
        while (buf[j] && buf[j] != '/')
            j++;
        size_t after = j;
        while (buf[after] == '/')
            after++;
        bool last = buf[after] == 0;
        bool trailing = last && after > j;
        size_t len = j - i;
        char comp[NAME_MAX + 2];
        if (len > NAME_MAX) {
            err = WE_NAMETOOLONG;
            break;
        }
        memcpy(comp, buf + i, len);
        comp[len] = 0;
        i = after;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (k.depth == 0) {
                err = WE_ESCAPE;
                break;
            }
            close(k.stack[--k.depth]);
            continue;
        }
        if (last && !follow_final && !trailing) {
            out = strdup(comp);
            break;
        }
        int fd = openat(walk_cur(&k), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (last && errno == ENOENT) {      /* may be created by the caller */
                if (trailing)
                    strcat(comp, "/");
                out = strdup(comp);
            } else {
                err = (int)wasi_errno(errno);
            }
            break;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            err = (int)wasi_errno(errno);
            close(fd);
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX + 1];
            ssize_t n = readlinkat(fd, "", target, PATH_MAX);
            close(fd);
            if (n < 0) {
                err = (int)wasi_errno(errno);
                break;
            }
            target[n] = 0;
            if (++links > MAX_LINKS) {
                err = WE_LOOP;
                break;
            }
            if (n == 0 || target[0] == '/') {
                err = n == 0 ? WE_NOENT : WE_ESCAPE;
                break;
            }
            /* keep the trailing slash of the link's own component */
            const char *rest = trailing ? "." : buf + i;
            char *nb = splice_link(buf, target, rest);
            if (!nb) {
                err = WE_NOMEM;
                break;
            }
            buf = nb;
            i = 0;
            continue;
        }
        if (last) {
            close(fd);
            if (trailing)
                strcat(comp, "/");
            out = strdup(comp);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            err = WE_NOTDIR;
            break;
        }
        if (!walk_push(&k, fd)) {
            close(fd);
            err = WE_NOMEM;
            break;
        }
    }
    free(buf);
    if (!err && !out)
        err = WE_NOMEM;
    if (!err) {
        *parent = fcntl(walk_cur(&k), F_DUPFD_CLOEXEC, 0);
        if (*parent < 0)
            err = (int)wasi_errno(errno);
    }
    walk_free(&k);
    if (err) {
        free(out);
        return -err;
    }
    *name = out;
    return 0;
}

/* ------------------------------------------------------------------------ */

int sb_open(bool use_openat2, int dirfd, const char *path, int flags, mode_t mode, bool follow)
{
    if (path[0] == 0)
        return -WE_NOENT;
    if (path[0] == '/')
        return -WE_ESCAPE;
    flags |= O_CLOEXEC;
    if (!follow)
        flags |= O_NOFOLLOW;
    if (use_openat2) {
        int fd = sys_openat2(dirfd, path, flags, mode);
        if (fd >= 0)
            return fd;
        if (errno != ENOSYS)
            return resolve_err(errno);
    }
    int parent;
    char *name;
    int r = walk_path(dirfd, path, follow, &parent, &name);
    if (r < 0)
        return r;
    /* The walk expanded every symlink it had to; O_NOFOLLOW makes a race
     * that swaps the final component for a symlink fail instead of escape. */
    int fd = openat(parent, name, flags | O_NOFOLLOW, mode);
    int e = errno;
    close(parent);
    free(name);
    return fd >= 0 ? fd : -(int)wasi_errno(e);
}

int sb_parent(bool use_openat2, int dirfd, const char *path, char **name)
{
    *name = NULL;
    if (path[0] == 0)
        return -WE_NOENT;
    if (path[0] == '/')
        return -WE_ESCAPE;
    if (!use_openat2) {
        int parent;
        int r = walk_path(dirfd, path, false, &parent, name);
        return r < 0 ? r : parent;
    }
    size_t end = strlen(path);
    bool trailing = false;
    while (end > 0 && path[end - 1] == '/') {
        end--;
        trailing = true;
    }
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t len = end - start;
    if (len > NAME_MAX)
        return -WE_NAMETOOLONG;
    char *dir;
    const char *comp = path + start;
    bool dotdot = (len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.');
    if (dotdot) {                       /* the whole path is the directory */
        dir = strndup(path, end);
        *name = strdup(".");
    } else {
        dir = start ? strndup(path, start) : strdup(".");
        *name = malloc(len + 2);
        if (*name) {
            memcpy(*name, comp, len);
            (*name)[len] = '/';
            (*name)[len + trailing] = 0;
        }
    }
    if (!dir || !*name) {
        free(dir);
        free(*name);
        *name = NULL;
        return -WE_NOMEM;
    }
    int fd = sys_openat2(dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    int e = errno;
    free(dir);
    if (fd >= 0 && trailing && !dotdot) {
        /* "name/" makes the kernel follow a final symlink: check it stays beneath */
        int t = sys_openat2(dirfd, path, O_PATH | O_CLOEXEC, 0);
        if (t >= 0) {
            close(t);
        } else if (errno == EXDEV) {
            close(fd);
            fd = -1;
            e = EXDEV;
        }
    }
    if (fd < 0) {
        free(*name);
        *name = NULL;
        if (e == ENOSYS)
            return sb_parent(false, dirfd, path, name);
        return resolve_err(e);
    }
    return fd;
}
