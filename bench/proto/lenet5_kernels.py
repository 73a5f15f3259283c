#!/usr/bin/python3
"""lenet5_kernels.py - hand-written versions of generated LeNet-5 functions (evidence
for the README's "Where the time goes"; not part of cnngen or of `make bench`).

  lenet5_kernels.py GENERATED.c OUT.c STEP...

Copies the net.c that `cnngen specs/lenet5.yaml` generates (default options) and
replaces whole `static void lenet5_*` functions by the code shapes the benchmark
diagnosis recommends, keeping their signatures. STEPs (cumulative, in this order):
  fwd    fc1_fwd/fc2_fwd as 8 interleaved chains (8 outputs at a time), conv2_fwd
         vectorized over the 16 output channels with weights packed [c][u][v][k]
  bwd    conv2_bwd_params and conv1_bwd_params vectorized over output channels (g
         transposed to [i][j][k]), conv2_bwd_input vectorized over input channels
         (6, padded to 8; weights packed [k][u][v][c]), grad_fill without the per-element
         ternary (memset; a plain division loop)
  conv1  conv1_fwd in blocks of 8 output columns held in registers over the 25 taps
  fc1v   fc1_fwd vectorized along the reduction (8 partial sums over i mod 8, then a
         fixed tree): CHANGES the summation order, unlike all the steps above, which
         keep every sum's order (bench/proto/run.sh checks the gradients bit for bit)
Tied to the generated code's function names and signatures of the time it was
written (before commit f8f0f09, whose fast path emits such shapes itself); it stops
with an error naming the function when they change.
"""
import sys

def replace_fn(s, name, body):
    if 'static void %s(' % name not in s:
        sys.exit("lenet5_kernels.py: no 'static void %s(' in the generated code any more" % name)
    a = s.index('static void %s(' % name)
    b = s.index('\n}\n', a) + 3
    return s[:a] + body + s[b:]
