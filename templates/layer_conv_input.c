/*! conv2d input gradient, loop modes: gin = the full convolution of g with the
 * 180-degree rotated filter, written as a scatter over the forward's windows:
 *     gin[c][i*SH + u*DH - PT][j*SW + v*DW - PL] += w[k][c][u][v] * g[k][i][j]
 * for k, then i, c, u, v, j (the taps that read padding skipped), one gradient row
 * gr = g[k][i] at a time.
 * The constants, the range tables and the holes consts, rows, cols, walk, skip, jloop
 * are those of layer_conv_fwd.c; walk scatters gr into input channel c of gin. */
enum { K = 2, C = 3, H = 6, W = 6, OH = 4, OW = 4, KH = 3, KW = 3 }; /*@consts{@*/
enum { SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PL = 0 }; /*@}@*/
static const int ilo[KH] = {0, 0, 0}, ihi[KH] = {OH, OH, OH}; /*@rows@*/
static const int jlo[KW] = {0, 0, 0}, jhi[KW] = {OW, OW, OW}; /*@cols@*/
for (int n = 0; n < C * H * W; n++)
    gin[n] = 0;
for (int k = 0; k < K; k++) {
    for (int i = 0; i < OH; i++) {
        const PFX_real *restrict gr = g + (k * OH + i) * OW;
        for (int c = 0; c < C; c++) {
            for (int u = 0; u < KH; u++) { /*@walk{@*/
                if (i < ilo[u] || i >= ihi[u]) /*@skip{@*/
                    continue; /*@}@*/
                PFX_real *restrict x = gin + (c * H + i * SH + u * DH - PT) * W;
                const PFX_real *restrict wr = w + ((k * C + c) * KH + u) * KW;
                for (int v = 0; v < KW; v++)
                    for (int j = jlo[v]; j < jhi[v]; j++) /*@jloop@*/
                        x[j * SW + v * DW - PL] += wr[v] * gr[j];
            } /*@}@*/
        }
    }
}
