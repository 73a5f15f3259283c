/* gen/pool.c - C emitters for maxpool, avgpool and l2pool (also used by the global
 * pools, see gen/global_pool.c).
 *
 * Windows are clipped to the input: padded cells never win a max and are not
 * summed. The max is the first maximum in row-major window order (as PyTorch); its
 * input index goes to am[] for the backward pass, which routes the gradient there.
 * avg divides by the number of input cells in the window, or with count_include_pad
 * by the cells inside the padded input (not the part of a ceil_mode window beyond the
 * padding, as PyTorch). l2 is sqrt(sum x^2); its gradient is g x / y (0 where y == 0).
 *
 * Order (identical in every unroll mode): window taps row-major; in the backward,
 * each input cell sums its contributions in output order.
 *
 * full: one statement per output / input cell (generated here). kernel and none: the
 * bodies of templates/layer_pool_max_fwd.c, layer_pool_sum_fwd.c (avg, l2),
 * layer_pool_sum_bwd.c and layer_pool_max_bwd.c; in mode none the window is the loop
 * of layer_pool_taps.c, in mode kernel its taps are generated (their number and
 * conditions depend on the window), the max's comparison being layer_pool_max_tap.c
 * in both. */
#include <stdlib.h>
#include "cnngen.h"

typedef struct Pool {
    Win g;
    int C;
    const OpDef *kind;              /* &op_maxpool, &op_avgpool, &op_l2pool */
    int *ulo, *uhi, *vlo, *vhi;     /* valid taps per output row / column */
    int *ilo, *ihi, *jlo, *jhi;     /* valid output rows / columns per tap */
    int *dr, *dc;                   /* divisor factors per output row / column */
    int rows_padded, cols_padded, div_const;
} Pool;

static int *ialloc(int n) { return malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)); }

static Pool pool_of(const Layer *l)
{
    Pool p;
    p.g = win_of(l);
    p.C = l->in.c;
    p.kind = l->op;
    const Win *g = &p.g;
    p.ulo = ialloc(g->OH); p.uhi = ialloc(g->OH); p.dr = ialloc(g->OH);
    p.vlo = ialloc(g->OW); p.vhi = ialloc(g->OW); p.dc = ialloc(g->OW);
    p.ilo = ialloc(g->KH); p.ihi = ialloc(g->KH);
    p.jlo = ialloc(g->KW); p.jhi = ialloc(g->KW);
    p.rows_padded = p.cols_padded = 0;
    int incl = l->op == &op_avgpool && l->count_include_pad;
    for (int i = 0; i < g->OH; i++) {
        win_rows(g, i, &p.ulo[i], &p.uhi[i]);
        if (p.ulo[i] != 0 || p.uhi[i] != g->KH)
            p.rows_padded = 1;
        p.dr[i] = p.uhi[i] - p.ulo[i];
        if (incl) {
            p.dr[i] = 0;
            for (int u = 0; u < g->KH; u++)
                if (i * g->SH + u * g->DH - g->T < g->H + l->pad[2])
                    p.dr[i]++;
        }
    }
    for (int j = 0; j < g->OW; j++) {
        win_cols(g, j, &p.vlo[j], &p.vhi[j]);
        if (p.vlo[j] != 0 || p.vhi[j] != g->KW)
            p.cols_padded = 1;
        p.dc[j] = p.vhi[j] - p.vlo[j];
        if (incl) {
            p.dc[j] = 0;
            for (int v = 0; v < g->KW; v++)
                if (j * g->SW + v * g->DW - g->L < g->W + l->pad[3])
                    p.dc[j]++;
        }
    }
    for (int u = 0; u < g->KH; u++)
        win_irange(g, u, &p.ilo[u], &p.ihi[u]);
    for (int v = 0; v < g->KW; v++)
        win_jrange(g, v, &p.jlo[v], &p.jhi[v]);
    p.div_const = 1;
    for (int i = 0; i < g->OH; i++)
        for (int j = 0; j < g->OW; j++)
            if (p.dr[i] * p.dc[j] != p.dr[0] * p.dc[0])
                p.div_const = 0;
    return p;
}

static void pool_free(Pool *p)
{
    free(p->ulo); free(p->uhi); free(p->vlo); free(p->vhi); free(p->dr); free(p->dc);
    free(p->ilo); free(p->ihi); free(p->jlo); free(p->jhi);
}

