/* plan.c - the memory plan: where every parameter lives in the flat P_params, and
 * what P_workspace holds. The report and the emitter both read it, so the bytes the
 * report prints are sizeof(P_workspace) by construction. It reads the schedule
 * (Layer.scratch). */
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

void plan_params(Net *net)
{
    long long off = 0, all = 0, trainable = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        l->param_offset = off;
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, t);
        for (int k = 0; k < nt; k++)
            off += tensor_const(net, l, &t[k]) ? 0 : t[k].n;
        all += l->params;
        trainable += layer_learns_weight(l) * l->nweight + layer_learns_bias(l) * l->nbias;
    }
    net->total_params = all;
    net->struct_params = off;
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

int plan_root(const Net *net, int v)
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
    char *placed = xcalloc((size_t)n, 1);
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

/* The order in which `way` places the values: 0 the largest first (as TensorFlow
 * Lite's arena planner), 1 in the order they are written, 2 the longest-lived first
 * (then the largest); stable. */
static void order_values(int n, const long long *size, const int *def, const int *end, int way,
                         int *seq)
{
    for (int i = 0; i < n; i++)
        seq[i] = i;
    for (int x = 1; x < n; x++)                     /* insertion sort */
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
}

/* the most reals alive at once over the steps 0..steps */
static long long live_max(int n, const long long *size, const int *def, const int *end, int steps)
{
    long long most = 0;
    for (int t = 0; t <= steps; t++) {
        long long live = 0;
        for (int i = 0; i < n; i++)
            if (size[i] && def[i] <= t && end[i] >= t)
                live += size[i];
        if (live > most)
            most = live;
    }
    return most;
}

/* The values' offsets (off[k], -1 for an empty one): three greedy placements
 * (order_values), the smallest kept; returns its reals, *lower the most alive at once
 * over the steps 0..steps. */
static long long plan_values(int n, const long long *size, const int *def, const int *end,
                             int steps, long long *off, long long *lower)
{
    int *seq = xcalloc((size_t)n, sizeof *seq), *tmp = xcalloc((size_t)n, sizeof *tmp);
    long long *try_off = xcalloc((size_t)n, sizeof *try_off), total = -1;
    for (int way = 0; way < 3; way++) {
        order_values(n, size, def, end, way, seq);
        long long t = place(n, size, def, end, seq, tmp, try_off);
        if (total < 0 || t < total) {
            total = t;
            memcpy(off, try_off, (size_t)n * sizeof *off);
        }
    }
    *lower = live_max(n, size, def, end, steps);
    free(seq);
    free(tmp);
    free(try_off);
    return total;
}

long long plan_arena(const Net *net, long long *off, long long *lower)
{
    /* values 0..n-1: the layers' outputs; n..2n-1: layer i's scratch without vectors
     * (Layer.scratch1 of its forward), alive while the layer runs */
    int nl = net->nlayers, n = 2 * nl;
    long long *size = xcalloc((size_t)n, sizeof *size);
    int *def = xcalloc((size_t)n, sizeof *def), *end = xcalloc((size_t)n, sizeof *end);
    for (int i = 0; i < nl; i++) {
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
            int v = plan_root(net, net->layers[j].inputs[k]);
            if (v != VAL_INPUT && end[v] < j)
                end[v] = j;
        }
    long long total = plan_values(n, size, def, end, nl, off, lower);
    free(size);
    free(def);
    free(end);
    return total;
}

int plan_bstart(const Net *net)
{
    int last = net->nlayers - 1;
    if (last < 0)
        return -1;
    const Layer *l = &net->layers[last];
    if (net->loss == LOSS_CE && l->op->softmax)
        return last - 1;
    if (net->loss == LOSS_BCE && l->op->act == ACT_SIGMOID)
        return last - 1;
    return last;
}

int plan_blow(const Net *net)
{
    int lo = net_partial(net) ? net_lowest_learning(net) : 0;
    return lo < 0 ? net->nlayers : lo;
}

int plan_keeps_argmax(const Net *net, int i)
{
    return layer_has_argmax(&net->layers[i]) && i >= plan_blow(net);
}

/* In a partial net, what layer j's backward reads (j >= plan_blow): its input when its
 * weight learns or its input's gradient is computed (j above the lowest) and the part
 * takes it; likewise its output, which the fused activation's backward always reads. */
