/* ops/dense.c - dense (fully connected): vector of N -> vector of units.
 * params (N + 1)*units with bias; MACs N*units. Each output sees the whole
 * grid its input vector was flattened from (or pooled over). */
#include <stdio.h>
#include "cnngen.h"

static const Field fields[] = {F_UNITS, F_BIAS, F_ACTIVATION, F_ALPHA, F_NONE};
static const Field required[] = {F_UNITS, F_NONE};

static void infer(Net *net, Layer *l, Diag *d)
{
    char sb[64];
    if (!(l->in.vec || (l->in.h == 1 && l->in.w == 1)))
        error_at(d, l->pos, "%s: dense needs a vector input, but its input is %s; "
                 "add {type: flatten} before it", l->name, shape_text(l->in, sb, sizeof sb));
    long long n = shape_size(l->in);
    l->out = (Shape){l->units, 1, 1, 1};
    l->nweight = sat_mul(n, l->units);
    l->nbias = l->bias ? l->units : 0;
    l->macs = l->nweight;
    if (l->bias)
        snprintf(l->formula[0], sizeof l->formula[0], "(%lld + 1)*%d = %lld params", n, l->units,
                 sat_mul(n + 1, l->units));
    else
        snprintf(l->formula[0], sizeof l->formula[0], "%lld*%d = %lld params", n, l->units, l->nweight);
    /* the grid this vector came from: the input of the nearest flatten, or 1x1 */
    int span[2] = {1, 1};
    for (int i = l->index - 2; i >= 0; i--) {
        const Layer *p = &net->layers[i];
        if (p->kind == L_FLATTEN && !p->in.vec) {
            span[0] = p->in.h, span[1] = p->in.w;
            break;
        }
        if (!p->out.vec && !(p->out.h == 1 && p->out.w == 1)) /* a tensor with a grid */
            break;
        if (p->kind == L_DENSE || p->kind == L_GLOBAL_AVGPOOL || p->kind == L_GLOBAL_MAXPOOL)
            break;
    }
    if (l->index == 1)
        span[0] = l->in.h, span[1] = l->in.w;
    for (int ax = 0; ax < 2; ax++) {
        long long rf = l->rf[ax] + (long long)(span[ax] - 1) * l->jump[ax];
        long long j = (long long)l->jump[ax] * span[ax];
        l->rf[ax] = rf > (1 << 30) ? (1 << 30) : (int)rf;
        l->jump[ax] = j > (1 << 30) ? (1 << 30) : (int)j;
    }
}

const OpDef op_dense = {
    .name = "dense", .kind = L_DENSE, .fields = fields, .required = required,
    .infer = infer, .emit_forward = gen_dense_forward, .emit_backward = gen_dense_backward,
};
