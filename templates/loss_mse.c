/* mean squared error: L = 1/2 sum (y - t)^2, dL/dy = y - t */
static PFX_real PFX_loss(const PFX_real *restrict y, const PFX_real *restrict t,
                         PFX_real *restrict g)
{
    PFX_real loss = 0;
    int n;
    for (n = 0; n < /*@n@*/; n++) {
        PFX_real d = y[n] - t[n];
        loss += d * d;
        g[n] = d;
    }
    return loss / 2;
}
