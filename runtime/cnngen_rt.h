/* cnngen_rt.h - the tiny runtime that cnngen-generated code links against.
 *
 * C99, no dependencies beyond libc and libm. Everything generated code calls is
 * allocation-free and reentrant (state lives in the caller's structs).
 * Ownership: functions that allocate say so and have a matching free.
 */
#ifndef CNNGEN_RT_H
#define CNNGEN_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNNGEN_RT_VERSION "0.1.0"

/* ---- deterministic RNG (splitmix64 seeding + xoshiro256**), caller-owned state */
typedef struct cnngen_rng { uint64_t s[4]; } cnngen_rng;
void     cnngen_rng_seed(cnngen_rng *r, uint64_t seed);
uint64_t cnngen_rng_next(cnngen_rng *r);
double   cnngen_rng_uniform(cnngen_rng *r);              /* [0, 1) with 53 bits */
/* fills n values uniform in [-limit, limit) (float or double by elem_bytes 4/8), computed
 * in that type: floats from 24 random bits in float arithmetic, doubles from 53 */
void     cnngen_fill_uniform(cnngen_rng *r, void *dst, size_t n, int elem_bytes, double limit);

/* ---- a generic description of a generated network (net.c defines one
 * `const cnngen_model P_model`), so tools like the trainer and the
 * safetensors reader/writer work with any network. Parameters and workspaces are
 * passed as void pointers to the generated P_params / P_workspace. */
typedef struct cnngen_tensor {
    const char *name;       /* PyTorch name: "<layer>.weight" / "<layer>.bias" */
    size_t offset;          /* offset in reals into the flat P_params */
    int ndim;               /* 4 for conv weights (OIHW), 2 for dense [units][in], 1 for biases */
    int shape[4];
    long grad_offset;       /* offset in reals of its gradient in P_grad; -1: it has none
                             * (a `trainable:` setting freezes it) */
    const void *data;       /* NULL: in P_params at offset; else const data compiled in
                             * (--weights with frozen parameters: P_frozen), offset unused */
} cnngen_tensor;

/* An inference build (--inference-only) folds a batchnorm into the conv2d or dense
 * layer before it (generator/fold.c): P_params holds that layer's folded weight and
 * bias, w[k][..] * s_k and (b_k - rm_k) * s_k + beta_k with s_k = gamma_k /
 * sqrt(rv_k + eps). Reading a file that holds PyTorch's unfolded tensors (the layer's
 * weight and bias, the batchnorm's weight, bias, running_mean, running_var and
 * num_batches_tracked) folds them so; a file that holds the folded pair is read as it
 * is (cnngen_save_safetensors writes that form). */
typedef struct cnngen_fold {
    const char *bn;         /* the batchnorm's PyTorch name (its tensors' prefix) */
    int weight, bias;       /* the folded layer's tensors: indices into tensors[] */
    int had_bias;           /* the layer has a bias of its own in PyTorch's module */
    int affine;             /* the batchnorm has weight (gamma) and bias (beta) */
    double eps;
} cnngen_fold;

enum cnngen_loss { CNNGEN_LOSS_NONE, CNNGEN_LOSS_SOFTMAX_CE, CNNGEN_LOSS_CE,
                   CNNGEN_LOSS_MSE, CNNGEN_LOSS_BCE };

typedef struct cnngen_model {
    const char *name;
    int dtype_bytes;        /* 4 (float32) or 8 (float64) */
    int input_c, input_h, input_w;
    size_t input_size, output_size, num_params;
    size_t params_bytes;    /* sizeof(P_params) */
    size_t workspace_bytes; /* sizeof(P_workspace) */
    int loss;               /* enum cnngen_loss */
    int ntensors;
    const cnngen_tensor *tensors;
    void   (*init)(void *params, uint64_t seed);
    void   (*forward)(const void *params, const void *input, void *output, void *ws);
    /* NULL when generated with --inference-only or without a loss */
    double (*backward)(const void *params, const void *input, const void *target,
                       void *grad, void *grad_input, void *ws);
    void   (*sgd)(void *params, const void *grad, double lr);
    double (*train_batch)(void *params, const void *inputs, const void *targets, int n,
                          double lr, void *grad, void *ws);
    int max_batch;          /* P_MAX_BATCH */
    /* 1: a layer's train mode differs from eval mode (batchnorm, dropout), so training
     * goes through train_batch (one train-mode step per batch of 1..max_batch), not
     * per-sample backward calls */
    int train_mode;
    int nfolds;             /* batchnorms folded into the layer before them (above) */
    const cnngen_fold *folds;
    size_t grad_bytes;      /* sizeof(P_grad): params_bytes, or less when some parameters do
                             * not learn (their tensors' grad_offset is -1); 0 without training */
    /* P_forward_batch: n samples (1..max_batch) one after another, as n forward calls */
    void   (*forward_batch)(const void *params, const void *inputs, void *outputs, int n, void *ws);
} cnngen_model;

/* ---- safetensors (runtime/safetensors.c): a model's parameters with PyTorch's names
 * and shapes (the tensors table), dtype F32 or F64 as the net's, little-endian.
 * Both return 0 on success, -1 on failure. */
/* Writes params to path (via path.tmp + rename, so a failure leaves no partial file;
 * on failure errno says why). Adds __metadata__ {"format": "pt", "generator": "cnngen",
 * "model": name}. */
int cnngen_save_safetensors(const cnngen_model *m, const void *params, const char *path);
/* Reads path into params. Strict: the header must be valid JSON, every model tensor
 * present with the net's dtype (no conversion) and exact shape, the tensors must tile
 * the data exactly up to the end of the file, and a tensor the model lacks is an
 * error. Folded batchnorms (cnngen_fold) are read in either form and folded. On failure params is left untouched and err (if not NULL) receives a
 * message naming the file and the tensor. Allocates temporaries, frees them. */
int cnngen_load_safetensors(const cnngen_model *m, void *params, const char *path,
                            char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif

