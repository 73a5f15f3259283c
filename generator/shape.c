/* shape.c - shape inference: runs each layer's shape rule (ops/<kind>.c) in order,
 * checks sizes and totals, checks the loss against the last layer, and holds the
 * sliding-window rule shared by conv2d and the pools.
 *
 * Output size along one axis (SPEC.md section 2):
 *   k_eff = dilation*(k - 1) + 1
 *   out   = floor((in + lo + hi - k_eff) / stride) + 1
 *   same:       out = ceil(in / stride), total pad = max((out-1)*stride + k_eff - in, 0),
 *               the odd one at the bottom/right (same) or top/left (same_lower)
 *   ceil_mode:  ceil instead of floor, then the last window is dropped when it
 *               would start in the bottom/right padding: (out-1)*stride >= in + lo
 * Receptive field on the network input: rf += (k_eff - 1)*jump; jump *= stride.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

long long sat_mul(long long a, long long b)
{
    long long r;
    if (a < 0 || b < 0)
        return 0;
    if (__builtin_mul_overflow(a, b, &r))
        return LLONG_MAX;
    return r;
}

long long sat_add(long long a, long long b)
{
    long long r;
    if (__builtin_add_overflow(a, b, &r))
        return LLONG_MAX;
    return r;
}

const char *shape_text(Shape s, char *buf, size_t size)
{
    if (s.vec)
        snprintf(buf, size, "%d", s.c);
    else
        snprintf(buf, size, "%dx%dx%d", s.c, s.h, s.w);
    return buf;
}

void layer_warn(Diag *d, Net *net, Layer *l, Pos p, const char *fmt, ...)
{
    Buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (l)
        warn_at(d, p.line ? p : l->pos, "%s: %s", l->name, b.data);
    else
        warn_at(d, p, "%s", b.data);
    char **slot = NULL;
    if (l && l->nwarn < MAX_WARN_PER_LAYER)
        slot = &l->warn[l->nwarn++];
    else if (!l && net->nwarn < MAX_WARN_PER_LAYER)
        slot = &net->warn[net->nwarn++];
    if (slot)
        *slot = b.data;
    else
        free(b.data);
    /* the text is owned by the layer/net now (or was freed after printing) */
}

static long long clamp_rf(long long v) { return v > (1LL << 30) ? (1LL << 30) : v; }

/* Does some window tap read padded position x? Taps are at o*s + u*d for
 * 0 <= o < out, 0 <= u < k: solve u*d = x (mod s) for u in the range that keeps
 * o in [0, out). O(log) per position, so any size is fine. */
static long long inv_mod(long long a, long long m)
{
    long long g = m, x = 0, x1 = 1, aa = a % m;
    while (aa) {
        long long q = g / aa, t = g - q * aa;
        g = aa, aa = t;
        t = x - q * x1;
        x = x1, x1 = t;
    }
    return ((x % m) + m) % m;
}

static long long gcd_ll(long long a, long long b)
{
    while (b) {
        long long t = a % b;
        a = b, b = t;
    }
    return a;
}

static int tap_reads(long long x, long long k, long long s, long long d, long long out)
{
    long long last = (out - 1) * s;            /* start of the last window */
    long long ulo = x > last ? (x - last + d - 1) / d : 0;
    long long uhi = x / d < k - 1 ? x / d : k - 1;
    if (ulo > uhi)
        return 0;
    long long g = gcd_ll(d, s);
    if (x % g)
        return 0;
    long long m = s / g;
    if (m == 1)
        return 1;
    long long u0 = (x / g) % m * inv_mod(d / g % m, m) % m;
    long long u = ulo + ((u0 - ulo) % m + m) % m;
    return u <= uhi;
}