/* index in the channel plane of tap (U, V) of output (i, j); U/V NULL = 0 */
static const char *qexpr(const Win *g, const char *U, const char *V)
{
    static char s[4][256];
    static int k;
    char *r = s[k++ & 3];
    char a[128];
    snprintf(a, sizeof a, "%s", lx(-g->T, g->SH, "i", U ? g->DH : 0, U ? U : "u", 0, NULL));
    snprintf(r, 256, "(%s) * %d + %s", a, g->W,
             lx(-g->L, g->SW, "j", V ? g->DW : 0, V ? V : "v", 0, NULL));
    return r;
}

static const char *div_expr(const Emitter *e, const Pool *p)
{
    static char s[128];
    if (p->div_const)
        snprintf(s, sizeof s, "%s", rlit(e, (double)(p->dr[0] * p->dc[0])));
    else
        snprintf(s, sizeof s, "(%s)(dr[i] * dc[j])", e->real);
    return s;
}

/* the condition under which tap (u, v) is valid for output (i, j), or "" */
static const char *tap_cond(const Pool *p, int u, int v)
{
    static char s[160];
    char *q = s;
    size_t n = sizeof s;
    s[0] = 0;
#define ADD(...) do { int w_ = snprintf(q, n, "%s", q == s ? "" : " && "); q += w_; n -= w_; \
                      w_ = snprintf(q, n, __VA_ARGS__); q += w_; n -= w_; } while (0)
    if (p->ilo[u] > 0) ADD("i >= %d", p->ilo[u]);
    if (p->ihi[u] < p->g.OH) ADD("i < %d", p->ihi[u]);
    if (p->jlo[v] > 0) ADD("j >= %d", p->jlo[v]);
    if (p->jhi[v] < p->g.OW) ADD("j < %d", p->jhi[v]);
#undef ADD
    return s;
}

static int tap_never(const Pool *p, int u, int v)
{
    return p->ihi[u] <= p->ilo[u] || p->jhi[v] <= p->jlo[v];
}

/* ---------------------------------------------------------------- loop modes */

/* The holes all three loop templates (layer_pool_max_fwd.c, layer_pool_sum_fwd.c,
 * layer_pool_sum_bwd.c) share, as text. */
typedef struct Loop {
    char C[16], OH[16], OW[16], uv[8];
    char xoff[64], o[128];          /* channel c's plane offset, output index */
    char q0[160];                   /* kernel: the declaration of q0; none: "" */
    Buf tables;                     /* the lookup tables (static const int) */
} Loop;

/* The `tables` hole: with `ranges` the valid taps per output row / column where a
 * window overhangs, with `div` the divisor factors unless the divisor is constant.
 * emit_long wraps a table for the indent it lands at (the hole is at the template's
 * left edge, so e's indent). */
static void gen_tables(Emitter *e, const Pool *p, int ranges, int div, Buf *out)
{
    Emitter s = emit_sub_at(e, out, e->indent);
    if (ranges && p->rows_padded) {
        emit_int_table(&s, "ulo", p->ulo, p->g.OH);
        emit_int_table(&s, "uhi", p->uhi, p->g.OH);
    }
    if (ranges && p->cols_padded) {
        emit_int_table(&s, "vlo", p->vlo, p->g.OW);
        emit_int_table(&s, "vhi", p->vhi, p->g.OW);
    }
    if (div && !p->div_const) {
        emit_int_table(&s, "dr", p->dr, p->g.OH);
        emit_int_table(&s, "dc", p->dc, p->g.OW);
    }
    e->failed |= s.failed;
}

static Loop loop_of(Emitter *e, const Pool *p, int kernel, int div)
{
    const Win *g = &p->g;
    Loop L;
    sfmt(L.C, sizeof L.C, "%d", p->C);
    sfmt(L.OH, sizeof L.OH, "%d", g->OH);
    sfmt(L.OW, sizeof L.OW, "%d", g->OW);
    sfmt(L.uv, sizeof L.uv, "%s", kernel ? "" : ", u, v");
    sfmt(L.xoff, sizeof L.xoff, "%s", lx(0, g->H * g->W, "c", 0, NULL));
    sfmt(L.o, sizeof L.o, "%s", lx(0, g->OH * g->OW, "c", g->OW, "i", 1, "j", 0, NULL));
    L.q0[0] = 0;
    if (kernel)
        sfmt(L.q0, sizeof L.q0, "const int q0 = %s;",
             lx(-g->T * g->W - g->L, g->SH * g->W, "i", g->SW, "j", 0, NULL));
    L.tables = (Buf){0};
    gen_tables(e, p, !kernel, div, &L.tables);
    return L;
}

