/* ops/relu6.c - relu6: min(max(x, 0), 6), PyTorch's F.relu6 (hardtanh(0, 6)). A layer
 * kind (no keys, same shape, no params, 0 MACs; default names relu6_<n>) and an
 * `activation:` value of conv2d and dense. Its derivative, from the saved output y:
 * 1 where 0 < y < 6, else 0 (at x = 0 and x = 6 too, as PyTorch's hardtanh_backward).
 * He's rule in P_init before it, as before relu. */
#include <stdio.h>
#include "cnngen.h"

static void c_expr(const Emitter *e, double a, const char *x, char *o, size_t n)
{
    (void)e; (void)a;
    snprintf(o, n, "(%s > 0 ? (%s < 6 ? %s : 6) : 0)", x, x, x);
}

static void c_grad(const Emitter *e, double a, const char *y, const char *g, char *o, size_t n)
{
    (void)e; (void)a;
    snprintf(o, n, "(%s > 0 && %s < 6 ? %s : 0)", y, y, g);
}

static void py_expr(double a, const char *x, char *o, size_t n)
{
    (void)a;
    snprintf(o, n, "F.relu6(%s)", x);
}

const ActDef act_relu6 = {.name = "relu6", .expr = c_expr, .grad = c_grad, .py = py_expr, .he = 1};

static const Field none[] = {F_NONE};

/* the layer: an element-wise one (ops/common.c) with the function above */
const OpDef op_relu6 = {
    .name = "relu6", .fields = none, .required = none, .stem = "relu6_", .act = ACT_RELU6,
    .infer = elementwise_infer, .arrays = elementwise_arrays,
    .emit_forward = elementwise_forward, .emit_backward = elementwise_backward,
    .pytorch = elementwise_pytorch,
};
