/*! Per-layer body piece (conv2d vector fast path, dL/dweight): a group of taps of
 * input channel c, one vector accumulator s<q> per tap, summed over the output
 * rows i and columns j (the gradient vector gv of position (i, j) times the padded
 * input the tap reads), then added to gw.
 * Holes: acc the accumulators' declaration (vz)
 *        OH, OW the output rows and columns; KV gt's row length
 *        gi where gt's row i starts (i); xi where xp's row i of channel c starts (c, i)
 *        real the scalar type
 *        fma   one multiply-add per tap
 *        flush per tap, its sum into gw (layer_conv_fast_gw_flush.c) */
{
    /*@acc@*/
    for (i = 0; i < /*@OH@*/; i++) {
        const /*@real@*/ *gi = gt + /*@gi@*/ + kv;
        const /*@real@*/ *xi = xp + /*@xi@*/;
        for (j = 0; j < /*@OW@*/; j++) {
            PFX_vec gv;
            gv = PFX_VLD(gi + j * /*@KV@*/);
            /*@fma@*/
        }
    }
    /*@flush@*/
}
