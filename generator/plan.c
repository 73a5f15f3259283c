/* plan.c - the memory plan: where every parameter lives in the flat P_params, and
 * what P_workspace holds. The report and the emitter both read it, so the bytes the
 * report prints are sizeof(P_workspace) by construction. It reads the schedule
 * (Layer.scratch). */
#include <stdlib.h>
#include <string.h>
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

/* the value whose storage layer v's output is (a flatten's is its input's) */
static int root_of(const Net *net, int v)
{
    while (v != VAL_INPUT && plan_alias(net, v))
        v = net->layers[v].inputs[0];
    return v;
}

/* Places the values in the order seq: each at the lowest offset clear of every value
 * placed before it that is alive at the same time (i and j are alive together when
 * def[j] <= end[i] and def[i] <= end[j]). Returns the reals used; scratch: n ints. */
static long long place(int n, const long long *size, const int *def, const int *end,
                       const int *seq, int *scratch, long long *off)
{
    long long total = 0;
    char *placed = calloc((size_t)n + 1, 1);
    if (!placed) {
        fprintf(stderr, "cnngen: out of memory planning the workspace\n");
        exit(2);
    }
    for (int z = 0; z < n; z++) {
        int i = seq[z], m = 0;
        off[i] = -1;
        if (!size[i])
            continue;
        for (int j = 0; j < n; j++)
            if (placed[j] && def[j] <= end[i] && def[i] <= end[j])
                scratch[m++] = j;
        for (int a = 1; a < m; a++)                 /* by offset (insertion sort) */
            for (int b = a; b > 0 && off[scratch[b - 1]] > off[scratch[b]]; b--) {
                int t = scratch[b]; scratch[b] = scratch[b - 1]; scratch[b - 1] = t;
            }
        long long at = 0;
        for (int a = 0; a < m; a++) {
            int j = scratch[a];
            if (off[j] - at >= size[i])
                break;                              /* the gap before j fits */
            if (off[j] + size[j] > at)
                at = off[j] + size[j];
        }
        off[i] = at;
        placed[i] = 1;
        if (at + size[i] > total)
            total = at + size[i];
    }
    free(placed);
    return total;
}

long long plan_arena(const Net *net, long long *off, long long *lower)
{
    /* values 0..n-1: the layers' outputs; n..2n-1: layer i's scratch without vectors
     * (Layer.scratch1 of its forward), alive while the layer runs */
    int nl = net->nlayers, n = 2 * nl;
    long long *size = calloc((size_t)n + 1, sizeof *size);
    int *end = calloc((size_t)n + 1, sizeof *end), *order = calloc((size_t)n + 1, sizeof *order);
    int *def = calloc((size_t)n + 1, sizeof *def);
    long long total = 0;
    *lower = 0;
    if (!size || !end || !order || !def) {
        fprintf(stderr, "cnngen: out of memory planning the workspace\n");
        exit(2);
    }
    for (int i = 0; i < nl; i++) {
        off[i] = off[nl + i] = -1;
        def[i] = end[i] = i;     /* a value nobody reads lives while it is written */
        int slot = !plan_alias(net, i) && (i < nl - 1 || net->loss == LOSS_SOFTMAX_CE);
        size[i] = slot ? shape_size(net->layers[i].out) : 0;
        def[nl + i] = end[nl + i] = i;
        size[nl + i] = net->layers[i].scratch1[PART_FWD];
    }
    if (nl && size[nl - 1])
        end[nl - 1] = nl;        /* read by the output transform */
    for (int j = 0; j < nl; j++)
        for (int k = 0; k < net->layers[j].ninputs; k++) {
            int v = root_of(net, net->layers[j].inputs[k]);
            if (v != VAL_INPUT && end[v] < j)
                end[v] = j;
        }
    /* three greedy placements, the smallest kept: values taken largest first (as
     * TensorFlow Lite's arena planner does), in writing order, and longest-lived first */
    int *seq = calloc((size_t)n + 1, sizeof *seq);
    long long *try_off = calloc((size_t)n + 1, sizeof *try_off);
    if (!seq || !try_off) {
        fprintf(stderr, "cnngen: out of memory planning the workspace\n");
        exit(2);
    }
    total = -1;
    for (int way = 0; way < 3; way++) {
        for (int i = 0; i < n; i++)
            seq[i] = i;
        for (int x = 1; x < n; x++)                 /* stable insertion sort */
            for (int y = x; y > 0; y--) {
                int u = seq[y - 1], v = seq[y];
                long long ku = way == 0 ? size[u] : way == 1 ? -def[u] : end[u] - def[u];
                long long kv = way == 0 ? size[v] : way == 1 ? -def[v] : end[v] - def[v];
                if (way == 2 && ku == kv) {
                    ku = size[u];
                    kv = size[v];
                }
                if (ku >= kv)
                    break;
                seq[y - 1] = v;
                seq[y] = u;
            }
        long long t = place(n, size, def, end, seq, order, try_off);
        if (total < 0 || t < total) {
            total = t;
            memcpy(off, try_off, (size_t)n * sizeof *off);
        }
    }
    free(seq);
    free(try_off);
    for (int i = 0; i < n; i++)
        if (!size[i])
            off[i] = -1;
    for (int t = 0; t <= nl; t++) {                 /* reals alive during step t */
        long long live = 0;
        for (int i = 0; i < n; i++)
            if (size[i] && def[i] <= t && end[i] >= t)
                live += size[i];
        if (live > *lower)
            *lower = live;
    }
    free(size);
    free(end);
    free(order);
    free(def);
    return total;
}

WsPlan plan_workspace(const Net *net, int inference_only)
{
    WsPlan w;
    memset(&w, 0, sizeof w);
    w.max_tensor = shape_size(net->input);
    int trains = plan_trains(net, inference_only);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        long long n = shape_size(l->out);
        if (n > w.max_tensor)
            w.max_tensor = n;
        /* the parts the mode runs (backward parts: training only); a split leaky_relu
         * forward (plan_has_pre) differs only in its activation, not its scratch */
        for (int p = PART_FWD; p <= (trains ? PART_BWD_INPUT : PART_FWD); p++) {
            if (l->scratch[p] > w.scratch)
                w.scratch = l->scratch[p];
            if (l->scratch1[p] > w.scratch1)
                w.scratch1 = l->scratch1[p];
        }
    }
    if (w.scratch && !w.scratch1)
        w.scratch1 = 1;                             /* the member stays (C: no empty arrays) */
    w.nreal = 0;
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
    if (!trains) {
        long long *off = calloc(2 * (size_t)net->nlayers + 1, sizeof *off);
        if (!off) {
            fprintf(stderr, "cnngen: out of memory planning the workspace\n");
            exit(2);
        }
        w.arena = plan_arena(net, off, &w.lower);
        free(off);
        w.nreal += w.arena ? w.arena : 1;           /* arena (C: no empty arrays) */
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
    int align = w.rng ? 8 : rb;                     /* the struct's alignment */
    if (!trains)
        w.scratch1 = 0;     /* without vectors the layers' scratch is in the arena */
    for (int k = 0; k < 2; k++) {                   /* with vectors, then one lane */
        long long bytes = w.rng + (w.nreal + (k ? w.scratch1 : w.scratch)) * rb + w.nint * 4;
        bytes = (bytes + align - 1) / align * align;
        if (bytes == 0)
            bytes = rb;                             /* C has no empty structs */
        *(k ? &w.bytes1 : &w.bytes) = bytes;
    }
    w.nreal += w.scratch;                           /* scratch (first) */
    return w;
}

