/* escape: tries to leave the directory granted as argv[1] (guest path)
 * through wasi:filesystem (C via the preview1 adapter): "..", absolute
 * paths, symlinks pointing out (made by run.sh on the host: up -> ..,
 * out-rel -> ../outside.txt, out-abs -> HOST/outside.txt), symlinks the
 * guest creates, rename/link/mkdir out. Prints one line per attempt;
 * run.sh compares with escape.expected. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

static void try_open(const char *label, const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    if (fd >= 0) {
        char buf[64] = "";
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n > 0)
            buf[strcspn(buf, "\n")] = 0;
        printf("%s: OPENED <%s>\n", label, n > 0 ? buf : "");
        close(fd);
    } else {
        printf("%s: refused (%s)\n", label, errno == ENOENT ? "ENOENT" : errno == EPERM ? "EPERM"
                                                 : errno == EACCES ? "EACCES" : errno == ENOTCAPABLE ? "ENOTCAPABLE"
                                                 : errno == ELOOP ? "ELOOP" : "other");
    }
}

static void result(const char *label, int r)
{
    printf("%s: %s\n", label, r == 0 ? "DONE" : "refused");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: escape DIR\n");
        return 2;
    }
    dir = argv[1];
    FILE *f = fopen(at("inside.txt"), "w");
    if (!f) {
        printf("cannot create inside.txt\n");
        return 1;
    }
    fputs("inside\n", f);
    fclose(f);
    mkdir(at("sub"), 0755);

    /* positive controls: staying inside works */
    try_open("sub/../inside.txt", at("sub/../inside.txt"), O_RDONLY);
    result("symlink in-link -> inside.txt", symlink("inside.txt", at("in-link")));
    try_open("in-link", at("in-link"), O_RDONLY);

    /* escapes */
    try_open("../outside.txt", at("../outside.txt"), O_RDONLY);
    try_open("sub/../../outside.txt", at("sub/../../outside.txt"), O_RDONLY);
    try_open("/etc/passwd", "/etc/passwd", O_RDONLY);
    try_open("up/outside.txt (host symlink up -> ..)", at("up/outside.txt"), O_RDONLY);
    try_open("out-rel (host symlink -> ../outside.txt)", at("out-rel"), O_RDONLY);
    try_open("out-abs (host symlink -> absolute host path)", at("out-abs"), O_RDONLY);
    try_open("out-rel for writing", at("out-rel"), O_WRONLY | O_TRUNC);
    try_open("create ../created.txt", at("../created.txt"), O_WRONLY | O_CREAT);

    struct stat st;
    result("lstat out-rel (the link itself)", lstat(at("out-rel"), &st));
    result("stat out-rel (follows)", stat(at("out-rel"), &st));
    result("stat ..", stat(at(".."), &st) == 0 && st.st_ino != 0 ? 0 : -1);

    result("guest symlink g-abs -> /etc", symlink("/etc", at("g-abs")));
    try_open("g-abs/passwd", at("g-abs/passwd"), O_RDONLY);
    result("guest symlink g-up -> ../..", symlink("../..", at("g-up")));
    try_open("g-up/outside.txt", at("g-up/outside.txt"), O_RDONLY);

    result("rename inside.txt -> ../moved.txt", rename(at("inside.txt"), at("../moved.txt")));
    result("link inside.txt -> ../linked.txt", link(at("inside.txt"), at("../linked.txt")));
    result("mkdir ../newdir", mkdir(at("../newdir"), 0755));
    result("unlink ../outside.txt", unlink(at("../outside.txt")));
    result("unlink out-rel (removes the link only)", unlink(at("out-rel")));
    return 0;
}
