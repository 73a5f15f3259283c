/*! Per-layer body piece (conv2d vector fast path, kernel mode): the zero-padded copy
 * xp of a source [C][H][W] (the input, or the output gradient for dL/dinput).
 * Holes: real the scalar type; n the elements of xp (all of them are cleared)
 *        C, H, W the source's channels, rows and columns
 *        at  where source row y of channel c starts in xp (c, y; the padding offset)
 *        src the source array; from where its row y of channel c starts (c, y) */
memset(xp, 0, /*@n@*/ * sizeof(/*@real@*/));
for (c = 0; c < /*@C@*/; c++)
    for (y = 0; y < /*@H@*/; y++)
        memcpy(xp + /*@at@*/, /*@src@*/ + /*@from@*/, /*@W@*/ * sizeof(/*@real@*/));
