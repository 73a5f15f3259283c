/* emit.c - the C writer: fills the templates (templates/, embedded in the binary as
 * cnngen_templates[]) with the sizes, structs, API functions and the per-layer
 * functions written by the gen/ emitters.
 *
 * Generated code layout (net.c):
 *   static void P_<layer>_fwd(...)          forward of one layer (fused activation)
 *   static void P_<layer>_fwd_infer(...)    a max pool's forward without the argmax,
 *                                           which P_forward of a training build runs
 *   static void P_<layer>_bwd_act(out, g)   g *= f'(out) for a fused activation
 *   static void P_<layer>_bwd_params(...)   gw += dL/dw, gb += dL/db
 *   static void P_<layer>_bwd_input(...)    gin = dL/din
 *   static ... P_run / P_loss / P_out_*     the forward pass into the workspace, the
 *                                           loss and its gradient, output transforms
 *   the API: P_init, P_forward, P_backward, P_sgd, P_train_batch, P_model
 * Each per-layer function takes only the arrays it uses (part_args below). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

struct template_file { const char *name; const char *text; };
extern const struct template_file cnngen_templates[];

/* ------------------------------------------------------------------ emitter */

void emitf(Emitter *e, const char *fmt, ...)
{
    for (int i = 0; i < e->indent; i++)
        buf_puts(e->b, "    ");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(e->b, fmt, ap);
    va_end(ap);
    buf_putc(e->b, '\n');
}

#define LINE_WIDTH 96

void emit_long(Emitter *e, const char *s)
{
    size_t n = strlen(s), start = 0;
    int first = 1;
    while (start < n) {
        int ind = (e->indent + (first ? 0 : 2)) * 4, wind = ind + e->hole_indent * 4;
        size_t room = LINE_WIDTH > wind + 20 ? (size_t)(LINE_WIDTH - wind) : 20;
        size_t end = n;
        if (n - start > room) {
            /* last break point within room: after ", " or before " + " */
            size_t best = 0;
            for (size_t k = start + 1; k < n && k - start <= room; k++)
                if (s[k] == ' ' && (s[k - 1] == ',' || (k + 1 < n && s[k + 1] == '+')))
                    best = k;
            if (best == 0) /* nothing in range: take the first one after */
                for (size_t k = start + room; k < n; k++)
                    if (s[k] == ' ' && (s[k - 1] == ',' || (k + 1 < n && s[k + 1] == '+'))) {
                        best = k;
                        break;
                    }
            if (best)
                end = best;
        }
        for (int i = 0; i < ind; i++)
            buf_putc(e->b, ' ');
        for (size_t k = start; k < end; k++)
            buf_putc(e->b, s[k]);
        buf_putc(e->b, '\n');
        start = end;
        while (start < n && s[start] == ' ')
            start++;
        first = 0;
    }
}

const char *rlit(const Emitter *e, double v)
{
    static char ring[32][64];
    static int k;
    char *s = ring[k++ & 31];
    char t[48];
    if (e->dtype == DT_F32) {
        float f = (float)v;
        for (int p = 6; p <= 9; p++) {
            snprintf(t, sizeof t, "%.*g", p, (double)f);
            if ((float)strtod(t, NULL) == f)
                break;
        }
    } else {
        for (int p = 15; p <= 17; p++) {
            snprintf(t, sizeof t, "%.*g", p, v);
            if (strtod(t, NULL) == v)
                break;
        }
    }
    if (!strpbrk(t, ".eni"))
        strcat(t, ".0");
    snprintf(s, 64, "%s%s%s%s", v < 0 ? "(" : "", t, e->dtype == DT_F32 ? "f" : "",
             v < 0 ? ")" : "");
    return s;
}

const char *mfn(const Emitter *e, const char *name)
{
    static char ring[16][32];
    static int k;
    char *s = ring[k++ & 15];
    snprintf(s, 32, "%s%s", name, e->dtype == DT_F32 ? "f" : "");
    return s;
}

static char *ring_str(void)
{
    static char ring[16][512];
    static int k;
    return ring[k++ & 15];
}

const char *act_expr(const Emitter *e, Act a, double alpha, const char *x)
{
    char *s = ring_str();
    switch (a) {
    case ACT_NONE: snprintf(s, 512, "%s", x); break;
    case ACT_RELU: snprintf(s, 512, "(%s > 0 ? %s : 0)", x, x); break;
    case ACT_SIGMOID: snprintf(s, 512, "1 / (1 + %s(-%s))", mfn(e, "exp"), x); break;
    case ACT_TANH: snprintf(s, 512, "%s(%s)", mfn(e, "tanh"), x); break;
    case ACT_LEAKY_RELU:
        snprintf(s, 512, "(%s > 0 ? %s : %s * %s)", x, x, rlit(e, alpha), x);
        break;
    }
    return s;
}

const char *act_grad_expr(const Emitter *e, Act a, double alpha, const char *y, const char *g)
{
    char *s = ring_str();
    switch (a) {
    case ACT_NONE: snprintf(s, 512, "%s", g); break;
    case ACT_RELU: snprintf(s, 512, "(%s > 0 ? %s : 0)", y, g); break;
    case ACT_SIGMOID: snprintf(s, 512, "%s * (%s * (1 - %s))", g, y, y); break;
    case ACT_TANH: snprintf(s, 512, "%s * (1 - %s * %s)", g, y, y); break;
    case ACT_LEAKY_RELU:
        snprintf(s, 512, "(%s > 0 ? %s : %s * %s)", y, g, rlit(e, alpha), g);
        break;
    }
    return s;
}

const char *lx(int c0, ...)
{
    char *s = ring_str();
    size_t k = 0;
    s[0] = 0;
    va_list ap;
    va_start(ap, c0);
    for (;;) {
        int coef = va_arg(ap, int);
        const char *var = va_arg(ap, const char *);
        if (!var)
            break;
        if (coef == 0)
            continue;
        int neg = coef < 0;
        int a = neg ? -coef : coef;
        if (k)
            k += snprintf(s + k, 512 - k, " %c ", neg ? '-' : '+');
        else if (neg)
            k += snprintf(s + k, 512 - k, "-");
        if (a == 1)
            k += snprintf(s + k, 512 - k, "%s", var);
        else
            k += snprintf(s + k, 512 - k, "%s * %d", var, a);
    }
    va_end(ap);
    if (c0 || !k) {
        if (k)
            snprintf(s + k, 512 - k, " %c %d", c0 < 0 ? '-' : '+', c0 < 0 ? -c0 : c0);
        else
            snprintf(s, 512, "%d", c0);
    }
    return s;
}

