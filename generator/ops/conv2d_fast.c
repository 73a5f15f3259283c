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
 * Each sum keeps the order of ops/conv2d_loops.c: the padded taps
 * add exact zeros, which change no sum, so every mode gives the same bits.
 * Two refinements keep the same sums: where the source has columns of padding and the
 * destination is no wider than the source, the masked layout (fw_masked) reads the
 * source's own rows and zeroes with a mask the lanes a tap would read across a row's
 * edge (no padded columns, whole-row copies); a strided dL/dinput runs by phases
 * (fw_phase), one stride-1 correlation per row and column phase of gin with only the
 * taps that reach g's cells, instead of correlating g spread out with zeros.
 * The C is templates/layer_conv_fast_fwd.c (forward and dL/dinput) and
 * layer_conv_fast_gw.c (dL/dweight and bias), whole bodies with named constants. The
 * functions here compute the geometry that fills the constants and generate what
 * varies in count: a block's register sums and the taps. */

#define FAST_MAX_SCRATCH (512 * 1024) /* bytes of workspace scratch per layer function */
#define MASK_MAX_TAPS 64             /* the masked forward: windows up to 8x8 */
#define MASK_MAX_KW 8
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
    int SY, SX, PH;       /* strided forward: the source in SY*SX phase planes of PH rows */
    int DY, DX;           /* strided dL/dinput: the source spread out by the stride */
    /* masked (fw_masked): the vectors read the source's own rows, WI wide, not padded
     * ones; a tap that would read across a row's edge has its lanes there zeroed by a
     * mask of the positions' columns. xp [LD zeros][CI planes of CS = SH * WI][zeros] */
    int MK, LD, CS, NR, NM;
    int moff[MASK_MAX_TAPS];  /* tap t's offset from the position, in xp */
    int mi[MASK_MAX_TAPS];    /* its mask (an index into mdv), -1: none */
    int mdv[MASK_MAX_KW];     /* a mask's column shift: lanes with 0 <= j + mdv < WI stay */
    long long xm;             /* xp's elements when masked */
    /* a phase of a strided dL/dinput (fw_phase): the destination's rows PY, PY + YS, ...
     * and columns PX, PX + XS_ of the whole [Cout][YH][YW] (YS 0: not a phase) */
    int PY, PX, YS, XS_, YH, YW;
} FW;

static void fw_geometry(Dtype dt, FW *f)
{
    int maxoff = 0;
    for (int t = 0; t < f->ntap; t++)
        if (f->off[t] > maxoff)
            maxoff = f->off[t];
    /* from p0 = cr * SW (masked: cr * WI, the columns' shift cc in the taps) */
    f->P = f->MK ? (f->DHt - 1) * f->Wi + f->DWt : (f->DHt - 1) * f->SW + f->cc + f->DWt;
    int vm = vlmax(dt), best = -1;
    /* masked: NV * NM masks, which AVX-512 keeps in its 7 mask registers (more, and the
     * compiler recomputes them inside the channel loop) */
    int nvmax = f->MK && f->NM ? (6 / f->NM < 1 ? 1 : 6 / f->NM > 4 ? 4 : 6 / f->NM) : 4;
    for (int nv = nvmax; nv >= 1; nv--) {
        int pr = roundup(f->P, nv * vm);
        if (best < 0 || pr < best) {
            best = pr;
            f->NV = nv;
        }
    }
    f->PR = best;
    int kbmax = (30 - f->NM * f->NV) / f->NV - 1;   /* registers: the sums, loads and masks */
    if (kbmax < 1)
        kbmax = 1;
    if (kbmax > 16)
        kbmax = 16;
    int nb = (f->Cout + kbmax - 1) / kbmax;
    f->KB = (f->Cout + nb - 1) / nb;
    long long need = (long long)(f->Cin - 1) * f->SH * f->SW + (long long)f->cr * f->SW + f->PR + maxoff;
    long long all = (long long)f->Cin * f->SH * f->SW;
    f->xs = roundup_ll(need > all ? need : all, vm);
    if (f->MK) {
        int mx = 0;
        for (int t = 0; t < f->ntap; t++)
            if (f->moff[t] > mx)
                mx = f->moff[t];
        f->xm = roundup_ll((long long)f->LD + (long long)(f->Cin - 1) * f->CS +
                           (long long)f->cr * f->Wi + f->PR + mx, vm);
        if (f->xm < (long long)f->LD + (long long)f->Cin * f->CS)
            f->xm = roundup_ll((long long)f->LD + (long long)f->Cin * f->CS, vm);
    }
}

/* elements of the workspace scratch (xp, then of) */
static long long fw_scratch(const FW *f)
{
    return (f->MK ? f->xm : f->xs) + (long long)f->KB * f->PR;
}

/* text the emitter s wrote, in the text arena */
static const char *sub_text(Emitter *e, Emitter *s, Buf *b)
{
    e->failed |= s->failed;
    return buf_to_text(b);
}

/* the sums a<a>_<q> of a block of kb channels from k: one line per channel */
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

/* per tap: the NV loads, then every sum's multiply-add */
static void fw_taps(Emitter *s, const FW *f, int kb)
{
    const char *V = s->P;
    for (int t = 0; t < f->ntap; t++) {
        int off = f->MK ? f->moff[t] : f->off[t];
        for (int q = 0; q < f->NV; q++) {
            const char *at = off < 0 ? text_fmt("xc - %d", -off) : text_fmt("xc + %d", off);
            if (q)
                emitf(s, "x%d = %s_VLD(%s + %d * %s_VL);", q, V, at, q, V);
            else
                emitf(s, "x0 = %s_VLD(%s);", V, at);
            if (f->MK && f->mi[t] >= 0)   /* the lanes past the row's edge read zero */
                emitf(s, "x%d = (%s_vec)((__typeof__(m%d_%d))x%d & m%d_%d);", q, V, f->mi[t], q, q,
                      f->mi[t], q);
        }
        for (int a = 0; a < kb; a++)
            for (int q = 0; q < f->NV; q++)
                emitf(s, "a%d_%d += x%d * wc[%d];", a, q, q, a * f->SO + f->woff[t]);
    }
}

