/*
 * ctx.c — the WASI context: configuration, guest fd table, guest memory,
 * errno mapping, and the table of preview1 functions handed to the runtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_int.h"

/* Signatures as strings of wasm valtype bytes (wacc_valtype). */
#define I "\x7f"
#define L "\x7e"

typedef struct wasi_desc {
    const char *name;
    wasi_impl fn;               /* NULL: proc_exit */
    const char *params, *results;
} wasi_desc;

static const wasi_desc wasi_table[] = {
    { "args_get", p1_args_get, I I, I },
    { "args_sizes_get", p1_args_sizes_get, I I, I },
    { "environ_get", p1_environ_get, I I, I },
    { "environ_sizes_get", p1_environ_sizes_get, I I, I },
    { "clock_res_get", p1_clock_res_get, I I, I },
    { "clock_time_get", p1_clock_time_get, I L I, I },
    { "fd_advise", p1_fd_advise, I L L I, I },
    { "fd_allocate", p1_fd_allocate, I L L, I },
    { "fd_close", p1_fd_close, I, I },
    { "fd_datasync", p1_fd_datasync, I, I },
    { "fd_fdstat_get", p1_fd_fdstat_get, I I, I },
    { "fd_fdstat_set_flags", p1_fd_fdstat_set_flags, I I, I },
    { "fd_fdstat_set_rights", p1_fd_fdstat_set_rights, I L L, I },
    { "fd_filestat_get", p1_fd_filestat_get, I I, I },
    { "fd_filestat_set_size", p1_fd_filestat_set_size, I L, I },
    { "fd_filestat_set_times", p1_fd_filestat_set_times, I L L I, I },
    { "fd_pread", p1_fd_pread, I I I L I, I },
    { "fd_prestat_get", p1_fd_prestat_get, I I, I },
    { "fd_prestat_dir_name", p1_fd_prestat_dir_name, I I I, I },
    { "fd_pwrite", p1_fd_pwrite, I I I L I, I },
    { "fd_read", p1_fd_read, I I I I, I },
    { "fd_readdir", p1_fd_readdir, I I I L I, I },
    { "fd_renumber", p1_fd_renumber, I I, I },
    { "fd_seek", p1_fd_seek, I L I I, I },
    { "fd_sync", p1_fd_sync, I, I },
    { "fd_tell", p1_fd_tell, I I, I },
    { "fd_write", p1_fd_write, I I I I, I },
    { "path_create_directory", p1_path_create_directory, I I I, I },
    { "path_filestat_get", p1_path_filestat_get, I I I I I, I },
    { "path_filestat_set_times", p1_path_filestat_set_times, I I I I L L I, I },
    { "path_link", p1_path_link, I I I I I I I, I },
    { "path_open", p1_path_open, I I I I I L L I I, I },
    { "path_readlink", p1_path_readlink, I I I I I I, I },
    { "path_remove_directory", p1_path_remove_directory, I I I, I },
    { "path_rename", p1_path_rename, I I I I I I, I },
    { "path_symlink", p1_path_symlink, I I I I I, I },
    { "path_unlink_file", p1_path_unlink_file, I I I, I },
    { "poll_oneoff", p1_poll_oneoff, I I I I, I },
    { "proc_exit", NULL, I, "" },
    { "proc_raise", p1_proc_raise, I, I },
    { "sched_yield", p1_sched_yield, "", I },
    { "random_get", p1_random_get, I I, I },
    { "sock_accept", p1_sock_accept, I I I, I },
    { "sock_recv", p1_sock_recv, I I I I I I, I },
    { "sock_send", p1_sock_send, I I I I I, I },
    { "sock_shutdown", p1_sock_shutdown, I I, I },
};
#undef I
#undef L
#define NFUNCS (sizeof wasi_table / sizeof wasi_table[0])

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

