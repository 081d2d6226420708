/* hello: a wasi:cli/command built from C through the preview1 adapter.
 * Prints its arguments (not argv[0]: hosts name the program differently)
 * and what it sees of the environment. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("hello from a C component\n");
    printf("argc-1=%d\n", argc - 1);
    for (int i = 1; i < argc; i++)
        printf("arg[%d]=<%s>\n", i, argv[i]);
    const char *v = getenv("WACC_TEST_VAR");
    printf("WACC_TEST_VAR=%s\n", v ? v : "(unset)");
    v = getenv("HOME");
    printf("HOME=%s\n", v ? v : "(unset)");
    fflush(stdout);
    fprintf(stderr, "hello on stderr\n");
    return 0;
}
