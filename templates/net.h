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

/* The code's form for the target, chosen from the compiler's predefined macros: GNU C
 * vectors (PFX_VECTORS 1) where the target has float SIMD for PFX_real: x86 (SSE2, AVX,
 * AVX-512), ARM NEON (doubles only on AArch64), Arm Helium (MVE with floating point:
 * floats), WebAssembly SIMD128, POWER VSX; elsewhere, and on a Cortex-M4/M7 whose FPU
 * is scalar, loops with one lane shaped for a scalar FPU (GNU vectors there become
 * scalar code two to four times larger and slower). -DCNNGEN_VECTORS=0 forces the
 * scalar loops, -DCNNGEN_VECTORS=1 the vectors (-DCNNGEN_VBYTES=N sets their width);
 * -DCNNGEN_NO_VECTORS is CNNGEN_VECTORS=0. The results are the same bits either way;
 * the workspace's scratch may differ in size (PFX_WORKSPACE_BYTES says). */
#define PFX_F64 0 /*@is_f64@*/
#if defined(CNNGEN_VECTORS) && CNNGEN_VECTORS && defined(__GNUC__)
#define PFX_VECTORS 1
#elif defined(CNNGEN_VECTORS)
#define PFX_VECTORS 0
#elif defined(CNNGEN_NO_VECTORS) || !defined(__GNUC__)
#define PFX_VECTORS 0
#elif defined(__SSE2__) || defined(__AVX__) || defined(__wasm_simd128__) || defined(__VSX__) \
    || defined(__aarch64__) || (defined(__ARM_NEON) && !PFX_F64) \
    || (defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2) && !PFX_F64)
#define PFX_VECTORS 1
#else
#define PFX_VECTORS 0
#endif
/* A max pool's argmax index (pools whose input has at most 65,536 elements): int32_t
 * where there are vectors (x86 runs the int32 code faster), uint16_t on a scalar
 * target, where RAM is scarce. */
#if PFX_VECTORS
typedef int32_t PFX_argmax;
#else
typedef uint16_t PFX_argmax;
#endif

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

/* n samples (1..PFX_MAX_BATCH), packed one after another: the same results as n calls
 * of PFX_forward (eval mode). With vectors the last dense layers run over several
 * samples at once (each weight read once for them). */
void PFX_forward_batch(const PFX_params *p, const PFX_real *inputs, PFX_real *outputs,
        int n, PFX_workspace *ws);
/*@train_decls@*/

/* Generic descriptor (cnngen_rt.h) for tools that work with any network. */
extern const cnngen_model PFX_model;

#ifdef __cplusplus
}
#endif
#endif
