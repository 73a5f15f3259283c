/*! avgpool and l2pool backward, loop modes kernel and none (global_avgpool too):
 * every output (i, j) of channel c adds t (its share of g[o]; l2: times x) to the
 * gradient of each valid tap of its window: avg t = g / the divisor, l2 t = g / out
 * (0 where out == 0). Each input cell sums its contributions in output order.
 * The constants as in layer_pool_max_fwd.c.
 * Line holes (the generator replaces the sample code):
 *   consts, vars, tables, q0, taps  as in layer_pool_sum_fwd.c (no divisor tables
 *           for l2)
 *   x       l2: the input plane x; avg: nothing
 *   t       t for output o */
enum { C = 1, H = 4, W = 4, OH = 2, OW = 2, KH = 2, KW = 2, SH = 2, SW = 2, DH = 1, DW = 1, T = 0, L = 0 }; /*@consts@*/
int n, c, i, j, u, v; /*@vars@*/
static const int ulo[OH] = {0, 0}, uhi[OH] = {KH, KH}; /*@tables@*/
for (n = 0; n < C * H * W; n++)
    gin[n] = 0;
for (c = 0; c < C; c++) {
    PFX_real *restrict gx = gin + c * H * W;
    const PFX_real *restrict x = in + c * H * W; /*@x@*/
    for (i = 0; i < OH; i++)
        for (j = 0; j < OW; j++) {
            const int o = (c * OH + i) * OW + j;
            const PFX_real t = out[o] == 0 ? 0 : g[o] / out[o]; /*@t@*/
            const int q0 = (i * SH - T) * W + j * SW - L; /*@q0@*/
            for (u = ulo[i]; u < uhi[i]; u++) /*@taps{@*/
                for (v = 0; v < KW; v++) {
                    const int q = q0 + u * DH * W + v * DW;
                    gx[q] += t * x[q];
                } /*@}@*/
        }
}
