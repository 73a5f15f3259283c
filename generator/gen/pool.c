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
 * each input cell sums its contributions in output order. */
#include <stdlib.h>
#include "cnngen.h"

typedef struct Pool {
    Win g;
    int C, kind;                    /* L_MAXPOOL, L_AVGPOOL, L_L2POOL */
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
    p.kind = l->kind;
    const Win *g = &p.g;
    p.ulo = ialloc(g->OH); p.uhi = ialloc(g->OH); p.dr = ialloc(g->OH);
    p.vlo = ialloc(g->OW); p.vhi = ialloc(g->OW); p.dc = ialloc(g->OW);
    p.ilo = ialloc(g->KH); p.ihi = ialloc(g->KH);
    p.jlo = ialloc(g->KW); p.jhi = ialloc(g->KW);
    p.rows_padded = p.cols_padded = 0;
    int incl = l->kind == L_AVGPOOL && l->count_include_pad;
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

static void loop_tables(Emitter *e, const Pool *p, int need_div)
{
    if (p->rows_padded) {
        emit_int_table(e, "ulo", p->ulo, p->g.OH);
        emit_int_table(e, "uhi", p->uhi, p->g.OH);
    }
    if (p->cols_padded) {
        emit_int_table(e, "vlo", p->vlo, p->g.OW);
        emit_int_table(e, "vhi", p->vhi, p->g.OW);
    }
    if (need_div && !p->div_const) {
        emit_int_table(e, "dr", p->dr, p->g.OH);
        emit_int_table(e, "dc", p->dc, p->g.OW);
    }
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

/* ---------------------------------------------------------------- forward */

static void fwd_loops(Emitter *e, const Layer *l, const Pool *p, int kernel)
{
    const Win *g = &p->g;
    const char *R = e->real;
    int track = !e->inference && p->kind == L_MAXPOOL;
    const char *ULO = p->rows_padded ? "ulo[i]" : "0", *UHI = p->rows_padded ? "uhi[i]" : NULL;
    const char *VLO = p->cols_padded ? "vlo[j]" : "0", *VHI = p->cols_padded ? "vhi[j]" : NULL;
    char uhi[32], vhi[32];
    snprintf(uhi, sizeof uhi, "%s", UHI ? UHI : "");
    if (!UHI) snprintf(uhi, sizeof uhi, "%d", g->KH);
    snprintf(vhi, sizeof vhi, "%s", VHI ? VHI : "");
    if (!VHI) snprintf(vhi, sizeof vhi, "%d", g->KW);
    (void)l;
    emitf(e, kernel ? "int c, i, j;" : "int c, i, j, u, v;");
    if (!kernel)
        loop_tables(e, p, p->kind == L_AVGPOOL);
    else if (p->kind == L_AVGPOOL && !p->div_const) {
        emit_int_table(e, "dr", p->dr, g->OH);
        emit_int_table(e, "dc", p->dc, g->OW);
    }
    emitf(e, "for (c = 0; c < %d; c++) {", p->C);
    e->indent++;
    emitf(e, "const %s *restrict x = in + %s;", R, lx(0, g->H * g->W, "c", 0, NULL));
    emitf(e, "for (i = 0; i < %d; i++)", g->OH);
    emitf(e, "    for (j = 0; j < %d; j++) {", g->OW);
    e->indent += 2;
    emitf(e, "const int o = %s;", lx(0, g->OH * g->OW, "c", g->OW, "i", 1, "j", 0, NULL));
    if (!kernel) {
        if (p->kind == L_MAXPOOL) {
            const char *q0 = qexpr(g, p->rows_padded ? ULO : NULL, p->cols_padded ? VLO : NULL);
            if (track) {    /* the argmax only when the backward needs it */
                emitf(e, "int a = %s;", q0);
                emitf(e, "%s m = x[a];", R);
            } else {
                emitf(e, "%s m = x[%s];", R, q0);
            }
        } else {
            emitf(e, "%s s = 0;", R);
        }
        emitf(e, "for (u = %s; u < %s; u++)", ULO, uhi);
        emitf(e, "    for (v = %s; v < %s; v++) {", VLO, vhi);
        e->indent += 2;
        emitf(e, "const int q = %s;", qexpr(g, "u", "v"));
        if (p->kind == L_MAXPOOL) {
            emitf(e, "if (x[q] > m) {");
            emitf(e, "    m = x[q];");
            if (track)
                emitf(e, "    a = q;");
            emitf(e, "}");
        } else if (p->kind == L_AVGPOOL) {
            emitf(e, "s += x[q];");
        } else {
            emitf(e, "s += x[q] * x[q];");
        }
        e->indent -= 2;
        emitf(e, "    }");
    } else {
        emitf(e, "const int q0 = %s;", lx(-g->T * g->W - g->L, g->SH * g->W, "i", g->SW, "j", 0, NULL));
        /* max: the first valid tap starts m (and a); a later tap compares with a < 0
         * ("none yet") only while no unconditional tap has come before it */
        int ntap = g->KH * g->KW, first = -1, last = -1, reads = 0, seen = 0;
        for (int t = 0; t < ntap; t++)
            if (!tap_never(p, t / g->KW, t % g->KW)) {
                if (first < 0)
                    first = t;
                else if (!seen)
                    reads = 1;
                if (!tap_cond(p, t / g->KW, t % g->KW)[0])
                    seen = 1;
                last = t;
            }
        int first_uncond = first >= 0 && !tap_cond(p, first / g->KW, first % g->KW)[0];
        if (p->kind == L_MAXPOOL) {
            char q[64];
            snprintf(q, sizeof q, "%s", lx(first >= 0 ? first / g->KW * g->DH * g->W + first % g->KW * g->DW : 0,
                                           1, "q0", 0, NULL));
            if (first_uncond) {
                emitf(e, "%s m = x[%s];", R, q);
                if (track)
                    emitf(e, "int a = %s;", q);
            } else {
                emitf(e, "%s m = 0;", R);
                if (track || reads)
                    emitf(e, "int a = -1;");
            }
        } else {
            emitf(e, "%s s = 0;", R);
        }
        seen = 0;
        for (int u = 0; u < g->KH; u++)
            for (int v = 0; v < g->KW; v++) {
                if (tap_never(p, u, v))
                    continue;
                int t = u * g->KW + v;
                int off = u * g->DH * g->W + v * g->DW;
                char q[64];
                snprintf(q, sizeof q, "%s", lx(off, 1, "q0", 0, NULL));
                const char *cond = tap_cond(p, u, v);
                int has_cond = cond[0] != 0;
                if (p->kind == L_MAXPOOL && t == first && first_uncond) {
                    seen = 1;
                    continue;
                }
                if (has_cond) {
                    emitf(e, "if (%s) {", cond);
                    e->indent++;
                }
                if (p->kind == L_MAXPOOL) {
                    int write_a = track || (!(seen || !has_cond) && t != last);
                    if (t == first) {
                        emitf(e, "m = x[%s];", q);
                        if (write_a)
                            emitf(e, "a = %s;", q);
                    } else {
                        emitf(e, seen ? "if (x[%s] > m) {" : "if (a < 0 || x[%s] > m) {", q);
                        emitf(e, "    m = x[%s];", q);
                        if (write_a)
                            emitf(e, "    a = %s;", q);
                        emitf(e, "}");
                    }
                    if (!has_cond)
                        seen = 1;
                } else if (p->kind == L_AVGPOOL) {
                    emitf(e, "s += x[%s];", q);
                } else {
                    emitf(e, "s += x[%s] * x[%s];", q, q);
                }
                if (has_cond) {
                    e->indent--;
                    emitf(e, "}");
                }
            }
    }
    if (p->kind == L_MAXPOOL) {
        emitf(e, "out[o] = m;");
        if (track)
            emitf(e, "am[o] = %s;", lx(0, g->H * g->W, "c", 1, "a", 0, NULL));
    } else if (p->kind == L_AVGPOOL) {
        emitf(e, "out[o] = s / %s;", div_expr(e, p));
    } else {
        emitf(e, "out[o] = %s(s);", mfn(e, "sqrt"));
    }
    e->indent -= 2;
    emitf(e, "    }");
    e->indent--;
    emitf(e, "}");
}

static void fwd_full(Emitter *e, const Pool *p)
{
    const Win *g = &p->g;
    int track = !e->inference && p->kind == L_MAXPOOL;
    Buf t = {0};
    if (p->kind == L_MAXPOOL) {
        emitf(e, "%s m;", e->real);
        if (track)
            emitf(e, "int a;");
    }
    for (int c = 0; c < p->C; c++)
        for (int i = 0; i < g->OH; i++)
            for (int j = 0; j < g->OW; j++) {
                int o = (c * g->OH + i) * g->OW + j, first = 1;
                t.len = 0;
                if (p->kind == L_AVGPOOL)
                    buf_printf(&t, "out[%d] = (", o);
                else if (p->kind == L_L2POOL)
                    buf_printf(&t, "out[%d] = %s(", o, mfn(e, "sqrt"));
                for (int u = p->ulo[i]; u < p->uhi[i]; u++)
                    for (int v = p->vlo[j]; v < p->vhi[j]; v++) {
                        int q = c * g->H * g->W + (i * g->SH + u * g->DH - g->T) * g->W +
                                j * g->SW + v * g->DW - g->L;
                        if (p->kind == L_MAXPOOL) {
                            if (first)
                                emitf(e, track ? "m = in[%d]; a = %d;" : "m = in[%d];", q, q);
                            else if (track)
                                emitf(e, "if (in[%d] > m) { m = in[%d]; a = %d; }", q, q, q);
                            else
                                emitf(e, "if (in[%d] > m) m = in[%d];", q, q);
                        } else if (p->kind == L_AVGPOOL) {
                            buf_printf(&t, "%sin[%d]", first ? "" : " + ", q);
                        } else {
                            buf_printf(&t, "%sin[%d] * in[%d]", first ? "" : " + ", q, q);
                        }
                        first = 0;
                    }
                if (p->kind == L_MAXPOOL) {
                    emitf(e, "out[%d] = m;", o);
                    if (track)
                        emitf(e, "am[%d] = a;", o);
                } else {
                    if (p->kind == L_AVGPOOL)
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
        fwd_loops(e, l, &p, l->unroll == U_KERNEL);
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
    emitf(e, "int n;");
    emitf(e, "for (n = 0; n < %lld; n++)", nin);
    emitf(e, "    gin[n] = 0;");
    emitf(e, "for (n = 0; n < %lld; n++)", nout);
    emitf(e, "    gin[am[n]] += g[n];");
}

static void bwd_loops(Emitter *e, const Pool *p, int kernel)
{
    const Win *g = &p->g;
    const char *R = e->real;
    int l2 = p->kind == L_L2POOL;
    emitf(e, kernel ? "int n, c, i, j;" : "int n, c, i, j, u, v;");
    if (!kernel)
        loop_tables(e, p, !l2);
    else if (!l2 && !p->div_const) {
        emit_int_table(e, "dr", p->dr, g->OH);
        emit_int_table(e, "dc", p->dc, g->OW);
    }
    emitf(e, "for (n = 0; n < %d; n++)", p->C * g->H * g->W);
    emitf(e, "    gin[n] = 0;");
    emitf(e, "for (c = 0; c < %d; c++) {", p->C);
    e->indent++;
    emitf(e, "%s *restrict gx = gin + %s;", R, lx(0, g->H * g->W, "c", 0, NULL));
    if (l2)
        emitf(e, "const %s *restrict x = in + %s;", R, lx(0, g->H * g->W, "c", 0, NULL));
    emitf(e, "for (i = 0; i < %d; i++)", g->OH);
    emitf(e, "    for (j = 0; j < %d; j++) {", g->OW);
    e->indent += 2;
    emitf(e, "const int o = %s;", lx(0, g->OH * g->OW, "c", g->OW, "i", 1, "j", 0, NULL));
    if (l2)
        emitf(e, "const %s t = out[o] == 0 ? 0 : g[o] / out[o];", R);
    else
        emitf(e, "const %s t = g[o] / %s;", R, div_expr(e, p));
    if (!kernel) {
        char uhi[32], vhi[32];
        snprintf(uhi, sizeof uhi, p->rows_padded ? "uhi[i]" : "%d", g->KH);
        snprintf(vhi, sizeof vhi, p->cols_padded ? "vhi[j]" : "%d", g->KW);
        emitf(e, "for (u = %s; u < %s; u++)", p->rows_padded ? "ulo[i]" : "0", uhi);
        emitf(e, "    for (v = %s; v < %s; v++) {", p->cols_padded ? "vlo[j]" : "0", vhi);
        e->indent += 2;
        emitf(e, "const int q = %s;", qexpr(g, "u", "v"));
        emitf(e, l2 ? "gx[q] += t * x[q];" : "gx[q] += t;");
        e->indent -= 2;
        emitf(e, "    }");
    } else {
        emitf(e, "const int q0 = %s;", lx(-g->T * g->W - g->L, g->SH * g->W, "i", g->SW, "j", 0, NULL));
        for (int u = 0; u < g->KH; u++)
            for (int v = 0; v < g->KW; v++) {
                if (tap_never(p, u, v))
                    continue;
                char q[64];
                snprintf(q, sizeof q, "%s", lx(u * g->DH * g->W + v * g->DW, 1, "q0", 0, NULL));
                const char *cond = tap_cond(p, u, v);
                if (cond[0])
                    emitf(e, "if (%s)", cond);
                if (l2)
                    emitf(e, "%sgx[%s] += t * x[%s];", cond[0] ? "    " : "", q, q);
                else
                    emitf(e, "%sgx[%s] += t;", cond[0] ? "    " : "", q);
            }
    }
    e->indent -= 2;
    emitf(e, "    }");
    e->indent--;
    emitf(e, "}");
}

static void bwd_full(Emitter *e, const Pool *p)
{
    const Win *g = &p->g;
    int l2 = p->kind == L_L2POOL;
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
    if (l->kind == L_MAXPOOL) {
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
