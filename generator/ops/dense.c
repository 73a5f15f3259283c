/* ops/dense.c - dense (fully connected): vector of N -> vector of units; weights
 * [units][N] as nn.Linear, optional bias, fused activation.
 * params (N + 1)*units with bias; MACs N*units. Each output sees the whole grid its
 * input vector was flattened from (or pooled over).
 *
 * C emitters. Summation order (identical in every unroll mode and for every vector width):
 *   out[o]  = b[o] + (E + D), E = ((p[0] + p[8]) + (p[4] + p[12])) + ((p[2] + p[10]) +
 *             (p[6] + p[14])) and D the same with lanes 1, 9, 5, 13, 3, 11, 7, 15: a
 *             pairwise tree halving 16 -> 8 -> 4 -> 2 -> 1 (lane_tree); lane sum p[r] = 0 + the sum over
 *             i = r, r + 16, r + 32, ... (ascending) of w[o][i] * in[i]  (16 lanes,
 *             whatever the vectors' width)
 *   gw[o][i] += g[o] * in[i];   gb[o] += g[o]
 *   gin[i]  = 0 + sum over o (ascending) of w[o][i] * g[o]
 * Modes: full spells out every sum (generated here); none and kernel run the same
 * constant-bound loops over GNU C vectors (the file's preamble; one lane in plain C),
 * filled into templates: the forward (templates/layer_dense_fwd.c, _fwd_blocks.c,
 * _fwd_rest.c, _fwd_block.c, _fwd_main.c, _fwd_row.c) computes several rows at a time
 * over 16 lanes of inputs; the backward (layer_dense_bwd_params.c with
 * layer_dense_gw_vec.c, layer_dense_bwd_input.c with layer_dense_gin_vec.c) runs over
 * the inputs (contiguous) in vectors. Only the statements repeated once per row or
 * per vector, in varying number, are generated here into the templates' holes. */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_UNITS, F_BIAS, F_ACTIVATION, F_ALPHA, F_NONE};
static const Field required[] = {F_UNITS, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    char sb[64];
    if (!(l->in.vec || (l->in.h == 1 && l->in.w == 1)))
        error_at(d, l->pos, "%s: dense needs a vector input, but its input is %s; "
                 "add {type: flatten} before it", l->name, shape_text(l->in, sb, sizeof sb));
    long long n = shape_size(l->in);
    l->out = (Shape){l->units, 1, 1, 1};
    l->nweight = sat_mul(n, l->units);
    l->nbias = l->bias ? l->units : 0;
    l->macs = l->nweight;
    if (l->bias)
        snprintf(l->formula[0], sizeof l->formula[0], "(%lld + 1)*%d = %lld params", n, l->units,
                 sat_mul(n + 1, l->units));
    else
        snprintf(l->formula[0], sizeof l->formula[0], "%lld*%d = %lld params", n, l->units, l->nweight);
    /* the grid this vector came from: the input of the nearest flatten, or 1x1 */
    int span[2] = {1, 1};
    for (int v = l->inputs[0]; v != VAL_INPUT; v = net->layers[v].inputs[0]) {
        const Layer *p = &net->layers[v];
        if (p->op == &op_flatten && !p->in.vec) {
            span[0] = p->in.h, span[1] = p->in.w;
            break;
        }
        if (!p->out.vec && !(p->out.h == 1 && p->out.w == 1)) /* a tensor with a grid */
            break;
        if (p->op == &op_dense || p->op == &op_global_avgpool || p->op == &op_global_maxpool)
            break;
    }
    if (l->inputs[0] == VAL_INPUT)
        span[0] = l->in.h, span[1] = l->in.w;
    for (int ax = 0; ax < 2; ax++) {
        long long rf = l->rf[ax] + (long long)(span[ax] - 1) * l->jump[ax];
        long long j = (long long)l->jump[ax] * span[ax];
        l->rf[ax] = rf > (1 << 30) ? (1 << 30) : (int)rf;
        l->jump[ax] = j > (1 << 30) ? (1 << 30) : (int)j;
    }
}