/* One block of kb output channels from k (layer_conv_fast_fwd.c's sample shows one):
 * the loop over p, its sums into of, then of's valid columns into dst. */
static void fw_block(Emitter *s, const Layer *l, const FW *f, int kb, int bias, int act)
{
    const char *V = s->P;
    int vrelu = act && l->act == ACT_RELU;
    emitf(s, "for (int p = 0; p < PR; p += NV * %s_VL) {", V);
    s->indent++;
    for (int q = 0; f->MK && f->NM && q < f->NV; q++)
        emitf(s, "const %s_vec cv%d = %s_VLD(cols + p%s);", V, q, V,
              q ? text_fmt(" + %d * %s_VL", q, V) : "");
    for (int d = 0; f->MK && d < f->NM; d++)
        for (int q = 0; q < f->NV; q++)
            emitf(s, "const __typeof__(cv%d > 0) m%d_%d = cv%d %s %d;", q, d, q, q,
                  f->mdv[d] < 0 ? ">=" : "<=", f->mdv[d] < 0 ? -f->mdv[d] : f->Wi - 1 - f->mdv[d]);
    fw_acc(s, f, kb, bias);
    emitf(s, "for (int c = 0; c < CI; c++) {");
    s->indent++;
    Buf x = {0};    /* the loads, declared in the loop that uses them (cppcheck variableScope) */
    for (int q = 0; q < f->NV; q++)
        buf_printf(&x, "%sx%d", q ? ", " : "", q);
    emitf(s, "%s_vec %s;", V, buf_text(&x));
    buf_free(&x);
    if (f->MK)
        emitf(s, "const %s *xc = xp + LD + c * CS + CR * WI + p;", s->real);
    else
        emitf(s, "const %s *xc = xp + (c * HP + CR) * WP + p;", s->real);
    emitf(s, "const %s *wc = w + k * SO + c * SI;", s->real);
    fw_taps(s, f, kb);
    s->indent--;
    emitf(s, "}");
    for (int a = 0; vrelu && a < kb; a++)
        for (int q = 0; q < f->NV; q++)
            emitf(s, "a%d_%d = %s_VRELU(a%d_%d);", a, q, V, a, q);
    /* the destination's rows are the full-width rows (a 1x1 convolution, or a masked
     * one as wide as its source) and take the sums as they are: the whole steps store
     * straight into it, the last one (past DR * DC) into of, whose part within is copied */
    int run = !f->YS && (f->MK ? f->DWt == f->Wi : f->DWt == f->SW && f->cc == 0);
    int direct = run && (!act || vrelu);
    if (direct) {
        emitf(s, "if (p + NV * %s_VL <= DR * DC) {", V);
        s->indent++;
        for (int a = 0; a < kb; a++)
            for (int q = 0; q < f->NV; q++)
                emitf(s, "%s_VST(dst + (k + %d) * DR * DC + p%s, a%d_%d);", V, a,
                      q ? text_fmt(" + %d * %s_VL", q, V) : "", a, q);
        s->indent--;
        emitf(s, "} else {");
        s->indent++;
    }
    for (int a = 0; a < kb; a++)
        for (int q = 0; q < f->NV; q++) {
            const char *at = a ? (q ? text_fmt("%d * PR + p + %d * %s_VL", a, q, V)
                                    : text_fmt("%d * PR + p", a))
                               : (q ? text_fmt("p + %d * %s_VL", q, V) : "p");
            emitf(s, "%s_VST(of + %s, a%d_%d);", V, at, a, q);
        }
    if (direct) {
        s->indent--;
        emitf(s, "}");
    }
    s->indent--;
    emitf(s, "}");
    const char *nb = kb == f->KB ? "KB" : hnum(kb);
    if (direct) {
        emitf(s, "for (int a = 0, pt = DR * DC / (NV * %s_VL) * (NV * %s_VL); a < %s; a++)", V, V, nb);
        emitf(s, "    memcpy(dst + (k + a) * DR * DC + pt, of + a * PR + pt, (DR * DC - pt) * sizeof(%s));",
              s->real);
        return;
    }
    emitf(s, "for (int a = 0; a < %s; a++)", nb);
    if (f->YS) {     /* a phase: every YS-th row and XS_-th column of the destination */
        emitf(s, "    for (int i = 0; i < DR; i++)");
        emitf(s, "        for (int j = 0; j < DC; j++)");
        emitf(s, "            dst[((k + a) * YH + PY + i * YS) * YW + PX + j * XSTEP] = "
              "of[a * PR + i * %s + j];", f->MK ? "WI" : "WP");
        return;
    }
    if (run) {      /* one run per channel, through the activation */
        emitf(s, "    for (int q = 0; q < DR * DC; q++)");
        emitf(s, "        dst[(k + a) * DR * DC + q] = %s;",
              act_expr(s, l->act, l->alpha, "of[a * PR + q]"));
        return;
    }
    emitf(s, "    for (int i = 0; i < DR; i++)");
    const char *RW = f->MK ? "WI" : "WP";   /* the full-width rows' width and column 0 */
    const char *CC0 = f->MK ? "" : " + CC";
    if (!act || vrelu) {
        emitf(s, "        memcpy(dst + ((k + a) * DR + i) * DC, of + a * PR + i * %s%s,", RW, CC0);
        emitf(s, "               DC * sizeof(%s));", s->real);
        return;
    }
    emitf(s, "        for (int j = 0; j < DC; j++)");
    emitf(s, "            dst[((k + a) * DR + i) * DC + j] = %s;",
          act_expr(s, l->act, l->alpha, text_fmt("of[a * PR + i * %s%s + j]", RW, CC0)));
}

