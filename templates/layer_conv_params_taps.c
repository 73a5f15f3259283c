/*! conv2d weight gradient of filter k, channel c (kernel mode, some padding): the
 * taps spelled out, one layer_conv_params_tap.c each; xc is input channel c, gc the
 * weights of (k, c).
 * Holes: real  the scalar type
 *        xc    offset of input channel c
 *        gc    offset of the weights of (k, c)
 *        taps  the taps */
const /*@real@*/ *restrict xc = in + /*@xc@*/;
/*@real@*/ *restrict gc = gw + /*@gc@*/;
/*@real@*/ s;
/*@taps@*/
