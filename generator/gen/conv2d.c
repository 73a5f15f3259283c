/* gen/conv2d.c - C emitters for conv2d (cross-correlation, stride, dilation, any
 * padding, optional bias, fused activation).
 *
 * Summation order (the same in every unroll mode, so all modes give identical
 * numbers):
 *   out[k][i][j]   = b[k] + sum over c, u, v (in that order) of w * in  (padded taps skipped)
 *   gw[k][c][u][v] += sum over i, j of g[k][i][j] * in[c][i*s + u*d - top][j*s + v*d - left]
 *   gb[k]          += sum over i, j of g[k][i][j]
 *   gin[c][y][x]   = sum over k, i, u, v, j of w[k][c][u][v] * g[k][i][j] (the full
 *                    convolution of the 180-degree rotated filter with g)
 * Loops run the output column j innermost (contiguous for stride 1) so the compiler
 * can vectorize them. */
#include <stdlib.h>
#include "cnngen.h"

typedef struct Conv {
    Win g;
    int C, K;
    int rows_padded, cols_padded;  /* some tap reads padding for some output */
    int *ilo, *ihi, *jlo, *jhi;    /* per tap u (v): valid output rows (cols) */
} Conv;

static Conv conv_of(const Layer *l)
{
    Conv c;
    c.g = win_of(l);
    c.C = l->in.c;
    c.K = l->out.c;
    c.ilo = malloc(sizeof(int) * (size_t)c.g.KH);
    c.ihi = malloc(sizeof(int) * (size_t)c.g.KH);
    c.jlo = malloc(sizeof(int) * (size_t)c.g.KW);
    c.jhi = malloc(sizeof(int) * (size_t)c.g.KW);
    c.rows_padded = c.cols_padded = 0;
    for (int u = 0; u < c.g.KH; u++) {
        win_irange(&c.g, u, &c.ilo[u], &c.ihi[u]);
        if (c.ilo[u] != 0 || c.ihi[u] != c.g.OH)
            c.rows_padded = 1;
    }
    for (int v = 0; v < c.g.KW; v++) {
        win_jrange(&c.g, v, &c.jlo[v], &c.jhi[v]);
        if (c.jlo[v] != 0 || c.jhi[v] != c.g.OW)
            c.cols_padded = 1;
    }
    return c;
}

static void conv_free(Conv *c)
{
    free(c->ilo); free(c->ihi); free(c->jlo); free(c->jhi);
}

static void tables(Emitter *e, const Conv *c, int rows, int cols)
{
    if (rows && c->rows_padded) {
        emit_int_table(e, "ilo", c->ilo, c->g.KH);
        emit_int_table(e, "ihi", c->ihi, c->g.KH);
    }
    if (cols && c->cols_padded) {
        emit_int_table(e, "jlo", c->jlo, c->g.KW);
        emit_int_table(e, "jhi", c->jhi, c->g.KW);
    }
}

/* "for (j = lo; j < hi; j++)" for tap v: from the table (loop v) or constants (v >= 0) */
static const char *jloop(const Conv *c, int v, char *s, size_t n)
{
    if (!c->cols_padded)
        snprintf(s, n, "for (j = 0; j < %d; j++)", c->g.OW);
    else if (v < 0)
        snprintf(s, n, "for (j = jlo[v]; j < jhi[v]; j++)");
    else
        snprintf(s, n, "for (j = %d; j < %d; j++)", c->jlo[v], c->jhi[v]);
    return s;
}

static const char *iloop(const Conv *c, int u, char *s, size_t n)
{
    if (!c->rows_padded)
        snprintf(s, n, "for (i = 0; i < %d; i++)", c->g.OH);
    else if (u < 0)
        snprintf(s, n, "for (i = ilo[u]; i < ihi[u]; i++)");
    else
        snprintf(s, n, "for (i = %d; i < %d; i++)", c->ilo[u], c->ihi[u]);
    return s;
}

/* ---------------------------------------------------------------- forward */

