/*! Per-layer body (loop modes): softmax layer forward, out = softmax(in), stable
 * (the maximum is subtracted before exp). Also the body of the loss's output
 * transform (out_softmax.c).
 * Holes: real the scalar type; n the element count; exp expf or exp. */
/*@real@*/ m = in[0], s = 0;
int n;
for (n = 1; n < /*@n@*/; n++)
    if (in[n] > m)
        m = in[n];
for (n = 0; n < /*@n@*/; n++) {
    out[n] = /*@exp@*/(in[n] - m);
    s += out[n];
}
for (n = 0; n < /*@n@*/; n++)
    out[n] /= s;
