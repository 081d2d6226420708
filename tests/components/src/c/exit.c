/* exit: exits with the status given as argv[1] (default 0), through
 * exit() after output, so buffered stdout must be flushed first. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", code);
    fprintf(stderr, "exit: status %d\n", code);
    exit(code);
}
