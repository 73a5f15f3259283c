/* course.c - the course's worked examples as exact tests of the generated code, in
 * every unroll mode (the specs in tests/codegen/course/, generated with --prefix <spec>_<mode>).
 * Integer-valued data keeps every sum exact, so most checks are ==.
 * Prints PASS/FAIL lines. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "course_conv3_none.h"
#include "course_conv3_kernel.h"
#include "course_conv3_full.h"
#include "course_conv2_none.h"
#include "course_conv2_kernel.h"
#include "course_conv2_full.h"
#include "course_maxpool_none.h"
#include "course_maxpool_kernel.h"
#include "course_maxpool_full.h"
#include "course_sce_none.h"
#include "course_sce_kernel.h"
#include "course_sce_full.h"
#include "course_ce_none.h"
#include "course_ce_kernel.h"
#include "course_ce_full.h"
#include "course_sigmoid_none.h"
#include "course_sigmoid_kernel.h"
#include "course_sigmoid_full.h"

static int failures;

static void check(int ok, const char *name, const char *mode, const char *why)
{
    if (ok)
        printf("PASS course %s (--unroll %s)\n", name, mode);
    else {
        printf("FAIL course %s (--unroll %s): %s\n", name, mode, why);
        failures++;
    }
}

/* 3x3 filter over 5x5, stride 2. a_k (k = 1..25) row-major, w_1..w_9, z_1..z_4.
 * The course: z1 = w1 a1 + w2 a2 + w3 a3 + w4 a6 + ... + w9 a13, and
 *   dL/dw1 = a1 dz1 + a3 dz2 + a11 dz3 + a13 dz4, ..., dL/dw9 = a13 dz1 + a15 dz2 + a23 dz3 + a25 dz4 */
static const int conv3_dw[9][4] = {
    {1, 3, 11, 13}, {2, 4, 12, 14}, {3, 5, 13, 15}, {6, 8, 16, 18}, {7, 9, 17, 19},
    {8, 10, 18, 20}, {11, 13, 21, 23}, {12, 14, 22, 24}, {13, 15, 23, 25}};
static const int conv3_z_first[4] = {1, 3, 11, 13};  /* top-left input of z1..z4's windows */

#define CONV3(P, MODE)                                                                         \
    static void conv3_##P(void)                                                               \
    {                                                                                          \
        P##_params p, g;                                                                       \
        P##_workspace ws;                                                                      \
        double a[26], z[4], t[4], gi[25], dz[4] = {1, -2, 3, -1};                              \
        int k, ok = 1;                                                                         \
        for (k = 1; k <= 25; k++) a[k] = (k * 7) % 11 - 5;                                     \
        for (k = 0; k < 9; k++) p.conv_weight[k] = k % 4 - 1;                                  \
        P##_forward(&p, a + 1, z, &ws);                                                        \
        for (k = 0; k < 4; k++) { /* z_k = sum over the window, w_m against a_(first + offset) */ \
            double s = 0;                                                                      \
            int u, v;                                                                          \
            for (u = 0; u < 3; u++)                                                            \
                for (v = 0; v < 3; v++)                                                        \
                    s += p.conv_weight[u * 3 + v] * a[conv3_z_first[k] + u * 5 + v];           \
            ok &= z[k] == s;                                                                   \
        }                                                                                      \
        check(ok, "3x3 over 5x5 stride 2: z1..z4", MODE, "forward differs");                   \
        for (k = 0; k < 4; k++) t[k] = z[k] - dz[k]; /* mse: dL/dz = z - t = dz, exactly */    \
        memset(&g, 0, sizeof g);                                                               \
        P##_backward(&p, a + 1, t, &g, gi, &ws);                                               \
        ok = 1;                                                                                \
        for (k = 0; k < 9; k++) {                                                              \
            const int *i = conv3_dw[k];                                                        \
            double want = a[i[0]] * dz[0] + a[i[1]] * dz[1] + a[i[2]] * dz[2] + a[i[3]] * dz[3]; \
            if (g.conv_weight[k] != want) {                                                    \
                ok = 0;                                                                        \
                printf("  dL/dw%d = %g, course formula %g\n", k + 1, g.conv_weight[k], want);  \
            }                                                                                  \
        }                                                                                      \
        check(ok, "3x3 over 5x5 stride 2: dL/dw1..dL/dw9 = a_i dL/dz1 + ... (all nine)", MODE,   \
              "gradient differs");                                                             \
    }

/* 2x2 filter F over 3x3 X -> O 2x2: dL/dF = X correlated with dL/dO; dL/dX = the full
 * convolution of the 180-degree rotated F with dL/dO (the course's nine formulas). */
