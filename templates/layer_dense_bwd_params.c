/*! dense weight and bias gradient, loop modes: gw[o][i] += g[o] * in[i] and
 * gb[o] += g[o], row by row over the (contiguous) inputs: NV vectors at a time, then
 * single vectors, then scalars.
 * The constants: UNITS the rows, N the inputs, NV the vectors per step of the first
 * loop; NB and N1 where the vector loops end (each loop's bounds are constants).
 * Line holes (the generator replaces the sample code): consts the constants; vecs
 * the NV vectors' statements (as the sample shows for one); vec1 one vector's; bias
 * gb[o] += go, or nothing without a bias. */
enum { UNITS = 4, N = 40, NV = 1 }; /*@consts@*/
enum { NB = N / (NV * PFX_VL) * (NV * PFX_VL), N1 = N / PFX_VL * PFX_VL };
int o, i;
for (o = 0; o < UNITS; o++) {
    const PFX_real go = g[o];
    PFX_real *restrict gr = gw + o * N;
    for (i = 0; i < NB; i += NV * PFX_VL) {
        PFX_vec x0, r0; /*@vecs{@*/
        x0 = PFX_VLD(in + i + 0 * PFX_VL);
        r0 = PFX_VLD(gr + i + 0 * PFX_VL);
        r0 += go * x0;
        PFX_VST(gr + i + 0 * PFX_VL, r0); /*@}@*/
    }
    for (i = NB; i < N1; i += PFX_VL) {
        PFX_VST(gr + i, PFX_VLD(gr + i) + go * PFX_VLD(in + i)); /*@vec1@*/
    }
    for (i = N1; i < N; i++) {
        gr[i] += go * in[i];
    }
    gb[o] += go; /*@bias@*/
}
