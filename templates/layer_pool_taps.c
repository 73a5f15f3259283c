/*! Part of a pool body in loop mode none: the valid taps (u, v) of output (i, j)'s
 * window in row-major order, q the tap's index in the channel plane. Used by
 * layer_pool_max_fwd.c, layer_pool_sum_fwd.c and layer_pool_sum_bwd.c.
 * Holes: ulo, uhi  the valid tap rows: 0 and the kernel height, or ulo[i], uhi[i]
 *                  from the tables when some window overhangs a row edge
 *        vlo, vhi  the same for the columns
 *        q         q as a function of i, j, u, v (stride, dilation, padding, width)
 *        tap       the statement for tap q (see the template that uses this one) */
for (u = /*@ulo@*/; u < /*@uhi@*/; u++)
    for (v = /*@vlo@*/; v < /*@vhi@*/; v++) {
        const int q = /*@q@*/;
        /*@tap@*/
    }
