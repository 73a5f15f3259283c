/* ops/flatten.c - flatten: no keys; C x H x W -> vector of C*H*W in (c, h, w) order
 * (PyTorch's NCHW flatten). Receptive field unchanged. */
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

const OpDef op_flatten = {
    .name = "flatten", .kind = L_FLATTEN, .fields = none, .required = none,
    .infer = infer, .emit_forward = gen_flatten_forward, .emit_backward = gen_flatten_backward,
};
