/*
 * progress.c — the progress line of a long compile on a terminal:
 *
 *   wacc: codegen  [##########..........]  1234/2468 functions   42.1 s
 *
 * A thread redraws it every 200 ms (so the elapsed time moves during long
 * single-threaded phases such as optimisation); phases and counts come
 * from the compiler's threads under a mutex. The driver decides whether it
 * is on (stderr is a terminal and no --quiet).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler.h"

struct wacc_progress {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool stop;
    double t0;
    char phase[24];
    size_t done, total;
    int width;                          /* characters of the last line drawn */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void draw(wacc_progress *p)
{
    char line[128];
    double el = now() - p->t0;
    int n;
    if (p->total) {
        size_t done = p->done > p->total ? p->total : p->done;
        char bar[21];
        size_t fill = done * 20 / p->total;
        for (size_t i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        n = snprintf(line, sizeof line, "wacc: %-9s [%s] %zu/%zu functions %7.1f s", p->phase, bar, done, p->total,
                     el);
    } else {
        n = snprintf(line, sizeof line, "wacc: %-9s %7.1f s", p->phase, el);
    }
    int pad = p->width > n ? p->width - n : 0;
    fprintf(stderr, "\r%s%*s", line, pad, "");
    fflush(stderr);
    p->width = n;
}

static void *ticker(void *arg)
{
    wacc_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        draw(p);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

wacc_progress *wacc_progress_start(bool on)
{
    if (!on)
        return NULL;
    wacc_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->t0 = now();
    snprintf(p->phase, sizeof p->phase, "%s", "lower");
    if (pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_create(&p->thread, NULL, ticker, p)) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void wacc_progress_phase(wacc_progress *p, const char *phase, size_t total)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    snprintf(p->phase, sizeof p->phase, "%s", phase);
    p->done = 0;
    p->total = total;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void wacc_progress_add(wacc_progress *p, size_t done)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->done += done;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void wacc_progress_stop(wacc_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    fprintf(stderr, "\r%*s\r", p->width, "");
    fflush(stderr);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
