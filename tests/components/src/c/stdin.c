/* stdin: reads all of stdin and reports lines, bytes and a checksum,
 * echoing each line upper-cased. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    char line[4096];
    unsigned long lines = 0, bytes = 0, sum = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        for (char *p = line; *p; p++) {
            bytes++;
            sum = sum * 31 + (unsigned char)*p;
            *p = (char)toupper((unsigned char)*p);
        }
        fputs(line, stdout);
    }
    printf("lines=%lu bytes=%lu sum=%lu\n", lines, bytes, sum & 0xffffffffUL);
    return 0;
}
