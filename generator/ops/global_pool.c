/* ops/global_pool.c - global_avgpool, global_maxpool: no keys; C x H x W -> C x 1 x 1.
 * The window is the whole input: rf += (H - 1)*jump, jump *= H. No params, 0 MACs. */
#include <stdio.h>
#include "cnngen.h"

static const Field none[] = {F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net;
    if (l->in.vec) {
        error_at(d, l->pos, "%s: %s needs a C x H x W input, but its input is a vector of %d",
                 l->name, l->op->name, l->in.c);
        return;
    }
    l->out = (Shape){l->in.c, 1, 1, 0};
    snprintf(l->formula[0], sizeof l->formula[0], "%s over %dx%d -> 1x1",
             l->kind == L_GLOBAL_AVGPOOL ? "mean" : "max", l->in.h, l->in.w);
    int ext[2] = {l->in.h, l->in.w};
    for (int ax = 0; ax < 2; ax++) {
        long long rf = l->rf[ax] + (long long)(ext[ax] - 1) * l->jump[ax];
        long long j = (long long)l->jump[ax] * ext[ax];
        l->rf[ax] = rf > (1 << 30) ? (1 << 30) : (int)rf;
        l->jump[ax] = j > (1 << 30) ? (1 << 30) : (int)j;
    }
}

const OpDef op_global_avgpool = {
    .name = "global_avgpool", .kind = L_GLOBAL_AVGPOOL, .fields = none, .required = none,
    .infer = infer, .emit_forward = gen_global_pool_forward, .emit_backward = gen_global_pool_backward,
};
const OpDef op_global_maxpool = {
    .name = "global_maxpool", .kind = L_GLOBAL_MAXPOOL, .fields = none, .required = none,
    .infer = infer, .emit_forward = gen_global_pool_forward, .emit_backward = gen_global_pool_backward,
};
