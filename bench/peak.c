/* peak.c - measures this core's floating-point FMA peak (GFLOP/s).
 *
 * Build: cc -O2 -march=native -std=gnu99 bench/peak.c -o peak
 * Usage: peak [REPS] [MS_PER_REP]
 *
 * Each kernel keeps 12 independent accumulator vectors (enough to cover the
 * FMA latency x throughput product of current x86 cores: 4 cycles x 2 ports = 8),
 * each updated with acc = acc * m + a: one fused multiply-add per lane per step,
 * counted as 2 FLOP. The vectors are GCC vector extensions, so the width is the
 * one we ask for (not what the auto-vectorizer prefers): 512-bit when the CPU has
 * AVX-512F, 256-bit with AVX, 128-bit otherwise. The 256-bit figure is printed as
 * well, because gcc -march=native auto-vectorizes with 256-bit vectors on most
 * AVX-512 parts (-mprefer-vector-width=256).
 *
 * Prints one JSON object per line: {"kernel": ..., "dtype": ..., "bits": ...,
 * "gflops": median, "runs": [...], "wall_runs": [...]} (runs from the process CPU time,
 * wall_runs from the wall clock). Exit 0; exit 1 if a result is not finite
 * (so the compiler cannot have removed the work: the result is consumed).
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timing.h"

/* One kernel per (type, width). `volatile` multiplier/addend keep the values
 * unknown to the compiler; the loop body is NACC independent FMAs. */
/* The accumulators are separate named variables (not an array), so that gcc -O2
 * keeps all of them in registers without needing loop unrolling. */
#define STEP12(m, a)                                                              \
    c0 = c0 * m + a; c1 = c1 * m + a; c2 = c2 * m + a; c3 = c3 * m + a;           \
    c4 = c4 * m + a; c5 = c5 * m + a; c6 = c6 * m + a; c7 = c7 * m + a;           \
    c8 = c8 * m + a; c9 = c9 * m + a; c10 = c10 * m + a; c11 = c11 * m + a;
#define DEFINE_KERNEL(NAME, ST, BYTES)                                            \
    typedef ST NAME##_v __attribute__((vector_size(BYTES)));                      \
    static double NAME(long iters, const volatile void *mp, const volatile void *ap) \
    {                                                                             \
        const volatile ST *mv = (const volatile ST *)mp;                          \
        const volatile ST *av = (const volatile ST *)ap;                          \
        NAME##_v m, a, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11;          \
        const int lanes = (int)(BYTES / sizeof(ST));                              \
        int l;                                                                    \
        for (l = 0; l < lanes; l++) {                                             \
            m[l] = *mv; a[l] = *av;                                               \
            c0[l] = (ST)l * (ST)1e-3; c1[l] = c0[l] + 1; c2[l] = c0[l] + 2;       \
            c3[l] = c0[l] + 3; c4[l] = c0[l] + 4; c5[l] = c0[l] + 5;              \
            c6[l] = c0[l] + 6; c7[l] = c0[l] + 7; c8[l] = c0[l] + 8;              \
            c9[l] = c0[l] + 9; c10[l] = c0[l] + 10; c11[l] = c0[l] + 11;          \
        }                                                                         \
        for (long it = 0; it < iters; it++) { STEP12(m, a) }                      \
        c0 += c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;             \
        double s = 0;                                                             \
        for (l = 0; l < lanes; l++) s += (double)c0[l];                           \
        return s;                                                                 \
    }

#if defined(__AVX512F__)
#define WIDE_BYTES 64
#elif defined(__AVX__)
#define WIDE_BYTES 32
#else
#define WIDE_BYTES 16
#endif

DEFINE_KERNEL(k_f32_wide, float, WIDE_BYTES)
DEFINE_KERNEL(k_f64_wide, double, WIDE_BYTES)
#if WIDE_BYTES > 32
DEFINE_KERNEL(k_f32_256, float, 32)
DEFINE_KERNEL(k_f64_256, double, 32)
#endif

static int measure(const char *kname, const char *dtype, int bits, int lanes,
                   double (*fn)(long, const volatile void *, const volatile void *),
                   int reps, double ms, const volatile void *m, const volatile void *a)
{
    double runs[64], wall[64];
    long iters = 1000;
    double sink = 0, t, w;
    if (reps > 64) reps = 64;
    /* calibrate: grow iters until one call takes >= ms/4 */
    for (;;) {
        t = cpu_s();
        sink += fn(iters, m, a);
        t = cpu_s() - t;
        if (t >= ms * 1e-3 / 4 || iters > (1L << 40)) break;
        iters *= 2;
    }
    iters = (long)((double)iters * (ms * 1e-3) / (t > 0 ? t : 1e-9)) + 1;
    for (int r = 0; r < reps; r++) {
        w = wall_s();
        t = cpu_s();
        sink += fn(iters, m, a);
        t = cpu_s() - t;
        w = wall_s() - w;
        runs[r] = 2.0 * 12 * lanes * (double)iters / t * 1e-9;
        wall[r] = 2.0 * 12 * lanes * (double)iters / w * 1e-9;
    }
    double sorted[64];
    memcpy(sorted, runs, sizeof(double) * (size_t)reps);
    qsort(sorted, (size_t)reps, sizeof(double), cmp_double);
    printf("{\"kernel\": \"%s\", \"dtype\": \"%s\", \"bits\": %d, \"gflops\": %.3f, \"runs\": [",
           kname, dtype, bits, sorted[reps / 2]);
    for (int r = 0; r < reps; r++) printf("%s%.3f", r ? ", " : "", runs[r]);
    printf("], \"wall_runs\": [");
    for (int r = 0; r < reps; r++) printf("%s%.3f", r ? ", " : "", wall[r]);
    printf("]}\n");
    fflush(stdout);
    return isfinite(sink) ? 0 : 1;
}

#define MEASURE(FN, DT, ST, BYTES, mv, av)                                          \
    measure(#FN, DT, (BYTES) * 8, (int)((BYTES) / sizeof(ST)),                      \
            FN,                                                                     \
            reps, ms, mv, av)

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    double ms = argc > 2 ? atof(argv[2]) : 60.0;
    volatile float mf = 0.999999f, af = 1e-6f;
    volatile double md = 0.9999999, ad = 1e-7;
    int bad = 0;
    if (reps < 1) reps = 1;
    if (ms <= 0) ms = 1;
    bad |= MEASURE(k_f32_wide, "float32", float, WIDE_BYTES, &mf, &af);
    bad |= MEASURE(k_f64_wide, "float64", double, WIDE_BYTES, &md, &ad);
#if WIDE_BYTES > 32
    bad |= MEASURE(k_f32_256, "float32", float, 32, &mf, &af);
    bad |= MEASURE(k_f64_256, "float64", double, 32, &md, &ad);
#endif
    return bad;
}