/* the shared holes into h (room for 9); returns their number */
static int loop_holes(const Emitter *e, const Loop *L, Hole *h)
{
    Hole c[] = {{"uv", L->uv, 0}, {"tables", buf_text(&L->tables), 0},
                {"C", L->C, 0}, {"OH", L->OH, 0}, {"OW", L->OW, 0}, {"real", e->real, 0},
                {"xoff", L->xoff, 0}, {"o", L->o, 0}, {"q0", L->q0, 0}};
    for (int k = 0; k < 9; k++)
        h[k] = c[k];
    return 9;
}

/* Mode none: templates/layer_pool_taps.c (the window as a loop) around `tap`, into b. */
static void taps_loop(Emitter *e, const Pool *p, const char *tap, Buf *b)
{
    const Win *g = &p->g;
    char uhi[16], vhi[16], q[256];
    if (p->rows_padded)
        sfmt(uhi, sizeof uhi, "uhi[i]");
    else
        sfmt(uhi, sizeof uhi, "%d", g->KH);
    if (p->cols_padded)
        sfmt(vhi, sizeof vhi, "vhi[j]");
    else
        sfmt(vhi, sizeof vhi, "%d", g->KW);
    sfmt(q, sizeof q, "%s", qexpr(g, "u", "v"));
    Hole h[] = {{"ulo", p->rows_padded ? "ulo[i]" : "0", 0}, {"uhi", uhi, 0},
                {"vlo", p->cols_padded ? "vlo[j]" : "0", 0}, {"vhi", vhi, 0},
                {"q", q, 0}, {"tap", tap, 0}};
    emit_template_into(e, b, "layer_pool_taps.c", h, 6);
}

/* Mode kernel: the index of tap (u, v) as q0 + its offset, and whether the tap is
 * valid for some output only (cond: the condition on i, j, else "") */
static void kernel_tap(const Pool *p, int u, int v, char q[64], char cond[160])
{
    const Win *g = &p->g;
    sfmt(q, 64, "%s", lx(u * g->DH * g->W + v * g->DW, 1, "q0", 0, NULL));
    sfmt(cond, 160, "%s", tap_cond(p, u, v));
}

/* templates/layer_pool_max_tap.c for tap q */
static void max_tap(Emitter *e, const char *q, int none_yet, int set_a)
{
    char a[80] = "";
    if (set_a)
        sfmt(a, sizeof a, "a = %s;", q);
    Hole h[] = {{"q", q, 0}, {"none_yet", none_yet ? "a < 0 || " : "", 0}, {"set_a", a, 0}};
    emit_template(e, "layer_pool_max_tap.c", h, 3);
}

/* The valid taps of a kernel-mode max window (t = u * KW + v): the first and last,
 * whether the first is unconditional (it then starts m in the template), and whether
 * a tap after the first may run before any unconditional one (then a = -1 marks
 * "no tap yet" and is read). */
typedef struct Taps { int first, last, first_uncond, reads; } Taps;

static Taps taps_of(const Pool *p)
{
    const Win *g = &p->g;
    Taps f = {-1, -1, 0, 0};
    int seen = 0;
    for (int t = 0; t < g->KH * g->KW; t++)
        if (!tap_never(p, t / g->KW, t % g->KW)) {
            if (f.first < 0)
                f.first = t;
            else if (!seen)
                f.reads = 1;
            if (!tap_cond(p, t / g->KW, t % g->KW)[0])
                seen = 1;
            f.last = t;
        }
    f.first_uncond = f.first >= 0 && !tap_cond(p, f.first / g->KW, f.first % g->KW)[0];
    return f;
}

/* Mode kernel, max: one statement per valid tap, under its condition when only some
 * outputs have it. The first starts m (and a) unless the template did; a later tap
 * compares with a < 0 ("none yet") only while no unconditional tap came before it,
 * and records a only when the backward or such a comparison reads it. */
