/* gen/global_pool.c - global_avgpool / global_maxpool: a pool whose window is the
 * whole input plane (stride 1, no padding), emitted by gen/pool.c. */
#include "cnngen.h"

static Layer as_pool(const Layer *l)
{
    Layer p = *l;
    p.kind = l->kind == L_GLOBAL_MAXPOOL ? L_MAXPOOL : L_AVGPOOL;
    p.k[0] = l->in.h;
    p.k[1] = l->in.w;
    p.stride[0] = p.stride[1] = 1;
    p.dilation[0] = p.dilation[1] = 1;
    p.pad[0] = p.pad[1] = p.pad[2] = p.pad[3] = 0;
    p.ceil_mode = 0;
    p.count_include_pad = 0;
    return p;
}

void gen_global_pool_forward(Emitter *e, const Layer *l)
{
    Layer p = as_pool(l);
    gen_pool_forward(e, &p);
}

void gen_global_pool_backward(Emitter *e, const Layer *l)
{
    Layer p = as_pool(l);
    gen_pool_backward(e, &p);
}
