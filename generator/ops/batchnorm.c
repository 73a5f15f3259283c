/* ops/batchnorm.c - batchnorm: PyTorch's BatchNorm2d on a C x H x W tensor (statistics
 * per channel over the batch and H, W), BatchNorm1d on a vector (per feature over the
 * batch). Keys momentum (0.1), eps (1e-5), affine (true); same shape; tensors weight
 * (gamma, P_init 1) and bias (beta, 0) with affine, and the buffers running_mean (0)
 * and running_var (1), which SGD leaves alone: params 4C (2C without affine), of which
 * 2C trainable. MACs: C*H*W (one multiply-add per element at inference).
 *
 * Eval mode (P_forward, P_backward): an affine map per channel with the running
 * statistics, templates/layer_bn_fwd.c, layer_bn_bwd_params.c, layer_bn_bwd_input.c.
 * Train mode (P_train_batch, OPF_TRAIN): the batch's statistics, over all n samples at
 * once, templates/layer_bn_train_fwd.c and layer_bn_train_bwd.c; the forward keeps the
 * mean and 1/sqrt(var + eps) per channel in ws->train_<name> [2C] for the backward. */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_MOMENTUM, F_EPS, F_AFFINE, F_NONE};
static const Field none[] = {F_NONE};

static long long positions(const Layer *l) { return (long long)l->in.h * l->in.w; }

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    l->out = l->in;
    l->nweight = l->nbias = l->affine ? l->in.c : 0;
    l->nbuffer = 2LL * l->in.c;
    l->macs = shape_size(l->in);
    if (l->affine)
        sfmt(l->formula[0], sizeof l->formula[0], "4*%d = %lld params (weight, bias; "
             "non-trainable running_mean, running_var)", l->in.c, 4LL * l->in.c);
    else
        sfmt(l->formula[0], sizeof l->formula[0], "2*%d = %lld params (non-trainable "
             "running_mean, running_var)", l->in.c, 2LL * l->in.c);
}

static int tensors(const Layer *l, TensorDesc *t)
{
    int n = 0;
    long long C = l->in.c;
    if (l->affine) {
        t[n++] = (TensorDesc){"weight", 1, {C, 0, 0, 0}, C, T_BIAS, 1};
        t[n++] = (TensorDesc){"bias", 1, {C, 0, 0, 0}, C, T_BIAS, 0};
    }
    t[n++] = (TensorDesc){"running_mean", 1, {C, 0, 0, 0}, C, T_BUFFER, 0};
    t[n++] = (TensorDesc){"running_var", 1, {C, 0, 0, 0}, C, T_BUFFER, 1};
    return n;
}

static void describe(const Layer *l, Buf *b)
{
    buf_printf(b, " %s momentum %g eps %g%s", l->in.vec ? "1d" : "2d", l->momentum, l->eps,
               l->affine ? "" : " no-affine");
}

static unsigned arrays(const Layer *l, Part part, int inference)
{
    (void)inference;
    unsigned wb = l->affine ? A_W | A_B : 0;
    switch (part) {
    case PART_FWD: return A_IN | A_OUT | wb | A_RM | A_RV;
    case PART_BWD_PARAMS: return l->affine ? A_IN | A_G | A_GW | A_GB | A_RM | A_RV : 0;
    case PART_BWD_INPUT: return A_G | A_GIN | (l->affine ? A_W : 0) | A_RV;
    }
    return 0;
}

static const char *consts(const Emitter *e, const Layer *l, int momentum)
{
    if (momentum)
        return text_fmt("enum { C = %d, HW = %lld };\nconst %s eps = %s, momentum = %s;", l->in.c,
                        positions(l), e->real, rlit(e, l->eps), rlit(e, l->momentum));
    return text_fmt("enum { C = %d, HW = %lld };\nconst %s eps = %s;", l->in.c, positions(l),
                    e->real, rlit(e, l->eps));
}

/* s = w[c] / sqrt(rv[c] + eps), or 1 / ... without affine */
static const char *scale(const Emitter *e, const Layer *l, const char *var, const char *of)
{
    return text_fmt("const %s %s = %s / %s(%s + eps);", e->real, var, l->affine ? "w[c]" : "1",
                    mfn(e, "sqrt"), of);
}

static void forward(Emitter *e, const Layer *l)
{
    Hole h[] = {{"consts", consts(e, l, 0), 0}, {"scale", scale(e, l, "s", "rv[c]"), 0},
                {"shift", text_fmt("const %s t = %s;", e->real, l->affine ? "b[c]" : "0"), 0}};
    emit_template(e, "layer_bn_fwd.c", h, 3);
}

static void backward(Emitter *e, const Layer *l)
{
    if (e->part == PART_BWD_PARAMS) {
        Hole h[] = {{"consts", consts(e, l, 0), 0},
                    {"istd", text_fmt("const %s is = 1 / %s(rv[c] + eps);", e->real, mfn(e, "sqrt")), 0}};
        emit_template(e, "layer_bn_bwd_params.c", h, 2);
    } else {
        Hole h[] = {{"consts", consts(e, l, 0), 0}, {"scale", scale(e, l, "s", "rv[c]"), 0}};
        emit_template(e, "layer_bn_bwd_input.c", h, 2);
    }
}