/* One axis of the window rule. Returns the output size, or 0 after an error. */
static int window_axis(Net *net, Layer *l, Diag *d, int ax, int ceil_mode)
{
    static const char *const dim[2] = {"height", "width"};
    static const char *const row[2] = {"row", "column"};
    static const char *const lo_side[2] = {"top", "left"}, *const hi_side[2] = {"bottom", "right"};
    int in = ax ? l->in.w : l->in.h;
    long long k = l->k[ax], s = l->stride[ax], dil = l->dilation[ax];
    long long keff = dil * (k - 1) + 1;
    long long lo = 0, hi = 0;
    char same[128] = "", kdesc[80] = "";
    Pos kpos = l->fpos[F_KERNEL].line ? l->fpos[F_KERNEL] : l->fpos[F_SIZE].line ? l->fpos[F_SIZE] : l->pos;

    if (l->pad_mode == PAD_SAME || l->pad_mode == PAD_SAME_LOWER) {
        long long o = (in + s - 1) / s;
        long long total = (o - 1) * s + keff - in;
        if (total < 0)
            total = 0;
        if (l->pad_mode == PAD_SAME)
            lo = total / 2, hi = total - lo;
        else
            hi = total / 2, lo = total - hi;
        long long raw = (o - 1) * s + keff - in;
        if (raw < 0)
            sfmt(same, sizeof same, "%s: ceil(%d/%lld) = %lld, pad (%lld - 1)*%lld + %lld - %d = %lld < 0 -> none; ",
                 l->pad_mode == PAD_SAME ? "same" : "same_lower", in, s, o, o, s, keff, in, raw);
        else
            sfmt(same, sizeof same, "%s: ceil(%d/%lld) = %lld, pad (%lld - 1)*%lld + %lld - %d = %lld -> %lld %s, %lld %s; ",
                 l->pad_mode == PAD_SAME ? "same" : "same_lower", in, s, o, o, s, keff, in,
                 raw, lo, lo_side[ax], hi, hi_side[ax]);
    } else if (l->pad_mode == PAD_EXPLICIT) {
        lo = l->pad_spec[ax];
        hi = l->pad_spec[ax + 2];
    }
    if (dil > 1)
        sfmt(kdesc, sizeof kdesc, " [dilated kernel %lld*(%lld - 1) + 1 = %lld]", dil, k, keff);
    l->pad[ax] = (int)lo;
    l->pad[ax + 2] = (int)hi;

    long long padded = in + lo + hi;
    char terms[96];
    if (lo || hi)
        sfmt(terms, sizeof terms, "%d + %lld + %lld - %lld", in, lo, hi, keff);
    else
        sfmt(terms, sizeof terms, "%d - %lld", in, keff);
    const char *what = l->op->window_word ? l->op->window_word : "window";
    if (padded < keff) {
        error_at(d, kpos, "%s: the %s (%lld) is larger than the padded input %s (%lld): "
                 "output %s would be (%s)/%lld + 1 < 1",
                 l->name, what, keff, dim[ax], padded, dim[ax], terms, s);
        return 0;
    }
    long long num = padded - keff, out;
    char *f = l->formula[ax];
    size_t fs = sizeof l->formula[ax];
    if (ceil_mode) {
        out = (num + s - 1) / s + 1;
        if ((out - 1) * s >= in + lo) {
            out--;
            sfmt(f, fs, "%sceil((%s)/%lld) + 1 = %lld, minus the window starting in the padding = %lld%s",
                     same, terms, s, out + 1, out, kdesc);
        } else {
            sfmt(f, fs, "%s%s((%s)/%lld) + 1 = %lld%s", same, num % s ? "ceil" : "", terms, s, out, kdesc);
            if (num % s == 0) /* drop the empty "ceil" */
                sfmt(f, fs, "%s(%s)/%lld + 1 = %lld%s", same, terms, s, out, kdesc);
        }
    } else {
        out = num / s + 1;
        if (num % s)
            sfmt(f, fs, "%sfloor((%s)/%lld) + 1 = %lld%s", same, terms, s, out, kdesc);
        else
            sfmt(f, fs, "%s(%s)/%lld + 1 = %lld%s", same, terms, s, out, kdesc);
    }
    if (out > MAX_DIM) {
        error_at(d, l->pos, "%s: output %s %lld is above the limit of %d", l->name, dim[ax], out, MAX_DIM);
        return 0;
    }

    /* input rows/columns that no window tap reads: after a division that is not
     * exact, between windows when the stride is larger than the window, between
     * dilated taps, or before the first tap */
    Buf list = {0};
    long long nunread = 0, shown = 0;
    for (long long x = 0; x < in; x++) {
        if (tap_reads(x + lo, k, s, dil, out))
            continue;
        if (nunread++ == 0 || shown < 8) {
            /* ranges of consecutive rows: "7", "6-7", "1, 3, 5" (numbered from 1) */
            long long y = x;
            while (y + 1 < in && !tap_reads(y + 1 + lo, k, s, dil, out))
                y++;
            if (y > x)
                buf_printf(&list, "%s%lld-%lld", shown ? ", " : "", x + 1, y + 1);
            else
                buf_printf(&list, "%s%lld", shown ? ", " : "", x + 1);
            nunread += y - x;
            x = y;
            shown++;
        } else {
            buf_puts(&list, shown++ == 8 ? ", ..." : "");
        }
    }
    if (nunread) {
        if (shown > 8)
            buf_printf(&list, " (%lld in all)", nunread);
        Buf msg = {0};
        buf_printf(&msg, "input %s%s %s %s never read", row[ax], nunread == 1 ? "" : "s",
                   list.data, nunread == 1 ? "is" : "are");
        if (num % s)
            layer_warn(d, net, l, kpos, "(%s)/%lld + 1 = %.2f: %s", terms, s,
                       (double)num / (double)s + 1.0, msg.data);
        else
            layer_warn(d, net, l, l->fpos[F_STRIDE].line ? l->fpos[F_STRIDE] : kpos,
                       "%s (stride %lld, %s %lld%s)", msg.data, s, what, k,
                       dil > 1 ? " dilated" : "");
        buf_free(&msg);
    }
    buf_free(&list);

    l->rf[ax] = (int)clamp_rf(l->rf[ax] + (keff - 1) * (long long)l->jump[ax]);
    l->jump[ax] = (int)clamp_rf((long long)l->jump[ax] * s);
    return (int)out;
}