uint32_t wasi_errno(int e)
{
    switch (e) {
    case 0: return WE_SUCCESS;
    case E2BIG: return WE_2BIG;
    case EACCES: return WE_ACCES;
    case EADDRINUSE: return WE_ADDRINUSE;
    case EADDRNOTAVAIL: return WE_ADDRNOTAVAIL;
    case EAFNOSUPPORT: return WE_AFNOSUPPORT;
    case EAGAIN: return WE_AGAIN;
    case EALREADY: return WE_ALREADY;
    case EBADF: return WE_BADF;
    case EBADMSG: return WE_BADMSG;
    case EBUSY: return WE_BUSY;
    case ECANCELED: return WE_CANCELED;
    case ECHILD: return WE_CHILD;
    case ECONNABORTED: return WE_CONNABORTED;
    case ECONNREFUSED: return WE_CONNREFUSED;
    case ECONNRESET: return WE_CONNRESET;
    case EDEADLK: return WE_DEADLK;
    case EDESTADDRREQ: return WE_DESTADDRREQ;
    case EDOM: return WE_DOM;
    case EDQUOT: return WE_DQUOT;
    case EEXIST: return WE_EXIST;
    case EFAULT: return WE_FAULT;
    case EFBIG: return WE_FBIG;
    case EHOSTUNREACH: return WE_HOSTUNREACH;
    case EIDRM: return WE_IDRM;
    case EILSEQ: return WE_ILSEQ;
    case EINPROGRESS: return WE_INPROGRESS;
    case EINTR: return WE_INTR;
    case EINVAL: return WE_INVAL;
    case EIO: return WE_IO;
    case EISCONN: return WE_ISCONN;
    case EISDIR: return WE_ISDIR;
    case ELOOP: return WE_LOOP;
    case EMFILE: return WE_MFILE;
    case EMLINK: return WE_MLINK;
    case EMSGSIZE: return WE_MSGSIZE;
    case EMULTIHOP: return WE_MULTIHOP;
    case ENAMETOOLONG: return WE_NAMETOOLONG;
    case ENETDOWN: return WE_NETDOWN;
    case ENETRESET: return WE_NETRESET;
    case ENETUNREACH: return WE_NETUNREACH;
    case ENFILE: return WE_NFILE;
    case ENOBUFS: return WE_NOBUFS;
    case ENODEV: return WE_NODEV;
    case ENOENT: return WE_NOENT;
    case ENOEXEC: return WE_NOEXEC;
    case ENOLCK: return WE_NOLCK;
    case ENOLINK: return WE_NOLINK;
    case ENOMEM: return WE_NOMEM;
    case ENOMSG: return WE_NOMSG;
    case ENOPROTOOPT: return WE_NOPROTOOPT;
    case ENOSPC: return WE_NOSPC;
    case ENOSYS: return WE_NOSYS;
    case ENOTCONN: return WE_NOTCONN;
    case ENOTDIR: return WE_NOTDIR;
    case ENOTEMPTY: return WE_NOTEMPTY;
    case ENOTRECOVERABLE: return WE_NOTRECOVERABLE;
    case ENOTSOCK: return WE_NOTSOCK;
    case EOPNOTSUPP: return WE_NOTSUP;  /* == ENOTSUP on Linux */
    case ENOTTY: return WE_NOTTY;
    case ENXIO: return WE_NXIO;
    case EOVERFLOW: return WE_OVERFLOW;
    case EOWNERDEAD: return WE_OWNERDEAD;
    case EPERM: return WE_PERM;
    case EPIPE: return WE_PIPE;
    case EPROTO: return WE_PROTO;
    case EPROTONOSUPPORT: return WE_PROTONOSUPPORT;
    case EPROTOTYPE: return WE_PROTOTYPE;
    case ERANGE: return WE_RANGE;
    case EROFS: return WE_ROFS;
    case ESPIPE: return WE_SPIPE;
    case ESRCH: return WE_SRCH;
    case ESTALE: return WE_STALE;
    case ETIMEDOUT: return WE_TIMEDOUT;
    case ETXTBSY: return WE_TXTBSY;
    case EXDEV: return WE_XDEV;
    default: return WE_IO;
    }
}