static void max_kernel_taps(Emitter *e, const Pool *p, int track, const Taps *f)
{
    const Win *g = &p->g;
    int seen = 0;
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++) {
            if (tap_never(p, u, v))
                continue;
            int t = u * g->KW + v;
            char q[64], cond[160];
            kernel_tap(p, u, v, q, cond);
            int has_cond = cond[0] != 0;
            if (t == f->first && f->first_uncond) {
                seen = 1;
                continue;
            }
            if (has_cond) {
                emitf(e, "if (%s) {", cond);
                e->indent++;
            }
            int write_a = track || (!(seen || !has_cond) && t != f->last);
            if (t == f->first) {
                emitf(e, "m = x[%s];", q);
                if (write_a)
                    emitf(e, "a = %s;", q);
            } else {
                max_tap(e, q, !seen, write_a);
            }
            if (!has_cond) {
                seen = 1;
            } else {
                e->indent--;
                emitf(e, "}");
            }
        }
}

/* templates/layer_pool_max_fwd.c */
static void max_fwd(Emitter *e, const Pool *p, int kernel)
{
    const Win *g = &p->g;
    int track = !e->inference;      /* the argmax only when the backward needs it */
    Loop L = loop_of(e, p, kernel, 0);
    char a_before[160] = "", m0[160], a_after[160] = "", am[96] = "";
    Buf taps = {0};
    if (!kernel) {
        char q0[256];
        sfmt(q0, sizeof q0, "%s", qexpr(g, p->rows_padded ? "ulo[i]" : NULL,
                                        p->cols_padded ? "vlo[j]" : NULL));
        if (track) {
            sfmt(a_before, sizeof a_before, "int a = %s;", q0);
            sfmt(m0, sizeof m0, "x[a]");
        } else {
            sfmt(m0, sizeof m0, "x[%s]", q0);
        }
        Buf tap = {0};
        Emitter s = emit_sub(e, &tap);
        max_tap(&s, "q", 0, track);
        e->failed |= s.failed;
        taps_loop(e, p, buf_text(&tap), &taps);
        buf_free(&tap);
    } else {
        Taps f = taps_of(p);
        if (f.first_uncond) {
            char q[64], cond[160];
            kernel_tap(p, f.first / g->KW, f.first % g->KW, q, cond);
            sfmt(m0, sizeof m0, "x[%s]", q);
            if (track)
                sfmt(a_after, sizeof a_after, "int a = %s;", q);
        } else {
            sfmt(m0, sizeof m0, "0");
            if (track || f.reads)
                sfmt(a_after, sizeof a_after, "int a = -1;");
        }
        Emitter s = emit_sub(e, &taps);
        max_kernel_taps(&s, p, track, &f);
        e->failed |= s.failed;
    }
    if (track)
        sfmt(am, sizeof am, "am[o] = %s;", lx(0, g->H * g->W, "c", 1, "a", 0, NULL));
    Hole h[15];
    int n = loop_holes(e, &L, h);
    Hole own[] = {{"a_before", a_before, 0}, {"m0", m0, 0}, {"a_after", a_after, 0},
                  {"taps", buf_text(&taps), 0}, {"am", am, 0}};
    for (int k = 0; k < 5; k++)
        h[n++] = own[k];
    emit_template(e, "layer_pool_max_fwd.c", h, n);
    buf_free(&taps);
    buf_free(&L.tables);
}

/* The avg / l2 statement of tap q: forward s += x (x^2), backward gx += t (t x). */
static const char *sum_tap(const Pool *p, int bwd, const char *q)
{
    static char s[160];
    int l2 = p->kind == &op_l2pool;
    if (!bwd && !l2)
        sfmt(s, sizeof s, "s += x[%s];", q);
    else if (!bwd)
        sfmt(s, sizeof s, "s += x[%s] * x[%s];", q, q);
    else if (!l2)
        sfmt(s, sizeof s, "gx[%s] += t;", q);
    else
        sfmt(s, sizeof s, "gx[%s] += t * x[%s];", q, q);
    return s;
}

/* The `taps` hole of layer_pool_sum_fwd.c / _bwd.c, into b: the loop (none), or one
 * statement per valid tap under its condition when only some outputs have it
 * (kernel; the forward braces it, as the max taps). */
