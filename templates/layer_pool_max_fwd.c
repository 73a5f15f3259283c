/*! Per-layer body (loop modes kernel and none): maxpool forward (and global_maxpool).
 * For every channel c and output (i, j), m is the first maximum of the window's valid
 * taps in row-major order; a (when declared) is its index in the plane x, stored in
 * am[] for the backward pass.
 * Holes: uv       ", u, v" in mode none (the window is a loop), else empty
 *        tables   none: the valid taps per output row / column (ulo, uhi, vlo, vhi:
 *                 static const int), only for rows / columns a window overhangs
 *        C        channels; OH, OW output rows and columns
 *        real     the scalar type
 *        xoff     offset of channel c's input plane in `in`; o the output index
 *        q0       kernel: `const int q0 = ...;` the index of tap (0, 0); none: empty
 *        a_before none with the argmax: `int a = ...;` the window's first valid tap,
 *                 which m0 then reads; else empty
 *        m0       m's start: x[...] of the first valid tap, or 0 when that tap is
 *                 conditional (kernel)
 *        a_after  kernel: `int a = ...;` the first tap when it is unconditional, -1
 *                 ("none yet") when it is not and a is read; else empty
 *        taps     none: layer_pool_taps.c around layer_pool_max_tap.c; kernel: one
 *                 statement per valid tap (generated: their number and conditions
 *                 depend on the window)
 *        am       `am[o] = <plane offset> + a;` when the backward needs the argmax,
 *                 else empty */
int c, i, j/*@uv@*/;
/*@tables@*/
for (c = 0; c < /*@C@*/; c++) {
    const /*@real@*/ *restrict x = in + /*@xoff@*/;
    for (i = 0; i < /*@OH@*/; i++)
        for (j = 0; j < /*@OW@*/; j++) {
            const int o = /*@o@*/;
            /*@q0@*/
            /*@a_before@*/
            /*@real@*/ m = /*@m0@*/;
            /*@a_after@*/
            /*@taps@*/
            out[o] = m;
            /*@am@*/
        }
}
