/* gradchk.c - accumulates P_backward over 4 fixed samples after P_init(42) and writes
 * the flat gradient (float32) to ARGV[1]; bench/proto/run.sh compares two builds. */
#include <stdio.h>
#include <stdlib.h>
#include "cnngen_rt.h"
extern const cnngen_model lenet5_model;
int main(int argc, char **argv) {
    const cnngen_model *M = &lenet5_model;
    float *p = calloc(M->params_bytes, 1), *g = calloc(M->params_bytes, 1), *ws = calloc(M->workspace_bytes, 1);
    float x[1024], t[10] = {0};
    M->init(p, 42);
    unsigned s = 1;
    for (int n = 0; n < 4; n++) {
        for (int i = 0; i < 1024; i++) { s = s * 1103515245u + 12345u; x[i] = (s >> 8) / 16777216.0f; }
        for (int i = 0; i < 10; i++) t[i] = i == n;
        M->backward(p, x, t, g, NULL, ws);
    }
    FILE *f = fopen(argv[1], "wb"); fwrite(g, 4, M->num_params, f); fclose(f);
    return 0;
}
