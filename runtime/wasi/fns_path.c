/*
 * fns_path.c — the path_* functions of wasi_snapshot_preview1. Every path is
 * resolved beneath its directory fd by sandbox.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_int.h"

/* The directory fd `fd` (holding `right`) and the guest path string. */
static uint32_t dir_path(wacc_wasi *w, uint32_t fd, uint64_t right, uint32_t ptr, uint32_t len,
                         wasi_fd **dir, char **path)
{
    *path = NULL;
    *dir = wasi_fd_get(w, fd);
    if (!*dir)
        return WE_BADF;
    if ((*dir)->filetype != WF_DIRECTORY)
        return WE_NOTDIR;
    if (!((*dir)->rights_base & right))
        return WE_NOTCAPABLE;
    return wasi_guest_string(wasi_memory(w), ptr, len, path);
}

/* Run op(parent, name) on the resolved parent of a path. */
typedef int (*at_op)(int parent, const char *name, const void *arg);

static uint32_t on_parent(wacc_wasi *w, uint32_t fd, uint64_t right, uint32_t ptr, uint32_t len,
                          at_op op, const void *arg)
{
    wasi_fd *d;
    char *path, *name;
    uint32_t e = dir_path(w, fd, right, ptr, len, &d, &path);
    if (e)
        return e;
    int parent = sb_parent(w->use_openat2, d->host, path, &name);
    free(path);
    if (parent < 0)
        return (uint32_t)-parent;
    int r = op(parent, name, arg);
    e = r == 0 ? WE_SUCCESS : wasi_errno(errno);
    close(parent);
    free(name);
    return e;
}

static int op_mkdir(int p, const char *n, const void *a) { (void)a; return mkdirat(p, n, 0777); }
static int op_unlink(int p, const char *n, const void *a) { (void)a; return unlinkat(p, n, 0); }
static int op_rmdir(int p, const char *n, const void *a) { (void)a; return unlinkat(p, n, AT_REMOVEDIR); }
static int op_symlink(int p, const char *n, const void *a) { return symlinkat(a, p, n); }

WASI_FN(path_create_directory)
{
    return on_parent(w, ARG32(0), WR_PATH_CREATE_DIRECTORY, ARG32(1), ARG32(2), op_mkdir, NULL);
}

WASI_FN(path_unlink_file)
{
    return on_parent(w, ARG32(0), WR_PATH_UNLINK_FILE, ARG32(1), ARG32(2), op_unlink, NULL);
}

WASI_FN(path_remove_directory)
{
    return on_parent(w, ARG32(0), WR_PATH_REMOVE_DIRECTORY, ARG32(1), ARG32(2), op_rmdir, NULL);
}

WASI_FN(path_symlink)
{
    char *target;
    uint32_t e = wasi_guest_string(wasi_memory(w), ARG32(0), ARG32(1), &target);
    if (e)
        return e;
    e = on_parent(w, ARG32(2), WR_PATH_SYMLINK, ARG32(3), ARG32(4), op_symlink, target);
    free(target);
    return e;
}

/* An O_PATH fd of the whole path (following a final symlink iff follow). */
static int open_path(wacc_wasi *w, uint32_t fd, uint32_t lookup, uint64_t right, uint32_t ptr,
                     uint32_t len, uint32_t *e)
{
    wasi_fd *d;
    char *path;
    *e = dir_path(w, fd, right, ptr, len, &d, &path);
    if (*e)
        return -1;
    int h = sb_open(w->use_openat2, d->host, path, O_PATH, 0, lookup & WL_SYMLINK_FOLLOW);
    free(path);
    if (h < 0) {
        *e = (uint32_t)-h;
        return -1;
    }
    return h;
}

WASI_FN(path_filestat_get)
{
    wasi_mem m = wasi_memory(w);
    uint32_t e, out = ARG32(4);
    struct stat st;
    if (!mem_ok(m, out, FILESTAT_SIZE))
        return WE_FAULT;
    int h = open_path(w, ARG32(0), ARG32(1), WR_PATH_FILESTAT_GET, ARG32(2), ARG32(3), &e);
    if (h < 0)
        return e;
    e = fstat(h, &st) == 0 ? WE_SUCCESS : wasi_errno(errno);
    close(h);
    if (!e)
        wasi_put_filestat(m, out, &st);
    return e;
}

