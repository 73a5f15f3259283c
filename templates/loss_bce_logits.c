/* binary cross-entropy from the logits z (stable for any z, e.g. +-1e4):
 * L = sum max(z, 0) - z t + log1p(exp(-|z|)), dL/dz = y - t with y = sigmoid(z) */
static PFX_real PFX_loss(const PFX_real *restrict z, const PFX_real *restrict y,
                         const PFX_real *restrict t, PFX_real *restrict g)
{
    PFX_real loss = 0;
    int n;
    for (n = 0; n < /*@n@*/; n++) {
        PFX_real x = z[n];
        loss += (x > 0 ? x : 0) - x * t[n] + /*@log1p@*/(/*@exp@*/(-/*@fabs@*/(x)));
        g[n] = y[n] - t[n];
    }
    return loss;
}