/* Without vectors (PFX_VECTORS 0: a scalar FPU such as a Cortex-M4's), the full-width
 * trick only adds work: the scalar variant walks the destination's own rows and
 * columns, a block of kb channels x nj columns in kb * nj scalar sums (at most 16, so
 * that sums, loads and a weight fit 32 float registers), each sum in the order of the
 * vector path (bias, then input channels, then taps). It reads the source in place
 * when there is no padding (nothing to copy). */
#define SC_SUMS 16

static void sc_block(Emitter *s, const Layer *l, const FW *f, int kb, int nj, int bias, int act,
                     const char *src)
{
    for (int a = 0; a < kb; a++) {
        Buf t = {0};
        buf_printf(&t, "%s ", s->real);
        for (int q = 0; q < nj; q++)
            buf_printf(&t, "%sa%d_%d = %s", q ? ", " : "", a, q,
                       bias ? (q ? text_fmt("a%d_0", a) : text_fmt("b[k + %d]", a)) : "0");
        buf_puts(&t, ";");
        emitf(s, "%s", t.data);
        buf_free(&t);
    }
    emitf(s, "for (int c = 0; c < CI; c++) {");
    s->indent++;
    emitf(s, "const %s *xc = %s + (c * HP + CR + i) * WP + CC + j;", s->real, src);
    emitf(s, "const %s *wc = w + k * SO + c * SI;", s->real);
    Buf x = {0};
    for (int q = 0; q < nj; q++)
        buf_printf(&x, "%sx%d", q ? ", " : "", q);
    emitf(s, "%s %s;", s->real, buf_text(&x));
    buf_free(&x);
    for (int t = 0; t < f->ntap; t++) {
        for (int q = 0; q < nj; q++)
            emitf(s, "x%d = xc[%d];", q, f->off[t] + q);
        for (int a = 0; a < kb; a++)
            for (int q = 0; q < nj; q++)
                emitf(s, "a%d_%d += x%d * wc[%d];", a, q, q, a * f->SO + f->woff[t]);
    }
    s->indent--;
    emitf(s, "}");
    for (int a = 0; a < kb; a++)
        for (int q = 0; q < nj; q++)
            emitf(s, "dst[((k + %d) * DR + i) * DC + j + %d] = %s;", a, q,
                  act ? act_expr(s, l->act, l->alpha, text_fmt("a%d_%d", a, q)) : text_fmt("a%d_%d", a, q));
}

/* the channels from k (kb of them): every row, its columns nj at a time, then the rest */
static void sc_rows(Emitter *s, const Layer *l, const FW *f, int kb, int nj, int bias, int act,
                    const char *src)
{
    int full = f->DWt / nj * nj, rem = f->DWt % nj;
    emitf(s, "for (int i = 0; i < DR; i++) {");
    s->indent++;
    if (full) {
        emitf(s, "for (int j = 0; j < %d; j += %d) {", full, nj);
        s->indent++;
        sc_block(s, l, f, kb, nj, bias, act, src);
        s->indent--;
        emitf(s, "}");
    }
    if (rem) {
        emitf(s, "{");
        s->indent++;
        emitf(s, "const int j = %d;", full);
        sc_block(s, l, f, kb, rem, bias, act, src);
        s->indent--;
        emitf(s, "}");
    }
    s->indent--;
    emitf(s, "}");
}

/* no padding: the scalar variant reads the source in place */
static int sc_inplace(const FW *f)
{
    return f->r0 == 0 && f->c0 == 0 && f->SH == f->Hi && f->SW == f->Wi;
}

static void sc_emit(Emitter *s, const Layer *l, const FW *f, int bias, int act)
{
    /* columns per block: 5, 4 or 3 when one divides the row, else 4; channels: the
     * sums left, spread evenly over the blocks */
    int nj = f->DWt % 5 == 0 ? 5 : f->DWt % 4 == 0 ? 4 : f->DWt % 3 == 0 ? 3 : 4;
    if (nj > f->DWt)
        nj = f->DWt;
    int kbmax = SC_SUMS / nj, nb = (f->Cout + kbmax - 1) / kbmax;
    int kb = (f->Cout + nb - 1) / nb, full = f->Cout / kb * kb;
    int inplace = sc_inplace(f);
    const char *src = inplace ? "src" : "xp";
    if (inplace) {
        emitf(s, "(void)scratch;  /* no padding: the source is read in place */");
    } else {
        emitf(s, "%s *const xp = scratch;", s->real);
        emitf(s, "memset(xp, 0, XS * sizeof(%s));", s->real);
        emitf(s, "for (int c = 0; c < CI; c++)");
        emitf(s, "    for (int y = 0; y < HI; y++)");
        emitf(s, "        memcpy(xp + (c * HP + R0 + y) * WP + C0, src + (c * HI + y) * WI,");
        emitf(s, "               WI * sizeof(%s));", s->real);
    }
    if (full) {
        emitf(s, "for (int k = 0; k < %d; k += %d) {", full, kb);
        s->indent++;
        sc_rows(s, l, f, kb, nj, bias, act, src);
        s->indent--;
        emitf(s, "}");
    }
    if (f->Cout > full) {
        emitf(s, "{");
        s->indent++;
        emitf(s, "const int k = %d;", full);
        sc_rows(s, l, f, f->Cout - full, nj, bias, act, src);
        s->indent--;
        emitf(s, "}");
    }
}

/* The copy of a strided source into its SY*SX phase planes (fw_strided, params_geom):
 * padded cell (r, q) = (R0 + y, C0 + x) goes to plane (r % SY, q % SX), row r / SY,
 * column q / SX; by source row and plane column phase, so that the inner loop reads
 * every SX-th cell and writes a plane row's consecutive cells (no division per cell).
 * The names: channels, rows, columns, the top and left padding, the source. */
