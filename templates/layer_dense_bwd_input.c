/*! dense input gradient, loop modes: gin[i] = 0 + the sum over o (ascending) of
 * w[o][i] * g[o], over the (contiguous) inputs: NV vectors at a time (sums s<q>),
 * then single vectors, then scalars.
 * The constants: UNITS the rows, N the inputs, NV the vectors per step of the first
 * loop; NB and N1 where the vector loops end (each loop's bounds are constants).
 * Line holes (the generator replaces the sample code): consts the constants; vecs
 * the NV vectors' sums over the rows (as the sample shows for one); vec1 one vector's. */
enum { UNITS = 4, N = 40, NV = 1 }; /*@consts@*/
enum { NB = N / (NV * PFX_VL) * (NV * PFX_VL), N1 = N / PFX_VL * PFX_VL };
const PFX_vec vz = {0};
int o, i;
for (i = 0; i < NB; i += NV * PFX_VL) {
    PFX_vec s0 = vz; /*@vecs{@*/
    for (o = 0; o < UNITS; o++) {
        const PFX_real go = g[o];
        const PFX_vec w0 = PFX_VLD(w + o * N + i + 0 * PFX_VL);
        s0 += w0 * go;
    }
    PFX_VST(gin + i + 0 * PFX_VL, s0); /*@}@*/
}
for (i = NB; i < N1; i += PFX_VL) {
    PFX_VST(gin + i, vz); /*@vec1@*/
}
for (i = N1; i < N; i++) {
    PFX_real s = 0;
    for (o = 0; o < UNITS; o++)
        s += w[o * N + i] * g[o];
    gin[i] = s;
}
