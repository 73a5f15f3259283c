/*! batchnorm backward, train mode over the batch (P_train_batch): the gradient through
 * the batch statistics. Per channel c, with xhat = (in - mean) * is (stat: the
 * forward's mean and is = 1 / sqrt(var + eps)) and M = ns*HW,
 *     gw[c] += sum of g * xhat,   gb[c] += sum of g        (over s and q)
 *     gin   = w[c] * is * (g - sum(g) / M - xhat * sum(g * xhat) / M)
 * The sums run in 8 lanes, as the forward's. gin may be NULL (nothing reads the
 * input's gradient). Line holes: consts (C, HW);
 * params (the two sums added to gw and gb; nothing without affine); scale (w[c] * is,
 * or is without affine). */
enum { C = 4, HW = 9 }; /*@consts@*/
enum { HW8 = HW / 8 * 8 };
const PFX_real M = (PFX_real)ns * HW;
for (int c = 0; c < C; c++) {
    const PFX_real mean = stat[c], is = stat[C + c];
    PFX_real sg, sgx, a[8] = {0}, b8[8] = {0};
    for (int s = 0; s < ns; s++) {
        const PFX_real *gs = g + (s * C + c) * HW, *x = in + (s * C + c) * HW;
        for (int q = 0; q < HW8; q += 8)
            for (int l = 0; l < 8; l++) {
                a[l] += gs[q + l];
                b8[l] += gs[q + l] * (x[q + l] - mean) * is;
            }
        for (int q = HW8; q < HW; q++) {
            a[q - HW8] += gs[q];
            b8[q - HW8] += gs[q] * (x[q] - mean) * is;
        }
    }
    for (int l = 0; l < 4; l++) {
        a[l] += a[l + 4];
        b8[l] += b8[l + 4];
    }
    sg = (a[0] + a[2]) + (a[1] + a[3]);
    sgx = (b8[0] + b8[2]) + (b8[1] + b8[3]);
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
