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
 * can vectorize them.
 *
 * full: one statement per output, generated here. kernel and none without the fast
 * path: the bodies of templates/layer_conv_fwd.c, layer_conv_input.c and
 * layer_conv_params.c (with layer_conv_params_*.c), filled by the "loops" section
 * below; the forward and the input gradient share one window walk,
 * layer_conv_walk*.c, and every tap is a layer_conv_tap.c. */
#include <stdlib.h>
#include <string.h>
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

/* ---------------------------------------------------------------- fast path
 * Stride 1 (any dilation and padding), in `kernel` mode (which `auto` picks for
 * convolutions with small windows): GNU C vectors (see the file's preamble) over
 * "full-width" rows. With the input copied, zero-padded, into a buffer (in the
 * workspace's scratch, see gen_conv2d_scratch) whose rows are Wp = W + left + right
 * wide, output (i, j) sits at p = i * Wp + j of a flattened
 * full-width output, and tap (u, v) of every output reads the padded input at p plus
 * a constant, so one long vector loop over p serves all rows; the columns j >= OW are
 * computed and thrown away. Blocks of several output channels x several vectors of p
 * stay in registers across all input channels and taps (loaded once per tap, each
 * weight broadcast). The input gradient is the same loop over the zero-padded
 * gradient with the 180-degree rotated filter (the full convolution); the weight
 * gradient runs over the output positions with the output channels in the vector
 * lanes (the gradient transposed to [position][channel]), one accumulator per tap.
 * Each sum keeps the order of the comment at the top of this file: the padded taps
 * add exact zeros, which change no sum, so every mode gives the same bits.
 * The C text is in templates/layer_conv_fast_*.c: fwd.c (forward and dL/dinput) with
 * pad.c, kloop.c / krest.c, block.c, store.c / store_act.c; gw.c (dL/dweight) with
 * pad.c, gw_bias.c, gw_taps.c, gw_flush.c. The functions here compute the geometry
 * that fills the holes and generate the statements whose number follows the block
 * width and the kernel taps. */

#define FAST_MAX_SCRATCH (512 * 1024) /* bytes of workspace scratch per layer function */
#define VEC_MAX_BYTES 64             /* the widest vectors the preamble uses */

static int vlmax(const Emitter *e) { return VEC_MAX_BYTES / real_bytes(e->dtype); }
static int roundup(int n, int m) { return (n + m - 1) / m * m; }
static long long roundup_ll(long long n, int m) { return (n + m - 1) / m * m; }

/* A full-width correlation: dst[o][i][j] = (bias) + sum over ci, then taps (in the
 * order of the tap list), of w[o * SO + ci * SI + woff[t]] * src[ci][i + ?][j + ?]. */
typedef struct FW {
    int Cin, Cout;
    int SH, SW;           /* source buffer rows and row width (padded) */
    int Hi, Wi, r0, c0;   /* source data [Cin][Hi][Wi] placed at row r0, column c0 */
    int ntap, *off, *woff;
    int SO, SI;           /* weight strides: output channel, input channel */
    int DHt, DWt, cr, cc; /* dst [Cout][DHt][DWt] = full row i + cr, column j + cc */
    int P, PR, NV, KB;
    long long xs;         /* source buffer elements (a multiple of the widest vector) */
} FW;

static void fw_geometry(const Emitter *e, FW *f)
{
    int maxoff = 0;
    for (int t = 0; t < f->ntap; t++)
        if (f->off[t] > maxoff)
            maxoff = f->off[t];
    f->P = (f->DHt - 1) * f->SW + f->cc + f->DWt;     /* from p0 = cr * SW */
    int vm = vlmax(e), best = -1;
    for (int nv = 4; nv >= 1; nv--) {
        int pr = roundup(f->P, nv * vm);
        if (best < 0 || pr < best) {
            best = pr;
            f->NV = nv;
        }
    }
    f->PR = best;
    int kbmax = 30 / f->NV - 1;
    if (kbmax > 16)
        kbmax = 16;
    int nb = (f->Cout + kbmax - 1) / kbmax;
    f->KB = (f->Cout + nb - 1) / nb;
    long long need = (long long)(f->Cin - 1) * f->SH * f->SW + (long long)f->cr * f->SW + f->PR + maxoff;
    long long all = (long long)f->Cin * f->SH * f->SW;
    f->xs = roundup_ll(need > all ? need : all, vm);
}

