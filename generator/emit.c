/* emit.c - the C writer: fills the templates (templates/, embedded in the binary as
 * cnngen_templates[]) with the sizes, structs, API functions and the per-layer
 * functions written by the units' emitters (ops/).
 *
 * Generated code layout (net.c):
 *   static void P_<layer>_fwd(...)          forward of one layer (fused activation)
 *   static void P_<layer>_fwd_infer(...)    a max pool's forward without the argmax,
 *                                           which P_forward of a training build runs
 *   static void P_<layer>_bwd_act(out, g)   g *= f'(out) for a fused activation
 *   static void P_<layer>_bwd_params(...)   gw += dL/dw, gb += dL/db
 *   static void P_<layer>_bwd_input(...)    gin = dL/din
 *   static ... P_run / P_loss / P_out_*     the forward pass into the workspace, the
 *                                           loss and its gradient, output transforms
 *   the API: P_init, P_forward, P_backward, P_sgd, P_train_batch, P_model
 * Each per-layer function takes only the arrays it uses (part_args below). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

/* ------------------------------------------------------------------ layer functions */

/* The arrays a part of layer l uses (and so its parameters, in this order): its unit's,
 * plus the workspace scratch when the schedule gave the part some */
static unsigned part_args(const Layer *l, Part part, int inference)
{
    unsigned a = l->op->arrays(l, part, inference);
    return a && l->scratch[part] > 0 ? a | A_SCR : a;
}

/* the type of layer l's argmax array (argmax_bytes) */
static const char *argmax_type(const Emitter *e, const Layer *l)
{
    return argmax_bytes(l) == 2 ? text_fmt("%s_argmax", e->P) : "int32_t";
}

static void emit_sig(Emitter *e, const Layer *l, const char *fname, unsigned a, int fwd, int nin)
{
    Buf t = {0};
    const char *R = e->real;
    buf_printf(&t, "static %s_NOINLINE void %s(", e->P, fname);
    int n = 0;
#define ARG(flag, fmt, ...) if (a & (flag)) { buf_printf(&t, "%s" fmt, n++ ? ", " : "", __VA_ARGS__); }
    ARG(A_IN, "const %s *restrict in", R);
    for (int k = 0; (a & A_INS) && k < nin; k++)
        buf_printf(&t, "%sconst %s *restrict in%d", n++ ? ", " : "", R, k);
    ARG(A_OUT, "%s%s *restrict out", fwd ? "" : "const ", R);
    ARG(A_G, "%s%s *restrict g", (a & A_GMUT) ? "" : "const ", R);
    ARG(A_GIN, "%s *restrict gin", R);
    ARG(A_W, "const %s *restrict w", R);
    ARG(A_B, "const %s *restrict b", R);
    ARG(A_GW, "%s *restrict gw", R);
    ARG(A_GB, "%s *restrict gb", R);
    ARG(A_AM, "%s%s *restrict am", fwd ? "" : "const ", argmax_type(e, l));
    ARG(A_SCR, "%s *restrict scratch", R);
    ARG(A_RM, "const %s *restrict rm", R);
    ARG(A_RV, "const %s *restrict rv", R);
    ARG(A_NB, "%s", "int n");
#undef ARG
    buf_puts(&t, ")");
    emit_long(e, t.data);
    buf_free(&t);
}

/* Names of the arrays at a call site. */
/* s: NULL, or the sample variable of a batch loop (each array then advanced by s times
 * its per-sample size; kin: the input whose gradient gin is) */
typedef struct CallArgs {
    const char *in, *out, *g, *gin;
    const char *ins[MAX_LAYER_INPUTS];
    const char *s;
    int kin;
    const char *nb;     /* A_NB's argument (NULL: n) */
} CallArgs;

/* A grouped layer's parts (Layer.groups > 1: conv2d) are written for one group and
 * called once per group, each array advanced by its group's share. */
static int part_grouped(const Layer *l, const char *suffix)
{
    return l->groups > 1 && !strstr(suffix, "_act");
}

/* Where layer l's gradient of tensor `what` goes: grad's, or the parameter itself when
 * the backward updates in place (Emitter.inplace) */
static const char *grad_ref(const Emitter *e, const Layer *l, const char *what)
{
    if (e->inplace)
        return text_fmt("(grad ? grad->%s_%s : upd->%s_%s)", l->name, what, l->name, what);
    return text_fmt("grad->%s_%s", l->name, what);
}

static void emit_call(Emitter *e, const Layer *l, const char *suffix, unsigned a, CallArgs c,
                      const char *prefix_stmt)
{
    Buf t = {0};
    int G = part_grouped(l, suffix) ? l->groups : 1;
    long long nin = shape_size(l->in) / G, nout = shape_size(l->out) / G;
    const Net *net = e->net;
    long long sin = shape_size(l->in), sout = shape_size(l->out);
    long long sgin = shape_size(value_shape(net, l->inputs[c.kin]));
    if (!strcmp(suffix, "fwd_act"))
        sin = sout;   /* its input is the layer's own output before the activation */
#define SOFF(k) (c.s ? text_fmt(" + %s * %lld", c.s, (long long)(k)) : "")
    long long nw = l->nweight / G, nb = l->nbias / G;
    if (G > 1)
        emitf(e, "for (int grp = 0; grp < %d; grp++)", G);
    buf_printf(&t, "%s%s%s_%s_%s(", G > 1 ? "    " : "", prefix_stmt ? prefix_stmt : "", e->P,
               l->name, suffix);
    int n = 0;
#define ARG(flag, fmt, ...) if (a & (flag)) { buf_printf(&t, "%s" fmt, n++ ? ", " : "", __VA_ARGS__); }
#define OFF(k) (G > 1 ? text_fmt(" + grp * %lld", (k)) : "")
    ARG(A_IN, "%s%s%s", c.in, SOFF(sin), OFF(nin));
    for (int k = 0; (a & A_INS) && k < l->ninputs; k++)
        buf_printf(&t, "%s%s%s", n++ ? ", " : "", c.ins[k],
                   SOFF(shape_size(value_shape(net, l->inputs[k]))));
    ARG(A_OUT, "%s%s%s", c.out, SOFF(sout), OFF(nout));
    ARG(A_G, "%s%s%s", c.g, SOFF(sout), OFF(nout));
    ARG(A_GIN, "%s%s%s", c.gin, SOFF(sgin), OFF(nin));
    ARG(A_W, "%s%s", param_ref(e, l, "weight"), OFF(nw));
    ARG(A_B, "%s%s", param_ref(e, l, "bias"), OFF(nb));
    ARG(A_GW, "%s%s", grad_ref(e, l, "weight"), OFF(nw));
    ARG(A_GB, "%s%s", grad_ref(e, l, "bias"), OFF(nb));
    ARG(A_AM, "ws->argmax_%s%s", l->name, SOFF(sout));
    if (a & A_SCR) {        /* an inference build's scratch: P_SCRATCH (forward_fn) */
        long long so = -1;
        int part = !strncmp(suffix, "bwd_params", 10) ? PART_BWD_PARAMS
                 : !strncmp(suffix, "bwd_input", 9) ? PART_BWD_INPUT : PART_FWD;
        for (int i = 0; e->scr_off && i < net->nlayers; i++)
            if (!strcmp(net->layers[i].name, l->name))
                so = e->scr_off[part * net->nlayers + i];
        if (e->scr_off && so >= 0)
            buf_printf(&t, "%s%s_SCRATCH(ws, %lld)", n++ ? ", " : "", e->P, so);
        else if (e->scr_off)    /* no arena place: the scalar code uses no scratch */
            buf_printf(&t, "%s%s_SCRATCH_NONE(ws)", n++ ? ", " : "", e->P);
        else
            buf_printf(&t, "%sws->scratch", n++ ? ", " : "");
    }
    ARG(A_RM, "p->%s_running_mean", l->name);
    ARG(A_RV, "p->%s_running_var", l->name);
    ARG(A_NB, "%s", c.nb ? c.nb : "n");
#undef SOFF
#undef OFF
#undef ARG
    buf_puts(&t, ");");
    emit_long(e, t.data);
    buf_free(&t);
}

