/* ops/conv2d.c - conv2d: keys and shape rule.
 * out = K x H2 x W2 (shape_window); params (kh*kw*C + 1)*K with bias;
 * MACs K*H2*W2*C*kh*kw. */
#include "cnngen.h"

static const Field fields[] = {F_FILTERS, F_KERNEL, F_STRIDE, F_PADDING, F_DILATION, F_BIAS,
                               F_ACTIVATION, F_ALPHA, F_NONE};
static const Field required[] = {F_FILTERS, F_KERNEL, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    if (l->in.vec) {
        error_at(d, l->pos, "%s: conv2d needs a C x H x W input, but its input is a vector of %d; "
                 "move it before flatten/dense", l->name, l->in.c);
        return;
    }
    if (!shape_window(net, l, d, 0))
        return;
    l->out.c = l->filters;
    long long window = sat_mul(sat_mul(l->k[0], l->k[1]), l->in.c);
    l->nweight = sat_mul(window, l->filters);
    l->nbias = l->bias ? l->filters : 0;
    l->macs = sat_mul(sat_mul(l->nweight, l->out.h), l->out.w);
}

const OpDef op_conv2d = {
    .name = "conv2d", .kind = L_CONV2D, .fields = fields, .required = required,
    .infer = infer, .emit_forward = gen_conv2d_forward, .emit_backward = gen_conv2d_backward,
};
