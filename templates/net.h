/*@banner@*/
#ifndef PFX_GENERATED_H
#define PFX_GENERATED_H

#include <stddef.h>
#include <stdint.h>
#include "cnngen_rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes (all compile-time constants). */
/*@sizes@*/

typedef /*@real@*/ PFX_real;

/* Every weight and bias in spec order, weight then bias, without padding: readable
 * as a flat array of PFX_NUM_PARAMS reals. conv2d weights are [K][C][kh][kw] (OIHW),
 * dense weights [units][in] (nn.Linear). */
typedef struct PFX_params {
/*@params_members@*/
} PFX_params;

/* Everything a pass needs besides the parameters. */
typedef struct PFX_workspace {
/*@workspace_members@*/
} PFX_workspace;

/* Compile-time checks (a negative array size is an error). */
typedef char PFX_check_params_size[sizeof(PFX_params) == PFX_PARAMS_BYTES ? 1 : -1];
typedef char PFX_check_workspace_size[sizeof(PFX_workspace) == PFX_WORKSPACE_BYTES ? 1 : -1];
/* the params are a flat array of PFX_NUM_PARAMS reals (one unused real when there are none) */
typedef char PFX_check_params_flat[PFX_PARAMS_BYTES ==
                                   (PFX_NUM_PARAMS ? PFX_NUM_PARAMS : 1) * sizeof(PFX_real) ? 1 : -1];
typedef char PFX_check_input_size[PFX_INPUT_SIZE == PFX_INPUT_C * PFX_INPUT_H * PFX_INPUT_W ? 1 : -1];

/* Fills p deterministically from seed: He-uniform weights before relu-like
 * activations, Glorot-uniform otherwise; biases 0. */
void PFX_init(PFX_params *p, uint64_t seed);

/* One sample: input [C][H][W] -> output [PFX_OUTPUT_SIZE]. */
void PFX_forward(const PFX_params *p, const PFX_real *input, PFX_real *output,
        PFX_workspace *ws);
/*@train_decls@*/

/* Generic descriptor (cnngen_rt.h) for tools that work with any network. */
extern const cnngen_model PFX_model;

#ifdef __cplusplus
}
#endif
#endif
