/* ops/pool.c - maxpool, avgpool, l2pool: keys, shape rule, schedule, description,
 * PyTorch. out = C x H2 x W2 (shape_window, PyTorch's ceil_mode); no params. MACs: 0
 * for max and avg (comparisons and additions are not multiply-accumulates), and
 * C*H2*W2*kh*kw for l2pool (it sums squares). Its C emitters: ops/pool_emit.c. */
#include <stdio.h>
#include "cnngen.h"

static const Field pool_fields[] = {F_SIZE, F_STRIDE, F_PADDING, F_CEIL_MODE, F_NONE};
static const Field avg_fields[] = {F_SIZE, F_STRIDE, F_PADDING, F_CEIL_MODE, F_COUNT_INCLUDE_PAD, F_NONE};
static const Field required[] = {F_SIZE, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    if (l->in.vec) {
        error_at(d, l->pos, "%s: %s needs a C x H x W input, but its input is a vector of %d",
                 l->name, l->op->name, l->in.c);
        return;
    }
    if (!shape_window(net, l, d, l->ceil_mode))
        return;
    /* as ONNX: any padding that leaves every window at least one input cell to take
     * the max, the average or the sum of squares of (PyTorch's own pooling takes at
     * most half the window; --emit pytorch pads explicitly beyond that) */
    Win g = win_of(l);
    for (int ax = 0; ax < 2; ax++)
        for (int o = 0; o < (ax ? g.OW : g.OH); o++) {
            int a, b;
            if (ax)
                win_cols(&g, o, &a, &b);
            else
                win_rows(&g, o, &a, &b);
            if (a < b)
                continue;
            static const char *const names[4] = {"top", "left", "bottom", "right"};
            int side = (o == 0 ? 0 : 2) + ax;   /* the first window: the top/left pad */
            error_at(d, l->fpos[F_PADDING].line ? l->fpos[F_PADDING] : l->pos,
                     "%s: the window of output %s %d lies entirely in the %s padding (%d, "
                     "window %d): it has no input cell to pool", l->name, ax ? "column" : "row",
                     o, names[side], l->pad[side], l->k[ax]);
            l->out.c = 0;
            return;
        }
    l->out.c = l->in.c;
    if (l->op == &op_l2pool)
        l->macs = sat_mul(sat_mul(shape_size(l->out), l->k[0]), l->k[1]);
}

static void describe(const Layer *l, Buf *b)
{
    char pd[96];
    buf_printf(b, " %dx%d s%d,%d %s%s%s", l->k[0], l->k[1], l->stride[0], l->stride[1],
               pad_desc(l, pd, sizeof pd), l->ceil_mode ? " ceil_mode" : "",
               l->count_include_pad ? " count_include_pad" : "");
}

static void label(const Layer *l, Buf *b)
{
    buf_puts(b, " ");
    window_text(b, l);
}

/* 2 terms per window tap (forward, backward) */
static long long full_cost(const Layer *l)
{
    long long n = shape_size(l->out);
    return 2 * n * l->k[0] * l->k[1] + n;
}
static long long kernel_taps(const Layer *l) { return (long long)l->k[0] * l->k[1]; }

/* max: the argmax routes the gradient; l2: d sqrt(s) needs in and out; avg: neither */
static unsigned arrays(const Layer *l, Part part, int inference)
{
    int max = (l->op->flags & OPF_ARGMAX) != 0;
    switch (part) {
    case PART_FWD: return A_IN | A_OUT | (max && !inference ? A_AM : 0);
    case PART_BWD_PARAMS: return 0;
    case PART_BWD_INPUT:
        if (max)
            return A_G | A_AM | A_GIN;
        return l->op == &op_l2pool ? (A_IN | A_OUT | A_G | A_GIN) : (A_G | A_GIN);
    }
    return 0;
}

/* PyTorch's own pooling takes symmetric pads of at most half the window and the same
 * ceil_mode rule; anything else (asymmetric pads, or more than half the window, as
 * ONNX allows): explicit pads (_pool). */
static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    int t = l->pad[0], le = l->pad[1], bo = l->pad[2], r = l->pad[3];
    int sym = t == bo && le == r;
    int direct = sym && 2 * t <= l->k[0] && 2 * le <= l->k[1];
    const char *ceil = l->ceil_mode ? "True" : "False";
    int max = l->op == &op_maxpool, avg = l->op == &op_avgpool;
    (void)drop_act;
    if (direct && max)
        pl(b, 2, "x = F.max_pool2d(x, (%d, %d), (%d, %d), (%d, %d), ceil_mode=%s)", l->k[0], l->k[1],
           l->stride[0], l->stride[1], t, le, ceil);
    else if (direct && avg)
        pl(b, 2, "x = F.avg_pool2d(x, (%d, %d), (%d, %d), (%d, %d), ceil_mode=%s, count_include_pad=%s)",
           l->k[0], l->k[1], l->stride[0], l->stride[1], t, le, ceil,
           l->count_include_pad ? "True" : "False");
    else if (direct)
        pl(b, 2, "x = _safe_sqrt(F.avg_pool2d(x * x, (%d, %d), (%d, %d), (%d, %d), ceil_mode=%s, divisor_override=1))",
           l->k[0], l->k[1], l->stride[0], l->stride[1], t, le, ceil);
    else
        pl(b, 2, "x = _pool(x, \"%s\", (%d, %d), (%d, %d), (%d, %d, %d, %d), (%d, %d), %s)",
           max ? "max" : avg ? "avg" : "l2", l->k[0], l->k[1],
           l->stride[0], l->stride[1], t, le, bo, r, l->out.h, l->out.w,
           l->count_include_pad ? "True" : "False");
}

#define POOL(var, str, flds, flg)                                                \
    const OpDef var = {                                                               \
        .name = str, .fields = flds, .required = required,               \
        .stem = "pool", .window_word = "window", .flags = OPF_POOL | (flg),           \
        .color = "#fff2cc", .infer = infer, .describe = describe, .label = label,     \
        .full_cost = full_cost, .kernel_taps = kernel_taps,                           \
        .kernel_max = UNROLL_KERNEL_MAX, .arrays = arrays,                            \
        .emit_forward = gen_pool_forward, .emit_backward = gen_pool_backward,         \
        .pytorch = pytorch,                                                           \
    }
POOL(op_maxpool, "maxpool", pool_fields, OPF_ARGMAX);
POOL(op_avgpool, "avgpool", avg_fields, 0);
POOL(op_l2pool, "l2pool", pool_fields, 0);
