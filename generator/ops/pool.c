/* ops/pool.c - maxpool, avgpool, l2pool: keys and shape rule.
 * out = C x H2 x W2 (shape_window, PyTorch's ceil_mode); no params. MACs: 0 for
 * max and avg (comparisons and additions are not multiply-accumulates), and
 * C*H2*W2*kh*kw for l2pool (it sums squares). */
#include "cnngen.h"

static const Field pool_fields[] = {F_SIZE, F_STRIDE, F_PADDING, F_CEIL_MODE, F_NONE};
static const Field avg_fields[] = {F_SIZE, F_STRIDE, F_PADDING, F_CEIL_MODE, F_COUNT_INCLUDE_PAD, F_NONE};
static const Field required[] = {F_SIZE, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    if (l->in.vec) {
        error_at(d, l->pos, "%s: %s needs a C x H x W input, but its input is a vector of %d",
                 l->name, l->op->name, l->in.c);
        return;
    }
    if (!shape_window(net, l, d, l->ceil_mode))
        return;
    /* as in PyTorch: no window may lie entirely in the padding (it would have
     * no input cell to take the max or the average of) */
    for (int side = 0; side < 4; side++) {
        int ax = side & 1;
        if (2 * l->pad[side] > l->k[ax]) {
            static const char *const names[4] = {"top", "left", "bottom", "right"};
            error_at(d, l->fpos[F_PADDING].line ? l->fpos[F_PADDING] : l->pos,
                     "%s: %s padding %d is more than half the window (%d): a window could "
                     "lie entirely in the padding", l->name, names[side], l->pad[side], l->k[ax]);
            l->out.c = 0;
            return;
        }
    }
    l->out.c = l->in.c;
    if (l->kind == L_L2POOL)
        l->macs = sat_mul(sat_mul(shape_size(l->out), l->k[0]), l->k[1]);
}

#define POOL(var, str, knd, flds)                                                    \
    const OpDef var = {                                                              \
        .name = str, .kind = knd, .fields = flds, .required = required,              \
        .infer = infer, .emit_forward = gen_pool_forward, .emit_backward = gen_pool_backward, \
    }
POOL(op_maxpool, "maxpool", L_MAXPOOL, pool_fields);
POOL(op_avgpool, "avgpool", L_AVGPOOL, avg_fields);
POOL(op_l2pool, "l2pool", L_L2POOL, pool_fields);
