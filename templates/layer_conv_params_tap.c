/*! conv2d weight gradient (kernel mode, some padding): tap t, the sum over the
 * output positions where it reads inside the input.
 * Holes: sum  layer_conv_params_rows.c, or empty when no output reads it inside
 *        t    the tap (u * KW + v) */
s = 0;
/*@sum@*/
gc[/*@t@*/] += s;
