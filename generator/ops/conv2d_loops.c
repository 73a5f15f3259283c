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
 * path (ops/conv2d_fast.c, which the schedule picks where it applies): the bodies of templates/layer_conv_fwd.c, layer_conv_input.c and
 * layer_conv_params.c (with layer_conv_params_*.c), filled by the "loops" section
 * below; the forward and the input gradient share one window walk,
 * layer_conv_walk*.c, and every tap is a layer_conv_tap.c. */
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"

Conv conv_of(const Layer *l)
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

void conv_free(Conv *c)
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

/* The output columns j (rows i) [lo, hi) where tap column v (row u) reads inside the
 * input, as hole text: all of them without padding, the jlo/jhi (ilo/ihi) tables
 * inside the loop over the taps (v < 0), else constants. */
typedef struct Range { char lo[16], hi[16]; } Range;

static Range range(int padded, int n, const char *tlo, const char *thi, int lo, int hi)
{
    Range r;
    if (padded && tlo) {
        sfmt(r.lo, sizeof r.lo, "%s", tlo);
        sfmt(r.hi, sizeof r.hi, "%s", thi);
    } else {
        sfmt(r.lo, sizeof r.lo, "%d", padded ? lo : 0);
        sfmt(r.hi, sizeof r.hi, "%d", padded ? hi : n);
    }
    return r;
}

static Range jrange(const Conv *c, int v)
{
    if (v < 0)
        return range(c->cols_padded, c->g.OW, "jlo[v]", "jhi[v]", 0, 0);
    return range(c->cols_padded, c->g.OW, NULL, NULL, c->jlo[v], c->jhi[v]);
}

static Range irange(const Conv *c, int u)
{
    if (u < 0)
        return range(c->rows_padded, c->g.OH, "ilo[u]", "ihi[u]", 0, 0);
    return range(c->rows_padded, c->g.OH, NULL, NULL, c->ilo[u], c->ihi[u]);
}

/* `if (...) {` for the output rows i where tap row u is inside the input: only the
 * bounds that cut (a bound the loop already implies would be a constant condition),
 * around the tap row's text: templates/layer_conv_walk_guard.c */
static void emit_row_guard(Emitter *e, const Conv *c, int u, const char *row)
{
    char cond[48];
    if (c->ilo[u] > 0 && c->ihi[u] < c->g.OH)
        sfmt(cond, sizeof cond, "i >= %d && i < %d", c->ilo[u], c->ihi[u]);
    else if (c->ilo[u] > 0)
        sfmt(cond, sizeof cond, "i >= %d", c->ilo[u]);
    else
        sfmt(cond, sizeof cond, "i < %d", c->ihi[u]);
    Hole h[] = {{"cond", cond, 0}, {"row", row, 0}};
    emit_template(e, "layer_conv_walk_guard.c", h, 2);
}

/* ---------------------------------------------------------------- loops
 * unroll `kernel` and `none` without the fast path: the templates/layer_conv_*.c
 * bodies (fwd, input, params) with holes filled here. A hole whose text is itself a
 * template, or generated per tap, is written to a Buf through a sub-emitter. */

/* emit_long (and emit_int_table) wrap by the whole indent, so hole text from them is
 * wrapped for the indent the hole lands at (wrapped_sub: depth levels below e's);
 * wrapped_into appends it to b. */
static Emitter wrapped_sub(const Emitter *e, Buf *t, int depth)
{
    return emit_sub_at(e, t, e->indent + depth);
}

static void wrapped_into(Emitter *e, Emitter *s, Buf *b)
{
    e->failed |= s->failed;
    buf_puts(b, buf_text(s->b));
}

/* The tap range tables (none mode: the loops over the taps read them) into b. */
static void tables_into(Emitter *e, const Conv *c, int kernel, Buf *b)
{
    if (kernel)
        return;
    Buf t = {0};
    Emitter s = wrapped_sub(e, &t, 0);
    tables(&s, c, 1, 1);
    wrapped_into(e, &s, b);
    buf_free(&t);
}

/* templates/layer_conv_tap.c: acc += a * b over the output columns of r. */
static void emit_tap(Emitter *e, Range r, const char *acc, const char *a, const char *b)
{
    Hole h[] = {{"lo", r.lo, 0}, {"hi", r.hi, 0}, {"acc", acc, 0}, {"a", a, 0}, {"b", b, 0}};
    emit_template(e, "layer_conv_tap.c", h, 5);
}

/* The window walk is the same in the forward and the input gradient; x points into
 * the input (forward, read) or its gradient (written), and the statement gathers
 * o[j] += weight * x[col] or scatters x[col] += weight * gr[j]. */
typedef struct Walk {
    int scatter;              /* the input gradient: x[col] += weight * gr[j] */
    const char *xtype, *x0;   /* the type x points to; in or gin */
} Walk;