static void fwd_loops(Emitter *e, const Layer *l, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    const char *R = e->real;
    char s[128];
    if (kernel)
        emitf(e, "int k, i, c, j;");
    else
        emitf(e, "int k, i, c, u, v, j;");
    if (!kernel)
        tables(e, c, 1, 1);
    emitf(e, "for (k = 0; k < %d; k++) {", c->K);
    e->indent++;
    emitf(e, "for (i = 0; i < %d; i++) {", g->OH);
    e->indent++;
    emitf(e, "%s *restrict o = out + %s;", R, lx(0, g->OH * g->OW, "k", g->OW, "i", 0, NULL));
    emitf(e, "for (j = 0; j < %d; j++)", g->OW);
    emitf(e, "    o[j] = %s;", l->nbias ? "b[k]" : "0");
    emitf(e, "for (c = 0; c < %d; c++) {", c->C);
    e->indent++;
    if (!kernel) {
        emitf(e, "for (u = 0; u < %d; u++) {", g->KH);
        e->indent++;
        if (c->rows_padded) {
            emitf(e, "if (i < ilo[u] || i >= ihi[u])");
            emitf(e, "    continue;");
        }
        emitf(e, "const %s *restrict x = in + (%s) * %d;", R,
              lx(-g->T, g->H, "c", g->SH, "i", g->DH, "u", 0, NULL), g->W);
        emitf(e, "const %s *restrict wr = w + (%s) * %d;", R,
              lx(0, c->C * g->KH, "k", g->KH, "c", 1, "u", 0, NULL), g->KW);
        emitf(e, "for (v = 0; v < %d; v++)", g->KW);
        emitf(e, "    %s", jloop(c, -1, s, sizeof s));
        emitf(e, "        o[j] += wr[v] * x[%s];", lx(-g->L, g->SW, "j", g->DW, "v", 0, NULL));
        e->indent--;
        emitf(e, "}");
    } else {
        emitf(e, "const %s *restrict wc = w + %s;", R,
              lx(0, c->C * g->KH * g->KW, "k", g->KH * g->KW, "c", 0, NULL));
        emitf(e, "const %s *x;", R);
        for (int u = 0; u < g->KH; u++) {
            int guard = c->ilo[u] > 0 || c->ihi[u] < g->OH;
            if (c->ihi[u] <= c->ilo[u])
                continue;
            if (guard) {
                emitf(e, "if (i >= %d && i < %d) {", c->ilo[u], c->ihi[u]);
                e->indent++;
            }
            emitf(e, "x = in + (%s) * %d;", lx(u * g->DH - g->T, g->H, "c", g->SH, "i", 0, NULL),
                  g->W);
            for (int v = 0; v < g->KW; v++) {
                if (c->jhi[v] <= c->jlo[v])
                    continue;
                emitf(e, "%s", jloop(c, v, s, sizeof s));
                emitf(e, "    o[j] += wc[%d] * x[%s];", u * g->KW + v,
                      lx(v * g->DW - g->L, g->SW, "j", 0, NULL));
            }
            if (guard) {
                e->indent--;
                emitf(e, "}");
            }
        }
    }
    e->indent--;
    emitf(e, "}");
    if (l->act != ACT_NONE) {
        emitf(e, "for (j = 0; j < %d; j++)", g->OW);
        emitf(e, "    o[j] = %s;", act_expr(e, l->act, l->alpha, "o[j]"));
    }
    e->indent--;
    emitf(e, "}");
    e->indent--;
    emitf(e, "}");
}

static void fwd_full(Emitter *e, const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    Buf t = {0};
    if (l->act != ACT_NONE)
        emitf(e, "%s s;", e->real);
    for (int k = 0; k < c->K; k++)
        for (int i = 0; i < g->OH; i++)
            for (int j = 0; j < g->OW; j++) {
                int n = (k * g->OH + i) * g->OW + j, terms = 0;
                t.len = 0;
                if (t.data)
                    t.data[0] = 0;
                if (l->act != ACT_NONE)
                    buf_puts(&t, "s = ");
                else
                    buf_printf(&t, "out[%d] = ", n);
                if (l->nbias) {
                    buf_printf(&t, "b[%d]", k);
                    terms++;
                }
                for (int ch = 0; ch < c->C; ch++)
                    for (int u = 0; u < g->KH; u++) {
                        int r = i * g->SH + u * g->DH - g->T;
                        if (r < 0 || r >= g->H)
                            continue;
                        for (int v = 0; v < g->KW; v++) {
                            int col = j * g->SW + v * g->DW - g->L;
                            if (col < 0 || col >= g->W)
                                continue;
                            buf_printf(&t, "%sw[%d] * in[%d]", terms++ ? " + " : "",
                                       ((k * c->C + ch) * g->KH + u) * g->KW + v,
                                       (ch * g->H + r) * g->W + col);
                        }
                    }
                if (!terms)
                    buf_puts(&t, "0");
                buf_puts(&t, ";");
                emit_long(e, t.data);
                if (l->act != ACT_NONE)
                    emitf(e, "out[%d] = %s;", n, act_expr(e, l->act, l->alpha, "s"));
            }
    buf_free(&t);
}

