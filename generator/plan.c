/* plan.c - the memory plan: where every parameter lives in the flat P_params, and
 * what P_workspace holds. The report and the emitter both read it, so the bytes the
 * report prints are sizeof(P_workspace) by construction. Also the unroll policy,
 * shared for the same reason (the report prints each layer's mode). */
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

int plan_trains(const Net *net, int inference_only)
{
    return !inference_only && net->loss != LOSS_NONE && net->nlayers > 0;
}

int plan_has_zout(const Net *net)
{
    if (net->nlayers == 0)
        return 0;
    const Layer *last = &net->layers[net->nlayers - 1];
    if (net->loss == LOSS_SOFTMAX_CE)
        return 1;
    return net->loss == LOSS_BCE && (last->kind == L_CONV2D || last->kind == L_DENSE) &&
           last->act == ACT_SIGMOID;
}

int plan_has_pre(const Layer *l)
{
    return (l->kind == L_CONV2D || l->kind == L_DENSE) && l->act == ACT_LEAKY_RELU && l->alpha < 0;
}

long long plan_scratch(const Layer *l, Dtype dt, Part part)
{
    return l->kind == L_CONV2D ? gen_conv2d_scratch(l, dt, part) : 0;
}

WsPlan plan_workspace(const Net *net, int inference_only)
{
    WsPlan w = {0, 0, 0, shape_size(net->input), 0};
    int trains = plan_trains(net, inference_only);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        long long n = shape_size(l->out);
        if (n > w.max_tensor)
            w.max_tensor = n;
        /* the parts the mode runs (backward parts: training only); a split leaky_relu
         * forward (plan_has_pre) differs only in its activation, not its scratch */
        for (int p = PART_FWD; p <= (trains ? PART_BWD_INPUT : PART_FWD); p++) {
            long long s = plan_scratch(l, net->dtype, (Part)p);
            if (s > w.scratch)
                w.scratch = s;
        }
    }
    w.nreal = w.scratch;                            /* scratch (first) */
    if (!trains) {
        w.nreal += 2 * w.max_tensor;                /* buf_a, buf_b */
    } else {
        for (int i = 0; i < net->nlayers; i++) {
            const Layer *l = &net->layers[i];
            w.nreal += shape_size(l->out);          /* act_<name> */
            if (has_argmax(l))
                w.nint += shape_size(l->out);       /* argmax_<name> */
        }
        if (plan_has_zout(net))
            w.nreal += shape_size(net_output(net)); /* z_out */
        for (int i = 0; i < net->nlayers; i++)
            if (plan_has_pre(&net->layers[i]))
                w.nreal += shape_size(net->layers[i].out); /* pre_<name> */
        w.nreal += 2 * w.max_tensor;                /* grad_a, grad_b */
    }
    int rb = real_bytes(net->dtype);
    long long bytes = w.nreal * rb + w.nint * 4;
    w.bytes = (bytes + rb - 1) / rb * rb;
    if (w.bytes == 0)
        w.bytes = rb;                               /* C has no empty structs */
    return w;
}

const char *unroll_name(Unroll u)
{
    switch (u) {
    case U_AUTO: return "auto";
    case U_FULL: return "full";
    case U_KERNEL: return "kernel";
    case U_NONE: return "none";
    }
    return "?";
}

/* Terms of the straight-line forward + backward code of a layer (about 3 MACs per
 * forward MAC for layers with parameters, 2 per window tap for pools). */
long long unroll_full_cost(const Layer *l)
{
    long long n = shape_size(l->out);
    switch (l->kind) {
    case L_CONV2D:
    case L_DENSE:
        return 3 * l->macs + 2 * n;
    case L_MAXPOOL:
    case L_AVGPOOL:
    case L_L2POOL:
        return 2 * n * l->k[0] * l->k[1] + n;
    case L_GLOBAL_AVGPOOL:
    case L_GLOBAL_MAXPOOL:
        return 2 * shape_size(l->in) + n;
    default:
        return 2 * n;
    }
}

void plan_unroll(Net *net, Unroll requested)
{
    long long total = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        if (requested != U_AUTO) {
            l->unroll = requested;
            continue;
        }
        long long cost = unroll_full_cost(l);
        if (cost <= UNROLL_FULL_LAYER && total + cost <= UNROLL_FULL_TOTAL) {
            l->unroll = U_FULL;
            total += cost;
            continue;
        }
        switch (l->kind) {
        case L_CONV2D:
        case L_MAXPOOL:
        case L_AVGPOOL:
        case L_L2POOL:
            l->unroll = (long long)l->k[0] * l->k[1] <= UNROLL_KERNEL_MAX ? U_KERNEL : U_NONE;
            break;
        case L_DENSE:
            l->unroll = shape_size(l->in) <= UNROLL_KERNEL_MAX_IN ? U_KERNEL : U_NONE;
            break;
        default:
            l->unroll = U_NONE;
        }
    }
}
