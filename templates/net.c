/*@banner@*/
#include <math.h>
#include <string.h>
#include "/*@header@*/"

/* The layers' functions stay functions (GNU C): inlined into the pass that calls them
 * they gain nothing measurable, and some compilers' loop passes grow superlinearly on
 * the result (clang -O1 with sanitizers: minutes for a small net). */
#if defined(__GNUC__)
#define PFX_NOINLINE __attribute__((noinline))
#else
#define PFX_NOINLINE
#endif

#ifndef PFX_PASS
/*@dispatch@*/
#endif
#if !PFX_DISPATCH || defined(PFX_PASS)
/*@pass_open@*/
/* Vectors for the fast loops where the target has float SIMD (PFX_VECTORS, decided in
 * the header): GNU C vector extensions as wide as the target's widest vectors, loaded
 * and stored at any element alignment (PFX_VLD, PFX_VST); one lane otherwise. Every
 * sum runs in the same order for any width (the layers' comments give it), so the
 * results do not depend on it. */
#if PFX_VECTORS
#if defined(PFX_PASS_VBYTES)
#define PFX_VBYTES PFX_PASS_VBYTES
#elif defined(CNNGEN_VBYTES)
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
/*@pass_close@*/
#endif
#ifndef PFX_PASS
/*@wrappers@*/
/* ================================================================ descriptor */
/*@model@*/
#endif /* PFX_PASS */