void emit_int_table(Emitter *e, const char *name, const int *v, int n)
{
    Buf t = {0};
    buf_printf(&t, "static const int %s[%d] = {", name, n);
    for (int i = 0; i < n; i++)
        buf_printf(&t, "%s%d", i ? ", " : "", v[i]);
    buf_puts(&t, "};");
    emit_long(e, t.data);
    buf_free(&t);
}

/* ------------------------------------------------------------------ window geometry */

Win win_of(const Layer *l)
{
    Win g;
    g.H = l->in.h; g.W = l->in.w; g.OH = l->out.h; g.OW = l->out.w;
    g.KH = l->k[0]; g.KW = l->k[1];
    g.SH = l->stride[0] > 0 ? l->stride[0] : 1;
    g.SW = l->stride[1] > 0 ? l->stride[1] : 1;
    g.DH = l->dilation[0] > 0 ? l->dilation[0] : 1;
    g.DW = l->dilation[1] > 0 ? l->dilation[1] : 1;
    g.T = l->pad[0]; g.L = l->pad[1];
    return g;
}

static void range1(int n_in, int n_taps, int s, int d, int pad, int o, int *lo, int *hi)
{
    *lo = *hi = 0;
    int any = 0;
    for (int u = 0; u < n_taps; u++) {
        int r = o * s + u * d - pad;
        if (r >= 0 && r < n_in) {
            if (!any)
                *lo = u;
            *hi = u + 1;
            any = 1;
        }
    }
}

void win_rows(const Win *g, int i, int *lo, int *hi) { range1(g->H, g->KH, g->SH, g->DH, g->T, i, lo, hi); }
void win_cols(const Win *g, int j, int *lo, int *hi) { range1(g->W, g->KW, g->SW, g->DW, g->L, j, lo, hi); }

static void orange1(int n_in, int n_out, int s, int d, int pad, int u, int *lo, int *hi)
{
    *lo = *hi = 0;
    int any = 0;
    for (int i = 0; i < n_out; i++) {
        int r = i * s + u * d - pad;
        if (r >= 0 && r < n_in) {
            if (!any)
                *lo = i;
            *hi = i + 1;
            any = 1;
        }
    }
}

void win_irange(const Win *g, int u, int *lo, int *hi) { orange1(g->H, g->OH, g->SH, g->DH, g->T, u, lo, hi); }
void win_jrange(const Win *g, int v, int *lo, int *hi) { orange1(g->W, g->OW, g->SW, g->DW, g->L, v, lo, hi); }

/* ------------------------------------------------------------------ templates */

static const char *template_text(const char *name)
{
    for (const struct template_file *t = cnngen_templates; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->text;
    return NULL;
}

/* Copies template `tname` to out, replacing every PFX_ by "<prefix>_" and every
 * hole by its value. A hole is a marker slash-star-at NAME at-star-slash. A hole alone
 * on its line (only blanks before it) is replaced by the value's lines, each indented
 * as the marker; an empty value removes the line. A leading comment opened with
 * slash-star-bang documents the template and is not copied. Fails (returns -1,
 * message on stderr) on an unknown template or hole, or a hole given but not used. */
static int fill(Buf *out, const char *tname, Hole *holes, int nholes, const char *prefix)
{
    const char *s = template_text(tname);
    if (!s) {
        fprintf(stderr, "cnngen: internal error: no template '%s'\n", tname);
        return -1;
    }
    if (strncmp(s, "/*!", 3) == 0) {
        const char *end = strstr(s, "*/");
        if (!end) {
            fprintf(stderr, "cnngen: internal error: unterminated comment in '%s'\n", tname);
            return -1;
        }
        s = end + 2;
        if (*s == '\n')
            s++;
    }
    for (int i = 0; i < nholes; i++)
        holes[i].used = 0;
    while (*s) {
        if (s[0] == '/' && s[1] == '*' && s[2] == '@') {
            const char *nm = s + 3, *end = strstr(nm, "@*/");
            if (!end) {
                fprintf(stderr, "cnngen: internal error: unterminated hole in '%s'\n", tname);
                return -1;
            }
            int len = (int)(end - nm), found = -1;
            for (int i = 0; i < nholes; i++)
                if ((int)strlen(holes[i].name) == len && strncmp(holes[i].name, nm, len) == 0)
                    found = i;
            if (found < 0) {
                fprintf(stderr, "cnngen: internal error: template '%s' has unknown hole '%.*s'\n",
                        tname, len, nm);
                return -1;
            }
            holes[found].used = 1;
            const char *v = holes[found].value;
            s = end + 3;
            /* alone on its line: only blanks since the last newline, a newline next */
            size_t ls = out->len;
            while (ls > 0 && out->data[ls - 1] == ' ')
                ls--;
            int alone = (ls == 0 || out->data[ls - 1] == '\n') && *s == '\n';
            size_t vl = strlen(v);
            if (!alone) {
                buf_puts(out, v);
                continue;
            }
            size_t ind = out->len - ls;
            if (vl == 0) {          /* the line goes */
                out->len = ls;
                s++;
                continue;
            }
            for (const char *q = v; *q; q++) {
                buf_putc(out, *q);
                if (*q == '\n' && q[1] && q[1] != '\n')
                    for (size_t k = 0; k < ind; k++)
                        buf_putc(out, ' ');
            }
            if (v[vl - 1] == '\n')  /* the value brings its own newline */
                s++;
            continue;
        }
        if (strncmp(s, "PFX_", 4) == 0) {
            buf_puts(out, prefix);
            buf_putc(out, '_');
            s += 4;
            continue;
        }
        buf_putc(out, *s++);
    }
    for (int i = 0; i < nholes; i++)
        if (!holes[i].used) {
            fprintf(stderr, "cnngen: internal error: hole '%s' not used by template '%s'\n",
                    holes[i].name, tname);
            return -1;
        }
    return 0;
}

void emit_template(Emitter *e, const char *tname, Hole *holes, int nholes)
{
    Buf t = {0};
    if (fill(&t, tname, holes, nholes, e->P)) {
        e->failed = 1;
        buf_free(&t);
        return;
    }
    const char *s = buf_text(&t);
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n)
            for (int i = 0; i < e->indent; i++)
                buf_puts(e->b, "    ");
        for (size_t k = 0; k < n; k++)
            buf_putc(e->b, s[k]);
        buf_putc(e->b, '\n');
        s += n + (nl ? 1 : 0);
    }
    buf_free(&t);
}

Emitter emit_sub(const Emitter *e, Buf *b)
{
    Emitter s = *e;
    s.b = b;
    s.indent = 0;
    s.failed = 0;
    s.hole_indent = 0;
    return s;
}

