/* ops/common.c - what several units share, and the part of the units the C writer
 * calls directly (with ops/table.c, the ops interface every stage may use): the
 * description of a window's padding (conv2d and the pools), the arrays of the two
 * common layer shapes (a layer with weights; an element-wise layer whose derivative
 * reads its output), a layer's tensors, and the element-wise emitters of the fused
 * activations and of the softmax (the activation layers, conv2d, dense and the
 * loss's output transform use them). */
#include <stdio.h>
#include <string.h>
#include "cnngen.h"

const char *pad_desc(const Layer *l, char *s, size_t n)
{
    switch (l->pad_mode) {
    case PAD_VALID: snprintf(s, n, "valid"); break;
    case PAD_SAME: snprintf(s, n, "same"); break;
    case PAD_SAME_LOWER: snprintf(s, n, "same_lower"); break;
    case PAD_EXPLICIT: snprintf(s, n, "pad"); break;
    }
    if (l->pad[0] || l->pad[1] || l->pad[2] || l->pad[3]) {
        size_t k = strlen(s);
        snprintf(s + k, n - k, " [%d,%d,%d,%d]", l->pad[0], l->pad[1], l->pad[2], l->pad[3]);
    }
    return s;
}

static const char *pair_text(const int v[2], char *buf, size_t n)
{
    if (v[0] == v[1])
        snprintf(buf, n, "%d", v[0]);
    else
        snprintf(buf, n, "%dx%d", v[0], v[1]);
    return buf;
}

void window_text(Buf *b, const Layer *l)
{
    char s[32];
    buf_printf(b, "%dx%d", l->k[0], l->k[1]);
    if (l->stride[0] != 1 || l->stride[1] != 1)
        buf_printf(b, " /%s", pair_text(l->stride, s, sizeof s));
    if (l->dilation[0] > 1 || l->dilation[1] > 1)
        buf_printf(b, " dil %s", pair_text(l->dilation, s, sizeof s));
    if (l->pad[0] || l->pad[1] || l->pad[2] || l->pad[3]) {
        if (l->pad[0] == l->pad[2] && l->pad[1] == l->pad[3] && l->pad[0] == l->pad[1])
            buf_printf(b, ", pad %d", l->pad[0]);
        else
            buf_printf(b, ", pads %d,%d,%d,%d", l->pad[0], l->pad[1], l->pad[2], l->pad[3]);
    }
    if (l->ceil_mode)
        buf_puts(b, ", ceil");
    if (l->count_include_pad)
        buf_puts(b, ", incl. pad");
}

unsigned arrays_weighted(const Layer *l, Part part, int inference)
{
    (void)inference;
    switch (part) {
    case PART_FWD: return A_IN | A_OUT | A_W | (l->nbias ? A_B : 0);
    case PART_BWD_PARAMS: return A_IN | A_G | A_GW | (l->nbias ? A_GB : 0);
    case PART_BWD_INPUT: return A_G | A_W | A_GIN;
    }
    return 0;
}

unsigned arrays_map_out(const Layer *l, Part part, int inference)
{
    (void)l; (void)inference;
    switch (part) {
    case PART_FWD: return A_IN | A_OUT;
    case PART_BWD_PARAMS: return 0;
    case PART_BWD_INPUT: return A_OUT | A_G | A_GIN;
    }
    return 0;
}

int layer_tensors(const Layer *l, TensorDesc *t)
{
    return l->op && l->op->tensors ? l->op->tensors(l, t) : 0;
}

/* ---------------------------------------------------------------- element-wise code */

/* dst[n] = expr for n < N: a loop of two lines, written here */
void emit_map(Emitter *e, long long N, const char *dst, const char *expr)
{
    emitf(e, "int n;");
    emitf(e, "for (n = 0; n < %lld; n++)", N);
    emitf(e, "    %s[n] = %s;", dst, expr);
}

/* templates/layer_softmax_fwd.c and layer_softmax_bwd.c over N elements */
void emit_softmax_fwd(Emitter *e, long long N)
{
    char consts[48], ex[64];
    sfmt(consts, sizeof consts, "enum { N = %lld };", N);
    sfmt(ex, sizeof ex, "out[n] = %s(in[n] - m);", mfn(e, "exp"));
    Hole h[] = {{"consts", consts, 0}, {"exp", ex, 0}};
    emit_template(e, "layer_softmax_fwd.c", h, 2);
}

