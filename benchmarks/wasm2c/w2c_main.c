/* Host for the wasm2c baseline: the seven wasi_snapshot_preview1 imports the
 * benchmark kernels use (args, fd_write to stdout/stderr, proc_exit), enough
 * to run them, plus clock_time_get and failing stubs for the file imports
 * that programs linking stdio's fopen need (lua: no preopens, no stdin). Build: clang -O2 -DMOD=name -DMOD_H='"name.h"' w2c_main.c name.c
 * wasm-rt-impl.c -lm. Not a general WASI implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include MOD_H

#define CAT3(a, b, c) a##b##c
#define XCAT3(a, b, c) CAT3(a, b, c)
#define INSTANCE_T XCAT3(Z_, MOD, _instance_t)
#define INSTANTIATE XCAT3(Z_, MOD, _instantiate)
#define FREE XCAT3(Z_, MOD, _free)
#define INIT_MODULE XCAT3(Z_, MOD, _init_module)
#define START XCAT3(Z_, MOD, Z__start)
#define MEMORY XCAT3(Z_, MOD, Z_memory)

struct Z_wasi_snapshot_preview1_instance_t {
    wasm_rt_memory_t *mem;
    int argc;
    char **argv;
};

static uint8_t *at(struct Z_wasi_snapshot_preview1_instance_t *w, u32 off, u32 len) {
    if ((uint64_t)off + len > w->mem->size) { fprintf(stderr, "wasi: fault\n"); exit(70); }
    return w->mem->data + off;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 pc, u32 ps) {
    u32 size = 0;
    for (int i = 0; i < w->argc; i++) size += (u32)strlen(w->argv[i]) + 1;
    u32 n = (u32)w->argc;
    memcpy(at(w, pc, 4), &n, 4);
    memcpy(at(w, ps, 4), &size, 4);
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 pv, u32 pb) {
    for (int i = 0; i < w->argc; i++) {
        u32 len = (u32)strlen(w->argv[i]) + 1;
        memcpy(at(w, pv + 4 * (u32)i, 4), &pb, 4);
        memcpy(at(w, pb, len), w->argv[i], len);
        pb += len;
    }
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd) {
    (void)w; (void)fd;
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 p) {
    uint8_t st[24] = {0};
    st[0] = fd <= 2 ? 2 : 0; /* character device */
    memset(st + 8, 0xff, 16); /* all rights */
    memcpy(at(w, p, 24), st, 24);
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u64 off, u32 wh, u32 p) {
    (void)w; (void)fd; (void)off; (void)wh; (void)p;
    return 70; /* spipe */
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n, u32 pnw) {
    u32 total = 0;
    for (u32 i = 0; i < n; i++) {
        u32 iov[2];
        memcpy(iov, at(w, iovs + 8 * i, 8), 8);
        if (write((int)fd, at(w, iov[0], iov[1]), iov[1]) < 0) return 29;
        total += iov[1];
    }
    memcpy(at(w, pnw, 4), &total, 4);
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 id, u64 prec,
                                             u32 p) {
    (void)prec;
    struct timespec ts;
    clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    u64 ns = (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
    memcpy(at(w, p, 8), &ns, 8);
    return 0;
}

#define WASI_EBADF 8
u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 p) {
    (void)w; (void)fd; (void)p;
    return WASI_EBADF;
}
u32 Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 p,
                                                  u32 n) {
    (void)w; (void)fd; (void)p; (void)n;
    return WASI_EBADF;
}
u32 Z_wasi_snapshot_preview1Z_fd_read(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 iovs, u32 n,
                                      u32 pnr) {
    (void)w; (void)fd; (void)iovs; (void)n; (void)pnr;
    return WASI_EBADF;
}
u32 Z_wasi_snapshot_preview1Z_fd_renumber(struct Z_wasi_snapshot_preview1_instance_t *w, u32 a, u32 b) {
    (void)w; (void)a; (void)b;
    return WASI_EBADF;
}
u32 Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd, u32 f) {
    (void)w; (void)fd; (void)f;
    return WASI_EBADF;
}
u32 Z_wasi_snapshot_preview1Z_path_open(struct Z_wasi_snapshot_preview1_instance_t *w, u32 dirfd, u32 dirflags,
                                        u32 path, u32 len, u32 oflags, u64 rb, u64 ri, u32 fdflags, u32 pfd) {
    (void)w; (void)dirfd; (void)dirflags; (void)path; (void)len; (void)oflags; (void)rb; (void)ri;
    (void)fdflags; (void)pfd;
    return WASI_EBADF;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code) {
    (void)w;
    fflush(stdout);
    _exit((int)code);
}

int main(int argc, char **argv) {
    static INSTANCE_T inst;
    struct Z_wasi_snapshot_preview1_instance_t wasi = {0, argc, argv};
    wasm_rt_init();
    INIT_MODULE();
    INSTANTIATE(&inst, &wasi);
    wasi.mem = MEMORY(&inst);
    START(&inst);
    FREE(&inst);
    wasm_rt_free();
    return 0;
}