static const char *phase_copy(const char *R, const char *C, const char *H, const char *W, const char *T,
                              const char *L, const char *src)
{
    return text_fmt(
        "for (int c = 0; c < %s; c++)   /* the padded cells (r, q) read, as SY*SX phase planes */\n"
        "    for (int y = 0; y < %s && %s + y < HR; y++) {\n"
        "        const int r = %s + y;\n"
        "        const %s *const s = %s + (c * %s + y) * %s;\n"
        "        for (int px = 0; px < SX; px++) {\n"
        "            %s *const d = xp + ((c * SY * SX + r %% SY * SX + px) * PH + r / SY) * WP;\n"
        "            for (int x = ((px - %s) %% SX + SX) %% SX; x < %s && %s + x < WR; x += SX)\n"
        "                d[(%s + x) / SX] = s[x];\n"
        "        }\n"
        "    }", C, H, T, T, R, src, H, W, R, L, W, L, L);
}

/* without vectors: the loops of the whole layer part (walk_loops), no scratch */
static void loops_text(Emitter *ss, const Layer *l, const Conv *c, int input_grad)
{
    emitf(ss, "(void)scratch;");
    emitf(ss, "(void)src;");
    emitf(ss, "(void)dst;");
    emitf(ss, "{   /* a scope of its own: the loops' constants */");
    ss->indent++;
    walk_loops(ss, l, c, 1, input_grad);
    ss->indent--;
    emitf(ss, "}");
}

/* a phase without taps, the first (fw_phase): the loops for the build without vectors */
static void fw_scalar_loops(Emitter *e, const Layer *l, const Conv *c)
{
    emitf(e, "#if !%s_VECTORS", e->P);
    emitf(e, "{");
    e->indent++;
    emitf(e, "const %s *const src = g;", e->real);
    emitf(e, "%s *const dst = gin;", e->real);
    loops_text(e, l, c, 1);
    e->indent--;
    emitf(e, "}");
    emitf(e, "#endif");
}

/* templates/layer_conv_fast_fwd.c: src -> dst with the weights w. scalar: the build
 * without vectors does the whole part here (0: a later phase of a strided dL/dinput,
 * whose first phase did) */
static void fw_emit(Emitter *e, const Layer *l, const Conv *c, const FW *f, int input_grad,
                    int scalar)
{
    int bias = !input_grad && l->nbias > 0, act = !input_grad && l->act != ACT_NONE;
    int nfull = f->Cout / f->KB, rem = f->Cout % f->KB;
    Buf bb = {0}, br = {0};
    Emitter sb = emit_sub(e, &bb), sr = emit_sub(e, &br);
    if (nfull) {
        emitf(&sb, "for (int k = 0; k < FULL; k += KB) {");
        sb.indent++;
        fw_block(&sb, l, f, f->KB, bias, act);
        sb.indent--;
        emitf(&sb, "}");
    }
    if (rem) {
        emitf(&sr, "{");
        sr.indent++;
        emitf(&sr, "const int k = FULL;");
        fw_block(&sr, l, f, rem, bias, act);
        sr.indent--;
        emitf(&sr, "}");
    }
    const char *consts = text_fmt(
        "enum { CI = %d, CO = %d, HI = %d, WI = %d, HP = %d, WP = %d, R0 = %d, C0 = %d, XS = %lld };\n"
        "enum { SO = %d, SI = %d, DR = %d, DC = %d, CR = %d, CC = %d, PR = %d, NV = %d, KB = %d, "
        "FULL = %d };", f->Cin, f->Cout, f->Hi, f->Wi, f->SH, f->SW, f->r0, f->c0, f->xs,
        f->SO, f->SI, f->DHt, f->DWt, f->cr, f->cc, f->PR, f->NV, f->KB, nfull * f->KB);
    const char *copy = NULL;    /* the sample's padded copy, or the phase planes' */
    const char *ofl = NULL;
    if (f->YS)
        consts = text_fmt("%s\nenum { PY = %d, PX = %d, YS = %d, XSTEP = %d, YH = %d, YW = %d };",
                          consts, f->PY, f->PX, f->YS, f->XS_, f->YH, f->YW);
    if (f->MK) {
        consts = text_fmt("%s\nenum { LD = %d, CS = %d, NR = %d, XM = %lld };", consts, f->LD,
                          f->CS, f->NR, f->xm);
        ofl = text_fmt("%s *const of = scratch + XM;", e->real);
        Buf t = {0};
        if (f->NM) {
            buf_printf(&t, "static const %s cols[PR] = {   /* each position's column */", e->real);
            for (int q = 0; q < f->PR; q++)
                buf_printf(&t, "%s%d%s", q % 20 ? " " : "\n    ", q % f->Wi, q + 1 < f->PR ? "," : "");
            buf_puts(&t, "\n};\n");
        }
        if (f->LD)
            buf_printf(&t, "memset(xp, 0, LD * sizeof(%s));\n", e->real);
        buf_printf(&t, "for (int c = 0; c < CI; c++) {   /* the source's rows, zero rows above and below */\n");
        buf_printf(&t, "    %s *const xc = xp + LD + c * CS;\n", e->real);
        if (f->r0)
            buf_printf(&t, "    memset(xc, 0, R0 * WI * sizeof(%s));\n", e->real);
        buf_printf(&t, "    memcpy(xc + R0 * WI, src + c * HI * WI, NR * WI * sizeof(%s));\n", e->real);
        if (f->CS > (f->r0 + f->NR) * f->Wi)
            buf_printf(&t, "    memset(xc + (R0 + NR) * WI, 0, (CS - (R0 + NR) * WI) * sizeof(%s));\n", e->real);
        buf_printf(&t, "}\nmemset(xp + LD + CI * CS, 0, (XM - LD - CI * CS) * sizeof(%s));", e->real);
        copy = buf_to_text(&t);
    } else if (f->SH == f->Hi && f->SW == f->Wi && !f->r0 && !f->c0 && !f->DY && !f->SY)
        copy = text_fmt("memcpy(xp, src, CI * HI * WI * sizeof(%s));   /* no padding: as it lies */\n"
                        "memset(xp + CI * HI * WI, 0, (XS - CI * HI * WI) * sizeof(%s));",
                        e->real, e->real);
    if (f->DY) {
        consts = text_fmt("%s\nenum { SY = %d, SX = %d };", consts, f->DY, f->DX);
        copy = text_fmt(
            "memset(xp, 0, XS * sizeof(%s));\n"
            "for (int c = 0; c < CI; c++)   /* g spread out by the stride (zeros between) */\n"
            "    for (int y = 0; y < HI; y++)\n"
            "        for (int x = 0; x < WI; x++)\n"
            "            xp[(c * HP + R0 + y * SY) * WP + C0 + x * SX] = src[(c * HI + y) * WI + x];",
            e->real);
    }
    if (f->SY) {
        consts = text_fmt("%s\nenum { SY = %d, SX = %d, PH = %d, HR = %d, WR = %d };", consts,
                          f->SY, f->SX, f->PH, f->PH * f->SY, f->SW * f->SX);
        copy = text_fmt("memset(xp, 0, XS * sizeof(%s));\n%s", e->real,
                        phase_copy(e->real, "CI", "HI", "WI", "R0", "C0", "src"));
    }
    Buf bs = {0};
    Emitter ss = emit_sub(e, &bs);
    if (!scalar) {
        emitf(&ss, "(void)scratch;   /* the first phase's loops did the whole gradient */");
        emitf(&ss, "(void)src;");
        emitf(&ss, "(void)dst;");
    } else if (f->SY || f->YS || (input_grad && !sc_inplace(f))) {
        /* without vectors, the loops (no scratch): for a strided forward, and for
         * dL/dinput, where the padded copy of g would be the largest thing alive in a
         * training step */
        loops_text(&ss, l, c, input_grad);
    } else {
        sc_emit(&ss, l, f, bias, act);
    }
    Hole h[] = {{"consts", consts, 0},
                {"src", input_grad ? text_fmt("const %s *const src = g;", e->real) : NULL, 0},
                {"dst", input_grad ? text_fmt("%s *const dst = gin;", e->real) : NULL, 0},
                {"blocks", sub_text(e, &sb, &bb), 0}, {"rest", sub_text(e, &sr, &br), 0},
                {"scalar", sub_text(e, &ss, &bs), 0}, {"copy", copy, 0}, {"of", ofl, 0}};
    emit_template(e, "layer_conv_fast_fwd.c", h, 8);
}

