/*! Dense forward, one row: the lanes of a<r> to scalars, the last (fewer than 16)
 * inputs added to their lanes, then the lanes summed pairwise 16 -> 8 -> 4 -> 2 -> 1
 * onto the bias and the activation applied.
 * Holes: real the scalar type
 *        r    the row's index in the block (accumulator a<r>)
 *        tail one statement per input past the last whole group of 16:
 *             t[lane] += w[<index>] * in[<input>];
 *        init the starting value: b[<row>] or 0 without bias
 *        o    the row: o, o + 1, ...
 *        out  the stored value, the fused activation of s */
{
    /*@real@*/ t[16], s;
    for (int q = 0; q < 16 / PFX_VL; q++)
        PFX_VST(t + q * PFX_VL, a/*@r@*/[q]);
    /*@tail@*/
    s = /*@init@*/;
    for (int q = 0; q < 8; q++)
        t[q] += t[q + 8];
    for (int q = 0; q < 4; q++)
        t[q] += t[q + 4];
    t[0] += t[2];
    t[1] += t[3];
    s += t[0] + t[1];
    out[/*@o@*/] = /*@out@*/;
}
