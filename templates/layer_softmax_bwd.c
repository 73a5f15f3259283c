/*! Per-layer body (loop modes): softmax layer backward from its saved output,
 * gin = out (g - sum g out).
 * Holes: real the scalar type; n the element count. */
/*@real@*/ d = 0;
int n;
for (n = 0; n < /*@n@*/; n++)
    d += g[n] * out[n];
for (n = 0; n < /*@n@*/; n++)
    gin[n] = out[n] * (g[n] - d);