/* The fast path applies: `kernel` mode, and the padded geometry is exact (any stride:
 * fw_strided, fw_input, params_geom). */
static int fast_ok(const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    if (l->unroll != U_KERNEL)
        return 0;
    if (g->SH != 1 || g->SW != 1)
        return g->OH > 0 && g->OW > 0 && g->T >= 0 && g->L >= 0;
    int Hp = g->OH + (g->KH - 1) * g->DH, Wp = g->OW + (g->KW - 1) * g->DW;
    return g->OH > 0 && g->OW > 0 && Hp >= g->H + g->T && Wp >= g->W + g->L &&
           g->T >= 0 && g->L >= 0;
}

/* The forward. With stride (SY, SX) > 1 the padded input is copied as SY*SX phase
 * planes, plane (r % SY, q % SX) holding the padded cells (r, q) at (r / SY, q / SX),
 * stacked per channel: output (i, j) then reads tap (u, v) at plane
 * (u*DH % SY, v*DW % SX), row i + u*DH / SY, column j + v*DW / SX, which is again
 * p = i * WP + j plus a constant, so the stride-1 loops serve, the taps in the same
 * order (the same bits as the loop modes). */
static FW fw_strided(Dtype dt, const Conv *c, int *off, int *woff)
{
    const Win *g = &c->g;
    FW f;
    memset(&f, 0, sizeof f);
    f.Cin = c->C; f.Cout = c->K;
    f.SY = g->SH; f.SX = g->SW;
    int hp = (g->OH - 1) * g->SH + (g->KH - 1) * g->DH + 1;   /* padded rows read */
    int wp = (g->OW - 1) * g->SW + (g->KW - 1) * g->DW + 1;
    f.PH = (hp + f.SY - 1) / f.SY;
    f.SW = (wp + f.SX - 1) / f.SX;
    f.SH = f.SY * f.SX * f.PH;
    f.Hi = g->H; f.Wi = g->W; f.r0 = g->T; f.c0 = g->L;
    f.ntap = g->KH * g->KW; f.off = off; f.woff = woff;
    int n = 0;
    for (int u = 0; u < g->KH; u++)
        for (int v = 0; v < g->KW; v++, n++) {
            int ru = u * g->DH, cv = v * g->DW;
            int plane = (ru % f.SY) * f.SX + cv % f.SX;
            off[n] = (plane * f.PH + ru / f.SY) * f.SW + cv / f.SX;
            woff[n] = u * g->KW + v;
        }
    f.SO = c->C * f.ntap; f.SI = f.ntap;
    f.DHt = g->OH; f.DWt = g->OW; f.cr = 0; f.cc = 0;
    fw_geometry(dt, &f);
    return f;
}

/* A stride-1 correlation (the forward, or dL/dinput, the full one) whose source has
 * columns of padding: the masked layout (FW.MK) when the destination is no wider than
 * the source and there are at most MASK_MAX_KW column shifts. Destination (i, j) sits
 * at p = i * WI + j past row CR of the source's rows; tap t reads p plus its row
 * offset times WI plus its column shift dv (its padded column less C0, plus CC), and
 * the lanes whose j + dv falls outside [0, WI) would read a neighbouring row: a mask
 * per such shift zeroes them, which is what the padded copy held there (the same sums,
 * bit for bit). The copy is then whole rows (no per-row copies, no columns of zeros),
 * and where the destination is as wide as the source its rows come out as they lie. */
