/*! Dense forward: the full blocks of rows o, o + 1, ..., o + rows - 1.
 * Holes: end   the rows in full blocks (a multiple of rows)
 *        rows  rows per block
 *        block the block body, layer_dense_fwd_block.c */
for (int o = 0; o < /*@end@*/; o += /*@rows@*/) {
    /*@block@*/
}