Emitter emit_sub_at(const Emitter *e, Buf *b, int depth)
{
    Emitter s = emit_sub(e, b);
    s.hole_indent = depth;
    return s;
}

void emit_template_into(Emitter *e, Buf *b, const char *tname, Hole *holes, int nholes)
{
    Emitter s = emit_sub(e, b);
    emit_template(&s, tname, holes, nholes);
    e->failed |= s.failed;
}

/* ------------------------------------------------------------------ layer functions */

enum { A_IN = 1, A_OUT = 2, A_G = 4, A_GIN = 8, A_W = 16, A_B = 32, A_GW = 64, A_GB = 128,
       A_AM = 256, A_GMUT = 512, A_SCR = 1024 };

static int is_max(const Layer *l) { return l->kind == L_MAXPOOL || l->kind == L_GLOBAL_MAXPOOL; }
static int has_act(const Layer *l)
{
    return (l->kind == L_CONV2D || l->kind == L_DENSE) && l->act != ACT_NONE;
}

/* The arrays a part of layer l uses (and so its parameters, in this order). */
static unsigned part_arrays(const Layer *l, Part part, int inference)
{
    int prm = l->kind == L_CONV2D || l->kind == L_DENSE;
    switch (part) {
    case PART_FWD:
        if (prm)
            return A_IN | A_OUT | A_W | (l->nbias ? A_B : 0);
        return A_IN | A_OUT | (is_max(l) && !inference ? A_AM : 0);
    case PART_BWD_PARAMS:
        return prm ? (A_IN | A_G | A_GW | (l->nbias ? A_GB : 0)) : 0;
    case PART_BWD_INPUT:
        if (prm)
            return A_G | A_W | A_GIN;
        if (is_max(l))
            return A_G | A_AM | A_GIN;
        switch (l->kind) {
        case L_L2POOL:
            return A_IN | A_OUT | A_G | A_GIN;
        case L_LEAKY_RELU: /* a negative slope: the sign comes from the input */
            return l->alpha < 0 ? (A_IN | A_G | A_GIN) : (A_OUT | A_G | A_GIN);
        case L_RELU: case L_SIGMOID: case L_TANH: case L_SOFTMAX:
            return A_OUT | A_G | A_GIN;
        default:
            return A_G | A_GIN;
        }
    }
    return 0;
}

/* part_arrays, plus the workspace scratch when the part uses some (plan_scratch) */
static unsigned part_args(const Emitter *e, const Layer *l, Part part, int inference)
{
    unsigned a = part_arrays(l, part, inference);
    return a && plan_scratch(l, e->dtype, part) > 0 ? a | A_SCR : a;
}

static void emit_sig(Emitter *e, const char *fname, unsigned a, int fwd)
{
    Buf t = {0};
    const char *R = e->real;
    buf_printf(&t, "static void %s(", fname);
    int n = 0;
#define ARG(flag, fmt, ...) if (a & (flag)) { buf_printf(&t, "%s" fmt, n++ ? ", " : "", __VA_ARGS__); }
    ARG(A_IN, "const %s *restrict in", R);
    ARG(A_OUT, "%s%s *restrict out", fwd ? "" : "const ", R);
    ARG(A_G, "%s%s *restrict g", (a & A_GMUT) ? "" : "const ", R);
    ARG(A_GIN, "%s *restrict gin", R);
    ARG(A_W, "const %s *restrict w", R);
    ARG(A_B, "const %s *restrict b", R);
    ARG(A_GW, "%s *restrict gw", R);
    ARG(A_GB, "%s *restrict gb", R);
    ARG(A_AM, "%sint32_t *restrict am", fwd ? "" : "const ");
    ARG(A_SCR, "%s *restrict scratch", R);
#undef ARG
    buf_puts(&t, ")");
    emit_long(e, t.data);
    buf_free(&t);
}

/* Names of the arrays at a call site. */
typedef struct CallArgs { const char *in, *out, *g, *gin; } CallArgs;

static void emit_call(Emitter *e, const Layer *l, const char *suffix, unsigned a, CallArgs c,
                      const char *prefix_stmt)
{
    Buf t = {0};
    buf_printf(&t, "%s%s_%s_%s(", prefix_stmt ? prefix_stmt : "", e->P, l->name, suffix);
    int n = 0;
#define ARG(flag, fmt, ...) if (a & (flag)) { buf_printf(&t, "%s" fmt, n++ ? ", " : "", __VA_ARGS__); }
    ARG(A_IN, "%s", c.in);
    ARG(A_OUT, "%s", c.out);
    ARG(A_G, "%s", c.g);
    ARG(A_GIN, "%s", c.gin);
    ARG(A_W, "p->%s_weight", l->name);
    ARG(A_B, "p->%s_bias", l->name);
    ARG(A_GW, "grad->%s_weight", l->name);
    ARG(A_GB, "grad->%s_bias", l->name);
    ARG(A_AM, "ws->argmax_%s", l->name);
    ARG(A_SCR, "%s", "ws->scratch");
#undef ARG
    buf_puts(&t, ");");
    emit_long(e, t.data);
    buf_free(&t);
}

static const char *pad_desc(const Layer *l, char *s, size_t n)
{
    switch (l->pad_mode) {
    case PAD_VALID: snprintf(s, n, "valid"); break;
    case PAD_SAME: snprintf(s, n, "same"); break;
    case PAD_SAME_LOWER: snprintf(s, n, "same_lower"); break;
    case PAD_EXPLICIT: snprintf(s, n, "pad"); break;
    }
    if (l->pad[0] || l->pad[1] || l->pad[2] || l->pad[3]) {
        size_t k = strlen(s);
        snprintf(s + k, n - k, " [%d,%d,%d,%d]", l->pad[0], l->pad[1], l->pad[2], l->pad[3]);
    }
    return s;
}

