/*! Per-layer body (loop modes kernel and none): avgpool and l2pool backward (and
 * global_avgpool). Every output (i, j) of channel c adds t x (its share of g[o]) to
 * the gradient of each valid tap of its window: avg t = g / divisor, l2
 * t = g / out (0 where out == 0) times x. Each input cell sums its contributions in
 * output order.
 * Holes: uv     ", u, v" in mode none (the window is a loop), else empty
 *        tables as in layer_pool_sum_fwd.c (no divisor tables for l2)
 *        N      input elements (gin is cleared first)
 *        C      channels; OH, OW output rows and columns
 *        real   the scalar type
 *        xoff   offset of channel c's plane in gin (and in); o the output index
 *        x      l2: `const real *restrict x = in + xoff;` the input plane; avg: empty
 *        t      avg: g[o] / the divisor; l2: out[o] == 0 ? 0 : g[o] / out[o]
 *        q0     kernel: `const int q0 = ...;` the index of tap (0, 0); none: empty
 *        taps   none: layer_pool_taps.c; kernel: one statement per valid tap
 *               (generated); each `gx[q] += t;` (avg) or `gx[q] += t * x[q];` (l2) */
int n, c, i, j/*@uv@*/;
/*@tables@*/
for (n = 0; n < /*@N@*/; n++)
    gin[n] = 0;
for (c = 0; c < /*@C@*/; c++) {
    /*@real@*/ *restrict gx = gin + /*@xoff@*/;
    /*@x@*/
    for (i = 0; i < /*@OH@*/; i++)
        for (j = 0; j < /*@OW@*/; j++) {
            const int o = /*@o@*/;
            const /*@real@*/ t = /*@t@*/;
            /*@q0@*/
            /*@taps@*/
        }
}
