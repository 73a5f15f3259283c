/*! Per-layer body (loop modes): conv2d forward, one output row o = out[k][i] at a
 * time: o = bias, plus the taps of every input channel c (the window walk,
 * layer_conv_walk.c or layer_conv_walk_kernel.c), then the fused activation.
 * Holes: uv     "u, v, " when the walk loops over the taps (none mode), else empty
 *        tables the tap range tables ilo, ihi, jlo, jhi (none mode), or empty
 *        K, C   output, input channels
 *        OH, OW output rows, columns
 *        real   the scalar type
 *        orow   offset of output row (k, i) in out
 *        init   b[k], or 0 without bias
 *        walk   the window walk: adds channel c's taps to o
 *        act    layer_conv_act.c, or empty without activation */
int k, i, c, /*@uv@*/j;
/*@tables@*/
for (k = 0; k < /*@K@*/; k++) {
    for (i = 0; i < /*@OH@*/; i++) {
        /*@real@*/ *restrict o = out + /*@orow@*/;
        for (j = 0; j < /*@OW@*/; j++)
            o[j] = /*@init@*/;
        for (c = 0; c < /*@C@*/; c++) {
            /*@walk@*/
        }
        /*@act@*/
    }
}
