/* ops/concat.c - concat: joins two or more values, `inputs: [NAME, ...]` in that order,
 * along the channels (C x H x W tensors of equal H and W) or along the vector (vectors).
 * No params, 0 MACs; default names concat<n>. In the flat C layout ([C][H][W]) both
 * are the inputs one after another; the gradient of input k is its slice of g. */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_INPUTS, F_NONE};
static const Field required[] = {F_INPUTS, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    char a[64], b[64];
    Shape o = l->in;
    for (int k = 1; k < l->ninputs; k++) {
        Shape s = value_shape(net, l->inputs[k]);
        if (s.vec != l->in.vec || s.h != l->in.h || s.w != l->in.w) {
            error_at(d, l->input_pos[k], "%s: '%s' is %s but '%s' is %s: concat joins %s", l->name,
                     l->input_name[k], shape_text(s, a, sizeof a), l->input_name[0],
                     shape_text(l->in, b, sizeof b),
                     l->in.vec ? "vectors" : "tensors of equal height and width along the channels");
            return;
        }
        o.c += s.c;
    }
    Buf f = {0};
    for (int k = 0; k < l->ninputs; k++)
        buf_printf(&f, "%s%d", k ? " + " : "", value_shape(net, l->inputs[k]).c);
    snprintf(l->formula[0], sizeof l->formula[0], "%s: %s = %d", l->in.vec ? "length" : "channels",
             f.data, o.c);
    buf_free(&f);
    l->out = o;
}

/* elements before input k in the output, and input k's */
static long long slice(const Layer *l, const Net *net, int k, long long *len)
{
    long long off = 0;
    for (int j = 0; j < k; j++)
        off += shape_size(value_shape(net, l->inputs[j]));
    *len = shape_size(value_shape(net, l->inputs[k]));
    return off;
}

static void forward(Emitter *e, const Layer *l)
{
    for (int k = 0; k < l->ninputs; k++) {
        long long len, off = slice(l, e->net, k, &len);
        emitf(e, "memcpy(out + %lld, in%d, %lld * sizeof(%s));", off, k, len, e->real);
    }
}

static void backward(Emitter *e, const Layer *l)
{
    long long len, off = slice(l, e->net, e->input_k, &len);
    emitf(e, "memcpy(gin, g + %lld, %lld * sizeof(%s));", off, len, e->real);
}

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    Buf s = {0};
    (void)drop_act;
    for (int k = 0; k < l->ninputs; k++)
        buf_printf(&s, "%s%s", k ? ", " : "", py_value(l->input_name[k]));
    pl(b, 2, "x = torch.cat([%s], 1)", s.data);
    buf_free(&s);
}

const OpDef op_concat = {
    .name = "concat", .fields = fields, .required = required, .flags = OPF_MULTI,
    .color = "#e1d5e7", .infer = infer, .describe = multi_describe, .label = multi_describe,
    .arrays = multi_arrays, .emit_forward = forward, .emit_backward = backward, .pytorch = pytorch,
};
