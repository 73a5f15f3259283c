/*! conv2d forward, loop modes (unroll kernel or none, off the fast path):
 *     out[k][i][j] = act(b[k] + the sum over c, then u, then v, of
 *                        w[k][c][u][v] * in[c][i*SH + u*DH - PT][j*SW + v*DW - PL])
 * one output row o = out[k][i] at a time. The taps that read padding are skipped (they
 * would add zeros), so every unroll mode adds the same terms in the same order.
 * The constants: K filters, C input channels, H x W input, OH x OW output, KH x KW
 * kernel, SH, SW stride, DH, DW dilation, PT, PL padding at the top and the left.
 * ilo[u] <= i < ihi[u] are the output rows where tap row u reads inside the input,
 * jlo[v] <= j < jhi[v] the output columns where tap column v does.
 * Line holes: consts the constants; rows, cols the range tables (nothing when no tap
 * reads padding that way); init the bias (0 without); skip and jloop (kept as the
 * sample shows, or: skip goes without row padding, jloop runs over every column
 * without column padding). Block holes: walk adds the taps of input channel c (the
 * sample, `none` mode, loops over them; `kernel` mode spells them out, a tap row that
 * only some rows i read inside the input in an `if`); act the fused activation
 * (nothing without one). layer_conv_input.c walks the same windows. */
enum { K = 2, C = 3, H = 6, W = 6, OH = 4, OW = 4, KH = 3, KW = 3 }; /*@consts{@*/
enum { SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PL = 0 }; /*@}@*/
static const int ilo[KH] = {0, 0, 0}, ihi[KH] = {OH, OH, OH}; /*@rows@*/
static const int jlo[KW] = {0, 0, 0}, jhi[KW] = {OW, OW, OW}; /*@cols@*/
for (int k = 0; k < K; k++) {
    for (int i = 0; i < OH; i++) {
        PFX_real *restrict o = out + (k * OH + i) * OW;
        for (int j = 0; j < OW; j++)
            o[j] = b[k]; /*@init@*/
        for (int c = 0; c < C; c++) {
            for (int u = 0; u < KH; u++) { /*@walk{@*/
                if (i < ilo[u] || i >= ihi[u]) /*@skip{@*/
                    continue; /*@}@*/
                const PFX_real *restrict x = in + (c * H + i * SH + u * DH - PT) * W;
                const PFX_real *restrict wr = w + ((k * C + c) * KH + u) * KW;
                for (int v = 0; v < KW; v++)
                    for (int j = jlo[v]; j < jhi[v]; j++) /*@jloop@*/
                        o[j] += wr[v] * x[j * SW + v * DW - PL];
            } /*@}@*/
        }
        for (int j = 0; j < OW; j++) /*@act{@*/
            o[j] = o[j] > 0 ? o[j] : 0; /*@}@*/
    }
}
