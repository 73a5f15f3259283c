/*! Per-layer body piece (conv2d vector fast path): the valid columns of the block's
 * full-width rows in of through the fused activation into the destination [..][H][W]
 * (for the activations the vectors do not apply).
 * Holes: KB the block's channels; H, W the destination's rows and columns
 *        dst the destination; value the activation of of's element (a, i, j) */
for (a = 0; a < /*@KB@*/; a++)
    for (i = 0; i < /*@H@*/; i++)
        for (int j = 0; j < /*@W@*/; j++)
            /*@dst@*/[((k + a) * /*@H@*/ + i) * /*@W@*/ + j] = /*@value@*/;
