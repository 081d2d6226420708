/* stdin: read all of stdin, report lines/bytes, echo transformed. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char line[4096];
    long lines = 0, bytes = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        bytes += (long)n;
        lines++;
        if (lines <= 5 || lines % 100 == 0) {
            for (size_t i = 0; i < n; i++)
                line[i] = (char)toupper((unsigned char)line[i]);
            printf("%ld: %s", lines, line);
        }
    }
    printf("lines=%ld bytes=%ld eof=%d\n", lines, bytes, feof(stdin) != 0);
    char c;
    printf("read at eof=%zd\n", read(0, &c, 1));
    return 0;
}
