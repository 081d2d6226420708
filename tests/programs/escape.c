/* wasi-test: dir.
 * escape: every way out of the granted directory fails, through libc and
 * through the raw preview1 calls. Runs only as wasm (no native twin):
 * the output is compared with escape.expected. argv[1] is the guest path of
 * the preopen (fd 3); the host creates "../outside.txt" next to it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "errname.h"

/* proc_raise is no longer declared by wasi-libc: import it directly. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t sig);

static const char *dir;

static void try_open(const char *rel, int flags)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    errno = 0;
    int fd = open(p, flags);
    printf("libc open %-28s %s\n", rel, fd >= 0 ? "OPENED" : errname(errno));
    if (fd >= 0)
        close(fd);
}

/* Raw path_open on the preopen fd 3; prints the wasi errno. */
static void raw_open(const char *path, __wasi_lookupflags_t lookup, __wasi_oflags_t oflags)
{
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, lookup, path, oflags,
                                        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR,
                                        __WASI_RIGHTS_FD_READ, 0, &fd);
    printf("path_open %-30s errno %u\n", path, (unsigned)e);
    if (e == 0)
        (void)__wasi_fd_close(fd);
}

static void raw(const char *what, __wasi_errno_t e)
{
    printf("%-40s errno %u\n", what, (unsigned)e);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    dir = argv[1];
    char p[512];
    snprintf(p, sizeof p, "%s/inside.txt", dir);
    FILE *f = fopen(p, "w");
    fputs("inside\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    /* symlinks may point anywhere; following them must not leave the dir */
    struct { const char *target, *name; } links[] = {
        { "/etc", "link_abs" }, { "..", "link_up" }, { "../..", "sub/link_upup" },
        { "../outside.txt", "link_outside" }, { "inside.txt", "link_in" },
        { "sub/../inside.txt", "link_in2" }, { "link_up/outside.txt", "link_chain" },
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, links[i].name);
        if (symlink(links[i].target, p) != 0)
            printf("symlink %s: %s\n", links[i].name, errname(errno));
    }

    /* allowed */
    try_open("inside.txt", O_RDONLY);
    try_open("sub/../inside.txt", O_RDONLY);
    try_open("link_in", O_RDONLY);
    try_open("link_in2", O_RDONLY);
    /* escapes */
    try_open("../outside.txt", O_RDONLY);
    try_open("sub/../../outside.txt", O_RDONLY);
    try_open("link_abs/passwd", O_RDONLY);
    try_open("link_up/outside.txt", O_RDONLY);
    try_open("sub/link_upup/outside.txt", O_RDONLY);
    try_open("link_outside", O_RDONLY);
    try_open("link_chain", O_RDONLY);
    try_open("link_in", O_RDONLY | O_NOFOLLOW);
    errno = 0;
    printf("libc open %-28s %s\n", "/etc/passwd", open("/etc/passwd", O_RDONLY) >= 0 ? "OPENED" : errname(errno));
    errno = 0;
    printf("libc stat %-28s %s\n", "/", stat("/", &(struct stat){0}) == 0 ? "OK" : errname(errno));

    raw_open("inside.txt", 0, 0);
    raw_open("..", 0, __WASI_OFLAGS_DIRECTORY);
    raw_open("../outside.txt", 0, 0);
    raw_open("/etc/passwd", 0, 0);
    raw_open("/", 0, __WASI_OFLAGS_DIRECTORY);
    raw_open("sub/../../outside.txt", 0, 0);
    raw_open("./sub/./../..", 0, __WASI_OFLAGS_DIRECTORY);
    raw_open("link_abs", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_DIRECTORY);
    raw_open("link_abs/passwd", 0, 0);
    raw_open("link_up", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_DIRECTORY);
    raw_open("link_up/outside.txt", 0, 0);
    raw_open("sub/link_upup/x", 0, 0);
    raw_open("link_outside", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0);
    raw_open("link_outside", 0, 0);
    raw_open("link_chain", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0);
    raw_open("link_in", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0);
    raw_open("link_in", 0, 0);
    raw_open("inside.txt/", 0, 0);
    raw_open("", 0, 0);

    __wasi_filestat_t st;
    raw("path_filestat_get .. ", __wasi_path_filestat_get(3, 0, "..", &st));
    raw("path_filestat_get link_abs (nofollow)", __wasi_path_filestat_get(3, 0, "link_abs", &st));
    raw("path_filestat_get link_abs (follow)", __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_abs", &st));
    raw("path_create_directory ../evil", __wasi_path_create_directory(3, "../evil"));
    raw("path_create_directory link_up/evil", __wasi_path_create_directory(3, "link_up/evil"));
    raw("path_unlink_file ../outside.txt", __wasi_path_unlink_file(3, "../outside.txt"));
    raw("path_unlink_file link_up/outside.txt", __wasi_path_unlink_file(3, "link_up/outside.txt"));
    raw("path_remove_directory ..", __wasi_path_remove_directory(3, ".."));
    raw("path_rename ../outside.txt -> stolen", __wasi_path_rename(3, "../outside.txt", 3, "stolen"));
    raw("path_rename inside.txt -> ../dropped", __wasi_path_rename(3, "inside.txt", 3, "../dropped"));
    raw("path_link ../outside.txt -> stolen", __wasi_path_link(3, 0, "../outside.txt", 3, "stolen"));
    raw("path_link link_outside (follow)", __wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_outside", 3, "stolen"));
    raw("path_symlink x -> ../evil", __wasi_path_symlink("x", 3, "../evil"));
    char buf[64];
    __wasi_size_t used;
    raw("path_readlink ../x", __wasi_path_readlink(3, "../x", (uint8_t *)buf, sizeof buf, &used));
    raw("path_readlink link_abs (is inside)", __wasi_path_readlink(3, "link_abs", (uint8_t *)buf, sizeof buf, &used));
    raw("path_filestat_set_times ..", __wasi_path_filestat_set_times(3, 0, "..", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    raw("path_open on stdout (not a dir)", __wasi_path_open(1, 0, "x", 0, 0, 0, 0, &(__wasi_fd_t){0}));
    raw("fd_prestat_get 3", __wasi_fd_prestat_get(3, &(__wasi_prestat_t){0}));
    raw("fd_prestat_get 4 (none)", __wasi_fd_prestat_get(4, &(__wasi_prestat_t){0}));
    raw("proc_raise", (__wasi_errno_t)raw_proc_raise(15));
    return 0;
}
