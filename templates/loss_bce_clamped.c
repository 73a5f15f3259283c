/* binary cross-entropy on probabilities y (logs clamped at -100, as PyTorch):
 * dL/dy = (y - t) / max(y (1 - y), 1e-12) */
static PFX_real PFX_loss(const PFX_real *restrict y, const PFX_real *restrict t,
                         PFX_real *restrict g)
{
    PFX_real loss = 0;
    int n;
    for (n = 0; n < /*@n@*/; n++) {
        PFX_real l1 = /*@log@*/(y[n]), l0 = /*@log@*/(1 - y[n]), v = y[n] * (1 - y[n]);
        loss -= t[n] * (l1 > -100 ? l1 : -100) + (1 - t[n]) * (l0 > -100 ? l0 : -100);
        g[n] = (y[n] - t[n]) / (v > (PFX_real)1e-12 ? v : (PFX_real)1e-12);
    }
    return loss;
}
