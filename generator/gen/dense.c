/* gen/dense.c - C emitters for dense (fully connected, weights [units][in] as
 * nn.Linear, optional bias, fused activation).
 *
 * Summation order (identical in every unroll mode):
 *   out[o]  = b[o] + sum over i of w[o][i] * in[i]
 *   gw[o][i] += g[o] * in[i];   gb[o] += g[o]
 *   gin[i]  = sum over o of w[o][i] * g[o]
 * Modes: full spells out every sum; kernel spells out each output's dot product
 * inside the loop over outputs (the backward is as in none); none keeps loops. The
 * forward loop computes four outputs at a time (four independent sums, each still
 * in the order above); the backward loops run over inputs innermost (contiguous,
 * vectorizable). */
#include "cnngen.h"

static void fwd_loops(Emitter *e, const Layer *l, int kernel)
{
    const char *R = e->real;
    int O = l->units, I = (int)shape_size(l->in);
    if (kernel) {
        Buf t = {0};
        emitf(e, "int o;");
        emitf(e, "for (o = 0; o < %d; o++) {", O);
        e->indent++;
        emitf(e, "const %s *restrict wr = w + %s;", R, lx(0, I, "o", 0, NULL));
        buf_printf(&t, "const %s s = ", R);
        int terms = 0;
        if (l->nbias) {
            buf_puts(&t, "b[o]");
            terms++;
        }
        for (int i = 0; i < I; i++)
            buf_printf(&t, "%swr[%d] * in[%d]", terms++ ? " + " : "", i, i);
        buf_puts(&t, ";");
        emit_long(e, t.data);
        buf_free(&t);
        emitf(e, "out[o] = %s;", act_expr(e, l->act, l->alpha, "s"));
        e->indent--;
        emitf(e, "}");
        return;
    }
    const char *b0 = l->nbias ? "b[o]" : "0";
    emitf(e, "int o, i;");
    int O4 = O - O % 4;
    if (O4) {
        emitf(e, "for (o = 0; o < %d; o += 4) {", O4);
        e->indent++;
        emitf(e, "const %s *restrict w0 = w + %s;", R, lx(0, I, "o", 0, NULL));
        emitf(e, "const %s *restrict w1 = w0 + %d;", R, I);
        emitf(e, "const %s *restrict w2 = w1 + %d;", R, I);
        emitf(e, "const %s *restrict w3 = w2 + %d;", R, I);
        if (l->nbias)
            emitf(e, "%s s0 = b[o], s1 = b[o + 1], s2 = b[o + 2], s3 = b[o + 3];", R);
        else
            emitf(e, "%s s0 = 0, s1 = 0, s2 = 0, s3 = 0;", R);
        emitf(e, "for (i = 0; i < %d; i++) {", I);
        emitf(e, "    const %s x = in[i];", R);
        emitf(e, "    s0 += w0[i] * x;");
        emitf(e, "    s1 += w1[i] * x;");
        emitf(e, "    s2 += w2[i] * x;");
        emitf(e, "    s3 += w3[i] * x;");
        emitf(e, "}");
        for (int q = 0; q < 4; q++) {
            char v[8];
            snprintf(v, sizeof v, "s%d", q);
            emitf(e, "out[o + %d] = %s;", q, act_expr(e, l->act, l->alpha, v));
        }
        e->indent--;
        emitf(e, "}");
        if (O4 == O)
            return;
    }
    emitf(e, "for (o = %d; o < %d; o++) {", O4, O);
    e->indent++;
    emitf(e, "const %s *restrict wr = w + %s;", R, lx(0, I, "o", 0, NULL));
    emitf(e, "%s s = %s;", R, b0);
    emitf(e, "for (i = 0; i < %d; i++)", I);
    emitf(e, "    s += wr[i] * in[i];");
    emitf(e, "out[o] = %s;", act_expr(e, l->act, l->alpha, "s"));
    e->indent--;
    emitf(e, "}");
}

static void fwd_full(Emitter *e, const Layer *l)
{
    int O = l->units, I = (int)shape_size(l->in);
    Buf t = {0};
    if (l->act != ACT_NONE)
        emitf(e, "%s s;", e->real);
    for (int o = 0; o < O; o++) {
        int terms = 0;
        t.len = 0;
        if (l->act != ACT_NONE)
            buf_puts(&t, "s = ");
        else
            buf_printf(&t, "out[%d] = ", o);
        if (l->nbias) {
            buf_printf(&t, "b[%d]", o);
            terms++;
        }
        for (int i = 0; i < I; i++)
            buf_printf(&t, "%sw[%d] * in[%d]", terms++ ? " + " : "", o * I + i, i);
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
        fwd_loops(e, l, l->unroll == U_KERNEL);
}

void gen_dense_backward(Emitter *e, const Layer *l)
{
    const char *R = e->real;
    int O = l->units, I = (int)shape_size(l->in);
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
        emitf(e, "for (i = 0; i < %d; i++)", I);
        emitf(e, "    gr[i] += go * in[i];");
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
            buf_printf(&t, "gin[%d] = ", i);
            for (int o = 0; o < O; o++)
                buf_printf(&t, "%sw[%d] * g[%d]", o ? " + " : "", o * I + i, o);
            buf_puts(&t, ";");
            emit_long(e, t.data);
        }
        buf_free(&t);
        return;
    }
    emitf(e, "int o, i;");
    emitf(e, "for (i = 0; i < %d; i++)", I);
    emitf(e, "    gin[i] = 0;");
    emitf(e, "for (o = 0; o < %d; o++) {", O);
    e->indent++;
    emitf(e, "const %s go = g[o];", R);
    emitf(e, "const %s *restrict wr = w + %s;", R, lx(0, I, "o", 0, NULL));
    emitf(e, "for (i = 0; i < %d; i++)", I);
    emitf(e, "    gin[i] += wr[i] * go;");
    e->indent--;
    emitf(e, "}");
}
