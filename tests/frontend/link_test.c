/* compiled with $(cnngen --cflags) $(cnngen --libs): the header and the library are found */
#include <stdio.h>
#include "cnngen_rt.h"
int main(void) { printf("%s\n", CNNGEN_RT_VERSION); return 0; }
