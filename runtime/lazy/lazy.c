/* lazy.c — the loader behind lazy.h's forwarding functions. */
#include "lazy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void wacc_lazy_load(const char *soname, const char *const *names, void **fns, size_t n)
{
    /* The handle stays open for the life of the process. */
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    const char *why = NULL;
    for (size_t i = 0; h != NULL && i < n && why == NULL; i++)
        if ((fns[i] = dlsym(h, names[i])) == NULL)
            why = names[i];
    if (h != NULL && why == NULL)
        return;
    const char *err = dlerror();
    if (h == NULL)
        fprintf(stderr, "wacc: cannot load %s, which this command needs: %s\n", soname,
                err ? err : "unknown error");
    else
        fprintf(stderr, "wacc: %s has no %s, which this command needs\n", soname, why);
    fflush(NULL);
    exit(127);
}
