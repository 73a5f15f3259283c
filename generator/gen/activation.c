/* gen/activation.c - C emitters for the activation layers (relu, sigmoid, tanh,
 * leaky_relu, softmax) and for the derivative of a fused activation.
 * Derivatives use the saved output y: relu y > 0, leaky_relu y > 0 ? 1 : alpha,
 * sigmoid y (1 - y), tanh 1 - y^2; softmax gin = y (g - sum g y).
 * full: one statement per element; kernel and none: the loop bodies of
 * templates/layer_map.c, layer_softmax_fwd.c and layer_softmax_bwd.c. */
#include <string.h>

#include "cnngen.h"

/* templates/layer_map.c: dst[n] = expr for n < N */
void emit_map(Emitter *e, long long N, const char *dst, const char *expr)
{
    Hole h[] = {{"n", hnum(N), 0}, {"dst", dst, 0}, {"expr", expr, 0}};
    emit_template(e, "layer_map.c", h, 3);
}

static void emit_softmax(Emitter *e, const char *tname, long long N);

void emit_softmax_fwd(Emitter *e, long long N) { emit_softmax(e, "layer_softmax_fwd.c", N); }

static void emit_softmax(Emitter *e, const char *tname, long long N)
{
    Hole h[] = {{"real", e->real, 0}, {"n", hnum(N), 0}, {"exp", mfn(e, "exp"), 0}};
    emit_template(e, tname, h, strcmp(tname, "layer_softmax_fwd.c") == 0 ? 3 : 2);
}

static Act act_of(const Layer *l)
{
    switch (l->kind) {
    case L_RELU: return ACT_RELU;
    case L_SIGMOID: return ACT_SIGMOID;
    case L_TANH: return ACT_TANH;
    case L_LEAKY_RELU: return ACT_LEAKY_RELU;
    default: return ACT_NONE;
    }
}

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
    emit_softmax(e, "layer_softmax_bwd.c", N);
}

void gen_activation_forward(Emitter *e, const Layer *l)
{
    long long N = shape_size(l->out);
    if (l->kind == L_SOFTMAX) {
        softmax_forward(e, l);
        return;
    }
    Act a = act_of(l);
    if (l->unroll == U_FULL) {
        char x[48];
        for (long long n = 0; n < N; n++) {
            snprintf(x, sizeof x, "in[%lld]", n);
            emitf(e, "out[%lld] = %s;", n, act_expr(e, a, l->alpha, x));
        }
        return;
    }
    emit_map(e, N, "out", act_expr(e, a, l->alpha, "in[n]"));
}

void gen_activation_backward(Emitter *e, const Layer *l)
{
    long long N = shape_size(l->out);
    if (l->kind == L_SOFTMAX) {
        softmax_backward(e, l);
        return;
    }
    Act a = act_of(l);
    /* leaky_relu with a negative slope: the sign of the input decides */
    const char *y = a == ACT_LEAKY_RELU && l->alpha < 0 ? "in" : "out";
    if (l->unroll == U_FULL) {
        char yv[48], g[48];
        for (long long n = 0; n < N; n++) {
            snprintf(yv, sizeof yv, "%s[%lld]", y, n);
            snprintf(g, sizeof g, "g[%lld]", n);
            emitf(e, "gin[%lld] = %s;", n, act_grad_expr(e, a, l->alpha, yv, g));
        }
        return;
    }
    char yv[16];
    snprintf(yv, sizeof yv, "%s[n]", y);
    emit_map(e, N, "gin", act_grad_expr(e, a, l->alpha, yv, "g[n]"));
}

void gen_act_backward_inplace(Emitter *e, const Layer *l)
{
    long long N = shape_size(l->out);
    if (l->unroll == U_FULL) {
        char y[48], g[48];
        for (long long n = 0; n < N; n++) {
            snprintf(y, sizeof y, "out[%lld]", n);
            snprintf(g, sizeof g, "g[%lld]", n);
            emitf(e, "g[%lld] = %s;", n, act_grad_expr(e, l->act, l->alpha, y, g));
        }
        return;
    }
    emit_map(e, N, "g", act_grad_expr(e, l->act, l->alpha, "out[n]", "g[n]"));
}