static int bwd_reads(const Net *net, int j, unsigned arr)
{
    const Layer *l = &net->layers[j];
    unsigned a = 0;
    if ((l->op->flags & OPF_TRAIN) && plan_batched(net, 0))
        a |= A_IN;      /* its train-mode backward (batch statistics) reads its input */
    if (layer_learns_weight(l))
        a |= l->op->arrays(l, PART_BWD_PARAMS, 0);
    if (j > plan_blow(net))
        a |= l->op->arrays(l, PART_BWD_INPUT, 0);
    if (arr == A_OUT && layer_fused_act(l))
        a |= A_OUT;
    return (a & arr) != 0;
}

/* layer j reads value r (the root of one of its inputs), j not an alias itself */
static int reads(const Net *net, int j, int r)
{
    const Layer *l = &net->layers[j];
    if (plan_alias(net, j))
        return 0;
    for (int k = 0; k < l->ninputs; k++)
        if (plan_root(net, l->inputs[k]) == r)
            return 1;
    return 0;
}

long long plan_train_arena(const Net *net, long long *off, long long *lower)
{
    int n = net->nlayers, nv = TA_COUNT(n), last = n - 1, bs = plan_bstart(net);
    long long B = plan_batched(net, 0) ? net->batch : 1;   /* samples in each array */
    long long maxt = shape_size(net->input);
    long long *size = xcalloc((size_t)nv, sizeof *size);
    int *def = xcalloc((size_t)nv, sizeof *def), *end = xcalloc((size_t)nv, sizeof *end);
    int lo = plan_blow(net), part_ = net_partial(net);
#define BWD(i) (2 * n - (i))        /* the step of layer i's backward; forward i: step i */
    for (int r = 0; r < n; r++) {
        const Layer *l = &net->layers[r];
        if (plan_alias(net, r))
            continue;
        long long sz = B * shape_size(l->out);
        if (shape_size(l->out) > maxt)
            maxt = shape_size(l->out);
        /* its output: from its forward to the last backward reading it (its own reads
         * its output, its readers' read their input), or the loss (the last layer); in a
         * partial net only the backward parts that run and read it count */
        size[TA_ACT(r)] = sz;
        def[TA_ACT(r)] = r;
        /* the loss reads the last layer's output, and layer bs's when it takes the
         * gradient past the last layer (cross-entropy after softmax, BCE after sigmoid) */
        end[TA_ACT(r)] = r == last || (bs >= 0 && bs < last && plan_root(net, bs) == r) ? n : r;
        for (int j = r + 1; j < n; j++)     /* the forwards reading it */
            if (reads(net, j, r) && j > end[TA_ACT(r)])
                end[TA_ACT(r)] = j;
        if (r <= bs && r >= lo && (!part_ || bwd_reads(net, r, A_OUT)) && BWD(r) > end[TA_ACT(r)])
            end[TA_ACT(r)] = BWD(r);
        for (int j = r + 1; j <= bs; j++)
            if (reads(net, j, r) &&
                j >= lo && (!part_ || bwd_reads(net, j, A_IN)) && BWD(j) > end[TA_ACT(r)])
                end[TA_ACT(r)] = BWD(j);
        if (plan_has_pre(l) && r >= lo) {   /* its pre-activation, for its backward */
            size[TA_PRE(n, r)] = sz;
            def[TA_PRE(n, r)] = r;
            end[TA_PRE(n, r)] = BWD(r);
        }
        /* dL/d(its output): written by the loss (layer bs's) or the backward of the
         * last layer reading it (the first backward to run; the others add to it), read
         * by its own backward */
        if (r <= bs && (r >= lo || plan_root(net, bs) == r)) {   /* the loss writes its own */
            int w = -1;
            for (int j = r + 1; j <= bs; j++)
                if (reads(net, j, r))
                    w = j;
            if (w >= 0 || plan_root(net, bs) == r) {
                size[TA_GRAD(n, r)] = sz;
                def[TA_GRAD(n, r)] = w >= 0 ? BWD(w) : n;
                end[TA_GRAD(n, r)] = BWD(r);
            }
        }
    }
    for (int r = 0; r < n; r++)             /* each part's scratch without vectors */
        for (int part = PART_FWD; part <= PART_BWD_INPUT; part++) {
            int k = TA_SCR(n, part, r);
            if (part != PART_FWD && (r > bs || r < lo))
                continue;
            if (part_ && ((part == PART_BWD_INPUT && r == lo) ||
                          (part == PART_BWD_PARAMS && !layer_learns_weight(&net->layers[r]))))
                continue;           /* a partial net: the part does not run */
            size[k] = net->layers[r].scratch1[part];
            def[k] = end[k] = part == PART_FWD ? r : BWD(r);
        }
    if (plan_has_zout(net)) {               /* the last layer's own output, for the loss */
        size[TA_ZOUT(n)] = B * shape_size(net_output(net));
        def[TA_ZOUT(n)] = last;
        /* the loss reads it, and so does the last layer's own backward when it reads its
         * output before the softmax (a fused activation's or an activation layer's
         * derivative; saved_out gives z_out; binary_cross_entropy takes the sigmoid
         * itself) */
        const Layer *ll = &net->layers[last];
        int reads_out = layer_fused_act(ll) || (ll->op->arrays(ll, PART_BWD_INPUT, 0) & A_OUT);
        end[TA_ZOUT(n)] = last <= bs && last >= lo && net->loss == LOSS_SOFTMAX_CE && reads_out
                        ? BWD(last) : n;
    }
    if (bs < 0 || plan_root(net, bs) == VAL_INPUT) {   /* the loss's gradient is the input's */
        size[TA_GIN(n)] = B * shape_size(net->input);
        def[TA_GIN(n)] = end[TA_GIN(n)] = n;
    }
    if (!net_is_chain(net) || B > 1 || plan_batched(net, 0)) {
        /* a graph's gtmp: a second reader's part of a gradient before it is added, and
         * the loss's gradient when it is the input's; alive over the whole backward */
        size[TA_GTMP(n)] = B * maxt;
        def[TA_GTMP(n)] = n;
        end[TA_GTMP(n)] = 2 * n;
    }
#undef BWD
    long long total = plan_values(nv, size, def, end, 2 * n, off, lower);
    free(size);
    free(def);
    free(end);
    return total;
}

