/* folddriver.c - the folded batchnorm's other two paths, for tests/torchref/check_numerics.py:
 * a net generated with --inference-only --weights params.safetensors (the generator folds
 * PyTorch's tensors into the const P_weights) and cnngen_save_safetensors of a folded
 * build (it writes the folded pair; reading that file back must give the same bits).
 *
 *   folddriver DIR    writes DIR/weights.bin (P_weights as compiled in) and
 *                     DIR/reloaded.bin (P_weights saved to DIR/saved.safetensors and
 *                     read back)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen_rt.h"
#include "net.h"

#if !defined(MODEL) || !defined(WEIGHTS)
#error "compile with -DMODEL=<prefix>_model -DWEIGHTS=<prefix>_weights"
#endif

extern const cnngen_model MODEL;

static int write_bin(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "folddriver: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const cnngen_model *m = &MODEL;
    size_t bytes = m->num_params * (size_t)m->dtype_bytes;
    char path[4096], err[512];
    void *back;
    if (argc != 2) {
        fprintf(stderr, "usage: folddriver DIR\n");
        return 2;
    }
    back = calloc(1, m->params_bytes);
    if (!back)
        return 3;
    if (write_bin(argv[1], "weights.bin", &WEIGHTS, bytes))
        return 3;
    snprintf(path, sizeof path, "%s/saved.safetensors", argv[1]);
    if (cnngen_save_safetensors(m, &WEIGHTS, path) != 0) {
        fprintf(stderr, "folddriver: cannot save %s\n", path);
        return 3;
    }
    if (cnngen_load_safetensors(m, back, path, err, sizeof err) != 0) {
        fprintf(stderr, "folddriver: %s\n", err);
        return 3;
    }
    if (write_bin(argv[1], "reloaded.bin", back, bytes))
        return 3;
    free(back);
    return 0;
}
