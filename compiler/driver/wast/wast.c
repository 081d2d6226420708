/*
 * wast.c — `wacc wast FILE.wast... [-O0..-O3] [--cpu NAME] [-j N] [--features LIST]`.
 *
 * Proposal scripts (a path .../proposals/<name>/..., or --features LIST) are
 * converted and compiled with that proposal enabled (wast_run.c).
 *
 * Component Model scripts (any `(component` form, or --component) run
 * through wast_component.c instead of wast_run.c.
 *
 * Each file runs in its own child process (wast_run.c), up to N at a time,
 * so a crash in generated code or in the runtime costs one file, not the
 * run. The child reports one record per command through a pipe; the parent
 * counts them, remembers the command being run (to report a crash), and
 * prints each file's summary and failures in command-line order:
 *
 *   FILE: N passed, M failed, K skipped
 *     name:LINE: <command>: <why>
 *   ...
 *   N passed, M failed, K skipped
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wast_component.h"

typedef struct wfile {
    const char *path;
    char tmpdir[512];
    pid_t pid;
    int fd;
    char part[2048];                /* incomplete record */
    size_t plen;
    long passed, failed, skipped;
    char **fails;                   /* kept failure messages */
    size_t nfails, capfails;
    long dropped;
    int cur_line;
    char cur_cmd[64];
    double start, elapsed;
    bool running, done;
} wfile;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool in_path(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[1024];
    if (path == NULL)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog);
        if (access(buf, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char p[1024];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void add_fail(wfile *f, const char *msg, long max_failures)
{
    f->failed++;
    if (max_failures > 0 && (long)f->nfails >= max_failures) {
        f->dropped++;
        return;
    }
    if (f->nfails == f->capfails) {
        size_t cap = f->capfails ? f->capfails * 2 : 16;
        char **v = realloc(f->fails, cap * sizeof *v);
        if (v == NULL) {
            f->dropped++;
            return;
        }
        f->fails = v;
        f->capfails = cap;
    }
    char *s = strdup(msg);
    if (s == NULL) {
        f->dropped++;
        return;
    }
    f->fails[f->nfails++] = s;
}

static void record(wfile *f, const char *line, long max_failures)
{
    switch (line[0]) {
    case 'P':
        f->passed++;
        break;
    case 'S':
        f->skipped++;
        break;
    case 'F':
        add_fail(f, line + 1, max_failures);
        break;
    case 'C': {
        char *end;
        f->cur_line = (int)strtol(line + 1, &end, 10);
        snprintf(f->cur_cmd, sizeof f->cur_cmd, "%s", *end == ' ' ? end + 1 : end);
        break;
    }
    default:
        break;
    }
}

static bool start_file(wfile *f, const wast_opts *o)
{
    const char *t = getenv("TMPDIR");
    snprintf(f->tmpdir, sizeof f->tmpdir, "%s/wacc-wast-XXXXXX", t && t[0] ? t : "/tmp");
    f->start = now();
    if (mkdtemp(f->tmpdir) == NULL) {
        char msg[700];
        snprintf(msg, sizeof msg, "0: cannot create a temporary directory: %s", strerror(errno));
        add_fail(f, msg, 0);
        f->tmpdir[0] = '\0';
        return false;
    }
    int p[2];
    if (pipe(p) != 0) {
        add_fail(f, "0: pipe failed", 0);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        add_fail(f, "0: fork failed", 0);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        if (o->component || wast_is_component_script(f->path))
            wast_component_run_file(f->path, f->tmpdir, o, p[1]);
        else
            wast_run_file(f->path, f->tmpdir, o, p[1]);
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    f->pid = pid;
    f->fd = p[0];
    f->running = true;
    return true;
}

static void finish_file(wfile *f, long max_failures)
{
    int st = 0;
    while (waitpid(f->pid, &st, 0) < 0 && errno == EINTR)
        ;
    char msg[300];
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        snprintf(msg, sizeof msg, "%d: %s: crashed: signal %d (%s)%s", f->cur_line,
                 f->cur_cmd[0] ? f->cur_cmd : "setup", sig, strsignal(sig),
                 sig == SIGALRM ? " - timeout" : "");
        add_fail(f, msg, max_failures);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        snprintf(msg, sizeof msg, "%d: exited with status %d", f->cur_line, WEXITSTATUS(st));
        add_fail(f, msg, max_failures);
    }
    if (f->tmpdir[0] != '\0')
        remove_dir(f->tmpdir);
    f->running = false;
    f->done = true;
    f->elapsed = now() - f->start;
}

static void print_file(const wfile *f, bool verbose)
{
    const char *base = strrchr(f->path, '/');
    base = base ? base + 1 : f->path;
    printf("%s: %ld passed, %ld failed, %ld skipped", f->path, f->passed, f->failed, f->skipped);
    if (verbose)
        printf(" (%.2fs)", f->elapsed);
    putchar('\n');
    for (size_t i = 0; i < f->nfails; i++)
        printf("  %s:%s\n", base, f->fails[i]);
    if (f->dropped > 0)
        printf("  ... and %ld more failures\n", f->dropped);
    fflush(stdout);
}

static bool parse_count(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

int cmd_wast(int argc, char **argv)
{
    wast_opts o = { .copts = { .opt_level = 1, .cpu = NULL, .explicit_bounds = false },
                    .jobs = 1, .cmd_timeout = 30 };
    long jobs = 1, max_failures = 100;
    bool verbose = false;
    wfile *files = calloc((size_t)argc + 1, sizeof *files);
    size_t nfiles = 0;

    if (files == NULL)
        return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int r = drv_parse_compile_option(argc, argv, &i, &o.copts);
        if (r < 0) {
            free(files);
            return 2;
        }
        if (r > 0)
            continue;
        long v;
        if (strncmp(a, "-j", 2) == 0) {
            const char *val = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : "");
            if (!parse_count(val, &jobs) || jobs < 1) {
                drv_error(NULL, "wast: bad -j value '%s'", val);
                free(files);
                return 2;
            }
        } else if (strcmp(a, "--max-failures") == 0 && i + 1 < argc && parse_count(argv[i + 1], &v)) {
            max_failures = v;
            i++;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc && parse_count(argv[i + 1], &v)) {
            o.cmd_timeout = (int)v;
            i++;
        } else if (strcmp(a, "--skip-line") == 0 && i + 1 < argc && parse_count(argv[i + 1], &v)) {
            if (o.nskip < (int)(sizeof o.skip_line / sizeof o.skip_line[0]))
                o.skip_line[o.nskip++] = (int)v;
            i++;
        } else if (strcmp(a, "--features") == 0 || strncmp(a, "--features=", 11) == 0) {
            const char *val = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : "");
            char why[200];
            if (!wast_proposals_parse(val, &o.proposals, why, sizeof why)) {
                drv_error(NULL, "wast: %s", why);
                free(files);
                return 2;
            }
            o.proposals_set = true;
        } else if (strcmp(a, "--component") == 0) {
            o.component = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            drv_error(NULL, "wast: unknown option '%s'", a);
            free(files);
            return 2;
        } else {
            files[nfiles++].path = a;
        }
    }
    if (nfiles == 0) {
        drv_error(NULL, "wast: no .wast files given");
        free(files);
        return 2;
    }
    bool need_wabt = false;
    for (size_t i = 0; i < nfiles; i++) {
        size_t n = strlen(files[i].path);
        if ((n < 5 || strcmp(files[i].path + n - 5, ".json") != 0) && !o.component &&
            !wast_is_component_script(files[i].path))
            need_wabt = true;
    }
    if (need_wabt && !in_path("wast2json")) {
        drv_error(NULL, "wast2json not found (install wabt)");
        free(files);
        return 1;
    }
    size_t par = (size_t)jobs < nfiles ? (size_t)jobs : nfiles;
    o.jobs = (int)(jobs / (long)par);
    if (o.jobs < 1)
        o.jobs = 1;

    double t0 = now();
    size_t next = 0, printed = 0, running = 0;
    struct pollfd *pfd = calloc(par + 1, sizeof *pfd);
    size_t *pidx = calloc(par + 1, sizeof *pidx);
    if (pfd == NULL || pidx == NULL) {
        free(pfd);
        free(pidx);
        free(files);
        return 1;
    }
    while (printed < nfiles) {
        while (running < par && next < nfiles) {
            wfile *f = &files[next++];
            if (start_file(f, &o)) {
                running++;
            } else {
                if (f->tmpdir[0] != '\0')
                    remove_dir(f->tmpdir);
                f->done = true;
            }
        }
        while (printed < nfiles && files[printed].done)
            print_file(&files[printed++], verbose);
        if (running == 0)
            continue;
        size_t np = 0;
        for (size_t i = 0; i < next; i++) {
            if (!files[i].running)
                continue;
            pfd[np].fd = files[i].fd;
            pfd[np].events = POLLIN;
            pfd[np].revents = 0;
            pidx[np++] = i;
        }
        if (poll(pfd, np, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t k = 0; k < np; k++) {
            if (pfd[k].revents == 0)
                continue;
            wfile *f = &files[pidx[k]];
            char buf[8192];
            ssize_t n = read(f->fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(f->fd);
                finish_file(f, max_failures);
                running--;
                continue;
            }
            for (ssize_t j = 0; j < n; j++) {
                if (buf[j] != '\n') {
                    if (f->plen < sizeof f->part - 1)
                        f->part[f->plen++] = buf[j];
                    continue;
                }
                f->part[f->plen] = '\0';
                record(f, f->part, max_failures);
                f->plen = 0;
            }
        }
    }
    long passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < nfiles; i++) {
        passed += files[i].passed;
        failed += files[i].failed;
        skipped += files[i].skipped;
        for (size_t k = 0; k < files[i].nfails; k++)
            free(files[i].fails[k]);
        free(files[i].fails);
    }
    printf("%ld passed, %ld failed, %ld skipped\n", passed, failed, skipped);
    if (verbose)
        printf("time: %.2fs\n", now() - t0);
    fflush(stdout);
    free(pfd);
    free(pidx);
    free(files);
    return failed > 0 ? 1 : 0;
}

const char *wj_str(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

void wast_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

void wast_emit_record(int fd, char *buf, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            buf[i] = '?';
    buf[len++] = '\n';
    wast_write_all(fd, buf, len);
}

int wast_run_logged(char *const argv[], const char *log, unsigned timeout, char *err, size_t errlen)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (timeout > 0)
            alarm(timeout);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
    return st;
}
