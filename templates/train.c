/*! The training functions of a net. Holes: backprop (the backward's static function,
 * which with grad == NULL (upd = p) applies each layer's SGD step as soon as its gradient is known:
 * kept when P_MAX_BATCH is 1 and the net does not train in batches, else removed) and
 * plain (P_backward holding the body itself: kept otherwise); backward_body; sgd_body and
 * grad_fill_body (loops over the tensors that learn); mean_step (a flat loop over
 * P_params, replaced by PFX_grad_fill and PFX_sgd when P_grad holds only what learns);
 * inplace (P_train_batch with grad == NULL); train_batch (replaced by
 * train_batched.c's when the net trains in batches). */
/* The backward pass. grad != NULL: dL/dparams are added to grad. grad == NULL (only
 * P_train_batch passes it, with upd = p): each layer's SGD step,
 * upd -= lr * dL/dparams, is taken as soon as its gradient is known, before the layers
 * below it, whose gradients do not depend on it (grad is not written). */
static PFX_real PFX_backprop(const PFX_params *p, PFX_params *upd, PFX_real lr, /*@backprop{@*/
                             const PFX_real *input, const PFX_real *target,
                             PFX_grad *grad, PFX_real *grad_input, PFX_workspace *ws)
{
/*@backward_body@*/
}

PFX_real PFX_backward(const PFX_params *p, const PFX_real *input, const PFX_real *target,
                      PFX_grad *grad, PFX_real *grad_input, PFX_workspace *ws)
{
    if (grad == NULL)
        return (PFX_real)NAN;
    return PFX_backprop(p, NULL, 0, input, target, grad, grad_input, ws);
} /*@}@*/

PFX_real PFX_backward(const PFX_params *p, const PFX_real *input, const PFX_real *target, /*@plain{@*/
                      PFX_grad *grad, PFX_real *grad_input, PFX_workspace *ws)
{
/*@backward_body@*/
} /*@}@*/

void PFX_sgd(PFX_params *p, const PFX_grad *grad, PFX_real lr)
{
/*@sgd_body@*/
}

/* grad = 0 (all = 1) or grad /= d (all = 0) */
static void PFX_grad_fill(PFX_grad *grad, PFX_real d, int all)
{
/*@grad_fill_body@*/
}

/* grad /= ns, then p -= lr * grad: the same steps as PFX_grad_fill and PFX_sgd (element
 * by element, so the same numbers), over P_params as one flat array, in vectors */
static void PFX_mean_step(PFX_params *p, PFX_grad *grad, int ns, PFX_real lr)
{
    PFX_real *w = (PFX_real *)(void *)p, *gr = (PFX_real *)(void *)grad; /*@mean_step{@*/
    int i;
    if (ns > 1) {
        const PFX_real d = (PFX_real)ns;
        for (i = 0; i <= PFX_NUM_PARAMS - PFX_VL; i += PFX_VL)
            PFX_VST(gr + i, PFX_VLD(gr + i) / d);
        for (; i < PFX_NUM_PARAMS; i++)
            gr[i] = gr[i] / d;
    }
    for (i = 0; i <= PFX_NUM_PARAMS - PFX_VL; i += PFX_VL)
        PFX_VST(w + i, PFX_VLD(w + i) - lr * PFX_VLD(gr + i));
    for (; i < PFX_NUM_PARAMS; i++)
        w[i] -= lr * gr[i]; /*@}@*/
}

PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets, /*@train_batch{@*/
                         int n, PFX_real lr, PFX_grad *grad, PFX_workspace *ws)
{
    PFX_real loss = 0;
    int s;
    (void)PFX_grad_fill;
    if (grad == NULL) /*@inplace{@*/
        return n == 1 ? PFX_backprop(p, p, lr, inputs, targets, NULL, NULL, ws) : (PFX_real)NAN; /*@}@*/
    memset(grad, 0, sizeof *grad);
    if (n <= 0)
        return 0;
    for (s = 0; s < n; s++)
        loss += PFX_backward(p, inputs + (size_t)s * PFX_INPUT_SIZE,
                             targets + (size_t)s * PFX_OUTPUT_SIZE, grad, NULL, ws);
    PFX_mean_step(p, grad, n, lr);
    return loss / (PFX_real)n;
} /*@}@*/
