/* gen/dense.c - C emitters for dense (fully connected, weights [units][in] as
 * nn.Linear, optional bias, fused activation).
 *
 * Summation order (identical in every unroll mode and for every vector width):
 *   out[o]  = b[o] + (E + D), E = ((p[0] + p[8]) + (p[4] + p[12])) + ((p[2] + p[10]) +
 *             (p[6] + p[14])) and D the same with lanes 1, 9, 5, 13, 3, 11, 7, 15: a
 *             pairwise tree halving 16 -> 8 -> 4 -> 2 -> 1 (lane_tree); lane sum p[r] = 0 + the sum over
 *             i = r, r + 16, r + 32, ... (ascending) of w[o][i] * in[i]  (16 lanes,
 *             whatever the vectors' width)
 *   gw[o][i] += g[o] * in[i];   gb[o] += g[o]
 *   gin[i]  = 0 + sum over o (ascending) of w[o][i] * g[o]
 * Modes: full spells out every sum; none and kernel run the same constant-bound
 * loops over GNU C vectors (the file's preamble; one lane in plain C): the forward
 * computes several rows at a time over 16 lanes of inputs, the backward runs over
 * the inputs (contiguous) in vectors. */
#include "cnngen.h"

#define LANES 16
#define ROWS 8        /* forward rows per block */

static void fwd_block(Emitter *e, const Layer *l, int rows, const char *o0, int I)
{
    const char *R = e->real, *V = e->P;
    int I16 = I / LANES * LANES;
    for (int r = 0; r < rows; r++)
        emitf(e, "%s_vec a%d[%d / %s_VL];", V, r, LANES, V);
    emitf(e, "for (int q = 0; q < %d / %s_VL; q++) {", LANES, V);
    for (int r = 0; r < rows; r++)
        emitf(e, "    a%d[q] = vz;", r);
    emitf(e, "}");
    if (I16) {
        emitf(e, "for (int i = 0; i < %d; i += %d) {", I16, LANES);
        e->indent++;
        emitf(e, "for (int q = 0; q < %d / %s_VL; q++) {", LANES, V);
        e->indent++;
        emitf(e, "%s_vec x, wv;", V);
        emitf(e, "x = %s_VLD(in + i + q * %s_VL);", V, V);
        for (int r = 0; r < rows; r++) {
            emitf(e, "wv = %s_VLD(w + %s + i + q * %s_VL);", V, lx(r * I, I, o0, 0, NULL), V);
            emitf(e, "a%d[q] += wv * x;", r);
        }
        e->indent--;
        emitf(e, "}");
        e->indent--;
        emitf(e, "}");
    }
    for (int r = 0; r < rows; r++) {
        char ob[64], s[16];
        snprintf(ob, sizeof ob, "%s", lx(r, 1, o0, 0, NULL));
        emitf(e, "{");
        e->indent++;
        emitf(e, "%s t[%d], s;", R, LANES);
        emitf(e, "for (int q = 0; q < %d / %s_VL; q++)", LANES, V);
        emitf(e, "    %s_VST(t + q * %s_VL, a%d[q]);", V, V, r);
        for (int i = I16; i < I; i++)
            emitf(e, "t[%d] += w[%s] * in[%d];", i - I16, lx(r * I + i, I, o0, 0, NULL), i);
        if (l->nbias)
            emitf(e, "s = b[%s];", ob);
        else
            emitf(e, "s = 0;");
        emitf(e, "for (int q = 0; q < 8; q++)");
        emitf(e, "    t[q] += t[q + 8];");
        emitf(e, "for (int q = 0; q < 4; q++)");
        emitf(e, "    t[q] += t[q + 4];");
        emitf(e, "t[0] += t[2];");
        emitf(e, "t[1] += t[3];");
        emitf(e, "s += t[0] + t[1];");
        snprintf(s, sizeof s, "s");
        emitf(e, "out[%s] = %s;", ob, act_expr(e, l->act, l->alpha, s));
        e->indent--;
        emitf(e, "}");
    }
}

