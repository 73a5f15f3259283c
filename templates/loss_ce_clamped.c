/* cross-entropy on probabilities y: L = -sum t log y (log clamped at -100, as
 * PyTorch), dL/dy = -t / max(y, 1e-12) */
static PFX_real PFX_loss(const PFX_real *restrict y, const PFX_real *restrict t,
                         PFX_real *restrict g)
{
    PFX_real loss = 0;
    int n;
    for (n = 0; n < /*@n@*/; n++) {
        PFX_real ly = /*@log@*/(y[n]);
        loss -= t[n] * (ly > -100 ? ly : -100);
        g[n] = -t[n] / (y[n] > (PFX_real)1e-12 ? y[n] : (PFX_real)1e-12);
    }
    return loss;
}
