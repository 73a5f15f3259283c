/*! Per-layer body (conv2d vector fast path, kernel mode): dL/dweight and dL/dbias
 * with the output channels in the vector lanes. The input is copied, zero-padded,
 * into xp and the gradient g [K][N] transposed into gt [N][KV] (KV: K rounded up to
 * whole vectors, the extra lanes zero); then for each vector of channels kv, each
 * input channel c, the taps' sums over the output positions.
 * Holes: real the scalar type; xs the elements of xp (gt follows it in scratch)
 *        pad   the padded copy (layer_conv_fast_pad.c)
 *        clear the memset of gt when KV > K, else nothing
 *        N the output positions; K the output channels; KV; C the input channels
 *        bias  dL/dbias (layer_conv_fast_gw_bias.c), or nothing
 *        taps  the taps' sums, by groups (layer_conv_fast_gw_taps.c) */
/*@real@*/ *const xp = scratch;
/*@real@*/ *const gt = scratch + /*@xs@*/;
/*@real@*/ t[PFX_VL];
const PFX_vec vz = {0};
int c, y, n, k, kv, l, i, j;
/*@pad@*/
/*@clear@*/
for (n = 0; n < /*@N@*/; n++)
    for (k = 0; k < /*@K@*/; k++)
        gt[n * /*@KV@*/ + k] = g[k * /*@N@*/ + n];
for (kv = 0; kv < /*@KV@*/; kv += PFX_VL) {
    /*@bias@*/
    for (c = 0; c < /*@C@*/; c++) {
        /*@taps@*/
    }
}