static void shape_str(Shape sh, char *s, size_t n)
{
    if (sh.vec)
        snprintf(s, n, "[%d]", sh.c);
    else
        snprintf(s, n, "[%d,%d,%d]", sh.c, sh.h, sh.w);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* One comment line per layer: name (file:line): kind and options, shapes, params. */
static void layer_comment(Emitter *e, const Layer *l)
{
    char si[48], so[48];
    Buf d = {0};
    buf_puts(&d, l->op->name);
    if (l->op->describe)
        l->op->describe(l, &d);
    if (layer_fused_act(l)) {
        buf_printf(&d, " + %s", act_name(l->act));
        if (act_table[l->act]->alpha)
            buf_printf(&d, "(%g)", l->alpha);
    }
    if (l->fold_bn[0])
        buf_printf(&d, ", batchnorm %s folded in", l->fold_bn);
    shape_str(l->in, si, sizeof si);
    shape_str(l->out, so, sizeof so);
    emitf(e, "/* %s (%s:%d): %s  %s -> %s  %lld params, unroll %s */", l->name,
          base_name(e->net->file ? e->net->file : e->opt->spec_path), l->pos.line, d.data, si, so,
          l->params, unroll_name(l->unroll));
    buf_free(&d);
}

static void call_gen(Emitter *e, const Layer *l, Part part)
{
    const OpDef *op = l->op;
    e->part = part;
    if (part == PART_FWD)
        op->emit_forward(e, l);
    else
        op->emit_backward(e, l);
}

/* Writes the static functions of layer l. fwd_l is the layer as the forward runs it
 * (its activation may be split off for the loss). */
/* What of a layer's backward a training build emits (layer_bwd_parts) */
enum { BW_INPUT = 1, BW_PARAMS = 2, BW_BIAS = 4 };
#define BW_IN(k) (8u << (k))   /* input k's gradient (MAX_LAYER_INPUTS <= 24) */

/* The bias-only backward (`trainable: bias`): gb[c] += the sum of g over channel c's
 * positions; the same for every kind, its bias being one per output channel */
static void emit_bwd_bias(Emitter *e, const Layer *l)
{
    char fname[MAX_NAME + 80];
    long long C = l->out.c, HW = (long long)l->out.h * l->out.w;
    snprintf(fname, sizeof fname, "%s_%s_bwd_bias", e->P, l->name);
    emitf(e, "/* %s: only its bias learns (trainable: bias) */", l->name);
    emit_sig(e, l, fname, A_G | A_GB, 0, 1);
    emitf(e, "{");
    e->indent++;
    emitf(e, "int c;");
    if (HW == 1) {
        emitf(e, "for (c = 0; c < %lld; c++)", C);
        emitf(e, "    gb[c] += g[c];");
    } else {
        emitf(e, "for (c = 0; c < %lld; c++) {", C);
        emitf(e, "    %s s = 0;", e->real);
        emitf(e, "    int q;");
        emitf(e, "    for (q = 0; q < %lld; q++)", HW);
        emitf(e, "        s += g[c * %lld + q];", HW);
        emitf(e, "    gb[c] += s;");
        emitf(e, "}");
    }
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

static void emit_layer_functions(Emitter *e, const Layer *l, const Layer *fwd_l, unsigned bw,
                                 int need_act_bwd, int alias, int keep_am)
{
    int trains = bw != 0;
    char fname[MAX_NAME + 80];
    int inference = e->inference;
    Layer split;
    layer_comment(e, l);
    if (alias) {
        /* its output is its input's storage: no forward, and its gradient is passed on
         * as it lies (the training arena's backward) */
        emitf(e, "/* (no forward: %s reads its input's storage) */", l->name);
        emitf(e, "%s", "");
        return;
    }
    if (!inference && plan_has_pre(fwd_l)) {
        /* the activation runs separately so that its input is kept (pre_<name>) */
        split = *fwd_l;
        split.act = ACT_NONE;
        fwd_l = &split;
    }
    if (!keep_am)
        e->inference = 1;   /* a max pool below the backward: no argmax */
    snprintf(fname, sizeof fname, "%s_%s_fwd", e->P, l->name);
    emit_sig(e, l, fname, part_args(fwd_l, PART_FWD, e->inference), 1, l->ninputs);
    emitf(e, "{");
    e->indent++;
    call_gen(e, fwd_l, PART_FWD);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    e->inference = inference;
    if (!inference && layer_has_argmax(fwd_l) && keep_am) {
        /* P_forward's: no backward follows, so no argmax (P_run's keep = 0) */
        emitf(e, "/* %s without the argmax, for %s_forward */", l->name, e->P);
        snprintf(fname, sizeof fname, "%s_%s_fwd_infer", e->P, l->name);
        emit_sig(e, l, fname, part_args(fwd_l, PART_FWD, 1), 1, l->ninputs);
        emitf(e, "{");
        e->indent++;
        e->inference = 1;
        call_gen(e, fwd_l, PART_FWD);
        e->inference = 0;
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (fwd_l == &split) {
        snprintf(fname, sizeof fname, "%s_%s_fwd_act", e->P, l->name);
        emit_sig(e, l, fname, A_IN | A_OUT, 1, 1);
        emitf(e, "{");
        e->indent++;
        gen_act_forward(e, l, l->act, l->alpha);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (!trains)
        return;
    if (need_act_bwd) {
        snprintf(fname, sizeof fname, "%s_%s_bwd_act", e->P, l->name);
        emit_sig(e, l, fname, A_OUT | A_G | A_GMUT, 0, 1);
        emitf(e, "{");
        e->indent++;
        gen_act_backward_inplace(e, l);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (bw & BW_BIAS)
        emit_bwd_bias(e, l);
    if (bw & BW_PARAMS) {
        snprintf(fname, sizeof fname, "%s_%s_bwd_params", e->P, l->name);
        emit_sig(e, l, fname, part_args(l, PART_BWD_PARAMS, 0), 0, 1);
        emitf(e, "{");
        e->indent++;
        call_gen(e, l, PART_BWD_PARAMS);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    /* a multi-input kind: one function per input, P_<layer>_bwd_input<k> */
    for (int k = 0; (bw & BW_INPUT) && k < ((l->op->flags & OPF_MULTI) ? l->ninputs : 1); k++) {
        if (!(bw & BW_IN(k)))
            continue;   /* nothing below input k learns (a partial net) */
        snprintf(fname, sizeof fname, "%s_%s_bwd_input%s", e->P, l->name,
                 (l->op->flags & OPF_MULTI) ? hnum(k) : "");
        emit_sig(e, l, fname, part_args(l, PART_BWD_INPUT, 0), 0, 1);
        emitf(e, "{");
        e->indent++;
        e->input_k = k;
        call_gen(e, l, PART_BWD_INPUT);
        e->input_k = 0;
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
}

/* ------------------------------------------------------------------ the net plan */

typedef struct NetPlan {
    int graph;           /* not a chain: every value in act_<name>, gradients per value */
    int trains, zout, last;
    int bstart;          /* first layer (from the end) whose backward runs; -1: none */
    int skip_last_act;   /* the loss takes the gradient past the last layer's activation */
    Layer fwd_last;      /* the last layer as the forward runs it */
    const char *out_transform; /* NULL, "softmax" or "sigmoid": z_out -> act_last */
    int batched;         /* plan_batched: P_train_batch runs train mode over the batch */
    int stats;           /* a layer's train mode reads the whole batch (OPF_BATCH_STATS) */
    int rng;             /* ws->rng (OPF_RNG) */
    int minb;            /* the fewest samples of one batch (OpDef.min_batch) */
    long long B;         /* samples in every training array: P_MAX_BATCH when batched, else 1 */
    long long *aoff;     /* inference: each layer's offset in ws->arena (plan_arena; -1 none) */
    long long *toff;     /* a chain's training build: the TA_* offsets in ws->arena
                          * (plan_train_arena), else NULL */
    int partial;         /* net_partial: P_grad holds what learns, no grad_input */
    int blow;            /* plan_blow: the first layer whose backward runs */
    int inplace;         /* P_train_batch takes grad == NULL (P_MAX_BATCH 1, not batched) */
    int tail, group;     /* plan_batch_tail: P_forward_batch's batched layers from `tail`
                          * (-1: none), `group` samples at a time */
} NetPlan;

static void params_upstream(const Net *net, int *up);

/* The backward parts (BW_*) layer i's functions include in a training build, and
 * BW_IN(k) for each input k whose gradient a backward computes: every input (for
 * grad_input) unless the net is partial, then those that lie above what learns */
static unsigned layer_bwd_parts(const Net *net, const NetPlan *np, int i)
{
    const Layer *l = &net->layers[i];
    unsigned all = BW_INPUT;
    if (!np->trains || i > np->bstart || i < np->blow)
        return 0;
    if (plan_alias(net, i))
        return 0;   /* its gradient is passed on as it lies: no copy function */
    for (int k = 0; k < l->ninputs; k++)
        all |= BW_IN(k);
    if (!np->partial)
        return all | (layer_has_params(l) ? BW_PARAMS : 0);
    int up[MAX_LAYERS];
    params_upstream(net, up);
    if (!up[i])
        return 0;   /* nothing at or below it learns: its backward never runs */
    unsigned bw = 0;
    for (int k = 0; k < l->ninputs; k++) {
        int r = plan_root(net, l->inputs[k]);
        if (r != VAL_INPUT && up[r])
            bw |= BW_INPUT | BW_IN(k);
    }
    return bw | (layer_learns_weight(l) ? BW_PARAMS : layer_learns_bias(l) ? BW_BIAS : 0);
}

static NetPlan net_plan(const Net *net, int inference_only)
{
    NetPlan np;
    memset(&np, 0, sizeof np);
    np.trains = plan_trains(net, inference_only);
    np.batched = plan_batched(net, inference_only);
    np.graph = !net_is_chain(net) || np.batched;
    np.rng = plan_has_rng(net, inference_only);
    np.B = np.batched ? net->batch : 1;
    np.minb = 1;
    for (int i = 0; np.batched && i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        np.stats |= (l->op->flags & OPF_BATCH_STATS) != 0;
        if (l->op->min_batch && l->op->min_batch(l) > np.minb)
            np.minb = l->op->min_batch(l);
    }
    np.last = net->nlayers - 1;
    np.zout = np.trains && plan_has_zout(net);
    np.bstart = np.last;
    if (net->nlayers)
        np.fwd_last = net->layers[np.last];
    if (net->loss == LOSS_SOFTMAX_CE)
        np.out_transform = "softmax";
    if (np.trains && np.zout && net->loss == LOSS_BCE) {
        np.out_transform = "sigmoid";
        np.fwd_last.act = ACT_NONE;
        np.skip_last_act = 1;
    }
    if (np.trains)
        np.bstart = plan_bstart(net);
    np.partial = np.trains && net_partial(net);
    np.blow = np.trains ? plan_blow(net) : 0;
    np.inplace = np.trains && !np.batched && net->batch == 1;
    long long stage;
    np.tail = plan_batch_tail(net, &np.group, &stage);
    if (np.trains) {
        long long lower;
        np.toff = xcalloc(TA_COUNT((size_t)net->nlayers), sizeof *np.toff);
        plan_train_arena(net, np.toff, &lower);
    }
    if (!np.trains) {
        long long lower;
        np.aoff = xcalloc(2 * (size_t)net->nlayers, sizeof *np.aoff);
        plan_arena(net, np.aoff, &lower);
    }
    return np;
}

/* slot k of the training arena (NetPlan.toff) */
static const char *tref(const NetPlan *np, long long k)
{
    return np->toff[k] ? text_fmt("ws->arena + %lld", np->toff[k]) : "ws->arena";
}

/* the last layer's saved output (the loss's output transform's, when it has one) */
static const char *last_act(const NetPlan *np)
{
    return tref(np, TA_ACT(np->last));
}

/* z_out, the last layer's own output before the loss's transform */
static const char *zout_ref(const NetPlan *np)
{
    return tref(np, TA_ZOUT(np->last + 1));
}

/* pre_<name> of layer i (the input of its leaky_relu with a negative slope) */
static const char *pre_ref(const Net *net, const NetPlan *np, int i)
{
    return tref(np, TA_PRE(net->nlayers, i));
}


/* The expression for the array holding layer i's output as saved by the forward. */
static const char *saved_out(const Net *net, const NetPlan *np, int i)
{
    char *s = text_alloc(512);
    i = plan_root(net, i);
    if (i < 0)
        snprintf(s, 512, "input");
    else if (!np->trains && np->aoff[i] < 0)
        snprintf(s, 512, "output");       /* the last layer, no output transform */
    else if (!np->trains)
        snprintf(s, 512, np->aoff[i] ? "ws->arena + %lld" : "ws->arena", np->aoff[i]);
    else if (i == np->last && np->zout)
        snprintf(s, 512, "%s", zout_ref(np));
    else
        snprintf(s, 512, "%s", tref(np, TA_ACT(i)));
    return s;
}

/* ------------------------------------------------------------------ header */

static void sizes_text(Emitter *e, const Net *net, WsPlan wp)
{
    const char *P = e->P;
    Shape o = net_output(net);
    emitf(e, "#define %s_INPUT_C %d", P, net->input.c);
    emitf(e, "#define %s_INPUT_H %d", P, net->input.h);
    emitf(e, "#define %s_INPUT_W %d", P, net->input.w);
    emitf(e, "#define %s_INPUT_SIZE %lld  /* C*H*W */", P, shape_size(net->input));
    emitf(e, "#define %s_OUTPUT_SIZE %lld", P, shape_size(o));
    if (net->frozen_const)
        emitf(e, "#define %s_NUM_PARAMS %lld  /* P_params' reals: the %lld frozen ones are %s_frozen */",
              P, net->struct_params, net->total_params - net->struct_params, P);
    else
        emitf(e, "#define %s_NUM_PARAMS %lld", P, net->struct_params);
    emitf(e, "#define %s_NUM_TRAINABLE %lld  /* the parameters that learn: NUM_PARAMS without the "
          "buffers (running statistics)%s */", P, net->total_trainable,
          net_partial(net) ? " and what `trainable:` freezes" : "");
    emitf(e, "#define %s_MAX_BATCH %d  /* the largest n of one %s_train_batch batch */", P,
          net->batch, P);
    emitf(e, "#define %s_PARAMS_BYTES %lld  /* sizeof(%s_params) */", P,
          (net->struct_params ? net->struct_params : 1) * real_bytes(e->dtype), P);
    if (wp.bytes1 != wp.bytes)     /* the scratch differs without vectors */
        emitf(e, "#define %s_WORKSPACE_BYTES (%s_VECTORS ? %lld : %lld)  /* sizeof(%s_workspace) */",
              P, P, wp.bytes, wp.bytes1, P);
    else
        emitf(e, "#define %s_WORKSPACE_BYTES %lld  /* sizeof(%s_workspace) */", P, wp.bytes, P);
    if (wp.arena)
        emitf(e, "#define %s_WORKSPACE_LOWER_BOUND %lld  /* bytes of activations (and scalar "
              "scratch) live at once */", P, wp.lower * real_bytes(e->dtype));
    if (!e->inference) {
        emitf(e, "#define %s_GRAD_BYTES %lld  /* sizeof(%s_grad)%s */", P,
              net_grad_elems(net) * real_bytes(e->dtype), P,
              net_partial(net) ? ": the parameters that learn" : "");
        emitf(e, "/* the RAM training takes: parameters, gradients (none with grad == NULL), workspace */");
        emitf(e, "#define %s_TRAIN_RAM_BYTES (%s_PARAMS_BYTES + %s_GRAD_BYTES + %s_WORKSPACE_BYTES)",
              P, P, P, P);
    }
}

/* the members of P_params (frozen = 0) or of P_frozen_params (frozen = 1) */
static void params_members(Emitter *e, const Net *net, int frozen)
{
    int any = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, t);
        for (int k = 0; k < nt; k++) {
            if (tensor_const(net, l, &t[k]) != frozen)
                continue;
            char dims[96] = "";
            if (t[k].ndim > 1) {   /* the shape, when it is not the length */
                size_t n = (size_t)snprintf(dims, sizeof dims, "  /* ");
                for (int j = 0; j < t[k].ndim; j++)
                    n += (size_t)snprintf(dims + n, sizeof dims - n, "[%lld]", t[k].dim[j]);
                snprintf(dims + n, sizeof dims - n, " */");
            }
            emitf(e, "%s_real %s_%s[%lld];%s", e->P, l->name, t[k].what, t[k].n, dims);
            any = 1;
        }
    }
    if (!any)
        emitf(e, "%s_real unused;  /* no parameters: C has no empty structs */", e->P);
}

/* the max pools' argmax arrays (B samples each): int32_t ones, then uint16_t ones */
static void argmax_members(Emitter *e, const Net *net, long long B)
{
    for (int bytes = 4; bytes >= 2; bytes -= 2)
        for (int i = 0; i < net->nlayers; i++) {
            const Layer *l = &net->layers[i];
            if (plan_keeps_argmax(net, i) && argmax_bytes(l) == bytes)
                emitf(e, "%s argmax_%s[%lld];  /* input index of each max */", argmax_type(e, l),
                      l->name, B * shape_size(l->out));
        }
}

static void workspace_members(Emitter *e, const Net *net, const NetPlan *np, WsPlan wp)
{
    if (wp.rng)
        emitf(e, "cnngen_rng rng;  /* dropout's random stream (%s_seed) */", e->P);
    if (wp.scratch || wp.fbatch) {
        emitf(e, "#if %s_VECTORS", e->P);
        if (wp.scratch)
            emitf(e, "%s_real scratch[%lld];  /* the fast conv2d layers' tiles, shared */", e->P,
                  wp.scratch);
        if (wp.fbatch)
            emitf(e, "%s_real fbatch[2][%lld];  /* %s_forward_batch: the last layers' arrays for "
                  "several samples */", e->P, wp.fbatch / 2, e->P);
        emitf(e, "#endif");
    }
    if (!np->trains) {
        emitf(e, "%s_real arena[%lld];  /* the layers' outputs, placed by liveness (lower "
              "bound %lld reals) */", e->P, wp.arena ? wp.arena : 1, wp.lower);
        return;
    }
    emitf(e, "%s_real arena[%lld];  /* the layers' outputs and gradients%s, placed by "
          "liveness (lower bound %lld reals) */", e->P, wp.arena ? wp.arena : 1,
          np->B > 1 ? text_fmt(" (%lld samples each)", np->B) : "", wp.lower);
    for (int i = 0; np->batched && i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->op->train_ws)
            emitf(e, "%s_real train_%s[%lld];  /* %s in train mode, for its backward */", e->P,
                  l->name, l->op->train_ws(l, net->batch), l->name);
    }
    argmax_members(e, net, np->B);
}

/* ------------------------------------------------------------------ source pieces */

/* P_params has a member (p is read) */
static int net_has_params(const Net *net)
{
    for (int i = 0; i < net->nlayers; i++) {
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(&net->layers[i], t);
        for (int k = 0; k < nt; k++)
            if (!tensor_const(net, &net->layers[i], &t[k]))
                return 1;
    }
    return 0;
}


static void init_body(Emitter *e, const Net *net)
{
    if (!net_has_params(net)) {
        emitf(e, "(void)p;");
        emitf(e, "(void)seed;");
        return;
    }
    int anyloop = 0;   /* a tensor set by a loop (biases: 0) */
    for (int i = 0; i < net->nlayers; i++) {
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(&net->layers[i], t);
        for (int k = 0; k < nt; k++)
            anyloop |= !tensor_const(net, &net->layers[i], &t[k]) &&
                       (t[k].role != T_WEIGHT || net->layers[i].fold_bn[0]);
    }
    emitf(e, "cnngen_rng r;");
    if (anyloop)
        emitf(e, "int n;");
    emitf(e, "cnngen_rng_seed(&r, seed);");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, t);
        for (int k = 0; k < nt; k++) {
            if (tensor_const(net, l, &t[k]))
                continue;   /* const data (P_frozen) */
            if (t[k].role == T_WEIGHT) {   /* each tensor's rule comes with its role */
                InitRule ir = init_rule(net, i);
                if (ir.he)
                    emitf(e, "/* %s: He-uniform, fan_in %lld */", l->name, ir.fan_in);
                else
                    emitf(e, "/* %s: Glorot-uniform, fan_in %lld, fan_out %lld */", l->name,
                          ir.fan_in, ir.fan_out);
                emitf(e, "cnngen_fill_uniform(&r, p->%s_%s, %lld, (int)sizeof(%s_real), %.17g);",
                      l->name, t[k].what, t[k].n, e->P, ir.limit);
                if (l->fold_bn[0]) {    /* the folded batchnorm's initial identity */
                    emitf(e, "/* %s folded in: gamma 1, beta 0, running mean 0 and var 1 */",
                          l->fold_bn);
                    emitf(e, "for (n = 0; n < %lld; n++) p->%s_%s[n] *= (%s_real)(1.0 / %.17g);",
                          t[k].n, l->name, t[k].what, e->P, sqrt(1.0 + l->fold_eps));
                }
            } else {
                emitf(e, "for (n = 0; n < %lld; n++) p->%s_%s[n] = %s;", t[k].n, l->name,
                      t[k].what, t[k].init ? "1" : "0");
            }
        }
    }
}

/* 1 when the net has a max pool: a training build's P_run then takes `keep` (record
 * the argmax for the backward; P_forward passes 0 and runs P_<layer>_fwd_infer). */
static int net_has_max(const Net *net)
{
    for (int i = 0; i < net->nlayers; i++)
        if (plan_keeps_argmax(net, i))
            return 1;
    return 0;
}

/* The loss's output transform of the training forward, z_out -> act_<last> (s: NULL, or
 * the sample of a batch loop) */
static void out_transform_call(Emitter *e, const NetPlan *np, const char *s)
{
    const char *off = s ? text_fmt(" + %s * %s_OUTPUT_SIZE", s, e->P) : "";
    emitf(e, "%s_out_%s(%s%s, %s%s);", e->P, np->out_transform, zout_ref(np), off,
          tref(np, TA_ACT(np->last)), off);
}

/* The forward pass through the layers; trains: into the workspace (P_run); train: the
 * train-mode forward of a batch of n (P_run_train), the train-mode layers over the
 * whole batch, the others sample after sample. */
static void forward_calls(Emitter *e, const Net *net, const NetPlan *np, int train, int upto)
{
    char inb[512], outb[512];
    for (int i = 0; i < upto; i++) {
        const Layer *l = &net->layers[i];
        const Layer *fl = i == np->last ? &np->fwd_last : l;
        int am = np->trains && plan_keeps_argmax(net, i);  /* it records its argmax */
        unsigned a = part_args(fl, PART_FWD, !am);
        if (plan_alias(net, i))
            continue;   /* its output is its input's storage */
        if (train && (l->op->flags & OPF_TRAIN)) {
            l->op->train_call(e, l, PART_FWD, saved_out(net, np, l->inputs[0]),
                              saved_out(net, np, i), NULL, NULL);
            if (i == np->last && np->out_transform) {
                emitf(e, "for (s = 0; s < n; s++)");
                e->indent++;
                out_transform_call(e, np, "s");
                e->indent--;
            }
            continue;
        }
        if (train) {
            emitf(e, "for (s = 0; s < n; s++) {");
            e->indent++;
        }
        snprintf(inb, sizeof inb, "%s", saved_out(net, np, l->inputs[0]));
        snprintf(outb, sizeof outb, "%s", saved_out(net, np, i));
        CallArgs c = {inb, outb, NULL, NULL, {NULL}, train ? "s" : NULL, 0, NULL};
        for (int k = 0; k < l->ninputs; k++)
            c.ins[k] = saved_out(net, np, l->inputs[k]);
        if (np->trains && plan_has_pre(fl)) {
            const char *pre = pre_ref(net, np, i);
            Layer split = *fl;
            split.act = ACT_NONE;
            c.out = pre;
            emit_call(e, l, "fwd", part_args(&split, PART_FWD, 0), c, NULL);
            c.in = pre;
            c.out = outb;
            emit_call(e, l, "fwd_act", A_IN | A_OUT, c, NULL);
        } else if (am && train) {
            emit_call(e, l, "fwd", a, c, NULL);
        } else if (am) {
            emitf(e, "if (keep)");
            e->indent++;
            emit_call(e, l, "fwd", a, c, NULL);
            e->indent--;
            emitf(e, "else");
            e->indent++;
            emit_call(e, l, "fwd_infer", part_args(fl, PART_FWD, 1), c, NULL);
            e->indent--;
        } else {
            emit_call(e, l, "fwd", a, c, NULL);
        }
        if (i == np->last && np->out_transform) {
            if (np->trains)
                out_transform_call(e, np, train ? "s" : NULL);
            else
                emitf(e, "%s_out_%s(%s, output);", e->P, np->out_transform, outb);
        }
        if (train) {
            e->indent--;
            emitf(e, "}");
        }
    }
}

static int out_transform_fn(Emitter *e, const Net *net, const NetPlan *np)
{
    char n[32];
    if (!np->out_transform)
        return 0;
    int rc;
    if (strcmp(np->out_transform, "softmax") == 0) {
        /* the body is the softmax layer's (templates/layer_softmax_fwd.c) */
        Buf body = {0};
        Emitter s = emit_sub(e, &body);
        emit_softmax_fwd(&s, shape_size(net_output(net)));
        Hole h[] = {{"body", buf_text(&body), 0}};
        rc = template_fill(e->b, "out_softmax.c", h, 1, e->P) | -s.failed;
        buf_free(&body);
    } else {
        snprintf(n, sizeof n, "%lld", shape_size(net_output(net)));
        Hole h[] = {{"n", n, 0}, {"exp", mfn(e, "exp"), 0}};
        rc = template_fill(e->b, "out_sigmoid.c", h, 2, e->P);
    }
    buf_puts(e->b, "\n");
    return rc;
}

/* P_<name>_fwd_batch of a layer of P_forward_batch's batched tail (plan_batch_tail),
 * vector builds only (the others loop over P_forward) */
static void fwd_batch_fn(Emitter *e, const Layer *l)
{
    char fname[MAX_NAME + 80];
    snprintf(fname, sizeof fname, "%s_%s_fwd_batch", e->P, l->name);
    emitf(e, "#if %s_VECTORS", e->P);
    emitf(e, "/* %s's forward of n samples at once (%s_forward_batch): each sample's bits as %s_%s_fwd's */",
          l->name, e->P, e->P, l->name);
    emit_sig(e, l, fname, (part_args(l, PART_FWD, 1) & (A_IN | A_OUT | A_W | A_B)) | A_NB, 1, 1);
    emitf(e, "{");
    e->indent++;
    l->op->emit_forward_batch(e, l);
    e->indent--;
    emitf(e, "}");
    emitf(e, "#endif");
    emitf(e, "%s", "");
}

/* P_forward_batch: n samples as n calls of P_forward would give them; with vectors and a
 * batched tail (plan_batch_tail), the layers before it sample after sample (P_run_head),
 * their outputs staged for `group` samples in ws->fbatch, then the tail's layers over
 * the group at once (each weight read once per group), then the output transform. */
static void forward_batch_fn(Emitter *e, const Net *net, const NetPlan *np)
{
    const char *P = e->P;
    int t = np->tail, group = np->group;
    /* the tail reads the net's input when nothing but aliases (flatten) comes before it */
    int head = t > 0 && plan_root(net, t - 1) >= 0;
    if (head) {
        emitf(e, "#if %s_VECTORS", P);
        emitf(e, "/* %s_forward's layers before %s (the batched tail of %s_forward_batch) */", P,
              net->layers[t].name, P);
        emitf(e, "static void %s_run_head(const %s_params *p, const %s_real *input, %s_workspace *ws)",
              P, P, P, P);
        emitf(e, "{");
        e->indent++;
        if (np->trains && net_has_max(net))
            emitf(e, "const int keep = 0;   /* no argmax: no backward follows */");
        forward_calls(e, net, np, 0, t);
        e->indent--;
        emitf(e, "}");
        emitf(e, "#endif");
        emitf(e, "%s", "");
    }
    emitf(e, "void %s_forward_batch(const %s_params *p, const %s_real *inputs, %s_real *outputs,",
          P, P, P, P);
    emitf(e, "                 %*sint n, %s_workspace *ws)", (int)strlen(P), "", P);
    emitf(e, "{");
    e->indent++;
    if (t >= 0) {
        emitf(e, "#if %s_VECTORS", P);
        emitf(e, "int s, s0;");
        emitf(e, "for (s0 = 0; s0 < n; s0 += %d) {   /* groups of %d samples */", group, group);
        e->indent++;
        emitf(e, "const int g = n - s0 < %d ? n - s0 : %d;", group, group);
        long long n0 = shape_size(net->layers[t].in);
        if (head) {
            emitf(e, "for (s = 0; s < g; s++) {");
            emitf(e, "    %s_run_head(p, inputs + (s0 + s) * %s_INPUT_SIZE, ws);", P, P);
            emitf(e, "    memcpy(ws->fbatch[0] + s * %lld, %s, %lld * sizeof(%s_real));", n0,
                  saved_out(net, np, t - 1), n0, P);
            emitf(e, "}");
        }
        const char *in = head ? "ws->fbatch[0]" : text_fmt("inputs + s0 * %s_INPUT_SIZE", P);
        const char *out = NULL;
        for (int i = t; i < net->nlayers; i++) {
            const Layer *fl = i == np->last ? &np->fwd_last : &net->layers[i];
            out = (i - t) % 2 == 0 ? "ws->fbatch[1]" : "ws->fbatch[0]";
            CallArgs c = {in, out, NULL, NULL, {NULL}, NULL, 0, "g"};
            emit_call(e, fl, "fwd_batch", (part_args(fl, PART_FWD, 1) & (A_IN | A_OUT | A_W | A_B)) | A_NB,
                      c, NULL);
            in = out;
        }
        if (np->out_transform) {
            emitf(e, "for (s = 0; s < g; s++)");
            emitf(e, "    %s_out_%s(%s + s * %s_OUTPUT_SIZE, outputs + (s0 + s) * %s_OUTPUT_SIZE);", P,
                  np->out_transform, out, P, P);
        } else {
            emitf(e, "(void)s;");
            emitf(e, "memcpy(outputs + s0 * %s_OUTPUT_SIZE, %s, (size_t)g * %s_OUTPUT_SIZE * sizeof(%s_real));",
                  P, out, P, P);
        }
        e->indent--;
        emitf(e, "}");
        emitf(e, "#else");
    }
    emitf(e, "int s;");
    emitf(e, "for (s = 0; s < n; s++)");
    emitf(e, "    %s_forward(p, inputs + s * %s_INPUT_SIZE, outputs + s * %s_OUTPUT_SIZE, ws);", P, P, P);
    if (t >= 0)
        emitf(e, "#endif");
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

static void forward_fn(Emitter *e, const Net *net, const NetPlan *np)
{
    int prm = net_has_params(net);
    const char *P = e->P;
    if (e->scr_off) {
        int any = 0;
        for (int i = 0; i < net->nlayers; i++)
            for (int k = PART_FWD; k <= PART_BWD_INPUT; k++)
                any |= net->layers[i].scratch[k] > 0;
        if (any) {
            emitf(e, "/* A layer's scratch: the shared member with vectors, else its own place in");
            emitf(e, " * the arena, beside the values alive while it runs (generator/plan.c). */");
            emitf(e, "#if %s_VECTORS", P);
            emitf(e, "#define %s_SCRATCH(ws, off) ((ws)->scratch)", P);
            emitf(e, "#define %s_SCRATCH_NONE(ws) ((ws)->scratch)", P);
            emitf(e, "#else");
            emitf(e, "#define %s_SCRATCH(ws, off) ((ws)->arena + (off))", P);
            emitf(e, "#define %s_SCRATCH_NONE(ws) ((%s_real *)0)  /* its scalar code needs none */", P, P);
            emitf(e, "#endif");
            emitf(e, "%s", "");
        }
    }
    if (np->trains) {
        const char *keep = net_has_max(net) ? ", int keep" : "";
        emitf(e, "/* The forward pass, keeping every layer's output in ws for the backward pass%s. */",
              *keep ? "\n * (keep: and the max pools' argmax)" : "");
        Buf sig = {0};
        if (prm)
            buf_printf(&sig, "static void %s_run(const %s_params *p, const %s_real *input, %s_workspace *ws%s)",
                       P, P, P, P, keep);
        else
            buf_printf(&sig, "static void %s_run(const %s_real *input, %s_workspace *ws%s)", P, P, P, keep);
        emit_long(e, sig.data);
        buf_free(&sig);
        emitf(e, "{");
        e->indent++;
        forward_calls(e, net, np, 0, net->nlayers);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    emitf(e, "void %s_forward(const %s_params *p, const %s_real *input, %s_real *output,", P, P, P, P);
    emitf(e, "                 %*s%s_workspace *ws)", (int)strlen(P), "", P);
    emitf(e, "{");
    e->indent++;
    if (!prm)
        emitf(e, "(void)p;");
    if (np->trains) {
        emitf(e, "int n;");
        emitf(e, prm ? "%s_run(p, input, ws%s);" : "%s_run(input, ws%s);", P,
              net_has_max(net) ? ", 0" : "");
        emitf(e, "for (n = 0; n < %s_OUTPUT_SIZE; n++)", P);
        emitf(e, "    output[n] = (%s)[n];", last_act(np));
    } else if (net->nlayers == 0) {
        emitf(e, "int n;");
        emitf(e, "(void)ws;");
        emitf(e, "for (n = 0; n < %s_OUTPUT_SIZE; n++)", P);
        emitf(e, "    output[n] = input[n];");
    } else {
        int writers = 0;   /* layers with a buffer: the others alias their input */
        for (int i = 0; i < net->nlayers; i++)
            writers += !plan_alias(net, i);
        if (writers == 1 && !np->out_transform && !np->graph)   /* input -> output, no buffer */
            emitf(e, "(void)ws;");
        forward_calls(e, net, np, 0, net->nlayers);
    }
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    forward_batch_fn(e, net, np);
}

/* The loss and dL/d(start of the backward pass): static P_loss([z,] y, t, g), from a
 * template; *zarg is the array passed as z (NULL: the loss takes none). */
static int loss_fn(Emitter *e, const Net *net, const NetPlan *np, const char **zarg)
{
    const Layer *last = &net->layers[np->last];
    char n[32];
    const char *tname = NULL, *what = NULL;
    snprintf(n, sizeof n, "%lld", shape_size(net_output(net)));
    *zarg = NULL;
    switch (net->loss) {
    case LOSS_SOFTMAX_CE:
        tname = "loss_softmax_ce.c";
        what = "softmax cross-entropy on the logits z";
        *zarg = zout_ref(np);
        break;
    case LOSS_CE:
        if (last->op->softmax) {
            tname = "loss_softmax_ce.c";
            what = "cross-entropy fused with the softmax layer (z = its input)";
            *zarg = saved_out(net, np, layer_input(net, np->last));
        } else {
            tname = "loss_ce_clamped.c";
        }
        break;
    case LOSS_MSE:
        tname = "loss_mse.c";
        break;
    case LOSS_BCE:
        if (np->zout || last->op->act == ACT_SIGMOID) {
            tname = "loss_bce_logits.c";
            *zarg = np->zout ? zout_ref(np) : saved_out(net, np, layer_input(net, np->last));
        } else {
            tname = "loss_bce_clamped.c";
        }
        break;
    case LOSS_NONE:
        return -1;
    }
    Hole h[6];
    int nh = 0;
    h[nh++] = (Hole){"n", n, 0};
    if (what)
        h[nh++] = (Hole){"what", what, 0};
    if (strcmp(tname, "loss_softmax_ce.c") == 0) {
        h[nh++] = (Hole){"exp", mfn(e, "exp"), 0};
        h[nh++] = (Hole){"log", mfn(e, "log"), 0};
    } else if (strcmp(tname, "loss_bce_logits.c") == 0) {
        h[nh++] = (Hole){"exp", mfn(e, "exp"), 0};
        h[nh++] = (Hole){"log1p", mfn(e, "log1p"), 0};
        h[nh++] = (Hole){"fabs", mfn(e, "fabs"), 0};
    } else if (strcmp(tname, "loss_mse.c") != 0) {
        h[nh++] = (Hole){"log", mfn(e, "log"), 0};
    }
    int rc = template_fill(e->b, tname, h, nh, e->P);
    buf_puts(e->b, "\n");
    return rc;
}

/* A layer's parameter gradients (BW_PARAMS: its own part; BW_BIAS: the bias alone),
 * from c.g (n reals); with an update in place (grad == NULL, upd = p) g is first scaled by -lr,
 * so that the part's `gw += ...` is the SGD step itself */
static void params_part(Emitter *e, const Layer *l, unsigned bw, CallArgs c, long long n)
{
    if (!(bw & (BW_PARAMS | BW_BIAS)))
        return;
    if (e->inplace) {
        emitf(e, "if (grad == NULL) {  /* P_train_batch without grad (upd = p): p -= lr * dL/dp now */");
        emitf(e, "    int q;");
        emitf(e, "    for (q = 0; q < %lld; q++)", n);
        emitf(e, "        (%s)[q%s] *= -lr;", c.g, c.s ? text_fmt(" + %s * %lld", c.s, n) : "");
        emitf(e, "}");
    }
    if (bw & BW_PARAMS)
        emit_call(e, l, "bwd_params", part_args(l, PART_BWD_PARAMS, 0), c, NULL);
    else
        emitf(e, "%s_%s_bwd_bias(%s%s, %s);", e->P, l->name, c.g,
              c.s ? text_fmt(" + %s * %lld", c.s, n) : "", grad_ref(e, l, "bias"));
}

/* up[v]: layer v or one it depends on has parameters (in a partial net: learns), so
 * dL/d(v) is needed for them; otherwise only for grad_input, which a partial net has not */
static void params_upstream(const Net *net, int *up)
{
    int part = net_partial(net);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        up[i] = part ? layer_learns(l) : layer_has_params(l);
        for (int k = 0; k < l->ninputs; k++)
            if (l->inputs[k] != VAL_INPUT && up[l->inputs[k]])
                up[i] = 1;
    }
}

/* The gradient storage of value v (a root): its slot of the arena, or grad_input */
static const char *grad_of(const Net *net, const NetPlan *np, int v)
{
    return v == VAL_INPUT ? "grad_input" : tref(np, TA_GRAD(net->nlayers, v));
}

/* gtmp: a second reader's part of a gradient, before it is added */
static const char *gtmp_ref(const Net *net, const NetPlan *np)
{
    return tref(np, TA_GTMP(net->nlayers));
}

/* `if (grad_input != NULL) {` around what only grad_input needs (train: there is no
 * grad_input, and what only it needs is not written) */
static void guard_open(Emitter *e, int need, int train)
{
    if (need || train)
        return;
    emitf(e, "if (grad_input != NULL) {");
    e->indent++;
}

static void guard_close(Emitter *e, int need, int train)
{
    if (need || train)
        return;
    e->indent--;
    emitf(e, "}");
}

/* The backward pass of a graph, layers in reverse order: when layer i's turn comes, every
 * reader of its output has added its part to grad_<i>. The first part a value receives
 * is written into its gradient, the others through gtmp and added.
 * train: P_backward_train, the train-mode backward of the batch of n that P_run_train
 * ran: the loss and every layer sample after sample (each array advanced by s times its
 * size), the train-mode layers (OPF_TRAIN) over the whole batch; no grad_input. */
static void backward_graph(Emitter *e, const Net *net, const NetPlan *np, const char *zarg,
                           const char *y, int train)
{
    const char *P = e->P;
    int up[MAX_LAYERS], got[MAX_LAYERS + 1];   /* got[v + 1]: value v has a first part */
    params_upstream(net, up);
    memset(got, 0, sizeof got);
    /* the loss's gradient: the last layer's, or its input's when the loss took the last
     * layer in (cross-entropy after softmax, BCE after sigmoid) */
    int r0 = plan_root(net, np->bstart < np->last ? layer_input(net, np->last) : np->last);
    const char *gt = gtmp_ref(net, np);
    const char *lg = r0 == VAL_INPUT ? gt : grad_of(net, np, r0);
    if (train) {
        const char *O = text_fmt(" + s * %s_OUTPUT_SIZE", P);
        emitf(e, "for (s = 0; s < n; s++)");
        if (zarg)
            emitf(e, "    loss += %s_loss(%s%s, %s%s, target%s, %s%s);", P, zarg, O, y, O, O, lg, O);
        else
            emitf(e, "    loss += %s_loss(%s%s, target%s, %s%s);", P, y, O, O, lg, O);
    } else if (zarg) {
        emitf(e, "loss = %s_loss(%s, %s, target, %s);", P, zarg, y, lg);
    } else {
        emitf(e, "loss = %s_loss(%s, target, %s);", P, y, lg);
    }
    if (r0 == VAL_INPUT && !train) {
        emitf(e, "if (grad_input != NULL)");
        emitf(e, "    memcpy(grad_input, %s, sizeof(%s_real) * %s_INPUT_SIZE);", gt, P, P);
    }
    got[r0 + 1] = 1;
    int nogin = train || np->partial;   /* no grad_input: only what learns needs a gradient */
    for (int i = np->bstart; i >= 0; i--) {
        const Layer *l = &net->layers[i];
        if (plan_alias(net, i) || !got[i + 1] || (nogin && !up[i]))
            continue;   /* a flatten's gradient is its input's; nothing reads an unread value */
        emitf(e, "/* %s */", l->name);
        const char *g = grad_of(net, np, i);
        if (train && (l->op->flags & OPF_TRAIN)) {   /* the whole batch at once */
            int r = plan_root(net, l->inputs[0]);
            int need = r != VAL_INPUT && up[r];
            const char *gin = !need ? "NULL" : got[r + 1] ? gt : grad_of(net, np, r);
            l->op->train_call(e, l, PART_BWD_INPUT, saved_out(net, np, l->inputs[0]), NULL, g, gin);
            if (need && got[r + 1]) {
                emitf(e, "for (long q = 0; q < (long)n * %lld; q++)", shape_size(value_shape(net, r)));
                emitf(e, "    (%s)[q] += (%s)[q];", grad_of(net, np, r), gt);
            }
            if (need)
                got[r + 1] = 1;
            continue;
        }
        guard_open(e, up[i], nogin);
        if (train) {
            emitf(e, "for (s = 0; s < n; s++) {");
            e->indent++;
        }
        CallArgs c = {saved_out(net, np, l->inputs[0]), saved_out(net, np, i), g, NULL, {NULL},
                      train ? "s" : NULL, 0, NULL};
        if (layer_fused_act(l) && !(i == np->last && np->skip_last_act)) {
            CallArgs ca = c;
            if (plan_has_pre(l))
                ca.out = pre_ref(net, np, i);
            emit_call(e, l, "bwd_act", A_OUT | A_G, ca, NULL);
        }
        unsigned bw = layer_bwd_parts(net, np, i);
        int multi = (l->op->flags & OPF_MULTI) != 0;
        for (int k = 0; (bw & BW_INPUT) && k < l->ninputs; k++) {
            int r = plan_root(net, l->inputs[k]);
            int need = r != VAL_INPUT && up[r];
            const char *fn = multi ? text_fmt("bwd_input%d", k) : "bwd_input";
            if (nogin && !need)
                continue;   /* only grad_input would read it */
            guard_open(e, need || !up[i], nogin);   /* already inside the guard when !up[i] */
            c.kin = k;
            long long S = shape_size(value_shape(net, r));
            if (!got[r + 1]) {
                c.gin = grad_of(net, np, r);
                emit_call(e, l, fn, part_args(l, PART_BWD_INPUT, 0), c, NULL);
                got[r + 1] = 1;
            } else {
                c.gin = gt;
                emit_call(e, l, fn, part_args(l, PART_BWD_INPUT, 0), c, NULL);
                if (train) {
                    emitf(e, "for (int q = 0; q < %lld; q++)", S);
                    emitf(e, "    (%s)[s * %lld + q] += (%s)[s * %lld + q];", grad_of(net, np, r), S, gt, S);
                } else {
                    emitf(e, "for (int n = 0; n < %lld; n++)", S);
                    emitf(e, "    (%s)[n] += (%s)[n];", grad_of(net, np, r), gt);
                }
            }
            guard_close(e, need || !up[i], nogin);
        }
        params_part(e, l, bw, c, shape_size(l->out));
        if (train) {
            e->indent--;
            emitf(e, "}");
        }
        guard_close(e, up[i], nogin);
    }
    emitf(e, "return loss;");
}

static void backward_body(Emitter *e, const Net *net, const NetPlan *np, const char *zarg)
{
    const char *P = e->P;
    int prm = net_has_params(net), learns = 0;
    for (int i = 0; i < net->nlayers; i++)
        learns |= (layer_bwd_parts(net, np, i) & (BW_PARAMS | BW_BIAS)) != 0;
    emitf(e, "%s_real loss;", P);
    if (!prm)
        emitf(e, "(void)p;");
    if (!learns)
        emitf(e, "(void)grad;");
    if (!learns && e->inplace) {
        emitf(e, "(void)upd;");
        emitf(e, "(void)lr;");
    }
    if (np->partial) {
        emitf(e, "if (grad_input != NULL) {  /* the backward stops at the lowest layer that learns */");
        emitf(e, "    int k;");
        emitf(e, "    for (k = 0; k < %s_INPUT_SIZE; k++)", P);
        emitf(e, "        grad_input[k] = (%s_real)NAN;", P);
        emitf(e, "}");
    }
    emitf(e, prm ? "%s_run(p, input, ws%s);" : "%s_run(input, ws%s);", P,
          net_has_max(net) ? ", 1" : "");
    char y[512];
    snprintf(y, sizeof y, "%s", last_act(np));
    if (np->graph) {
        backward_graph(e, net, np, zarg, y, 0);
        return;
    }
    /* the gradients: slots of the arena (plan_train_arena), dL/d(layer i's output) at
     * TA_GRAD(n, i); the loss's is layer bstart's output's (its root's), or the input's */
    int nl = net->nlayers;
    int lroot = np->bstart >= 0 ? plan_root(net, np->bstart) : VAL_INPUT;
    const char *gloss = lroot >= 0 ? tref(np, TA_GRAD(nl, lroot)) : tref(np, TA_GIN(nl));
    if (zarg)
        emitf(e, "loss = %s_loss(%s, %s, target, %s);", P, zarg, y, gloss);
    else
        emitf(e, "loss = %s_loss(%s, target, %s);", P, y, gloss);
    int open = 0;  /* inside `if (grad_input != NULL) {` */
    for (int i = np->bstart; i >= np->blow; i--) {
        const Layer *l = &net->layers[i];
        int params_below = np->partial;    /* a partial net: no grad_input, no guard */
        for (int j = 0; j < i; j++)
            params_below |= layer_has_params(&net->layers[j]);
        if (!layer_has_params(l) && !params_below && !open) {
            emitf(e, "if (grad_input != NULL) {");
            e->indent++;
            open = 1;
        }
        if (plan_alias(net, i)) {   /* the layer above wrote its input's gradient */
            emitf(e, "/* %s: its input's storage, the gradient unchanged */", l->name);
            continue;
        }
        emitf(e, "/* %s */", l->name);
        CallArgs c = {0};
        c.in = saved_out(net, np, l->inputs[0]);
        c.out = saved_out(net, np, i);
        c.g = tref(np, TA_GRAD(nl, i));
        if (layer_fused_act(l) && !(i == np->last && np->skip_last_act)) {
            CallArgs ca = c;
            if (plan_has_pre(l))
                ca.out = pre_ref(net, np, i);   /* leaky_relu with a negative slope: the sign of its input */
            emit_call(e, l, "bwd_act", A_OUT | A_G, ca, NULL);
        }
        unsigned bw = layer_bwd_parts(net, np, i);
        unsigned a = part_args(l, PART_BWD_INPUT, 0);
        int r = plan_root(net, l->inputs[0]);
        /* the parameters' part after the input's, which reads the weights before an
         * update in place changes them; but before an input's part that only grad_input
         * needs (never asked for with an update in place) */
        int guarded = open || r == VAL_INPUT || !params_below;
        if (guarded || !(bw & BW_INPUT))
            params_part(e, l, bw, c, shape_size(l->out));
        if (!(bw & BW_INPUT)) {
            /* a partial net's lowest layer that learns: nothing below */
        } else if (r == VAL_INPUT) {
            c.gin = "grad_input";
            if (!open) {
                emitf(e, "if (grad_input != NULL)");
                e->indent++;
                emit_call(e, l, "bwd_input", a, c, NULL);
                e->indent--;
            } else {
                emit_call(e, l, "bwd_input", a, c, NULL);
            }
        } else {
            if (!params_below && !open) {
                emitf(e, "if (grad_input != NULL) {");
                e->indent++;
                open = 1;
            }
            c.gin = tref(np, TA_GRAD(nl, r));
            emit_call(e, l, "bwd_input", a, c, NULL);
        }
        if (!guarded && (bw & BW_INPUT))
            params_part(e, l, bw, c, shape_size(l->out));
    }
    if (np->bstart < 0 || lroot == VAL_INPUT) {     /* the loss's gradient is the input's */
        if (!open) {
            emitf(e, "if (grad_input != NULL) {");
            e->indent++;
            open = 1;
        }
        emitf(e, "int n;");
        emitf(e, "for (n = 0; n < %s_INPUT_SIZE; n++)", P);
        emitf(e, "    grad_input[n] = (%s)[n];", gloss);
    }
    if (open) {
        e->indent--;
        emitf(e, "}");
    }
    emitf(e, "return loss;");
}

/* P_run_train and P_backward_train (plan_batched): the train-mode forward and backward
 * of a batch of n samples, the arrays holding sample after sample */
static void train_fns(Emitter *e, const Net *net, const NetPlan *np, const char *zarg)
{
    const char *P = e->P;
    int prm = net_has_params(net), loops = 0;
    for (int i = 0; i < net->nlayers; i++)
        loops |= !plan_alias(net, i) && !(net->layers[i].op->flags & OPF_TRAIN);
    loops |= np->out_transform != NULL;
    emitf(e, "/* The train-mode forward of a batch of n samples (sample s at s times each");
    emitf(e, " * array's size): batch statistics, dropout; the running statistics move. */");
    emitf(e, "static void %s_run_train(%s_params *p, const %s_real *input, int n, %s_workspace *ws)",
          P, P, P, P);
    emitf(e, "{");
    e->indent++;
    if (loops)
        emitf(e, "int s;");
    if (!prm && !np->stats)
        emitf(e, "(void)p;");
    forward_calls(e, net, np, 1, net->nlayers);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    emitf(e, "/* Its backward: returns the sum of the n losses and adds d(that sum)/dparams to grad. */");
    emitf(e, "static %s_real %s_backward_train(const %s_params *p, const %s_real *input,", P, P, P, P);
    emitf(e, "    const %s_real *target, int n,", P);
    emitf(e, "    %s_grad *grad, %s_workspace *ws)", P, P);
    emitf(e, "{");
    e->indent++;
    emitf(e, "%s_real loss = 0;", P);
    emitf(e, "int s;");
    emitf(e, "(void)input;   /* read only when the lowest layer learns */");
    if (!prm) {
        emitf(e, "(void)p;");
        emitf(e, "(void)grad;");
    }
    char y[512];
    snprintf(y, sizeof y, "%s", last_act(np));
    backward_graph(e, net, np, zarg, y, 1);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

/* loops over the tensors that learn: stmt_fmt_w/_b with the layer's name twice */
static void param_loops(Emitter *e, const Net *net, const char *stmt_fmt_w, const char *stmt_fmt_b)
{
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (layer_learns_weight(l)) {
            emitf(e, "for (n = 0; n < %lld; n++)", l->nweight);
            e->indent++;
            emitf(e, stmt_fmt_w, l->name, l->name);
            e->indent--;
        }
        if (layer_learns_bias(l)) {
            emitf(e, "for (n = 0; n < %lld; n++)", l->nbias);
            e->indent++;
            emitf(e, stmt_fmt_b, l->name, l->name);
            e->indent--;
        }
    }
}

/* A partial net's P_grad: a member per tensor that learns */
static void grad_struct(Emitter *e, const Net *net)
{
    emitf(e, "/* The gradients of what learns (trainable:), by the parameters' names; the");
    emitf(e, " * frozen parameters have none. */");
    emitf(e, "typedef struct %s_grad {", e->P);
    e->indent++;
    int any = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, t);
        for (int k = 0; k < nt; k++)
            if (tensor_learns(l, &t[k])) {
                emitf(e, "%s_real %s_%s[%lld];", e->P, l->name, t[k].what, t[k].n);
                any = 1;
            }
    }
    if (!any)
        emitf(e, "%s_real unused;  /* nothing learns: C has no empty structs */", e->P);
    e->indent--;
    emitf(e, "} %s_grad;", e->P);
}

static void tensors_and_fields(Emitter *et, Emitter *ef, const Net *net, const NetPlan *np, WsPlan wp)
{
    const char *P = et->P;
    int nt = 0;
    for (int i = 0; i < net->nlayers; i++) {
        TensorDesc t[MAX_LAYER_TENSORS];
        nt += layer_tensors(&net->layers[i], t);
    }
    if (nt) {
        emitf(et, "static const cnngen_tensor %s_tensors[%d] = {", P, nt);
        et->indent++;
        long long goff = 0;     /* in P_grad: P_params' layout, or what learns */
        for (int i = 0; i < net->nlayers; i++) {
            const Layer *l = &net->layers[i];
            long long off = l->param_offset;
            TensorDesc t[MAX_LAYER_TENSORS];
            int n = layer_tensors(l, t);
            for (int k = 0; k < n; k++) {
                int has = !np->partial || tensor_learns(l, &t[k]);
                int cst = tensor_const(net, l, &t[k]);
                emitf(et, "{\"%s.%s\", %lld, %d, {%lld, %lld, %lld, %lld}, %lld%s},", l->name, t[k].what,
                      cst ? 0 : off, t[k].ndim, t[k].dim[0], t[k].dim[1], t[k].dim[2], t[k].dim[3],
                      has ? goff : -1, cst ? text_fmt(", %s_frozen.%s_%s", P, l->name, t[k].what) : ", NULL");
                off += cst ? 0 : t[k].n;
                goff += has ? t[k].n : 0;
            }
        }
        et->indent--;
        emitf(et, "};");
        emitf(et, "%s", "");
    }
    int nf = 0;
    for (int i = 0, at = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc t[MAX_LAYER_TENSORS];
        int n = layer_tensors(l, t);
        if (l->fold_bn[0]) {    /* weight and bias are its first two tensors */
            if (!nf++)
                emitf(et, "static const cnngen_fold %s_folds[] = {  /* bn, weight, bias, had_bias, affine, eps */", P);
            emitf(et, "    {\"%s\", %d, %d, %d, %d, %.17g},", l->fold_bn, at, at + 1,
                  l->fold_had_bias, l->fold_affine, l->fold_eps);
        }
        at += n;
    }
    if (nf) {
        emitf(et, "};");
        emitf(et, "%s", "");
    }
    static const char *const lossn[] = {"CNNGEN_LOSS_NONE", "CNNGEN_LOSS_SOFTMAX_CE",
                                        "CNNGEN_LOSS_CE", "CNNGEN_LOSS_MSE", "CNNGEN_LOSS_BCE"};
    (void)wp;
    ef->indent++;
    emitf(ef, "\"%s\",", P);
    emitf(ef, "%d,  /* dtype bytes */", real_bytes(ef->dtype));
    emitf(ef, "%s_INPUT_C, %s_INPUT_H, %s_INPUT_W,", P, P, P);
    emitf(ef, "%s_INPUT_SIZE, %s_OUTPUT_SIZE, %s_NUM_PARAMS,", P, P, P);
    emitf(ef, "sizeof(%s_params), sizeof(%s_workspace),", P, P);
    emitf(ef, "%s,", lossn[net->loss]);
    if (nt)
        emitf(ef, "%d, %s_tensors,", nt, P);
    else
        emitf(ef, "0, NULL,");
    if (np->trains)
        emitf(ef, "%s_m_init, %s_m_forward, %s_m_backward, %s_m_sgd, %s_m_train_batch,", P, P, P, P, P);
    else
        emitf(ef, "%s_m_init, %s_m_forward, NULL, NULL, NULL,", P, P);
    emitf(ef, "%s_MAX_BATCH, %d,  /* max_batch, train_mode */", P, np->batched);
    if (nf)
        emitf(ef, "%d, %s_folds,  /* batchnorms folded in */", nf, P);
    else
        emitf(ef, "0, NULL,  /* no batchnorm folded */");
    emitf(ef, np->trains ? "sizeof(%s_grad)," : "0,  /* %s: no gradients */", P);
    emitf(ef, "%s_m_forward_batch", P);
    ef->indent--;
}

/* ------------------------------------------------------------------ emit_c */

int emit_c(const Net *net_in, const Options *opt, const char *header_name, Buf *c, Buf *h)
{
    /* the C file's own name, which the portable build includes (dispatch.c) */
    const char *c_name = opt->out_path ? base_name(opt->out_path) : "net.c";
    Net net = *net_in;  /* shallow copy: a different dtype may be requested */
    if (opt->dtype_override >= 0)
        net.dtype = (Dtype)opt->dtype_override;

    char prefix[MAX_NAME + 1];
    snprintf(prefix, sizeof prefix, "%s", opt->prefix ? opt->prefix : net.name);
    int inference = opt->inference_only;
    NetPlan np = net_plan(&net, inference);
    WsPlan wp = plan_workspace(&net, inference);
    const char *spec = opt->spec_path ? opt->spec_path : (net.file ? net.file : "?");

    Buf banner = {0}, sizes = {0}, pm = {0}, wm = {0}, layers = {0}, initb = {0}, fwd = {0},
        training = {0}, model = {0}, tdecl = {0}, tensors = {0}, fields = {0}, twrap = {0};
    Emitter e = {0};
    e.net = &net;
    e.opt = opt;
    e.P = prefix;
    e.dtype = net.dtype;
    /* every array in the C is of the one scalar type P_real (net.h's typedef) */
    const char *ctype = net.dtype == DT_F64 ? "double" : "float";
    char real[MAX_NAME + 8];
    snprintf(real, sizeof real, "%s_real", prefix);
    e.real = real;
    e.inference = !np.trains;
    e.scr_off = np.toff ? np.toff + TA_SCR(net.nlayers, 0, 0)
              : np.trains ? NULL : np.aoff + net.nlayers;
    int rc = 0;

    buf_printf(&banner, "/* Generated by cnngen %s from %s - do not edit.\n"
               " * Network %s: input [%d,%d,%d], %d layers, %lld parameters, %s, loss %s%s. */",
               CNNGEN_VERSION, spec, net.name, net.input.c, net.input.h, net.input.w,
               net.nlayers, net.total_params, net.dtype == DT_F64 ? "float64" : "float32",
               loss_name(net.loss), np.trains ? "" : ", forward only");

    e.b = &sizes; sizes_text(&e, &net, wp);
    e.indent = 1;
    e.b = &pm; params_members(&e, &net, 0);
    e.b = &wm; workspace_members(&e, &net, &np, wp);
    e.b = &initb; init_body(&e, &net);
    e.indent = 0;

    /* per-layer functions */
    e.b = &layers;
    for (int i = 0; i < net.nlayers; i++) {
        const Layer *l = &net.layers[i];
        int in_bw = np.trains && i <= np.bstart && i >= np.blow;
        int need_act = in_bw && layer_fused_act(l) && !(i == np.last && np.skip_last_act);
        emit_layer_functions(&e, l, i == np.last ? &np.fwd_last : l, layer_bwd_parts(&net, &np, i),
                             need_act, plan_alias(&net, i), !np.trains || plan_keeps_argmax(&net, i));
        if (np.batched && l->op->train_functions)
            l->op->train_functions(&e, l, layer_bwd_parts(&net, &np, i) != 0);
        if (np.tail >= 0 && i >= np.tail)
            fwd_batch_fn(&e, i == np.last ? &np.fwd_last : l);
    }
    rc |= out_transform_fn(&e, &net, &np);

    e.b = &fwd;
    forward_fn(&e, &net, &np);

    if (np.trains) {
        Buf lossb = {0}, bb = {0}, sgdb = {0}, gfb = {0}, msb = {0};
        const char *zarg;
        e.b = &lossb;
        rc |= loss_fn(&e, &net, &np, &zarg);
        e.indent = 1;
        e.inplace = np.inplace;
        e.b = &bb; backward_body(&e, &net, &np, zarg);
        e.inplace = 0;
        int learns = net_lowest_learning(&net) >= 0;
        e.b = &sgdb;
        if (learns) {
            emitf(&e, "int n;");
            param_loops(&e, &net, "p->%s_weight[n] -= lr * grad->%s_weight[n];",
                        "p->%s_bias[n] -= lr * grad->%s_bias[n];");
        } else {
            emitf(&e, "(void)p;");
            emitf(&e, "(void)grad;");
            emitf(&e, "(void)lr;");
        }
        e.b = &gfb;
        if (learns) {
            emitf(&e, "int n;");
            param_loops(&e, &net, "grad->%s_weight[n] = all ? 0 : grad->%s_weight[n] / d;",
                        "grad->%s_bias[n] = all ? 0 : grad->%s_bias[n] / d;");
        } else {
            emitf(&e, "(void)grad;");
            emitf(&e, "(void)d;");
            emitf(&e, "(void)all;");
        }
        if (np.partial) {   /* P_grad is not P_params' layout: the two steps by tensor */
            e.b = &msb;
            emitf(&e, "if (ns > 1)");
            emitf(&e, "    %s_grad_fill(grad, (%s_real)ns, 0);", prefix, prefix);
            emitf(&e, "%s_sgd(p, grad, lr);", prefix);
        }
        e.indent = 0;
        buf_puts(&training, lossb.data);
        Buf tb = {0};
        if (np.batched) {   /* P_train_batch in train mode over the batch */
            e.b = &tb;
            train_fns(&e, &net, &np, zarg);
            const char *range = np.stats
                ? text_fmt("if (n < %d || n > %s_MAX_BATCH)\n    return (%s_real)NAN;", np.minb, prefix, prefix)
                : text_fmt("if (n <= 0)\n    return 0;");
            const char *seed = np.rng
                ? text_fmt("    if (!(ws->rng.s[0] | ws->rng.s[1] | ws->rng.s[2] | ws->rng.s[3]))\n"
                           "        cnngen_rng_seed(&ws->rng, 0);   /* a zeroed workspace */")
                : "";
            /* one batch when a layer reads the whole batch (n <= P_MAX_BATCH) */
            const char *chunks = np.stats
                ? text_fmt("%s_run_train(p, inputs, n, ws);\n"
                           "loss = %s_backward_train(p, inputs, targets, n, grad, ws);", prefix, prefix)
                : NULL;
            Hole bh[] = {{"range", range, 0}, {"seed", seed, 0}, {"chunks", chunks, 0},
                         {"decls", np.stats ? "" : NULL, 0}};
            rc |= template_fill(&tb, "train_batched.c", bh, 4, prefix);
            if (np.rng)
                buf_printf(&tb, "\nvoid %s_seed(%s_workspace *ws, uint64_t seed)\n{\n"
                           "    cnngen_rng_seed(&ws->rng, seed);\n}\n", prefix, prefix);
        }
        const char *inplace = np.inplace ? NULL
            : text_fmt("if (grad == NULL)   /* the update in place takes batches of one */\n"
                       "    return (%s_real)NAN;", prefix);
        Hole th[] = {{"backward_body", bb.data, 0}, {"sgd_body", sgdb.data, 0},
                     {"grad_fill_body", gfb.data, 0}, {"train_batch", np.batched ? buf_text(&tb) : NULL, 0},
                     {"backprop", np.inplace ? NULL : "", 0}, {"plain", np.inplace ? "" : NULL, 0},
                     {"inplace", inplace, 0}, {"mean_step", np.partial ? buf_text(&msb) : NULL, 0}};
        rc |= template_fill(&training, "train.c", th, 8, prefix);
        buf_puts(&training, "\n");
        buf_free(&tb);
        Buf gt = {0};
        if (np.partial) {
            e.b = &gt;
            grad_struct(&e, &net);
        }
        Hole gh[] = {{"grad_type", np.partial ? gt.data : NULL, 0}};
        if (net.frozen_const) {     /* --weights: the frozen parameters, const data */
            buf_printf(&tdecl, "/* The parameters that do not learn (trainable:), compiled in from --weights as\n"
                       " * const data (flash on a microcontroller); P_params holds the rest. */\n"
                       "typedef struct %s_frozen_params {\n", prefix);
            Buf fm = {0};
            e.b = &fm;
            e.indent = 1;
            params_members(&e, &net, 1);
            e.indent = 0;
            buf_printf(&tdecl, "%s} %s_frozen_params;\nextern const %s_frozen_params %s_frozen;\n\n",
                       fm.data, prefix, prefix, prefix);
            buf_free(&fm);
        }
        rc |= template_fill(&tdecl, "net_train.h", gh, 1, prefix);
        buf_free(&gt);
        Hole none[1];
        if (np.rng)
            buf_printf(&tdecl, "/* Seeds the dropout stream in ws (a zeroed workspace acts as seed 0). */\n"
                       "void %s_seed(%s_workspace *ws, uint64_t seed);\n", prefix, prefix);
        rc |= template_fill(&twrap, "model_train.c", none, 0, prefix);
        buf_puts(&twrap, "\n");
        buf_free(&lossb); buf_free(&bb); buf_free(&sgdb); buf_free(&gfb); buf_free(&msb);
    }

    Emitter et = e, ef = e;
    et.b = &tensors;
    ef.b = &fields;
    tensors_and_fields(&et, &ef, &net, &np, wp);
    Hole mh[] = {{"tensors", buf_text(&tensors), 0},
                 {"train_wrappers", buf_text(&twrap), 0},
                 {"model_fields", fields.data, 0}};
    rc |= template_fill(&model, "model.c", mh, 3, prefix);

    Hole hh[] = {{"banner", banner.data, 0}, {"sizes", sizes.data, 0}, {"real", ctype, 0},
                 {"params_members", pm.data, 0}, {"workspace_members", wm.data, 0},
                 {"train_decls", buf_text(&tdecl), 0},
                 {"is_f64", net.dtype == DT_F64 ? text_fmt("#define %s_F64 1", prefix) : NULL, 0}};
    rc |= template_fill(h, "net.h", hh, 7, prefix);
    /* net.c twice: the functions' text first, from which dispatch.c writes the portable
     * build's passes (the renames, the driver, the public wrappers) */
    Buf draft = {0}, drv = {0}, popen = {0}, pclose = {0}, wrap = {0};
    Hole ch[] = {{"banner", banner.data, 0}, {"header", header_name, 0},
                 {"layers", buf_text(&layers), 0}, {"init_body", initb.data, 0},
                 {"forward", fwd.data, 0}, {"training", buf_text(&training), 0},
                 {"model", model.data, 0}, {"dispatch", "", 0}, {"pass_open", "", 0},
                 {"pass_close", "", 0}, {"wrappers", "", 0}};
    rc |= template_fill(&draft, "net.c", ch, 11, prefix);
    const char *r0 = draft.data ? strstr(draft.data, "/* Vectors for the fast loops") : NULL;
    const char *r1 = r0 ? strstr(r0, "/* ================================================================ descriptor */") : NULL;
    if (r0 && r1) {
        char *region = text_fmt("%.*s", (int)(r1 - r0), r0);
        rc |= dispatch_parts(prefix, c_name, region, &drv, &popen, &pclose, &wrap);
    } else {
        rc = -1;
    }
    for (int k = 0; k < 11; k++)
        ch[k].used = 0;
    ch[7].value = buf_text(&drv);
    ch[8].value = buf_text(&popen);
    ch[9].value = buf_text(&pclose);
    ch[10].value = buf_text(&wrap);
    rc |= template_fill(c, "net.c", ch, 11, prefix);
    buf_free(&draft); buf_free(&drv); buf_free(&popen); buf_free(&pclose); buf_free(&wrap);
    rc |= e.failed;

    free(np.aoff);
    free(np.toff);
    buf_free(&banner); buf_free(&sizes); buf_free(&pm); buf_free(&wm); buf_free(&layers);
    buf_free(&initb); buf_free(&fwd); buf_free(&training); buf_free(&model); buf_free(&tdecl);
    buf_free(&tensors); buf_free(&fields); buf_free(&twrap);
    text_free_all();    /* the hole and expression text: all of it is in c and h now */
    return rc ? -1 : 0;
}
