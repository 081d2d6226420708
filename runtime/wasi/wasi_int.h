/*
 * wasi_int.h — internals shared by the WASI preview1 implementation files.
 */
#ifndef WACC_WASI_INT_H
#define WACC_WASI_INT_H

#include <dirent.h>
#include <string.h>
#include <sys/types.h>

#include "wasi.h"
#include "wasi_abi.h"

/* One guest file descriptor. */
typedef struct wasi_fd {
    int host;                   /* host fd */
    bool owned;                 /* close the host fd with the guest fd */
    uint8_t filetype;           /* WF_* */
    uint64_t rights_base, rights_inh;
    char *preopen;              /* guest name of a preopened directory, else NULL */
    DIR *dir;                   /* fd_readdir stream (on a dup of host), lazily opened */
    uint64_t dir_next;          /* cookie of the entry `dir` returns next */
} wasi_fd;

/* The guest memory as seen by one call. */
typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

/* A host function's data: which function, of which context. */
typedef struct wasi_binding {
    wacc_wasi *w;
    uint32_t index;
} wasi_binding;

struct wacc_wasi {
    char **argv, **envp;
    uint32_t argc, envc;
    uint32_t argv_bytes, envp_bytes;    /* total sizes including the NULs */
    wasi_fd **fds;              /* NULL slots are free */
    uint32_t nfds;
    wacc_memory_obj *mem;
    uint8_t *raw_base;          /* memory for unit tests (wasi_bind_raw) */
    uint64_t raw_size;
    bool use_openat2;
    bool exited;
    int exit_code;
    wacc_store *store;          /* store the cached host functions live in */
    struct wacc_func **funcs;   /* one per table entry, created on demand */
    wasi_binding *bindings;
};

/* An implementation: reads its arguments from v, returns a WE_* errno
 * (written to v[0] by the trampoline). */
typedef uint32_t (*wasi_impl)(wacc_wasi *w, const wacc_val *v);

/* ---- ctx.c ---- */
wasi_mem wasi_memory(wacc_wasi *w);
uint32_t wasi_errno(int host_errno);
uint8_t wasi_filetype_of(mode_t mode);
wasi_fd *wasi_fd_get(wacc_wasi *w, uint32_t fd);
/* Installs f at the lowest free guest fd; WE_* errno. */
uint32_t wasi_fd_add(wacc_wasi *w, wasi_fd *f, uint32_t *out);
void wasi_fd_close(wasi_fd *f);
/* A guest path string as a NUL-terminated host copy (caller frees); WE_* errno. */
uint32_t wasi_guest_string(wasi_mem m, uint32_t ptr, uint32_t len, char **out);
/* The guest iovec array (iovs, *n) as host iovecs pointing into guest
 * memory (caller frees *out); *n is clamped to IOV_MAX. WE_* errno. */
struct iovec;
uint32_t wasi_guest_iovs(wasi_mem m, uint32_t iovs, uint32_t *n, struct iovec **out);
/* Testing hooks: bind a plain buffer as guest memory; call a function by name
 * (returns the errno, or UINT32_MAX if unknown; proc_exit returns the trap). */
void wasi_bind_raw(wacc_wasi *w, uint8_t *base, uint64_t size);
uint32_t wasi_call(wacc_wasi *w, const char *name, wacc_val *v);

/* Bounds check: [ptr, ptr+len) inside the memory. */
static inline bool mem_ok(wasi_mem m, uint32_t ptr, uint64_t len)
{
    return m.base != NULL && (uint64_t)ptr + len <= m.size;
}
/* Little-endian accessors (the host is x86-64); callers checked bounds. */
static inline void st8(wasi_mem m, uint32_t p, uint8_t x) { m.base[p] = x; }
static inline void st16(wasi_mem m, uint32_t p, uint16_t x) { memcpy(m.base + p, &x, 2); }
static inline void st32(wasi_mem m, uint32_t p, uint32_t x) { memcpy(m.base + p, &x, 4); }
static inline void st64(wasi_mem m, uint32_t p, uint64_t x) { memcpy(m.base + p, &x, 8); }
static inline uint8_t ld8(wasi_mem m, uint32_t p) { return m.base[p]; }
static inline uint16_t ld16(wasi_mem m, uint32_t p) { uint16_t x; memcpy(&x, m.base + p, 2); return x; }
static inline uint32_t ld32(wasi_mem m, uint32_t p) { uint32_t x; memcpy(&x, m.base + p, 4); return x; }
static inline uint64_t ld64(wasi_mem m, uint32_t p) { uint64_t x; memcpy(&x, m.base + p, 8); return x; }

