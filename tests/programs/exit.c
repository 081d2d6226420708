/* exit: exit() from deep inside, atexit handlers, buffered output flushed. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void)
{
    printf("atexit handler ran\n");
}

static volatile int limit = 100;

static int depth(int n)
{
    if (n >= limit) {
        printf("leaving without a newline...");
        exit(42);
    }
    return n < 1000 ? depth(n + 1) + 1 : 0;
}

int main(void)
{
    atexit(bye);
    printf("start\n");
    return depth(0);
}