static void sum_taps(Emitter *e, const Pool *p, int kernel, int bwd, Buf *b)
{
    const Win *g = &p->g;
    if (!kernel) {
        taps_loop(e, p, sum_tap(p, bwd, "q"), b);
        return;
    }
    Emitter s = emit_sub(e, b);
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++) {
            if (tap_never(p, u, v))
                continue;
            char q[64], cond[160];
            kernel_tap(p, u, v, q, cond);
            if (cond[0]) {
                emitf(&s, bwd ? "if (%s)" : "if (%s) {", cond);
                s.indent++;
            }
            emitf(&s, "%s", sum_tap(p, bwd, q));
            if (cond[0]) {
                s.indent--;
                if (!bwd)
                    emitf(&s, "}");
            }
        }
    e->failed |= s.failed;
}

/* templates/layer_pool_sum_fwd.c */
static void sum_fwd(Emitter *e, const Pool *p, int kernel)
{
    int avg = p->kind == &op_avgpool;
    Loop L = loop_of(e, p, kernel, avg);
    char result[160];
    if (avg)
        sfmt(result, sizeof result, "s / %s", div_expr(e, p));
    else
        sfmt(result, sizeof result, "%s(s)", mfn(e, "sqrt"));
    Buf taps = {0};
    sum_taps(e, p, kernel, 0, &taps);
    Hole h[11];
    int n = loop_holes(e, &L, h);
    h[n++] = (Hole){"taps", buf_text(&taps), 0};
    h[n++] = (Hole){"result", result, 0};
    emit_template(e, "layer_pool_sum_fwd.c", h, n);
    buf_free(&taps);
    buf_free(&L.tables);
}

static void fwd_loops(Emitter *e, const Pool *p, int kernel)
{
    if (p->kind == &op_maxpool)
        max_fwd(e, p, kernel);
    else
        sum_fwd(e, p, kernel);
}

/* templates/layer_pool_sum_bwd.c (avg, l2; max: layer_pool_max_bwd.c) */
static void bwd_loops(Emitter *e, const Pool *p, int kernel)
{
    const Win *g = &p->g;
    int l2 = p->kind == &op_l2pool;
    Loop L = loop_of(e, p, kernel, !l2);
    char N[24], x[MAX_NAME + 96] = "", t[2 * MAX_NAME + 96];
    sfmt(N, sizeof N, "%d", p->C * g->H * g->W);
    if (l2) {
        sfmt(x, sizeof x, "const %s *restrict x = in + %s;", e->real, L.xoff);
        sfmt(t, sizeof t, "out[o] == 0 ? 0 : g[o] / out[o]");
    } else {
        sfmt(t, sizeof t, "g[o] / %s", div_expr(e, p));
    }
    Buf taps = {0};
    sum_taps(e, p, kernel, 1, &taps);
    Hole h[13];
    int n = loop_holes(e, &L, h);
    Hole own[] = {{"N", N, 0}, {"x", x, 0}, {"t", t, 0}, {"taps", buf_text(&taps), 0}};
    for (int k = 0; k < 4; k++)
        h[n++] = own[k];
    emit_template(e, "layer_pool_sum_bwd.c", h, n);
    buf_free(&taps);
    buf_free(&L.tables);
}

/* ---------------------------------------------------------------- forward */