static void walk_tap(Emitter *e, const Walk *w, Range r, const char *wt, const char *col)
{
    char x[600];
    sfmt(x, sizeof x, "x[%s]", col);
    if (w->scatter)
        emit_tap(e, r, x, wt, "gr[j]");
    else
        emit_tap(e, r, "o[j]", wt, x);
}

/* none mode: templates/layer_conv_walk.c */
static void walk_none(Emitter *e, const Conv *c, const Walk *w, Buf *out)
{
    const Win *g = &c->g;
    Buf tap = {0}, skip = {0};
    Emitter s = emit_sub(e, &tap);
    walk_tap(&s, w, jrange(c, -1), "wr[v]", lx(-g->L, g->SW, "j", g->DW, "v", 0, NULL));
    e->failed |= s.failed;
    if (c->rows_padded)
        emit_template_into(e, &skip, "layer_conv_walk_skip.c", NULL, 0);
    Hole h[] = {{"KH", hnum(g->KH), 0}, {"skip", buf_text(&skip), 0}, {"xtype", w->xtype, 0},
                {"x0", w->x0, 0}, {"xrow", lx(-g->T, g->H, "c", g->SH, "i", g->DH, "u", 0, NULL), 0},
                {"W", hnum(g->W), 0}, {"real", e->real, 0},
                {"wrow", lx(0, c->C * g->KH, "k", g->KH, "c", 1, "u", 0, NULL), 0},
                {"KW", hnum(g->KW), 0}, {"tap", buf_text(&tap), 0}};
    emit_template_into(e, out, "layer_conv_walk.c", h, 10);
    buf_free(&tap);
    buf_free(&skip);
}

/* kernel mode, tap row u: templates/layer_conv_walk_row.c, guarded when only some
 * output rows read it inside the input */
static void walk_row(Emitter *e, const Conv *c, const Walk *w, int u)
{
    const Win *g = &c->g;
    Buf taps = {0}, row = {0};
    Emitter s = emit_sub(e, &taps);
    for (int v = 0; v < g->KW; v++)
        if (c->jhi[v] > c->jlo[v]) {
            char wt[24];
            sfmt(wt, sizeof wt, "wc[%d]", u * g->KW + v);
            walk_tap(&s, w, jrange(c, v), wt, lx(v * g->DW - g->L, g->SW, "j", 0, NULL));
        }
    e->failed |= s.failed;
    Hole h[] = {{"x0", w->x0, 0}, {"xrow", lx(u * g->DH - g->T, g->H, "c", g->SH, "i", 0, NULL), 0},
                {"W", hnum(g->W), 0}, {"taps", buf_text(&taps), 0}};
    if (c->ilo[u] > 0 || c->ihi[u] < g->OH) {
        emit_template_into(e, &row, "layer_conv_walk_row.c", h, 4);
        emit_row_guard(e, c, u, buf_text(&row));
    } else {
        emit_template(e, "layer_conv_walk_row.c", h, 4);
    }
    buf_free(&taps);
    buf_free(&row);
}

/* kernel mode: templates/layer_conv_walk_kernel.c, the tap rows some output reads */
static void walk_kernel(Emitter *e, const Conv *c, const Walk *w, Buf *out)
{
    const Win *g = &c->g;
    Buf rows = {0};
    Emitter s = emit_sub(e, &rows);
    for (int u = 0; u < g->KH; u++)
        if (c->ihi[u] > c->ilo[u])
            walk_row(&s, c, w, u);
    e->failed |= s.failed;
    Hole h[] = {{"real", e->real, 0},
                {"wc", lx(0, c->C * g->KH * g->KW, "k", g->KH * g->KW, "c", 0, NULL), 0},
                {"xtype", w->xtype, 0}, {"rows", buf_text(&rows), 0}};
    emit_template_into(e, out, "layer_conv_walk_kernel.c", h, 4);
    buf_free(&rows);
}

static void walk(Emitter *e, const Conv *c, const Walk *w, int kernel, Buf *out)
{
    if (kernel)
        walk_kernel(e, c, w, out);
    else
        walk_none(e, c, w, out);
}

/* ---------------------------------------------------------------- forward */

