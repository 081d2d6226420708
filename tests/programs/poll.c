/* poll: poll() on stdin (a pipe with data), poll() as a sleep, and select(). */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
    struct pollfd p = { .fd = 0, .events = POLLIN };
    int r = poll(&p, 1, 5000);
    printf("poll stdin: %d readable=%d\n", r, (p.revents & POLLIN) != 0);
    char buf[64] = { 0 };
    ssize_t n = read(0, buf, 5);
    printf("read %zd [%s]\n", n, buf);

    long long t0 = now_ms();
    r = poll(NULL, 0, 30);
    long long dt = now_ms() - t0;
    printf("poll timeout: %d waited>=30ms=%d\n", r, dt >= 30);

    struct pollfd out = { .fd = 1, .events = POLLOUT };
    r = poll(&out, 1, 1000);
    printf("poll stdout: %d writable=%d\n", r, (out.revents & POLLOUT) != 0);

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(0, &rd);
    struct timeval tv = { 1, 0 };
    r = select(1, &rd, NULL, NULL, &tv);
    printf("select stdin: %d set=%d\n", r, FD_ISSET(0, &rd) != 0);
    return 0;
}
