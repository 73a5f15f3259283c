/* output transform of the loss: out = softmax(in), stable */
static void PFX_out_softmax(const PFX_real *restrict in, PFX_real *restrict out)
{
    /*@body@*/
}
