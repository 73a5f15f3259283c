/*! conv2d forward (loop modes): the fused activation over output row o.
 * Holes: OW  the row length
 *        act the activation of o[j] */
for (j = 0; j < /*@OW@*/; j++)
    o[j] = /*@act@*/;