/* weight [units][N] (nn.Linear's), bias [units] */
static int tensors(const Layer *l, TensorDesc *t)
{
    int n = 0;
    if (l->nweight)
        t[n++] = (TensorDesc){"weight", 2, {l->units, shape_size(l->in), 0, 0}, l->nweight, T_WEIGHT};
    if (l->nbias)
        t[n++] = (TensorDesc){"bias", 1, {l->nbias, 0, 0, 0}, l->nbias, T_BIAS};
    return n;
}

static void fans(const Layer *l, long long *fan_in, long long *fan_out)
{
    *fan_in = shape_size(l->in);
    *fan_out = l->units;
}

static void describe(const Layer *l, Buf *b)
{
    buf_printf(b, " %d%s", l->units, l->bias ? "" : " no-bias");
}

static void label(const Layer *l, Buf *b) { buf_printf(b, " %d", l->units); }

/* about 3 terms per forward MAC (forward, weight and input gradients) */
static long long full_cost(const Layer *l) { return 3 * l->macs + 2 * shape_size(l->out); }
static long long kernel_taps(const Layer *l) { return shape_size(l->in); }

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    char expr[512], act[700];
    snprintf(expr, sizeof expr, "F.linear(x.reshape(x.shape[0], -1), m[\"%s\"].weight, m[\"%s\"].bias)",
             l->name, l->name);
    pl(b, 2, "x = %s", act_py(drop_act ? ACT_NONE : l->act, l->alpha, expr, act, sizeof act));
}

/* ---------------------------------------------------------------- C emitters */

#define LANES 16      /* fixed in the templates' lane reduction (16 -> 8 -> 4 -> 2 -> 1) */
#define ROWS 8        /* forward rows per block */
#define NV 4          /* backward vectors per step of the first loop */


/* templates/layer_dense_fwd_row.c for row r of the block starting at row o */
static void fwd_row(Emitter *e, Buf *rows, const Layer *l, int r, int I)
{
    int I16 = I / LANES * LANES;
    char init[80], o[64];
    Buf tail = {0};
    Emitter s = emit_sub(e, &tail);
    for (int i = I16; i < I; i++)
        emitf(&s, "t[%d] += w[%s] * in[%d];", i - I16, lx(r * I + i, I, "o", 0, NULL), i);
    sfmt(o, sizeof o, "%s", lx(r, 1, "o", 0, NULL));
    sfmt(init, sizeof init, l->nbias ? "b[%s]" : "0", o);
    Hole h[] = {{"real", e->real, 0}, {"r", hnum(r), 0}, {"tail", buf_text(&tail), 0},
                {"init", init, 0}, {"o", o, 0}, {"out", act_expr(e, l->act, l->alpha, "s"), 0}};
    emit_template_into(e, rows, "layer_dense_fwd_row.c", h, 6);
    buf_free(&tail);
}

/* templates/layer_dense_fwd_block.c (and _fwd_main.c) for `rows` rows from row o */
static void fwd_block(Emitter *e, Buf *block, const Layer *l, int rows, int I)
{
    const char *V = e->P;
    int I16 = I / LANES * LANES;
    Buf accs = {0}, zero = {0}, fmas = {0}, mainb = {0}, rowb = {0};
    Emitter a = emit_sub(e, &accs), z = emit_sub(e, &zero), f = emit_sub(e, &fmas);
    for (int r = 0; r < rows; r++) {
        emitf(&a, "%s_vec a%d[%d / %s_VL];", V, r, LANES, V);
        emitf(&z, "a%d[q] = vz;", r);
        emitf(&f, "wv = %s_VLD(w + %s + i + q * %s_VL);", V, lx(r * I, I, "o", 0, NULL), V);
        emitf(&f, "a%d[q] += wv * x;", r);
        fwd_row(e, &rowb, l, r, I);
    }
    if (I16) {
        Hole h[] = {{"end", hnum(I16), 0}, {"fmas", buf_text(&fmas), 0}};
        emit_template_into(e, &mainb, "layer_dense_fwd_main.c", h, 2);
    }
    Hole h[] = {{"accs", buf_text(&accs), 0}, {"zero", buf_text(&zero), 0}, {"main", buf_text(&mainb), 0},
                {"rows", buf_text(&rowb), 0}};
    emit_template_into(e, block, "layer_dense_fwd_block.c", h, 4);
    buf_free(&accs);
    buf_free(&zero);
    buf_free(&fmas);
    buf_free(&mainb);
    buf_free(&rowb);
}

