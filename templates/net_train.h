/* The gradients: one real per parameter, P_params' layout (the buffers' stay 0) */
typedef PFX_params PFX_grad; /*@grad_type@*/
typedef char PFX_check_grad_size[sizeof(PFX_grad) == PFX_GRAD_BYTES ? 1 : -1];

/* Runs the forward pass, returns the loss, ADDS dL/dparams into grad (the caller
 * zeroes it) and, when grad_input is not NULL, stores dL/dinput there (NaN when a
 * `trainable:` setting stops the backward above the input). */
PFX_real PFX_backward(const PFX_params *p, const PFX_real *input, const PFX_real *target,
        PFX_grad *grad, PFX_real *grad_input, PFX_workspace *ws);
/* p -= lr * grad */
void PFX_sgd(PFX_params *p, const PFX_grad *grad, PFX_real lr);
/* Zeroes grad, accumulates over n samples (packed one after another), averages,
 * takes one SGD step; returns the mean loss. grad == NULL (P_MAX_BATCH 1, n 1, a net
 * without train-mode layers): each layer's step is taken as soon as its gradient is
 * known, with no gradient buffer; elsewhere grad == NULL returns NaN, changing nothing. */
PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets,
        int n, PFX_real lr, PFX_grad *grad, PFX_workspace *ws);