static void shape_str(Shape sh, char *s, size_t n)
{
    if (sh.vec)
        snprintf(s, n, "[%d]", sh.c);
    else
        snprintf(s, n, "[%d,%d,%d]", sh.c, sh.h, sh.w);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* One comment line per layer: name (file:line): kind and options, shapes, params. */
static void layer_comment(Emitter *e, const Layer *l)
{
    char d[256] = "", pd[96], si[48], so[48];
    switch (l->kind) {
    case L_CONV2D:
        snprintf(d, sizeof d, "conv2d %dx%d s%d", l->k[0], l->k[1], l->stride[0]);
        if (l->stride[1] != l->stride[0])
            snprintf(d + strlen(d), sizeof d - strlen(d), ",%d", l->stride[1]);
        if (l->dilation[0] != 1 || l->dilation[1] != 1)
            snprintf(d + strlen(d), sizeof d - strlen(d), " d%d,%d", l->dilation[0], l->dilation[1]);
        snprintf(d + strlen(d), sizeof d - strlen(d), " %s", pad_desc(l, pd, sizeof pd));
        if (!l->bias)
            strcat(d, " no-bias");
        break;
    case L_MAXPOOL: case L_AVGPOOL: case L_L2POOL:
        snprintf(d, sizeof d, "%s %dx%d s%d,%d %s%s%s", kind_name(l->kind), l->k[0], l->k[1],
                 l->stride[0], l->stride[1], pad_desc(l, pd, sizeof pd),
                 l->ceil_mode ? " ceil_mode" : "",
                 l->kind == L_AVGPOOL && l->count_include_pad ? " count_include_pad" : "");
        break;
    case L_DENSE:
        snprintf(d, sizeof d, "dense %d%s", l->units, l->bias ? "" : " no-bias");
        break;
    case L_LEAKY_RELU:
        snprintf(d, sizeof d, "leaky_relu alpha %g", l->alpha);
        break;
    default:
        snprintf(d, sizeof d, "%s", kind_name(l->kind));
    }
    if (has_act(l)) {
        snprintf(d + strlen(d), sizeof d - strlen(d), " + %s", act_name(l->act));
        if (l->act == ACT_LEAKY_RELU)
            snprintf(d + strlen(d), sizeof d - strlen(d), "(%g)", l->alpha);
    }
    shape_str(l->in, si, sizeof si);
    shape_str(l->out, so, sizeof so);
    emitf(e, "/* %s (%s:%d): %s  %s -> %s  %lld params, unroll %s */", l->name,
          base_name(e->net->file ? e->net->file : e->opt->spec_path), l->pos.line, d, si, so,
          l->params, unroll_name(l->unroll));
}

static void call_gen(Emitter *e, const Layer *l, Part part)
{
    const OpDef *op = l->op ? l->op : op_table[l->kind];
    e->part = part;
    if (part == PART_FWD)
        op->emit_forward(e, l);
    else
        op->emit_backward(e, l);
}

/* Writes the static functions of layer l. fwd_l is the layer as the forward runs it
 * (its activation may be split off for the loss). */
static void emit_layer_functions(Emitter *e, const Layer *l, const Layer *fwd_l, int trains,
                                 int need_act_bwd)
{
    char fname[MAX_NAME + 80];
    int inference = e->inference;
    Layer split;
    layer_comment(e, l);
    if (!inference && plan_has_pre(fwd_l)) {
        /* the activation runs separately so that its input is kept (pre_<name>) */
        split = *fwd_l;
        split.act = ACT_NONE;
        fwd_l = &split;
    }
    snprintf(fname, sizeof fname, "%s_%s_fwd", e->P, l->name);
    emit_sig(e, fname, part_args(e, fwd_l, PART_FWD, inference), 1);
    emitf(e, "{");
    e->indent++;
    call_gen(e, fwd_l, PART_FWD);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
    if (!inference && is_max(fwd_l)) {
        /* P_forward's: no backward follows, so no argmax (P_run's keep = 0) */
        emitf(e, "/* %s without the argmax, for %s_forward */", l->name, e->P);
        snprintf(fname, sizeof fname, "%s_%s_fwd_infer", e->P, l->name);
        emit_sig(e, fname, part_args(e, fwd_l, PART_FWD, 1), 1);
        emitf(e, "{");
        e->indent++;
        e->inference = 1;
        call_gen(e, fwd_l, PART_FWD);
        e->inference = 0;
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (fwd_l == &split) {
        Layer act = *l;
        act.kind = L_LEAKY_RELU;
        act.in = act.out;
        snprintf(fname, sizeof fname, "%s_%s_fwd_act", e->P, l->name);
        emit_sig(e, fname, A_IN | A_OUT, 1);
        emitf(e, "{");
        e->indent++;
        gen_activation_forward(e, &act);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (!trains)
        return;
    if (need_act_bwd) {
        snprintf(fname, sizeof fname, "%s_%s_bwd_act", e->P, l->name);
        emit_sig(e, fname, A_OUT | A_G | A_GMUT, 0);
        emitf(e, "{");
        e->indent++;
        gen_act_backward_inplace(e, l);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    if (layer_has_params(l)) {
        snprintf(fname, sizeof fname, "%s_%s_bwd_params", e->P, l->name);
        emit_sig(e, fname, part_args(e, l, PART_BWD_PARAMS, 0), 0);
        emitf(e, "{");
        e->indent++;
        call_gen(e, l, PART_BWD_PARAMS);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    snprintf(fname, sizeof fname, "%s_%s_bwd_input", e->P, l->name);
    emit_sig(e, fname, part_args(e, l, PART_BWD_INPUT, 0), 0);
    emitf(e, "{");
    e->indent++;
    call_gen(e, l, PART_BWD_INPUT);
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

/* ------------------------------------------------------------------ the net plan */

typedef struct NetPlan {
    int trains, zout, last;
    int bstart;          /* first layer (from the end) whose backward runs; -1: none */
    int skip_last_act;   /* the loss takes the gradient past the last layer's activation */
    Layer fwd_last;      /* the last layer as the forward runs it */
    const char *out_transform; /* NULL, "softmax" or "sigmoid": z_out -> act_last */
} NetPlan;

static NetPlan net_plan(const Net *net, int inference_only)
{
    NetPlan np;
    memset(&np, 0, sizeof np);
    np.trains = plan_trains(net, inference_only);
    np.last = net->nlayers - 1;
    np.zout = np.trains && plan_has_zout(net);
    np.bstart = np.last;
    if (net->nlayers)
        np.fwd_last = net->layers[np.last];
    if (net->loss == LOSS_SOFTMAX_CE)
        np.out_transform = "softmax";
    if (np.trains && np.zout && net->loss == LOSS_BCE) {
        np.out_transform = "sigmoid";
        np.fwd_last.act = ACT_NONE;
        np.skip_last_act = 1;
    }
    if (np.trains && net->loss == LOSS_CE && net->layers[np.last].kind == L_SOFTMAX)
        np.bstart = np.last - 1;
    if (np.trains && net->loss == LOSS_BCE && net->layers[np.last].kind == L_SIGMOID)
        np.bstart = np.last - 1;
    return np;
}

static void act_name_of(const Layer *l, char *s, size_t n) { snprintf(s, n, "ws->act_%s", l->name); }

/* The expression for the array holding layer i's output as saved by the forward. */
static const char *saved_out(const Net *net, const NetPlan *np, int i)
{
    char *s = ring_str();
    if (i < 0)
        snprintf(s, 512, "input");
    else if (i == np->last && np->zout)
        snprintf(s, 512, "ws->z_out");
    else
        act_name_of(&net->layers[i], s, 512);
    return s;
}

/* ------------------------------------------------------------------ header */

static void sizes_text(Emitter *e, const Net *net, WsPlan wp)
{
    const char *P = e->P;
    Shape o = net_output(net);
    emitf(e, "#define %s_INPUT_C %d", P, net->input.c);
    emitf(e, "#define %s_INPUT_H %d", P, net->input.h);
    emitf(e, "#define %s_INPUT_W %d", P, net->input.w);
    emitf(e, "#define %s_INPUT_SIZE %lld  /* C*H*W */", P, shape_size(net->input));
    emitf(e, "#define %s_OUTPUT_SIZE %lld", P, shape_size(o));
    emitf(e, "#define %s_NUM_PARAMS %lld", P, net->total_params);
    emitf(e, "#define %s_PARAMS_BYTES %lld  /* sizeof(%s_params) */", P,
          (net->total_params ? net->total_params : 1) * real_bytes(e->dtype), P);
    emitf(e, "#define %s_WORKSPACE_BYTES %lld  /* sizeof(%s_workspace) */", P, wp.bytes, P);
}

static void params_members(Emitter *e, const Net *net)
{
    int any = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == L_CONV2D) {
            if (l->nweight)
                emitf(e, "%s_real %s_weight[%lld];  /* [%d][%d][%d][%d] */", e->P, l->name,
                      l->nweight, l->filters, l->in.c, l->k[0], l->k[1]);
        } else if (l->nweight) {
            emitf(e, "%s_real %s_weight[%lld];  /* [%d][%lld] */", e->P, l->name, l->nweight,
                  l->units, shape_size(l->in));
        }
        if (l->nbias)
            emitf(e, "%s_real %s_bias[%lld];", e->P, l->name, l->nbias);
        any |= layer_has_params(l);
    }
    if (!any)
        emitf(e, "%s_real unused;  /* no parameters: C has no empty structs */", e->P);
}

static void workspace_members(Emitter *e, const Net *net, const NetPlan *np, WsPlan wp)
{
    if (wp.scratch)
        emitf(e, "%s_real scratch[%lld];  /* the fast conv2d layers' tiles, shared */", e->P,
              wp.scratch);
    if (!np->trains) {
        emitf(e, "%s_real buf_a[%lld];  /* ping-pong activations */", e->P, wp.max_tensor);
        emitf(e, "%s_real buf_b[%lld];", e->P, wp.max_tensor);
        return;
    }
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        char sh[48];
        shape_str(l->out, sh, sizeof sh);
        emitf(e, "%s_real act_%s[%lld];  /* %s output %s */", e->P, l->name, shape_size(l->out),
              l->name, sh);
    }
    if (np->zout)
        emitf(e, "%s_real z_out[%lld];  /* %s's own output, before the loss's transform */", e->P,
              shape_size(net_output(net)), net->layers[np->last].name);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (plan_has_pre(l))
            emitf(e, "%s_real pre_%s[%lld];  /* %s before its leaky_relu (negative slope) */",
                  e->P, l->name, shape_size(l->out), l->name);
    }
    emitf(e, "%s_real grad_a[%lld];  /* ping-pong gradients */", e->P, wp.max_tensor);
    emitf(e, "%s_real grad_b[%lld];", e->P, wp.max_tensor);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (is_max(l))
            emitf(e, "int32_t argmax_%s[%lld];  /* input index of each max */", l->name,
                  shape_size(l->out));
    }
}

/* ------------------------------------------------------------------ source pieces */

static int net_has_params(const Net *net)
{
    for (int i = 0; i < net->nlayers; i++)
        if (layer_has_params(&net->layers[i]))
            return 1;
    return 0;
}


static void init_body(Emitter *e, const Net *net)
{
    if (!net_has_params(net)) {
        emitf(e, "(void)p;");
        emitf(e, "(void)seed;");
        return;
    }
    int anybias = 0;
    for (int i = 0; i < net->nlayers; i++)
        anybias |= net->layers[i].nbias > 0;
    emitf(e, "cnngen_rng r;");
    if (anybias)
        emitf(e, "int n;");
    emitf(e, "cnngen_rng_seed(&r, seed);");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (!layer_has_params(l))
            continue;
        InitRule ir = init_rule(net, i);
        if (l->nweight) {
            if (ir.he)
                emitf(e, "/* %s: He-uniform, fan_in %lld */", l->name, ir.fan_in);
            else
                emitf(e, "/* %s: Glorot-uniform, fan_in %lld, fan_out %lld */", l->name, ir.fan_in,
                      ir.fan_out);
            emitf(e, "cnngen_fill_uniform(&r, p->%s_weight, %lld, (int)sizeof(%s_real), %.17g);",
                  l->name, l->nweight, e->P, ir.limit);
        }
        if (l->nbias)
            emitf(e, "for (n = 0; n < %lld; n++) p->%s_bias[n] = 0;", l->nbias, l->name);
    }
}

