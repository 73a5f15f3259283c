/*! Per-layer body (conv2d vector fast path, kernel mode): a full-width correlation,
 * the forward (in -> out) or dL/dinput (g -> gin). The source is copied, zero-padded,
 * into xp; the output channels go by blocks, each computed over the flattened
 * full-width rows into of and then compacted into the destination.
 * Holes: real the scalar type; xs the elements of xp (of follows it in scratch)
 *        pad    the padded copy (layer_conv_fast_pad.c)
 *        blocks the blocks of output channels: layer_conv_fast_kloop.c for the whole
 *               blocks, layer_conv_fast_krest.c for a last, narrower one */
/*@real@*/ *const xp = scratch;
/*@real@*/ *const of = scratch + /*@xs@*/;
const PFX_vec vz = {0};
int c, y, p, a, i, k;
/*@pad@*/
/*@blocks@*/
