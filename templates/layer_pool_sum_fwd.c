/*! Per-layer body (loop modes kernel and none): avgpool and l2pool forward (and
 * global_avgpool). For every channel c and output (i, j), s sums the window's valid
 * taps (avg: x, l2: x^2) in row-major order; out is s / divisor or sqrt(s).
 * Holes: uv     ", u, v" in mode none (the window is a loop), else empty
 *        tables none: the valid taps per output row / column (ulo, uhi, vlo, vhi),
 *               only for rows / columns a window overhangs; avg: the divisor
 *               factors per row / column (dr, dc) unless the divisor is constant;
 *               all static const int, or empty
 *        C      channels; OH, OW output rows and columns
 *        real   the scalar type
 *        xoff   offset of channel c's input plane in `in`; o the output index
 *        q0     kernel: `const int q0 = ...;` the index of tap (0, 0); none: empty
 *        taps   none: layer_pool_taps.c; kernel: one statement per valid tap
 *               (generated: their number and conditions depend on the window);
 *               each `s += x[q];` (avg) or `s += x[q] * x[q];` (l2)
 *        result avg: s / the divisor (a literal, or (real)(dr[i] * dc[j]));
 *               l2: sqrt(s) */
int c, i, j/*@uv@*/;
/*@tables@*/
for (c = 0; c < /*@C@*/; c++) {
    const /*@real@*/ *restrict x = in + /*@xoff@*/;
    for (i = 0; i < /*@OH@*/; i++)
        for (j = 0; j < /*@OW@*/; j++) {
            const int o = /*@o@*/;
            /*@q0@*/
            /*@real@*/ s = 0;
            /*@taps@*/
            out[o] = /*@result@*/;
        }
}