/* P_forward_batch's batched tail: the first of the layers that end the net and all run
 * over several samples at once (OpDef.emit_forward_batch: dense), each reading the one
 * before it (or the net's input); -1 when there are none or P_MAX_BATCH is 1. *group:
 * the samples of one go (at most 4), *stage: the reals of each of the two staging
 * buffers (group x the largest array of the tail). */
int plan_batch_tail(const Net *net, int *group, long long *stage)
{
    int t = net->nlayers;
    while (t > 0) {
        const Layer *l = &net->layers[t - 1];
        if (!l->op->emit_forward_batch || l->ninputs != 1 || l->inputs[0] != t - 2)
            break;
        t--;
    }
    *group = net->batch < 4 ? net->batch : 4;
    *stage = 0;
    if (t == net->nlayers || *group < 2)
        return -1;
    long long m = shape_size(net->layers[t].in);
    for (int i = t; i < net->nlayers; i++)
        if (shape_size(net->layers[i].out) > m)
            m = shape_size(net->layers[i].out);
    *stage = *group * m;
    return t;
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
    long long B = batched ? net->batch : 1;         /* samples of every training array */
    for (int i = 0; i < net->nlayers; i++)
        if (trains && plan_keeps_argmax(net, i))    /* argmax_<name> */
        {
            w.nint += B * shape_size(net->layers[i].out) * 4;
            w.nint1 += B * shape_size(net->layers[i].out) * argmax_bytes(&net->layers[i]);
        }
    long long *off = xcalloc(TA_COUNT((size_t)net->nlayers), sizeof *off);
    w.arena = trains ? plan_train_arena(net, off, &w.lower) : plan_arena(net, off, &w.lower);
    free(off);
    w.nreal += w.arena ? w.arena : 1;               /* arena (C: no empty arrays) */
    for (int i = 0; batched && i < net->nlayers; i++)
        if (net->layers[i].op->train_ws)            /* train_<name> */
            w.nreal += net->layers[i].op->train_ws(&net->layers[i], net->batch);
    int rb = real_bytes(net->dtype);
    w.rng = plan_has_rng(net, inference_only) ? 32 : 0;   /* cnngen_rng, first */
    int align = w.rng ? 8 : rb;                     /* the struct's alignment */
    w.scratch1 = 0;         /* without vectors the layers' scratch is in the arena */
    int group;
    long long stage;
    if (plan_batch_tail(net, &group, &stage) >= 0)
        w.fbatch = 2 * stage;                       /* fbatch: P_forward_batch's staging */
    for (int k = 0; k < 2; k++) {                   /* with vectors, then one lane */
        long long bytes = w.rng + (w.nreal + (k ? w.scratch1 : w.scratch + w.fbatch)) * rb +
                          (k ? w.nint1 : w.nint);
        bytes = (bytes + align - 1) / align * align;
        if (bytes == 0)
            bytes = rb;                             /* C has no empty structs */
        *(k ? &w.bytes1 : &w.bytes) = bytes;
    }
    w.nreal += w.scratch + w.fbatch;                /* scratch (first), fbatch */
    return w;
}

