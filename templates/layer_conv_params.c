/*! conv2d weight and bias gradients, loop modes:
 *     gw[k][c][u][v] += the sum over i, then j, of
 *                       g[k][i][j] * in[c][i*SH + u*DH - PT][j*SW + v*DW - PL]
 *     gb[k]          += the sum of g[k]
 * filter k at a time (gk = g[k]), each tap's sum over the outputs that read it inside
 * the input. The constants and range tables are those of layer_conv_fwd.c.
 * Line holes: consts, rows, cols; iloop and jloop (kept as the sample shows, or over
 * every row or column when no tap reads padding that way). Block holes: bias (nothing
 * without bias); body the taps of filter k, input channel c (the sample, `none` mode,
 * loops over them; `kernel` mode spells them out: one sum per tap, or, when no tap
 * reads padding, all the taps' sums together from one read of each gradient). */
enum { K = 2, C = 3, H = 6, W = 6, OH = 4, OW = 4, KH = 3, KW = 3 }; /*@consts{@*/
enum { SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PL = 0 }; /*@}@*/
static const int ilo[KH] = {0, 0, 0}, ihi[KH] = {OH, OH, OH}; /*@rows@*/
static const int jlo[KW] = {0, 0, 0}, jhi[KW] = {OW, OW, OW}; /*@cols@*/
for (int k = 0; k < K; k++) {
    const PFX_real *restrict gk = g + k * OH * OW;
    PFX_real sb = 0; /*@bias{@*/
    for (int n = 0; n < OH * OW; n++)
        sb += gk[n];
    gb[k] += sb; /*@}@*/
    for (int c = 0; c < C; c++) {
        for (int u = 0; u < KH; u++) { /*@body{@*/
            for (int v = 0; v < KW; v++) {
                PFX_real s = 0;
                for (int i = ilo[u]; i < ihi[u]; i++) { /*@iloop@*/
                    const PFX_real *restrict gr = gk + i * OW;
                    const PFX_real *restrict x = in + (c * H + i * SH + u * DH - PT) * W;
                    for (int j = jlo[v]; j < jhi[v]; j++) /*@jloop@*/
                        s += gr[j] * x[j * SW + v * DW - PL];
                }
                gw[((k * C + c) * KH + u) * KW + v] += s;
            }
        } /*@}@*/
    }
}
