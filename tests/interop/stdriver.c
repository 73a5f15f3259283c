/* stdriver.c - weights in and out of a generated network through safetensors, for
 * tests/interop/roundtrip.py. Build with a generated net.c and -DMODEL=<prefix>_model.
 *
 *   stdriver predict W.safetensors IN.bin N OUT.bin
 *       loads W (cnngen_load_safetensors, strict), runs P_forward on N inputs (raw
 *       little-endian reals, one sample after another), writes the N outputs
 *   stdriver train SEED IN.bin TG.bin N STEPS LR INIT.safetensors OUT.safetensors
 *       P_init(SEED), saves INIT, then STEPS x P_train_batch over all N samples with LR
 *       (plain SGD on the batch-mean gradient), saves OUT
 * Reals are float or double as the model's dtype_bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen_rt.h"
#include "net.h"

#ifndef MODEL
#error "compile with -DMODEL=<prefix>_model"
#endif
extern const cnngen_model MODEL;

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) { fprintf(stderr, "stdriver: out of memory\n"); exit(2); }
    return p;
}

static void read_all(const char *path, void *dst, size_t bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f || fread(dst, 1, bytes, f) != bytes || fgetc(f) != EOF) {
        fprintf(stderr, "stdriver: cannot read exactly %lu bytes from %s\n", (unsigned long)bytes, path);
        exit(2);
    }
    fclose(f);
}

static void write_all(const char *path, const void *src, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(src, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "stdriver: cannot write %s\n", path);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    const cnngen_model *m = &MODEL;
    size_t rb = (size_t)m->dtype_bytes;
    void *params = xalloc(m->params_bytes), *ws = xalloc(m->workspace_bytes);
    char err[512];
    if (argc == 6 && !strcmp(argv[1], "predict")) {
        int n = atoi(argv[4]);
        size_t in = m->input_size * rb, out = m->output_size * rb;
        char *x = xalloc(in * (size_t)n), *y = xalloc(out * (size_t)n);
        if (cnngen_load_safetensors(m, params, argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "stdriver: %s\n", err);
            return 3;
        }
        read_all(argv[3], x, in * (size_t)n);
        for (int i = 0; i < n; i++)
            m->forward(params, x + in * (size_t)i, y + out * (size_t)i, ws);
        write_all(argv[5], y, out * (size_t)n);
        return 0;
    }
    if (argc == 10 && !strcmp(argv[1], "train")) {
        int n = atoi(argv[5]), steps = atoi(argv[6]);
        double lr = atof(argv[7]);
        size_t in = m->input_size * rb, out = m->output_size * rb;
        char *x = xalloc(in * (size_t)n), *t = xalloc(out * (size_t)n);
        void *grad = xalloc(m->params_bytes);
        if (!m->train_batch) {
            fprintf(stderr, "stdriver: the model has no train_batch\n");
            return 3;
        }
        read_all(argv[3], x, in * (size_t)n);
        read_all(argv[4], t, out * (size_t)n);
        m->init(params, strtoull(argv[2], NULL, 10));
        if (cnngen_save_safetensors(m, params, argv[8]) != 0) {
            perror(argv[8]);
            return 3;
        }
        for (int s = 0; s < steps; s++)
            m->train_batch(params, x, t, n, lr, grad, ws);
        if (cnngen_save_safetensors(m, params, argv[9]) != 0) {
            perror(argv[9]);
            return 3;
        }
        return 0;
    }
    fprintf(stderr, "usage: stdriver predict W IN N OUT | train SEED IN TG N STEPS LR INIT OUT\n");
    return 2;
}