/* A "/proc/self/fd/N" name for an O_PATH fd (for calls lacking AT_EMPTY_PATH). */
static void proc_name(char buf[64], int fd)
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

WASI_FN(path_filestat_set_times)
{
    struct timespec ts[2];
    uint32_t e;
    if ((e = wasi_times(ARG64(4), ARG64(5), ARG32(6), ts)))
        return e;
    int h = open_path(w, ARG32(0), ARG32(1), WR_PATH_FILESTAT_SET_TIMES, ARG32(2), ARG32(3), &e);
    if (h < 0)
        return e;
    int r = utimensat(h, "", ts, AT_EMPTY_PATH);
    if (r != 0 && errno == EINVAL) {    /* kernels without AT_EMPTY_PATH here */
        struct stat st;
        char pn[64];
        proc_name(pn, h);
        if (fstat(h, &st) == 0 && S_ISLNK(st.st_mode))
            errno = ENOTSUP;
        else
            r = utimensat(AT_FDCWD, pn, ts, 0);
    }
    e = r == 0 ? WE_SUCCESS : wasi_errno(errno);
    close(h);
    return e;
}

WASI_FN(path_link)
{
    uint32_t e, lookup = ARG32(1);
    wasi_fd *nd;
    char *npath, *nname, *oname = NULL;
    int src = -1, oparent = -1;
    if (lookup & WL_SYMLINK_FOLLOW) {
        src = open_path(w, ARG32(0), lookup, WR_PATH_LINK_SOURCE, ARG32(2), ARG32(3), &e);
        if (src < 0)
            return e;
    } else {
        wasi_fd *od;
        char *opath;
        if ((e = dir_path(w, ARG32(0), WR_PATH_LINK_SOURCE, ARG32(2), ARG32(3), &od, &opath)))
            return e;
        oparent = sb_parent(w->use_openat2, od->host, opath, &oname);
        free(opath);
        if (oparent < 0)
            return (uint32_t)-oparent;
    }
    e = dir_path(w, ARG32(4), WR_PATH_LINK_TARGET, ARG32(5), ARG32(6), &nd, &npath);
    int nparent = -1;
    if (!e) {
        nparent = sb_parent(w->use_openat2, nd->host, npath, &nname);
        free(npath);
        if (nparent < 0)
            e = (uint32_t)-nparent;
    }
    if (!e) {
        int r;
        if (src >= 0) {
            char pn[64];
            proc_name(pn, src);
            r = linkat(AT_FDCWD, pn, nparent, nname, AT_SYMLINK_FOLLOW);
        } else {
            r = linkat(oparent, oname, nparent, nname, 0);
        }
        e = r == 0 ? WE_SUCCESS : wasi_errno(errno);
        close(nparent);
        free(nname);
    }
    if (src >= 0)
        close(src);
    if (oparent >= 0)
        close(oparent);
    free(oname);
    return e;
}

WASI_FN(path_rename)
{
    uint32_t e;
    wasi_fd *od, *nd;
    char *opath, *npath, *oname, *nname;
    if ((e = dir_path(w, ARG32(0), WR_PATH_RENAME_SOURCE, ARG32(1), ARG32(2), &od, &opath)))
        return e;
    int op = sb_parent(w->use_openat2, od->host, opath, &oname);
    free(opath);
    if (op < 0)
        return (uint32_t)-op;
    e = dir_path(w, ARG32(3), WR_PATH_RENAME_TARGET, ARG32(4), ARG32(5), &nd, &npath);
    if (!e) {
        int np = sb_parent(w->use_openat2, nd->host, npath, &nname);
        free(npath);
        if (np < 0) {
            e = (uint32_t)-np;
        } else {
            e = renameat(op, oname, np, nname) == 0 ? WE_SUCCESS : wasi_errno(errno);
            close(np);
            free(nname);
        }
    }
    close(op);
    free(oname);
    return e;
}

