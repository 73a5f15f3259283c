/*! Part of a maxpool forward body: tap q of the window against the maximum so far
 * (strictly greater: the first maximum wins, as PyTorch). Mode none uses it in
 * layer_pool_taps.c, mode kernel once per tap after the first.
 * Holes: q        the tap's index in the channel plane x
 *        none_yet "a < 0 || " while no tap may have started m yet (kernel, windows
 *                 that overhang the padding), else empty
 *        set_a    `a = q;` when the argmax is kept, else empty */
if (/*@none_yet@*/x[/*@q@*/] > m) {
    m = x[/*@q@*/];
    /*@set_a@*/
}
