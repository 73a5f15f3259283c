/* output transform of the loss: y = sigmoid(z) */
static void PFX_out_sigmoid(const PFX_real *restrict z, PFX_real *restrict y)
{
    int n;
    for (n = 0; n < /*@n@*/; n++)
        y[n] = 1 / (1 + /*@exp@*/(-z[n]));
}
