/*! Per-layer body piece (conv2d vector fast path): the whole blocks of KB output
 * channels, k = 0, KB, ... below kend.
 * Holes: kend, KB; block the block's body (layer_conv_fast_block.c) */
for (k = 0; k < /*@kend@*/; k += /*@KB@*/) {
    /*@block@*/
}
