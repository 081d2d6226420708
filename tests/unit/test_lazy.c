/*
 * test_lazy.c — runtime/lazy: a library that cannot be loaded stops the
 * process at the first call with one line naming it and exit status 127,
 * as the dynamic loader would have at start; nothing is loaded before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lazy.h"

int wacc_test_absent(int x);
void wacc_test_absent_void(int x);

#define ABSENT_FUNCS(F, V) \
    F(int, wacc_test_absent, (int a), (a)) \
    V(wacc_test_absent_void, (int a), (a))
WACC_LAZY_LIBRARY("libwacc-test-absent.so.0", ABSENT_FUNCS)

static int check(const char *what, void (*call)(void))
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        call();
        _exit(0);                       /* not reached: the call exits */
    }
    close(fds[1]);
    char buf[512] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    const char *want = "wacc: cannot load libwacc-test-absent.so.0, which this command needs: ";
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 127 || strncmp(buf, want, strlen(want)) != 0 ||
        strchr(buf, '\n') != buf + strlen(buf) - 1) {
        fprintf(stderr, "FAIL %s: status %d, stderr '%s'\n", what, st, buf);
        return 1;
    }
    printf("ok %s: %s", what, buf);
    return 0;
}

static void call_value(void)
{
    exit(wacc_test_absent(1));
}

static void call_void(void)
{
    wacc_test_absent_void(1);
}

int main(void)
{
    return check("value", call_value) | check("void", call_void);
}
