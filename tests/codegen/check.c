/* check.c - generic checker for one generated network, driven only through its
 * cnngen_model descriptor. Build: cc check.c NET.c -DMODEL=P_model -include NET.h
 *
 *   check grad [SEED [MAXPER]]  float64 central-difference check (h = 1e-6) of every
 *                       parameter gradient and every input gradient; also that
 *                       grad is ADDED to, grad_input may be NULL, and forward ==
 *                       backward's forward (MAXPER: sample about that many
 *                       entries per tensor). Prints "ok ..." or "FAIL ..." lines.
 *   check dump [SEED]   prints output, loss, grads, grad_input and the params after
 *                       two train_batch steps, as exact hex floats (to diff modes)
 *   check run [SEED]    forward + backward + train_batch once (for sanitizers)
 *   check trainfd [SEED] float64 central differences of the TRAIN-MODE mean loss of a
 *                       batch of 4 (train_batch with lr 0: batchnorm through the batch
 *                       statistics, dropout with the same masks: the workspace is
 *                       zeroed before every call, so the stream restarts at seed 0)
 *                       against the gradient train_batch leaves in grad, for every
 *                       parameter (the buffers' gradient must be 0)
 *   check refuse SEED N  train_batch with each batch size N given (out of range, or
 *                       with undefined statistics) returns NaN and changes neither
 *                       the params (running statistics included) nor grad
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen_rt.h"

#ifndef MODEL
#error "define MODEL to the generated cnngen_model (e.g. -DMODEL=lenet5_model)"
#endif
extern const cnngen_model MODEL;
static const cnngen_model *M = &MODEL;

static double get(const void *p, size_t i)
{
    return M->dtype_bytes == 8 ? ((const double *)p)[i] : ((const float *)p)[i];
}
static void set(void *p, size_t i, double v)
{
    if (M->dtype_bytes == 8)
        ((double *)p)[i] = v;
    else
        ((float *)p)[i] = (float)v;
}
static void *zalloc(size_t n) { void *p = calloc(n ? n : 1, 1); if (!p) abort(); return p; }

/* random input in [-1, 1]; targets that suit the loss */
static void make_data(cnngen_rng *r, void *in, void *t, int n)
{
    for (size_t k = 0; k < (size_t)n * M->input_size; k++)
        set(in, k, 2 * cnngen_rng_uniform(r) - 1);
    for (int s = 0; s < n; s++) {
        size_t o = (size_t)s * M->output_size;
        double sum = 0;
        for (size_t k = 0; k < M->output_size; k++) {
            double v = cnngen_rng_uniform(r);
            if (M->loss == CNNGEN_LOSS_MSE)
                v = 2 * v - 1;
            set(t, o + k, v);
            sum += v;
        }
        if (M->loss == CNNGEN_LOSS_SOFTMAX_CE || M->loss == CNNGEN_LOSS_CE)
            for (size_t k = 0; k < M->output_size; k++)
                set(t, o + k, get(t, o + k) / sum);   /* soft labels summing to 1 */
    }
}

static long atol_(const char *s) { return strtol(s, NULL, 10); }

/* parameter k is a buffer (a batchnorm's running statistics: no gradient, by contract) */
static int is_buffer(size_t k)
{
    for (int q = 0; q < M->ntensors; q++) {
        size_t m = 1, len = strlen(M->tensors[q].name);
        for (int d = 0; d < M->tensors[q].ndim; d++)
            m *= (size_t)M->tensors[q].shape[d];
        if (k >= M->tensors[q].offset && k < M->tensors[q].offset + m)
            return (len > 13 && !strcmp(M->tensors[q].name + len - 13, ".running_mean")) ||
                   (len > 12 && !strcmp(M->tensors[q].name + len - 12, ".running_var"));
    }
    return 0;
}

/* parameter k's gradient in g (laid out as P_grad: P_params', or only what learns
 * when `trainable:` freezes some; a frozen parameter's is 0 and *has 0) */
static double gget(const void *g, size_t k, int *has)
{
    for (int q = 0; q < M->ntensors; q++) {
        size_t m = 1;
        for (int d = 0; d < M->tensors[q].ndim; d++)
            m *= (size_t)M->tensors[q].shape[d];
        if (!M->tensors[q].data && k >= M->tensors[q].offset && k < M->tensors[q].offset + m) {
            if (has)
                *has = M->tensors[q].grad_offset >= 0;
            return M->tensors[q].grad_offset < 0 ? 0
                 : get(g, (size_t)M->tensors[q].grad_offset + (k - M->tensors[q].offset));
        }
    }
    if (has)
        *has = 0;
    return 0;
}

/* some parameter does not learn (a partial net: no input gradient either) */
static int partial(void)
{
    for (int q = 0; q < M->ntensors; q++)
        if (M->tensors[q].grad_offset < 0)
            return 1;
    return 0;
}

