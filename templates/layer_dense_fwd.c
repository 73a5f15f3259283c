/*! Per-layer body (loop modes): dense forward, out = act(b + w in), rows of w
 * taken 8 at a time (several accumulators share each load of in).
 * Holes: blocks the full blocks of rows, layer_dense_fwd_blocks.c (empty when
 *               there are fewer than 8 units)
 *        rest   the remaining rows, layer_dense_fwd_rest.c (empty when units is a
 *               multiple of 8) */
const PFX_vec vz = {0};
/*@blocks@*/
/*@rest@*/
