/*@banner@*/
#include <math.h>
#include <string.h>
#include "/*@header@*/"

/* Vectors for the fast loops: GNU C vector extensions (gcc, clang) where the target has
 * float SIMD for PFX_real: x86 (SSE2, AVX: 32 bytes, AVX-512: 64), ARM NEON (doubles
 * only on AArch64), Arm Helium (MVE with floating point: floats), WebAssembly SIMD128,
 * POWER VSX. Elsewhere, and on a Cortex-M4/M7 whose FPU is scalar, plain C with one
 * lane: GNU vectors there are split into scalar code that is two to four times larger
 * and slower. -DCNNGEN_VECTORS=0 forces one lane and -DCNNGEN_VECTORS=1 the vectors
 * (-DCNNGEN_VBYTES=N sets their width); -DCNNGEN_NO_VECTORS is CNNGEN_VECTORS=0.
 * Every sum runs in the same order for any width (the layers' comments give it), so
 * the results do not depend on the choice. */
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
#if PFX_VECTORS
#if defined(CNNGEN_VBYTES)
#define PFX_VBYTES CNNGEN_VBYTES
#elif defined(__AVX512F__)
#define PFX_VBYTES 64
#elif defined(__AVX__)
#define PFX_VBYTES 32
#else
#define PFX_VBYTES 16
#endif
typedef PFX_real PFX_vec
    __attribute__((vector_size(PFX_VBYTES), aligned(sizeof(PFX_real)), may_alias));
#define PFX_VL ((int)(PFX_VBYTES / sizeof(PFX_real)))
/* relu of a vector, lane by lane as (x > 0 ? x : 0) */
#define PFX_VRELU(v) ((PFX_vec)((__typeof__((v) > 0))(v) & ((v) > 0)))
#else
typedef PFX_real PFX_vec;
#define PFX_VL 1
#define PFX_VRELU(v) ((v) > 0 ? (v) : 0)
#endif
/* load and store one vector at any PFX_real address (the store a function, inlined, so
 * that static analysers see the destination written) */
#define PFX_VLD(p) (*(const PFX_vec *)(const void *)(p))
#if defined(__GNUC__)
__attribute__((unused))
#endif
static inline void PFX_VST(PFX_real *p, PFX_vec v) { *(PFX_vec *)(void *)p = v; }

/* ================================================================ layers */
/*@layers@*/
/* ================================================================ API */

void PFX_init(PFX_params *p, uint64_t seed)
{
/*@init_body@*/
}

/*@forward@*/
/*@training@*/
/* ================================================================ descriptor */
/*@model@*/
