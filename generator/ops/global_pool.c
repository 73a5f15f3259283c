/* ops/global_pool.c - global_avgpool, global_maxpool: no keys; C x H x W -> C x 1 x 1.
 * The window is the whole input: rf += (H - 1)*jump, jump *= H. No params, 0 MACs.
 * Emitted as a pool whose window is the whole plane (ops/pool_emit.c). */
#include <stdio.h>
#include "cnngen.h"

static const Field none[] = {F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net;
    if (l->in.vec) {
        error_at(d, l->pos, "%s: %s needs a C x H x W input, but its input is a vector of %d",
                 l->name, l->op->name, l->in.c);
        return;
    }
    l->out = (Shape){l->in.c, 1, 1, 0};
    snprintf(l->formula[0], sizeof l->formula[0], "%s over %dx%d -> 1x1",
             l->op == &op_global_avgpool ? "mean" : "max", l->in.h, l->in.w);
    int ext[2] = {l->in.h, l->in.w};
    for (int ax = 0; ax < 2; ax++) {
        long long rf = l->rf[ax] + (long long)(ext[ax] - 1) * l->jump[ax];
        long long j = (long long)l->jump[ax] * ext[ax];
        l->rf[ax] = rf > (1 << 30) ? (1 << 30) : (int)rf;
        l->jump[ax] = j > (1 << 30) ? (1 << 30) : (int)j;
    }
}

/* the pool with the whole plane as its window (stride 1, no padding) */
static Layer as_pool(const Layer *l)
{
    Layer p = *l;
    int max = l->op == &op_global_maxpool;
    p.op = max ? &op_maxpool : &op_avgpool;
    p.k[0] = l->in.h;
    p.k[1] = l->in.w;
    p.stride[0] = p.stride[1] = 1;
    p.dilation[0] = p.dilation[1] = 1;
    p.pad[0] = p.pad[1] = p.pad[2] = p.pad[3] = 0;
    p.ceil_mode = 0;
    p.count_include_pad = 0;
    return p;
}

static void forward(Emitter *e, const Layer *l)
{
    Layer p = as_pool(l);
    gen_pool_forward(e, &p);
}

static void backward(Emitter *e, const Layer *l)
{
    Layer p = as_pool(l);
    gen_pool_backward(e, &p);
}

static unsigned arrays(const Layer *l, Part part, int inference)
{
    Layer p = as_pool(l);
    return p.op->arrays(&p, part, inference);
}

static long long full_cost(const Layer *l) { return 2 * shape_size(l->in) + shape_size(l->out); }
static long long kernel_taps(const Layer *l) { return (long long)l->in.h * l->in.w; }

static void py_avg(Buf *b, const Layer *l, int drop_act)
{
    (void)l; (void)drop_act;
    pl(b, 2, "x = x.mean(dim=(2, 3), keepdim=True)");
}

/* one argmax per channel gets the gradient, as in the C (amax would split ties) */
static void py_max(Buf *b, const Layer *l, int drop_act)
{
    (void)drop_act;
    pl(b, 2, "x = F.max_pool2d(x, (%d, %d))", l->in.h, l->in.w);
}

/* kernel_max 0: auto never spells out the whole plane */
#define GPOOL(var, str, flg, py)                                                 \
    const OpDef var = {                                                               \
        .name = str, .fields = none, .required = none, .stem = "pool",   \
        .flags = flg, .color = "#fff2cc", .infer = infer, .full_cost = full_cost,     \
        .kernel_taps = kernel_taps, .arrays = arrays, .emit_forward = forward,        \
        .emit_backward = backward, .pytorch = py,                                     \
    }
GPOOL(op_global_avgpool, "global_avgpool", 0, py_avg);
GPOOL(op_global_maxpool, "global_maxpool", OPF_ARGMAX, py_max);
