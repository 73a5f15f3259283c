/*! batchnorm forward, eval mode (P_forward, P_backward): per channel c, with the
 * running statistics rm and rv,
 *     out[c][q] = (in[c][q] - rm[c]) * w[c] / sqrt(rv[c] + eps) + b[c]
 * over the HW positions q of a channel (H*W; 1 for a vector, BatchNorm1d), whole
 * vectors of q first where there are vectors.
 * Line holes: consts (C, HW, eps); scale (w[c] / sqrt(rv[c] + eps), or without affine
 * 1 / sqrt(rv[c] + eps)) and shift (b[c], or 0). */
enum { C = 4, HW = 9 }; /*@consts{@*/
const PFX_real eps = 1e-5f; /*@}@*/
for (int c = 0; c < C; c++) {
    const PFX_real s = w[c] / sqrtf(rv[c] + eps); /*@scale@*/
    const PFX_real t = b[c]; /*@shift@*/
    const PFX_real m = rm[c];
    int q = 0;
#if PFX_VECTORS
    for (; q + PFX_VL <= HW; q += PFX_VL)
        PFX_VST(out + c * HW + q, (PFX_VLD(in + c * HW + q) - m) * s + t);
#endif
    for (; q < HW; q++)
        out[c * HW + q] = (in[c * HW + q] - m) * s + t;
}
