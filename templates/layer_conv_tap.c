/*! conv2d (loop modes): one tap over the output columns j where it reads inside the
 * input, acc += a * b. Forward: o[j] += weight * x[col]; input gradient:
 * x[col] += weight * gr[j]; weight gradient: s += g * x[col].
 * Holes: lo, hi   the columns [lo, hi)
 *        acc      the sum added to
 *        a, b     the factors */
for (j = /*@lo@*/; j < /*@hi@*/; j++)
    /*@acc@*/ += /*@a@*/ * /*@b@*/;