/* 1 when the net has a max pool: a training build's P_run then takes `keep` (record
 * the argmax for the backward; P_forward passes 0 and runs P_<layer>_fwd_infer). */
static int net_has_max(const Net *net)
{
    for (int i = 0; i < net->nlayers; i++)
        if (is_max(&net->layers[i]))
            return 1;
    return 0;
}

/* The forward pass through the layers; trains: into the workspace (P_run). */
static void forward_calls(Emitter *e, const Net *net, const NetPlan *np)
{
    char inb[512], outb[512];
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        const Layer *fl = i == np->last ? &np->fwd_last : l;
        unsigned a = part_args(e, fl, PART_FWD, !np->trains);
        if (np->trains) {
            snprintf(inb, sizeof inb, "%s", i ? saved_out(net, np, i - 1) : "input");
            snprintf(outb, sizeof outb, "%s", saved_out(net, np, i));
        } else {
            snprintf(inb, sizeof inb, "%s", i == 0 ? "input" : (i % 2) ? "ws->buf_a" : "ws->buf_b");
            if (i == np->last && !np->out_transform)
                snprintf(outb, sizeof outb, "output");
            else
                snprintf(outb, sizeof outb, "%s", (i % 2) ? "ws->buf_b" : "ws->buf_a");
        }
        CallArgs c = {inb, outb, NULL, NULL};
        if (np->trains && plan_has_pre(fl)) {
            char pre[MAX_NAME + 16];
            snprintf(pre, sizeof pre, "ws->pre_%s", l->name);
            Layer split = *fl;
            split.act = ACT_NONE;
            c.out = pre;
            emit_call(e, l, "fwd", part_args(e, &split, PART_FWD, 0), c, NULL);
            c.in = pre;
            c.out = outb;
            emit_call(e, l, "fwd_act", A_IN | A_OUT, c, NULL);
        } else if (np->trains && is_max(fl)) {
            emitf(e, "if (keep)");
            e->indent++;
            emit_call(e, l, "fwd", a, c, NULL);
            e->indent--;
            emitf(e, "else");
            e->indent++;
            emit_call(e, l, "fwd_infer", part_args(e, fl, PART_FWD, 1), c, NULL);
            e->indent--;
        } else {
            emit_call(e, l, "fwd", a, c, NULL);
        }
        if (i == np->last && np->out_transform) {
            if (np->trains)
                emitf(e, "%s_out_%s(ws->z_out, ws->act_%s);", e->P, np->out_transform, l->name);
            else
                emitf(e, "%s_out_%s(%s, output);", e->P, np->out_transform, outb);
        }
    }
}