void gen_conv2d_forward(Emitter *e, const Layer *l)
{
    Conv c = conv_of(l);
    if (l->unroll == U_FULL)
        fwd_full(e, l, &c);
    else
        fwd_loops(e, l, &c, l->unroll == U_KERNEL);
    conv_free(&c);
}

/* ---------------------------------------------------------------- dL/dparams */

static void params_loops(Emitter *e, const Layer *l, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    const char *R = e->real;
    char s[128];
    int taps = g->KH * g->KW;
    /* kernel mode without padding: all taps of a filter accumulate together */
    int ilp = kernel && !c->rows_padded && !c->cols_padded;
    if (!kernel)
        emitf(e, "int k, c, u, v, i, j;");
    else
        emitf(e, "int k, c, i, j;");
    if (!kernel)
        tables(e, c, 1, 1);
    emitf(e, "for (k = 0; k < %d; k++) {", c->K);
    e->indent++;
    emitf(e, "const %s *restrict gk = g + %s;", R, lx(0, g->OH * g->OW, "k", 0, NULL));
    if (l->nbias) {
        emitf(e, "%s sb = 0;", R);
        emitf(e, "for (i = 0; i < %d; i++)", g->OH * g->OW);
        emitf(e, "    sb += gk[i];");
        emitf(e, "gb[k] += sb;");
    }
    emitf(e, "for (c = 0; c < %d; c++) {", c->C);
    e->indent++;
    if (!kernel) {
        emitf(e, "for (u = 0; u < %d; u++) {", g->KH);
        emitf(e, "    for (v = 0; v < %d; v++) {", g->KW);
        e->indent += 2;
        emitf(e, "%s s = 0;", R);
        emitf(e, "%s {", iloop(c, -1, s, sizeof s));
        e->indent++;
        emitf(e, "const %s *restrict gr = gk + %s;", R, lx(0, g->OW, "i", 0, NULL));
        emitf(e, "const %s *restrict x = in + (%s) * %d;", R,
              lx(-g->T, g->H, "c", g->SH, "i", g->DH, "u", 0, NULL), g->W);
        emitf(e, "%s", jloop(c, -1, s, sizeof s));
        emitf(e, "    s += gr[j] * x[%s];", lx(-g->L, g->SW, "j", g->DW, "v", 0, NULL));
        e->indent--;
        emitf(e, "}");
        emitf(e, "gw[%s] += s;", lx(0, c->C * taps, "k", taps, "c", g->KW, "u", 1, "v", 0, NULL));
        e->indent -= 2;
        emitf(e, "    }");
        emitf(e, "}");
    } else if (ilp) {
        emitf(e, "const %s *restrict xc = in + %s;", R, lx(0, g->H * g->W, "c", 0, NULL));
        emitf(e, "%s *restrict gc = gw + %s;", R, lx(0, c->C * taps, "k", taps, "c", 0, NULL));
        Buf t = {0};
        buf_printf(&t, "%s ", R);
        for (int q = 0; q < taps; q++)
            buf_printf(&t, "%ss%d = 0", q ? ", " : "", q);
        buf_puts(&t, ";");
        emit_long(e, t.data);
        buf_free(&t);
        emitf(e, "for (i = 0; i < %d; i++)", g->OH);
        emitf(e, "    for (j = 0; j < %d; j++) {", g->OW);
        e->indent += 2;
        emitf(e, "const %s gv = gk[%s];", R, lx(0, g->OW, "i", 1, "j", 0, NULL));
        emitf(e, "const %s *x = xc + %s;", R, lx(-g->T * g->W - g->L, g->SH * g->W, "i", g->SW, "j", 0, NULL));
        for (int u = 0; u < g->KH; u++)
            for (int v = 0; v < g->KW; v++)
                emitf(e, "s%d += gv * x[%d];", u * g->KW + v, u * g->DH * g->W + v * g->DW);
        e->indent -= 2;
        emitf(e, "    }");
        for (int q = 0; q < taps; q++)
            emitf(e, "gc[%d] += s%d;", q, q);
    } else {
        emitf(e, "const %s *restrict xc = in + %s;", R, lx(0, g->H * g->W, "c", 0, NULL));
        emitf(e, "%s *restrict gc = gw + %s;", R, lx(0, c->C * taps, "k", taps, "c", 0, NULL));
        emitf(e, "%s s;", R);
        for (int u = 0; u < g->KH; u++)
            for (int v = 0; v < g->KW; v++) {
                emitf(e, "s = 0;");
                if (c->ihi[u] > c->ilo[u] && c->jhi[v] > c->jlo[v]) {
                    emitf(e, "%s", iloop(c, u, s, sizeof s));
                    emitf(e, "    %s", jloop(c, v, s, sizeof s));
                    emitf(e, "        s += gk[%s] * xc[%s];", lx(0, g->OW, "i", 1, "j", 0, NULL),
                          lx((u * g->DH - g->T) * g->W + v * g->DW - g->L, g->SH * g->W, "i",
                             g->SW, "j", 0, NULL));
                }
                emitf(e, "gc[%d] += s;", u * g->KW + v);
            }
    }
    e->indent--;
    emitf(e, "}");
    e->indent--;
    emitf(e, "}");
}