/* elements of the workspace scratch (xp, then of) */
static long long fw_scratch(const FW *f)
{
    return f->xs + (long long)f->KB * f->PR;
}

/* Hole values: numbers are hnum(), a generated hole's text buf_text(). */

/* stmt as emit_long wraps it at indent depth `depth` (where the hole's marker ends up
 * in the output), written at indent 0: the templates give the depth back. */
static void fast_long_hole(const Emitter *e, int depth, const char *stmt, Buf *out)
{
    Emitter s = emit_sub_at(e, out, depth);
    emit_long(&s, stmt);
}

/* templates/layer_conv_fast_pad.c: src [C][Hi][Wi] into xp [C][SH][SW] at (r0, c0) */
static void emit_pad_copy(Emitter *e, long long n, const char *src, int C, int SH, int SW,
                          int Hi, int Wi, int r0, int c0)
{
    Hole h[] = {{"real", e->real, 0}, {"n", hnum(n), 0}, {"C", hnum(C), 0},
                {"H", hnum(Hi), 0}, {"W", hnum(Wi), 0}, {"src", src, 0},
                {"at", lx(r0 * SW + c0, SH * SW, "c", SW, "y", 0, NULL), 0},
                {"from", lx(0, Hi * Wi, "c", Wi, "y", 0, NULL), 0}};
    emit_template(e, "layer_conv_fast_pad.c", h, 8);
}

/* the accumulators a<a>_<q> of a block of kb channels from k: one line per channel */
static void fw_acc(Emitter *s, const FW *f, int kb, int bias)
{
    for (int a = 0; a < kb; a++) {
        Buf t = {0};
        buf_printf(&t, "%s_vec ", s->P);
        for (int q = 0; q < f->NV; q++) {
            if (bias && q)    /* a copy, not the same sum again (cppcheck duplicateAssignExpression) */
                buf_printf(&t, ", a%d_%d = a%d_0", a, q, a);
            else if (bias)
                buf_printf(&t, "%sa%d_%d = vz + b[k + %d]", q ? ", " : "", a, q, a);
            else
                buf_printf(&t, "%sa%d_%d = vz", q ? ", " : "", a, q);
        }
        buf_puts(&t, ";");
        emitf(s, "%s", t.data);
        buf_free(&t);
    }
}

/* per tap: the NV loads, then every accumulator's multiply-add */
static void fw_taps(Emitter *s, const FW *f, int kb)
{
    const char *V = s->P;
    for (int t = 0; t < f->ntap; t++) {
        for (int q = 0; q < f->NV; q++) {
            if (q)
                emitf(s, "x%d = %s_VLD(xc + %d + %d * %s_VL);", q, V, f->off[t], q, V);
            else
                emitf(s, "x0 = %s_VLD(xc + %d);", V, f->off[t]);
        }
        for (int a = 0; a < kb; a++)
            for (int q = 0; q < f->NV; q++)
                emitf(s, "a%d_%d += x%d * wc[%d];", a, q, q, a * f->SO + f->woff[t]);
    }
}

/* the accumulators into of: the relu (when the vectors apply it), then the stores */
static void fw_store(Emitter *relu, Emitter *st, const FW *f, int kb, int vrelu)
{
    const char *V = st->P;
    for (int a = 0; vrelu && a < kb; a++)
        for (int q = 0; q < f->NV; q++)
            emitf(relu, "a%d_%d = %s_VRELU(a%d_%d);", a, q, V, a, q);
    for (int a = 0; a < kb; a++)
        for (int q = 0; q < f->NV; q++) {
            if (q)
                emitf(st, "%s_VST(of + %d + p + %d * %s_VL, a%d_%d);", V, a * f->PR, q, V, a, q);
            else
                emitf(st, "%s_VST(of + %s, a%d_0);", V, lx(a * f->PR, 1, "p", 0, NULL), a);
        }
}

