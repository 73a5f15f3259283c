/* ops/conv2d_loops.c - C emitters for conv2d (cross-correlation, stride, dilation, any
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
 * can vectorize them.
 *
 * full: one statement per output, generated here. kernel and none without the fast
 * path (ops/conv2d_fast.c, which the schedule picks where it applies): the whole
 * bodies templates/layer_conv_fwd.c, layer_conv_input.c and layer_conv_params.c,
 * written in `none` mode; for `kernel` the "loops" section below spells the taps
 * out into their walk and body blocks. */
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"

Conv conv_of(const Layer *l)
{
    Conv c;
    c.g = win_of(l);
    c.C = l->in.c / l->groups;     /* one group (emit.c calls it once per group) */
    c.K = l->out.c / l->groups;
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

void conv_free(Conv *c)
{
    free(c->ilo); free(c->ihi); free(c->jlo); free(c->jhi);
}

/* ---------------------------------------------------------------- loops
 * unroll `kernel` and `none` off the fast path: templates/layer_conv_fwd.c,
 * layer_conv_input.c and layer_conv_params.c. Their samples are `none` mode; for
 * `kernel` the code below spells the taps out (the statements whose number follows
 * the kernel), in the same order. */

/* the templates' constants: the sizes, and the window's geometry */
static const char *consts(const Conv *c)
{
    const Win *g = &c->g;
    char *s = text_alloc(256);
    sfmt(s, 256, "enum { K = %d, C = %d, H = %d, W = %d, OH = %d, OW = %d, KH = %d, KW = %d };\n"
         "enum { SH = %d, SW = %d, DH = %d, DW = %d, PT = %d, PL = %d };",
         c->K, c->C, g->H, g->W, g->OH, g->OW, g->KH, g->KW, g->SH, g->SW, g->DH, g->DW,
         g->T, g->L);
    return s;
}

/* " + n", " - n" or "" */
static const char *plus(long long n)
{
    char *s = text_alloc(32);
    if (n)
        sfmt(s, 32, " %c %lld", n < 0 ? '-' : '+', n < 0 ? -n : n);
    else
        s[0] = 0;
    return s;
}

/* a range table's line (lo[N], hi[N]), for the rows or cols line hole; "" when no tap
 * reads padding that way (the loops then run over every row or column) */
static const char *range_tables(Emitter *e, int padded, const char *lo, const char *hi,
                                const char *N, const int *vlo, const int *vhi, int n)
{
    if (!padded)
        return "";
    Buf t = {0}, w = {0};
    buf_printf(&t, "static const int %s[%s] = {", lo, N);
    for (int q = 0; q < n; q++)
        buf_printf(&t, "%s%d", q ? ", " : "", vlo[q]);
    buf_printf(&t, "}, %s[%s] = {", hi, N);
    for (int q = 0; q < n; q++)
        buf_printf(&t, "%s%d", q ? ", " : "", vhi[q]);
    buf_puts(&t, "};");
    Emitter s = emit_sub_at(e, &w, e->indent);   /* the tables open the function */
    emit_long(&s, t.data);
    buf_free(&t);
    return buf_to_text(&w);
}

/* The holes every loop template has: consts, rows, cols, and the loops over the rows
 * and columns a tap reads inside the input (NULL: the sample's table loops). */
static int common_holes(Emitter *e, const Conv *c, int kernel, Hole *h)
{
    int n = 0;
    h[n++] = (Hole){"consts", consts(c), 0};
    h[n++] = (Hole){"rows", kernel ? "" : range_tables(e, c->rows_padded, "ilo", "ihi", "KH",
                                                    c->ilo, c->ihi, c->g.KH), 0};
    h[n++] = (Hole){"cols", kernel ? "" : range_tables(e, c->cols_padded, "jlo", "jhi", "KW",
                                                    c->jlo, c->jhi, c->g.KW), 0};
    h[n++] = (Hole){"jloop", kernel || c->cols_padded ? NULL : "for (int j = 0; j < OW; j++)", 0};
    return n;
}

/* The output columns [lo, hi) where tap column v reads inside the input: "0" and "OW"
 * when it is every column. */
static void jbounds(const Conv *c, int v, const char **lo, const char **hi)
{
    *lo = c->jlo[v] ? hnum(c->jlo[v]) : "0";
    *hi = c->jhi[v] == c->g.OW ? "OW" : hnum(c->jhi[v]);
}

/* The window walk of `kernel` mode (the walk hole of layer_conv_fwd.c and
 * layer_conv_input.c): the taps of filter k, input channel c spelled out. x points to
 * the input row tap row u reads (of in, or of gin for the input gradient); the
 * forward gathers o[j] += weight * x[col], the input gradient scatters
 * x[col] += weight * gr[j]. A tap row that only some output rows read inside the input
 * goes in an `if` on i. */
static const char *walk_kernel(Emitter *e, const Conv *c, int scatter)
{
    const Win *g = &c->g;
    Buf b = {0};
    Emitter s = emit_sub(e, &b);
    int rows = 0;
    for (int u = 0; u < g->KH; u++)
        rows += c->ihi[u] > c->ilo[u];
    if (rows) {
        emitf(&s, "const %s *restrict wc = w + (k * C + c) * KH * KW;", e->real);
        emitf(&s, "%s%s *x;", scatter ? "" : "const ", e->real);
    }
    for (int u = 0; u < g->KH; u++) {
        if (c->ihi[u] <= c->ilo[u])
            continue;
        int guard = c->ilo[u] > 0 || c->ihi[u] < g->OH;
        if (guard) {
            if (c->ilo[u] > 0 && c->ihi[u] < g->OH)
                emitf(&s, "if (i >= %d && i < %d) {", c->ilo[u], c->ihi[u]);
            else if (c->ilo[u] > 0)
                emitf(&s, "if (i >= %d) {", c->ilo[u]);
            else
                emitf(&s, "if (i < %d) {", c->ihi[u]);
            s.indent++;
        }
        emitf(&s, "x = %s + (c * H + i * SH%s) * W;", scatter ? "gin" : "in",
              plus(u * g->DH - g->T));
        /* the input gradient with the row's taps in registers, one gradient value gv at
         * a time, j descending: each element then gets its terms in the order of the
         * per-tap loops (v ascending), so the same bits. The columns where every tap
         * reads inside the input [J0, J1) are a loop; the few where some tap reads
         * padding are spelled out with the taps that read inside. */
        int J0 = 0, J1 = g->OW;
        for (int v = 0; v < g->KW; v++) {
            J0 = c->jlo[v] > J0 ? c->jlo[v] : J0;
            J1 = c->jhi[v] < J1 ? c->jhi[v] : J1;
        }
        if (scatter && g->KW <= 8 && J0 < J1) {
            for (int j = g->OW - 1; j >= 0; j--) {
                if (j == J1 - 1) {      /* the loop over the inner columns */
                    emitf(&s, "for (int j = %s; j >= %d; j--) {", J1 == g->OW ? "OW - 1" : hnum(J1 - 1), J0);
                    s.indent++;
                    emitf(&s, "const %s gv = gr[j];", e->real);
                    for (int v = 0; v < g->KW; v++)
                        emitf(&s, "x[j * SW%s] += wc[%d] * gv;", plus(v * g->DW - g->L), u * g->KW + v);
                    s.indent--;
                    emitf(&s, "}");
                    j = J0;
                    continue;
                }
                for (int v = 0; v < g->KW; v++)
                    if (j >= c->jlo[v] && j < c->jhi[v])
                        emitf(&s, "x[%d] += wc[%d] * gr[%d];", j * g->SW + v * g->DW - g->L,
                              u * g->KW + v, j);
            }
            if (guard) {
                s.indent--;
                emitf(&s, "}");
            }
            continue;
        }
        for (int v = 0; v < g->KW; v++) {
            if (c->jhi[v] <= c->jlo[v])
                continue;
            const char *lo, *hi, *col = plus(v * g->DW - g->L);
            jbounds(c, v, &lo, &hi);
            emitf(&s, "for (int j = %s; j < %s; j++)", lo, hi);
            if (scatter)
                emitf(&s, "    x[j * SW%s] += wc[%d] * gr[j];", col, u * g->KW + v);
            else
                emitf(&s, "    o[j] += wc[%d] * x[j * SW%s];", u * g->KW + v, col);
        }
        if (guard) {
            s.indent--;
            emitf(&s, "}");
        }
    }
    e->failed |= s.failed;
    return buf_to_text(&b);
}

/* templates/layer_conv_fwd.c or layer_conv_input.c */
void walk_loops(Emitter *e, const Layer *l, const Conv *c, int kernel, int input_grad)
{
    Hole h[8];
    int n = common_holes(e, c, kernel, h);
    h[n++] = (Hole){"walk", kernel ? walk_kernel(e, c, input_grad) : NULL, 0};
    h[n++] = (Hole){"skip", kernel || c->rows_padded ? NULL : "", 0};
    if (input_grad) {
        emit_template(e, "layer_conv_input.c", h, n);
        return;
    }
    h[n++] = (Hole){"init", l->nbias ? NULL : "o[j] = 0;", 0};
    const char *act = "";
    if (l->act != ACT_NONE) {
        char *t = text_alloc(MAX_NAME * 4 + 128);
        sfmt(t, MAX_NAME * 4 + 128, "for (int j = 0; j < OW; j++)\n    o[j] = %s;",
             act_expr(e, l->act, l->alpha, "o[j]"));
        act = t;
    }
    h[n++] = (Hole){"act", act, 0};
    emit_template(e, "layer_conv_fwd.c", h, n);
}

/* ---------------------------------------------------------------- forward */

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
    else if (l->fast[PART_FWD])
        conv_fast_fwd(e, l, &c, 0);
    else
        walk_loops(e, l, &c, l->unroll == U_KERNEL, 0);
    conv_free(&c);
}

