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
 * constant-bound loops over GNU C vectors (the file's preamble; one lane in plain C):
 * templates/layer_dense_fwd.c (several rows at a time over 16 lanes of inputs),
 * layer_dense_bwd_params.c and layer_dense_bwd_input.c (over the contiguous inputs in
 * vectors), whole bodies with the sizes as named constants. Only the statements
 * repeated once per row or per vector, in varying number, are generated here into
 * their line holes. */
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
        t[n++] = (TensorDesc){"weight", 2, {l->units, shape_size(l->in), 0, 0}, l->nweight, T_WEIGHT, 0};
    if (l->nbias)
        t[n++] = (TensorDesc){"bias", 1, {l->nbias, 0, 0, 0}, l->nbias, T_BIAS, 0};
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


/* "o" or "o + r": row r of the block that starts at row o */
static const char *row_of(int r)
{
    char *s = text_alloc(32);
    if (r)
        sfmt(s, 32, "o + %d", r);
    else
        sfmt(s, 32, "o");
    return s;
}

/* "o * N" or "(o + r) * N": where row r of the block starts in w */
static const char *row_start(int r)
{
    char *s = text_alloc(40);
    sfmt(s, 40, r ? "(%s) * N" : "%s * N", row_of(r));
    return s;
}

/* One row's sum from its 16-lane accumulator acc (vectors): the lanes to t, the last
 * inputs (past the whole groups of 16) into their lanes, w at row start wrow and in at
 * xrow (prefixes of the index), then the pairwise lane sum into s onto the bias (bias:
 * its expression, or NULL) and the activation into dst. */
static void lane_sum(Emitter *e, const Layer *l, int I, const char *acc, const char *wrow,
                     const char *xrow, const char *s, const char *bias, const char *dst)
{
    const char *V = e->P;
    int I16 = I / LANES * LANES;
    emitf(e, "{");
    e->indent++;
    emitf(e, "%s t[16], %s;", e->real, s);
    emitf(e, "for (int q = 0; q < 16 / %s_VL; q++)", V);
    emitf(e, "    %s_VST(t + q * %s_VL, %s[q]);", V, V, acc);
    for (int i = I16; i < I; i++)
        emitf(e, "t[%d] += w[%s + %d] * in[%s%d];", i - I16, wrow, i, xrow, i);
    emitf(e, "%s = %s;", s, bias ? bias : "0");
    emitf(e, "for (int q = 0; q < 8; q++)");
    emitf(e, "    t[q] += t[q + 8];");
    emitf(e, "for (int q = 0; q < 4; q++)");
    emitf(e, "    t[q] += t[q + 4];");
    emitf(e, "t[0] += t[2];");
    emitf(e, "t[1] += t[3];");
    emitf(e, "%s += t[0] + t[1];", s);
    emitf(e, "%s = %s;", dst, act_expr(e, l->act, l->alpha, s));
    e->indent--;
    emitf(e, "}");
}

/* A block of `rows` rows from row o (templates/layer_dense_fwd.c shows one): the
 * accumulators, the loop over the whole groups of 16 inputs, then per row the lanes
 * to scalars, the last (fewer than 16) inputs added to their lanes, the pairwise lane
 * sum onto the bias, and the activation. */
static void fwd_block(Emitter *e, const Layer *l, int rows, int I)
{
    const char *V = e->P;
    int I16 = I / LANES * LANES;
    for (int r = 0; r < rows; r++)
        emitf(e, "%s_vec a%d[16 / %s_VL];", V, r, V);
    emitf(e, "for (int q = 0; q < 16 / %s_VL; q++) {", V);
    for (int r = 0; r < rows; r++)
        emitf(e, "    a%d[q] = vz;", r);
    emitf(e, "}");
    if (I16) {
        emitf(e, "for (int i = 0; i < N16; i += 16) {");
        emitf(e, "    for (int q = 0; q < 16 / %s_VL; q++) {", V);
        emitf(e, "        %s_vec x, wv;", V);
        emitf(e, "        x = %s_VLD(in + i + q * %s_VL);", V, V);
        for (int r = 0; r < rows; r++) {
            emitf(e, "        wv = %s_VLD(w + %s + i + q * %s_VL);", V, row_start(r), V);
            emitf(e, "        a%d[q] += wv * x;", r);
        }
        emitf(e, "    }");
        emitf(e, "}");
    }
    for (int r = 0; r < rows; r++)
        lane_sum(e, l, I, text_fmt("a%d", r), row_start(r), "", "s",
                 l->nbias ? text_fmt("b[%s]", row_of(r)) : NULL, text_fmt("out[%s]", row_of(r)));
}

/* Without vectors: one row at a time, its 16 lanes as the scalars t0..t15 (the registers
 * of a scalar FPU), the sums of fwd_block in the same order. */
static void fwd_scalar(Emitter *e, const Layer *l, int I)
{
    int I16 = I / LANES * LANES;
    emitf(e, "for (int o = 0; o < UNITS; o++) {");
    e->indent++;
    emitf(e, "const %s *wr = w + o * N;", e->real);
    emitf(e, "%s s, t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0,", e->real);
    emitf(e, "    t8 = 0, t9 = 0, t10 = 0, t11 = 0, t12 = 0, t13 = 0, t14 = 0, t15 = 0;");
    if (I16) {
        emitf(e, "for (int i = 0; i < N16; i += 16) {");
        for (int q = 0; q < LANES; q++)
            emitf(e, "    t%d += wr[i + %d] * in[i + %d];", q, q, q);
        emitf(e, "}");
    }
    for (int i = I16; i < I; i++)
        emitf(e, "t%d += wr[%d] * in[%d];", i - I16, i, i);
    emitf(e, "s = %s;", l->nbias ? "b[o]" : "0");
    for (int q = 0; q < 8; q++)
        emitf(e, "t%d += t%d;", q, q + 8);
    for (int q = 0; q < 4; q++)
        emitf(e, "t%d += t%d;", q, q + 4);
    emitf(e, "t0 += t2;");
    emitf(e, "t1 += t3;");
    emitf(e, "s += t0 + t1;");
    emitf(e, "out[o] = %s;", act_expr(e, l->act, l->alpha, "s"));
    e->indent--;
    emitf(e, "}");
}

/* P_<name>_fwd_batch's body: n samples, RB rows x SB samples at a time (SB by the
 * vector width, so that the RB * SB sums fit the registers), each weight vector loaded
 * once for SB samples and each input vector once for RB rows; every (row, sample) sum
 * in fwd_block's order (16 lanes over the inputs, the last inputs into their lanes, the
 * pairwise lane sum onto the bias), so each sample gets P_<name>_fwd's bits. The
 * samples past the last whole SB go one at a time through the same code. */
static void fwd_batch_block(Emitter *e, const Layer *l, int rb, int sb, int I)
{
    const char *V = e->P;
    int I16 = I / LANES * LANES;
    emitf(e, "for (; s0 + %d <= n; s0 += %d)", sb, sb);
    emitf(e, "    for (int o = 0; o < UNITS; o += %d) {", rb);
    e->indent += 2;
    for (int r = 0; r < rb; r++)
        for (int q = 0; q < sb; q++)
            emitf(e, "%s_vec a%d_%d[16 / %s_VL];", V, r, q, V);
    emitf(e, "for (int q = 0; q < 16 / %s_VL; q++) {", V);
    for (int r = 0; r < rb; r++)
        for (int q = 0; q < sb; q++)
            emitf(e, "    a%d_%d[q] = vz;", r, q);
    emitf(e, "}");
    if (I16) {
        emitf(e, "for (int i = 0; i < N16; i += 16)");
        emitf(e, "    for (int q = 0; q < 16 / %s_VL; q++) {", V);
        for (int q = 0; q < sb; q++)
            emitf(e, "        const %s_vec x%d = %s_VLD(in + (s0 + %d) * N + i + q * %s_VL);", V, q, V, q, V);
        emitf(e, "        %s_vec wv;", V);
        for (int r = 0; r < rb; r++) {
            emitf(e, "        wv = %s_VLD(w + (o + %d) * N + i + q * %s_VL);", V, r, V);
            for (int q = 0; q < sb; q++)
                emitf(e, "        a%d_%d[q] += wv * x%d;", r, q, q);
        }
        emitf(e, "    }");
    }
    for (int r = 0; r < rb; r++)
        for (int q = 0; q < sb; q++)
            lane_sum(e, l, I, text_fmt("a%d_%d", r, q), text_fmt("(o + %d) * N", r),
                     text_fmt("(s0 + %d) * N + ", q), "sum", l->nbias ? text_fmt("b[o + %d]", r) : NULL,
                     text_fmt("out[(s0 + %d) * UNITS + o + %d]", q, r));
    e->indent -= 2;
    emitf(e, "    }");
}

static void forward_batch(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    int rb = O % 4 == 0 ? 4 : O % 3 == 0 ? 3 : O % 2 == 0 ? 2 : 1;
    emitf(e, "enum { UNITS = %d, N = %d, N16 = %d };", O, I, I / LANES * LANES);
    emitf(e, "const %s_vec vz = {0};", e->P);
    emitf(e, "int s0 = 0;");
    /* RB = rb rows x SB samples of 16 lanes: 16 vectors of sums with AVX-512 (SB 4), 16
     * with AVX2 (SB 2); one sample at a time otherwise and for the last samples */
    emitf(e, "#if %s_VBYTES >= 64", e->P);
    fwd_batch_block(e, l, rb, 4, I);
    emitf(e, "#elif %s_VBYTES >= 32", e->P);
    fwd_batch_block(e, l, rb, 2, I);
    emitf(e, "#endif");
    fwd_batch_block(e, l, rb, 1, I);
}

/* templates/layer_dense_fwd.c */
static void fwd_loops(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    int nfull = O / ROWS, rem = O % ROWS;
    char consts[160];
    sfmt(consts, sizeof consts, "enum { UNITS = %d, N = %d, ROWS = %d, FULL = %d, N16 = %d };",
         O, I, ROWS, nfull * ROWS, I / LANES * LANES);
    Buf blocks = {0}, rest = {0};
    Emitter sb = emit_sub(e, &blocks), sr = emit_sub(e, &rest);
    if (nfull) {
        emitf(&sb, "for (int o = 0; o < FULL; o += ROWS) {");
        sb.indent++;
        fwd_block(&sb, l, ROWS, I);
        sb.indent--;
        emitf(&sb, "}");
    }
    if (rem) {
        emitf(&sr, "{");
        sr.indent++;
        emitf(&sr, "const int o = FULL;");
        fwd_block(&sr, l, rem, I);
        sr.indent--;
        emitf(&sr, "}");
    }
    Buf scalar = {0};
    Emitter ss = emit_sub(e, &scalar);
    fwd_scalar(&ss, l, I);
    e->failed |= sb.failed | sr.failed | ss.failed;
    Hole h[] = {{"consts", consts, 0}, {"blocks", buf_text(&blocks), 0},
                {"rest", buf_text(&rest), 0}, {"scalar", buf_text(&scalar), 0}};
    emit_template(e, "layer_dense_fwd.c", h, 4);
    buf_free(&blocks);
    buf_free(&rest);
    buf_free(&scalar);
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

/* the constants of the backward templates */
static const char *bwd_consts(int O, int I)
{
    char *s = text_alloc(96);
    sfmt(s, 96, "enum { UNITS = %d, N = %d, NV = %d };", O, I, NV);
    return s;
}

/* gr += go * in for vectors 0 .. nv - 1 from i (layer_dense_bwd_params.c's vecs) */
static void gw_vecs(Emitter *e, Buf *b, int nv)
{
    const char *V = e->P;
    Emitter s = emit_sub(e, b);
    for (int q = 0; q < nv; q++) {
        emitf(&s, "%s_vec x%d, r%d;", V, q, q);
        emitf(&s, "x%d = %s_VLD(in + i + %d * %s_VL);", q, V, q, V);
        emitf(&s, "r%d = %s_VLD(gr + i + %d * %s_VL);", q, V, q, V);
        emitf(&s, "r%d += go * x%d;", q, q);
        emitf(&s, "%s_VST(gr + i + %d * %s_VL, r%d);", V, q, V, q);
    }
    e->failed |= s.failed;
}

/* templates/layer_dense_bwd_params.c */
static void bwd_params_loops(Emitter *e, const Layer *l, int O, int I)
{
    Buf vecs = {0}, vec1 = {0};
    gw_vecs(e, &vecs, NV);
    gw_vecs(e, &vec1, 1);
    Hole h[] = {{"consts", bwd_consts(O, I), 0}, {"vecs", buf_text(&vecs), 0},
                {"vec1", buf_text(&vec1), 0}, {"bias", l->nbias ? "gb[o] += go;" : "", 0}};
    emit_template(e, "layer_dense_bwd_params.c", h, 4);
    buf_free(&vecs);
    buf_free(&vec1);
}

/* the sums of nv vectors of gin from i over the rows (layer_dense_bwd_input.c's vecs) */
static void gin_vec(Emitter *e, Buf *b, int nv)
{
    const char *V = e->P;
    Emitter s = emit_sub(e, b);
    for (int q = 0; q < nv; q++)
        emitf(&s, "%s_vec s%d = vz;", V, q);
    emitf(&s, "for (o = 0; o < UNITS; o++) {");
    emitf(&s, "    const %s go = g[o];", e->real);
    for (int q = 0; q < nv; q++) {
        emitf(&s, "    const %s_vec w%d = %s_VLD(w + o * N + i + %d * %s_VL);", V, q, V, q, V);
        emitf(&s, "    s%d += w%d * go;", q, q);
    }
    emitf(&s, "}");
    for (int q = 0; q < nv; q++)
        emitf(&s, "%s_VST(gin + i + %d * %s_VL, s%d);", V, q, V, q);
    e->failed |= s.failed;
}

/* templates/layer_dense_bwd_input.c */
static void bwd_input_loops(Emitter *e, int O, int I)
{
    Buf vecs = {0}, vec1 = {0};
    gin_vec(e, &vecs, NV);
    gin_vec(e, &vec1, 1);
    Hole h[] = {{"consts", bwd_consts(O, I), 0}, {"vecs", buf_text(&vecs), 0},
                {"vec1", buf_text(&vec1), 0}};
    emit_template(e, "layer_dense_bwd_input.c", h, 3);
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
    .pytorch = pytorch, .emit_forward_batch = forward_batch,
};
