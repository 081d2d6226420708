/* podman.sh's guest: prints its arguments and $GREETING, copies
 * /data/in.txt (a mounted host directory) to /data/out.txt, exits 7. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("arg %d: %s\n", i, argv[i]);
    const char *g = getenv("GREETING");
    printf("GREETING=%s\n", g ? g : "(unset)");
    FILE *in = fopen("/data/in.txt", "r"), *out = fopen("/data/out.txt", "w");
    if (in == NULL || out == NULL) {
        fprintf(stderr, "cannot open /data: no mount?\n");
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, in)) {
        printf("read: %s", line);
        fprintf(out, "copied: %s", line);
    }
    fclose(in);
    fclose(out);
    return 7;
}