static void fwd_loops(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    int nfull = O / ROWS, rem = O % ROWS;
    Buf blocks = {0}, rest = {0}, block = {0}, rblock = {0};
    if (nfull) {
        fwd_block(e, &block, l, ROWS, I);
        Hole h[] = {{"end", hnum(nfull * ROWS), 0}, {"rows", hnum(ROWS), 0}, {"block", buf_text(&block), 0}};
        emit_template_into(e, &blocks, "layer_dense_fwd_blocks.c", h, 3);
    }
    if (rem) {
        fwd_block(e, &rblock, l, rem, I);
        Hole h[] = {{"o0", hnum(nfull * ROWS), 0}, {"block", buf_text(&rblock), 0}};
        emit_template_into(e, &rest, "layer_dense_fwd_rest.c", h, 2);
    }
    Hole h[] = {{"blocks", buf_text(&blocks), 0}, {"rest", buf_text(&rest), 0}};
    emit_template(e, "layer_dense_fwd.c", h, 2);
    buf_free(&blocks);
    buf_free(&rest);
    buf_free(&block);
    buf_free(&rblock);
}

/* the lanes' sum as the generated loops add them: T(r, s) = (T(r, 2s) + T(r + s, 2s)),
 * T(r, 16) = lane r = (0 + w[o][r] * in[r] + w[o][r + 16] * in[r + 16] + ...) */
static void lane_tree(Buf *t, int o, int I, int r, int s)
{
    if (s == LANES) {
        buf_puts(t, "(0");
        for (int i = r; i < I; i += LANES)
            buf_printf(t, " + w[%d] * in[%d]", o * I + i, i);
        buf_puts(t, ")");
        return;
    }
    buf_puts(t, "(");
    lane_tree(t, o, I, r, 2 * s);
    buf_puts(t, " + ");
    lane_tree(t, o, I, r + s, 2 * s);
    buf_puts(t, ")");
}

static void fwd_full(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    Buf t = {0};
    if (l->act != ACT_NONE)
        emitf(e, "%s s;", e->real);
    for (int o = 0; o < O; o++) {
        t.len = 0;
        if (l->act != ACT_NONE)
            buf_puts(&t, "s = ");
        else
            buf_printf(&t, "out[%d] = ", o);
        buf_printf(&t, "%s", l->nbias ? "b[" : "0");
        if (l->nbias)
            buf_printf(&t, "%d]", o);
        buf_puts(&t, " + ");
        lane_tree(&t, o, I, 0, 1);
        buf_puts(&t, ";");
        emit_long(e, t.data);
        if (l->act != ACT_NONE)
            emitf(e, "out[%d] = %s;", o, act_expr(e, l->act, l->alpha, "s"));
    }
    buf_free(&t);
}

static void forward(Emitter *e, const Layer *l)
{
    if (l->unroll == U_FULL)
        fwd_full(e, l);
    else
        fwd_loops(e, l);
}

/* templates/layer_dense_gw_vec.c for vectors 0 .. nv - 1 */
static void gw_vecs(Emitter *e, Buf *b, int nv)
{
    for (int q = 0; q < nv; q++) {
        Hole h[] = {{"q", hnum(q), 0}};
        emit_template_into(e, b, "layer_dense_gw_vec.c", h, 1);
    }
}

