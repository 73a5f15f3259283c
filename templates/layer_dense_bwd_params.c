/*! Per-layer body (loop modes): dense weight and bias gradient, gw[o][i] +=
 * g[o] * in[i] and gb[o] += g[o], row by row over the (contiguous) inputs: nv
 * vectors at a time, then single vectors, then scalars.
 * Holes: real  the scalar type
 *        units the rows (units)
 *        row   the offset of row o in gw (o * inputs)
 *        n     the inputs
 *        nv    vectors per step of the first loop
 *        vecs  layer_dense_gw_vec.c for q = 0 .. nv - 1
 *        vec1  layer_dense_gw_vec.c for q = 0
 *        bias  gb[o] += go; or empty without bias */
int o, i;
for (o = 0; o < /*@units@*/; o++) {
    const /*@real@*/ go = g[o];
    /*@real@*/ *restrict gr = gw + /*@row@*/;
    for (i = 0; i + /*@nv@*/ * PFX_VL <= /*@n@*/; i += /*@nv@*/ * PFX_VL) {
        /*@vecs@*/
    }
    for (; i + PFX_VL <= /*@n@*/; i += PFX_VL) {
        /*@vec1@*/
    }
    for (; i < /*@n@*/; i++) {
        gr[i] += go * in[i];
    }
    /*@bias@*/
}