/* templates/layer_conv_fwd.c */
static void fwd_loops(Emitter *e, const Layer *l, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    char xt[MAX_NAME + 32];
    sfmt(xt, sizeof xt, "const %s", e->real);
    Walk w = {0, xt, "in"};
    Buf tab = {0}, wk = {0}, act = {0};
    tables_into(e, c, kernel, &tab);
    walk(e, c, &w, kernel, &wk);
    if (l->act != ACT_NONE) {
        Hole a[] = {{"OW", hnum(g->OW), 0}, {"act", act_expr(e, l->act, l->alpha, "o[j]"), 0}};
        emit_template_into(e, &act, "layer_conv_act.c", a, 2);
    }
    Hole h[] = {{"uv", kernel ? "" : "u, v, ", 0}, {"tables", buf_text(&tab), 0},
                {"K", hnum(c->K), 0}, {"OH", hnum(g->OH), 0}, {"real", e->real, 0},
                {"orow", lx(0, g->OH * g->OW, "k", g->OW, "i", 0, NULL), 0},
                {"OW", hnum(g->OW), 0}, {"init", l->nbias ? "b[k]" : "0", 0},
                {"C", hnum(c->C), 0}, {"walk", buf_text(&wk), 0}, {"act", buf_text(&act), 0}};
    emit_template(e, "layer_conv_fwd.c", h, 11);
    buf_free(&tab);
    buf_free(&wk);
    buf_free(&act);
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
    else if (l->fast[PART_FWD])
        conv_fast_fwd(e, l, &c, 0);
    else
        fwd_loops(e, l, &c, l->unroll == U_KERNEL);
    conv_free(&c);
}

/* ---------------------------------------------------------------- dL/dparams */

/* none mode: templates/layer_conv_params_walk.c */
static void params_walk(Emitter *e, const Conv *c, Buf *out)
{
    const Win *g = &c->g;
    int taps = g->KH * g->KW;
    char x[600];
    Buf tap = {0};
    Emitter s = emit_sub(e, &tap);
    sfmt(x, sizeof x, "x[%s]", lx(-g->L, g->SW, "j", g->DW, "v", 0, NULL));
    emit_tap(&s, jrange(c, -1), "s", "gr[j]", x);
    e->failed |= s.failed;
    Range r = irange(c, -1);
    Hole h[] = {{"KH", hnum(g->KH), 0}, {"KW", hnum(g->KW), 0}, {"real", e->real, 0},
                {"lo", r.lo, 0}, {"hi", r.hi, 0}, {"grow", lx(0, g->OW, "i", 0, NULL), 0},
                {"xrow", lx(-g->T, g->H, "c", g->SH, "i", g->DH, "u", 0, NULL), 0},
                {"W", hnum(g->W), 0}, {"tap", buf_text(&tap), 0},
                {"gw", lx(0, c->C * taps, "k", taps, "c", g->KW, "u", 1, "v", 0, NULL), 0}};
    emit_template_into(e, out, "layer_conv_params_walk.c", h, 10);
    buf_free(&tap);
}

/* kernel mode, tap (u, v): templates/layer_conv_params_tap.c, its sum over the
 * output rows (layer_conv_params_rows.c) only when some output reads it inside */
static void params_tap(Emitter *e, const Conv *c, int u, int v)
{
    const Win *g = &c->g;
    Buf sum = {0};
    if (c->ihi[u] > c->ilo[u] && c->jhi[v] > c->jlo[v]) {
        char a[600], b[600];
        Buf tap = {0};
        Emitter s = emit_sub(e, &tap);
        sfmt(a, sizeof a, "gk[%s]", lx(0, g->OW, "i", 1, "j", 0, NULL));
        sfmt(b, sizeof b, "xc[%s]", lx((u * g->DH - g->T) * g->W + v * g->DW - g->L,
                                        g->SH * g->W, "i", g->SW, "j", 0, NULL));
        emit_tap(&s, jrange(c, v), "s", a, b);
        e->failed |= s.failed;
        Range r = irange(c, u);
        Hole h[] = {{"lo", r.lo, 0}, {"hi", r.hi, 0}, {"tap", buf_text(&tap), 0}};
        emit_template_into(e, &sum, "layer_conv_params_rows.c", h, 3);
        buf_free(&tap);
    }
    Hole h[] = {{"sum", buf_text(&sum), 0}, {"t", hnum(u * g->KW + v), 0}};
    emit_template(e, "layer_conv_params_tap.c", h, 2);
    buf_free(&sum);
}

/* kernel mode with some padding: templates/layer_conv_params_taps.c */
static void params_taps(Emitter *e, const Conv *c, Buf *out)
{
    const Win *g = &c->g;
    int taps = g->KH * g->KW;
    Buf t = {0};
    Emitter s = emit_sub(e, &t);
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++)
            params_tap(&s, c, u, v);
    e->failed |= s.failed;
    Hole h[] = {{"real", e->real, 0}, {"xc", lx(0, g->H * g->W, "c", 0, NULL), 0},
                {"gc", lx(0, c->C * taps, "k", taps, "c", 0, NULL), 0}, {"taps", buf_text(&t), 0}};
    emit_template_into(e, out, "layer_conv_params_taps.c", h, 4);
    buf_free(&t);
}