int shape_window(Net *net, Layer *l, Diag *d, int ceil_mode)
{
    int h = window_axis(net, l, d, 0, ceil_mode);
    int w = window_axis(net, l, d, 1, ceil_mode);
    if (!h || !w)
        return 0;
    l->out.h = h;
    l->out.w = w;
    l->out.vec = 0;
    return 1;
}

static int is_vector(Shape s) { return s.vec || (s.h == 1 && s.w == 1); }

static void check_loss(Net *net, Diag *d)
{
    if (net->loss == LOSS_NONE || net->nlayers == 0)
        return;
    const Layer *last = &net->layers[net->nlayers - 1];
    char sb[64];
    switch (net->loss) {
    case LOSS_SOFTMAX_CE:
        if (!is_vector(last->out))
            error_at(d, net->loss_pos, "softmax_cross_entropy needs a vector of logits from the last "
                     "layer, but '%s' outputs %s; add {type: flatten} and a dense layer",
                     last->name, shape_text(last->out, sb, sizeof sb));
        break;
    case LOSS_CE:
        if (!last->op->softmax)
            error_at(d, net->loss_pos, "cross_entropy needs a softmax as the last layer, but '%s' is "
                     "%s; add {type: softmax}, or use softmax_cross_entropy on the logits",
                     last->name, last->op->name);
        break;
    case LOSS_BCE:
        if (layer_out_act(last) != ACT_SIGMOID)
            error_at(d, net->loss_pos, "binary_cross_entropy needs a sigmoid at the end, but '%s' "
                     "is %s%s%s; add {type: sigmoid} or activation: sigmoid",
                     last->name, last->op->name,
                     last->act != ACT_NONE ? " with activation " : "",
                     last->act != ACT_NONE ? act_name(last->act) : "");
        break;
    default:
        break;
    }
}

/* `trainable:` names something that learns; a partial net still learns something */
static void check_trainable(Net *net, Diag *d)
{
    int any = 0, params = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        Pos p = l->fpos[F_TRAINABLE];
        params |= layer_has_params(l);
        any |= layer_learns(l);
        if (!p.line)
            continue;
        if (!layer_has_params(l))
            error_at(d, p, "%s: 'trainable' applies to parameters, and this layer has none "
                     "(affine: false)", l->name);
        else if (l->trainable == TR_BIAS && !l->nbias)
            error_at(d, p, "%s: 'trainable: bias', but the layer has no bias (bias: false)",
                     l->name);
    }
    if (params && !any && net->loss != LOSS_NONE)
        layer_warn(d, net, NULL, net->loss_pos, "no parameter learns (every layer has "
                   "'trainable: false'): training changes nothing; drop the loss or let a layer learn");
}

