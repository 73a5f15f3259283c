/*! Per-layer body (loop modes): an elementwise map, dst[n] = expr for every n.
 * Holes: n   element count
 *        dst the array written
 *        expr the value of element n (subscripts [n])
 * Used by the activation layers (forward, backward), the backward of a fused
 * activation (in place on g) and flatten (a copy in both directions). */
int n;
for (n = 0; n < /*@n@*/; n++)
    /*@dst@*/[n] = /*@expr@*/;
