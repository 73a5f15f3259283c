/* ops/flatten.c - flatten: no keys; C x H x W -> vector of C*H*W in (c, h, w) order
 * (PyTorch's NCHW flatten). Receptive field unchanged. NCHW data is already in that
 * order, so a flatten aliases its input (OPF_ALIAS: no code, no buffer); only as the
 * last layer (its output is the network's) or the first (its gradient is the input's)
 * does it copy (loop modes: emit_map). */
#include <stdio.h>
#include "cnngen.h"

static const Field none[] = {F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    long long n = shape_size(l->in);
    if (!l->in.vec)
        snprintf(l->formula[0], sizeof l->formula[0], "%d*%d*%d = %lld", l->in.c, l->in.h, l->in.w, n);
    l->out = (Shape){(int)n, 1, 1, 1};
}

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

static void forward(Emitter *e, const Layer *l) { copy(e, l, "out", "in"); }
static void backward(Emitter *e, const Layer *l) { copy(e, l, "gin", "g"); }

static unsigned arrays(const Layer *l, Part part, int inference)
{
    (void)l; (void)inference;
    return part == PART_FWD ? A_IN | A_OUT : part == PART_BWD_INPUT ? A_G | A_GIN : 0;
}

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    (void)l; (void)drop_act;
    pl(b, 2, "x = x.reshape(x.shape[0], -1)");
}

const OpDef op_flatten = {
    .name = "flatten", .fields = none, .required = none,
    .flags = OPF_ALIAS, .color = "#eeeeee", .infer = infer, .arrays = arrays, .emit_forward = forward,
    .emit_backward = backward, .pytorch = pytorch,
};
