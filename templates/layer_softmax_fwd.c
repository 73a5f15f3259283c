/*! softmax forward, loop modes: out = softmax(in) over N elements, stable (the
 * maximum is subtracted before exp). Also the body of the loss's output transform
 * (out_softmax.c).
 * Line holes (the generator replaces the sample code): consts the constant N; exp
 * the exponential of the dtype (expf for float32, exp for float64). */
enum { N = 10 }; /*@consts@*/
PFX_real m = in[0], s = 0;
int n;
for (n = 1; n < N; n++)
    if (in[n] > m)
        m = in[n];
for (n = 0; n < N; n++) {
    out[n] = expf(in[n] - m); /*@exp@*/
    s += out[n];
}
for (n = 0; n < N; n++)
    out[n] /= s;