/* templates/layer_dense_bwd_params.c */
static void bwd_params_loops(Emitter *e, const Layer *l, int O, int I)
{
    Buf vecs = {0}, vec1 = {0};
    gw_vecs(e, &vecs, NV);
    gw_vecs(e, &vec1, 1);
    Hole h[] = {{"real", e->real, 0}, {"units", hnum(O), 0}, {"row", lx(0, I, "o", 0, NULL), 0},
                {"n", hnum(I), 0}, {"nv", hnum(NV), 0}, {"vecs", buf_text(&vecs), 0}, {"vec1", buf_text(&vec1), 0},
                {"bias", l->nbias ? "gb[o] += go;" : "", 0}};
    emit_template(e, "layer_dense_bwd_params.c", h, 8);
    buf_free(&vecs);
    buf_free(&vec1);
}

/* templates/layer_dense_gin_vec.c for nv vectors */
static void gin_vec(Emitter *e, Buf *b, int nv, int O, int I)
{
    const char *V = e->P;
    Buf sums = {0}, fmas = {0}, stores = {0};
    Emitter s = emit_sub(e, &sums), f = emit_sub(e, &fmas), st = emit_sub(e, &stores);
    for (int q = 0; q < nv; q++) {
        emitf(&s, "%s_vec s%d = vz;", V, q);
        emitf(&f, "const %s_vec w%d = %s_VLD(w + o * %d + i + %d * %s_VL);", V, q, V, I, q, V);
        emitf(&f, "s%d += w%d * go;", q, q);
        emitf(&st, "%s_VST(gin + i + %d * %s_VL, s%d);", V, q, V, q);
    }
    Hole h[] = {{"real", e->real, 0}, {"units", hnum(O), 0}, {"sums", buf_text(&sums), 0},
                {"fmas", buf_text(&fmas), 0}, {"stores", buf_text(&stores), 0}};
    emit_template_into(e, b, "layer_dense_gin_vec.c", h, 5);
    buf_free(&sums);
    buf_free(&fmas);
    buf_free(&stores);
}

/* templates/layer_dense_bwd_input.c */
static void bwd_input_loops(Emitter *e, int O, int I)
{
    Buf vecs = {0}, vec1 = {0};
    gin_vec(e, &vecs, NV, O, I);
    gin_vec(e, &vec1, 1, O, I);
    Hole h[] = {{"real", e->real, 0}, {"units", hnum(O), 0}, {"n", hnum(I), 0}, {"nv", hnum(NV), 0},
                {"vecs", buf_text(&vecs), 0}, {"vec1", buf_text(&vec1), 0}};
    emit_template(e, "layer_dense_bwd_input.c", h, 6);
    buf_free(&vecs);
    buf_free(&vec1);
}

static void backward(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    Buf t = {0};
    if (e->part == PART_BWD_PARAMS) {
        if (l->unroll != U_FULL) {
            bwd_params_loops(e, l, O, I);
            return;
        }
        for (int o = 0; o < O; o++) {
            for (int i = 0; i < I; i++)
                emitf(e, "gw[%d] += g[%d] * in[%d];", o * I + i, o, i);
            if (l->nbias)
                emitf(e, "gb[%d] += g[%d];", o, o);
        }
        return;
    }
    /* PART_BWD_INPUT */
    if (l->unroll != U_FULL) {
        bwd_input_loops(e, O, I);
        return;
    }
    for (int i = 0; i < I; i++) {
        t.len = 0;
        buf_printf(&t, "gin[%d] = 0", i);
        for (int o = 0; o < O; o++)
            buf_printf(&t, " + w[%d] * g[%d]", o * I + i, o);
        buf_puts(&t, ";");
        emit_long(e, t.data);
    }
    buf_free(&t);
}

const OpDef op_dense = {
    .name = "dense", .fields = fields, .required = required,
    .stem = "fc", .flags = OPF_FUSED_ACT, .color = "#d9ead3", .infer = infer,
    .tensors = tensors, .fans = fans, .describe = describe, .label = label,
    .full_cost = full_cost, .kernel_taps = kernel_taps, .kernel_max = UNROLL_KERNEL_MAX_IN,
    .arrays = arrays_weighted, .emit_forward = forward, .emit_backward = backward,
    .pytorch = pytorch,
};
