/* plan.c - the memory plan: where every parameter lives in the flat P_params, and
 * what P_workspace holds. The report and the emitter both read it, so the bytes the
 * report prints are sizeof(P_workspace) by construction. */
#include "cnngen.h"

void plan_params(Net *net)
{
    long long off = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        l->param_offset = off;
        off += l->nweight + l->nbias;
    }
    net->total_params = off;
}

static int has_argmax(const Layer *l)
{
    return l->kind == L_MAXPOOL || l->kind == L_GLOBAL_MAXPOOL;
}

WsPlan plan_workspace(const Net *net, int inference_only)
{
    WsPlan w = {0, 0, 0, shape_size(net->input)};
    for (int i = 0; i < net->nlayers; i++) {
        long long n = shape_size(net->layers[i].out);
        if (n > w.max_tensor)
            w.max_tensor = n;
    }
    if (inference_only) {
        w.nreal = 2 * w.max_tensor;                 /* buf_a, buf_b */
    } else {
        for (int i = 0; i < net->nlayers; i++) {
            const Layer *l = &net->layers[i];
            w.nreal += shape_size(l->out);          /* act_<i> */
            if (has_argmax(l))
                w.nint += shape_size(l->out);       /* argmax_<i> */
        }
        if (net->loss == LOSS_SOFTMAX_CE)
            w.nreal += shape_size(net_output(net)); /* z_out */
        w.nreal += 2 * w.max_tensor;                /* grad_a, grad_b */
    }
    int rb = real_bytes(net->dtype);
    long long bytes = w.nreal * rb + w.nint * 4;
    w.bytes = (bytes + rb - 1) / rb * rb;
    if (w.bytes == 0)
        w.bytes = rb;                               /* C has no empty structs */
    return w;
}
