/* fileio: file I/O in the directory granted as argv[1] (guest path).
 * Creates, writes, appends, reads back, lists, renames and removes files,
 * and checks that ".." cannot leave the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* DIR/NAME in one of two buffers, so that two paths can be used at once */
static const char *at(const char *dir, const char *name)
{
    static char path[2][512];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", dir, name);
    return path[which];
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir failed: %s\n", strerror(errno));
        return;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls:");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    FILE *f = fopen(at(dir, "a.txt"), "w");
    if (!f) {
        printf("create failed: %s\n", strerror(errno));
        return 1;
    }
    fputs("first line\n", f);
    fclose(f);
    f = fopen(at(dir, "a.txt"), "a");
    fprintf(f, "second line %d\n", 42);
    fclose(f);

    char buf[256];
    f = fopen(at(dir, "a.txt"), "r");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    printf("read %zu bytes:\n%s", n, buf);

    struct stat st;
    if (stat(at(dir, "a.txt"), &st) == 0)
        printf("size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode) ? 1 : 0);

    if (mkdir(at(dir, "sub"), 0755) != 0)
        printf("mkdir failed: %s\n", strerror(errno));
    if (rename(at(dir, "a.txt"), at(dir, "sub/b.txt")) != 0)
        printf("rename failed: %s\n", strerror(errno));
    list(dir);
    snprintf(buf, sizeof buf, "%s/sub", dir);
    list(buf);

    int fd = open(at(dir, "sub/b.txt"), O_RDONLY);
    if (fd >= 0) {
        lseek(fd, 6, SEEK_SET);
        n = (size_t)read(fd, buf, 4);
        buf[n] = '\0';
        printf("pread at 6: <%s>\n", buf);
        close(fd);
    }

    /* leaving the granted directory must fail */
    f = fopen(at(dir, "../outside.txt"), "r");
    printf("open ../outside.txt: %s\n", f ? "OPENED (sandbox escape!)" : "refused");
    if (f)
        fclose(f);

    if (unlink(at(dir, "sub/b.txt")) != 0)
        printf("unlink failed: %s\n", strerror(errno));
    if (rmdir(at(dir, "sub")) != 0)
        printf("rmdir failed: %s\n", strerror(errno));
    f = fopen(at(dir, "kept.txt"), "w");
    fputs("this file stays\n", f);
    fclose(f);
    list(dir);
    return 0;
}
