/* plan.c - the memory plan: where every parameter lives in the flat P_params, and
 * what P_workspace holds. The report and the emitter both read it, so the bytes the
 * report prints are sizeof(P_workspace) by construction. It reads the schedule
 * (Layer.scratch). */
#include "cnngen.h"

void plan_params(Net *net)
{
    long long off = 0, trainable = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        l->param_offset = off;
        off += l->params;
        trainable += l->nweight + l->nbias;
    }
    net->total_params = off;
    net->total_trainable = trainable;
}


int plan_trains(const Net *net, int inference_only)
{
    return !inference_only && net->loss != LOSS_NONE && net->nlayers > 0;
}

/* a layer of a kind with flag f (OPF_*) */
static int any_kind_flag(const Net *net, unsigned f)
{
    for (int i = 0; i < net->nlayers; i++)
        if (net->layers[i].op->flags & f)
            return 1;
    return 0;
}

int plan_batched(const Net *net, int inference_only)
{
    return plan_trains(net, inference_only) && any_kind_flag(net, OPF_TRAIN);
}

int plan_has_rng(const Net *net, int inference_only)
{
    return plan_batched(net, inference_only) && any_kind_flag(net, OPF_RNG);
}

int plan_has_zout(const Net *net)
{
    if (net->nlayers == 0)
        return 0;
    const Layer *last = &net->layers[net->nlayers - 1];
    if (net->loss == LOSS_SOFTMAX_CE)
        return 1;
    return net->loss == LOSS_BCE && (last->op->flags & OPF_FUSED_ACT) && last->act == ACT_SIGMOID;
}

int plan_has_pre(const Layer *l)
{
    return (l->op->flags & OPF_FUSED_ACT) && act_grad_from_input(l->act, l->alpha);
}

int plan_alias(const Net *net, int i)
{
    return (net->layers[i].op->flags & OPF_ALIAS) && i != net->nlayers - 1;
}

WsPlan plan_workspace(const Net *net, int inference_only)
{
    WsPlan w = {0, 0, 0, shape_size(net->input), 0, 0};
    int trains = plan_trains(net, inference_only);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        long long n = shape_size(l->out);
        if (n > w.max_tensor)
            w.max_tensor = n;
        /* the parts the mode runs (backward parts: training only); a split leaky_relu
         * forward (plan_has_pre) differs only in its activation, not its scratch */
        for (int p = PART_FWD; p <= (trains ? PART_BWD_INPUT : PART_FWD); p++) {
            long long s = l->scratch[p];
            if (s > w.scratch)
                w.scratch = s;
        }
    }
    w.nreal = w.scratch;                            /* scratch (first) */
    int batched = plan_batched(net, inference_only);
    int graph = !net_is_chain(net) || batched;
    long long B = batched ? net->batch : 1;         /* samples of every training array */
    long long kept = 0;                             /* every layer output with a buffer */
    for (int i = 0; i < net->nlayers; i++) {
        if (!plan_alias(net, i))
            kept += shape_size(net->layers[i].out);
        if (trains && layer_has_argmax(&net->layers[i]))
            w.nint += shape_size(net->layers[i].out);   /* argmax_<name> */
    }
    if (!trains && !graph) {
        w.nreal += 2 * w.max_tensor;                /* buf_a, buf_b */
    } else if (!trains) {
        w.nreal += kept;                            /* a graph: act_<name> */
    } else {
        long long r = kept;                         /* act_<name> */
        if (plan_has_zout(net))
            r += shape_size(net_output(net));       /* z_out */
        for (int i = 0; i < net->nlayers; i++)
            if (plan_has_pre(&net->layers[i]))
                r += shape_size(net->layers[i].out); /* pre_<name> */
        if (!graph)
            r += 2 * w.max_tensor;                  /* grad_a, grad_b */
        else
            r += kept + w.max_tensor;               /* grad_<name>, gtmp */
        w.nreal += B * r;
        w.nint *= B;
        for (int i = 0; batched && i < net->nlayers; i++)
            if (net->layers[i].op->train_ws)        /* train_<name> */
                w.nreal += net->layers[i].op->train_ws(&net->layers[i], net->batch);
    }
    int rb = real_bytes(net->dtype);
    w.rng = plan_has_rng(net, inference_only) ? 32 : 0;   /* cnngen_rng, first */
    long long bytes = w.rng + w.nreal * rb + w.nint * 4;
    int align = w.rng ? 8 : rb;                     /* the struct's alignment */
    w.bytes = (bytes + align - 1) / align * align;
    if (w.bytes == 0)
        w.bytes = rb;                               /* C has no empty structs */
    return w;
}

