/*! P_train_batch of a net whose train mode differs from its eval mode (batchnorm,
 * dropout): one PyTorch train-mode step. PFX_run_train runs the forward of a batch of
 * m samples in train mode (batch statistics, dropout masks; the running statistics
 * move), PFX_backward_train its backward, adding d(sum of the m losses)/dparams to
 * grad; then grad /= n and p -= lr grad over the flat array (the buffers' gradient is
 * 0, so PFX_mean_step leaves them alone). Holes: range (the batch sizes refused, nothing
 * changed), decls (without c0 and m for one batch), chunks (one batch, or batches of at most PFX_MAX_BATCH when no layer reads
 * the whole batch), seed (dropout: a zeroed workspace acts as PFX_seed(ws, 0)). */
/* One PyTorch train-mode step on n samples: batch statistics, dropout, mean loss,
 * backward, SGD (the running statistics move, SGD leaves them alone). */
PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets,
                         int n, PFX_real lr, PFX_grad *grad, PFX_workspace *ws)
{
    PFX_real loss = 0;
    int c0, m; /*@decls@*/
    (void)PFX_grad_fill;
    if (n < 1 || n > PFX_MAX_BATCH) /*@range{@*/
        return (PFX_real)NAN; /*@}@*/
    if (grad == NULL)   /* train mode needs the gradient buffer */
        return (PFX_real)NAN;
    memset(grad, 0, sizeof *grad);
/*@seed@*/
    for (c0 = 0; c0 < n; c0 += m) { /*@chunks{@*/
        m = n - c0 < PFX_MAX_BATCH ? n - c0 : PFX_MAX_BATCH;
        PFX_run_train(p, inputs + (size_t)c0 * PFX_INPUT_SIZE, m, ws);
        loss += PFX_backward_train(p, inputs + (size_t)c0 * PFX_INPUT_SIZE,
                                   targets + (size_t)c0 * PFX_OUTPUT_SIZE, m, grad, ws);
    } /*@}@*/
    PFX_mean_step(p, grad, n, lr);
    return loss / (PFX_real)n;
}
