/* wasi-test: dir.
 * listdir: readdir over many entries (several fd_readdir calls), types,
 * rewinddir, and entries disappearing. argv[1] is the granted directory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *names[1000];

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *type(unsigned char t)
{
    switch (t) {
    case DT_REG: return "file";
    case DT_DIR: return "dir";
    case DT_LNK: return "link";
    default: return "other";
    }
}

static int list(const char *dir, int verbose)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir failed\n");
        return -1;
    }
    int n = 0;
    struct dirent *de;
    char line[600];
    while ((de = readdir(d)) && n < 1000) {
        snprintf(line, sizeof line, "%s %s", de->d_name, type(de->d_type));
        names[n++] = strdup(line);
    }
    /* rewinddir sees the same number of entries */
    rewinddir(d);
    int again = 0;
    while (readdir(d))
        again++;
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("%d entries (again: %d)\n", n, again);
    for (int i = 0; i < n; i++) {
        if (verbose || i < 5 || i >= n - 5)
            printf("  %s\n", names[i]);
        free(names[i]);
    }
    return n;
}

int main(int argc, char **argv)
{
    char p[512];
    if (argc < 2)
        return 2;
    const char *dir = argv[1];
    list(dir, 1);
    for (int i = 0; i < 150; i++) {
        snprintf(p, sizeof p, "%s/entry_%03d_%.*s", dir, i, i % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        close(fd);
    }
    snprintf(p, sizeof p, "%s/subdir", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/subdir/inner", dir);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/a_link", dir);
    symlink("subdir", p);
    list(dir, 0);
    snprintf(p, sizeof p, "%s/subdir", dir);
    list(p, 1);
    for (int i = 0; i < 150; i += 2) {
        snprintf(p, sizeof p, "%s/entry_%03d_%.*s", dir, i, i % 40, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        unlink(p);
    }
    list(dir, 0);
    return 0;
}