dense = '''static void %(name)s(const float *restrict in, float *restrict out,
        const float *restrict w, const float *restrict b)
{
    /* PROTOTYPE: 8 outputs at a time, each output's sum still in i order */
    int o, i, q;
    for (o = 0; o + 8 <= %(N)d; o += 8) {
        float s0 = b[o], s1 = b[o+1], s2 = b[o+2], s3 = b[o+3], s4 = b[o+4], s5 = b[o+5], s6 = b[o+6], s7 = b[o+7];
        const float *restrict w0 = w + o * %(I)d;
        for (i = 0; i < %(I)d; i++) {
            const float x = in[i];
            s0 += w0[i] * x; s1 += w0[%(I)d + i] * x; s2 += w0[2*%(I)d + i] * x; s3 += w0[3*%(I)d + i] * x;
            s4 += w0[4*%(I)d + i] * x; s5 += w0[5*%(I)d + i] * x; s6 += w0[6*%(I)d + i] * x; s7 += w0[7*%(I)d + i] * x;
        }
        out[o] = %(A0)s; out[o+1] = %(A1)s; out[o+2] = %(A2)s; out[o+3] = %(A3)s;
        out[o+4] = %(A4)s; out[o+5] = %(A5)s; out[o+6] = %(A6)s; out[o+7] = %(A7)s;
    }
    for (; o < %(N)d; o++) {
        float s = b[o];
        for (i = 0; i < %(I)d; i++) s += w[o * %(I)d + i] * in[i];
        out[o] = %(A)s;
    }
    (void)q;
}
'''
def act(v, relu): return '(%s > 0 ? %s : 0)' % (v, v) if relu else v
conv = '''static void lenet5_conv2_fwd(const float *restrict in, float *restrict out,
        const float *restrict w, const float *restrict b)
{
    /* PROTOTYPE: vectorized over the 16 output channels, weights packed [c][u][v][k],
       accumulators in registers; each output sums in c, u, v order */
    float wp[150 * 16];
    int k, t, i, j, c, u, v;
    for (k = 0; k < 16; k++)
        for (t = 0; t < 150; t++)
            wp[t * 16 + k] = w[k * 150 + t];
    for (i = 0; i < 10; i++)
        for (j = 0; j < 10; j++) {
            float acc[16];
            for (k = 0; k < 16; k++) acc[k] = b[k];
            for (c = 0; c < 6; c++)
                for (u = 0; u < 5; u++)
                    for (v = 0; v < 5; v++) {
                        const float x = in[(c * 14 + i + u) * 14 + j + v];
                        const float *restrict wt = wp + ((c * 5 + u) * 5 + v) * 16;
                        for (k = 0; k < 16; k++) acc[k] += wt[k] * x;
                    }
            for (k = 0; k < 16; k++) out[(k * 10 + i) * 10 + j] = acc[k] > 0 ? acc[k] : 0;
        }
}
'''
bwdp2 = '''static void lenet5_conv2_bwd_params(const float *restrict in, const float *restrict g,
        float *restrict gw, float *restrict gb)
{
    /* PROTOTYPE: vectorized over the 16 output channels with g transposed to [i][j][k];
       every weight still sums over (i, j) in the same order */
    float gT[100 * 16];
    int k, t, c, u, v, i, j;
    for (k = 0; k < 16; k++) {
        float sb = 0;
        for (t = 0; t < 100; t++) {
            gT[t * 16 + k] = g[k * 100 + t];
            sb += g[k * 100 + t];
        }
        gb[k] += sb;
    }
    for (c = 0; c < 6; c++)
        for (u = 0; u < 5; u++) {
            float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0}, a4[16] = {0};
            for (i = 0; i < 10; i++)
                for (j = 0; j < 10; j++) {
                    const float *restrict gt = gT + (i * 10 + j) * 16;
                    const float *restrict x = in + (c * 14 + i + u) * 14 + j;
                    const float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
                    for (k = 0; k < 16; k++) {
                        a0[k] += gt[k] * x0; a1[k] += gt[k] * x1; a2[k] += gt[k] * x2;
                        a3[k] += gt[k] * x3; a4[k] += gt[k] * x4;
                    }
                }
            for (k = 0; k < 16; k++) {
                float *restrict gk = gw + ((k * 6 + c) * 5 + u) * 5;
                gk[0] += a0[k]; gk[1] += a1[k]; gk[2] += a2[k]; gk[3] += a3[k]; gk[4] += a4[k];
            }
        }
    (void)v;
}
'''
bwdi2 = '''static void lenet5_conv2_bwd_input(const float *restrict g, float *restrict gin,
        const float *restrict w)
{
    /* PROTOTYPE: vectorized over input channels (6, padded to 8) with weights packed
       [k][u][v][c8]; every input gradient still sums in k, i, v order */
    float wq[16 * 25 * 8], gq[196 * 8];
    int k, t, c, i, j, u, v, n;
    for (k = 0; k < 16; k++)
        for (t = 0; t < 25; t++)
            for (c = 0; c < 8; c++)
                wq[(k * 25 + t) * 8 + c] = c < 6 ? w[(k * 6 + c) * 25 + t] : 0;
    for (n = 0; n < 196 * 8; n++)
        gq[n] = 0;
    for (k = 0; k < 16; k++)
        for (i = 0; i < 10; i++)
            for (u = 0; u < 5; u++)
                for (v = 0; v < 5; v++) {
                    const float *restrict wt = wq + (k * 25 + u * 5 + v) * 8;
                    for (j = 0; j < 10; j++) {
                        const float gv = g[(k * 10 + i) * 10 + j];
                        float *restrict q = gq + ((i + u) * 14 + j + v) * 8;
                        for (c = 0; c < 8; c++)
                            q[c] += wt[c] * gv;
                    }
                }
    for (c = 0; c < 6; c++)
        for (n = 0; n < 196; n++)
            gin[c * 196 + n] = gq[n * 8 + c];
}
'''
bwdp1 = '''static void lenet5_conv1_bwd_params(const float *restrict in, const float *restrict g,
        float *restrict gw, float *restrict gb)
{
    /* PROTOTYPE: vectorized over the 6 output channels (padded to 8), g transposed */
    float gT[784 * 8];
    int k, t, u, i, j;
    for (t = 0; t < 784; t++)
        for (k = 0; k < 8; k++)
            gT[t * 8 + k] = k < 6 ? g[k * 784 + t] : 0;
    for (k = 0; k < 6; k++) {
        float sb = 0;
        for (t = 0; t < 784; t++)
            sb += g[k * 784 + t];
        gb[k] += sb;
    }
    for (u = 0; u < 5; u++) {
        float a0[8] = {0}, a1[8] = {0}, a2[8] = {0}, a3[8] = {0}, a4[8] = {0};
        for (i = 0; i < 28; i++)
            for (j = 0; j < 28; j++) {
                const float *restrict gt = gT + (i * 28 + j) * 8;
                const float *restrict x = in + (i + u) * 32 + j;
                const float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4];
                for (k = 0; k < 8; k++) {
                    a0[k] += gt[k] * x0; a1[k] += gt[k] * x1; a2[k] += gt[k] * x2;
                    a3[k] += gt[k] * x3; a4[k] += gt[k] * x4;
                }
            }
        for (k = 0; k < 6; k++) {
            float *restrict gk = gw + k * 25 + u * 5;
            gk[0] += a0[k]; gk[1] += a1[k]; gk[2] += a2[k]; gk[3] += a3[k]; gk[4] += a4[k];
        }
    }
}
'''
fill = '''static void lenet5_grad_fill(lenet5_params *grad, lenet5_real d, int all)
{
    /* PROTOTYPE: memset to zero; division loops without the ternary (vectorizable) */
    float *restrict f = (float *)grad;
    int n;
    if (all) {
        memset(grad, 0, sizeof *grad);
        return;
    }
    for (n = 0; n < 61704; n++)
        f[n] = f[n] / d;
    for (; n < 61706; n++)
        f[n] = f[n] / d;
}
'''
conv1 = '''static void lenet5_conv1_fwd(const float *restrict in, float *restrict out,
        const float *restrict w, const float *restrict b)
{
    /* PROTOTYPE: blocks of 8 output columns held in registers over all 25 taps
       (the last block overlaps: 0, 8, 16, 20); each output sums in u, v order */
    static const int jb[4] = {0, 8, 16, 20};
    int k, i, q, u, v, n;
    for (k = 0; k < 6; k++)
        for (i = 0; i < 28; i++)
            for (n = 0; n < 4; n++) {
                float a[8];
                for (q = 0; q < 8; q++) a[q] = b[k];
                for (u = 0; u < 5; u++) {
                    const float *restrict x = in + (i + u) * 32 + jb[n];
                    for (v = 0; v < 5; v++) {
                        const float wt = w[k * 25 + u * 5 + v];
                        for (q = 0; q < 8; q++) a[q] += wt * x[q + v];
                    }
                }
                for (q = 0; q < 8; q++) out[k * 784 + i * 28 + jb[n] + q] = a[q] > 0 ? a[q] : 0;
            }
}
'''
fc1v = '''static void lenet5_fc1_fwd(const float *restrict in, float *restrict out,
        const float *restrict w, const float *restrict b)
{
    /* PROTOTYPE (changes the summation order: 8 partial sums over i mod 8, then a fixed
       tree): 4 outputs at a time, each an 8-wide vector chain */
    int o, i, q;
    for (o = 0; o < 120; o += 4) {
        const float *restrict w0 = w + o * 400, *restrict w1 = w0 + 400, *restrict w2 = w1 + 400,
                    *restrict w3 = w2 + 400;
        float a0[8] = {0}, a1[8] = {0}, a2[8] = {0}, a3[8] = {0};
        for (i = 0; i < 400; i += 8)
            for (q = 0; q < 8; q++) {
                a0[q] += w0[i + q] * in[i + q]; a1[q] += w1[i + q] * in[i + q];
                a2[q] += w2[i + q] * in[i + q]; a3[q] += w3[i + q] * in[i + q];
            }
#define TREE(a) (b[o + (&a == &a0 ? 0 : &a == &a1 ? 1 : &a == &a2 ? 2 : 3)] + \\
        (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))))
        {
            float s0 = TREE(a0), s1 = TREE(a1), s2 = TREE(a2), s3 = TREE(a3);
            out[o] = s0 > 0 ? s0 : 0; out[o + 1] = s1 > 0 ? s1 : 0;
            out[o + 2] = s2 > 0 ? s2 : 0; out[o + 3] = s3 > 0 ? s3 : 0;
        }
#undef TREE
    }
}
'''


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = open(sys.argv[1]).read()
    steps = sys.argv[3:]
    if 'fwd' in steps:
        for name, N, I, relu in (('lenet5_fc1_fwd', 120, 400, 1), ('lenet5_fc2_fwd', 84, 120, 1)):
            d = dict(name=name, N=N, I=I, A=act('s', relu))
            for q in range(8):
                d['A%d' % q] = act('s%d' % q, relu)
            s = replace_fn(s, name, dense % d)
        s = replace_fn(s, 'lenet5_conv2_fwd', conv)
    if 'bwd' in steps:
        s = replace_fn(s, 'lenet5_conv2_bwd_params', bwdp2)
        s = replace_fn(s, 'lenet5_conv2_bwd_input', bwdi2)
        s = replace_fn(s, 'lenet5_conv1_bwd_params', bwdp1)
        s = replace_fn(s, 'lenet5_grad_fill', fill)
        if '#include <string.h>' not in s:
            s = '#include <string.h>\n' + s
    if 'conv1' in steps:
        s = replace_fn(s, 'lenet5_conv1_fwd', conv1)
    if 'fc1v' in steps:
        s = replace_fn(s, 'lenet5_fc1_fwd', fc1v)
    open(sys.argv[2], 'w').write(s)


if __name__ == '__main__':
    main()
