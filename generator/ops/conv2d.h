/* ops/conv2d.h - what the conv2d emitters share (ops/conv2d_loops.c, the scalar loops
 * and `full`; ops/conv2d_fast.c, the vector fast path): the layer's window geometry,
 * with the valid output range of every tap. Internal to the conv2d unit. */
#ifndef CNNGEN_OPS_CONV2D_H
#define CNNGEN_OPS_CONV2D_H
#include "cnngen.h"

typedef struct Conv {
    Win g;
    int C, K;
    int rows_padded, cols_padded;  /* some tap reads padding for some output */
    int *ilo, *ihi, *jlo, *jhi;    /* per tap u (v): valid output rows (cols) */
} Conv;

Conv conv_of(const Layer *l);
void conv_free(Conv *c);
/* the fast path, when the schedule chose it (Layer.fast[part]) */
void conv_fast_fwd(Emitter *e, const Layer *l, const Conv *c, int input_grad);
/* the loops (templates/layer_conv_fwd.c, layer_conv_input.c; kernel: taps spelled out):
 * no scratch; also the scalar dL/dinput of the fast path when its gradient would need a
 * padded copy (conv2d_loops.c) */
void walk_loops(Emitter *e, const Layer *l, const Conv *c, int kernel, int input_grad);
void conv_fast_params(Emitter *e, const Layer *l, const Conv *c);

#endif