void emit_softmax_bwd(Emitter *e, long long N)
{
    char consts[48];
    sfmt(consts, sizeof consts, "enum { N = %lld };", N);
    Hole h[] = {{"consts", consts, 0}};
    emit_template(e, "layer_softmax_bwd.c", h, 1);
}

void gen_act_forward(Emitter *e, const Layer *l, Act a, double alpha)
{
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        char x[48];
        for (long long n = 0; n < N; n++) {
            snprintf(x, sizeof x, "in[%lld]", n);
            emitf(e, "out[%lld] = %s;", n, act_expr(e, a, alpha, x));
        }
        return;
    }
    if (a == ACT_RELU) {    /* whole vectors first where there are vectors */
        emitf(e, "int n = 0;");
        emitf(e, "#if %s_VECTORS", e->P);
        emitf(e, "for (; n + %s_VL <= %lld; n += %s_VL) {", e->P, N, e->P);
        emitf(e, "    const %s_vec v = %s_VLD(in + n);", e->P, e->P);
        emitf(e, "    %s_VST(out + n, %s_VRELU(v));", e->P, e->P);
        emitf(e, "}");
        emitf(e, "#endif");
        emitf(e, "for (; n < %lld; n++)", N);
        emitf(e, "    out[n] = %s;", act_expr(e, a, alpha, "in[n]"));
        return;
    }
    emit_map(e, N, "out", act_expr(e, a, alpha, "in[n]"));
}

/* dst = g * f'(y) for the element-wise a over l's output, y the array its derivative
 * reads (full: one statement per element; loops: emit_map) */
static void act_grad_map(Emitter *e, const Layer *l, Act a, double alpha, const char *dst,
                         const char *y)
{
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        char yv[48], g[48];
        for (long long n = 0; n < N; n++) {
            snprintf(yv, sizeof yv, "%s[%lld]", y, n);
            snprintf(g, sizeof g, "g[%lld]", n);
            emitf(e, "%s[%lld] = %s;", dst, n, act_grad_expr(e, a, alpha, yv, g));
        }
        return;
    }
    char yv[16];
    snprintf(yv, sizeof yv, "%s[n]", y);
    emit_map(e, N, dst, act_grad_expr(e, a, alpha, yv, "g[n]"));
}

void gen_act_backward(Emitter *e, const Layer *l, Act a, double alpha)
{
    act_grad_map(e, l, a, alpha, "gin", act_grad_from_input(a, alpha) ? "in" : "out");
}

void gen_act_backward_inplace(Emitter *e, const Layer *l)
{
    act_grad_map(e, l, l->act, l->alpha, "g", "out");
}

int act_grad_from_input(Act a, double alpha)
{
    return act_table[a]->grad_from_input && act_table[a]->grad_from_input(alpha);
}

/* ---------------------------------------------------------------- element-wise layers
 * What every element-wise activation layer (op.act set: relu, sigmoid, tanh,
 * leaky_relu, relu6) does the same way: same shape out, out = f(in), gin = g f'(.),
 * the arrays its derivative reads, x = f(x) in PyTorch. */

void elementwise_infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    l->out = l->in;
}

void elementwise_forward(Emitter *e, const Layer *l)
{
    gen_act_forward(e, l, l->op->act, l->alpha);
}

void elementwise_backward(Emitter *e, const Layer *l)
{
    gen_act_backward(e, l, l->op->act, l->alpha);
}

unsigned elementwise_arrays(const Layer *l, Part part, int inference)
{
    if (part == PART_BWD_INPUT && act_grad_from_input(l->op->act, l->alpha))
        return A_IN | A_G | A_GIN;
    return arrays_map_out(l, part, inference);
}

void elementwise_pytorch(Buf *b, const Layer *l, int drop_act)
{
    char o[128];
    (void)drop_act;
    pl(b, 2, "x = %s", act_py(l->op->act, l->alpha, "x", o, sizeof o));
}

/* ---- the multi-input kinds (add, concat: OPF_MULTI) */

/* " of a, b" */
void multi_describe(const Layer *l, Buf *b)
{
    buf_puts(b, " of");
    for (int k = 0; k < l->ninputs; k++)
        buf_printf(b, "%s %s", k ? "," : "", l->input_name[k]);
}

/* the forward reads every input (in0 ..), each dL/dinput reads g */
unsigned multi_arrays(const Layer *l, Part part, int inference)
{
    (void)l; (void)inference;
    switch (part) {
    case PART_FWD: return A_INS | A_OUT;
    case PART_BWD_PARAMS: return 0;
    case PART_BWD_INPUT: return A_G | A_GIN;
    }
    return 0;
}
