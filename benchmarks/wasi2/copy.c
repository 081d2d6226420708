/* copy: WASI I/O throughput probe. Copies a file (argv[1]) or stdin (no
 * argument) to stdout with fread/fwrite in 64 KiB chunks and prints the
 * byte count and a checksum on stderr. Built twice by run.sh: natively and
 * as a wasi:cli command component (clang-19 --target=wasm32-wasi + jco new
 * --wasi-command), so every chunk goes through wasi:io/streams (read or
 * blocking-read, blocking-write-and-flush) as a list<u8>. */
#include <stdio.h>

int main(int argc, char **argv)
{
    static unsigned char buf[64 * 1024];
    FILE *in = stdin;
    if (argc > 1 && !(in = fopen(argv[1], "rb"))) {
        perror(argv[1]);
        return 1;
    }
    unsigned long long total = 0, sum = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        for (size_t i = 0; i < n; i += 4096) sum = sum * 31 + buf[i];
        total += n;
        if (fwrite(buf, 1, n, stdout) != n) {
            perror("write");
            return 1;
        }
    }
    if (ferror(in)) {
        perror("read");
        return 1;
    }
    fflush(stdout);
    fprintf(stderr, "bytes=%llu sum=%llu\n", total, sum & 0xffffffffull);
    return 0;
}
