/*! Per-layer body piece (conv2d vector fast path, dL/dbias): the sum of gt over the
 * output positions for the channels kv .. kv + VL - 1 that exist.
 * Holes: N the output positions; KV gt's row length; K the output channels */
PFX_vec sb = vz;
for (n = 0; n < /*@N@*/; n++) {
    const PFX_vec bv = PFX_VLD(gt + n * /*@KV@*/ + kv);
    sb += bv;
}
PFX_VST(t, sb);
for (l = 0; l < PFX_VL && kv + l < /*@K@*/; l++)
    gb[kv + l] += t[l];