static void params_full(Emitter *e, const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    Buf t = {0};
    for (int k = 0; k < c->K; k++) {
        if (l->nbias) {
            t.len = 0;
            buf_printf(&t, "gb[%d] += ", k);
            for (int n = 0; n < g->OH * g->OW; n++)
                buf_printf(&t, "%sg[%d]", n ? " + " : "", k * g->OH * g->OW + n);
            buf_puts(&t, ";");
            emit_long(e, t.data);
        }
        for (int ch = 0; ch < c->C; ch++)
            for (int u = 0; u < g->KH; u++)
                for (int v = 0; v < g->KW; v++) {
                    int terms = 0;
                    t.len = 0;
                    buf_printf(&t, "gw[%d] += ", ((k * c->C + ch) * g->KH + u) * g->KW + v);
                    for (int i = 0; i < g->OH; i++) {
                        int r = i * g->SH + u * g->DH - g->T;
                        if (r < 0 || r >= g->H)
                            continue;
                        for (int j = 0; j < g->OW; j++) {
                            int col = j * g->SW + v * g->DW - g->L;
                            if (col < 0 || col >= g->W)
                                continue;
                            buf_printf(&t, "%sg[%d] * in[%d]", terms++ ? " + " : "",
                                       (k * g->OH + i) * g->OW + j, (ch * g->H + r) * g->W + col);
                        }
                    }
                    buf_puts(&t, ";");
                    if (terms)
                        emit_long(e, t.data);
                }
    }
    buf_free(&t);
}

/* ---------------------------------------------------------------- dL/dinput */

