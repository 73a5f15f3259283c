/*! batchnorm weight and bias gradients, eval mode (P_backward; affine only): per
 * channel c, with xhat = (in - rm[c]) / sqrt(rv[c] + eps) from the running statistics,
 *     gw[c] += the sum over q of g[c][q] * xhat[c][q],   gb[c] += the sum of g[c]
 * Line holes: consts (C, HW, eps) and istd (1 / sqrt(rv[c] + eps)). */
enum { C = 4, HW = 9 }; /*@consts{@*/
const PFX_real eps = 1e-5f; /*@}@*/
for (int c = 0; c < C; c++) {
    const PFX_real is = 1 / sqrtf(rv[c] + eps); /*@istd@*/
    PFX_real sg = 0, sgx = 0;
    for (int q = 0; q < HW; q++) {
        sg += g[c * HW + q];
        sgx += g[c * HW + q] * (in[c * HW + q] - rm[c]) * is;
    }
    gw[c] += sgx;
    gb[c] += sg;
}
