/*
 * test_wasi.c — unit tests of the WASI preview1 host functions, called
 * directly on a plain buffer standing in for guest memory.
 */
#include <check.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_int.h"

#define MEM_SIZE 65536
static uint8_t mem[MEM_SIZE];
static wasi_mem M = { mem, MEM_SIZE };

/* A scratch host directory with: file "hello.txt", dir "sub", symlinks
 * "out_abs" -> "/", "out_up" -> "..", "in_link" -> "sub", "sub/up2" -> "../..". */
static char tmpdir[64];
static char outside[80];

static void rm_rf(const char *p)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static wacc_wasi *make(bool no_openat2, int out_fd)
{
    strcpy(tmpdir, "/tmp/wacc-wasi-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(outside, sizeof outside, "%s/root", tmpdir);
    ck_assert_int_eq(mkdir(outside, 0755), 0);
    char p[200];
    snprintf(p, sizeof p, "%s/secret", tmpdir);
    FILE *f = fopen(p, "w");
    fputs("secret", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/hello.txt", outside);
    f = fopen(p, "w");
    fputs("hello world\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/sub", outside);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/out_abs", outside);
    ck_assert_int_eq(symlink("/", p), 0);
    snprintf(p, sizeof p, "%s/out_up", outside);
    ck_assert_int_eq(symlink("..", p), 0);
    snprintf(p, sizeof p, "%s/in_link", outside);
    ck_assert_int_eq(symlink("sub", p), 0);
    snprintf(p, sizeof p, "%s/sub/up2", outside);
    ck_assert_int_eq(symlink("../..", p), 0);
    snprintf(p, sizeof p, "%s/hello_link", outside);
    ck_assert_int_eq(symlink("sub/../hello.txt", p), 0);

    static const char *argv[] = { "prog", "a1", "arg two" };
    static const char *envp[] = { "A=1", "HOME=/h" };
    wacc_wasi_preopen pre = { outside, "/data" };
    wacc_wasi_config cfg;
    wacc_wasi_config_init(&cfg);
    cfg.argv = argv;
    cfg.argc = 3;
    cfg.envp = envp;
    cfg.envc = 2;
    cfg.preopens = &pre;
    cfg.npreopens = 1;
    cfg.no_openat2 = no_openat2;
    if (out_fd >= 0)
        cfg.stdout_fd = out_fd;
    char err[WACC_ERR_LEN];
    wacc_wasi *w = wacc_wasi_new(&cfg, err);
    ck_assert_msg(w != NULL, "%s", err);
    memset(mem, 0, sizeof mem);
    wasi_bind_raw(w, mem, MEM_SIZE);
    return w;
}

static void done(wacc_wasi *w)
{
    wacc_wasi_free(w);
    rm_rf(tmpdir);
}

/* Call with up to 9 integer args (i64 where the signature says so: the
 * value array is untyped, so passing everything as i64 works). */
static uint32_t call(wacc_wasi *w, const char *name, int n, ...)
{
    wacc_val v[10];
    memset(v, 0, sizeof v);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i].i64 = va_arg(ap, int64_t);
    va_end(ap);
    return wasi_call(w, name, v);
}
#define C(w, name, ...) call(w, name, NARGS(__VA_ARGS__), __VA_ARGS__)
#define NARGS(...) NARGS_(__VA_ARGS__, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define NARGS_(a, b, c, d, e, f, g, h, i, n, ...) n
#define A(x) ((int64_t)(x))

/* Put a string at offset p of guest memory; returns its length. */
static int64_t put(uint32_t p, const char *s)
{
    size_t n = strlen(s);
    memcpy(mem + p, s, n);
    return (int64_t)n;
}

#define PATH 4096

/* path_open(3, follow, path) with read+write rights; returns errno; fd at 0. */
static uint32_t open_path(wacc_wasi *w, const char *path, uint32_t lookup, uint32_t oflags,
                          uint64_t rights)
{
    int64_t n = put(PATH, path);
    return C(w, "path_open", A(3), A(lookup), A(PATH), n, A(oflags), A(rights), A(rights), A(0), A(0));
}

START_TEST(args_env)
{
    wacc_wasi *w = make(false, -1);
    ck_assert_uint_eq(C(w, "args_sizes_get", A(0), A(4)), 0);
    ck_assert_uint_eq(ld32(M, 0), 3);
    ck_assert_uint_eq(ld32(M, 4), 5 + 3 + 8);
    ck_assert_uint_eq(C(w, "args_get", A(16), A(64)), 0);
    ck_assert_str_eq((char *)mem + ld32(M, 16), "prog");
    ck_assert_str_eq((char *)mem + ld32(M, 24), "arg two");
    ck_assert_uint_eq(C(w, "environ_sizes_get", A(0), A(4)), 0);
    ck_assert_uint_eq(ld32(M, 0), 2);
    ck_assert_uint_eq(ld32(M, 4), 4 + 8);
    ck_assert_uint_eq(C(w, "environ_get", A(16), A(64)), 0);
    ck_assert_str_eq((char *)mem + ld32(M, 20), "HOME=/h");
    ck_assert_uint_eq(C(w, "args_get", A(MEM_SIZE - 4), A(64)), WE_FAULT);
    ck_assert_uint_eq(C(w, "args_get", A(16), A(MEM_SIZE - 3)), WE_FAULT);
    done(w);
}
END_TEST

START_TEST(clocks_random_exit)
{
    wacc_wasi *w = make(false, -1);
    for (int id = 0; id < 4; id++) {
        ck_assert_uint_eq(C(w, "clock_res_get", A(id), A(0)), 0);
        ck_assert_uint_gt(ld64(M, 0), 0);
        ck_assert_uint_eq(C(w, "clock_time_get", A(id), A(1), A(8)), 0);
    }
    ck_assert_uint_eq(C(w, "clock_time_get", A(1), A(1), A(0)), 0);
    ck_assert_uint_eq(C(w, "clock_time_get", A(1), A(1), A(8)), 0);
    ck_assert_uint_ge(ld64(M, 8), ld64(M, 0));
    ck_assert_uint_eq(C(w, "clock_time_get", A(9), A(1), A(8)), WE_INVAL);
    ck_assert_uint_eq(C(w, "clock_time_get", A(0), A(1), A(MEM_SIZE - 7)), WE_FAULT);
    ck_assert_uint_eq(C(w, "random_get", A(100), A(256)), 0);
    int nz = 0;
    for (int i = 0; i < 256; i++)
        nz += mem[100 + i] != 0;
    ck_assert_int_gt(nz, 200);
    ck_assert_uint_eq(C(w, "random_get", A(MEM_SIZE - 10), A(11)), WE_FAULT);
    ck_assert_uint_eq(C(w, "random_get", A(MEM_SIZE), A(0)), 0);
    ck_assert_uint_eq(C(w, "proc_raise", A(2)), WE_NOSYS);
    ck_assert_uint_eq(C(w, "sched_yield", A(0)), 0);
    ck_assert(!wacc_wasi_exited(w));
    ck_assert_uint_eq(C(w, "proc_exit", A(42)), WACC_TRAP_EXIT);
    ck_assert(wacc_wasi_exited(w));
    ck_assert_int_eq(wacc_wasi_exit_code(w), 42);
    ck_assert_uint_eq(C(w, "no_such_fn", A(0)), UINT32_MAX);
    done(w);
}
END_TEST

START_TEST(stdout_write)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    wacc_wasi *w = make(false, p[1]);
    put(200, "hello ");
    put(300, "world\n");
    st32(M, 0, 200); st32(M, 4, 6);
    st32(M, 8, 300); st32(M, 12, 6);
    ck_assert_uint_eq(C(w, "fd_write", A(1), A(0), A(2), A(16)), 0);
    ck_assert_uint_eq(ld32(M, 16), 12);
    char buf[32] = { 0 };
    ck_assert_int_eq(read(p[0], buf, sizeof buf), 12);
    ck_assert_str_eq(buf, "hello world\n");
    /* iovec pointing outside memory */
    st32(M, 8, MEM_SIZE - 2);
    ck_assert_uint_eq(C(w, "fd_write", A(1), A(0), A(2), A(16)), WE_FAULT);
    ck_assert_uint_eq(C(w, "fd_write", A(77), A(0), A(1), A(16)), WE_BADF);
    /* fdstat of a pipe: unknown type, no seek rights */
    ck_assert_uint_eq(C(w, "fd_fdstat_get", A(1), A(0)), 0);
    ck_assert_uint_eq(mem[0], WF_UNKNOWN);
    ck_assert_uint_eq(ld64(M, 8) & WR_FD_SEEK, 0);
    ck_assert_uint_eq(C(w, "fd_seek", A(1), A(0), A(WW_CUR), A(0)), WE_SPIPE);
    done(w);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(prestat)
{
    wacc_wasi *w = make(false, -1);
    ck_assert_uint_eq(C(w, "fd_prestat_get", A(3), A(0)), 0);
    ck_assert_uint_eq(mem[0], 0);
    ck_assert_uint_eq(ld32(M, 4), 5);
    ck_assert_uint_eq(C(w, "fd_prestat_dir_name", A(3), A(16), A(5)), 0);
    ck_assert(memcmp(mem + 16, "/data", 5) == 0);
    ck_assert_uint_eq(C(w, "fd_prestat_dir_name", A(3), A(16), A(3)), WE_NAMETOOLONG);
    ck_assert_uint_eq(C(w, "fd_prestat_get", A(4), A(0)), WE_BADF);
    ck_assert_uint_eq(C(w, "fd_prestat_get", A(1), A(0)), WE_BADF);
    ck_assert_uint_eq(C(w, "fd_fdstat_get", A(3), A(0)), 0);
    ck_assert_uint_eq(mem[0], WF_DIRECTORY);
    done(w);
}
END_TEST

/* _i: 0 = openat2, 1 = portable walk */
START_TEST(file_io)
{
    wacc_wasi *w = make(_i == 1, -1);
    uint64_t rw = WR_FD_READ | WR_FD_WRITE | WR_FD_SEEK | WR_FD_TELL | WR_FD_FILESTAT_GET;
    ck_assert_uint_eq(open_path(w, "hello.txt", 0, 0, WR_FD_READ), 0);
    uint32_t fd = ld32(M, 0);
    ck_assert_uint_eq(fd, 4);
    st32(M, 16, 100); st32(M, 20, 5);
    ck_assert_uint_eq(C(w, "fd_read", A(fd), A(16), A(1), A(24)), 0);
    ck_assert_uint_eq(ld32(M, 24), 5);
    ck_assert(memcmp(mem + 100, "hello", 5) == 0);
    ck_assert_uint_eq(C(w, "fd_write", A(fd), A(16), A(1), A(24)), WE_BADF);
    ck_assert_uint_eq(C(w, "fd_pread", A(fd), A(16), A(1), A(6), A(24)), 0);
    ck_assert(memcmp(mem + 100, "world", 5) == 0);
    ck_assert_uint_eq(C(w, "fd_tell", A(fd), A(32)), 0);
    ck_assert_uint_eq(ld64(M, 32), 5);
    ck_assert_uint_eq(C(w, "fd_filestat_get", A(fd), A(200)), 0);
    ck_assert_uint_eq(mem[200 + FILESTAT_FILETYPE], WF_REGULAR_FILE);
    ck_assert_uint_eq(ld64(M, 200 + FILESTAT_SIZE_), 12);
    ck_assert_uint_eq(C(w, "fd_close", A(fd)), 0);
    ck_assert_uint_eq(C(w, "fd_close", A(fd)), WE_BADF);

    /* create, write, seek, read back, truncate */
    ck_assert_uint_eq(open_path(w, "sub/new.txt", 0, WO_CREAT | WO_EXCL, rw | WR_FD_FILESTAT_SET_SIZE), 0);
    fd = ld32(M, 0);
    put(100, "0123456789");
    st32(M, 16, 100); st32(M, 20, 10);
    ck_assert_uint_eq(C(w, "fd_write", A(fd), A(16), A(1), A(24)), 0);
    ck_assert_uint_eq(C(w, "fd_seek", A(fd), A(-4), A(WW_END), A(32)), 0);
    ck_assert_uint_eq(ld64(M, 32), 6);
    ck_assert_uint_eq(C(w, "fd_read", A(fd), A(16), A(1), A(24)), 0);
    ck_assert_uint_eq(ld32(M, 24), 4);
    ck_assert_uint_eq(C(w, "fd_filestat_set_size", A(fd), A(3)), 0);
    ck_assert_uint_eq(C(w, "fd_filestat_get", A(fd), A(200)), 0);
    ck_assert_uint_eq(ld64(M, 200 + FILESTAT_SIZE_), 3);
    ck_assert_uint_eq(C(w, "fd_filestat_set_times", A(fd), A(5000000000LL), A(0), A(WT_ATIM)), 0);
    ck_assert_uint_eq(C(w, "fd_filestat_get", A(fd), A(200)), 0);
    ck_assert_uint_eq(ld64(M, 200 + FILESTAT_ATIM), 5000000000ULL);
    ck_assert_uint_eq(C(w, "fd_filestat_set_times", A(fd), A(0), A(0), A(WT_ATIM | WT_ATIM_NOW)), WE_INVAL);
    ck_assert_uint_eq(C(w, "fd_allocate", A(fd), A(0), A(100)), 0);
    ck_assert_uint_eq(C(w, "fd_advise", A(fd), A(0), A(0), A(WA_SEQUENTIAL)), 0);
    ck_assert_uint_eq(C(w, "fd_datasync", A(fd)), 0);
    ck_assert_uint_eq(C(w, "fd_sync", A(fd)), 0);
    /* renumber onto stdin's slot... then close */
    ck_assert_uint_eq(C(w, "fd_renumber", A(fd), A(0)), 0);
    ck_assert_uint_eq(C(w, "fd_fdstat_get", A(0), A(200)), 0);
    ck_assert_uint_eq(mem[200], WF_REGULAR_FILE);
    ck_assert_uint_eq(C(w, "fd_fdstat_get", A(fd), A(200)), WE_BADF);
    /* rights can only shrink */
    ck_assert_uint_eq(C(w, "fd_fdstat_set_rights", A(0), A(WR_FD_READ), A(0)), 0);
    ck_assert_uint_eq(C(w, "fd_fdstat_set_rights", A(0), A(WR_FD_READ | WR_FD_WRITE), A(0)), WE_NOTCAPABLE);
    ck_assert_uint_eq(C(w, "fd_write", A(0), A(16), A(1), A(24)), WE_BADF);
    /* existing file with EXCL */
    ck_assert_uint_eq(open_path(w, "sub/new.txt", 0, WO_CREAT | WO_EXCL, rw), WE_EXIST);
    ck_assert_uint_eq(open_path(w, "hello.txt", 0, WO_DIRECTORY, WR_FD_READ), WE_NOTDIR);
    ck_assert_uint_eq(open_path(w, "nope", 0, 0, WR_FD_READ), WE_NOENT);
    ck_assert_uint_eq(open_path(w, "", 0, 0, WR_FD_READ), WE_NOENT);
    ck_assert_uint_eq(open_path(w, "hello.txt/", 0, 0, WR_FD_READ), WE_NOTDIR);
    /* fds that are not directories cannot resolve paths */
    ck_assert_uint_eq(C(w, "path_open", A(0), A(0), A(PATH), A(1), A(0), A(0), A(0), A(0), A(0)), WE_NOTDIR);
    /* guest string out of bounds / bad utf-8 */
    ck_assert_uint_eq(C(w, "path_open", A(3), A(0), A(MEM_SIZE - 2), A(5), A(0), A(0), A(0), A(0), A(0)), WE_FAULT);
    mem[PATH] = 0xff;
    ck_assert_uint_eq(C(w, "path_open", A(3), A(0), A(PATH), A(1), A(0), A(0), A(0), A(0), A(0)), WE_ILSEQ);
    done(w);
}
END_TEST

START_TEST(escapes)
{
    wacc_wasi *w = make(_i == 1, -1);
    static const char *bad[] = {
        "..", "../secret", "/etc/passwd", "/", "sub/../../secret", "out_abs", "out_abs/etc",
        "out_up/secret", "sub/up2/secret", "in_link/../../secret", "./../root/hello.txt",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint32_t e = open_path(w, bad[k], WL_SYMLINK_FOLLOW, 0, WR_FD_READ);
        ck_assert_msg(e == WE_PERM, "open %s: %u", bad[k], e);
        int64_t n = put(PATH, bad[k]);
        e = C(w, "path_filestat_get", A(3), A(WL_SYMLINK_FOLLOW), A(PATH), n, A(0));
        ck_assert_msg(e == WE_PERM, "stat %s: %u", bad[k], e);
    }
    /* allowed: going up and back down, symlinks inside */
    ck_assert_uint_eq(open_path(w, "sub/../hello.txt", 0, 0, WR_FD_READ), 0);
    ck_assert_uint_eq(open_path(w, "hello_link", WL_SYMLINK_FOLLOW, 0, WR_FD_READ), 0);
    ck_assert_uint_eq(open_path(w, "in_link/../hello.txt", WL_SYMLINK_FOLLOW, 0, WR_FD_READ), 0);
    ck_assert_uint_eq(open_path(w, "in_link", WL_SYMLINK_FOLLOW, WO_DIRECTORY, WR_FD_READDIR), 0);
    /* nofollow on a final symlink */
    ck_assert_uint_eq(open_path(w, "hello_link", 0, 0, WR_FD_READ), WE_LOOP);
    /* lstat of an escaping symlink itself is fine (it is inside) */
    int64_t n = put(PATH, "out_abs");
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH), n, A(0)), 0);
    ck_assert_uint_eq(mem[FILESTAT_FILETYPE], WF_SYMBOLIC_LINK);
    /* parent-relative operations */
    n = put(PATH, "../evil");
    ck_assert_uint_eq(C(w, "path_create_directory", A(3), A(PATH), n), WE_PERM);
    n = put(PATH, "out_up/evil");
    ck_assert_uint_eq(C(w, "path_create_directory", A(3), A(PATH), n), WE_PERM);
    n = put(PATH, "..");
    ck_assert_uint_eq(C(w, "path_remove_directory", A(3), A(PATH), n), WE_PERM);
    n = put(PATH, "out_abs/tmp/x");
    ck_assert_uint_eq(C(w, "path_unlink_file", A(3), A(PATH), n), WE_PERM);
    n = put(PATH, "out_abs/");
    ck_assert_uint_eq(C(w, "path_readlink", A(3), A(PATH), n, A(0), A(100), A(200)), WE_PERM);
    int64_t m = put(PATH + 100, "stolen");
    n = put(PATH, "../secret");
    ck_assert_uint_eq(C(w, "path_link", A(3), A(0), A(PATH), n, A(3), A(PATH + 100), m), WE_PERM);
    n = put(PATH, "out_up/secret");
    ck_assert_uint_eq(C(w, "path_link", A(3), A(WL_SYMLINK_FOLLOW), A(PATH), n, A(3), A(PATH + 100), m), WE_PERM);
    ck_assert_uint_eq(C(w, "path_rename", A(3), A(PATH), n, A(3), A(PATH + 100), m), WE_PERM);
    char p[200];
    snprintf(p, sizeof p, "%s/secret", tmpdir);
    ck_assert_int_eq(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/root/stolen", tmpdir);
    ck_assert_int_eq(access(p, F_OK), -1);
    done(w);
}
END_TEST

