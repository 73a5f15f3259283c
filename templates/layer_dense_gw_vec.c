/*! Dense weight gradient: the vector q of the inputs from i, gr += go * in.
 * Holes: q the vector's index in the step */
PFX_vec x/*@q@*/, r/*@q@*/;
x/*@q@*/ = PFX_VLD(in + i + /*@q@*/ * PFX_VL);
r/*@q@*/ = PFX_VLD(gr + i + /*@q@*/ * PFX_VL);
r/*@q@*/ += go * x/*@q@*/;
PFX_VST(gr + i + /*@q@*/ * PFX_VL, r/*@q@*/);
