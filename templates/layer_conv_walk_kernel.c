/*! conv2d window walk (kernel mode), shared by the forward and the input gradient:
 * layer_conv_walk.c with the taps spelled out. wc are the weights of filter k,
 * channel c; each tap row u that some output row reads inside the input is a
 * layer_conv_walk_row.c, inside layer_conv_walk_guard.c when only some output rows
 * i read it inside.
 * Holes: real   the scalar type
 *        wc     offset of the weights of (k, c)
 *        xtype  the type x points to: const real (forward), real (input gradient)
 *        rows   the tap rows */
const /*@real@*/ *restrict wc = w + /*@wc@*/;
/*@xtype@*/ *x;
/*@rows@*/