/* sampling: entry k is checked with probability maxper / (size of its tensor) */
static int pick(size_t k, long maxper, cnngen_rng *r)
{
    size_t n = M->input_size;
    if (k < M->num_params)
        for (int q = 0; q < M->ntensors; q++) {
            size_t m = 1;
            for (int d = 0; d < M->tensors[q].ndim; d++)
                m *= (size_t)M->tensors[q].shape[d];
            if (k >= M->tensors[q].offset && k < M->tensors[q].offset + m)
                n = m;
        }
    return (double)n * cnngen_rng_uniform(r) < (double)maxper;
}

static void print_hex(const char *what, const void *p, size_t n)
{
    printf("%s", what);
    for (size_t i = 0; i < n; i++) {
        double v = get(p, i);
        printf(" %a", v == 0 ? 0.0 : v);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "grad";
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    size_t rb = (size_t)M->dtype_bytes;
    void *p = zalloc(M->params_bytes), *g = zalloc(M->params_bytes), *g2 = zalloc(M->params_bytes);
    void *ws = zalloc(M->workspace_bytes);
    void *in = zalloc(M->input_size * rb * 4), *t = zalloc(M->output_size * rb * 4);
    void *gi = zalloc(M->input_size * rb), *out = zalloc(M->output_size * rb);
    void *out2 = zalloc(M->output_size * rb);
    cnngen_rng r;
    cnngen_rng_seed(&r, seed * 7919 + 13);
    M->init(p, seed);
    /* biases are 0 after init: give them values so their gradients are exercised */
    for (int k = 0; k < M->ntensors; k++) {
        /* a running variance stays positive, in [0.5, 1.5) */
        const char *nm = M->tensors[k].name;
        size_t len = strlen(nm);
        int var = len > 12 && strcmp(nm + len - 12, ".running_var") == 0;
        if (M->tensors[k].ndim == 1)
            for (int i = 0; i < M->tensors[k].shape[0]; i++)
                set(p, M->tensors[k].offset + (size_t)i,
                    var ? 0.5 + cnngen_rng_uniform(&r) : 0.2 * (2 * cnngen_rng_uniform(&r) - 1));
    }
    make_data(&r, in, t, 4);
    int fails = 0;

    if (strcmp(mode, "run") == 0) {
        M->forward(p, in, out, ws);
        if (M->backward) {
            M->backward(p, in, t, g, gi, ws);
            M->backward(p, in, t, g, NULL, ws);
            M->train_batch(p, in, t, 4, 0.01, g, ws);
        }
        printf("ok run\n");
        return 0;
    }
    if (strcmp(mode, "dump") == 0) {
        M->forward(p, in, out, ws);
        print_hex("output", out, M->output_size);
        if (M->backward) {
            double loss = M->backward(p, in, t, g, gi, ws);
            printf("loss %a\n", loss);
            print_hex("grad", g, M->num_params);
            print_hex("grad_input", gi, M->input_size);
            for (int s = 0; s < 2; s++)
                printf("batch_loss %a\n", M->train_batch(p, in, t, 4, 0.05, g, ws));
            print_hex("params", p, M->num_params);
        }
        return 0;
    }
    if (strcmp(mode, "refuse") == 0) {
        void *p0 = zalloc(M->params_bytes);
        for (int a = 3; a < argc; a++) {
            int n = (int)atol_(argv[a]);
            void *big_in = zalloc(M->input_size * rb * (size_t)(n > 4 ? n : 4));
            void *big_t = zalloc(M->output_size * rb * (size_t)(n > 4 ? n : 4));
            memcpy(big_in, in, M->input_size * rb * 4);
            memcpy(big_t, t, M->output_size * rb * 4);
            memcpy(p0, p, M->params_bytes);
            memset(g, 0x5a, M->params_bytes);
            memcpy(g2, g, M->params_bytes);
            double loss = M->train_batch(p, big_in, big_t, n, 0.1, g, ws);
            if (!isnan(loss) || memcmp(p, p0, M->params_bytes) || memcmp(g, g2, M->params_bytes)) {
                printf("FAIL train_batch(n = %d): loss %g, params %s, grad %s\n", n, loss,
                       memcmp(p, p0, M->params_bytes) ? "changed" : "unchanged",
                       memcmp(g, g2, M->params_bytes) ? "changed" : "unchanged");
                fails++;
            }
            free(big_in);
            free(big_t);
        }
        if (!fails)
            printf("ok train_batch refuses n = %s ... (NaN, nothing changed)\n", argc > 3 ? argv[3] : "");
        return fails != 0;
    }
    if (strcmp(mode, "trainfd") == 0) {
        if (!M->train_batch || M->dtype_bytes != 8) {
            printf("FAIL trainfd needs train_batch and float64\n");
            return 1;
        }
        const double h = 1e-6, rtol = 1e-5, atol = 1e-7;
        double worst = 0, loss;
        memset(ws, 0, M->workspace_bytes);
        loss = M->train_batch(p, in, t, 4, 0.0, g, ws);
        if (!isfinite(loss)) {
            printf("FAIL train_batch loss %g\n", loss);
            return 1;
        }
        for (size_t k = 0; k < M->num_params; k++) {
            double v = get(p, k), lp, lm;
            int has;
            double ana = gget(g, k, &has);
            if (is_buffer(k) && ana != 0) {
                printf("FAIL buffer param[%zu] has gradient %g, not 0\n", k, ana);
                fails++;
            }
            if (!has)
                continue;   /* it does not learn: no gradient to check */
            set(p, k, v + h);
            memset(ws, 0, M->workspace_bytes);
            lp = M->train_batch(p, in, t, 4, 0.0, g2, ws);
            set(p, k, v - h);
            memset(ws, 0, M->workspace_bytes);
            lm = M->train_batch(p, in, t, 4, 0.0, g2, ws);
            set(p, k, v);
            double num = (lp - lm) / (2 * h);
            double err = fabs(num - ana), tol = atol + rtol * fmax(fabs(num), fabs(ana));
            if (err / tol > worst)
                worst = err / tol;
            if (err > tol) {
                if (fails < 10)
                    printf("FAIL train-mode d loss / d param[%zu]: numeric %.10g analytic %.10g\n",
                           k, num, ana);
                fails++;
            }
        }
        if (fails) {
            printf("FAIL %d mismatches of %zu\n", fails, M->num_params);
            return 1;
        }
        printf("ok train mode: %zu gradients (worst error %.3g of tolerance), loss %.6g\n",
               M->num_params, worst, loss);
        return 0;
    }
    /* grad */
    if (!M->backward) {
        printf("FAIL no backward in this model\n");
        return 1;
    }
    if (M->dtype_bytes != 8) {
        printf("FAIL gradient check needs float64\n");
        return 1;
    }
    M->forward(p, in, out, ws);
    double loss = M->backward(p, in, t, g, gi, ws);
    M->forward(p, in, out2, ws);
    if (memcmp(out, out2, M->output_size * rb) != 0) {
        printf("FAIL forward is not repeatable\n");
        fails++;
    }
    if (!isfinite(loss)) {
        printf("FAIL loss %g\n", loss);
        fails++;
    }
    /* backward ADDS into grad; grad_input NULL is allowed and changes nothing else */
    memcpy(g2, g, M->params_bytes);
    double loss2 = M->backward(p, in, t, g2, NULL, ws);
    for (size_t k = 0; k < M->num_params; k++)
        if (fabs(gget(g2, k, NULL) - 2 * gget(g, k, NULL)) > 1e-12 * (1 + fabs(gget(g, k, NULL)))) {
            printf("FAIL backward does not add into grad (param %zu: %g vs 2 * %g)\n", k,
                   gget(g2, k, NULL), gget(g, k, NULL));
            fails++;
            break;
        }
    if (loss2 != loss) {
        printf("FAIL loss differs between calls\n");
        fails++;
    }
    const double h = 1e-6, rtol = 1e-5, atol = 1e-7;
    double worst = 0;
    size_t checked = 0;
    /* MAXPER > 0: check that many random entries of each tensor and of the input */
    long maxper = argc > 3 ? atol_(argv[3]) : 0;
    for (size_t k = 0; k < M->num_params + M->input_size; k++) {
        int is_in = k >= M->num_params;
        if (maxper > 0 && !pick(k, maxper, &r))
            continue;
        int has = 1;
        if (!is_in && (is_buffer(k) || (gget(g, k, &has), !has))) {
            /* the loss reads it, but it gets no gradient (a buffer, or frozen) */
            if (gget(g, k, NULL) != 0) {
                printf("FAIL buffer param[%zu] has gradient %g, not 0\n", k, gget(g, k, NULL));
                fails++;
            }
            continue;
        }
        if (is_in && partial())
            break;      /* a partial net gives no input gradient (NaN) */
        void *arr = is_in ? in : p;
        size_t i = is_in ? k - M->num_params : k;
        double v = get(arr, i), lp, lm;
        memset(g2, 0, M->params_bytes);
        set(arr, i, v + h);
        lp = M->backward(p, in, t, g2, NULL, ws);
        set(arr, i, v - h);
        lm = M->backward(p, in, t, g2, NULL, ws);
        set(arr, i, v);
        double num = (lp - lm) / (2 * h), ana = is_in ? get(gi, i) : gget(g, k, NULL);
        double err = fabs(num - ana), tol = atol + rtol * fmax(fabs(num), fabs(ana));
        if (err / tol > worst)
            worst = err / tol;
        checked++;
        if (err > tol) {
            const char *name = "input";
            if (!is_in)
                for (int q = 0; q < M->ntensors; q++) {
                    size_t n = 1;
                    for (int d = 0; d < M->tensors[q].ndim; d++)
                        n *= (size_t)M->tensors[q].shape[d];
                    if (k >= M->tensors[q].offset && k < M->tensors[q].offset + n)
                        name = M->tensors[q].name;
                }
            if (fails < 10)
                printf("FAIL d loss / d %s[%zu]: numeric %.10g analytic %.10g\n", name, i, num, ana);
            fails++;
        }
    }
    if (fails) {
        printf("FAIL %d mismatches of %zu\n", fails, checked);
        return 1;
    }
    printf("ok %zu gradients (worst error %.3g of tolerance), loss %.6g\n", checked, worst, loss);
    return 0;
}