uint8_t wasi_filetype_of(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFBLK: return WF_BLOCK_DEVICE;
    case S_IFCHR: return WF_CHARACTER_DEVICE;
    case S_IFDIR: return WF_DIRECTORY;
    case S_IFREG: return WF_REGULAR_FILE;
    case S_IFLNK: return WF_SYMBOLIC_LINK;
    case S_IFSOCK: return WF_SOCKET_STREAM;
    default: return WF_UNKNOWN;           /* fifos have no preview1 type */
    }
}

/* ------------------------------------------------------------------------ */
/* Guest memory                                                              */

wasi_mem wasi_memory(wacc_wasi *w)
{
    wasi_mem m = { w->raw_base, w->raw_size };
    if (w->mem) {
        m.base = wacc_memory_data(w->mem);
        m.size = wacc_memory_size(w->mem);
    }
    return m;
}

void wasi_bind_raw(wacc_wasi *w, uint8_t *base, uint64_t size)
{
    w->mem = NULL;
    w->raw_base = base;
    w->raw_size = size;
}

void wacc_wasi_bind_memory(wacc_wasi *w, wacc_memory_obj *m)
{
    w->mem = m;
}

bool wacc_wasi_bind_instance(wacc_wasi *w, wacc_instance *inst)
{
    wacc_extern ex;
    if (!wacc_instance_export(inst, "memory", &ex) || ex.kind != WACC_EXTERN_MEMORY)
        return false;
    w->mem = ex.of.memory;
    return true;
}

