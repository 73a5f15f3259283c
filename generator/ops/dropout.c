/* ops/dropout.c - dropout: PyTorch's inverted dropout. Key rate (0.5), 0 <= rate < 1;
 * same shape, no params, 0 MACs.
 *
 * Eval mode (P_forward, P_backward): the identity (a copy; the gradient passes).
 * Train mode (P_train_batch, OPF_TRAIN): each element is kept with probability
 * 1 - rate and scaled by 1/(1 - rate), else 0; the kept factor (0 or 1/(1 - rate)) of
 * every element of the batch stays in ws->train_<name> for the backward. The draws
 * come from the workspace's cnngen_rng (ws->rng, set by P_seed; OPF_RNG): element i is
 * kept when cnngen_rng_uniform() >= rate, in order over the batch. */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_RATE, F_NONE};
static const Field none[] = {F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    l->out = l->in;
}

static unsigned arrays(const Layer *l, Part part, int inference)
{
    (void)l; (void)inference;
    return part == PART_FWD ? A_IN | A_OUT : part == PART_BWD_INPUT ? A_G | A_GIN : 0;
}

static void forward(Emitter *e, const Layer *l) { emit_map(e, shape_size(l->out), "out", "in[n]"); }
static void backward(Emitter *e, const Layer *l) { emit_map(e, shape_size(l->out), "gin", "g[n]"); }

static void describe(const Layer *l, Buf *b) { buf_printf(b, " rate %g", l->rate); }
static void label(const Layer *l, Buf *b) { buf_printf(b, " %g", l->rate); }

static void train_functions(Emitter *e, const Layer *l, int backward)
{
    const char *R = e->real, *P = e->P, *N = l->name;
    long long S = shape_size(l->out);
    emitf(e, "/* %s in train mode over a batch of n: keep with probability 1 - %g, scaled */", N, l->rate);
    emitf(e, "static void %s_%s_fwd_train(const %s *restrict in, %s *restrict out, %s *restrict mask,",
          P, N, R, R, R);
    emitf(e, "    cnngen_rng *rng, int n)");
    emitf(e, "{");
    e->indent++;
    emitf(e, "for (long n_ = 0; n_ < (long)n * %lld; n_++) {", S);
    emitf(e, "    mask[n_] = cnngen_rng_uniform(rng) >= %.17g ? %s : 0;", l->rate,
          rlit(e, 1.0 / (1.0 - l->rate)));
    emitf(e, "    out[n_] = in[n_] * mask[n_];");
    emitf(e, "}");
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    if (!backward)
        return;
    emitf(e, "static void %s_%s_bwd_train(const %s *restrict g, %s *restrict gin, "
          "const %s *restrict mask, int n)", P, N, R, R, R);
    emitf(e, "{");
    e->indent++;
    emitf(e, "if (gin == NULL)");
    emitf(e, "    return;");
    emitf(e, "for (long n_ = 0; n_ < (long)n * %lld; n_++)", S);
    emitf(e, "    gin[n_] = g[n_] * mask[n_];");
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

static void train_call(Emitter *e, const Layer *l, Part part, const char *in, const char *out,
                       const char *g, const char *gin)
{
    if (part == PART_FWD)
        emitf(e, "%s_%s_fwd_train(%s, %s, ws->train_%s, &ws->rng, n);", e->P, l->name, in, out,
              l->name);
    else
        emitf(e, "%s_%s_bwd_train(%s, %s, ws->train_%s, n);", e->P, l->name, g, gin, l->name);
}

static long long train_ws(const Layer *l, int batch) { return (long long)batch * shape_size(l->out); }

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    (void)drop_act;
    pl(b, 2, "x = F.dropout(x, %.17g, self.training)", l->rate);
}

const OpDef op_dropout = {
    .name = "dropout", .fields = fields, .required = none,
    .flags = OPF_TRAIN | OPF_RNG | OPF_EVAL_ID,
    .infer = infer, .arrays = arrays, .describe = describe, .label = label,
    .emit_forward = forward, .emit_backward = backward, .pytorch = pytorch,
    .train_functions = train_functions, .train_call = train_call, .train_ws = train_ws,
};