#define CONV2(P, MODE)                                                                         \
    static void conv2_##P(void)                                                               \
    {                                                                                          \
        P##_params p, g;                                                                       \
        P##_workspace ws;                                                                      \
        double X[9] = {1, 2, -1, 0, 3, 2, -2, 1, 4}, O[4], t[4], dX[9];                        \
        double d11 = 2, d12 = -1, d21 = 3, d22 = 1; /* dL/dO */                                \
        double F11 = 1, F12 = -2, F21 = 3, F22 = 2;                                            \
        double X11 = X[0], X12 = X[1], X13 = X[2], X21 = X[3], X22 = X[4], X23 = X[5];          \
        double X31 = X[6], X32 = X[7], X33 = X[8];                                             \
        int ok;                                                                                \
        p.conv_weight[0] = F11; p.conv_weight[1] = F12;                                        \
        p.conv_weight[2] = F21; p.conv_weight[3] = F22;                                        \
        P##_forward(&p, X, O, &ws);                                                            \
        ok = O[0] == X11 * F11 + X12 * F12 + X21 * F21 + X22 * F22;                            \
        check(ok, "2x2 over 3x3: O11 = X11 F11 + X12 F12 + X21 F21 + X22 F22", MODE, "forward"); \
        t[0] = O[0] - d11; t[1] = O[1] - d12; t[2] = O[2] - d21; t[3] = O[3] - d22;            \
        memset(&g, 0, sizeof g);                                                               \
        P##_backward(&p, X, t, &g, dX, &ws);                                                   \
        ok = g.conv_weight[0] == d11 * X11 + d12 * X12 + d21 * X21 + d22 * X22 &&              \
             g.conv_weight[1] == d11 * X12 + d12 * X13 + d21 * X22 + d22 * X23 &&              \
             g.conv_weight[2] == d11 * X21 + d12 * X22 + d21 * X31 + d22 * X32 &&              \
             g.conv_weight[3] == d11 * X22 + d12 * X23 + d21 * X32 + d22 * X33;                \
        check(ok, "2x2 over 3x3: dL/dF = X correlated with dL/dO", MODE, "dL/dF differs");     \
        ok = dX[0] == d11 * F11 && dX[1] == d11 * F12 + d12 * F11 && dX[2] == d12 * F12 &&     \
             dX[3] == d11 * F21 + d21 * F11 &&                                                 \
             dX[4] == d11 * F22 + d12 * F21 + d21 * F12 + d22 * F11 &&                         \
             dX[5] == d12 * F22 + d22 * F12 && dX[6] == d21 * F21 &&                           \
             dX[7] == d21 * F22 + d22 * F21 && dX[8] == d22 * F22;                             \
        check(ok, "2x2 over 3x3: dL/dX = full convolution of rotated F with dL/dO", MODE,      \
              "dL/dX differs");                                                                \
    }

/* max pooling 2x2 over 4x4: the gradient goes to the max of each window, the first
 * max (row-major) on a tie, 0 elsewhere */
#define MAXPOOL(P, MODE)                                                                       \
    static void maxpool_##P(void)                                                             \
    {                                                                                          \
        P##_params p, g;                                                                       \
        P##_workspace ws;                                                                      \
        double x[16] = {1, 1, 2, 4,                                                            \
                        5, 6, 7, 8,                                                            \
                        3, 2, 4, 4,                                                            \
                        1, 2, 3, 4};                                                           \
        double y[4], t[4], gi[16], d[4] = {0.5, -1, 2, 3};                                     \
        double want[16] = {0, 0, 0, 0,  0, 0.5, 0, -1,  2, 0, 3, 0,  0, 0, 0, 0};             \
        int k, ok;                                                                             \
        P##_init(&p, 1);                                                                       \
        memset(&g, 0, sizeof g);                                                               \
        P##_forward(&p, x, y, &ws);                                                            \
        ok = y[0] == 6 && y[1] == 8 && y[2] == 3 && y[3] == 4;                                 \
        check(ok, "max pooling 2x2: maxima 6 8 3 4", MODE, "forward differs");                 \
        for (k = 0; k < 4; k++) t[k] = y[k] - d[k];                                            \
        P##_backward(&p, x, t, &g, gi, &ws);                                                   \
        ok = memcmp(gi, want, sizeof want) == 0;                                               \
        check(ok, "max pooling gradient routed to the argmax (first max on a tie)", MODE,      \
              "routing differs");                                                              \
    }

/* softmax + cross-entropy: y = [0.5 0.1 0.1 0.2 0.1], t = [1 0 0 0 0]:
 * dL/dz = y - t = [-0.5 0.1 0.1 0.2 0.1] (the course's example, its yhat made to sum to 1) */