/* the compaction (+ activation) of of into dst: layer_conv_fast_store.c, or
 * layer_conv_fast_store_act.c for an activation the vectors did not apply */
static void fw_out(Emitter *e, const Layer *l, const FW *f, int kb, const char *dst, int act)
{
    if (!act || l->act == ACT_RELU) {
        Hole h[] = {{"KB", hnum(kb), 0}, {"H", hnum(f->DHt), 0},
                    {"W", hnum(f->DWt), 0}, {"dst", dst, 0},
                    {"of", lx(f->cc, f->PR, "a", f->SW, "i", 0, NULL), 0}, {"real", e->real, 0}};
        emit_template(e, "layer_conv_fast_store.c", h, 6);
        return;
    }
    char nm[32];
    snprintf(nm, sizeof nm, "of[%s]", lx(f->cc, f->PR, "a", f->SW, "i", 1, "j", 0, NULL));
    Hole h[] = {{"KB", hnum(kb), 0}, {"H", hnum(f->DHt), 0}, {"W", hnum(f->DWt), 0},
                {"dst", dst, 0}, {"value", act_expr(e, l->act, l->alpha, nm), 0}};
    emit_template(e, "layer_conv_fast_store_act.c", h, 5);
}

/* One block of kb output channels from k: templates/layer_conv_fast_block.c. The
 * statements whose number follows the block width and the taps are generated. */
static void fw_block(Emitter *e, const Layer *l, const FW *f, int kb, const char *dst,
                     int bias, int act)
{
    Buf acc = {0}, x = {0}, taps = {0}, relu = {0}, st = {0}, out = {0};
    Emitter sa = emit_sub(e, &acc), stp = emit_sub(e, &taps), sr = emit_sub(e, &relu),
            ss = emit_sub(e, &st), so = emit_sub(e, &out);
    fw_acc(&sa, f, kb, bias);
    /* the loads, declared in the loop that uses them (cppcheck variableScope) */
    for (int q = 0; q < f->NV; q++)
        buf_printf(&x, "%sx%d", q ? ", " : "", q);
    fw_taps(&stp, f, kb);
    fw_store(&sr, &ss, f, kb, act && l->act == ACT_RELU);
    fw_out(&so, l, f, kb, dst, act);
    e->failed |= sa.failed | stp.failed | sr.failed | ss.failed | so.failed;
    Hole h[] = {{"real", e->real, 0}, {"PR", hnum(f->PR), 0}, {"NV", hnum(f->NV), 0},
                {"acc", buf_text(&acc), 0}, {"Cin", hnum(f->Cin), 0},
                {"x", buf_text(&x), 0},
                {"xc", lx(f->cr * f->SW, f->SH * f->SW, "c", 0, NULL), 0},
                {"SO", hnum(f->SO), 0}, {"SI", hnum(f->SI), 0},
                {"taps", buf_text(&taps), 0}, {"relu", buf_text(&relu), 0},
                {"store", buf_text(&st), 0}, {"out", buf_text(&out), 0}};
    emit_template(e, "layer_conv_fast_block.c", h, 13);
    buf_free(&acc); buf_free(&x); buf_free(&taps); buf_free(&relu); buf_free(&st);
    buf_free(&out);
}

/* A block of kb channels into s: the whole blocks' loop (kend > 0) or, from channel
 * k0, the last one (layer_conv_fast_kloop.c / layer_conv_fast_krest.c). */
static void fw_blocks(Emitter *s, const Layer *l, const FW *f, int kb, int kend, int k0,
                      const char *dst, int bias, int act)
{
    Buf b = {0};
    Emitter sb = emit_sub(s, &b);
    fw_block(&sb, l, f, kb, dst, bias, act);
    s->failed |= sb.failed;
    if (kend) {
        Hole h[] = {{"kend", hnum(kend), 0}, {"KB", hnum(kb), 0},
                    {"block", buf_text(&b), 0}};
        emit_template(s, "layer_conv_fast_kloop.c", h, 3);
    } else {
        Hole h[] = {{"k0", hnum(k0), 0}, {"block", buf_text(&b), 0}};
        emit_template(s, "layer_conv_fast_krest.c", h, 2);
    }
    buf_free(&b);
}

