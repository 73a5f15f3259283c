/* gen/flatten.c - C emitters for flatten: NCHW data is already in (c, h, w) order,
 * so forward and backward are copies. */
#include "cnngen.h"

static void copy(Emitter *e, const Layer *l, const char *dst, const char *src)
{
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        for (long long n = 0; n < N; n++)
            emitf(e, "%s[%lld] = %s[%lld];", dst, n, src, n);
        return;
    }
    emitf(e, "int n;");
    emitf(e, "for (n = 0; n < %lld; n++)", N);
    emitf(e, "    %s[n] = %s[n];", dst, src);
}

void gen_flatten_forward(Emitter *e, const Layer *l) { copy(e, l, "out", "in"); }
void gen_flatten_backward(Emitter *e, const Layer *l) { copy(e, l, "gin", "g"); }
