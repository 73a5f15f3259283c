/*! Per-layer body (loop modes): dense input gradient, gin[i] = 0 + the sum over o
 * (ascending) of w[o][i] * g[o], over the (contiguous) inputs: nv vectors at a
 * time, then single vectors, then scalars.
 * Holes: real  the scalar type
 *        units the rows (units)
 *        n     the inputs
 *        nv    vectors per step of the first loop
 *        vecs  layer_dense_gin_vec.c for nv vectors
 *        vec1  layer_dense_gin_vec.c for one vector */
const PFX_vec vz = {0};
int o, i;
for (i = 0; i + /*@nv@*/ * PFX_VL <= /*@n@*/; i += /*@nv@*/ * PFX_VL) {
    /*@vecs@*/
}
for (; i + PFX_VL <= /*@n@*/; i += PFX_VL) {
    /*@vec1@*/
}
for (; i < /*@n@*/; i++) {
    /*@real@*/ s = 0;
    for (o = 0; o < /*@units@*/; o++)
        s += w[o * /*@n@*/ + i] * g[o];
    gin[i] = s;
}