/* templates/layer_conv_fast_fwd.c: src -> dst with the weights w */
static void fw_emit(Emitter *e, const Layer *l, const FW *f, const char *src,
                    const char *dst, int bias, int act)
{
    Buf pad = {0}, blocks = {0};
    Emitter sp = emit_sub(e, &pad), sb = emit_sub(e, &blocks);
    emit_pad_copy(&sp, f->xs, src, f->Cin, f->SH, f->SW, f->Hi, f->Wi, f->r0, f->c0);
    int nfull = f->Cout / f->KB, rem = f->Cout % f->KB;
    if (nfull)
        fw_blocks(&sb, l, f, f->KB, nfull * f->KB, 0, dst, bias, act);
    if (rem)
        fw_blocks(&sb, l, f, rem, 0, nfull * f->KB, dst, bias, act);
    else if (!nfull)
        emitf(&sb, "(void)k;");
    e->failed |= sp.failed | sb.failed;
    Hole h[] = {{"real", e->real, 0}, {"xs", hnum(f->xs), 0}, {"pad", buf_text(&pad), 0},
                {"blocks", buf_text(&blocks), 0}};
    emit_template(e, "layer_conv_fast_fwd.c", h, 4);
    buf_free(&pad);
    buf_free(&blocks);
}

/* The fast path applies: stride 1, and the padded geometry is exact. */
static int fast_ok(const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    if (l->unroll != U_KERNEL || g->SH != 1 || g->SW != 1)
        return 0;
    int Hp = g->OH + (g->KH - 1) * g->DH, Wp = g->OW + (g->KW - 1) * g->DW;
    return g->OH > 0 && g->OW > 0 && Hp >= g->H + g->T && Wp >= g->W + g->L &&
           g->T >= 0 && g->L >= 0;
}

static FW fw_forward(const Emitter *e, const Conv *c, int *off, int *woff)
{
    const Win *g = &c->g;
    FW f;
    memset(&f, 0, sizeof f);
    f.Cin = c->C; f.Cout = c->K;
    f.SH = g->OH + (g->KH - 1) * g->DH; f.SW = g->OW + (g->KW - 1) * g->DW;
    f.Hi = g->H; f.Wi = g->W; f.r0 = g->T; f.c0 = g->L;
    f.ntap = g->KH * g->KW; f.off = off; f.woff = woff;
    int n = 0;
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++, n++) {
            off[n] = u * g->DH * f.SW + v * g->DW;
            woff[n] = u * g->KW + v;
        }
    f.SO = c->C * f.ntap; f.SI = f.ntap;
    f.DHt = g->OH; f.DWt = g->OW; f.cr = 0; f.cc = 0;
    fw_geometry(e, &f);
    return f;
}

/* dL/dinput: the gradient zero-padded by (K-1)*d on every side, correlated with the
 * rotated filter; taps in the order of the reference sum (u descending, v ascending). */
static FW fw_input(const Emitter *e, const Conv *c, int *off, int *woff)
{
    const Win *g = &c->g;
    FW f;
    memset(&f, 0, sizeof f);
    int eh = (g->KH - 1) * g->DH, ew = (g->KW - 1) * g->DW;
    f.Cin = c->K; f.Cout = c->C;
    f.SH = g->OH + 2 * eh; f.SW = g->OW + 2 * ew;
    f.Hi = g->OH; f.Wi = g->OW; f.r0 = eh; f.c0 = ew;
    f.ntap = g->KH * g->KW; f.off = off; f.woff = woff;
    int n = 0;
    for (int u = g->KH - 1; u >= 0; u--)
        for (int v = 0; v < g->KW; v++, n++) {
            off[n] = (g->KH - 1 - u) * g->DH * f.SW + (g->KW - 1 - v) * g->DW;
            woff[n] = u * g->KW + v;
        }
    f.SO = f.ntap; f.SI = c->C * f.ntap;
    f.DHt = g->H; f.DWt = g->W; f.cr = g->T; f.cc = g->L;
    fw_geometry(e, &f);
    return f;
}