/* ---------------------------------------------------------------- dL/dparams */

/* `kernel` mode, no tap reads padding (the body hole of layer_conv_params.c): every
 * tap's sum together, s<t>, from one read of the gradient gv per output; x is the
 * input at the window's top-left tap. */
static void params_ilp(Emitter *s, const Conv *c)
{
    const Win *g = &c->g;
    int taps = g->KH * g->KW;
    Buf t = {0};
    emitf(s, "const %s *restrict xc = in + c * H * W;", s->real);
    emitf(s, "%s *restrict gc = gw + (k * C + c) * KH * KW;", s->real);
    buf_printf(&t, "%s ", s->real);
    for (int q = 0; q < taps; q++)
        buf_printf(&t, "%ss%d = 0", q ? ", " : "", q);
    buf_puts(&t, ";");
    emit_long(s, t.data);
    emitf(s, "for (int i = 0; i < OH; i++)");
    emitf(s, "    for (int j = 0; j < OW; j++) {");
    emitf(s, "        const %s gv = gk[i * OW + j];", s->real);
    emitf(s, "        const %s *x = xc + i * SH * W + j * SW%s;", s->real,
          plus(-((long long)g->T * g->W + g->L)));   /* no padding read: PT = PL = 0 */
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++)
            emitf(s, "        s%d += gv * x[%d];", u * g->KW + v, u * g->DH * g->W + v * g->DW);
    emitf(s, "    }");
    for (int q = 0; q < taps; q++)
        emitf(s, "gc[%d] += s%d;", q, q);
    buf_free(&t);
}

