/*! Dense forward: the last, shorter block of rows, from row o0 on.
 * Holes: o0    the first row of the block
 *        block the block body, layer_dense_fwd_block.c */
{
    const int o = /*@o0@*/;
    /*@block@*/
}