/* Valid UTF-8 without NULs (the witx `string` type). */
static bool utf8_ok(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint32_t extra, cp;
        if (c == 0)
            return false;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07; }
        else return false;
        if (n - i <= extra)
            return false;
        for (uint32_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

uint32_t wasi_guest_string(wasi_mem m, uint32_t ptr, uint32_t len, char **out)
{
    *out = NULL;
    if (!mem_ok(m, ptr, len))
        return WE_FAULT;
    if (!utf8_ok(m.base + ptr, len))
        return memchr(m.base + ptr, 0, len) ? WE_INVAL : WE_ILSEQ;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return WE_NOMEM;
    memcpy(s, m.base + ptr, len);
    s[len] = 0;
    *out = s;
    return WE_SUCCESS;
}

uint32_t wasi_guest_iovs(wasi_mem m, uint32_t iovs, uint32_t *n, struct iovec **out)
{
    *out = NULL;
    if (!mem_ok(m, iovs, (uint64_t)*n * IOVEC_SIZE))
        return WE_FAULT;
    if (*n > IOV_MAX)
        *n = IOV_MAX;
    struct iovec *io = calloc(*n ? *n : 1, sizeof *io);
    if (!io)
        return WE_NOMEM;
    for (uint32_t i = 0; i < *n; i++) {
        uint32_t b = ld32(m, iovs + i * IOVEC_SIZE), l = ld32(m, iovs + i * IOVEC_SIZE + 4);
        if (!mem_ok(m, b, l)) {
            free(io);
            return WE_FAULT;
        }
        io[i].iov_base = m.base + b;
        io[i].iov_len = l;
    }
    *out = io;
    return WE_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* File descriptors                                                          */

wasi_fd *wasi_fd_get(wacc_wasi *w, uint32_t fd)
{
    return fd < w->nfds ? w->fds[fd] : NULL;
}

uint32_t wasi_fd_add(wacc_wasi *w, wasi_fd *f, uint32_t *out)
{
    uint32_t i = 0;
    while (i < w->nfds && w->fds[i])
        i++;
    if (i == w->nfds) {
        uint32_t n = w->nfds ? w->nfds * 2 : 8;
        wasi_fd **p = realloc(w->fds, n * sizeof *p);
        if (!p)
            return WE_NOMEM;
        for (uint32_t k = w->nfds; k < n; k++)
            p[k] = NULL;
        w->fds = p;
        w->nfds = n;
    }
    w->fds[i] = f;
    *out = i;
    return WE_SUCCESS;
}

void wasi_fd_close(wasi_fd *f)
{
    if (!f)
        return;
    if (f->dir)
        closedir(f->dir);
    if (f->owned && f->host >= 0)
        close(f->host);
    free(f->preopen);
    free(f);
}

/* A guest fd for a host stdio fd (not owned). */
static wasi_fd *stdio_fd(int host)
{
    struct stat st;
    if (host < 0 || fstat(host, &st) != 0)
        return NULL;
    wasi_fd *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->host = host;
    f->filetype = wasi_filetype_of(st.st_mode);
    if (S_ISSOCK(st.st_mode)) {
        int type = 0;
        socklen_t len = sizeof type;
        if (getsockopt(host, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
            f->filetype = WF_SOCKET_DGRAM;
    }
    if (S_ISREG(st.st_mode))
        f->rights_base = WR_FILE;
    else if (S_ISDIR(st.st_mode))
        f->rights_base = WR_DIR;
    else
        f->rights_base = WR_STREAM;
    return f;
}

/* ------------------------------------------------------------------------ */
/* Context                                                                   */

void wacc_wasi_config_init(wacc_wasi_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->stdin_fd = 0;
    cfg->stdout_fd = 1;
    cfg->stderr_fd = 2;
}

static char **copy_strings(const char *const *src, uint32_t n, uint32_t *bytes, bool *ok)
{
    uint64_t total = 0;
    *ok = true;
    char **dst = calloc((size_t)n + 1, sizeof *dst);
    if (!dst) {
        *ok = false;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        dst[i] = strdup(src[i] ? src[i] : "");
        if (!dst[i]) {
            *ok = false;
            return dst;
        }
        total += strlen(dst[i]) + 1;
    }
    if (total > UINT32_MAX)
        *ok = false;
    *bytes = (uint32_t)total;
    return dst;
}

static void free_strings(char **v, uint32_t n)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

wacc_wasi *wacc_wasi_new(const wacc_wasi_config *cfg, char err[WACC_ERR_LEN])
{
    wacc_wasi *w = calloc(1, sizeof *w);
    bool ok1, ok2;
    if (!w) {
        snprintf(err, WACC_ERR_LEN, "wasi: out of memory");
        return NULL;
    }
    w->argc = cfg->argc;
    w->envc = cfg->envc;
    w->argv = copy_strings(cfg->argv, cfg->argc, &w->argv_bytes, &ok1);
    w->envp = copy_strings(cfg->envp, cfg->envc, &w->envp_bytes, &ok2);
    w->funcs = calloc(NFUNCS, sizeof *w->funcs);
    w->bindings = calloc(NFUNCS, sizeof *w->bindings);
    if (!ok1 || !ok2 || !w->funcs || !w->bindings) {
        snprintf(err, WACC_ERR_LEN, "wasi: out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < NFUNCS; i++)
        w->bindings[i] = (wasi_binding){ w, i };
    w->use_openat2 = !cfg->no_openat2 && sb_probe_openat2();

    int stdio[3] = { cfg->stdin_fd, cfg->stdout_fd, cfg->stderr_fd };
    w->nfds = 3 + cfg->npreopens;
    w->fds = calloc(w->nfds, sizeof *w->fds);
    if (!w->fds) {
        snprintf(err, WACC_ERR_LEN, "wasi: out of memory");
        goto fail;
    }
    for (int i = 0; i < 3; i++)
        w->fds[i] = stdio_fd(stdio[i]);
    for (uint32_t i = 0; i < cfg->npreopens; i++) {
        const wacc_wasi_preopen *p = &cfg->preopens[i];
        int h = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0) {
            snprintf(err, WACC_ERR_LEN, "wasi: cannot open preopened directory '%s': %s",
                     p->host_path, strerror(errno));
            goto fail;
        }
        wasi_fd *f = calloc(1, sizeof *f);
        char *name = strdup(p->guest_path ? p->guest_path : p->host_path);
        if (!f || !name) {
            close(h);
            free(f);
            free(name);
            snprintf(err, WACC_ERR_LEN, "wasi: out of memory");
            goto fail;
        }
        f->host = h;
        f->owned = true;
        f->filetype = WF_DIRECTORY;
        f->rights_base = WR_DIR;
        f->rights_inh = WR_ALL;
        f->preopen = name;
        w->fds[3 + i] = f;
    }
    return w;
fail:
    wacc_wasi_free(w);
    return NULL;
}

void wacc_wasi_free(wacc_wasi *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->nfds; i++)
        wasi_fd_close(w->fds[i]);
    free(w->fds);
    free_strings(w->argv, w->argc);
    free_strings(w->envp, w->envc);
    free(w->funcs);
    free(w->bindings);
    free(w);
}

int wacc_wasi_exit_code(const wacc_wasi *w)
{
    return w->exit_code;
}

bool wacc_wasi_exited(const wacc_wasi *w)
{
    return w->exited;
}

/* ------------------------------------------------------------------------ */
/* Host functions                                                            */

static uint32_t wasi_trampoline(void *data, wacc_val *v)
{
    const wasi_binding *b = data;
    const wasi_desc *d = &wasi_table[b->index];
    if (!d->fn) {                       /* proc_exit */
        b->w->exited = true;
        b->w->exit_code = v[0].i32;
        return wacc_host_exit(v[0].i32);    /* records trap.exit_status */
    }
    uint32_t e = d->fn(b->w, v);
    if ((e & 0xFFFF0000u) == WASI_TRAP(0))
        return e & 0xFFFFu;
    v[0].u64[0] = 0;
    v[0].u64[1] = 0;
    v[0].i32 = (int32_t)e;
    return 0;
}

static int find_desc(const char *name)
{
    for (uint32_t i = 0; i < NFUNCS; i++)
        if (strcmp(wasi_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

uint32_t wasi_call(wacc_wasi *w, const char *name, wacc_val *v)
{
    int i = find_desc(name);
    if (i < 0)
        return UINT32_MAX;
    uint32_t trap = wasi_trampoline(&w->bindings[i], v);
    return trap ? trap : (uint32_t)v[0].i32;
}

bool wacc_wasi_resolve(wacc_wasi *w, wacc_store *s, const char *module, const char *name,
                       const wacc_functype *want, wacc_extern *out)
{
    (void)want;
    if (!module || !name || strcmp(module, WACC_WASI_MODULE) != 0)
        return false;
    int i = find_desc(name);
    if (i < 0)
        return false;
    if (w->store != s) {                /* host functions belong to one store */
        memset(w->funcs, 0, NFUNCS * sizeof *w->funcs);
        w->store = s;
    }
    if (!w->funcs[i]) {
        const wasi_desc *d = &wasi_table[i];
        wacc_functype ft = {
            (uint32_t)strlen(d->params), (uint32_t)strlen(d->results),
            (const uint8_t *)d->params, (const uint8_t *)d->results,
        };
        w->funcs[i] = wacc_func_new_host(s, &ft, wasi_trampoline, &w->bindings[i]);
        if (!w->funcs[i])
            return false;
    }
    out->kind = WACC_EXTERN_FUNC;
    out->of.func = w->funcs[i];
    return true;
}

bool wacc_wasi_link(wacc_wasi *w, wacc_store *s, const wacc_artifact *a, wacc_extern *imports,
                    char err[WACC_ERR_LEN])
{
    uint32_t n = wacc_artifact_num_imports(a);
    for (uint32_t i = 0; i < n; i++) {
        const char *mod = "?", *name = "?";
        wacc_extern_kind kind;
        wacc_artifact_import(a, i, &mod, &name, &kind);
        if (kind != WACC_EXTERN_FUNC || !wacc_wasi_resolve(w, s, mod, name, NULL, &imports[i])) {
            snprintf(err, WACC_ERR_LEN, "unknown import %s.%s", mod, name);
            return false;
        }
    }
    return true;
}
