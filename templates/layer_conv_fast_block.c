/*! Per-layer body piece (conv2d vector fast path): one block of output channels
 * k, k + 1, ... Over the flattened full-width output p, NV vectors at a time, every
 * channel a of the block keeps NV accumulators a<a>_<q> in registers across all input
 * channels c and taps; each tap loads NV vectors of the padded source xp once and
 * adds them, times the broadcast weight, into every accumulator. The sums then go to
 * of (rows PR apart), which `out` compacts into the destination.
 * Holes: real the scalar type; PR the padded length of p; NV vectors per step
 *        acc   the accumulators' declarations, one line per channel of the block
 *              (vz, or the bias)
 *        Cin   the input channels; x the load vectors' names ("x0, x1")
 *        xc    where channel c's rows start in xp (c)
 *        SO, SI the weight strides of an output and an input channel
 *        taps  per tap: the loads, then one multiply-add per accumulator
 *        relu  the vector relu of every accumulator, or nothing
 *        store the stores of the accumulators into of
 *        out   the compaction (layer_conv_fast_store.c or layer_conv_fast_store_act.c) */
for (p = 0; p < /*@PR@*/; p += /*@NV@*/ * PFX_VL) {
    /*@acc@*/
    for (c = 0; c < /*@Cin@*/; c++) {
        PFX_vec /*@x@*/;
        const /*@real@*/ *xc = xp + /*@xc@*/ + p;
        const /*@real@*/ *wc = w + k * /*@SO@*/ + c * /*@SI@*/;
        /*@taps@*/
    }
    /*@relu@*/
    /*@store@*/
}
/*@out@*/
