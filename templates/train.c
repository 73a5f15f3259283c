PFX_real PFX_backward(const PFX_params *p, const PFX_real *input, const PFX_real *target,
                      PFX_params *grad, PFX_real *grad_input, PFX_workspace *ws)
{
/*@backward_body@*/
}

void PFX_sgd(PFX_params *p, const PFX_params *grad, PFX_real lr)
{
/*@sgd_body@*/
}

/* grad = 0 (all = 1) or grad /= d (all = 0) */
static void PFX_grad_fill(PFX_params *grad, PFX_real d, int all)
{
/*@grad_fill_body@*/
}

/* grad /= n, then p -= lr * grad: the same steps as PFX_grad_fill and PFX_sgd (element
 * by element, so the same numbers), over P_params as one flat array, in vectors */
static void PFX_mean_step(PFX_params *p, PFX_params *grad, int n, PFX_real lr)
{
    PFX_real *w = (PFX_real *)(void *)p, *gr = (PFX_real *)(void *)grad;
    int i;
    if (n > 1) {
        const PFX_real d = (PFX_real)n;
        for (i = 0; i <= PFX_NUM_PARAMS - PFX_VL; i += PFX_VL)
            PFX_VST(gr + i, PFX_VLD(gr + i) / d);
        for (; i < PFX_NUM_PARAMS; i++)
            gr[i] = gr[i] / d;
    }
    for (i = 0; i <= PFX_NUM_PARAMS - PFX_VL; i += PFX_VL)
        PFX_VST(w + i, PFX_VLD(w + i) - lr * PFX_VLD(gr + i));
    for (; i < PFX_NUM_PARAMS; i++)
        w[i] -= lr * gr[i];
}

PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets, /*@train_batch{@*/
                         int n, PFX_real lr, PFX_params *grad, PFX_workspace *ws)
{
    PFX_real loss = 0;
    int s;
    (void)PFX_grad_fill;
    memset(grad, 0, sizeof *grad);
    if (n <= 0)
        return 0;
    for (s = 0; s < n; s++)
        loss += PFX_backward(p, inputs + (size_t)s * PFX_INPUT_SIZE,
                             targets + (size_t)s * PFX_OUTPUT_SIZE, grad, NULL, ws);
    PFX_mean_step(p, grad, n, lr);
    return loss / (PFX_real)n;
} /*@}@*/
