/*! conv2d window walk (none mode), shared by the forward and the input gradient: for
 * output row i, filter k and input channel c, every tap (u, v), over the output
 * columns where it reads inside the input. x is the input row that tap row u reads
 * (of in, or of gin for the input gradient), wr the filter's row u. The statement
 * (layer_conv_tap.c) is the forward's gather o[j] += wr[v] * x[col] or the input
 * gradient's scatter x[col] += wr[v] * gr[j].
 * Holes: KH, KW  kernel rows, columns
 *        W       input row width
 *        skip    layer_conv_walk_skip.c when some tap rows read padding, or empty
 *        xtype   the type x points to: const real (forward), real (input gradient)
 *        x0      in (forward) or gin (input gradient)
 *        xrow    the input row of (c, i, u), counted from the top of the data
 *        real    the scalar type
 *        wrow    the weight row of (k, c, u)
 *        tap     tap v: layer_conv_tap.c */
for (u = 0; u < /*@KH@*/; u++) {
    /*@skip@*/
    /*@xtype@*/ *restrict x = /*@x0@*/ + (/*@xrow@*/) * /*@W@*/;
    const /*@real@*/ *restrict wr = w + (/*@wrow@*/) * /*@KW@*/;
    for (v = 0; v < /*@KW@*/; v++)
        /*@tap@*/
}
