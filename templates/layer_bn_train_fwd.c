/*! batchnorm forward, train mode over the batch (P_train_batch, PyTorch's train()):
 * per channel c, the mean and the biased variance of in[s][c][q] over the ns samples s
 * and the HW positions q (M = ns*HW values), then
 *     out[s][c][q] = (in[s][c][q] - mean) / sqrt(var + eps) * w[c] + b[c]
 * stat[c] = mean and stat[C + c] = 1 / sqrt(var + eps) stay for the backward, and the
 * running statistics move toward the batch's, as PyTorch's do:
 *     rm[c] = (1 - momentum) rm[c] + momentum mean
 *     rv[c] = (1 - momentum) rv[c] + momentum var M / (M - 1)   (unbiased)
 * Each sum runs in 8 lanes (lane l: the positions q = l mod 8 of every sample, the
 * last q of a sample into the first lanes), summed pairwise at the end: eight
 * independent chains instead of one. The caller makes sure that M > 1. Line holes: consts (C, HW, eps, momentum); sqrt;
 * scale (w[c] * is, or is without affine) and shift (b[c], or 0). */
enum { C = 4, HW = 9 }; /*@consts{@*/
const PFX_real eps = 1e-5f, momentum = 0.1f; /*@}@*/
enum { HW8 = HW / 8 * 8 };
const PFX_real M = (PFX_real)ns * HW;
for (int c = 0; c < C; c++) {
    PFX_real mean, var, m8[8] = {0}, v[8] = {0};
    for (int s = 0; s < ns; s++) {
        const PFX_real *x = in + (s * C + c) * HW;
        for (int q = 0; q < HW8; q += 8)
            for (int l = 0; l < 8; l++)
                m8[l] += x[q + l];
        for (int q = HW8; q < HW; q++)
            m8[q - HW8] += x[q];
    }
    for (int l = 0; l < 4; l++)
        m8[l] += m8[l + 4];
    mean = ((m8[0] + m8[2]) + (m8[1] + m8[3])) / M;
    for (int s = 0; s < ns; s++) {
        const PFX_real *x = in + (s * C + c) * HW;
        for (int q = 0; q < HW8; q += 8)
            for (int l = 0; l < 8; l++) {
                const PFX_real d = x[q + l] - mean;
                v[l] += d * d;
            }
        for (int q = HW8; q < HW; q++) {
            const PFX_real d = x[q] - mean;
            v[q - HW8] += d * d;
        }
    }
    for (int l = 0; l < 4; l++)
        v[l] += v[l + 4];
    var = ((v[0] + v[2]) + (v[1] + v[3])) / M;
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
