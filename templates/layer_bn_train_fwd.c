/*! batchnorm forward, train mode over the batch (P_train_batch, PyTorch's train()):
 * per channel c, the mean and the biased variance of in[s][c][q] over the ns samples s
 * and the HW positions q (M = ns*HW values), then
 *     out[s][c][q] = (in[s][c][q] - mean) / sqrt(var + eps) * w[c] + b[c]
 * stat[c] = mean and stat[C + c] = 1 / sqrt(var + eps) stay for the backward, and the
 * running statistics move toward the batch's, as PyTorch's do:
 *     rm[c] = (1 - momentum) rm[c] + momentum mean
 *     rv[c] = (1 - momentum) rv[c] + momentum var M / (M - 1)   (unbiased)
 * The caller makes sure that M > 1. Line holes: consts (C, HW, eps, momentum); sqrt;
 * scale (w[c] * is, or is without affine) and shift (b[c], or 0). */
enum { C = 4, HW = 9 }; /*@consts{@*/
const PFX_real eps = 1e-5f, momentum = 0.1f; /*@}@*/
const PFX_real M = (PFX_real)ns * HW;
for (int c = 0; c < C; c++) {
    PFX_real mean = 0, var = 0;
    for (int s = 0; s < ns; s++)
        for (int q = 0; q < HW; q++)
            mean += in[(s * C + c) * HW + q];
    mean /= M;
    for (int s = 0; s < ns; s++)
        for (int q = 0; q < HW; q++) {
            const PFX_real d = in[(s * C + c) * HW + q] - mean;
            var += d * d;
        }
    var /= M;
    const PFX_real is = 1 / sqrtf(var + eps); /*@sqrt@*/
    stat[c] = mean;
    stat[C + c] = is;
    rm[c] = (1 - momentum) * rm[c] + momentum * mean;
    rv[c] = (1 - momentum) * rv[c] + momentum * var * M / (M - 1);
    const PFX_real sc = w[c] * is; /*@scale@*/
    const PFX_real t = b[c]; /*@shift@*/
    for (int s = 0; s < ns; s++)
        for (int q = 0; q < HW; q++)
            out[(s * C + c) * HW + q] = (in[(s * C + c) * HW + q] - mean) * sc + t;
}