static void fw_masked(FW *f)
{
    if (f->SY || f->DY || f->DWt > f->Wi || (f->c0 == 0 && f->SW <= f->Wi) ||
        f->ntap > MASK_MAX_TAPS)
        return;
    int lead = 0, nm = 0;
    for (int t = 0; t < f->ntap; t++) {
        int ro = f->off[t] / f->SW, dv = f->off[t] % f->SW + f->cc - f->c0;
        f->moff[t] = ro * f->Wi + dv;
        f->mi[t] = -1;
        if (-dv > lead)
            lead = -dv;
        if (dv >= 0 && f->DWt - 1 + dv <= f->Wi - 1)
            continue;       /* every destination column's tap stays in its row */
        for (int d = 0; d < nm; d++)
            if (f->mdv[d] == dv)
                f->mi[t] = d;
        if (f->mi[t] < 0) {
            if (nm == MASK_MAX_KW)
                return;     /* too many shifts: the padded copy */
            f->mdv[nm] = dv;
            f->mi[t] = nm++;
        }
    }
    f->MK = 1;
    f->NM = nm;
    f->LD = lead;
    f->CS = f->SH * f->Wi;
    f->NR = f->Hi < f->SH - f->r0 ? f->Hi : f->SH - f->r0;
}

static FW fw_forward(Dtype dt, const Conv *c, int *off, int *woff)
{
    const Win *g = &c->g;
    if (g->SH != 1 || g->SW != 1)
        return fw_strided(dt, c, off, woff);
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
    fw_masked(&f);
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
    if (g->SH != 1 || g->SW != 1) {
        /* a stride: g spread out by it (zeros between its cells: the transposed
         * convolution), then the same full correlation; the rows and columns past the
         * last window read zeros (their gradient is 0) */
        f.DY = g->SH; f.DX = g->SW;
        f.SH = (g->OH - 1) * g->SH + 1 + 2 * eh;
        f.SW = (g->OW - 1) * g->SW + 1 + 2 * ew;
        if (g->T + g->H + eh > f.SH)
            f.SH = g->T + g->H + eh;
        if (g->L + g->W + ew > f.SW)
            f.SW = g->L + g->W + ew;
    }
    f.ntap = g->KH * g->KW; f.off = off; f.woff = woff;
    int n = 0;
    for (int u = g->KH - 1; u >= 0; u--)
        for (int v = 0; v < g->KW; v++, n++) {
            off[n] = (g->KH - 1 - u) * g->DH * f.SW + (g->KW - 1 - v) * g->DW;
            woff[n] = u * g->KW + v;
        }
    f.SO = f.ntap; f.SI = c->C * f.ntap;
    f.DHt = g->H; f.DWt = g->W; f.cr = g->T; f.cc = g->L;
    fw_masked(&f);
    fw_geometry(dt, &f);
    return f;
}

/* A strided dL/dinput by phases: gin's cells (i, j) with i = PY (mod SH), j = PX
 * (mod SW) take g only through the taps (u, v) with PY + T - u*DH = 0 (mod SH) and
 * PX + L - v*DW = 0 (mod SW), tap (u, v) reading g at row (PY + T - u*DH) / SH + i'
 * and column (PX + L - v*DW) / SW + j' for the phase's cell (i', j'): a stride-1
 * correlation of g, zero-padded, with those taps (in the reference order, u descending
 * and v ascending), whose results go to every SH-th row and SW-th column. The taps left
 * out would multiply the zeros between g's cells (fw_input's DY): the same sums, a
 * quarter of the work at stride 2. ph = py * SW + px; ntap 0: no tap reaches it. */
static FW fw_phase(Dtype dt, const Conv *c, int ph, int *off, int *woff)
{
    const Win *g = &c->g;
    FW f;
    memset(&f, 0, sizeof f);
    int py = ph / g->SW, px = ph % g->SW;
    f.Cin = c->K; f.Cout = c->C;
    f.Hi = g->OH; f.Wi = g->OW;
    f.PY = py; f.PX = px; f.YS = g->SH; f.XS_ = g->SW; f.YH = g->H; f.YW = g->W;
    f.DHt = (g->H - py + g->SH - 1) / g->SH;
    f.DWt = (g->W - px + g->SW - 1) / g->SW;
    int au[64], bv[64], n = 0, amin = 0, amax = 0, bmin = 0, bmax = 0;
    for (int u = g->KH - 1; u >= 0; u--)
        for (int v = 0; v < g->KW; v++) {
            int ra = py + g->T - u * g->DH, cb = px + g->L - v * g->DW;
            if (ra % g->SH || cb % g->SW)
                continue;       /* the tap lands between g's cells (a multiple: exact) */
            au[n] = ra / g->SH;
            bv[n] = cb / g->SW;
            if (!n || au[n] < amin) amin = au[n];
            if (!n || au[n] > amax) amax = au[n];
            if (!n || bv[n] < bmin) bmin = bv[n];
            if (!n || bv[n] > bmax) bmax = bv[n];
            woff[n] = u * g->KW + v;
            n++;
        }
    f.ntap = n; f.off = off; f.woff = woff;
    if (!n || f.DHt <= 0 || f.DWt <= 0)
        return f;
    f.r0 = amin < 0 ? -amin : 0;
    f.c0 = bmin < 0 ? -bmin : 0;
    f.SH = f.r0 + (g->OH > amax + f.DHt ? g->OH : amax + f.DHt);
    f.SW = f.c0 + (g->OW > bmax + f.DWt ? g->OW : bmax + f.DWt);
    for (int t = 0; t < n; t++)
        off[t] = (au[t] + f.r0) * f.SW + bv[t] + f.c0;
    f.SO = g->KH * g->KW; f.SI = c->C * g->KH * g->KW;
    f.cr = 0; f.cc = 0;
    fw_masked(&f);
    fw_geometry(dt, &f);
    return f;
}