START_TEST(path_ops)
{
    wacc_wasi *w = make(_i == 1, -1);
    int64_t n = put(PATH, "d1"), m;
    ck_assert_uint_eq(C(w, "path_create_directory", A(3), A(PATH), n), 0);
    ck_assert_uint_eq(C(w, "path_create_directory", A(3), A(PATH), n), WE_EXIST);
    n = put(PATH, "d1/f");
    ck_assert_uint_eq(open_path(w, "d1/f", 0, WO_CREAT, WR_FD_WRITE), 0);
    m = put(PATH + 100, "d1/g");
    ck_assert_uint_eq(C(w, "path_rename", A(3), A(PATH), n, A(3), A(PATH + 100), m), 0);
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH), n, A(0)), WE_NOENT);
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH + 100), m, A(0)), 0);
    ck_assert_uint_eq(ld64(M, FILESTAT_NLINK), 1);
    /* hard link */
    ck_assert_uint_eq(C(w, "path_link", A(3), A(0), A(PATH + 100), m, A(3), A(PATH), n), 0);
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH), n, A(0)), 0);
    ck_assert_uint_eq(ld64(M, FILESTAT_NLINK), 2);
    /* symlink + readlink + follow/nofollow stat */
    int64_t t = put(PATH + 200, "g");
    int64_t l = put(PATH + 300, "d1/lnk");
    ck_assert_uint_eq(C(w, "path_symlink", A(PATH + 200), t, A(3), A(PATH + 300), l), 0);
    ck_assert_uint_eq(C(w, "path_readlink", A(3), A(PATH + 300), l, A(500), A(100), A(0)), 0);
    ck_assert_uint_eq(ld32(M, 0), 1);
    ck_assert_uint_eq(mem[500], 'g');
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(1), A(PATH + 300), l, A(0)), 0);
    ck_assert_uint_eq(mem[FILESTAT_FILETYPE], WF_REGULAR_FILE);
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH + 300), l, A(0)), 0);
    ck_assert_uint_eq(mem[FILESTAT_FILETYPE], WF_SYMBOLIC_LINK);
    ck_assert_uint_eq(C(w, "path_filestat_set_times", A(3), A(1), A(PATH + 300), l,
                        A(0), A(7000000000LL), A(WT_MTIM)), 0);
    ck_assert_uint_eq(C(w, "path_filestat_get", A(3), A(0), A(PATH + 100), m, A(0)), 0);
    ck_assert_uint_eq(ld64(M, FILESTAT_MTIM), 7000000000ULL);
    /* remove: dir not empty, unlink files, rmdir */
    int64_t d = put(PATH + 400, "d1");
    ck_assert_uint_eq(C(w, "path_remove_directory", A(3), A(PATH + 400), d), WE_NOTEMPTY);
    ck_assert_uint_eq(C(w, "path_unlink_file", A(3), A(PATH + 400), d), WE_ISDIR);
    ck_assert_uint_eq(C(w, "path_unlink_file", A(3), A(PATH), n), 0);
    ck_assert_uint_eq(C(w, "path_unlink_file", A(3), A(PATH + 100), m), 0);
    ck_assert_uint_eq(C(w, "path_unlink_file", A(3), A(PATH + 300), l), 0);
    ck_assert_uint_eq(C(w, "path_remove_directory", A(3), A(PATH + 400), d), 0);
    done(w);
}
END_TEST