WASI_FN(path_readlink)
{
    wasi_mem m = wasi_memory(w);
    uint32_t buf = ARG32(3), len = ARG32(4), pused = ARG32(5), e;
    wasi_fd *d;
    char *path, *name;
    if (!mem_ok(m, buf, len) || !mem_ok(m, pused, 4))
        return WE_FAULT;
    if ((e = dir_path(w, ARG32(0), WR_PATH_READLINK, ARG32(1), ARG32(2), &d, &path)))
        return e;
    int parent = sb_parent(w->use_openat2, d->host, path, &name);
    free(path);
    if (parent < 0)
        return (uint32_t)-parent;
    char tmp[PATH_MAX];
    ssize_t n = readlinkat(parent, name, tmp, sizeof tmp);
    e = n < 0 ? wasi_errno(errno) : WE_SUCCESS;
    close(parent);
    free(name);
    if (e)
        return e;
    uint32_t k = (uint64_t)n < len ? (uint32_t)n : len;    /* truncated like readlink(2) */
    memcpy(m.base + buf, tmp, k);
    st32(m, pused, k);
    return WE_SUCCESS;
}

WASI_FN(path_open)
{
    wasi_mem m = wasi_memory(w);
    uint32_t lookup = ARG32(1), oflags = ARG32(4), fdflags = ARG32(7), out = ARG32(8), e;
    uint64_t base = ARG64(5), inh = ARG64(6);
    wasi_fd *d;
    char *path;
    if (!mem_ok(m, out, 4))
        return WE_FAULT;
    if ((oflags & ~(uint32_t)0xF) || (fdflags & ~(uint32_t)0x1F))
        return WE_INVAL;
    if ((e = dir_path(w, ARG32(0), WR_PATH_OPEN, ARG32(2), ARG32(3), &d, &path)))
        return e;
    if (((oflags & WO_CREAT) && !(d->rights_base & WR_PATH_CREATE_FILE)) ||
        ((oflags & WO_TRUNC) && !(d->rights_base & WR_PATH_FILESTAT_SET_SIZE))) {
        free(path);
        return WE_NOTCAPABLE;
    }
    base &= d->rights_inh;
    inh &= d->rights_inh;

    bool rd = base & (WR_FD_READ | WR_FD_READDIR);
    bool wr = base & (WR_FD_WRITE | WR_FD_DATASYNC | WR_FD_ALLOCATE | WR_FD_FILESTAT_SET_SIZE);
    int flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (oflags & WO_CREAT) flags |= O_CREAT;
    if (oflags & WO_EXCL) flags |= O_EXCL;
    if (oflags & WO_TRUNC) flags |= O_TRUNC;
    if (oflags & WO_DIRECTORY) flags |= O_DIRECTORY;
    if (fdflags & WFD_APPEND) flags |= O_APPEND;
    if (fdflags & WFD_DSYNC) flags |= O_DSYNC;
    if (fdflags & WFD_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & WFD_RSYNC) flags |= O_RSYNC;
    if (fdflags & WFD_SYNC) flags |= O_SYNC;

    int h = sb_open(w->use_openat2, d->host, path, flags, 0666, lookup & WL_SYMLINK_FOLLOW);
    free(path);
    if (h < 0)
        return (uint32_t)-h;
    struct stat st;
    wasi_fd *f = calloc(1, sizeof *f);
    if (!f || fstat(h, &st) != 0) {
        e = f ? wasi_errno(errno) : WE_NOMEM;
        free(f);
        close(h);
        return e;
    }
    f->host = h;
    f->owned = true;
    f->filetype = wasi_filetype_of(st.st_mode);
    f->rights_base = base;
    f->rights_inh = inh;
    uint32_t gfd;
    if ((e = wasi_fd_add(w, f, &gfd))) {
        wasi_fd_close(f);
        return e;
    }
    st32(m, out, gfd);
    return WE_SUCCESS;
}
