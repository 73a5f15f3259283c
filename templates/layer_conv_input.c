/*! Per-layer body (loop modes): conv2d input gradient, gin = the full convolution of
 * g with the 180-degree rotated filter, as a scatter: every output row gr = g[k][i]
 * adds, for every input channel c, each tap's weight times gr to the input row the
 * tap reads in the forward (the window walk, layer_conv_walk.c or
 * layer_conv_walk_kernel.c).
 * Holes: uv     "u, v, " when the walk loops over the taps (none mode), else empty
 *        tables the tap range tables ilo, ihi, jlo, jhi (none mode), or empty
 *        N      input elements
 *        K, C   output, input channels
 *        OH     output rows
 *        real   the scalar type
 *        orow   offset of output row (k, i) in g
 *        walk   the window walk: scatters gr into channel c of gin */
int n, k, i, c, /*@uv@*/j;
/*@tables@*/
for (n = 0; n < /*@N@*/; n++)
    gin[n] = 0;
for (k = 0; k < /*@K@*/; k++) {
    for (i = 0; i < /*@OH@*/; i++) {
        const /*@real@*/ *restrict gr = g + /*@orow@*/;
        for (c = 0; c < /*@C@*/; c++) {
            /*@walk@*/
        }
    }
}
