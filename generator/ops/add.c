/* ops/add.c - add: the element-wise sum of two or more values of one shape (a residual
 * connection), `inputs: [NAME, ...]` in that order, with an optional fused activation
 * (the ReLU after a residual sum). No params, 0 MACs; default names add<n>.
 *   out[n] = act(in0[n] + in1[n] + ...)   (summed left to right, as PyTorch's a + b + c)
 *   dL/din_k = g (after the activation's derivative), for every input k. */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_INPUTS, F_ACTIVATION, F_ALPHA, F_NONE};
static const Field required[] = {F_INPUTS, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    char a[64], b[64];
    for (int k = 1; k < l->ninputs; k++) {
        Shape s = value_shape(net, l->inputs[k]);
        if (s.c != l->in.c || s.h != l->in.h || s.w != l->in.w || s.vec != l->in.vec) {
            error_at(d, l->input_pos[k], "%s: '%s' is %s but '%s' is %s: add needs inputs of "
                     "one shape", l->name, l->input_name[k], shape_text(s, a, sizeof a),
                     l->input_name[0], shape_text(l->in, b, sizeof b));
            return;
        }
    }
    l->out = l->in;
}

static void forward(Emitter *e, const Layer *l)
{
    Buf s = {0};
    int act = l->act != ACT_NONE;   /* the activation takes the sum as one operand */
    buf_puts(&s, act ? "(" : "");
    for (int k = 0; k < l->ninputs; k++)
        buf_printf(&s, "%sin%d[n]", k ? " + " : "", k);
    buf_puts(&s, act ? ")" : "");
    emit_map(e, shape_size(l->out), "out", act_expr(e, l->act, l->alpha, s.data));
    buf_free(&s);
}

/* the gradient of input e->input_k: g itself (the activation's part ran in place) */
static void backward(Emitter *e, const Layer *l)
{
    emit_map(e, shape_size(l->out), "gin", "g[n]");
}

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    Buf s = {0};
    char act[1024];
    buf_puts(&s, "(");
    for (int k = 0; k < l->ninputs; k++)
        buf_printf(&s, "%s%s", k ? " + " : "", py_value(l->input_name[k]));
    buf_puts(&s, ")");
    pl(b, 2, "x = %s", act_py(drop_act ? ACT_NONE : l->act, l->alpha, s.data, act, sizeof act));
    buf_free(&s);
}

const OpDef op_add = {
    .name = "add", .fields = fields, .required = required, .flags = OPF_FUSED_ACT | OPF_MULTI,
    .color = "#e1d5e7", .infer = infer, .describe = multi_describe, .label = multi_describe,
    .arrays = multi_arrays, .emit_forward = forward, .emit_backward = backward, .pytorch = pytorch,
};
