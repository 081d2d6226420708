/*
 * fns_fd.c — the fd_* functions of wasi_snapshot_preview1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_int.h"

static uint64_t ns_of(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wasi_put_filestat(wasi_mem m, uint32_t p, const struct stat *st)
{
    memset(m.base + p, 0, FILESTAT_SIZE);
    st64(m, p + FILESTAT_DEV, (uint64_t)st->st_dev);
    st64(m, p + FILESTAT_INO, (uint64_t)st->st_ino);
    st8(m, p + FILESTAT_FILETYPE, wasi_filetype_of(st->st_mode));
    st64(m, p + FILESTAT_NLINK, (uint64_t)st->st_nlink);
    st64(m, p + FILESTAT_SIZE_, (uint64_t)st->st_size);
    st64(m, p + FILESTAT_ATIM, ns_of(st->st_atim));
    st64(m, p + FILESTAT_MTIM, ns_of(st->st_mtim));
    st64(m, p + FILESTAT_CTIM, ns_of(st->st_ctim));
}

/* The fd, or NULL with *e = badf. */
static wasi_fd *get(wacc_wasi *w, const wacc_val *v, uint32_t *e)
{
    wasi_fd *f = wasi_fd_get(w, ARG32(0));
    *e = f ? WE_SUCCESS : WE_BADF;
    return f;
}

#define GET_FD(f) \
    uint32_t e_; \
    wasi_fd *f = get(w, v, &e_); \
    if (!f) \
        return e_

static uint32_t host_result(int r)
{
    return r == 0 ? WE_SUCCESS : wasi_errno(errno);
}

/* ---- reading and writing ---- */

/* op: 0 read, 1 write; positioned when pos != NULL. */
static uint32_t rw(wacc_wasi *w, const wacc_val *v, bool write, const uint64_t *pos,
                   uint32_t out_ptr)
{
    wasi_mem m = wasi_memory(w);
    struct iovec *io;
    uint32_t n = ARG32(2), e;
    GET_FD(f);
    if (!(f->rights_base & (write ? WR_FD_WRITE : WR_FD_READ)))
        return WE_BADF;
    if (pos && *pos > INT64_MAX)
        return WE_INVAL;
    if (!mem_ok(m, out_ptr, 4))
        return WE_FAULT;
    if ((e = wasi_guest_iovs(m, ARG32(1), &n, &io)))
        return e;
    ssize_t r;
    do {
        if (pos)
            r = write ? pwritev(f->host, io, (int)n, (off_t)*pos) : preadv(f->host, io, (int)n, (off_t)*pos);
        else
            r = write ? writev(f->host, io, (int)n) : readv(f->host, io, (int)n);
    } while (r < 0 && errno == EINTR);
    e = r < 0 ? wasi_errno(errno) : WE_SUCCESS;
    free(io);
    if (!e)
        st32(m, out_ptr, (uint32_t)r);
    return e;
}

WASI_FN(fd_read) { return rw(w, v, false, NULL, ARG32(3)); }
WASI_FN(fd_write) { return rw(w, v, true, NULL, ARG32(3)); }

WASI_FN(fd_pread)
{
    uint64_t pos = ARG64(3);
    return rw(w, v, false, &pos, ARG32(4));
}

WASI_FN(fd_pwrite)
{
    uint64_t pos = ARG64(3);
    return rw(w, v, true, &pos, ARG32(4));
}

WASI_FN(fd_seek)
{
    wasi_mem m = wasi_memory(w);
    int whence;
    GET_FD(f);
    switch (ARG32(2)) {
    case WW_SET: whence = SEEK_SET; break;
    case WW_CUR: whence = SEEK_CUR; break;
    case WW_END: whence = SEEK_END; break;
    default: return WE_INVAL;
    }
    if (!mem_ok(m, ARG32(3), 8))
        return WE_FAULT;
    if (f->filetype == WF_DIRECTORY)
        return WE_BADF;
    off_t r = lseek(f->host, (off_t)ARG64(1), whence);
    if (r < 0)
        return wasi_errno(errno);
    st64(m, ARG32(3), (uint64_t)r);
    return WE_SUCCESS;
}

WASI_FN(fd_tell)
{
    wasi_mem m = wasi_memory(w);
    GET_FD(f);
    if (!mem_ok(m, ARG32(1), 8))
        return WE_FAULT;
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0)
        return wasi_errno(errno);
    st64(m, ARG32(1), (uint64_t)r);
    return WE_SUCCESS;
}

/* ---- descriptor management ---- */

WASI_FN(fd_close)
{
    GET_FD(f);
    w->fds[ARG32(0)] = NULL;
    wasi_fd_close(f);
    return WE_SUCCESS;
}

WASI_FN(fd_renumber)
{
    uint32_t to = ARG32(1);
    GET_FD(f);
    wasi_fd *t = wasi_fd_get(w, to);
    if (!t)
        return WE_BADF;
    if (f == t)
        return WE_SUCCESS;
    wasi_fd_close(t);
    w->fds[to] = f;
    w->fds[ARG32(0)] = NULL;
    return WE_SUCCESS;
}

