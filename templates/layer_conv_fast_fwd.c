/*! conv2d vector fast path (`kernel` mode; stride 1, and the forward at any stride), a full-width correlation:
 *     dst[k][i][j] = act(b[k] + the sum over c, then taps t, of w[k*SO + c*SI + t'] * src...)
 * the forward (in -> out) or dL/dinput (g -> gin: the filter rotated by 180 degrees
 * over g zero-padded by (kernel - 1) * dilation, the full convolution; no bias, no
 * activation). The source [CI][HI][WI] is copied, zero-padded, into xp [CI][HP][WP]
 * at row R0, column C0. Output (i, j) then sits at p = i * WP + j of the flattened
 * full-width rows, and each tap reads xp at p plus a constant offset, so one vector
 * loop over p serves every row (the columns past the destination's are computed and
 * dropped). The output channels go by blocks of KB, the last one narrower; for a
 * block, NV vectors of p at a time, each channel a keeps NV sums a<a>_<q> in
 * registers over all input channels and taps (each tap: NV loads, then one
 * multiply-add per sum with the broadcast weight). The sums go to of (rows PR apart),
 * whose valid columns are then copied to the destination (through the activation
 * when the vectors did not apply it); when the destination's rows are the full-width
 * rows (a 1x1 convolution, or a masked one as wide as its source) the steps that end
 * within a channel store straight into it and only the last goes through of. Every sum keeps the order of the loop modes:
 * the padded taps add exact zeros.
 * The constants: CI, CO the channels in and out; HI, WI the source; HP, WP the padded
 * copy, R0, C0 where the source sits in it; XS the elements of xp (of follows it in
 * scratch); SO, SI the weight strides of an output and an input channel; DR, DC the
 * destination's rows and columns, CR, CC where its (0, 0) sits in the full-width
 * output; PR the padded length of p; NV vectors per step; KB channels per block, FULL
 * the channels in whole blocks.
 * Line holes: consts; src and dst (in and out, or g and gin); of (masked: past XM).
 * Block holes: copy the
 * padded copy (a strided forward: the phase planes; no padding: the source as it lies
 * and zeros past it, ops/conv2d_fast.c); blocks the
 * loop over the whole blocks (nothing when CO < KB); rest the last, narrower block
 * (nothing when KB divides CO). The sample block: one channel, one vector, one tap.
 * Without vectors (PFX_VECTORS 0: a scalar FPU such as a Cortex-M4's) the block hole
 * scalar replaces all this: the destination's own rows and columns, a few channels x
 * columns in scalar sums (the sample: one of each, one tap), the same order, the
 * source read in place when there is no padding. */
enum { CI = 2, CO = 3, HI = 4, WI = 4, HP = 6, WP = 6, R0 = 1, C0 = 1, XS = 80 }; /*@consts{@*/
enum { SO = 18, SI = 9, DR = 4, DC = 4, CR = 0, CC = 0, PR = 24, NV = 1, KB = 1, FULL = 3 }; /*@}@*/
const PFX_real *const src = in; /*@src@*/
PFX_real *const dst = out; /*@dst@*/
#if PFX_VECTORS
PFX_real *const xp = scratch;
PFX_real *const of = scratch + XS; /*@of@*/
const PFX_vec vz = {0};
memset(xp, 0, XS * sizeof(PFX_real)); /*@copy{@*/
for (int c = 0; c < CI; c++)
    for (int y = 0; y < HI; y++)
        memcpy(xp + (c * HP + R0 + y) * WP + C0, src + (c * HI + y) * WI,
               WI * sizeof(PFX_real)); /*@}@*/
for (int k = 0; k < FULL; k += KB) { /*@blocks{@*/
    for (int p = 0; p < PR; p += NV * PFX_VL) {
        PFX_vec a0_0 = vz + b[k + 0];
        for (int c = 0; c < CI; c++) {
            PFX_vec x0;
            const PFX_real *xc = xp + (c * HP + CR) * WP + p;
            const PFX_real *wc = w + k * SO + c * SI;
            x0 = PFX_VLD(xc + 0);
            a0_0 += x0 * wc[0];
        }
        PFX_VST(of + p, a0_0);
    }
    for (int a = 0; a < KB; a++)
        for (int i = 0; i < DR; i++)
            memcpy(dst + ((k + a) * DR + i) * DC, of + a * PR + i * WP + CC,
                   DC * sizeof(PFX_real));
} /*@}@*/
{ /*@rest{@*/
} /*@}@*/
#else
{ /*@scalar{@*/
    PFX_real *const xp = scratch;
    memset(xp, 0, XS * sizeof(PFX_real));
    for (int c = 0; c < CI; c++)
        for (int y = 0; y < HI; y++)
            memcpy(xp + (c * HP + R0 + y) * WP + C0, src + (c * HI + y) * WI,
                   WI * sizeof(PFX_real));
    for (int k = 0; k < CO; k++)
        for (int i = 0; i < DR; i++)
            for (int j = 0; j < DC; j++) {
                PFX_real a0_0 = b[k];
                for (int c = 0; c < CI; c++) {
                    const PFX_real *xc = xp + (c * HP + CR + i) * WP + CC + j;
                    const PFX_real *wc = w + k * SO + c * SI;
                    a0_0 += xc[0] * wc[0];
                }
                dst[(k * DR + i) * DC + j] = a0_0;
            }
} /*@}@*/
#endif