int shape_infer(Net *net, Diag *d)
{
    int errs = d->nerrors;
    Shape cur = net->input;    /* the network input's shape */
    cur.vec = 0;
    int rf[2], jump[2];
    long long total = 0, macs = 0;
    int complete = 1;
    char sb[64];
    if (shape_size(net->input) > MAX_TENSOR_ELEMS) {
        /* each dimension is within MAX_DIM, their product need not be */
        error_at(d, net->input_pos, "the input %s has %lld elements, above the limit of %lld",
                 shape_text(net->input, sb, sizeof sb), shape_size(net->input),
                 (long long)MAX_TENSOR_ELEMS);
        return d->nerrors - errs;
    }
    for (int i = 0; i < net->nlayers; i++)
        net->layers[i].nreaders = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        /* the graph is in topological order: a layer reads the input or earlier layers */
        for (int k = 0; k < l->ninputs; k++) {
            int v = l->inputs[k];
            if (v < VAL_INPUT || v >= i) {
                error_at(d, l->pos, "%s: internal error: reads value %d", l->name, v);
                return d->nerrors - errs;
            }
            if (v != VAL_INPUT)
                net->layers[v].nreaders++;
        }
        int v = l->inputs[0];
        l->in = v == VAL_INPUT ? cur : net->layers[v].out;
        /* the receptive field of what it reads: the widest of its inputs' */
        rf[0] = rf[1] = jump[0] = jump[1] = 1;
        for (int k = 0; k < l->ninputs; k++) {
            const Layer *src = l->inputs[k] == VAL_INPUT ? NULL : &net->layers[l->inputs[k]];
            for (int ax = 0; ax < 2 && src; ax++) {
                if (src->rf[ax] > rf[ax])
                    rf[ax] = src->rf[ax];
                if (src->jump[ax] > jump[ax])
                    jump[ax] = src->jump[ax];
            }
        }
        memcpy(l->rf, rf, sizeof rf);
        memcpy(l->jump, jump, sizeof jump);
        memset(&l->out, 0, sizeof l->out);
        int before = d->nerrors;
        l->op->infer(net, l, d);
        if (l->out.c < 1 || l->out.h < 1 || l->out.w < 1) {
            if (d->nerrors == before)
                error_at(d, l->pos, "%s: internal error: no output shape", l->name);
            complete = 0;
            break;   /* later layers depend on a shape we do not have */
        }
        long long n = shape_size(l->out);
        if (n > MAX_TENSOR_ELEMS) {
            error_at(d, l->pos, "%s: its output %s has %lld elements, above the limit of %lld",
                     l->name, shape_text(l->out, sb, sizeof sb), n, (long long)MAX_TENSOR_ELEMS);
            complete = 0;
            break;
        }
        l->params = sat_add(sat_add(l->nweight, l->nbias), l->nbuffer);
        long long t = sat_add(total, l->params);
        if (t > MAX_PARAMS && total <= MAX_PARAMS)
            error_at(d, l->pos, "%s: the parameter count reaches %lld%s here, above the limit of %lld",
                     l->name, t == LLONG_MAX ? LLONG_MAX : t, t == LLONG_MAX ? " or more" : "",
                     (long long)MAX_PARAMS);
        total = t;
        macs = sat_add(macs, l->macs);
    }
    net->total_macs = macs;
    /* an output nobody reads (the last layer's is the network's) */
    for (int i = 0; complete && i < net->nlayers - 1; i++) {
        Layer *l = &net->layers[i];
        if (!l->nreaders)
            layer_warn(d, net, l, l->fpos[F_NAME].line ? l->fpos[F_NAME] : l->pos,
                       "its output is never read (no later layer takes it as input, and it "
                       "is not the last layer)");
    }
    if (complete) {
        check_loss(net, d);
        check_trainable(net, d);
    }
    net->total_params = total;
    return d->nerrors - errs;
}