static int out_transform_fn(Emitter *e, const Net *net, const NetPlan *np)
{
    char n[32];
    if (!np->out_transform)
        return 0;
    int rc;
    if (strcmp(np->out_transform, "softmax") == 0) {
        /* the body is the softmax layer's (templates/layer_softmax_fwd.c) */
        Buf body = {0};
        Emitter s = emit_sub(e, &body);
        emit_softmax_fwd(&s, shape_size(net_output(net)));
        Hole h[] = {{"body", buf_text(&body), 0}};
        rc = fill(e->b, "out_softmax.c", h, 1, e->P) | -s.failed;
        buf_free(&body);
    } else {
        snprintf(n, sizeof n, "%lld", shape_size(net_output(net)));
        Hole h[] = {{"n", n, 0}, {"exp", mfn(e, "exp"), 0}};
        rc = fill(e->b, "out_sigmoid.c", h, 2, e->P);
    }
    buf_puts(e->b, "\n");
    return rc;
}

static void forward_fn(Emitter *e, const Net *net, const NetPlan *np)
{
    int prm = net_has_params(net);
    const char *P = e->P;
    if (np->trains) {
        const char *keep = net_has_max(net) ? ", int keep" : "";
        emitf(e, "/* The forward pass, keeping every layer's output in ws for the backward pass%s. */",
              *keep ? "\n * (keep: and the max pools' argmax)" : "");
        Buf sig = {0};
        if (prm)
            buf_printf(&sig, "static void %s_run(const %s_params *p, const %s_real *input, %s_workspace *ws%s)",
                       P, P, P, P, keep);
        else
            buf_printf(&sig, "static void %s_run(const %s_real *input, %s_workspace *ws%s)", P, P, P, keep);
        emit_long(e, sig.data);
        buf_free(&sig);
        emitf(e, "{");
        e->indent++;
        forward_calls(e, net, np);
        e->indent--;
        emitf(e, "}");
        emitf(e, "%s", "");
    }
    emitf(e, "void %s_forward(const %s_params *p, const %s_real *input, %s_real *output,", P, P, P, P);
    emitf(e, "                 %*s%s_workspace *ws)", (int)strlen(P), "", P);
    emitf(e, "{");
    e->indent++;
    if (!prm)
        emitf(e, "(void)p;");
    if (np->trains) {
        emitf(e, "int n;");
        emitf(e, prm ? "%s_run(p, input, ws%s);" : "%s_run(input, ws%s);", P,
              net_has_max(net) ? ", 0" : "");
        emitf(e, "for (n = 0; n < %s_OUTPUT_SIZE; n++)", P);
        emitf(e, "    output[n] = ws->act_%s[n];", net->layers[np->last].name);
    } else if (net->nlayers == 0) {
        emitf(e, "int n;");
        emitf(e, "(void)ws;");
        emitf(e, "for (n = 0; n < %s_OUTPUT_SIZE; n++)", P);
        emitf(e, "    output[n] = input[n];");
    } else {
        if (net->nlayers == 1 && !np->out_transform)
            emitf(e, "(void)ws;");
        forward_calls(e, net, np);
    }
    e->indent--;
    emitf(e, "}");
    emitf(e, "%s", "");
}

/* The loss and dL/d(start of the backward pass): static P_loss([z,] y, t, g), from a
 * template; *zarg is the array passed as z (NULL: the loss takes none). */
static int loss_fn(Emitter *e, const Net *net, const NetPlan *np, const char **zarg)
{
    const Layer *last = &net->layers[np->last];
    char n[32];
    const char *tname = NULL, *what = NULL;
    snprintf(n, sizeof n, "%lld", shape_size(net_output(net)));
    *zarg = NULL;
    switch (net->loss) {
    case LOSS_SOFTMAX_CE:
        tname = "loss_softmax_ce.c";
        what = "softmax cross-entropy on the logits z";
        *zarg = "ws->z_out";
        break;
    case LOSS_CE:
        if (last->kind == L_SOFTMAX) {
            tname = "loss_softmax_ce.c";
            what = "cross-entropy fused with the softmax layer (z = its input)";
            *zarg = saved_out(net, np, np->last - 1);
        } else {
            tname = "loss_ce_clamped.c";
        }
        break;
    case LOSS_MSE:
        tname = "loss_mse.c";
        break;
    case LOSS_BCE:
        if (np->zout || last->kind == L_SIGMOID) {
            tname = "loss_bce_logits.c";
            *zarg = np->zout ? "ws->z_out" : saved_out(net, np, np->last - 1);
        } else {
            tname = "loss_bce_clamped.c";
        }
        break;
    case LOSS_NONE:
        return -1;
    }
    Hole h[6];
    int nh = 0;
    h[nh++] = (Hole){"n", n, 0};
    if (what)
        h[nh++] = (Hole){"what", what, 0};
    if (strcmp(tname, "loss_softmax_ce.c") == 0) {
        h[nh++] = (Hole){"exp", mfn(e, "exp"), 0};
        h[nh++] = (Hole){"log", mfn(e, "log"), 0};
    } else if (strcmp(tname, "loss_bce_logits.c") == 0) {
        h[nh++] = (Hole){"exp", mfn(e, "exp"), 0};
        h[nh++] = (Hole){"log1p", mfn(e, "log1p"), 0};
        h[nh++] = (Hole){"fabs", mfn(e, "fabs"), 0};
    } else if (strcmp(tname, "loss_mse.c") != 0) {
        h[nh++] = (Hole){"log", mfn(e, "log"), 0};
    }
    int rc = fill(e->b, tname, h, nh, e->P);
    buf_puts(e->b, "\n");
    return rc;
}