/* dL/dinput by phases (fw_phase): a stride, and at most 64 taps (the window's) */
static int by_phases(const Win *g) { return (g->SH > 1 || g->SW > 1) && g->KH * g->KW <= 64; }

/* the forward or dL/dinput on the fast path (the schedule chose it: l->fast) */
void conv_fast_fwd(Emitter *e, const Layer *l, const Conv *c, int input_grad)
{
    const Win *g = &c->g;
    int n = g->KH * g->KW;
    int *off = malloc(sizeof(int) * (size_t)n), *woff = malloc(sizeof(int) * (size_t)n);
    if (input_grad && by_phases(g)) {
        for (int ph = 0; ph < g->SH * g->SW; ph++) {
            FW f = fw_phase(e->dtype, c, ph, off, woff);
            if (f.DHt <= 0 || f.DWt <= 0)
                continue;       /* a phase past the input: no cells */
            emitf(e, "{   /* gin's rows %d, %d, ... and columns %d, %d, ...: %d of the %d taps */",
                  f.PY, f.PY + f.YS, f.PX, f.PX + f.XS_, f.ntap, n);
            e->indent++;
            if (!f.ntap) {      /* no tap reaches them: zeros (the loops, phase 0, write all) */
                emitf(e, "#if %s_VECTORS", e->P);
                emitf(e, "for (int c = 0; c < %d; c++)", c->C);
                emitf(e, "    for (int i = 0; i < %d; i++)", f.DHt);
                emitf(e, "        for (int j = 0; j < %d; j++)", f.DWt);
                emitf(e, "            gin[(c * %d + %d + i * %d) * %d + %d + j * %d] = 0;", g->H, f.PY,
                      f.YS, g->W, f.PX, f.XS_);
                emitf(e, "#endif");
                if (ph == 0)
                    fw_scalar_loops(e, l, c);
            } else {
                fw_emit(e, l, c, &f, input_grad, ph == 0);
            }
            e->indent--;
            emitf(e, "}");
        }
    } else {
        FW f = input_grad ? fw_input(e->dtype, c, off, woff) : fw_forward(e->dtype, c, off, woff);
        fw_emit(e, l, c, &f, input_grad, 1);
    }
    free(off);
    free(woff);
}

/* fast_params' padded input copy xp [C][HP][WP]: with stride (SY, SX) > 1 its rows
 * per channel are the SY*SX phase planes of PH rows each (fw_strided) */
typedef struct GP { int HP, WP, SY, SX, PH; } GP;

static GP params_geom(const Conv *c)
{
    const Win *g = &c->g;
    GP p = {g->OH + (g->KH - 1) * g->DH, g->OW + (g->KW - 1) * g->DW, 0, 0, 0};
    if (g->SH != 1 || g->SW != 1) {
        int hp = (g->OH - 1) * g->SH + (g->KH - 1) * g->DH + 1;
        int wp = (g->OW - 1) * g->SW + (g->KW - 1) * g->DW + 1;
        p.SY = g->SH; p.SX = g->SW;
        p.PH = (hp + p.SY - 1) / p.SY;
        p.WP = (wp + p.SX - 1) / p.SX;
        p.HP = p.SY * p.SX * p.PH;
    }
    return p;
}

/* the xp offset of tap (u, v) from output position (i, j)'s (i * WP + j) */
static int params_off(const Conv *c, const GP *p, int u, int v)
{
    const Win *g = &c->g;
    int ru = u * g->DH, cv = v * g->DW;
    if (!p->SY)
        return ru * p->WP + cv;
    int plane = (ru % p->SY) * p->SX + cv % p->SX;
    return (plane * p->PH + ru / p->SY) * p->WP + cv / p->SX;
}

/* elements of xp, rounded up to the widest vector */
static long long params_xs(Dtype dt, const Conv *c)
{
    GP p = params_geom(c);
    return roundup_ll((long long)c->C * p.HP * p.WP, vlmax(dt));
}

/* One group of taps t0 .. t0 + nt - 1 of dL/dweight (layer_conv_fast_gw.c's sample
 * shows one): a sum s<q> per tap over the output positions, then each into gw. */
/* One group of nt taps from t0 of nch input channels from c (1, or 2 where there are
 * registers for twice the sums: s<q> for channel c, r<q> for c + 1), each sum over
 * every position in order: twice the independent sums hide the multiply-add's latency,
 * and each load of g serves twice the multiply-adds. */
static void gw_taps(Emitter *s, const Conv *c, int t0, int nt, const GP *gp, int nch)
{
    const Win *g = &c->g;
    Buf t = {0};
    buf_printf(&t, "gvec ");
    for (int h = 0; h < nch; h++)
        for (int q = 0; q < nt; q++)
            buf_printf(&t, "%s%c%d = vz", q || h ? ", " : "", "sr"[h], q);
    buf_puts(&t, ";");
    emitf(s, "{");
    s->indent++;
    emit_long(s, t.data);
    emitf(s, "for (int i = 0; i < OH; i++) {");
    emitf(s, "    const %s *gi = gt + i * OW * KV + kv;", s->real);
    emitf(s, "    const %s *xi = xp + (c * HP + i) * WP;", s->real);
    if (nch > 1)
        emitf(s, "    const %s *xn = xi + HP * WP;   /* channel c + 1 */", s->real);
    emitf(s, "    for (int j = 0; j < OW; j++) {");
    emitf(s, "        const gvec gv = *(const gvec *)(const void *)(gi + j * KV);");
    for (int q = 0; q < nt; q++) {
        int tp = t0 + q, u = tp / g->KW, v = tp % g->KW;
        for (int h = 0; h < nch; h++)
            emitf(s, "        %c%d += gv * %s[j + %d];", "sr"[h], q, h ? "xn" : "xi",
                  params_off(c, gp, u, v));
    }
    emitf(s, "    }");
    emitf(s, "}");
    for (int h = 0; h < nch; h++)
        for (int q = 0; q < nt; q++) {
            emitf(s, "*(gvec *)(void *)t = %c%d;", "sr"[h], q);
            emitf(s, "for (int l = 0; l < GVL && kv + l < K; l++)");
            emitf(s, "    gw[(kv + l) * C * KH * KW + (c + %d) * KH * KW + %d] += t[l];", h, t0 + q);
        }
    s->indent--;
    emitf(s, "}");
    buf_free(&t);
}

