/* ops/conv2d.c - conv2d: keys, shape rule, tensors, schedule, description, PyTorch.
 * out = K x H2 x W2 (shape_window); params (kh*kw*C/G + 1)*K with bias (G groups:
 * G independent convolutions of C/G channels into K/G filters; depthwise: G = C = K);
 * MACs K*H2*W2*C/G*kh*kw. Its emitters write one group's functions (conv_of: C/G
 * channels, K/G filters) and emit.c calls them once per group (Layer.groups):
 * ops/conv2d_loops.c (full and the scalar loops) and ops/conv2d_fast.c (the vector
 * fast path). */
#include <stdio.h>
#include <string.h>
#include "cnngen.h"

static const Field fields[] = {F_FILTERS, F_KERNEL, F_STRIDE, F_PADDING, F_DILATION, F_BIAS,
                               F_ACTIVATION, F_ALPHA, F_GROUPS, F_NONE};
static const Field required[] = {F_FILTERS, F_KERNEL, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    if (l->in.vec) {
        error_at(d, l->pos, "%s: conv2d needs a C x H x W input, but its input is a vector of %d; "
                 "move it before flatten/dense", l->name, l->in.c);
        return;
    }
    if (l->in.c % l->groups || l->filters % l->groups) {
        error_at(d, l->fpos[F_GROUPS], "%s: groups %d must divide the input channels (%d) and "
                 "filters (%d)", l->name, l->groups, l->in.c, l->filters);
        return;
    }
    if (!shape_window(net, l, d, 0))
        return;
    l->out.c = l->filters;
    long long window = sat_mul(sat_mul(l->k[0], l->k[1]), l->in.c / l->groups);
    l->nweight = sat_mul(window, l->filters);
    l->nbias = l->bias ? l->filters : 0;
    l->macs = sat_mul(sat_mul(l->nweight, l->out.h), l->out.w);
}

/* weight [K][C/groups][kh][kw] (PyTorch's OIHW), bias [K] */
static int tensors(const Layer *l, TensorDesc *t)
{
    int n = 0;
    if (l->nweight)
        t[n++] = (TensorDesc){"weight", 4, {l->filters, l->in.c / l->groups, l->k[0], l->k[1]},
                              l->nweight, T_WEIGHT, 0};
    if (l->nbias)
        t[n++] = (TensorDesc){"bias", 1, {l->nbias, 0, 0, 0}, l->nbias, T_BIAS, 0};
    return n;
}

static void fans(const Layer *l, long long *fan_in, long long *fan_out)
{
    *fan_in = (long long)(l->in.c / l->groups) * l->k[0] * l->k[1];   /* the weight's dims */
    *fan_out = (long long)l->filters * l->k[0] * l->k[1];
}

/* "(5*5*3 + 1)*10 = 760"; grouped: "(3*3*64/64 + 1)*64 = 640" */
static void params_formula(const Layer *l, char *buf, size_t size)
{
    char c[32];
    if (l->groups > 1)
        snprintf(c, sizeof c, "%d/%d", l->in.c, l->groups);
    else
        snprintf(c, sizeof c, "%d", l->in.c);
    if (l->bias)
        snprintf(buf, size, "(%d*%d*%s + 1)*%d = %lld", l->k[0], l->k[1], c, l->filters, l->params);
    else
        snprintf(buf, size, "%d*%d*%s*%d = %lld", l->k[0], l->k[1], c, l->filters, l->params);
}

static void describe(const Layer *l, Buf *b)
{
    char pd[96];
    buf_printf(b, " %dx%d s%d", l->k[0], l->k[1], l->stride[0]);
    if (l->stride[1] != l->stride[0])
        buf_printf(b, ",%d", l->stride[1]);
    if (l->dilation[0] != 1 || l->dilation[1] != 1)
        buf_printf(b, " d%d,%d", l->dilation[0], l->dilation[1]);
    buf_printf(b, " %s", pad_desc(l, pd, sizeof pd));
    if (l->groups > 1 && l->groups == l->in.c && l->groups == l->filters)
        buf_puts(b, " depthwise");
    else if (l->groups > 1)
        buf_printf(b, " groups %d", l->groups);
    if (!l->bias)
        buf_puts(b, " no-bias");
}

static void label(const Layer *l, Buf *b)
{
    buf_printf(b, " %d, ", l->filters);
    window_text(b, l);
    if (l->groups > 1)
        buf_printf(b, l->groups == l->in.c && l->groups == l->filters ? ", depthwise" : ", groups %d",
                   l->groups);
}

/* about 3 terms per forward MAC (forward, weight and input gradients) */
static long long full_cost(const Layer *l) { return 3 * l->macs + 2 * shape_size(l->out); }
static long long kernel_taps(const Layer *l) { return (long long)l->k[0] * l->k[1]; }

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    char expr[512], act[700];
    int t = l->pad[0], le = l->pad[1], bo = l->pad[2], r = l->pad[3];
    int sym = t == bo && le == r;
    if (!sym)
        pl(b, 2, "x = F.pad(x, (%d, %d, %d, %d))", le, r, t, bo);
    snprintf(expr, sizeof expr, "F.conv2d(x, m[\"%s\"].weight, m[\"%s\"].bias, (%d, %d), (%d, %d), (%d, %d), %d)",
             l->name, l->name, l->stride[0], l->stride[1], sym ? t : 0, sym ? le : 0,
             l->dilation[0], l->dilation[1], l->groups);
    pl(b, 2, "x = %s", act_py(drop_act ? ACT_NONE : l->act, l->alpha, expr, act, sizeof act));
}

const OpDef op_conv2d = {
    .name = "conv2d", .fields = fields, .required = required,
    .stem = "conv", .window_word = "kernel", .flags = OPF_FUSED_ACT, .color = "#cfe2f3",
    .infer = infer, .tensors = tensors, .fans = fans, .params_formula = params_formula,
    .describe = describe, .label = label,
    .full_cost = full_cost, .kernel_taps = kernel_taps, .kernel_max = UNROLL_KERNEL_MAX,
    .scratch = conv2d_scratch, .arrays = arrays_weighted,
    .emit_forward = gen_conv2d_forward, .emit_backward = gen_conv2d_backward,
    .pytorch = pytorch,
};