static void fwd_loops(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    emitf(e, "const %s_vec vz = {0};", e->P);
    int nfull = O / ROWS, rem = O % ROWS;
    if (nfull) {
        emitf(e, "for (int o = 0; o < %d; o += %d) {", nfull * ROWS, ROWS);
        e->indent++;
        fwd_block(e, l, ROWS, "o", I);
        e->indent--;
        emitf(e, "}");
    }
    if (rem) {
        emitf(e, "{");
        e->indent++;
        emitf(e, "const int o = %d;", nfull * ROWS);
        fwd_block(e, l, rem, "o", I);
        e->indent--;
        emitf(e, "}");
    }
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

void gen_dense_forward(Emitter *e, const Layer *l)
{
    if (l->unroll == U_FULL)
        fwd_full(e, l);
    else
        fwd_loops(e, l);
}

/* for (i...) over [0, n) in vectors of nv * VL, then single vectors, then scalars:
 * the loop heads; body(e, nvec or 0 for scalar, ctx) writes each body. */
typedef void (*VecBody)(Emitter *e, int nv, const void *ctx);

static void vec_loops(Emitter *e, int n, int nv, VecBody body, const void *ctx)
{
    const char *V = e->P;
    emitf(e, "for (i = 0; i + %d * %s_VL <= %d; i += %d * %s_VL) {", nv, V, n, nv, V);
    e->indent++;
    body(e, nv, ctx);
    e->indent--;
    emitf(e, "}");
    emitf(e, "for (; i + %s_VL <= %d; i += %s_VL) {", V, n, V);
    e->indent++;
    body(e, 1, ctx);
    e->indent--;
    emitf(e, "}");
    emitf(e, "for (; i < %d; i++) {", n);
    e->indent++;
    body(e, 0, ctx);
    e->indent--;
    emitf(e, "}");
}

typedef struct DCtx { int O, I; } DCtx;

static void gw_body(Emitter *e, int nv, const void *ctx)
{
    const char *V = e->P;
    (void)ctx;
    if (!nv) {
        emitf(e, "gr[i] += go * in[i];");
        return;
    }
    for (int q = 0; q < nv; q++) {
        emitf(e, "%s_vec x%d, r%d;", V, q, q);
        emitf(e, "x%d = %s_VLD(in + i + %d * %s_VL);", q, V, q, V);
        emitf(e, "r%d = %s_VLD(gr + i + %d * %s_VL);", q, V, q, V);
        emitf(e, "r%d += go * x%d;", q, q);
        emitf(e, "%s_VST(gr + i + %d * %s_VL, r%d);", V, q, V, q);
    }
}

static void gin_body(Emitter *e, int nv, const void *ctx)
{
    const DCtx *d = ctx;
    const char *V = e->P, *R = e->real;
    if (!nv) {
        emitf(e, "%s s = 0;", R);
        emitf(e, "for (o = 0; o < %d; o++)", d->O);
        emitf(e, "    s += w[o * %d + i] * g[o];", d->I);
        emitf(e, "gin[i] = s;");
        return;
    }
    for (int q = 0; q < nv; q++)
        emitf(e, "%s_vec s%d = vz;", V, q);
    emitf(e, "for (o = 0; o < %d; o++) {", d->O);
    e->indent++;
    emitf(e, "const %s go = g[o];", R);
    for (int q = 0; q < nv; q++) {
        emitf(e, "const %s_vec w%d = %s_VLD(w + o * %d + i + %d * %s_VL);", V, q, V, d->I, q, V);
        emitf(e, "s%d += w%d * go;", q, q);
    }
    e->indent--;
    emitf(e, "}");
    for (int q = 0; q < nv; q++)
        emitf(e, "%s_VST(gin + i + %d * %s_VL, s%d);", V, q, V, q);
}

void gen_dense_backward(Emitter *e, const Layer *l)
{
    const char *R = e->real;
    int O = l->units, I = (int)shape_size(l->in);
    DCtx d = {O, I};
    Buf t = {0};
    if (e->part == PART_BWD_PARAMS) {
        if (l->unroll == U_FULL) {
            for (int o = 0; o < O; o++) {
                for (int i = 0; i < I; i++)
                    emitf(e, "gw[%d] += g[%d] * in[%d];", o * I + i, o, i);
                if (l->nbias)
                    emitf(e, "gb[%d] += g[%d];", o, o);
            }
            return;
        }
        emitf(e, "int o, i;");
        emitf(e, "for (o = 0; o < %d; o++) {", O);
        e->indent++;
        emitf(e, "const %s go = g[o];", R);
        emitf(e, "%s *restrict gr = gw + %s;", R, lx(0, I, "o", 0, NULL));
        vec_loops(e, I, 4, gw_body, &d);
        if (l->nbias)
            emitf(e, "gb[o] += go;");
        e->indent--;
        emitf(e, "}");
        return;
    }
    /* PART_BWD_INPUT */
    if (l->unroll == U_FULL) {
        for (int i = 0; i < I; i++) {
            t.len = 0;
            buf_printf(&t, "gin[%d] = 0", i);
            for (int o = 0; o < O; o++)
                buf_printf(&t, " + w[%d] * g[%d]", o * I + i, o);
            buf_puts(&t, ";");
            emit_long(e, t.data);
        }
        buf_free(&t);
        return;
    }
    emitf(e, "const %s_vec vz = {0};", e->P);
    emitf(e, "int o, i;");
    vec_loops(e, I, 4, gin_body, &d);
}