WASI_FN(fd_fdstat_get)
{
    wasi_mem m = wasi_memory(w);
    uint32_t p = ARG32(1);
    GET_FD(f);
    if (!mem_ok(m, p, FDSTAT_SIZE))
        return WE_FAULT;
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return wasi_errno(errno);
    uint16_t flags = 0;
    if (fl & O_APPEND)
        flags |= WFD_APPEND;
    if (fl & O_NONBLOCK)
        flags |= WFD_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        flags |= WFD_SYNC | ((fl & O_RSYNC) == O_RSYNC ? WFD_RSYNC : 0);
    else if (fl & O_DSYNC)
        flags |= WFD_DSYNC;
    memset(m.base + p, 0, FDSTAT_SIZE);
    st8(m, p + FDSTAT_FILETYPE, f->filetype);
    st16(m, p + FDSTAT_FLAGS, flags);
    st64(m, p + FDSTAT_RIGHTS_BASE, f->rights_base);
    st64(m, p + FDSTAT_RIGHTS_INH, f->rights_inh);
    return WE_SUCCESS;
}

WASI_FN(fd_fdstat_set_flags)
{
    uint32_t flags = ARG32(1);
    GET_FD(f);
    if (!(f->rights_base & WR_FD_FDSTAT_SET_FLAGS))
        return WE_NOTCAPABLE;
    if (flags & ~(uint32_t)(WFD_APPEND | WFD_NONBLOCK))
        return (flags & ~(uint32_t)0x1F) ? WE_INVAL : WE_NOTSUP;  /* sync flags: fixed at open */
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return wasi_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WFD_APPEND)
        fl |= O_APPEND;
    if (flags & WFD_NONBLOCK)
        fl |= O_NONBLOCK;
    return host_result(fcntl(f->host, F_SETFL, fl));
}

WASI_FN(fd_fdstat_set_rights)
{
    uint64_t base = ARG64(1), inh = ARG64(2);
    GET_FD(f);
    if ((base & ~f->rights_base) || (inh & ~f->rights_inh))
        return WE_NOTCAPABLE;   /* rights can only be dropped */
    f->rights_base = base;
    f->rights_inh = inh;
    return WE_SUCCESS;
}

WASI_FN(fd_prestat_get)
{
    wasi_mem m = wasi_memory(w);
    uint32_t p = ARG32(1);
    GET_FD(f);
    if (!f->preopen)
        return WE_BADF;
    if (!mem_ok(m, p, PRESTAT_SIZE))
        return WE_FAULT;
    memset(m.base + p, 0, PRESTAT_SIZE);
    st8(m, p, WPRE_DIR);
    st32(m, p + 4, (uint32_t)strlen(f->preopen));
    return WE_SUCCESS;
}

WASI_FN(fd_prestat_dir_name)
{
    wasi_mem m = wasi_memory(w);
    uint32_t p = ARG32(1), len = ARG32(2);
    GET_FD(f);
    if (!f->preopen)
        return WE_BADF;
    size_t n = strlen(f->preopen);
    if (len < n)
        return WE_NAMETOOLONG;
    if (!mem_ok(m, p, n))
        return WE_FAULT;
    memcpy(m.base + p, f->preopen, n);
    return WE_SUCCESS;
}

/* ---- attributes ---- */

WASI_FN(fd_filestat_get)
{
    wasi_mem m = wasi_memory(w);
    uint32_t p = ARG32(1);
    struct stat st;
    GET_FD(f);
    if (!mem_ok(m, p, FILESTAT_SIZE))
        return WE_FAULT;
    if (fstat(f->host, &st) != 0)
        return wasi_errno(errno);
    wasi_put_filestat(m, p, &st);
    return WE_SUCCESS;
}

WASI_FN(fd_filestat_set_size)
{
    GET_FD(f);
    if (ARG64(1) > INT64_MAX)
        return WE_INVAL;
    return host_result(ftruncate(f->host, (off_t)ARG64(1)));
}

uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (((fst & WT_ATIM) && (fst & WT_ATIM_NOW)) || ((fst & WT_MTIM) && (fst & WT_MTIM_NOW)) ||
        (fst & ~(uint32_t)0xF))
        return WE_INVAL;
    ts[0].tv_sec = 0;
    ts[1].tv_sec = 0;
    ts[0].tv_nsec = (fst & WT_ATIM_NOW) ? UTIME_NOW : UTIME_OMIT;
    ts[1].tv_nsec = (fst & WT_MTIM_NOW) ? UTIME_NOW : UTIME_OMIT;
    if (fst & WT_ATIM) {
        ts[0].tv_sec = (time_t)(atim / 1000000000u);
        ts[0].tv_nsec = (long)(atim % 1000000000u);
    }
    if (fst & WT_MTIM) {
        ts[1].tv_sec = (time_t)(mtim / 1000000000u);
        ts[1].tv_nsec = (long)(mtim % 1000000000u);
    }
    return WE_SUCCESS;
}

