/* cmpbin.c - cmpbin WANT GOT TOL [float32]: compares two raw little-endian arrays,
 * WANT float64 (PyTorch's), GOT float64 or, with "float32", float32 (the generated
 * code's), element by element: |got - want| <= TOL * max(1, |want|). Prints the first
 * element out of tolerance and exits 1; exits 2 when a file cannot be read or the
 * sizes differ. The offline tier's comparison (tests/refs/check.sh): C only, so
 * `make check` needs no Python. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double *load(const char *path, int f32, long *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cmpbin: cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    int w = f32 ? 4 : 8;
    *n = bytes / w;
    double *v = malloc(sizeof(double) * (size_t)(*n ? *n : 1));
    unsigned char *raw = malloc((size_t)(bytes ? bytes : 1));
    if (!v || !raw || fread(raw, 1, (size_t)bytes, f) != (size_t)bytes) {
        fprintf(stderr, "cmpbin: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    for (long i = 0; i < *n; i++) {
        if (f32) { float x; memcpy(&x, raw + i * 4, 4); v[i] = x; }
        else memcpy(&v[i], raw + i * 8, 8);
    }
    free(raw);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: cmpbin WANT GOT TOL [float32]\n");
        return 2;
    }
    long nw, ng;
    double *w = load(argv[1], 0, &nw);
    double *g = load(argv[2], argc > 4 && !strcmp(argv[4], "float32"), &ng);
    double tol = atof(argv[3]);
    if (nw != ng) {
        printf("%ld values, want %ld\n", ng, nw);
        return 2;
    }
    for (long i = 0; i < nw; i++) {
        double lim = tol * (fabs(w[i]) > 1 ? fabs(w[i]) : 1);
        if (!(fabs(g[i] - w[i]) <= lim)) {
            printf("[%ld] = %.17g, PyTorch %.17g (tolerance %.3g)\n", i, g[i], w[i], lim);
            return 1;
        }
    }
    return 0;
}
