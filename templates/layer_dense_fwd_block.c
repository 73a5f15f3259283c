/*! Dense forward: one block of rows o, o + 1, ...; row r accumulates in a<r>, 16
 * lanes of partial sums (lane k sums the inputs i = k, k + 16, ... in order) held
 * as 16 / VL GNU C vectors.
 * Holes: accs  one declaration per row: PFX_vec a<r>[16 / PFX_VL];
 *        zero  one statement per row: a<r>[q] = vz;
 *        main  the loop over the whole 16-input groups, layer_dense_fwd_main.c
 *              (empty when there are fewer than 16 inputs)
 *        rows  each row's lane sum and store, layer_dense_fwd_row.c, in row order */
/*@accs@*/
for (int q = 0; q < 16 / PFX_VL; q++) {
    /*@zero@*/
}
/*@main@*/
/*@rows@*/