static bool seen(const char *names, const char *n)
{
    char key[300];
    snprintf(key, sizeof key, "|%s|", n);
    return strstr(names, key) != NULL;
}

START_TEST(readdir_cookies)
{
    wacc_wasi *w = make(false, -1);
    char p[200];
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "%s/sub/file_with_a_longish_name_%02d", outside, i);
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    ck_assert_uint_eq(open_path(w, "sub", 0, WO_DIRECTORY, WR_FD_READDIR), 0);
    uint32_t fd = ld32(M, 0);
    /* read with a small buffer, continuing from the last complete entry */
    char names[8192] = "|";
    uint64_t cookie = 0;
    int count = 0;
    for (int guard = 0; guard < 1000; guard++) {
        uint32_t buf = 1000, len = 100;
        ck_assert_uint_eq(C(w, "fd_readdir", A(fd), A(buf), A(len), A(cookie), A(0)), 0);
        uint32_t used = ld32(M, 0), off = 0;
        bool progressed = false;
        while (off + DIRENT_SIZE <= used) {
            uint32_t nl = ld32(M, buf + off + DIRENT_NAMLEN);
            if (off + DIRENT_SIZE + nl > used)
                break;                          /* truncated */
            char name[300];
            memcpy(name, mem + buf + off + DIRENT_SIZE, nl);
            name[nl] = 0;
            strcat(names, name);
            strcat(names, "|");
            cookie = ld64(M, buf + off + DIRENT_NEXT);
            ck_assert_uint_ne(ld64(M, buf + off + DIRENT_INO), 0);
            if (strcmp(name, "up2") == 0)
                ck_assert_uint_eq(mem[buf + off + DIRENT_TYPE], WF_SYMBOLIC_LINK);
            else if (name[0] == 'f')
                ck_assert_uint_eq(mem[buf + off + DIRENT_TYPE], WF_REGULAR_FILE);
            else
                ck_assert_uint_eq(mem[buf + off + DIRENT_TYPE], WF_DIRECTORY);
            off += DIRENT_SIZE + nl;
            count++;
            progressed = true;
        }
        if (used < len)
            break;
        ck_assert(progressed);
    }
    ck_assert_int_eq(count, 43);
    ck_assert(seen(names, "."));
    ck_assert(seen(names, ".."));
    ck_assert(seen(names, "up2"));
    ck_assert(seen(names, "file_with_a_longish_name_00"));
    ck_assert(seen(names, "file_with_a_longish_name_39"));
    /* restart from 0 and from an arbitrary cookie */
    ck_assert_uint_eq(C(w, "fd_readdir", A(fd), A(1000), A(4000), A(0), A(0)), 0);
    uint32_t all = ld32(M, 0);
    ck_assert_uint_lt(all, 4000);
    ck_assert_uint_eq(C(w, "fd_readdir", A(fd), A(1000), A(4000), A(40), A(0)), 0);
    ck_assert_uint_gt(ld32(M, 0), 3 * DIRENT_SIZE);
    ck_assert_uint_eq(ld64(M, 1000 + DIRENT_NEXT), 41);
    ck_assert_uint_eq(C(w, "fd_readdir", A(fd), A(1000), A(4000), A(43), A(0)), 0);
    ck_assert_uint_eq(ld32(M, 0), 0);
    ck_assert_uint_eq(C(w, "fd_readdir", A(1), A(1000), A(4000), A(0), A(0)), WE_NOTDIR);
    done(w);
}
END_TEST