WASI_FN(fd_filestat_set_times)
{
    struct timespec ts[2];
    uint32_t e;
    GET_FD(f);
    if ((e = wasi_times(ARG64(1), ARG64(2), ARG32(3), ts)))
        return e;
    return host_result(futimens(f->host, ts));
}

WASI_FN(fd_advise)
{
    int adv;
    GET_FD(f);
    switch (ARG32(3)) {
    case WA_NORMAL: adv = POSIX_FADV_NORMAL; break;
    case WA_SEQUENTIAL: adv = POSIX_FADV_SEQUENTIAL; break;
    case WA_RANDOM: adv = POSIX_FADV_RANDOM; break;
    case WA_WILLNEED: adv = POSIX_FADV_WILLNEED; break;
    case WA_DONTNEED: adv = POSIX_FADV_DONTNEED; break;
    case WA_NOREUSE: adv = POSIX_FADV_NOREUSE; break;
    default: return WE_INVAL;
    }
    if (ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX)
        return WE_INVAL;
    int r = posix_fadvise(f->host, (off_t)ARG64(1), (off_t)ARG64(2), adv);
    return r ? wasi_errno(r) : WE_SUCCESS;
}

WASI_FN(fd_allocate)
{
    GET_FD(f);
    if (ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX || ARG64(2) == 0)
        return WE_INVAL;
    int r = posix_fallocate(f->host, (off_t)ARG64(1), (off_t)ARG64(2));
    return r ? wasi_errno(r) : WE_SUCCESS;
}

WASI_FN(fd_datasync)
{
    GET_FD(f);
    return host_result(fdatasync(f->host));
}

WASI_FN(fd_sync)
{
    GET_FD(f);
    return host_result(fsync(f->host));
}

/* ---- fd_readdir ---- */

static uint8_t dt_type(DIR *d, const struct dirent *de)
{
    switch (de->d_type) {
    case DT_BLK: return WF_BLOCK_DEVICE;
    case DT_CHR: return WF_CHARACTER_DEVICE;
    case DT_DIR: return WF_DIRECTORY;
    case DT_REG: return WF_REGULAR_FILE;
    case DT_LNK: return WF_SYMBOLIC_LINK;
    case DT_SOCK: return WF_SOCKET_STREAM;
    case DT_FIFO: return WF_UNKNOWN;
    default: {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wasi_filetype_of(st.st_mode);
        return WF_UNKNOWN;
    }
    }
}

WASI_FN(fd_readdir)
{
    wasi_mem m = wasi_memory(w);
    uint32_t buf = ARG32(1), len = ARG32(2), pused = ARG32(4);
    uint64_t cookie = ARG64(3);
    GET_FD(f);
    if (f->filetype != WF_DIRECTORY)
        return WE_NOTDIR;
    if (!(f->rights_base & WR_FD_READDIR))
        return WE_NOTCAPABLE;
    if (!mem_ok(m, buf, len) || !mem_ok(m, pused, 4))
        return WE_FAULT;
    if (!f->dir) {
        int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0)
            return wasi_errno(errno);
        f->dir = fdopendir(d);
        if (!f->dir) {
            uint32_t e = wasi_errno(errno);
            close(d);
            return e;
        }
        f->dir_next = 0;
    } else if (cookie != f->dir_next) {
        rewinddir(f->dir);
        f->dir_next = 0;
    }
    while (f->dir_next < cookie) {          /* cookies count entries */
        errno = 0;
        if (!readdir(f->dir)) {
            if (errno)
                return wasi_errno(errno);
            break;
        }
        f->dir_next++;
    }
    uint32_t used = 0;
    while (used < len) {
        long pos = telldir(f->dir);
        errno = 0;
        struct dirent *de = readdir(f->dir);
        if (!de) {
            if (errno)
                return wasi_errno(errno);
            break;
        }
        uint8_t ent[DIRENT_SIZE] = { 0 };
        size_t nl = strlen(de->d_name);
        uint64_t next = f->dir_next + 1, ino = (uint64_t)de->d_ino;
        uint32_t nl32 = (uint32_t)nl;
        memcpy(ent + DIRENT_NEXT, &next, 8);
        memcpy(ent + DIRENT_INO, &ino, 8);
        memcpy(ent + DIRENT_NAMLEN, &nl32, 4);
        ent[DIRENT_TYPE] = dt_type(f->dir, de);
        uint32_t room = len - used;
        uint32_t n = room < DIRENT_SIZE ? room : DIRENT_SIZE;
        memcpy(m.base + buf + used, ent, n);
        used += n;
        room -= n;
        n = room < nl ? room : (uint32_t)nl;
        memcpy(m.base + buf + used, de->d_name, n);
        used += n;
        if (n < nl || used == len) {
            if (n < nl)                     /* truncated: return it again next time */
                seekdir(f->dir, pos);
            else
                f->dir_next++;
            break;
        }
        f->dir_next++;
    }
    st32(m, pused, used);
    return WE_SUCCESS;
}
