/*
 * fns_fs.c — wasi:filesystem (types, preopens). Every path is resolved
 * beneath its descriptor by runtime/wasi/sandbox.c (sb_open / sb_parent),
 * as preview 1 does: "..", absolute paths and symlinks cannot leave a
 * granted directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "w2_int.h"
#include "wasi_int.h"

enum { DF_READ = 1, DF_WRITE = 2, DF_MUTATE = 32 };

static w2_obj *desc(w2_call *c, uint32_t i)
{
    return w2_get(c->w, c->a[i].x.u, K_DESCRIPTOR);
}

static uint32_t fail(w2_call *c, int host_errno)
{
    return w2_err_label(c, w2_errno_label(host_errno));
}

static uint32_t fail_we(w2_call *c, int we)
{
    return w2_err_label(c, w2_we_label(we));
}

/* A case of descriptor-type: an enum in 0.2, a variant with
 * other(option<string>) in 0.3 (runtime/wasi3 shares these functions). */
static wacc_cval enum_of(const wacc_ctype *t, const char *label)
{
    static wacc_cval none = { .kind = WACC_CT_OPTION };
    uint32_t i = w2_label(t, label);
    if (t && t->kind == WACC_CT_VARIANT) {
        if (i == UINT32_MAX)
            i = w2_label(t, "other");
        if (i == UINT32_MAX)
            i = 0;
        return wacc_cval_variant(WACC_CT_VARIANT, i, t->fields[i].type ? &none : NULL);
    }
    return wacc_cval_variant(WACC_CT_ENUM, i == UINT32_MAX ? 0 : i, NULL);
}

static const char *type_label(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFBLK: return "block-device";
    case S_IFCHR: return "character-device";
    case S_IFDIR: return "directory";
    case S_IFIFO: return "fifo";
    case S_IFLNK: return "symbolic-link";
    case S_IFREG: return "regular-file";
    case S_IFSOCK: return "socket";
    default: return "unknown";
    }
}

/* A string argument as a NUL-terminated arena copy (NULL if it has a NUL). */
static const char *path_arg(w2_call *c, uint32_t i)
{
    const wacc_cval *v = &c->a[i];
    if (memchr(v->x.str, 0, v->n))
        return NULL;
    char *s = wacc_arena_alloc(c->arena, (size_t)v->n + 1);
    if (!s)
        return NULL;
    memcpy(s, v->x.str, v->n);
    s[v->n] = 0;
    return s;
}

static bool follow_arg(w2_call *c, uint32_t i)
{
    return (c->a[i].x.u & 1) != 0;     /* path-flags.symlink-follow */
}

/* ---- preopens ---- */

static uint32_t get_directories(w2_call *c)
{
    wacc_wasi2 *w = c->w;
    wacc_cval *l = wacc_arena_alloc(c->arena, ((size_t)w->npre + 1) * 3 * sizeof *l);
    if (!l)
        return WACC_TRAP_HOST;
    wacc_cval *pairs = l + w->npre;
    for (uint32_t i = 0; i < w->npre; i++) {
        w2_obj *o;
        int fd = fcntl(w->pre[i].fd, F_DUPFD_CLOEXEC, 3);
        uint32_t rep = fd >= 0 ? w2_new(w, K_DESCRIPTOR, &o) : 0;
        if (!rep) {
            if (fd >= 0)
                close(fd);
            return w2_trap(c, "cannot open a preopened directory");
        }
        o->fd = fd;
        o->owned_fd = true;
        o->is_dir = true;
        o->dflags = DF_READ | DF_MUTATE;
        pairs[2 * i] = wacc_cval_handle(WACC_CT_OWN, rep);
        pairs[2 * i + 1] = wacc_cval_string(w->pre[i].guest, (uint32_t)strlen(w->pre[i].guest));
        l[i] = wacc_cval_tuple(&pairs[2 * i], 2);
    }
    return w2_ret(c, wacc_cval_list(l, w->npre));
}

/* ---- streams on descriptors ---- */

static uint32_t via_stream(w2_call *c, uint8_t kind, bool append)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (d->is_dir)
        return w2_err_label(c, "is-directory");
    if (!(d->dflags & (kind == K_INSTREAM ? DF_READ : DF_WRITE)))
        return w2_err_label(c, "bad-descriptor");
    int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return fail(c, errno);
    w2_obj *o;
    uint32_t rep = w2_new(c->w, kind, &o);
    if (!rep) {
        close(fd);
        return WACC_TRAP_HOST;
    }
    o->fd = fd;
    o->owned_fd = true;
    o->is_file = true;
    o->append = append;
    o->pos = append ? 0 : c->a[1].x.u;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t read_via_stream(w2_call *c) { return via_stream(c, K_INSTREAM, false); }
