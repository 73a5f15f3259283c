/*! Per-layer body piece (conv2d vector fast path): the last block of output channels,
 * narrower than the others, from channel k0.
 * Holes: k0; block the block's body (layer_conv_fast_block.c) */
k = /*@k0@*/;
{
    /*@block@*/
}
