/*! conv2d weight gradient of filter k, channel c (none mode): for each tap (u, v),
 * the sum over the output rows i and columns j where it reads inside the input of
 * gr[j] * x[col], gr the gradient's row i, x the input row tap row u reads.
 * Holes: KH, KW  kernel rows, columns
 *        real    the scalar type
 *        lo, hi  the output rows [lo, hi) to sum over
 *        grow    offset of gradient row i in gk
 *        xrow    the input row of (c, i, u), counted from the top of the data
 *        W       input row width
 *        tap     s += gr[j] * x[col] over the columns: layer_conv_tap.c
 *        gw      offset of weight (k, c, u, v) */
for (u = 0; u < /*@KH@*/; u++) {
    for (v = 0; v < /*@KW@*/; v++) {
        /*@real@*/ s = 0;
        for (i = /*@lo@*/; i < /*@hi@*/; i++) {
            const /*@real@*/ *restrict gr = gk + /*@grow@*/;
            const /*@real@*/ *restrict x = in + (/*@xrow@*/) * /*@W@*/;
            /*@tap@*/
        }
        gw[/*@gw@*/] += s;
    }
}
