/*! Per-layer body piece (conv2d vector fast path, dL/dweight): one tap's sum s into
 * gw for the channels kv .. kv + VL - 1 that exist.
 * Holes: s the accumulator; K the output channels
 *        CT, T gw's strides of an output and an input channel; tap the tap's index */
PFX_VST(t, /*@s@*/);
for (l = 0; l < PFX_VL && kv + l < /*@K@*/; l++)
    gw[(kv + l) * /*@CT@*/ + c * /*@T@*/ + /*@tap@*/] += t[l];
