/* wasi-test: dir.
 * fileio: file I/O inside the granted directory argv[1]. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "errname.h"

static char path_buf[4][512];
static const char *dir;

static const char *P(int slot, const char *name)
{
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", dir, name);
    return path_buf[slot];
}

static void show(const char *what, int r)
{
    printf("%-28s %s\n", what, r < 0 ? errname(errno) : "OK");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    dir = argv[1];

    /* stdio write / read / append */
    FILE *f = fopen(P(0, "a.txt"), "w");
    if (!f) {
        printf("fopen w: %s\n", errname(errno));
        return 1;
    }
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d: %s\n", i, i % 2 ? "odd" : "even");
    fclose(f);
    f = fopen(P(0, "a.txt"), "a");
    fputs("appended\n", f);
    fclose(f);
    f = fopen(P(0, "a.txt"), "r");
    char line[128];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        if (lines % 25 == 0 || strncmp(line, "appended", 8) == 0)
            printf("read: %s", line);
        lines++;
    }
    fclose(f);
    printf("lines: %d\n", lines);

    struct stat st;
    show("stat a.txt", stat(P(0, "a.txt"), &st));
    printf("size=%lld regular=%d dir=%d\n", (long long)st.st_size, S_ISREG(st.st_mode), S_ISDIR(st.st_mode));

    /* raw fds: lseek, pread, pwrite, ftruncate */
    int fd = open(P(0, "b.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    show("open b.bin", fd);
    char buf[64];
    for (int i = 0; i < 64; i++)
        buf[i] = (char)('A' + i % 26);
    printf("write=%zd\n", write(fd, buf, 64));
    printf("lseek cur=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek set=%lld\n", (long long)lseek(fd, 10, SEEK_SET));
    memset(buf, 0, sizeof buf);
    printf("read=%zd [%.8s]\n", read(fd, buf, 8), buf);
    printf("pwrite=%zd\n", pwrite(fd, "zzzz", 4, 60));
    memset(buf, 0, sizeof buf);
    printf("pread=%zd [%.8s]\n", pread(fd, buf, 8, 56), buf);
    printf("tell after pread=%lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("lseek end=%lld\n", (long long)lseek(fd, -4, SEEK_END));
    show("ftruncate 20", ftruncate(fd, 20));
    fstat(fd, &st);
    printf("size=%lld\n", (long long)st.st_size);
    show("fsync", fsync(fd));
    struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
    show("futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("mtime=%lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    show("close", close(fd));
    show("close again", close(fd));
    ssize_t n = read(fd, buf, 1);
    printf("read closed=%zd %s\n", n, errname(errno));

    /* O_EXCL, O_DIRECTORY, read-only, missing */
    show("open excl existing", open(P(0, "b.bin"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    show("open missing", open(P(0, "nope"), O_RDONLY));
    show("open file as dir", open(P(0, "b.bin"), O_RDONLY | O_DIRECTORY));
    show("open file/ ", open(P(0, "b.bin/"), O_RDONLY));
    fd = open(P(0, "b.bin"), O_RDONLY);
    n = write(fd, "x", 1);
    printf("write on O_RDONLY=%zd %s\n", n, errname(errno));
    close(fd);

    /* directories */
    show("mkdir d", mkdir(P(0, "d"), 0755));
    show("mkdir d again", mkdir(P(0, "d"), 0755));
    show("mkdir d/e", mkdir(P(0, "d/e"), 0755));
    show("open d for write", open(P(0, "d"), O_WRONLY));
    show("rmdir d (not empty)", rmdir(P(0, "d")));
    show("unlink d (a dir)", unlink(P(0, "d")));
    show("rename b.bin -> d/e/c.bin", rename(P(0, "b.bin"), P(1, "d/e/c.bin")));
    show("stat b.bin", stat(P(0, "b.bin"), &st));
    show("stat d/e/../e/c.bin", stat(P(0, "d/e/../e/c.bin"), &st));
    printf("size=%lld\n", (long long)st.st_size);
    show("link", link(P(0, "d/e/c.bin"), P(1, "hard.bin")));
    stat(P(0, "hard.bin"), &st);
    printf("nlink=%ld\n", (long)st.st_nlink);
    show("symlink", symlink("d/e/c.bin", P(0, "soft")));
    char target[64] = { 0 };
    n = readlink(P(0, "soft"), target, sizeof target - 1);
    printf("readlink=%zd [%s]\n", n, n > 0 ? target : "");
    show("stat soft", stat(P(0, "soft"), &st));
    printf("follows: size=%lld\n", (long long)st.st_size);
    show("lstat soft", lstat(P(0, "soft"), &st));
    printf("islnk=%d\n", S_ISLNK(st.st_mode));
    show("open soft O_NOFOLLOW", open(P(0, "soft"), O_RDONLY | O_NOFOLLOW));
    show("symlink loop", symlink("loop", P(0, "loop")));
    show("open loop", open(P(0, "loop"), O_RDONLY));
    show("unlink soft", unlink(P(0, "soft")));
    show("unlink loop", unlink(P(0, "loop")));
    show("unlink hard.bin", unlink(P(0, "hard.bin")));
    show("unlink d/e/c.bin", unlink(P(0, "d/e/c.bin")));
    show("rmdir d/e", rmdir(P(0, "d/e")));
    show("rmdir d", rmdir(P(0, "d")));
    show("unlink a.txt", unlink(P(0, "a.txt")));
    show("unlink a.txt again", unlink(P(0, "a.txt")));

    /* the directory is empty again */
    DIR *d = opendir(dir);
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            count++;
    closedir(d);
    printf("entries left: %d\n", count);
    return 0;
}
