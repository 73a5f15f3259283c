/* rng.c - deterministic RNG for cnngen_init: splitmix64 seeding, xoshiro256**.
 * State lives in the caller's cnngen_rng; nothing allocates. */
#include "cnngen_rt.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cnngen_rng_seed(cnngen_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t cnngen_rng_next(cnngen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double cnngen_rng_uniform(cnngen_rng *r)
{
    return (double)(cnngen_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [-limit, limit), computed in the element's type: doubles from 53 random
 * bits, floats from 24 in float arithmetic (a Cortex-M4's FPU has no doubles; its
 * software doubles made a float net's P_init some 15 times slower). */
void cnngen_fill_uniform(cnngen_rng *r, void *dst, size_t n, int elem_bytes, double limit)
{
    if (elem_bytes == 8) {
        for (size_t i = 0; i < n; i++)
            ((double *)dst)[i] = (2.0 * cnngen_rng_uniform(r) - 1.0) * limit;
        return;
    }
    const float lim = (float)limit;
    for (size_t i = 0; i < n; i++) {
        float u = (float)(uint32_t)(cnngen_rng_next(r) >> 40) * 0x1.0p-24f;
        ((float *)dst)[i] = (2.0f * u - 1.0f) * lim;
    }
}
