/*! conv2d vector fast path (`kernel` mode, any stride), the weight and bias gradients
 * with the output channels in the vector lanes (stride 1 shown; with a stride the copy
 * hole writes the stride-phase planes of ops/conv2d_fast.c and each tap's offset follows):
 *     gw[k][c][u][v] += the sum over i, then j, of g[k][i][j] * xp[c][i + u*DH][j + v*DW]
 *     gb[k]          += the sum of g[k]
 * The input is copied, zero-padded, into xp [C][HP][WP] (at row PT, column PL) and
 * the gradient g [K][N] transposed into gt [N][KV] (KV: K rounded up to whole
 * vectors, the lanes past K zero). The lanes are gvec: the pass's vectors, or, with
 * 64-byte vectors and at most 32 bytes of channels, 32-byte ones (the generator's
 * consts choose; fewer idle lanes). Then for each vector of channels kv: the bias
 * sums, and for each input channel c the taps, in groups of at most 24 vector sums
 * s<q> (one per tap, in registers over every output position), each sum then added
 * to gw for the channels that exist. The padded taps add exact zeros, so the sums are
 * those of the loop modes.
 * The constants: C, K the channels in and out; H, W the input; OH, OW the output, N =
 * OH * OW; KH, KW the kernel, DH, DW its dilation; PT, PL the padding at the top and
 * left; HP, WP the padded copy; KV; XS the elements of xp (gt follows it in scratch);
 * CB the input channels a group of sums takes at a time (2: its sums r<q> are channel
 * c + 1's; with 64-byte vectors, whose 32 registers hold twice the sums).
 * Line holes: consts; clear (nothing when KV = K). Block holes: copy (a stride's phase
 * planes); bias (nothing without bias); taps the groups of taps of channel c (the
 * sample: one group, tap 0). */
enum { C = 2, K = 3, H = 4, W = 4, OH = 4, OW = 4, N = 16, KH = 3, KW = 3 }; /*@consts{@*/
enum { DH = 1, DW = 1, PT = 1, PL = 1, HP = 6, WP = 6, KV = 4, XS = 72 };
typedef PFX_vec gvec;
enum { GVL = sizeof(gvec) / sizeof(PFX_real) };
enum { CB = 1 }; /*@}@*/
PFX_real *const xp = scratch;
PFX_real *const gt = scratch + XS;
PFX_real t[GVL];
const gvec vz = {0};
memset(xp, 0, XS * sizeof(PFX_real));
for (int c = 0; c < C; c++) /*@copy{@*/
    for (int y = 0; y < H; y++)
        memcpy(xp + (c * HP + PT + y) * WP + PL, in + (c * H + y) * W,
               W * sizeof(PFX_real)); /*@}@*/
memset(gt, 0, N * KV * sizeof(PFX_real)); /*@clear@*/
for (int n = 0; n < N; n++)
    for (int k = 0; k < K; k++)
        gt[n * KV + k] = g[k * N + n];
for (int kv = 0; kv < K; kv += GVL) {   /* the vectors that hold a channel */
    gvec sb = vz; /*@bias{@*/
    for (int n = 0; n < N; n++) {
        const gvec bv = *(const gvec *)(const void *)(gt + n * KV + kv);
        sb += bv;
    }
    *(gvec *)(void *)t = sb;
    for (int l = 0; l < GVL && kv + l < K; l++)
        gb[kv + l] += t[l]; /*@}@*/
    for (int c = 0; c < C; c += CB) {
        { /*@taps{@*/
            gvec s0 = vz;
            for (int i = 0; i < OH; i++) {
                const PFX_real *gi = gt + i * OW * KV + kv;
                const PFX_real *xi = xp + (c * HP + i) * WP;
                for (int j = 0; j < OW; j++) {
                    const gvec gv = *(const gvec *)(const void *)(gi + j * KV);
                    s0 += gv * xi[j + 0];
                }
            }
            *(gvec *)(void *)t = s0;
            for (int l = 0; l < GVL && kv + l < K; l++)
                gw[(kv + l) * C * KH * KW + c * KH * KW + 0] += t[l];
        } /*@}@*/
    }
}
