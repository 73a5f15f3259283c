/*! conv2d weight gradient of filter k, channel c (kernel mode, no padding): every tap
 * reads inside the input for every output, so all taps accumulate together, one
 * sum s<t> each, from one read of the gradient gv per output position; x is the
 * input at the window's top-left tap.
 * Holes: real    the scalar type
 *        xc      offset of input channel c
 *        gc      offset of the weights of (k, c)
 *        sums    the declaration of the sums s0, s1, ... = 0
 *        OH, OW  output rows, columns
 *        gidx    offset of output (i, j) in gk
 *        xoff    offset of the window of output (i, j) in xc
 *        taps    s<t> += gv * x[offset of tap t], per tap
 *        store   gc[t] += s<t>, per tap */
const /*@real@*/ *restrict xc = in + /*@xc@*/;
/*@real@*/ *restrict gc = gw + /*@gc@*/;
/*@sums@*/
for (i = 0; i < /*@OH@*/; i++)
    for (j = 0; j < /*@OW@*/; j++) {
        const /*@real@*/ gv = gk[/*@gidx@*/];
        const /*@real@*/ *x = xc + /*@xoff@*/;
        /*@taps@*/
    }
/*@store@*/