/* dL/dweight (and bias): output channels in the lanes; templates/layer_conv_fast_gw.c. */
void conv_fast_params(Emitter *e, const Layer *l, const Conv *c)
{
    const Win *g = &c->g;
    GP gp = params_geom(c);
    int N = g->OH * g->OW, KV = roundup(c->K, vlmax(e->dtype)), taps = g->KH * g->KW;
    long long xs = params_xs(e->dtype, c);
    Buf tp = {0};
    Emitter st = emit_sub_at(e, &tp, e->indent + 2);   /* the taps hole sits 2 levels in */
    /* groups of at most 24 sums, which stay in registers; with 64-byte vectors (32
     * registers) and an even number of input channels, two channels at a time (CB) */
    int chunk = 24, two = c->C % 2 == 0 && taps <= 12;
    if (two) {
        emitf(&st, "if (CB == 2) {");
        st.indent++;
        gw_taps(&st, c, 0, taps, &gp, 2);
        st.indent--;
        emitf(&st, "} else {");
        st.indent++;
    }
    for (int t0 = 0; t0 < taps; t0 += chunk)
        gw_taps(&st, c, t0, taps - t0 < chunk ? taps - t0 : chunk, &gp, 1);
    if (two) {
        st.indent--;
        emitf(&st, "}");
    }
    const char *consts = text_fmt(
        "enum { C = %d, K = %d, H = %d, W = %d, OH = %d, OW = %d, N = %d, KH = %d, KW = %d };\n"
        "enum { DH = %d, DW = %d, PT = %d, PL = %d, HP = %d, WP = %d, KV = %d, XS = %lld };",
        c->C, c->K, g->H, g->W, g->OH, g->OW, N, g->KH, g->KW, g->DH, g->DW, g->T, g->L,
        gp.HP, gp.WP, KV, xs);
    /* the lanes: the pass's vectors, or half of 64-byte ones when the channels fit them
     * (LeNet-5's conv1: 6 of 8 lanes busy instead of 6 of 16) */
    int half = c->K <= 32 / real_bytes(e->dtype);
    consts = text_fmt("%s\n#if %s_VBYTES >= 64%s\n"
                      "typedef %s gvec __attribute__((vector_size(%s), aligned(sizeof(%s)), may_alias));\n"
                      "#else\ntypedef %s_vec gvec;\n#endif\n"
                      "enum { GVL = sizeof(gvec) / sizeof(%s) };", consts, e->P, half ? "" : " && 0",
                      e->real, half ? "32" : text_fmt("%s_VBYTES", e->P), e->real, e->P, e->real);
    consts = text_fmt(two ? "%s\nenum { CB = %s_VBYTES >= 64 ? 2 : 1 };   /* input channels at a time */"
                          : "%s\nenum { CB = 1 };%s", consts, two ? e->P : "");
    const char *copy = NULL;    /* the sample's padded copy, or the phase planes' */
    if (gp.SY) {
        consts = text_fmt("%s\nenum { SY = %d, SX = %d, PH = %d, HR = %d, WR = %d };", consts,
                          gp.SY, gp.SX, gp.PH, gp.PH * gp.SY, gp.WP * gp.SX);
        copy = phase_copy(e->real, "C", "H", "W", "PT", "PL", "in");
    }
    Hole h[] = {{"consts", consts, 0}, {"clear", KV > c->K ? NULL : "", 0},
                {"bias", l->nbias ? NULL : "", 0}, {"taps", sub_text(e, &st, &tp), 0},
                {"copy", copy, 0}};
    emit_template(e, "layer_conv_fast_gw.c", h, 5);
}


long long conv2d_scratch(const Layer *l, Dtype dt, Part part, int *fast, long long *one_lane)
{
    Conv c = conv_of(l);
    long long n = 0;
    *fast = 0;
    *one_lane = 0;
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
            const Win *g = &c.g;
            FW f = part == PART_BWD_INPUT ? fw_input(dt, &c, off, woff) : fw_forward(dt, &c, off, woff);
            n = fw_scratch(&f);
            if (part == PART_BWD_INPUT && by_phases(g)) {
                n = 0;          /* by phases: the largest phase's */
                for (int ph = 0; ph < g->SH * g->SW; ph++) {
                    FW q = fw_phase(dt, &c, ph, off, woff);
                    if (q.ntap && q.DHt > 0 && q.DWt > 0 && fw_scratch(&q) > n)
                        n = fw_scratch(&q);
                }
            }
            /* without vectors (sc_emit): the padded copy, none when there is no padding */
            *one_lane = sc_inplace(&f) || part == PART_BWD_INPUT || f.SY ? 0 : f.xs;
            free(off);
            free(woff);
        }
        if (n * real_bytes(dt) > FAST_MAX_SCRATCH)
            n = *one_lane = 0;
        else
            *fast = 1;
        if (part == PART_BWD_PARAMS)
            *one_lane = 0;      /* without vectors: the loops (gen_conv2d_backward) */
    }
    conv_free(&c);
    return n;
}

