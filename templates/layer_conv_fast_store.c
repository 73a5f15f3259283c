/*! Per-layer body piece (conv2d vector fast path): copies the valid columns of the
 * block's full-width rows in of to the destination [..][H][W].
 * Holes: KB the block's channels; H, W the destination's rows and columns
 *        dst the destination; of where row i of block channel a starts in of (a, i)
 *        real the scalar type */
for (a = 0; a < /*@KB@*/; a++)
    for (i = 0; i < /*@H@*/; i++)
        memcpy(/*@dst@*/ + ((k + a) * /*@H@*/ + i) * /*@W@*/, of + /*@of@*/, /*@W@*/ * sizeof(/*@real@*/));