static uint32_t write_via_stream(w2_call *c) { return via_stream(c, K_OUTSTREAM, false); }
static uint32_t append_via_stream(w2_call *c) { return via_stream(c, K_OUTSTREAM, true); }

/* ---- descriptor operations ---- */

static uint32_t advise(w2_call *c)
{
    if (!desc(c, 0))
        return w2_trap(c, "not a descriptor");
    return w2_ok(c, NULL);
}

static uint32_t sync_common(w2_call *c, bool data)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if ((data ? fdatasync(d->fd) : fsync(d->fd)) != 0 && errno != EINVAL && errno != EBADF)
        return fail(c, errno);
    return w2_ok(c, NULL);
}

static uint32_t sync_data(w2_call *c) { return sync_common(c, true); }
static uint32_t sync_(w2_call *c) { return sync_common(c, false); }

static uint32_t get_flags(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    const wacc_ctype *ft = w2_case_type(c->rt, "ok");
    uint32_t bits = 0;
    static const struct { uint32_t f; const char *l; } map[] = {
        { DF_READ, "read" }, { DF_WRITE, "write" }, { DF_MUTATE, "mutate-directory" } };
    for (size_t i = 0; i < 3; i++) {
        uint32_t k = w2_label(ft, map[i].l);
        if ((d->dflags & map[i].f) && k < 32)
            bits |= 1u << k;
    }
    wacc_cval v = wacc_cval_flags(bits);
    return w2_ok(c, &v);
}

static uint32_t get_type(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    struct stat st;
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (fstat(d->fd, &st) != 0)
        return fail(c, errno);
    wacc_cval v = enum_of(w2_case_type(c->rt, "ok"), type_label(st.st_mode));
    return w2_ok(c, &v);
}

static uint32_t set_size(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (d->is_dir)
        return w2_err_label(c, "is-directory");
    if (ftruncate(d->fd, (off_t)c->a[1].x.u) != 0)
        return fail(c, errno);
    return w2_ok(c, NULL);
}

/* new-timestamp: no-change | now | timestamp(datetime) */
static void new_timestamp(const wacc_cval *v, const wacc_ctype *t, struct timespec *ts)
{
    uint32_t now = w2_label(t, "now"), set = w2_label(t, "timestamp");
    ts->tv_sec = 0;
    if (v->n == now) {
        ts->tv_nsec = UTIME_NOW;
    } else if (v->n == set && v->x.payload) {
        ts->tv_sec = (time_t)v->x.payload->x.elems[0].x.u;
        ts->tv_nsec = (long)v->x.payload->x.elems[1].x.u;
    } else {
        ts->tv_nsec = UTIME_OMIT;
    }
}

static const wacc_ctype *param_type(w2_call *c, uint32_t i);

static uint32_t set_times(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    struct timespec ts[2];
    new_timestamp(&c->a[1], param_type(c, 1), &ts[0]);
    new_timestamp(&c->a[2], param_type(c, 2), &ts[1]);
    if (futimens(d->fd, ts) != 0)
        return fail(c, errno);
    return w2_ok(c, NULL);
}

static uint32_t read_(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (d->is_dir)
        return w2_err_label(c, "is-directory");
    if (!(d->dflags & DF_READ))
        return w2_err_label(c, "bad-descriptor");
    uint64_t len = c->a[1].x.u;
    if (len > (1u << 20))
        len = 1u << 20;
    uint8_t *buf = wacc_arena_alloc(c->arena, len ? len : 1);
    wacc_cval *t = wacc_arena_alloc(c->arena, 2 * sizeof *t);
    if (!buf || !t)
        return WACC_TRAP_HOST;
    ssize_t r;
    do
        r = pread(d->fd, buf, len, (off_t)c->a[2].x.u);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return fail(c, errno);
    t[0] = w2_bytes(buf, (size_t)r);
    t[1] = wacc_cval_bool(r == 0 && len > 0);
    wacc_cval v = wacc_cval_tuple(t, 2);
    return w2_ok(c, &v);
}

