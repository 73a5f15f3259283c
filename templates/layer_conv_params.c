/*! Per-layer body (loop modes): conv2d weight and bias gradients, gw += g (*) in,
 * gb += sum g, filter k at a time (gk = g[k]), input channel c at a time (body).
 * Holes: uv     "u, v, " when the body loops over the taps (none mode), else empty
 *        tables the tap range tables ilo, ihi, jlo, jhi (none mode), or empty
 *        K, C   output, input channels
 *        real   the scalar type
 *        gk     offset of g[k]
 *        bias   layer_conv_params_bias.c, or empty without bias
 *        body   gw[k][c] += ...: layer_conv_params_walk.c (none mode),
 *               layer_conv_params_taps.c or, without padding,
 *               layer_conv_params_ilp.c (kernel mode) */
int k, c, /*@uv@*/i, j;
/*@tables@*/
for (k = 0; k < /*@K@*/; k++) {
    const /*@real@*/ *restrict gk = g + /*@gk@*/;
    /*@bias@*/
    for (c = 0; c < /*@C@*/; c++) {
        /*@body@*/
    }
}
