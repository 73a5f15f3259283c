/* ops/pool_emit.c - C emitters for maxpool, avgpool and l2pool (also used by the
 * global pools, see ops/global_pool.c).
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
 * layer_pool_sum_bwd.c and layer_pool_max_bwd.c, with the sizes as named constants;
 * in mode none the window is a loop, in mode kernel its taps are spelled out (their
 * number and conditions depend on the window). */
#include <stdlib.h>
#include <string.h>
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

static const char *div_expr(const Emitter *e, const Pool *p)
{
    char *s = text_alloc(128);
    if (p->div_const)
        snprintf(s, 128, "%s", rlit(e, (double)(p->dr[0] * p->dc[0])));
    else
        snprintf(s, 128, "(%s)(dr[i] * dc[j])", e->real);
    return s;
}

/* the condition under which tap (u, v) is valid for output (i, j), or "" */
static const char *tap_cond(const Pool *p, int u, int v)
{
    char *s = text_alloc(160);
    char *q = s;
    size_t n = 160;
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

/* ---------------------------------------------------------------- loop modes
 * templates/layer_pool_max_fwd.c, layer_pool_sum_fwd.c (avg, l2), layer_pool_sum_bwd.c
 * and layer_pool_max_bwd.c: whole bodies whose sizes are the named constants of the
 * `consts` line; the lines that vary with the mode and the window are generated here
 * into their line holes. */

/* The `consts` line: the window's sizes as named constants (cb > 0: and CB). */
static void consts_line(Emitter *e, const Pool *p, int cb, Buf *out)
{
    const Win *g = &p->g;
    Buf t = {0};
    buf_printf(&t, "enum { C = %d, H = %d, W = %d, OH = %d, OW = %d, KH = %d, KW = %d, "
               "SH = %d, SW = %d, DH = %d, DW = %d, T = %d, L = %d", p->C, g->H, g->W,
               g->OH, g->OW, g->KH, g->KW, g->SH, g->SW, g->DH, g->DW, g->T, g->L);
    if (cb > 1)     /* the channel blocks pay on the out-of-order cores that have vectors */
        buf_printf(&t, ", CB = %s_VECTORS ? %d : 1", e->P, cb);
    else if (cb > 0)
        buf_printf(&t, ", CB = %d", cb);
    buf_puts(&t, " };");
    Emitter s = emit_sub_at(e, out, e->indent);
    emit_long(&s, t.data);
    e->failed |= s.failed;
    buf_free(&t);
}

/* The `tables` line: with `ranges` the valid taps per output row / column where a
 * window overhangs, with `div` the divisor factors unless the divisor is constant. */
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

/* The holes every loop template has: consts, vars, tables (room for 3). */
typedef struct Loop { Buf consts, tables; char vars[32]; } Loop;

static int loop_holes(Emitter *e, const Pool *p, int kernel, int div, int bwd, int cb, Loop *L,
                      Hole *h)
{
    L->consts = (Buf){0};
    L->tables = (Buf){0};
    consts_line(e, p, cb, &L->consts);
    gen_tables(e, p, !kernel, div, &L->tables);
    sfmt(L->vars, sizeof L->vars, "int %sc, i, j%s;", bwd ? "n, " : "", kernel ? "" : ", u, v");
    h[0] = (Hole){"consts", buf_text(&L->consts), 0};
    h[1] = (Hole){"vars", L->vars, 0};
    h[2] = (Hole){"tables", buf_text(&L->tables), 0};
    return 3;
}

static void loop_free(Loop *L)
{
    buf_free(&L->consts);
    buf_free(&L->tables);
}

static const char *Q0 = "const int q0 = (i * SH - T) * W + j * SW - L;";

/* Mode none: the window as a loop over its valid taps around `tap` (lines), into s. */
static void taps_loop(Emitter *s, const Pool *p, const char *tap)
{
    emitf(s, "for (u = %s; u < %s; u++)", p->rows_padded ? "ulo[i]" : "0",
          p->rows_padded ? "uhi[i]" : "KH");
    s->indent++;
    emitf(s, "for (v = %s; v < %s; v++) {", p->cols_padded ? "vlo[j]" : "0",
          p->cols_padded ? "vhi[j]" : "KW");
    s->indent++;
    emitf(s, "const int q = q0 + u * DH * W + v * DW;");
    for (const char *t = tap; *t;) {
        const char *nl = strchr(t, '\n');
        int n = nl ? (int)(nl - t) : (int)strlen(t);
        emitf(s, "%.*s", n, t);
        t += n + (nl != NULL);
    }
    s->indent--;
    emitf(s, "}");
    s->indent--;
}

/* Mode kernel: the index of tap (u, v) as q0 + its offset, and whether the tap is
 * valid for some output only (cond: the condition on i, j, else "") */
static void kernel_tap(const Pool *p, int u, int v, char q[64], char cond[160])
{
    const Win *g = &p->g;
    sfmt(q, 64, "%s", lx(u * g->DH * g->W + v * g->DW, 1, "q0", 0, NULL));
    sfmt(cond, 160, "%s", tap_cond(p, u, v));
}

/* The max's comparison with tap q (strictly greater: the first maximum wins) */
static void max_tap(Emitter *e, const char *q, int none_yet, int set_a)
{
    emitf(e, "if (%sx[%s] > m) {", none_yet ? "a < 0 || " : "", q);
    e->indent++;
    emitf(e, "m = x[%s];", q);
    if (set_a)
        emitf(e, "a = %s;", q);
    e->indent--;
    emitf(e, "}");
}

/* The valid taps of a kernel-mode max window (t = u * KW + v): the first and last,
 * whether the first is unconditional (it then starts m), and whether a tap after the
 * first may run before any unconditional one (then a = -1 marks "no tap yet" and is
 * read). */
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
 * outputs have it. The first starts m (and a) unless `start` did; a later tap
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
    Buf start = {0}, taps = {0};
    Emitter ss = emit_sub(e, &start), st = emit_sub(e, &taps);
    emitf(&ss, "%s", Q0);
    if (!kernel) {
        char q[64];
        sfmt(q, sizeof q, "q0%s%s", p->rows_padded ? " + ulo[i] * DH * W" : "",
             p->cols_padded ? " + vlo[j] * DW" : "");
        if (track) {
            emitf(&ss, "int a = %s;", q);
            emitf(&ss, "%s m = x[a];", e->real);
        } else {
            emitf(&ss, "%s m = x[%s];", e->real, q);
        }
        Buf tap = {0};
        Emitter s = emit_sub(e, &tap);
        max_tap(&s, "q", 0, track);
        taps_loop(&st, p, buf_text(&tap));
        e->failed |= s.failed;
        buf_free(&tap);
    } else {
        Taps f = taps_of(p);
        if (f.first_uncond) {
            char q[64], cond[160];
            kernel_tap(p, f.first / g->KW, f.first % g->KW, q, cond);
            emitf(&ss, "%s m = x[%s];", e->real, q);
            if (track)
                emitf(&ss, "int a = %s;", q);
        } else {
            emitf(&ss, "%s m = 0;", e->real);
            if (track || f.reads)
                emitf(&ss, "int a = -1;");
        }
        max_kernel_taps(&st, p, track, &f);
    }
    e->failed |= ss.failed | st.failed;
    Hole h[7];
    Loop L;
    int n = loop_holes(e, p, kernel, 0, 0, 0, &L, h);
    h[n++] = (Hole){"start", buf_text(&start), 0};
    h[n++] = (Hole){"taps", buf_text(&taps), 0};
    h[n++] = (Hole){"am", track ? "am[o] = c * H * W + a;" : "", 0};
    emit_template(e, "layer_pool_max_fwd.c", h, n);
    buf_free(&start);
    buf_free(&taps);
    loop_free(&L);
}