static uint32_t write_(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (d->is_dir)
        return w2_err_label(c, "is-directory");
    if (!(d->dflags & DF_WRITE))
        return w2_err_label(c, "bad-descriptor");
    const wacc_cval *l = &c->a[1];
    const uint8_t *buf = w2_arg_bytes(c, 1);
    if (!buf)
        return WACC_TRAP_HOST;
    ssize_t r;
    do
        r = pwrite(d->fd, buf, l->n, (off_t)c->a[2].x.u);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return fail(c, errno);
    wacc_cval v = wacc_cval_uint(WACC_CT_U64, (uint64_t)r);
    return w2_ok(c, &v);
}

static uint32_t read_directory(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (!d->is_dir)
        return w2_err_label(c, "not-directory");
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fail(c, e);
    }
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_DIRSTREAM, &o);
    if (!rep) {
        closedir(dir);
        return WACC_TRAP_HOST;
    }
    o->dir = dir;
    o->fd = fd;
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t read_directory_entry(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_DIRSTREAM);
    if (!o)
        return w2_trap(c, "not a directory-entry-stream");
    struct dirent *e;
    do {
        errno = 0;
        e = readdir(o->dir);
    } while (e && (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0));
    if (!e && errno)
        return fail(c, errno);
    wacc_cval none = wacc_cval_variant(WACC_CT_OPTION, 0, NULL);
    if (!e)
        return w2_ok(c, &none);
    const wacc_ctype *rec = w2_case_type(w2_case_type(c->rt, "ok"), "some");
    const wacc_ctype *tt = rec && rec->n == 2 ? rec->fields[0].type : NULL;
    const char *tl = "unknown";
    switch (e->d_type) {
    case DT_BLK: tl = "block-device"; break;
    case DT_CHR: tl = "character-device"; break;
    case DT_DIR: tl = "directory"; break;
    case DT_FIFO: tl = "fifo"; break;
    case DT_LNK: tl = "symbolic-link"; break;
    case DT_REG: tl = "regular-file"; break;
    case DT_SOCK: tl = "socket"; break;
    default: {
        struct stat st;
        if (fstatat(dirfd(o->dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            tl = type_label(st.st_mode);
    }
    }
    wacc_cval *f = wacc_arena_alloc(c->arena, 2 * sizeof *f);
    if (!f)
        return WACC_TRAP_HOST;
    f[0] = enum_of(tt, tl);
    f[1] = w2_str(c, e->d_name, strlen(e->d_name));
    wacc_cval *rv = w2_box(c, wacc_cval_record(f, 2));
    if (!rv)
        return WACC_TRAP_HOST;
    wacc_cval some = wacc_cval_variant(WACC_CT_OPTION, 1, rv);
    return w2_ok(c, &some);
}

/* ---- stat ---- */

static uint32_t stat_result(w2_call *c, const struct stat *st)
{
    const wacc_ctype *rec = w2_case_type(c->rt, "ok");
    if (!rec || rec->kind != WACC_CT_RECORD || rec->n != 6)
        return w2_trap(c, "descriptor-stat: unexpected type");
    wacc_cval *f = wacc_arena_alloc(c->arena, 6 * sizeof *f);
    wacc_cval *dt = wacc_arena_alloc(c->arena, 6 * sizeof *dt);
    wacc_cval *opt = wacc_arena_alloc(c->arena, 3 * sizeof *opt);
    if (!f || !dt || !opt)
        return WACC_TRAP_HOST;
    f[0] = enum_of(rec->fields[0].type, type_label(st->st_mode));
    f[1] = wacc_cval_uint(WACC_CT_U64, (uint64_t)st->st_nlink);
    f[2] = wacc_cval_uint(WACC_CT_U64, (uint64_t)st->st_size);
    const struct timespec *t[3] = { &st->st_atim, &st->st_mtim, &st->st_ctim };
    for (int i = 0; i < 3; i++) {
        dt[2 * i] = wacc_cval_uint(WACC_CT_U64, (uint64_t)t[i]->tv_sec);
        dt[2 * i + 1] = wacc_cval_uint(WACC_CT_U32, (uint64_t)t[i]->tv_nsec);
        opt[i] = wacc_cval_record(&dt[2 * i], 2);
        f[3 + i] = wacc_cval_variant(WACC_CT_OPTION, 1, &opt[i]);
    }
    wacc_cval v = wacc_cval_record(f, 6);
    return w2_ok(c, &v);
}

static uint32_t stat_(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    struct stat st;
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (fstat(d->fd, &st) != 0)
        return fail(c, errno);
    return stat_result(c, &st);
}

/* An O_PATH fd of `path` beneath descriptor arg 0 (following a final
 * symlink iff follow); < 0: minus a WE_* errno. */
static int open_path(w2_call *c, const char *path, bool follow)
{
    w2_obj *d = desc(c, 0);
    if (!d || !d->is_dir)
        return -WE_NOTDIR;
    return sb_open(c->w->use_openat2, d->fd, path, O_PATH, 0, follow);
}

static uint32_t stat_at(w2_call *c)
{
    const char *path = path_arg(c, 2);
    if (!desc(c, 0))
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    int h = open_path(c, path, follow_arg(c, 1));
    if (h < 0)
        return fail_we(c, -h);
    struct stat st;
    int r = fstat(h, &st);
    int e = errno;
    close(h);
    return r == 0 ? stat_result(c, &st) : fail(c, e);
}

static uint32_t set_times_at(w2_call *c)
{
    const char *path = path_arg(c, 2);
    if (!desc(c, 0))
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    int h = open_path(c, path, follow_arg(c, 1));
    if (h < 0)
        return fail_we(c, -h);
    struct timespec ts[2];
    new_timestamp(&c->a[3], param_type(c, 3), &ts[0]);
    new_timestamp(&c->a[4], param_type(c, 4), &ts[1]);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", h);
    int r = utimensat(AT_FDCWD, proc, ts, 0);
    int e = errno;
    close(h);
    return r == 0 ? w2_ok(c, NULL) : fail(c, e);
}

/* ---- operations on a parent directory + name ---- */

typedef int (*parent_op)(int dirfd, const char *name, const void *arg);

static uint32_t on_parent(w2_call *c, uint32_t di, uint32_t pi, parent_op op, const void *arg)
{
    w2_obj *d = w2_get(c->w, c->a[di].x.u, K_DESCRIPTOR);
    const char *path = path_arg(c, pi);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    if (!d->is_dir)
        return w2_err_label(c, "not-directory");
    char *name = NULL;
    int p = sb_parent(c->w->use_openat2, d->fd, path, &name);
    if (p < 0)
        return fail_we(c, -p);
    int r = op(p, name, arg);
    int e = errno;
    close(p);
    free(name);
    return r == 0 ? w2_ok(c, NULL) : fail(c, e);
}

static int op_mkdir(int p, const char *n, const void *a) { (void)a; return mkdirat(p, n, 0777); }
static int op_unlink(int p, const char *n, const void *a) { (void)a; return unlinkat(p, n, 0); }
static int op_rmdir(int p, const char *n, const void *a) { (void)a; return unlinkat(p, n, AT_REMOVEDIR); }
static int op_symlink(int p, const char *n, const void *a) { return symlinkat(a, p, n); }

static uint32_t create_directory_at(w2_call *c) { return on_parent(c, 0, 1, op_mkdir, NULL); }
static uint32_t unlink_file_at(w2_call *c) { return on_parent(c, 0, 1, op_unlink, NULL); }
static uint32_t remove_directory_at(w2_call *c) { return on_parent(c, 0, 1, op_rmdir, NULL); }

static uint32_t symlink_at(w2_call *c)
{
    const char *target = path_arg(c, 1);
    if (!target)
        return w2_err_label(c, "invalid");
    if (target[0] == '/')
        return w2_err_label(c, "not-permitted");
    return on_parent(c, 0, 2, op_symlink, target);
}

/* Two parents: rename-at and link-at. */
static uint32_t two_parents(w2_call *c, uint32_t opath, uint32_t ndesc, uint32_t npath, bool link)
{
    w2_obj *od = desc(c, 0), *nd = w2_get(c->w, c->a[ndesc].x.u, K_DESCRIPTOR);
    const char *op = path_arg(c, opath), *np = path_arg(c, npath);
    if (!od || !nd)
        return w2_trap(c, "not a descriptor");
    if (!op || !np)
        return w2_err_label(c, "invalid");
    char *on = NULL, *nn = NULL;
    int a = sb_parent(c->w->use_openat2, od->fd, op, &on);
    if (a < 0)
        return fail_we(c, -a);
    int b = sb_parent(c->w->use_openat2, nd->fd, np, &nn);
    if (b < 0) {
        close(a);
        free(on);
        return fail_we(c, -b);
    }
    int r = link ? linkat(a, on, b, nn, 0) : renameat(a, on, b, nn);
    int e = errno;
    close(a);
    close(b);
    free(on);
    free(nn);
    return r == 0 ? w2_ok(c, NULL) : fail(c, e);
}

static uint32_t rename_at(w2_call *c) { return two_parents(c, 1, 2, 3, false); }
static uint32_t link_at(w2_call *c) { return two_parents(c, 2, 3, 4, true); }

static uint32_t readlink_at(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    const char *path = path_arg(c, 1);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    char *name = NULL;
    int p = sb_parent(c->w->use_openat2, d->fd, path, &name);
    if (p < 0)
        return fail_we(c, -p);
    char buf[4096];
    ssize_t n = readlinkat(p, name, buf, sizeof buf);
    int e = errno;
    close(p);
    free(name);
    if (n < 0)
        return fail(c, e);
    wacc_cval v = w2_str(c, buf, (size_t)n);
    return w2_ok(c, &v);
}

static uint32_t open_at(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    const char *path = path_arg(c, 2);
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    if (!d->is_dir)
        return w2_err_label(c, "not-directory");
    const wacc_ctype *oft = param_type(c, 3), *dft = param_type(c, 4);
    uint64_t of = c->a[3].x.u, df = c->a[4].x.u;
#define HAS(t, bits, l) (w2_label((t), (l)) < 32 && ((bits) >> w2_label((t), (l)) & 1))
    bool rd = HAS(dft, df, "read"), wr = HAS(dft, df, "write");
    bool mutate = HAS(dft, df, "mutate-directory");
    int flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (HAS(oft, of, "create"))
        flags |= O_CREAT;
    if (HAS(oft, of, "directory"))
        flags |= O_DIRECTORY;
    if (HAS(oft, of, "exclusive"))
        flags |= O_EXCL;
    if (HAS(oft, of, "truncate"))
        flags |= O_TRUNC;
#undef HAS
    if ((flags & (O_CREAT | O_TRUNC)) && !(d->dflags & DF_MUTATE))
        return w2_err_label(c, "read-only");
    if (wr && !(d->dflags & DF_MUTATE))
        return w2_err_label(c, "read-only");
    int fd = sb_open(c->w->use_openat2, d->fd, path, flags, 0666, follow_arg(c, 1));
    if (fd == -WE_ISDIR && wr) {
        return w2_err_label(c, "is-directory");
    }
    if (fd < 0)
        return fail_we(c, -fd);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(c, e);
    }
    w2_obj *o;
    uint32_t rep = w2_new(c->w, K_DESCRIPTOR, &o);
    if (!rep) {
        close(fd);
        return WACC_TRAP_HOST;
    }
    o->fd = fd;
    o->owned_fd = true;
    o->is_dir = S_ISDIR(st.st_mode);
    /* a directory opened beneath a mutable one may be mutated (read-only
     * grants stay read-only all the way down) */
    o->dflags = (rd || !wr ? DF_READ : 0) | (wr ? DF_WRITE : 0) |
                (o->is_dir && (d->dflags & DF_MUTATE) && (mutate || !wr) ? DF_MUTATE : 0);
    wacc_cval h = wacc_cval_handle(WACC_CT_OWN, rep);
    return w2_ok(c, &h);
}

static uint32_t is_same_object(w2_call *c)
{
    w2_obj *a = desc(c, 0), *b = desc(c, 1);
    struct stat sa, sb;
    if (!a || !b)
        return w2_trap(c, "not a descriptor");
    bool same = fstat(a->fd, &sa) == 0 && fstat(b->fd, &sb) == 0 && sa.st_dev == sb.st_dev &&
                sa.st_ino == sb.st_ino;
    return w2_ret(c, wacc_cval_bool(same));
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint32_t hash_result(w2_call *c, const struct stat *st)
{
    wacc_cval *f = wacc_arena_alloc(c->arena, 2 * sizeof *f);
    if (!f)
        return WACC_TRAP_HOST;
    uint64_t lo = mix((uint64_t)st->st_dev * 0x9E3779B97F4A7C15ull ^ (uint64_t)st->st_ino);
    uint64_t hi = mix(lo ^ (uint64_t)st->st_mtim.tv_sec ^ ((uint64_t)st->st_mtim.tv_nsec << 20) ^
                      (uint64_t)st->st_size);
    f[0] = wacc_cval_uint(WACC_CT_U64, lo);
    f[1] = wacc_cval_uint(WACC_CT_U64, hi);
    wacc_cval v = wacc_cval_record(f, 2);
    return w2_ok(c, &v);
}

static uint32_t metadata_hash(w2_call *c)
{
    w2_obj *d = desc(c, 0);
    struct stat st;
    if (!d)
        return w2_trap(c, "not a descriptor");
    if (fstat(d->fd, &st) != 0)
        return fail(c, errno);
    return hash_result(c, &st);
}

static uint32_t metadata_hash_at(w2_call *c)
{
    const char *path = path_arg(c, 2);
    if (!desc(c, 0))
        return w2_trap(c, "not a descriptor");
    if (!path)
        return w2_err_label(c, "invalid");
    int h = open_path(c, path, follow_arg(c, 1));
    if (h < 0)
        return fail_we(c, -h);
    struct stat st;
    int r = fstat(h, &st);
    int e = errno;
    close(h);
    return r == 0 ? hash_result(c, &st) : fail(c, e);
}

static uint32_t filesystem_error_code(w2_call *c)
{
    w2_obj *o = w2_get(c->w, c->a[0].x.u, K_ERROR);
    const wacc_ctype *et = w2_case_type(c->rt, "some");
    if (!o || !o->err_label || w2_label(et, o->err_label) == UINT32_MAX)
        return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 0, NULL));
    wacc_cval *p = w2_box(c, enum_of(et, o->err_label));
    if (!p)
        return WACC_TRAP_HOST;
    return w2_ret(c, wacc_cval_variant(WACC_CT_OPTION, 1, p));
}