static int fast_fwd(Emitter *e, const Layer *l, const Conv *c, int input_grad)
{
    int n = c->g.KH * c->g.KW;
    int *off = malloc(sizeof(int) * (size_t)n), *woff = malloc(sizeof(int) * (size_t)n);
    FW f = input_grad ? fw_input(e, c, off, woff) : fw_forward(e, c, off, woff);
    int ok = fw_scratch(&f) * real_bytes(e->dtype) <= FAST_MAX_SCRATCH;
    if (ok) {
        if (input_grad)
            fw_emit(e, l, &f, "g", "gin", 0, 0);
        else
            fw_emit(e, l, &f, "in", "out", l->nbias > 0, l->act != ACT_NONE);
    }
    free(off);
    free(woff);
    return ok;
}

/* fast_params' padded input copy xp: elements, rounded up to the widest vector */
static long long params_xs(const Emitter *e, const Conv *c)
{
    const Win *g = &c->g;
    int SH = g->OH + (g->KH - 1) * g->DH, SW = g->OW + (g->KW - 1) * g->DW;
    return roundup_ll((long long)c->C * SH * SW, vlmax(e));
}

/* One group of taps t0 .. t0 + nt - 1 of dL/dweight: templates/layer_conv_fast_gw_taps.c
 * (the accumulators, the multiply-adds) with layer_conv_fast_gw_flush.c per tap.
 * depth: the output indent of the accumulators' line (for its wrapping). */
static void gw_taps(Emitter *s, const Conv *c, int t0, int nt, int SH, int SW, int KV,
                    int depth)
{
    const Win *g = &c->g;
    int taps = g->KH * g->KW;
    Buf t = {0}, acc = {0}, fma = {0}, flush = {0};
    Emitter sm = emit_sub(s, &fma), sf = emit_sub(s, &flush);
    buf_printf(&t, "%s_vec ", s->P);
    for (int q = 0; q < nt; q++)
        buf_printf(&t, "%ss%d = vz", q ? ", " : "", q);
    buf_puts(&t, ";");
    fast_long_hole(s, depth, t.data, &acc);
    for (int q = 0; q < nt; q++) {
        int tp = t0 + q, u = tp / g->KW, v = tp % g->KW;
        emitf(&sm, "s%d += gv * xi[j + %d];", q, u * g->DH * SW + v * g->DW);
    }
    for (int q = 0; q < nt; q++) {
        char sq[16];
        sfmt(sq, sizeof sq, "s%d", q);
        Hole h[] = {{"s", sq, 0}, {"K", hnum(c->K), 0}, {"CT", hnum(c->C * taps), 0},
                    {"T", hnum(taps), 0}, {"tap", hnum(t0 + q), 0}};
        emit_template(&sf, "layer_conv_fast_gw_flush.c", h, 5);
    }
    s->failed |= sm.failed | sf.failed;
    Hole h[] = {{"acc", buf_text(&acc), 0}, {"OH", hnum(g->OH), 0},
                {"OW", hnum(g->OW), 0}, {"KV", hnum(KV), 0},
                {"gi", lx(0, g->OW * KV, "i", 0, NULL), 0},
                {"xi", lx(0, SH * SW, "c", SW, "i", 0, NULL), 0}, {"real", s->real, 0},
                {"fma", buf_text(&fma), 0}, {"flush", buf_text(&flush), 0}};
    emit_template(s, "layer_conv_fast_gw_taps.c", h, 9);
    buf_free(&t); buf_free(&acc); buf_free(&fma); buf_free(&flush);
}