/* The avg / l2 statement of tap q: forward s += x (x^2), backward gx += t (t x); a
 * forward with channel blocks (cb > 1) adds to each of its sums. */
static const char *sum_tap(const Pool *p, int bwd, int cb, const char *q)
{
    char *s = text_alloc(200);
    int l2 = p->kind == &op_l2pool;
    if (cb > 1)
        sfmt(s, 200, l2 ? "for (int b = 0; b < CB; b++)\n    s[b] += x[b * H * W + %s] * x[b * H * W + %s];"
                        : "for (int b = 0; b < CB; b++)\n    s[b] += x[b * H * W + %s];", q, q);
    else if (!bwd && !l2)
        sfmt(s, 160, "s += x[%s];", q);
    else if (!bwd)
        sfmt(s, 160, "s += x[%s] * x[%s];", q, q);
    else if (!l2)
        sfmt(s, 160, "gx[%s] += t;", q);
    else
        sfmt(s, 160, "gx[%s] += t * x[%s];", q, q);
    return s;
}

/* The `taps` line hole of layer_pool_sum_fwd.c / _bwd.c, into b: the loop (none), or
 * one statement per valid tap under its condition when only some outputs have it
 * (kernel; the forward braces it, as the max taps). */
static void sum_taps(Emitter *e, const Pool *p, int kernel, int bwd, int cb, Buf *b)
{
    const Win *g = &p->g;
    Emitter s = emit_sub(e, b);
    if (!kernel) {
        taps_loop(&s, p, sum_tap(p, bwd, cb, "q"));
        e->failed |= s.failed;
        return;
    }
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
            const char *st = sum_tap(p, bwd, cb, q);
            for (const char *t = st; *t;) {           /* one line or two */
                const char *nl = strchr(t, '\n');
                int n = nl ? (int)(nl - t) : (int)strlen(t);
                emitf(&s, "%.*s", n, t);
                t += n + (nl != NULL);
            }
            if (cond[0]) {
                s.indent--;
                if (!bwd)
                    emitf(&s, "}");
            }
        }
    e->failed |= s.failed;
}

