/* libidn2, loaded on first use (as libcurl in lazy_curl.c): only
 * wasi:sockets name lookups of non-ASCII host names need it, and linking it
 * (with libunistring) cost every process start ~0.5 ms of CPU. If it
 * cannot be loaded, the conversion fails and the name stays as it is. */
#include <idn2.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define LIBIDN2 "libidn2.so.0"

static struct {
    __typeof__(idn2_to_ascii_8z) *to_ascii_8z;
    __typeof__(idn2_free) *free;
} real;
static bool loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen(LIBIDN2, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return;
    *(void **)&real.to_ascii_8z = dlsym(h, "idn2_to_ascii_8z");
    *(void **)&real.free = dlsym(h, "idn2_free");
    loaded = real.to_ascii_8z && real.free;     /* the handle stays open */
}

static bool have_idn2(void)
{
    pthread_once(&load_once, load);
    return loaded;
}

int idn2_to_ascii_8z(const char *input, char **output, int flags)
{
    return have_idn2() ? real.to_ascii_8z(input, output, flags) : IDN2_MALLOC;
}

void idn2_free(void *ptr)
{
    if (ptr && have_idn2())
        real.free(ptr);
}