/* Argument accessors. */
#define ARG32(i) ((uint32_t)v[i].i32)
#define ARG64(i) ((uint64_t)v[i].i64)

/* ---- sandbox.c: path resolution beneath a directory fd ----
 * Results: >= 0 a new host fd (caller closes), < 0 minus a WE_* errno. */
/* Open `path` beneath dirfd with open(2) flags (O_CLOEXEC added); the final
 * component is followed when it is a symlink iff `follow`. */
int sb_open(bool use_openat2, int dirfd, const char *path, int flags, mode_t mode, bool follow);
/* The directory holding the final component of `path` (an O_PATH fd) and that
 * component in *name (malloc'd; "." when the path names a directory by `.`
 * or `..`; keeps one trailing '/' when the path had one). */
int sb_parent(bool use_openat2, int dirfd, const char *path, char **name);
/* Whether openat2(RESOLVE_BENEATH) works here. */
bool sb_probe_openat2(void);

/* ---- the implementations (fns_*.c) ---- */
/* A WASI function returns a WASI errno, or WASI_TRAP(code) to trap with a
 * WACC_TRAP_* code instead (poll_oneoff past the store's deadline). */
#define WASI_TRAP(code) (0xFFFF0000u | (uint32_t)(code))
#define WASI_FN(name) uint32_t p1_##name(wacc_wasi *w, const wacc_val *v)
WASI_FN(args_get); WASI_FN(args_sizes_get); WASI_FN(environ_get); WASI_FN(environ_sizes_get);
WASI_FN(clock_res_get); WASI_FN(clock_time_get); WASI_FN(random_get);
WASI_FN(proc_raise); WASI_FN(sched_yield); WASI_FN(poll_oneoff);
WASI_FN(sock_accept); WASI_FN(sock_recv); WASI_FN(sock_send); WASI_FN(sock_shutdown);
WASI_FN(fd_advise); WASI_FN(fd_allocate); WASI_FN(fd_close); WASI_FN(fd_datasync);
WASI_FN(fd_fdstat_get); WASI_FN(fd_fdstat_set_flags); WASI_FN(fd_fdstat_set_rights);
WASI_FN(fd_filestat_get); WASI_FN(fd_filestat_set_size); WASI_FN(fd_filestat_set_times);
WASI_FN(fd_pread); WASI_FN(fd_prestat_get); WASI_FN(fd_prestat_dir_name); WASI_FN(fd_pwrite);
WASI_FN(fd_read); WASI_FN(fd_readdir); WASI_FN(fd_renumber); WASI_FN(fd_seek);
WASI_FN(fd_sync); WASI_FN(fd_tell); WASI_FN(fd_write);
WASI_FN(path_create_directory); WASI_FN(path_filestat_get); WASI_FN(path_filestat_set_times);
WASI_FN(path_link); WASI_FN(path_open); WASI_FN(path_readlink); WASI_FN(path_remove_directory);
WASI_FN(path_rename); WASI_FN(path_symlink); WASI_FN(path_unlink_file);

/* Shared by fns_fd.c and fns_path.c: fill a guest filestat from a host stat. */
struct stat;
void wasi_put_filestat(wasi_mem m, uint32_t p, const struct stat *st);
/* Shared by fd_/path_filestat_set_times: fstflags to utimensat times. */
struct timespec;
uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

#endif
