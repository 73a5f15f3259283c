/*! dense input gradient, loop modes: gin[i] = 0 + the sum over o (ascending) of
 * w[o][i] * g[o], over the (contiguous) inputs: NV vectors at a time (sums s<q>),
 * then single vectors, then scalars.
 * The constants: UNITS the rows, N the inputs, NV the vectors per step of the first
 * loop.
 * Line holes (the generator replaces the sample code): consts the constants; vecs
 * the NV vectors' sums over the rows (as the sample shows for one); vec1 one vector's. */
enum { UNITS = 4, N = 40, NV = 1 }; /*@consts@*/
const PFX_vec vz = {0};
int o, i;
for (i = 0; i + NV * PFX_VL <= N; i += NV * PFX_VL) {
    PFX_vec s0 = vz; /*@vecs{@*/
    for (o = 0; o < UNITS; o++) {
        const PFX_real go = g[o];
        const PFX_vec w0 = PFX_VLD(w + o * N + i + 0 * PFX_VL);
        s0 += w0 * go;
    }
    PFX_VST(gin + i + 0 * PFX_VL, s0); /*@}@*/
}
for (; i + PFX_VL <= N; i += PFX_VL) {
    PFX_VST(gin + i, vz); /*@vec1@*/
}
for (; i < N; i++) {
    PFX_real s = 0;
    for (o = 0; o < UNITS; o++)
        s += w[o * N + i] * g[o];
    gin[i] = s;
}
