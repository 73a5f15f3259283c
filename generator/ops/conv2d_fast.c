/* ops/conv2d_fast.c - the conv2d vector fast path (see below), and the schedule's
 * question about it (conv2d_scratch). The summation order is the one of
 * ops/conv2d_loops.c, so every mode gives the same bits. */
#include <stdlib.h>
#include <string.h>
#include "conv2d.h"

/* The fast path.
 * Stride 1 (any dilation and padding), in `kernel` mode (which `auto` picks for
 * convolutions with small windows): GNU C vectors (see the file's preamble) over
 * "full-width" rows. With the input copied, zero-padded, into a buffer (in the
 * workspace's scratch, see conv2d_scratch) whose rows are Wp = W + left + right
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

static int vlmax(Dtype dt) { return VEC_MAX_BYTES / real_bytes(dt); }
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

static void fw_geometry(Dtype dt, FW *f)
{
    int maxoff = 0;
    for (int t = 0; t < f->ntap; t++)
        if (f->off[t] > maxoff)
            maxoff = f->off[t];
    f->P = (f->DHt - 1) * f->SW + f->cc + f->DWt;     /* from p0 = cr * SW */
    int vm = vlmax(dt), best = -1;
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

static FW fw_forward(Dtype dt, const Conv *c, int *off, int *woff)
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
    fw_geometry(dt, &f);
    return f;
}

/* dL/dinput: the gradient zero-padded by (K-1)*d on every side, correlated with the
 * rotated filter; taps in the order of the reference sum (u descending, v ascending). */
static FW fw_input(Dtype dt, const Conv *c, int *off, int *woff)
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
    fw_geometry(dt, &f);
    return f;
}

/* the forward or dL/dinput on the fast path (the schedule chose it: l->fast) */
void conv_fast_fwd(Emitter *e, const Layer *l, const Conv *c, int input_grad)
{
    int n = c->g.KH * c->g.KW;
    int *off = malloc(sizeof(int) * (size_t)n), *woff = malloc(sizeof(int) * (size_t)n);
    FW f = input_grad ? fw_input(e->dtype, c, off, woff) : fw_forward(e->dtype, c, off, woff);
    if (input_grad)
        fw_emit(e, l, &f, "g", "gin", 0, 0);
    else
        fw_emit(e, l, &f, "in", "out", l->nbias > 0, l->act != ACT_NONE);
    free(off);
    free(woff);
}

/* fast_params' padded input copy xp: elements, rounded up to the widest vector */
static long long params_xs(Dtype dt, const Conv *c)
{
    const Win *g = &c->g;
    int SH = g->OH + (g->KH - 1) * g->DH, SW = g->OW + (g->KW - 1) * g->DW;
    return roundup_ll((long long)c->C * SH * SW, vlmax(dt));
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
void conv_fast_params(Emitter *e, const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    int SH = g->OH + (g->KH - 1) * g->DH, SW = g->OW + (g->KW - 1) * g->DW;
    int N = g->OH * g->OW, KV = roundup(c->K, vlmax(e->dtype)), taps = g->KH * g->KW;
    long long xs = params_xs(e->dtype, c);
    Buf pad = {0}, bias = {0}, tp = {0};
    Emitter sp = emit_sub(e, &pad), sb = emit_sub(e, &bias), st = emit_sub(e, &tp);
    emit_pad_copy(&sp, xs, "in", c->C, SH, SW, g->H, g->W, g->T, g->L);
    char clear[MAX_NAME + 96] = "";
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
}


long long conv2d_scratch(const Layer *l, Dtype dt, Part part, int *fast)
{
    Conv c = conv_of(l);
    long long n = 0;
    *fast = 0;
    if (l->unroll != U_FULL && fast_ok(l, &c)) {
        if (part == PART_BWD_PARAMS) {
            const Win *g = &c.g;
            n = params_xs(dt, &c) + (long long)g->OH * g->OW * roundup(c.K, vlmax(dt));
        } else {
            int nt = c.g.KH * c.g.KW;
            int *off = malloc(sizeof(int) * (size_t)nt), *woff = malloc(sizeof(int) * (size_t)nt);
            if (!off || !woff) {   /* no memory for the tap tables: no fast path */
                free(off);
                free(woff);
                conv_free(&c);
                return 0;
            }
            FW f = part == PART_BWD_INPUT ? fw_input(dt, &c, off, woff) : fw_forward(dt, &c, off, woff);
            n = fw_scratch(&f);
            free(off);
            free(woff);
        }
        if (n * real_bytes(dt) > FAST_MAX_SCRATCH)
            n = 0;
        else
            *fast = 1;
    }
    conv_free(&c);
    return n;
}

