/*! conv2d window walk (kernel mode): tap row u. x is the input row it reads (of in,
 * or of gin for the input gradient), then one layer_conv_tap.c per tap v that some
 * output column reads inside the input.
 * Holes: x0    in (forward) or gin (input gradient)
 *        xrow  the input row of (c, i, u), counted from the top of the data
 *        W     input row width
 *        taps  the taps */
x = /*@x0@*/ + (/*@xrow@*/) * /*@W@*/;
/*@taps@*/