/* ---- train mode: P_<name>_fwd_train and P_<name>_bwd_train over n samples */

static void train_functions(Emitter *e, const Layer *l, int backward)
{
    const char *R = e->real, *P = e->P, *N = l->name;
    emitf(e, "/* %s in train mode over a batch of n: the batch's statistics */", N);
    emitf(e, "static void %s_%s_fwd_train(const %s *restrict in, %s *restrict out,%s", P, N, R, R,
          l->affine ? "" : " ");
    if (l->affine)
        emitf(e, "    const %s *restrict w, const %s *restrict b,", R, R);
    emitf(e, "    %s *restrict rm, %s *restrict rv, %s *restrict stat, int ns)", R, R, R);
    emitf(e, "{");
    e->indent++;
    Hole h[] = {{"consts", consts(e, l, 1), 0},
                {"sqrt", text_fmt("const %s is = 1 / %s(var + eps);", R, mfn(e, "sqrt")), 0},
                {"scale", text_fmt("const %s sc = %s;", R, l->affine ? "w[c] * is" : "is"), 0},
                {"shift", text_fmt("const %s t = %s;", R, l->affine ? "b[c]" : "0"), 0}};
    emit_template(e, "layer_bn_train_fwd.c", h, 4);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    if (!backward)
        return;
    emitf(e, "static void %s_%s_bwd_train(const %s *restrict in, const %s *restrict g,", P, N, R, R);
    if (l->affine)
        emitf(e, "    %s *restrict gin, const %s *restrict w, %s *restrict gw, %s *restrict gb,",
              R, R, R, R);
    else
        emitf(e, "    %s *restrict gin,", R);
    emitf(e, "    const %s *restrict stat, int ns)", R);
    emitf(e, "{");
    e->indent++;
    /* the sums added to what learns (trainable: false or bias freezes some; gw, gb NULL) */
    const char *params = !l->affine ? ""
                       : layer_learns_weight(l) && layer_learns_bias(l) ? NULL
                       : layer_learns_bias(l) ? "(void)gw;\ngb[c] += sg;" : "(void)gw;\n(void)gb;";
    Hole hb[] = {{"consts", text_fmt("enum { C = %d, HW = %lld };", l->in.c, positions(l)), 0},
                 {"params", params, 0},
                 {"scale", text_fmt("const %s k = %s;", R, l->affine ? "w[c] * is" : "is"), 0}};
    emit_template(e, "layer_bn_train_bwd.c", hb, 3);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

static void train_call(Emitter *e, const Layer *l, Part part, const char *in, const char *out,
                       const char *g, const char *gin)
{
    const char *N = l->name;
    if (part == PART_FWD) {
        if (l->affine)
            emitf(e, "%s_%s_fwd_train(%s, %s, %s, %s, p->%s_running_mean, "
                  "p->%s_running_var, ws->train_%s, n);", e->P, N, in, out, param_ref(e, l, "weight"),
                  param_ref(e, l, "bias"), N, N, N);
        else
            emitf(e, "%s_%s_fwd_train(%s, %s, p->%s_running_mean, p->%s_running_var, "
                  "ws->train_%s, n);", e->P, N, in, out, N, N, N);
    } else if (l->affine) {
        emitf(e, "%s_%s_bwd_train(%s, %s, %s, %s, %s, %s, ws->train_%s, n);", e->P, N,
              in, g, gin, param_ref(e, l, "weight"), layer_learns_weight(l) ? text_fmt("grad->%s_weight", N) : "NULL",
              layer_learns_bias(l) ? text_fmt("grad->%s_bias", N) : "NULL", N);
    } else {
        emitf(e, "%s_%s_bwd_train(%s, %s, %s, ws->train_%s, n);", e->P, N, in, g, gin, N);
    }
}

static long long train_ws(const Layer *l, int batch) { (void)batch; return 2LL * l->in.c; }

/* the fewest samples that give every channel two values (PyTorch: "Expected more than
 * 1 value per channel when training") */
static int min_batch(const Layer *l) { return positions(l) > 1 ? 1 : 2; }

static void py_module(Buf *b, const Layer *l)
{
    char m[32], e[32];
    buf_printf(b, "nn.BatchNorm%s(%d, eps=%s, momentum=%s, affine=%s, dtype=dtype)",
               l->in.vec ? "1d" : "2d", l->in.c, pyfloat(l->eps, e, sizeof e),
               pyfloat(l->momentum, m, sizeof m), l->affine ? "True" : "False");
}

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    (void)drop_act;
    pl(b, 2, "x = m[\"%s\"](x)", l->name);
}

const OpDef op_batchnorm = {
    .name = "batchnorm", .fields = fields, .required = none, .stem = "bn",
    .flags = OPF_TRAIN | OPF_BATCH_STATS | OPF_FOLDS, .color = "#fde9d9",
    .infer = infer, .tensors = tensors,
    .describe = describe, .arrays = arrays,
    .emit_forward = forward, .emit_backward = backward, .pytorch = pytorch,
    .py_module = py_module, .train_functions = train_functions, .train_call = train_call, .train_ws = train_ws,
    .min_batch = min_batch,
};
