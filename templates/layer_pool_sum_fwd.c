/*! avgpool and l2pool forward, loop modes kernel and none (global_avgpool too): for
 * every channel c and output (i, j), s sums the window's valid taps (avg: x, l2: x^2)
 * in row-major order; out is s over the divisor (avg), or sqrt(s) (l2).
 * The constants as in layer_pool_max_fwd.c, and CB: the channels summed side by side
 * (a window of many taps is a long chain of dependent additions; CB independent ones
 * run at the adder's throughput instead of its latency; each channel's sum keeps its
 * order, so the bits do not change). With CB 1 s is a scalar. The generator writes CB
 * as `PFX_VECTORS ? n : 1`: a core without float SIMD (a Cortex-M4) issues in order
 * and would only get more code.
 * Line holes (the generator replaces the sample code):
 *   consts, vars, tables  as in layer_pool_max_fwd.c; tables also holds, for avg, the
 *           divisor's factors per output row and column (dr, dc) when it varies
 *   q0      kernel: the index of tap (0, 0); none: nothing
 *   sums    s: one sum, or CB of them
 *   taps    mode none: the loop over the valid taps; kernel: one statement per tap
 *           (with CB > 1 each adds to the CB sums, channel c + b's tap b * H * W further)
 *   result  out[o] from s: s / the divisor (a literal, or dr[i] * dc[j]), or sqrt(s);
 *           with CB > 1 for each of the CB channels */
enum { C = 1, H = 4, W = 4, OH = 2, OW = 2, KH = 2, KW = 2, SH = 2, SW = 2, DH = 1, DW = 1, T = 0, L = 0, CB = 1 }; /*@consts@*/
int c, i, j, u, v; /*@vars@*/
static const int ulo[OH] = {0, 0}, uhi[OH] = {KH, KH}; /*@tables@*/
for (c = 0; c < C; c += CB) {
    const PFX_real *restrict x = in + c * H * W;
    for (i = 0; i < OH; i++)
        for (j = 0; j < OW; j++) {
            const int o = (c * OH + i) * OW + j;
            const int q0 = (i * SH - T) * W + j * SW - L; /*@q0@*/
            PFX_real s = 0; /*@sums@*/
            for (u = ulo[i]; u < uhi[i]; u++) /*@taps{@*/
                for (v = 0; v < KW; v++) {
                    const int q = q0 + u * DH * W + v * DW;
                    s += x[q];
                } /*@}@*/
            out[o] = s / 4; /*@result@*/
        }
}
