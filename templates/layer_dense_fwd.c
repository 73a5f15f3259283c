/*! dense forward, loop modes: out = act(b + w in), the rows of w taken ROWS at a time
 * (one load of in feeds every row of a block). Row r of a block accumulates in a<r>,
 * 16 lanes of partial sums (lane k sums the inputs i = k, k + 16, ... in order) held as
 * 16 / VL vectors; then the inputs past the last whole group of 16 go to their lanes,
 * and the lanes are summed pairwise 16 -> 8 -> 4 -> 2 -> 1 onto the bias, and the
 * activation applied. Every mode and vector width sums in this order.
 * The constants: UNITS the rows, N the inputs, ROWS rows per block, FULL the rows in
 * full blocks, N16 the inputs in whole groups of 16.
 * Line holes (the generator replaces the sample code): consts the constants; blocks
 * the loop over the full blocks (nothing when UNITS < ROWS); rest the last, shorter
 * block (nothing when ROWS divides UNITS). A block, as the sample shows for one row:
 * its accumulators, the loop over the groups of 16, then per row the lane sum.
 * Without vectors (PFX_VECTORS 0: a scalar FPU such as a Cortex-M4's) the blocks'
 * 16 x ROWS accumulators would not fit the registers; the block hole scalar instead
 * takes one row at a time, its 16 lanes in 16 scalars, the same sums in the same
 * order. */
enum { UNITS = 1, N = 17, ROWS = 8, FULL = 0, N16 = 16 }; /*@consts@*/
#if PFX_VECTORS
const PFX_vec vz = {0};
for (int o = 0; o < FULL; o += ROWS) { /*@blocks{@*/
} /*@}@*/
{ /*@rest{@*/
    const int o = FULL;
    PFX_vec a0[16 / PFX_VL];
    for (int q = 0; q < 16 / PFX_VL; q++) {
        a0[q] = vz;
    }
    for (int i = 0; i < N16; i += 16) {
        for (int q = 0; q < 16 / PFX_VL; q++) {
            PFX_vec x, wv;
            x = PFX_VLD(in + i + q * PFX_VL);
            wv = PFX_VLD(w + o * N + i + q * PFX_VL);
            a0[q] += wv * x;
        }
    }
    {
        PFX_real t[16], s;
        for (int q = 0; q < 16 / PFX_VL; q++)
            PFX_VST(t + q * PFX_VL, a0[q]);
        t[0] += w[o * N + 16] * in[16];
        s = b[o];
        for (int q = 0; q < 8; q++)
            t[q] += t[q + 8];
        for (int q = 0; q < 4; q++)
            t[q] += t[q + 4];
        t[0] += t[2];
        t[1] += t[3];
        s += t[0] + t[1];
        out[o] = s;
    }
} /*@}@*/
#else
for (int o = 0; o < UNITS; o++) { /*@scalar{@*/
    const PFX_real *wr = w + o * N;
    PFX_real t[16], s;
    for (int q = 0; q < 16; q++)
        t[q] = 0;
    for (int i = 0; i < N16; i += 16)
        for (int q = 0; q < 16; q++)
            t[q] += wr[i + q] * in[i + q];
    t[0] += wr[16] * in[16];
    s = b[o];
    for (int q = 0; q < 8; q++)
        t[q] += t[q + 8];
    for (int q = 0; q < 4; q++)
        t[q] += t[q + 4];
    t[0] += t[2];
    t[1] += t[3];
    s += t[0] + t[1];
    out[o] = s;
} /*@}@*/
#endif