static void input_loops(Emitter *e, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    const char *R = e->real;
    char s[128];
    int taps = g->KH * g->KW;
    if (kernel)
        emitf(e, "int n, k, i, c, j;");
    else
        emitf(e, "int n, k, i, c, u, v, j;");
    if (!kernel)
        tables(e, c, 1, 1);
    emitf(e, "for (n = 0; n < %d; n++)", c->C * g->H * g->W);
    emitf(e, "    gin[n] = 0;");
    emitf(e, "for (k = 0; k < %d; k++) {", c->K);
    e->indent++;
    emitf(e, "for (i = 0; i < %d; i++) {", g->OH);
    e->indent++;
    emitf(e, "const %s *restrict gr = g + %s;", R, lx(0, g->OH * g->OW, "k", g->OW, "i", 0, NULL));
    emitf(e, "for (c = 0; c < %d; c++) {", c->C);
    e->indent++;
    if (!kernel) {
        emitf(e, "for (u = 0; u < %d; u++) {", g->KH);
        e->indent++;
        if (c->rows_padded) {
            emitf(e, "if (i < ilo[u] || i >= ihi[u])");
            emitf(e, "    continue;");
        }
        emitf(e, "%s *restrict x = gin + (%s) * %d;", R,
              lx(-g->T, g->H, "c", g->SH, "i", g->DH, "u", 0, NULL), g->W);
        emitf(e, "const %s *restrict wr = w + (%s) * %d;", R,
              lx(0, c->C * g->KH, "k", g->KH, "c", 1, "u", 0, NULL), g->KW);
        emitf(e, "for (v = 0; v < %d; v++)", g->KW);
        emitf(e, "    %s", jloop(c, -1, s, sizeof s));
        emitf(e, "        x[%s] += wr[v] * gr[j];", lx(-g->L, g->SW, "j", g->DW, "v", 0, NULL));
        e->indent--;
        emitf(e, "}");
    } else {
        emitf(e, "const %s *restrict wc = w + %s;", R,
              lx(0, c->C * taps, "k", taps, "c", 0, NULL));
        emitf(e, "%s *x;", R);
        for (int u = 0; u < g->KH; u++) {
            int guard = c->ilo[u] > 0 || c->ihi[u] < g->OH;
            if (c->ihi[u] <= c->ilo[u])
                continue;
            if (guard) {
                emitf(e, "if (i >= %d && i < %d) {", c->ilo[u], c->ihi[u]);
                e->indent++;
            }
            emitf(e, "x = gin + (%s) * %d;", lx(u * g->DH - g->T, g->H, "c", g->SH, "i", 0, NULL),
                  g->W);
            for (int v = 0; v < g->KW; v++) {
                if (c->jhi[v] <= c->jlo[v])
                    continue;
                emitf(e, "%s", jloop(c, v, s, sizeof s));
                emitf(e, "    x[%s] += wc[%d] * gr[j];", lx(v * g->DW - g->L, g->SW, "j", 0, NULL),
                      u * g->KW + v);
            }
            if (guard) {
                e->indent--;
                emitf(e, "}");
            }
        }
    }
    e->indent--;
    emitf(e, "}");
    e->indent--;
    emitf(e, "}");
    e->indent--;
    emitf(e, "}");
}

static void input_full(Emitter *e, const Conv *c)
{
    const Win *g = &c->g;
    Buf t = {0};
    for (int ch = 0; ch < c->C; ch++)
        for (int y = 0; y < g->H; y++)
            for (int x = 0; x < g->W; x++) {
                int terms = 0;
                t.len = 0;
                buf_printf(&t, "gin[%d] = ", (ch * g->H + y) * g->W + x);
                for (int k = 0; k < c->K; k++)
                    for (int i = 0; i < g->OH; i++) {
                        int du = y + g->T - i * g->SH;
                        if (du < 0 || du % g->DH)
                            continue;
                        int u = du / g->DH;
                        if (u >= g->KH)
                            continue;
                        for (int v = 0; v < g->KW; v++) {
                            int dj = x + g->L - v * g->DW;
                            if (dj < 0 || dj % g->SW)
                                continue;
                            int j = dj / g->SW;
                            if (j >= g->OW)
                                continue;
                            buf_printf(&t, "%sw[%d] * g[%d]", terms++ ? " + " : "",
                                       ((k * c->C + ch) * g->KH + u) * g->KW + v,
                                       (k * g->OH + i) * g->OW + j);
                        }
                    }
                if (!terms)
                    buf_puts(&t, "0");
                buf_puts(&t, ";");
                emit_long(e, t.data);
            }
    buf_free(&t);
}

void gen_conv2d_backward(Emitter *e, const Layer *l)
{
    Conv c = conv_of(l);
    if (e->part == PART_BWD_PARAMS) {
        if (l->unroll == U_FULL)
            params_full(e, l, &c);
        else
            params_loops(e, l, &c, l->unroll == U_KERNEL);
    } else {
        if (l->unroll == U_FULL)
            input_full(e, &c);
        else
            input_loops(e, &c, l->unroll == U_KERNEL);
    }
    conv_free(&c);
}