#define SOFTMAXCE(P, MODE, WHAT)                                                               \
    static void sce_##P(void)                                                                 \
    {                                                                                          \
        P##_params p, g;                                                                       \
        P##_workspace ws;                                                                      \
        double yhat[5] = {0.5, 0.1, 0.1, 0.2, 0.1}, t[5] = {1, 0, 0, 0, 0};                    \
        double z[5], y[5], dz[5], L;                                                           \
        int k, ok = 1;                                                                         \
        memset(&p, 0, sizeof p);                                                               \
        memset(&g, 0, sizeof g);                                                               \
        for (k = 0; k < 5; k++) z[k] = log(yhat[k]) + 3;                                       \
        P##_forward(&p, z, y, &ws);                                                            \
        for (k = 0; k < 5; k++) ok &= fabs(y[k] - yhat[k]) < 1e-15;                            \
        check(ok, WHAT ": forward output is softmax(z)", MODE, "softmax differs");             \
        L = P##_backward(&p, z, t, &g, dz, &ws);                                               \
        ok = fabs(L + log(0.5)) < 1e-14;                                                       \
        for (k = 0; k < 5; k++) ok &= fabs(dz[k] - (yhat[k] - t[k])) < 1e-15;                  \
        check(ok, WHAT ": L = -log y1, dL/dz = y - t = [-0.5 0.1 0.1 0.2 0.1]", MODE,           \
              "gradient differs");                                                             \
    }

/* the sigmoid gate: w = [2, -3], b = -3, x = [-1, -2]: w.x + b = 1, sigma = 0.73;
 * upstream 1.00 -> local (1 - 0.73)(0.73) = 0.20; dw0 = -0.20, dx0 = 0.39,
 * dw1 = -0.39, dx1 = -0.59, dw2 = 0.20 */
#define SIGMOID(P, MODE)                                                                       \
    static void sigmoid_##P(void)                                                             \
    {                                                                                          \
        P##_params p, g;                                                                       \
        P##_workspace ws;                                                                      \
        double x[2] = {-1, -2}, y, t, dx[2], s = 1 / (1 + exp(-1.0)), loc = (1 - s) * s;        \
        int ok;                                                                                \
        p.gate_weight[0] = 2; p.gate_weight[1] = -3; p.gate_bias[0] = -3;                      \
        P##_forward(&p, x, &y, &ws);                                                           \
        ok = fabs(y - 0.7310585786300049) < 1e-15 && floor(y * 100 + 0.5) == 73;              \
        check(ok, "sigmoid gate: forward 0.73", MODE, "forward differs");                      \
        t = y - 1; /* mse: upstream dL/dy = y - t = 1.00 */                                    \
        memset(&g, 0, sizeof g);                                                               \
        P##_backward(&p, x, &t, &g, dx, &ws);                                                  \
        ok = fabs(g.gate_bias[0] - loc) < 1e-15 && floor(g.gate_bias[0] * 100 + 0.5) == 20 &&   \
             fabs(g.gate_weight[0] - -1 * loc) < 1e-15 &&                                       \
             fabs(g.gate_weight[1] - -2 * loc) < 1e-15 && fabs(dx[0] - 2 * loc) < 1e-15 &&      \
             fabs(dx[1] - -3 * loc) < 1e-15 && floor(g.gate_weight[0] * 100 + 0.5) == -20 &&    \
             floor(dx[0] * 100 + 0.5) == 39 && floor(g.gate_weight[1] * 100 + 0.5) == -39 &&    \
             floor(dx[1] * 100 + 0.5) == -59;                                                  \
        check(ok, "sigmoid gate: upstream 1.00 -> 0.20; dw0 -0.20 dx0 0.39 dw1 -0.39 dx1 -0.59", \
              MODE, "gradients differ");                                                       \
    }

CONV3(course_conv3_none, "none")
CONV3(course_conv3_kernel, "kernel")
CONV3(course_conv3_full, "full")
CONV2(course_conv2_none, "none")
CONV2(course_conv2_kernel, "kernel")
CONV2(course_conv2_full, "full")
MAXPOOL(course_maxpool_none, "none")
MAXPOOL(course_maxpool_kernel, "kernel")
MAXPOOL(course_maxpool_full, "full")
SOFTMAXCE(course_sce_none, "none", "softmax_cross_entropy")
SOFTMAXCE(course_sce_kernel, "kernel", "softmax_cross_entropy")
SOFTMAXCE(course_sce_full, "full", "softmax_cross_entropy")
SOFTMAXCE(course_ce_none, "none", "softmax layer + cross_entropy")
SOFTMAXCE(course_ce_kernel, "kernel", "softmax layer + cross_entropy")
SOFTMAXCE(course_ce_full, "full", "softmax layer + cross_entropy")
SIGMOID(course_sigmoid_none, "none")
SIGMOID(course_sigmoid_kernel, "kernel")
SIGMOID(course_sigmoid_full, "full")

int main(void)
{
    conv3_course_conv3_none(); conv3_course_conv3_kernel(); conv3_course_conv3_full();
    conv2_course_conv2_none(); conv2_course_conv2_kernel(); conv2_course_conv2_full();
    maxpool_course_maxpool_none(); maxpool_course_maxpool_kernel(); maxpool_course_maxpool_full();
    sce_course_sce_none(); sce_course_sce_kernel(); sce_course_sce_full();
    sce_course_ce_none(); sce_course_ce_kernel(); sce_course_ce_full();
    sigmoid_course_sigmoid_none(); sigmoid_course_sigmoid_kernel(); sigmoid_course_sigmoid_full();
    return failures != 0;
}
