/* gen/flatten.c - C emitters for flatten: NCHW data is already in (c, h, w) order,
 * so forward and backward are copies (loop modes: templates/layer_map.c). */
#include "cnngen.h"

static void copy(Emitter *e, const Layer *l, const char *dst, const char *src)
{
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        for (long long n = 0; n < N; n++)
            emitf(e, "%s[%lld] = %s[%lld];", dst, n, src, n);
        return;
    }
    char x[32];
    sfmt(x, sizeof x, "%s[n]", src);
    emit_map(e, N, dst, x);
}

void gen_flatten_forward(Emitter *e, const Layer *l) { copy(e, l, "out", "in"); }
void gen_flatten_backward(Emitter *e, const Layer *l) { copy(e, l, "gin", "g"); }