static void backward_body(Emitter *e, const Net *net, const NetPlan *np, const char *zarg)
{
    const char *P = e->P;
    int prm = net_has_params(net);
    emitf(e, "%s_real loss;", P);
    if (!prm) {
        emitf(e, "(void)p;");
        emitf(e, "(void)grad;");
    }
    emitf(e, prm ? "%s_run(p, input, ws%s);" : "%s_run(input, ws%s);", P,
          net_has_max(net) ? ", 1" : "");
    const Layer *last = &net->layers[np->last];
    char y[512];
    act_name_of(last, y, sizeof y);
    if (zarg)
        emitf(e, "loss = %s_loss(%s, %s, target, ws->grad_a);", P, zarg, y);
    else
        emitf(e, "loss = %s_loss(%s, target, ws->grad_a);", P, y);
    const char *gcur = "ws->grad_a", *gother = "ws->grad_b";
    int open = 0;  /* inside `if (grad_input != NULL) {` */
    for (int i = np->bstart; i >= 0; i--) {
        const Layer *l = &net->layers[i];
        int params_below = 0;
        for (int j = 0; j < i; j++)
            params_below |= layer_has_params(&net->layers[j]);
        if (!layer_has_params(l) && !params_below && !open) {
            emitf(e, "if (grad_input != NULL) {");
            e->indent++;
            open = 1;
        }
        emitf(e, "/* %s */", l->name);
        CallArgs c;
        c.in = i ? saved_out(net, np, i - 1) : "input";
        c.out = saved_out(net, np, i);
        c.g = gcur;
        if (has_act(l) && !(i == np->last && np->skip_last_act)) {
            char pre[MAX_NAME + 16];
            snprintf(pre, sizeof pre, "ws->pre_%s", l->name);
            CallArgs ca = c;
            if (plan_has_pre(l))
                ca.out = pre;   /* leaky_relu with a negative slope: the sign of its input */
            emit_call(e, l, "bwd_act", A_OUT | A_G, ca, NULL);
        }
        if (layer_has_params(l))
            emit_call(e, l, "bwd_params", part_args(e, l, PART_BWD_PARAMS, 0), c, NULL);
        unsigned a = part_args(e, l, PART_BWD_INPUT, 0);
        if (i == 0) {
            c.gin = "grad_input";
            if (!open) {
                emitf(e, "if (grad_input != NULL)");
                e->indent++;
                emit_call(e, l, "bwd_input", a, c, NULL);
                e->indent--;
            } else {
                emit_call(e, l, "bwd_input", a, c, NULL);
            }
        } else {
            if (!params_below && !open) {
                emitf(e, "if (grad_input != NULL) {");
                e->indent++;
                open = 1;
            }
            c.gin = gother;
            emit_call(e, l, "bwd_input", a, c, NULL);
            const char *t = gcur; gcur = gother; gother = t;
        }
    }
    if (np->bstart < 0) {
        emitf(e, "if (grad_input != NULL) {");
        e->indent++;
        open = 1;
        emitf(e, "int n;");
        emitf(e, "for (n = 0; n < %s_INPUT_SIZE; n++)", P);
        emitf(e, "    grad_input[n] = %s[n];", gcur);
    }
    if (open) {
        e->indent--;
        emitf(e, "}");
    }
    emitf(e, "return loss;");
}

static void param_loops(Emitter *e, const Net *net, const char *stmt_fmt_w, const char *stmt_fmt_b)
{
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->nweight) {
            emitf(e, "for (n = 0; n < %lld; n++)", l->nweight);
            e->indent++;
            emitf(e, stmt_fmt_w, l->name, l->name);
            e->indent--;
        }
        if (l->nbias) {
            emitf(e, "for (n = 0; n < %lld; n++)", l->nbias);
            e->indent++;
            emitf(e, stmt_fmt_b, l->name, l->name);
            e->indent--;
        }
    }
}

static void tensors_and_fields(Emitter *et, Emitter *ef, const Net *net, const NetPlan *np, WsPlan wp)
{
    const char *P = et->P;
    int nt = 0;
    for (int i = 0; i < net->nlayers; i++)
        nt += (net->layers[i].nweight > 0) + (net->layers[i].nbias > 0);
    if (nt) {
        emitf(et, "static const cnngen_tensor %s_tensors[%d] = {", P, nt);
        et->indent++;
        for (int i = 0; i < net->nlayers; i++) {
            const Layer *l = &net->layers[i];
            long long off = l->param_offset;
            if (l->nweight) {
                if (l->kind == L_CONV2D)
                    emitf(et, "{\"%s.weight\", %lld, 4, {%d, %d, %d, %d}},", l->name, off,
                          l->filters, l->in.c, l->k[0], l->k[1]);
                else
                    emitf(et, "{\"%s.weight\", %lld, 2, {%d, %lld, 0, 0}},", l->name, off,
                          l->units, shape_size(l->in));
            }
            if (l->nbias)
                emitf(et, "{\"%s.bias\", %lld, 1, {%lld, 0, 0, 0}},", l->name,
                      off + l->nweight, l->nbias);
        }
        et->indent--;
        emitf(et, "};");
        emitf(et, "%s", "");
    }
    static const char *const lossn[] = {"CNNGEN_LOSS_NONE", "CNNGEN_LOSS_SOFTMAX_CE",
                                        "CNNGEN_LOSS_CE", "CNNGEN_LOSS_MSE", "CNNGEN_LOSS_BCE"};
    (void)wp;
    ef->indent++;
    emitf(ef, "\"%s\",", P);
    emitf(ef, "%d,  /* dtype bytes */", real_bytes(ef->dtype));
    emitf(ef, "%s_INPUT_C, %s_INPUT_H, %s_INPUT_W,", P, P, P);
    emitf(ef, "%s_INPUT_SIZE, %s_OUTPUT_SIZE, %s_NUM_PARAMS,", P, P, P);
    emitf(ef, "sizeof(%s_params), sizeof(%s_workspace),", P, P);
    emitf(ef, "%s,", lossn[net->loss]);
    if (nt)
        emitf(ef, "%d, %s_tensors,", nt, P);
    else
        emitf(ef, "0, NULL,");
    if (np->trains)
        emitf(ef, "%s_m_init, %s_m_forward, %s_m_backward, %s_m_sgd, %s_m_train_batch", P, P, P, P, P);
    else
        emitf(ef, "%s_m_init, %s_m_forward, NULL, NULL, NULL", P, P);
    ef->indent--;
}

/* ------------------------------------------------------------------ emit_c */

