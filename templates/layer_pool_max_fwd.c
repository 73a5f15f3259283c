/*! maxpool forward, loop modes kernel and none (global_maxpool too): for every
 * channel c and output (i, j), m is the first maximum of the window's valid taps in
 * row-major order (a later tap wins only when strictly greater, as in PyTorch); a,
 * its index in the channel's plane, goes to am[] when the backward pass needs it.
 * The constants: C, H, W the input; OH, OW the output; KH, KW the window; SH, SW the
 * stride; DH, DW the dilation; T, L the padding at the top and at the left.
 * Line holes (the generator replaces the sample code):
 *   consts  the constants; vars  the loop variables (u, v only in mode none)
 *   tables  mode none: the valid taps (ulo, uhi, vlo, vhi) of the output rows or
 *           columns a window overhangs, when some does
 *   start   m (and a) from the window's first valid tap (kernel: q0, tap (0, 0))
 *   taps    mode none: the loop over the valid taps; kernel: one statement per tap,
 *           under its condition when only some outputs have it
 *   am      the argmax store, or nothing (inference, P_forward of a training build) */
enum { C = 1, H = 4, W = 4, OH = 2, OW = 2, KH = 2, KW = 2, SH = 2, SW = 2, DH = 1, DW = 1, T = 0, L = 0 }; /*@consts@*/
int c, i, j, u, v; /*@vars@*/
static const int ulo[OH] = {0, 0}, uhi[OH] = {KH, KH}; /*@tables@*/
for (c = 0; c < C; c++) {
    const PFX_real *restrict x = in + c * H * W;
    for (i = 0; i < OH; i++)
        for (j = 0; j < OW; j++) {
            const int o = (c * OH + i) * OW + j;
            int a = (i * SH + ulo[i] * DH - T) * W + j * SW - L; /*@start{@*/
            PFX_real m = x[a]; /*@}@*/
            for (u = ulo[i]; u < uhi[i]; u++) /*@taps{@*/
                for (v = 0; v < KW; v++) {
                    const int q = (i * SH + u * DH - T) * W + j * SW + v * DW - L;
                    if (x[q] > m) {
                        m = x[q];
                        a = q;
                    }
                } /*@}@*/
            out[o] = m;
            am[o] = c * H * W + a; /*@am@*/
        }
}
