/* misc: the rest of what a C program reaches through the preview1 adapter
 * over WASI 0.2: clocks and sleeping (subscribe-duration + poll), random,
 * positioned I/O, truncation, timestamps, symlinks, directory listing,
 * stat of a preopen. argv[1] is a granted directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static const char *at(const char *name)
{
    static char path[2][512];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", dir, name);
    return path[which];
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    dir = argv[1];
    if (argc > 2 && strcmp(argv[2], "sleep") == 0) {   /* run.sh: --timeout stops a wait */
        sleep(3600);
        return 0;
    }

    struct timespec a, b, r;
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(20000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("slept >= 20 ms: %s\n", ms >= 20 ? "yes" : "no");
    clock_gettime(CLOCK_REALTIME, &r);
    printf("realtime after 2020: %s\n", r.tv_sec > 1577836800 ? "yes" : "no");
    clock_getres(CLOCK_MONOTONIC, &r);
    printf("resolution > 0: %s\n", r.tv_sec > 0 || r.tv_nsec > 0 ? "yes" : "no");

    unsigned char rnd[32] = { 0 };
    int nz = 0;
    if (getentropy(rnd, sizeof rnd) == 0)
        for (size_t i = 0; i < sizeof rnd; i++)
            nz += rnd[i] != 0;
    printf("random bytes: %s\n", nz > 16 ? "yes" : "no");

    int fd = open(at("data.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("open: %s\n", fd >= 0 ? "ok" : strerror(errno));
    write(fd, "0123456789", 10);
    pwrite(fd, "AB", 2, 4);
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 2);
    buf[n > 0 ? n : 0] = 0;
    printf("pread: <%s>\n", buf);
    printf("ftruncate: %s\n", ftruncate(fd, 6) == 0 ? "ok" : strerror(errno));
    struct stat st;
    fstat(fd, &st);
    printf("size after truncate: %lld\n", (long long)st.st_size);
    lseek(fd, 0, SEEK_END);
    write(fd, "xyz", 3);
    fstat(fd, &st);
    printf("size after append: %lld\n", (long long)st.st_size);
    close(fd);

    struct timeval tv[2] = { { 1000000000, 0 }, { 1200000000, 0 } };
    printf("utimes: %s\n", utimes(at("data.bin"), tv) == 0 ? "ok" : strerror(errno));
    stat(at("data.bin"), &st);
    printf("mtime: %lld\n", (long long)st.st_mtime);

    printf("symlink: %s\n", symlink("data.bin", at("link")) == 0 ? "ok" : strerror(errno));
    n = readlink(at("link"), buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("readlink: <%s>\n", buf);
    lstat(at("link"), &st);
    printf("lstat is link: %s\n", S_ISLNK(st.st_mode) ? "yes" : "no");
    stat(at("link"), &st);
    printf("stat through link size: %lld\n", (long long)st.st_size);

    mkdir(at("d"), 0755);
    fd = open(at("d/x"), O_WRONLY | O_CREAT, 0644);
    close(fd);
    DIR *d = opendir(dir);
    int count = 0, dirs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        count++;
        dirs += e->d_type == DT_DIR;
    }
    closedir(d);
    printf("entries: %d, directories: %d\n", count, dirs);
    printf("rmdir non-empty: %s\n", rmdir(at("d")) == 0 ? "removed?!" : errno == ENOTEMPTY ? "ENOTEMPTY" : "other");
    printf("open missing: %s\n", open(at("missing"), O_RDONLY) < 0 && errno == ENOENT ? "ENOENT" : "other");
    printf("mkdir existing: %s\n", mkdir(at("d"), 0755) != 0 && errno == EEXIST ? "EEXIST" : "other");
    stat(dir, &st);
    printf("preopen is a directory: %s\n", S_ISDIR(st.st_mode) ? "yes" : "no");
    fprintf(stderr, "misc: done\n");
    return 7;
}
