/* /*@what@*/: L = sum t (lse(z) - z),
 * dL/dz = y sum(t) - t (= y - t when the targets sum to 1); y = softmax(z), stable */
static PFX_real PFX_loss(const PFX_real *restrict z, const PFX_real *restrict y,
                         const PFX_real *restrict t, PFX_real *restrict g)
{
    PFX_real m = z[0], s = 0, ts = 0, lse, loss = 0;
    int n;
    for (n = 1; n < /*@n@*/; n++)
        if (z[n] > m)
            m = z[n];
    for (n = 0; n < /*@n@*/; n++)
        s += /*@exp@*/(z[n] - m);
    lse = m + /*@log@*/(s);
    for (n = 0; n < /*@n@*/; n++) {
        loss += t[n] * (lse - z[n]);
        ts += t[n];
    }
    for (n = 0; n < /*@n@*/; n++)
        g[n] = y[n] * ts - t[n];
    return loss;
}