/* Fails when a pooling window lies entirely in the padding (nothing to pool). */
static int check_windows(const Net *net)
{
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind != L_MAXPOOL && l->kind != L_AVGPOOL && l->kind != L_L2POOL)
            continue;
        Win g = win_of(l);
        for (int r = 0; r < g.OH; r++) {
            int a, b;
            win_rows(&g, r, &a, &b);
            if (a >= b)
                goto bad;
        }
        for (int c = 0; c < g.OW; c++) {
            int a, b;
            win_cols(&g, c, &a, &b);
            if (a >= b)
                goto bad;
        }
        continue;
    bad:
        fprintf(stderr, "%s:%d:%d: error: %s: a pooling window lies entirely in the padding "
                "(padding must be smaller than the window)\n",
                net->file ? net->file : "?", l->pos.line, l->pos.col, l->name);
        return -1;
    }
    return 0;
}

int emit_c(const Net *net_in, const Options *opt, const char *header_name, Buf *c, Buf *h)
{
    Net net = *net_in;  /* shallow copy: a different dtype may be requested */
    if (opt->dtype_override >= 0)
        net.dtype = (Dtype)opt->dtype_override;
    plan_unroll((Net *)net_in, opt->unroll);  /* records Layer.unroll for the report */
    if (check_windows(&net))
        return -1;

    char prefix[MAX_NAME + 1];
    snprintf(prefix, sizeof prefix, "%s", opt->prefix ? opt->prefix : net.name);
    int inference = opt->inference_only;
    NetPlan np = net_plan(&net, inference);
    WsPlan wp = plan_workspace(&net, inference);
    const char *spec = opt->spec_path ? opt->spec_path : (net.file ? net.file : "?");

    Buf banner = {0}, sizes = {0}, pm = {0}, wm = {0}, layers = {0}, initb = {0}, fwd = {0},
        training = {0}, model = {0}, tdecl = {0}, tensors = {0}, fields = {0}, twrap = {0};
    Emitter e = {0};
    e.net = &net;
    e.opt = opt;
    e.P = prefix;
    e.dtype = net.dtype;
    e.real = net.dtype == DT_F64 ? "double" : "float";
    e.inference = !np.trains;
    int rc = 0;

    buf_printf(&banner, "/* Generated by cnngen %s from %s - do not edit.\n"
               " * Network %s: input [%d,%d,%d], %d layers, %lld parameters, %s, loss %s%s. */",
               CNNGEN_VERSION, spec, net.name, net.input.c, net.input.h, net.input.w,
               net.nlayers, net.total_params, net.dtype == DT_F64 ? "float64" : "float32",
               loss_name(net.loss), np.trains ? "" : ", forward only");

    e.b = &sizes; sizes_text(&e, &net, wp);
    e.indent = 1;
    e.b = &pm; params_members(&e, &net);
    e.b = &wm; workspace_members(&e, &net, &np, wp);
    e.b = &initb; init_body(&e, &net);
    e.indent = 0;

    /* per-layer functions */
    e.b = &layers;
    for (int i = 0; i < net.nlayers; i++) {
        const Layer *l = &net.layers[i];
        int in_bw = np.trains && i <= np.bstart;
        int need_act = in_bw && has_act(l) && !(i == np.last && np.skip_last_act);
        emit_layer_functions(&e, l, i == np.last ? &np.fwd_last : l, in_bw, need_act);
    }
    rc |= out_transform_fn(&e, &net, &np);

    e.b = &fwd;
    forward_fn(&e, &net, &np);

    if (np.trains) {
        Buf lossb = {0}, bb = {0}, sgdb = {0}, gfb = {0};
        const char *zarg;
        e.b = &lossb;
        rc |= loss_fn(&e, &net, &np, &zarg);
        e.indent = 1;
        e.b = &bb; backward_body(&e, &net, &np, zarg);
        e.b = &sgdb;
        if (net_has_params(&net)) {
            emitf(&e, "int n;");
            param_loops(&e, &net, "p->%s_weight[n] -= lr * grad->%s_weight[n];",
                        "p->%s_bias[n] -= lr * grad->%s_bias[n];");
        } else {
            emitf(&e, "(void)p;");
            emitf(&e, "(void)grad;");
            emitf(&e, "(void)lr;");
        }
        e.b = &gfb;
        if (net_has_params(&net)) {
            emitf(&e, "int n;");
            param_loops(&e, &net, "grad->%s_weight[n] = all ? 0 : grad->%s_weight[n] / d;",
                        "grad->%s_bias[n] = all ? 0 : grad->%s_bias[n] / d;");
        } else {
            emitf(&e, "(void)grad;");
            emitf(&e, "(void)d;");
            emitf(&e, "(void)all;");
        }
        e.indent = 0;
        buf_puts(&training, lossb.data);
        Hole th[] = {{"backward_body", bb.data, 0}, {"sgd_body", sgdb.data, 0},
                     {"grad_fill_body", gfb.data, 0}};
        rc |= fill(&training, "train.c", th, 3, prefix);
        buf_puts(&training, "\n");
        Hole none[1];
        rc |= fill(&tdecl, "net_train.h", none, 0, prefix);
        rc |= fill(&twrap, "model_train.c", none, 0, prefix);
        buf_puts(&twrap, "\n");
        buf_free(&lossb); buf_free(&bb); buf_free(&sgdb); buf_free(&gfb);
    }

    Emitter et = e, ef = e;
    et.b = &tensors;
    ef.b = &fields;
    tensors_and_fields(&et, &ef, &net, &np, wp);
    Hole mh[] = {{"tensors", buf_text(&tensors), 0},
                 {"train_wrappers", buf_text(&twrap), 0},
                 {"model_fields", fields.data, 0}};
    rc |= fill(&model, "model.c", mh, 3, prefix);

    Hole hh[] = {{"banner", banner.data, 0}, {"sizes", sizes.data, 0}, {"real", e.real, 0},
                 {"params_members", pm.data, 0}, {"workspace_members", wm.data, 0},
                 {"train_decls", buf_text(&tdecl), 0}};
    rc |= fill(h, "net.h", hh, 6, prefix);
    Hole ch[] = {{"banner", banner.data, 0}, {"header", header_name, 0},
                 {"layers", buf_text(&layers), 0}, {"init_body", initb.data, 0},
                 {"forward", fwd.data, 0}, {"training", buf_text(&training), 0},
                 {"model", model.data, 0}};
    rc |= fill(c, "net.c", ch, 7, prefix);
    rc |= e.failed;

    buf_free(&banner); buf_free(&sizes); buf_free(&pm); buf_free(&wm); buf_free(&layers);
    buf_free(&initb); buf_free(&fwd); buf_free(&training); buf_free(&model); buf_free(&tdecl);
    buf_free(&tensors); buf_free(&fields); buf_free(&twrap);
    return rc ? -1 : 0;
}
