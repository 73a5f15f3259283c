/* ops/activation.c - relu, sigmoid, tanh, leaky_relu (alpha), softmax: same shape
 * out as in, no params, 0 MACs. softmax needs a vector (or C x 1 x 1). */
#include "cnngen.h"

static const Field none[] = {F_NONE};
static const Field leaky_fields[] = {F_ALPHA, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    l->out = l->in;
}

static void infer_softmax(Net *net, Layer *l, Diag *d)
{
    char sb[64];
    (void)net;
    if (!(l->in.vec || (l->in.h == 1 && l->in.w == 1)))
        error_at(d, l->pos, "%s: softmax applies to a vector (or C x 1 x 1), but its input is %s; "
                 "add {type: flatten} before it", l->name, shape_text(l->in, sb, sizeof sb));
    l->out = l->in;
}

#define ACT(var, str, knd, flds, fn)                                                   \
    const OpDef var = {                                                                \
        .name = str, .kind = knd, .fields = flds, .required = none, .infer = fn,       \
        .emit_forward = gen_activation_forward, .emit_backward = gen_activation_backward, \
    }
ACT(op_relu, "relu", L_RELU, none, infer);
ACT(op_sigmoid, "sigmoid", L_SIGMOID, none, infer);
ACT(op_tanh, "tanh", L_TANH, none, infer);
ACT(op_leaky_relu, "leaky_relu", L_LEAKY_RELU, leaky_fields, infer);
ACT(op_softmax, "softmax", L_SOFTMAX, none, infer_softmax);
