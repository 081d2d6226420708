/* hello: stdout, stderr, argv, the environment (only what was granted), exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    printf("hello, world\n");
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    int n = 0;
    while (environ[n])
        n++;
    qsort(environ, (size_t)n, sizeof *environ, cmp);
    printf("environ: %d\n", n);
    for (int i = 0; i < n; i++)
        printf("  %s\n", environ[i]);
    const char *v = getenv("WACC_TEST_VAR");
    printf("WACC_TEST_VAR=%s\n", v ? v : "(unset)");
    fprintf(stderr, "this goes to stderr\n");
    return 3;
}