/* The channels a sum pool's forward sums side by side: with a window of 16 taps or more
 * (a long chain of dependent additions), the largest of 8, 4, 2 that divides C */
static int sum_block(const Pool *p)
{
    if (p->g.KH * p->g.KW < 16)
        return 1;
    for (int cb = 8; cb > 1; cb /= 2)
        if (p->C % cb == 0)
            return cb;
    return 1;
}

/* templates/layer_pool_sum_fwd.c */
static void sum_fwd(Emitter *e, const Pool *p, int kernel)
{
    int avg = p->kind == &op_avgpool, cb = sum_block(p);
    char result[MAX_NAME + 240], sums[MAX_NAME + 32];
    const char *si = cb > 1 ? "s[b]" : "s";
    char val[MAX_NAME + 120];
    if (avg)
        sfmt(val, sizeof val, "%s / %s", si, div_expr(e, p));
    else
        sfmt(val, sizeof val, "%s(%s)", mfn(e, "sqrt"), si);
    if (cb > 1)
        sfmt(result, sizeof result, "for (int b = 0; b < CB; b++)\n    out[o + b * OH * OW] = %s;", val);
    else
        sfmt(result, sizeof result, "out[o] = %s;", val);
    sfmt(sums, sizeof sums, cb > 1 ? "%s s[CB] = {0};" : "%s s = 0;", e->real);
    Buf taps = {0};
    sum_taps(e, p, kernel, 0, cb, &taps);
    Hole h[8];
    Loop L;
    int n = loop_holes(e, p, kernel, avg, 0, cb, &L, h);
    h[n++] = (Hole){"q0", Q0, 0};
    h[n++] = (Hole){"sums", sums, 0};
    h[n++] = (Hole){"taps", buf_text(&taps), 0};
    h[n++] = (Hole){"result", result, 0};
    emit_template(e, "layer_pool_sum_fwd.c", h, n);
    buf_free(&taps);
    loop_free(&L);
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
    int l2 = p->kind == &op_l2pool;
    char x[MAX_NAME + 96] = "", t[2 * MAX_NAME + 96];
    if (l2) {
        sfmt(x, sizeof x, "const %s *restrict x = in + c * H * W;", e->real);
        sfmt(t, sizeof t, "const %s t = out[o] == 0 ? 0 : g[o] / out[o];", e->real);
    } else {
        sfmt(t, sizeof t, "const %s t = g[o] / %s;", e->real, div_expr(e, p));
    }
    Buf taps = {0};
    sum_taps(e, p, kernel, 1, 1, &taps);
    Hole h[8];
    Loop L;
    int n = loop_holes(e, p, kernel, !l2, 1, 0, &L, h);
    Hole own[] = {{"x", x, 0}, {"t", t, 0}, {"q0", Q0, 0}, {"taps", buf_text(&taps), 0}};
    for (int k = 0; k < 4; k++)
        h[n++] = own[k];
    emit_template(e, "layer_pool_sum_bwd.c", h, n);
    buf_free(&taps);
    loop_free(&L);
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
    char consts[64];
    sfmt(consts, sizeof consts, "enum { N = %lld, NO = %lld };", nin, nout);
    Hole h[] = {{"consts", consts, 0}};
    emit_template(e, "layer_pool_max_bwd.c", h, 1);
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
