
/* Runs the forward pass, returns the loss, ADDS dL/dparams into grad (the caller
 * zeroes it) and, when grad_input is not NULL, stores dL/dinput there. */
PFX_real PFX_backward(const PFX_params *p, const PFX_real *input, const PFX_real *target,
        PFX_params *grad, PFX_real *grad_input, PFX_workspace *ws);
/* p -= lr * grad */
void PFX_sgd(PFX_params *p, const PFX_params *grad, PFX_real lr);
/* Zeroes grad, accumulates over n samples (packed one after another), averages,
 * takes one SGD step; returns the mean loss. */
PFX_real PFX_train_batch(PFX_params *p, const PFX_real *inputs, const PFX_real *targets,
        int n, PFX_real lr, PFX_params *grad, PFX_workspace *ws);
