/* output transform of the loss: y = softmax(z), stable */
static void PFX_out_softmax(const PFX_real *restrict z, PFX_real *restrict y)
{
    PFX_real m = z[0], s = 0;
    int n;
    for (n = 1; n < /*@n@*/; n++)
        if (z[n] > m)
            m = z[n];
    for (n = 0; n < /*@n@*/; n++) {
        y[n] = /*@exp@*/(z[n] - m);
        s += y[n];
    }
    for (n = 0; n < /*@n@*/; n++)
        y[n] /= s;
}
