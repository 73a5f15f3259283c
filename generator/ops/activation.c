/* ops/activation.c - the element-wise activations: relu, sigmoid, tanh, leaky_relu
 * (alpha), and softmax. Each is a layer kind (same shape out as in, no params, 0 MACs;
 * softmax needs a vector or C x 1 x 1) and, but softmax, an `activation:` value of
 * conv2d and dense: one ActDef row in act_table below gives its C, its derivative,
 * its PyTorch expression and its init rule.
 *
 * Derivatives use the saved output y: relu y > 0, leaky_relu y > 0 ? 1 : alpha
 * (the input x with a negative alpha), sigmoid y (1 - y), tanh 1 - y^2;
 * softmax gin = y (g - sum g y).
 * full: one statement per element; kernel and none: the loop bodies of
 * emit_map (ops/common.c) and templates/layer_softmax_fwd.c, layer_softmax_bwd.c. */
#include <stdio.h>
#include <string.h>
#include "cnngen.h"

/* ---------------------------------------------------------------- the functions */

static void relu_c(const Emitter *e, double a, const char *x, char *o, size_t n)
{ (void)e; (void)a; snprintf(o, n, "(%s > 0 ? %s : 0)", x, x); }
static void relu_g(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{ (void)e; (void)a; snprintf(o, n, "(%s > 0 ? %s : 0)", y, g); }
static void relu_py(double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "F.relu(%s)", x); }

static void sigmoid_c(const Emitter *e, double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "1 / (1 + %s(-%s))", mfn(e, "exp"), x); }
static void sigmoid_g(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{ (void)e; (void)a; snprintf(o, n, "%s * (%s * (1 - %s))", g, y, y); }
static void sigmoid_py(double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "torch.sigmoid(%s)", x); }

static void tanh_c(const Emitter *e, double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "%s(%s)", mfn(e, "tanh"), x); }
static void tanh_g(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{ (void)e; (void)a; snprintf(o, n, "%s * (1 - %s * %s)", g, y, y); }
static void tanh_py(double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "torch.tanh(%s)", x); }

static void leaky_c(const Emitter *e, double a, const char *x, char *o, size_t n)
{ snprintf(o, n, "(%s > 0 ? %s : %s * %s)", x, x, rlit(e, a), x); }
static void leaky_g(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{ snprintf(o, n, "(%s > 0 ? %s : %s * %s)", y, g, rlit(e, a), g); }
static void leaky_py(double a, const char *x, char *o, size_t n)
{
    char f[40];
    snprintf(o, n, "F.leaky_relu(%s, %s)", x, pyfloat(a, f, sizeof f));
}

static void none_c(const Emitter *e, double a, const char *x, char *o, size_t n)
{ (void)e; (void)a; snprintf(o, n, "%s", x); }
static void none_g(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{ (void)e; (void)a; (void)y; snprintf(o, n, "%s", g); }
static void none_py(double a, const char *x, char *o, size_t n)
{ (void)a; snprintf(o, n, "%s", x); }

const ActDef act_none = {.name = "none", .expr = none_c, .grad = none_g, .py = none_py};
const ActDef act_relu = {.name = "relu", .expr = relu_c, .grad = relu_g, .py = relu_py, .he = 1};
const ActDef act_sigmoid = {.name = "sigmoid", .expr = sigmoid_c, .grad = sigmoid_g, .py = sigmoid_py};
const ActDef act_tanh = {.name = "tanh", .expr = tanh_c, .grad = tanh_g, .py = tanh_py};
static int leaky_from_input(double alpha) { return alpha < 0; }
const ActDef act_leaky = {.name = "leaky_relu", .expr = leaky_c, .grad = leaky_g, .py = leaky_py,
                          .he = 1, .alpha = 1, .grad_from_input = leaky_from_input};

/* ---------------------------------------------------------------- emitters */

static void softmax_forward(Emitter *e, const Layer *l)
{
    const char *R = e->real;
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        Buf t = {0};
        emitf(e, "%s m = in[0], s;", R);
        for (long long n = 1; n < N; n++)
            emitf(e, "if (in[%lld] > m) m = in[%lld];", n, n);
        for (long long n = 0; n < N; n++)
            emitf(e, "out[%lld] = %s(in[%lld] - m);", n, mfn(e, "exp"), n);
        buf_puts(&t, "s = ");
        for (long long n = 0; n < N; n++)
            buf_printf(&t, "%sout[%lld]", n ? " + " : "", n);
        buf_puts(&t, ";");
        emit_long(e, t.data);
        buf_free(&t);
        for (long long n = 0; n < N; n++)
            emitf(e, "out[%lld] /= s;", n);
        return;
    }
    emit_softmax_fwd(e, N);
}

static void softmax_backward(Emitter *e, const Layer *l)
{
    const char *R = e->real;
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        Buf t = {0};
        buf_printf(&t, "const %s d = ", R);
        for (long long n = 0; n < N; n++)
            buf_printf(&t, "%sg[%lld] * out[%lld]", n ? " + " : "", n, n);
        buf_puts(&t, ";");
        emit_long(e, t.data);
        buf_free(&t);
        for (long long n = 0; n < N; n++)
            emitf(e, "gin[%lld] = out[%lld] * (g[%lld] - d);", n, n, n);
        return;
    }
    emit_softmax_bwd(e, N);
}

/* ---------------------------------------------------------------- the layer kinds */

static const Field none[] = {F_NONE};
static const Field leaky_fields[] = {F_ALPHA, F_NONE};

static void infer_softmax(Net *net, Layer *l, Diag *d)
{
    char sb[64];
    (void)net;
    if (!(l->in.vec || (l->in.h == 1 && l->in.w == 1)))
        error_at(d, l->pos, "%s: softmax applies to a vector (or C x 1 x 1), but its input is %s; "
                 "add {type: flatten} before it", l->name, shape_text(l->in, sb, sizeof sb));
    l->out = l->in;
}

static void describe_leaky(const Layer *l, Buf *b) { buf_printf(b, " alpha %g", l->alpha); }
static void label_leaky(const Layer *l, Buf *b) { buf_printf(b, " %g", l->alpha); }

static void py_softmax(Buf *b, const Layer *l, int drop_act)
{
    (void)l; (void)drop_act;
    pl(b, 2, "x = F.softmax(x.reshape(x.shape[0], -1), dim=1)");
}

#define ACT(var, str, a, flds, ...)                                                   \
    const OpDef var = {                                                               \
        .name = str, .fields = flds, .required = none, .act = a,                      \
        .infer = elementwise_infer, .arrays = elementwise_arrays,                     \
        .emit_forward = elementwise_forward, .emit_backward = elementwise_backward,   \
        .pytorch = elementwise_pytorch, __VA_ARGS__                                   \
    }
ACT(op_relu, "relu", ACT_RELU, none);
ACT(op_sigmoid, "sigmoid", ACT_SIGMOID, none);
ACT(op_tanh, "tanh", ACT_TANH, none);
ACT(op_leaky_relu, "leaky_relu", ACT_LEAKY_RELU, leaky_fields,
    .describe = describe_leaky, .label = label_leaky);

const OpDef op_softmax = {
    .name = "softmax", .fields = none, .required = none, .softmax = 1,
    .infer = infer_softmax, .arrays = arrays_map_out, .emit_forward = softmax_forward,
    .emit_backward = softmax_backward, .pytorch = py_softmax,
};