static void fwd_full(Emitter *e, const Pool *p)
{
    const Win *g = &p->g;
    int track = !e->inference && p->kind == &op_maxpool;
    Buf t = {0};
    if (p->kind == &op_maxpool) {
        emitf(e, "%s m;", e->real);
        if (track)
            emitf(e, "int a;");
    }
    for (int c = 0; c < p->C; c++)
        for (int i = 0; i < g->OH; i++)
            for (int j = 0; j < g->OW; j++) {
                int o = (c * g->OH + i) * g->OW + j, first = 1;
                t.len = 0;
                if (p->kind == &op_avgpool)
                    buf_printf(&t, "out[%d] = (", o);
                else if (p->kind == &op_l2pool)
                    buf_printf(&t, "out[%d] = %s(", o, mfn(e, "sqrt"));
                for (int u = p->ulo[i]; u < p->uhi[i]; u++)
                    for (int v = p->vlo[j]; v < p->vhi[j]; v++) {
                        int q = c * g->H * g->W + (i * g->SH + u * g->DH - g->T) * g->W +
                                j * g->SW + v * g->DW - g->L;
                        if (p->kind == &op_maxpool) {
                            if (first)
                                emitf(e, track ? "m = in[%d]; a = %d;" : "m = in[%d];", q, q);
                            else if (track)
                                emitf(e, "if (in[%d] > m) { m = in[%d]; a = %d; }", q, q, q);
                            else
                                emitf(e, "if (in[%d] > m) m = in[%d];", q, q);
                        } else if (p->kind == &op_avgpool) {
                            buf_printf(&t, "%sin[%d]", first ? "" : " + ", q);
                        } else {
                            buf_printf(&t, "%sin[%d] * in[%d]", first ? "" : " + ", q, q);
                        }
                        first = 0;
                    }
                if (p->kind == &op_maxpool) {
                    emitf(e, "out[%d] = m;", o);
                    if (track)
                        emitf(e, "am[%d] = a;", o);
                } else {
                    if (p->kind == &op_avgpool)
                        buf_printf(&t, ") / %s;", rlit(e, (double)(p->dr[i] * p->dc[j])));
                    else
                        buf_puts(&t, ");");
                    emit_long(e, t.data);
                }
            }
    buf_free(&t);
}

void gen_pool_forward(Emitter *e, const Layer *l)
{
    Pool p = pool_of(l);
    if (l->unroll == U_FULL)
        fwd_full(e, &p);
    else
        fwd_loops(e, &p, l->unroll == U_KERNEL);
    pool_free(&p);
}

/* ---------------------------------------------------------------- backward */

static void max_backward(Emitter *e, const Layer *l)
{
    long long nin = shape_size(l->in), nout = shape_size(l->out);
    if (l->unroll == U_FULL) {
        for (long long n = 0; n < nin; n++)
            emitf(e, "gin[%lld] = 0;", n);
        for (long long n = 0; n < nout; n++)
            emitf(e, "gin[am[%lld]] += g[%lld];", n, n);
        return;
    }
    char ni[24], no[24];
    sfmt(ni, sizeof ni, "%lld", nin);
    sfmt(no, sizeof no, "%lld", nout);
    Hole h[] = {{"nin", ni, 0}, {"nout", no, 0}};
    emit_template(e, "layer_pool_max_bwd.c", h, 2);
}

static void bwd_full(Emitter *e, const Pool *p)
{
    const Win *g = &p->g;
    int l2 = p->kind == &op_l2pool;
    Buf t = {0};
    for (int c = 0; c < p->C; c++)
        for (int y = 0; y < g->H; y++)
            for (int x = 0; x < g->W; x++) {
                int en = (c * g->H + y) * g->W + x, terms = 0;
                t.len = 0;
                buf_printf(&t, "gin[%d] = ", en);
                for (int i = 0; i < g->OH; i++) {
                    int du = y + g->T - i * g->SH;
                    if (du < 0 || du % g->DH || du / g->DH >= g->KH)
                        continue;
                    for (int j = 0; j < g->OW; j++) {
                        int dv = x + g->L - j * g->SW;
                        if (dv < 0 || dv % g->DW || dv / g->DW >= g->KW)
                            continue;
                        int o = (c * g->OH + i) * g->OW + j;
                        if (l2)
                            buf_printf(&t, "%s(out[%d] == 0 ? 0 : g[%d] / out[%d]) * in[%d]",
                                       terms++ ? " + " : "", o, o, o, en);
                        else
                            buf_printf(&t, "%sg[%d] / %s", terms++ ? " + " : "", o,
                                       rlit(e, (double)(p->dr[i] * p->dc[j])));
                    }
                }
                if (!terms)
                    buf_puts(&t, "0");
                buf_puts(&t, ";");
                emit_long(e, t.data);
            }
    buf_free(&t);
}

void gen_pool_backward(Emitter *e, const Layer *l)
{
    if (l->op == &op_maxpool) {
        max_backward(e, l);
        return;
    }
    Pool p = pool_of(l);
    if (l->unroll == U_FULL)
        bwd_full(e, &p);
    else
        bwd_loops(e, &p, l->unroll == U_KERNEL);
    pool_free(&p);
}
