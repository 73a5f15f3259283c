/*! batchnorm input gradient, eval mode (P_backward): an affine map per channel,
 *     gin[c][q] = g[c][q] * w[c] / sqrt(rv[c] + eps)
 * Line holes: consts (C, HW, eps) and scale (as in layer_bn_fwd.c). */
enum { C = 4, HW = 9 }; /*@consts{@*/
const PFX_real eps = 1e-5f; /*@}@*/
for (int c = 0; c < C; c++) {
    const PFX_real s = w[c] / sqrtf(rv[c] + eps); /*@scale@*/
    for (int q = 0; q < HW; q++)
        gin[c * HW + q] = g[c * HW + q] * s;
}
