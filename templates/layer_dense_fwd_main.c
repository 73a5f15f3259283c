/*! Dense forward: the inputs in whole groups of 16; one load of in feeds every row.
 * Holes: end   the inputs in whole groups (a multiple of 16)
 *        fmas  per row r: wv = PFX_VLD(w + <row r's offset> + i + q * PFX_VL);
 *              a<r>[q] += wv * x; */
for (int i = 0; i < /*@end@*/; i += 16) {
    for (int q = 0; q < 16 / PFX_VL; q++) {
        PFX_vec x, wv;
        x = PFX_VLD(in + i + q * PFX_VL);
        /*@fmas@*/
    }
}
