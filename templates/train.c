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

PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets,
                         int n, PFX_real lr, PFX_params *grad, PFX_workspace *ws)
{
    PFX_real loss = 0;
    int s;
    PFX_grad_fill(grad, 0, 1);
    if (n <= 0)
        return 0;
    for (s = 0; s < n; s++)
        loss += PFX_backward(p, inputs + (size_t)s * PFX_INPUT_SIZE,
                             targets + (size_t)s * PFX_OUTPUT_SIZE, grad, NULL, ws);
    PFX_grad_fill(grad, (PFX_real)n, 0);
    PFX_sgd(p, grad, lr);
    return loss / (PFX_real)n;
}
