/*! conv2d weight gradient (kernel mode, some padding): one tap's sum over the output
 * rows i in [lo, hi) (and its columns, tap: layer_conv_tap.c, s += gk[..] * xc[..])
 * where it reads inside the input.
 * Holes: lo, hi  the rows
 *        tap     the columns and the statement */
for (i = /*@lo@*/; i < /*@hi@*/; i++)
    /*@tap@*/
