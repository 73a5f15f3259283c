/*! conv2d window walk (kernel mode): a tap row that only some output rows i read
 * inside the input.
 * Holes: cond  those rows (only the bounds the loop over i does not imply)
 *        row   the tap row: layer_conv_walk_row.c */
if (/*@cond@*/) {
    /*@row@*/
}
