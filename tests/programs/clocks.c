/* clocks: realtime, monotonic, cputime clocks; resolution; sleeping. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t)
{
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void check(const char *what, int ok)
{
    printf("%-36s %s\n", what, ok ? "ok" : "FAIL");
}

int main(void)
{
    struct timespec a, b, r;
    check("realtime after 2020", clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1577836800);
    check("time() agrees with realtime", time(NULL) - a.tv_sec <= 1);
    struct timeval tv;
    check("gettimeofday", gettimeofday(&tv, NULL) == 0 && tv.tv_sec - a.tv_sec <= 1);
    check("monotonic", clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    long long prev = ns(a);
    int mono = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(b) < prev)
            mono = 0;
        prev = ns(b);
    }
    check("monotonic never goes back", mono);
    check("resolution realtime", clock_getres(CLOCK_REALTIME, &r) == 0 && ns(r) > 0 && ns(r) <= 1000000);
    check("resolution monotonic", clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0 && ns(r) <= 1000000);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec req = { 0, 20000000 };
    check("nanosleep 20ms", nanosleep(&req, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    check("slept at least 20ms", ns(b) - ns(a) >= 20000000);
    check("slept less than 2s", ns(b) - ns(a) < 2000000000LL);
    clock_gettime(CLOCK_MONOTONIC, &a);
    check("usleep 5ms", usleep(5000) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    check("usleep took at least 5ms", ns(b) - ns(a) >= 5000000);
    struct timespec c0, c1;
    check("process cputime", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0) == 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 50000000UL; i++)
        x += i ^ (x >> 3);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    check("cputime advances while busy", ns(c1) > ns(c0));
    check("thread cputime", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0) == 0 && ns(c0) > 0);
    return 0;
}
