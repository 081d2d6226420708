/* Cold-start probe: print one line and exit. */
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