START_TEST(poll)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    wacc_wasi *w = make(false, p[1]);
    /* clock 2ms relative */
    memset(mem, 0, 256);
    st64(M, SUB_USERDATA, 77);
    mem[SUB_TAG] = WEV_CLOCK;
    st32(M, SUB_CLOCK_ID, WC_MONOTONIC);
    st64(M, SUB_CLOCK_TIMEOUT, 2000000);
    ck_assert_uint_eq(C(w, "clock_time_get", A(1), A(1), A(900)), 0);
    ck_assert_uint_eq(C(w, "poll_oneoff", A(0), A(200), A(1), A(400)), 0);
    ck_assert_uint_eq(C(w, "clock_time_get", A(1), A(1), A(908)), 0);
    ck_assert_uint_ge(ld64(M, 908) - ld64(M, 900), 2000000);
    ck_assert_uint_eq(ld32(M, 400), 1);
    ck_assert_uint_eq(ld64(M, 200 + EVENT_USERDATA), 77);
    ck_assert_uint_eq(mem[200 + EVENT_TYPE], WEV_CLOCK);
    /* fd_write on stdout (a pipe: writable) + a long clock: only the fd fires */
    st64(M, SUB_SIZE + SUB_USERDATA, 5);
    mem[SUB_SIZE + SUB_TAG] = WEV_FD_WRITE;
    st32(M, SUB_SIZE + SUB_FD, 1);
    st64(M, SUB_CLOCK_TIMEOUT, 5000000000ULL);
    ck_assert_uint_eq(C(w, "poll_oneoff", A(0), A(200), A(2), A(400)), 0);
    ck_assert_uint_eq(ld32(M, 400), 1);
    ck_assert_uint_eq(ld64(M, 200 + EVENT_USERDATA), 5);
    ck_assert_uint_eq(mem[200 + EVENT_TYPE], WEV_FD_WRITE);
    ck_assert_uint_eq(ld16(M, 200 + EVENT_ERROR), 0);
    /* bad fd: immediate error event */
    st32(M, SUB_SIZE + SUB_FD, 99);
    ck_assert_uint_eq(C(w, "poll_oneoff", A(0), A(200), A(2), A(400)), 0);
    ck_assert_uint_eq(ld32(M, 400), 1);
    ck_assert_uint_eq(ld16(M, 200 + EVENT_ERROR), WE_BADF);
    ck_assert_uint_eq(C(w, "poll_oneoff", A(0), A(200), A(0), A(400)), WE_INVAL);
    ck_assert_uint_eq(C(w, "poll_oneoff", A(MEM_SIZE - 10), A(200), A(1), A(400)), WE_FAULT);
    done(w);
    close(p[0]);
    close(p[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wasi");
    TCase *tc = tcase_create("preview1");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, args_env);
    tcase_add_test(tc, clocks_random_exit);
    tcase_add_test(tc, stdout_write);
    tcase_add_test(tc, prestat);
    tcase_add_loop_test(tc, file_io, 0, 2);
    tcase_add_loop_test(tc, escapes, 0, 2);
    tcase_add_loop_test(tc, path_ops, 0, 2);
    tcase_add_test(tc, readdir_cookies);
    tcase_add_test(tc, poll);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
