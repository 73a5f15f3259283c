/*! batchnorm backward, train mode over the batch (P_train_batch): the gradient through
 * the batch statistics. Per channel c, with xhat = (in - mean) * is (stat: the
 * forward's mean and is = 1 / sqrt(var + eps)) and M = ns*HW,
 *     gw[c] += sum of g * xhat,   gb[c] += sum of g        (over s and q)
 *     gin   = w[c] * is * (g - sum(g) / M - xhat * sum(g * xhat) / M)
 * gin may be NULL (nothing reads the input's gradient). Line holes: consts (C, HW);
 * params (the two sums added to gw and gb; nothing without affine); scale (w[c] * is,
 * or is without affine). */
enum { C = 4, HW = 9 }; /*@consts@*/
const PFX_real M = (PFX_real)ns * HW;
for (int c = 0; c < C; c++) {
    const PFX_real mean = stat[c], is = stat[C + c];
    PFX_real sg = 0, sgx = 0;
    for (int s = 0; s < ns; s++)
        for (int q = 0; q < HW; q++) {
            const int i = (s * C + c) * HW + q;
            sg += g[i];
            sgx += g[i] * (in[i] - mean) * is;
        }
    gw[c] += sgx; /*@params{@*/
    gb[c] += sg; /*@}@*/
    if (gin == NULL)
        continue;
    const PFX_real k = w[c] * is; /*@scale@*/
    for (int s = 0; s < ns; s++)
        for (int q = 0; q < HW; q++) {
            const int i = (s * C + c) * HW + q;
            gin[i] = k * (g[i] - sg / M - (in[i] - mean) * is * sgx / M);
        }
}