/* The binding's parameter types are not in w2_call; the few functions that
 * need one (flags and variants of arguments) look them up here. */
static const wacc_ctype *param_type(w2_call *c, uint32_t i)
{
    return i < c->n ? c->ptypes[i] : NULL;
}

const w2_fn w2_fns_fs[] = {
    { "wasi:filesystem/preopens#get-directories", get_directories },
    { "wasi:filesystem/types#[method]descriptor.read-via-stream", read_via_stream },
    { "wasi:filesystem/types#[method]descriptor.write-via-stream", write_via_stream },
    { "wasi:filesystem/types#[method]descriptor.append-via-stream", append_via_stream },
    { "wasi:filesystem/types#[method]descriptor.advise", advise },
    { "wasi:filesystem/types#[method]descriptor.sync-data", sync_data },
    { "wasi:filesystem/types#[method]descriptor.get-flags", get_flags },
    { "wasi:filesystem/types#[method]descriptor.get-type", get_type },
    { "wasi:filesystem/types#[method]descriptor.set-size", set_size },
    { "wasi:filesystem/types#[method]descriptor.set-times", set_times },
    { "wasi:filesystem/types#[method]descriptor.read", read_ },
    { "wasi:filesystem/types#[method]descriptor.write", write_ },
    { "wasi:filesystem/types#[method]descriptor.read-directory", read_directory },
    { "wasi:filesystem/types#[method]descriptor.sync", sync_ },
    { "wasi:filesystem/types#[method]descriptor.create-directory-at", create_directory_at },
    { "wasi:filesystem/types#[method]descriptor.stat", stat_ },
    { "wasi:filesystem/types#[method]descriptor.stat-at", stat_at },
    { "wasi:filesystem/types#[method]descriptor.set-times-at", set_times_at },
    { "wasi:filesystem/types#[method]descriptor.link-at", link_at },
    { "wasi:filesystem/types#[method]descriptor.open-at", open_at },
    { "wasi:filesystem/types#[method]descriptor.readlink-at", readlink_at },
    { "wasi:filesystem/types#[method]descriptor.remove-directory-at", remove_directory_at },
    { "wasi:filesystem/types#[method]descriptor.rename-at", rename_at },
    { "wasi:filesystem/types#[method]descriptor.symlink-at", symlink_at },
    { "wasi:filesystem/types#[method]descriptor.unlink-file-at", unlink_file_at },
    { "wasi:filesystem/types#[method]descriptor.is-same-object", is_same_object },
    { "wasi:filesystem/types#[method]descriptor.metadata-hash", metadata_hash },
    { "wasi:filesystem/types#[method]descriptor.metadata-hash-at", metadata_hash_at },
    { "wasi:filesystem/types#[method]directory-entry-stream.read-directory-entry",
      read_directory_entry },
    { "wasi:filesystem/types#filesystem-error-code", filesystem_error_code },
    { NULL, NULL },
};