/* kernel mode without padding: templates/layer_conv_params_ilp.c, one sum per tap */
static void params_ilp(Emitter *e, const Conv *c, Buf *out)
{
    const Win *g = &c->g;
    int taps = g->KH * g->KW;
    Buf sums = {0}, acc = {0}, store = {0}, t = {0}, w = {0};
    /* the sums' declaration lands inside the loops over k and c */
    Emitter s = wrapped_sub(e, &w, 2), a = emit_sub(e, &acc), st = emit_sub(e, &store);
    buf_printf(&t, "%s ", e->real);
    for (int q = 0; q < taps; q++)
        buf_printf(&t, "%ss%d = 0", q ? ", " : "", q);
    buf_puts(&t, ";");
    emit_long(&s, t.data);
    wrapped_into(e, &s, &sums);
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++)
            emitf(&a, "s%d += gv * x[%d];", u * g->KW + v, u * g->DH * g->W + v * g->DW);
    for (int q = 0; q < taps; q++)
        emitf(&st, "gc[%d] += s%d;", q, q);
    Hole h[] = {{"real", e->real, 0}, {"xc", lx(0, g->H * g->W, "c", 0, NULL), 0},
                {"gc", lx(0, c->C * taps, "k", taps, "c", 0, NULL), 0}, {"sums", buf_text(&sums), 0},
                {"OH", hnum(g->OH), 0}, {"OW", hnum(g->OW), 0},
                {"gidx", lx(0, g->OW, "i", 1, "j", 0, NULL), 0},
                {"xoff", lx(-g->T * g->W - g->L, g->SH * g->W, "i", g->SW, "j", 0, NULL), 0},
                {"taps", buf_text(&acc), 0}, {"store", buf_text(&store), 0}};
    emit_template_into(e, out, "layer_conv_params_ilp.c", h, 10);
    buf_free(&sums);
    buf_free(&acc);
    buf_free(&store);
    buf_free(&t);
    buf_free(&w);
}

/* templates/layer_conv_params.c */
static void params_loops(Emitter *e, const Layer *l, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    Buf tab = {0}, bias = {0}, body = {0};
    tables_into(e, c, kernel, &tab);
    if (l->nbias) {
        Hole b[] = {{"real", e->real, 0}, {"n", hnum(g->OH * g->OW), 0}};
        emit_template_into(e, &bias, "layer_conv_params_bias.c", b, 2);
    }
    if (!kernel)
        params_walk(e, c, &body);
    else if (!c->rows_padded && !c->cols_padded)
        params_ilp(e, c, &body);
    else
        params_taps(e, c, &body);
    Hole h[] = {{"uv", kernel ? "" : "u, v, ", 0}, {"tables", buf_text(&tab), 0},
                {"K", hnum(c->K), 0}, {"real", e->real, 0},
                {"gk", lx(0, g->OH * g->OW, "k", 0, NULL), 0}, {"bias", buf_text(&bias), 0},
                {"C", hnum(c->C), 0}, {"body", buf_text(&body), 0}};
    emit_template(e, "layer_conv_params.c", h, 8);
    buf_free(&tab);
    buf_free(&bias);
    buf_free(&body);
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

/* templates/layer_conv_input.c */
static void input_loops(Emitter *e, const Conv *c, int kernel)
{
    const Win *g = &c->g;
    Walk w = {1, e->real, "gin"};
    Buf tab = {0}, wk = {0};
    tables_into(e, c, kernel, &tab);
    walk(e, c, &w, kernel, &wk);
    Hole h[] = {{"uv", kernel ? "" : "u, v, ", 0}, {"tables", buf_text(&tab), 0},
                {"N", hnum(c->C * g->H * g->W), 0}, {"K", hnum(c->K), 0},
                {"OH", hnum(g->OH), 0}, {"real", e->real, 0},
                {"orow", lx(0, g->OH * g->OW, "k", g->OW, "i", 0, NULL), 0},
                {"C", hnum(c->C), 0}, {"walk", buf_text(&wk), 0}};
    emit_template(e, "layer_conv_input.c", h, 9);
    buf_free(&tab);
    buf_free(&wk);
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
        else if (l->fast[PART_BWD_PARAMS])
            conv_fast_params(e, l, &c);
        else
            params_loops(e, l, &c, l->unroll == U_KERNEL);
    } else {
        if (l->unroll == U_FULL)
            input_full(e, &c);
        else if (l->fast[PART_BWD_INPUT])
            conv_fast_fwd(e, l, &c, 1);
        else
            input_loops(e, &c, l->unroll == U_KERNEL);
    }
    conv_free(&c);
}

/* The schedule's question (OpDef.scratch): does the part take the fast path (stride 1,
 * `kernel` mode, an exact padded geometry, and its tiles within FAST_MAX_SCRATCH
 * bytes), and how many elements of workspace scratch does it then use (0: none). */