/* dL/dweight (and bias): output channels in the lanes; templates/layer_conv_fast_gw.c. */
static int fast_params(Emitter *e, const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    int SH = g->OH + (g->KH - 1) * g->DH, SW = g->OW + (g->KW - 1) * g->DW;
    int N = g->OH * g->OW, KV = roundup(c->K, vlmax(e)), taps = g->KH * g->KW;
    long long xs = params_xs(e, c);
    if ((xs + (long long)N * KV) * real_bytes(e->dtype) > FAST_MAX_SCRATCH)
        return 0;
    Buf pad = {0}, bias = {0}, tp = {0};
    Emitter sp = emit_sub(e, &pad), sb = emit_sub(e, &bias), st = emit_sub(e, &tp);
    emit_pad_copy(&sp, xs, "in", c->C, SH, SW, g->H, g->W, g->T, g->L);
    char clear[64] = "";
    if (KV > c->K)  /* the lanes past the last channel add zeros */
        sfmt(clear, sizeof clear, "memset(gt, 0, %d * sizeof(%s));", N * KV, e->real);
    if (l->nbias) {
        Hole h[] = {{"N", hnum(N), 0}, {"KV", hnum(KV), 0}, {"K", hnum(c->K), 0}};
        emit_template(&sb, "layer_conv_fast_gw_bias.c", h, 3);
    }
    /* groups of at most 24 taps: accumulators that stay in registers. The group's
     * accumulators sit 3 levels in: the taps hole (2) in layer_conv_fast_gw.c, then
     * 1 in layer_conv_fast_gw_taps.c. */
    int chunk = 24;
    for (int t0 = 0; t0 < taps; t0 += chunk)
        gw_taps(&st, c, t0, taps - t0 < chunk ? taps - t0 : chunk, SH, SW, KV,
                e->indent + 3);
    e->failed |= sp.failed | sb.failed | st.failed;
    Hole h[] = {{"real", e->real, 0}, {"xs", hnum(xs), 0}, {"pad", buf_text(&pad), 0},
                {"clear", clear, 0}, {"N", hnum(N), 0}, {"K", hnum(c->K), 0},
                {"KV", hnum(KV), 0}, {"bias", buf_text(&bias), 0},
                {"C", hnum(c->C), 0}, {"taps", buf_text(&tp), 0}};
    emit_template(e, "layer_conv_fast_gw.c", h, 10);
    buf_free(&pad); buf_free(&bias); buf_free(&tp);
    return 1;
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
    char xt[32];
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
    else if (fast_ok(l, &c) && fast_fwd(e, l, &c, 0))
        ;
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
        else if (fast_ok(l, &c) && fast_params(e, l, &c))
            ;
        else
            params_loops(e, l, &c, l->unroll == U_KERNEL);
    } else {
        if (l->unroll == U_FULL)
            input_full(e, &c);
        else if (fast_ok(l, &c) && fast_fwd(e, l, &c, 1))
            ;
        else
            input_loops(e, &c, l->unroll == U_KERNEL);
    }
    conv_free(&c);
}

/* Elements of workspace scratch the part's fast path uses (0: no fast path, no
 * scratch). Mirrors the choices of gen_conv2d_forward/backward above. */
long long gen_conv2d_scratch(const Layer *l, Dtype dt, Part part)
{
    Emitter e;
    memset(&e, 0, sizeof e);
    e.dtype = dt;
    Conv c = conv_of(l);
    long long n = 0;
    if (l->unroll != U_FULL && fast_ok(l, &c)) {
        if (part == PART_BWD_PARAMS) {
            const Win *g = &c.g;
            n = params_xs(&e, &c) + (long long)g->OH * g->OW * roundup(c.K, vlmax(&e));
        } else {
            int nt = c.g.KH * c.g.KW;
            int *off = malloc(sizeof(int) * (size_t)nt), *woff = malloc(sizeof(int) * (size_t)nt);
            FW f = part == PART_BWD_INPUT ? fw_input(&e, &c, off, woff) : fw_forward(&e, &c, off, woff);
            n = fw_scratch(&f);
            free(off);
            free(woff);
        }
        if (n * real_bytes(dt) > FAST_MAX_SCRATCH)
            n = 0;
    }
    conv_free(&c);
    return n;
}
