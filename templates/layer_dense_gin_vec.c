/*! Dense input gradient: vectors q = 0, 1, ... of the inputs from i, sums s<q> over
 * the rows o.
 * Holes: real   the scalar type
 *        units  the rows (units)
 *        sums   per vector q: PFX_vec s<q> = vz;
 *        fmas   per vector q: const PFX_vec w<q> = PFX_VLD(w + o * <inputs> + i +
 *               q * PFX_VL); s<q> += w<q> * go;
 *        stores per vector q: PFX_VST(gin + i + q * PFX_VL, s<q>); */
/*@sums@*/
for (o = 0; o < /*@units@*/; o++) {
    const /*@real@*/ go = g[o];
    /*@fmas@*/
}
/*@stores@*/