/* `kernel` mode with padding: per tap, its sum over the outputs that read it inside
 * the input. */
static void params_taps(Emitter *s, const Conv *c)
{
    const Win *g = &c->g;
    emitf(s, "const %s *restrict xc = in + c * H * W;", s->real);
    emitf(s, "%s *restrict gc = gw + (k * C + c) * KH * KW;", s->real);
    emitf(s, "%s s;", s->real);
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++) {
            emitf(s, "s = 0;");
            if (c->ihi[u] > c->ilo[u] && c->jhi[v] > c->jlo[v]) {
                const char *lo, *hi;
                jbounds(c, v, &lo, &hi);
                emitf(s, "for (int i = %s; i < %s; i++)", c->ilo[u] ? hnum(c->ilo[u]) : "0",
                      c->ihi[u] == g->OH ? "OH" : hnum(c->ihi[u]));
                emitf(s, "    for (int j = %s; j < %s; j++)", lo, hi);
                int r = u * g->DH - g->T;
                emitf(s, "        s += gk[i * OW + j] * xc[%s * W + j * SW%s];",
                      r ? text_fmt("(i * SH%s)", plus(r)) : "i * SH", plus(v * g->DW - g->L));
            }
            emitf(s, "gc[%d] += s;", u * g->KW + v);
        }
}

/* templates/layer_conv_params.c */
static void params_loops(Emitter *e, const Layer *l, const Conv *c, int kernel)
{
    Hole h[8];
    int n = common_holes(e, c, kernel, h);
    const char *body = NULL;
    if (kernel) {
        Buf b = {0};
        Emitter s = emit_sub_at(e, &b, e->indent + 2);  /* the body sits two levels in */
        if (!c->rows_padded && !c->cols_padded)
            params_ilp(&s, c);
        else
            params_taps(&s, c);
        e->failed |= s.failed;
        body = buf_to_text(&b);
    }
    h[n++] = (Hole){"body", body, 0};
    h[n++] = (Hole){"iloop", kernel || c->rows_padded ? NULL : "for (int i = 0; i < OH; i++) {", 0};
    h[n++] = (Hole){"bias", l->nbias ? NULL : "", 0};
    emit_template(e, "layer_conv_params.c", h, n);
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
        else if (l->fast[PART_BWD_PARAMS]) {
            /* the vector fast path; without vectors its channels-in-lanes layout only
             * costs scratch, so the loops (the same sums in the same order) */
            emitf(e, "#if %s_VECTORS", e->P);
            conv_fast_params(e, l, &c);
            emitf(e, "#else");
            emitf(e, "(void)scratch;");
            params_loops(e, l, &c, l->unroll == U_KERNEL);
            emitf(e, "#endif");
        } else
            params_loops(e, l, &c, l->unroll == U_KERNEL);
    } else {
        if (l->unroll == U_FULL)
            input_full(e, &c);
        else if (l->fast[PART_BWD_INPUT])
            conv_fast_fwd(e, l, &c, 1);
        else
            walk_loops(e, l, &c, l->unroll == U_KERNEL, 1);
    }
    conv_free(&c);
}

/* The schedule's question (OpDef.scratch): does the part take the fast path (stride 1,
 * `kernel` mode, an exact padded geometry, and its tiles within FAST_MAX_SCRATCH
 * bytes), and how many elements of workspace scratch does it then use (0: none). */
