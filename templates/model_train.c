
static double PFX_m_backward(const void *params, const void *input, const void *target,
        void *grad, void *grad_input, void *ws)
{
    return (double)PFX_backward((const PFX_params *)params, (const PFX_real *)input,
            (const PFX_real *)target, (PFX_grad *)grad,
            (PFX_real *)grad_input, (PFX_workspace *)ws);
}

static void PFX_m_sgd(void *params, const void *grad, double lr)
{
    PFX_sgd((PFX_params *)params, (const PFX_grad *)grad, (PFX_real)lr);
}

static double PFX_m_train_batch(void *params, const void *inputs, const void *targets,
        int n, double lr, void *grad, void *ws)
{
    return (double)PFX_train_batch((PFX_params *)params, (const PFX_real *)inputs,
            (const PFX_real *)targets, n, (PFX_real)lr,
            (PFX_grad *)grad, (PFX_workspace *)ws);
}
