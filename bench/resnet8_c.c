/* resnet8_c.c - the generated C's side of bench/resnet8_bench.py (issue 11): ResNet-8
 * (examples/train/resnet8_fmnist.yaml) trained with P_train_batch at batch 32 and run
 * with P_forward, through the generic cnngen_model descriptor.
 *
 *   resnet8_c DIR BATCHES INFER
 *
 * P_init(1), then BATCHES training steps of train_batch on batches of 32 random
 * samples (one-hot targets), timed in process CPU time; then P_forward over INFER
 * samples, timed. Writes DIR/params.safetensors (the params before training),
 * DIR/input.bin and DIR/ref.bin (float32 inputs and the C's outputs for them, with the
 * trained params: DIR/trained.safetensors) so ONNX Runtime can be checked against the
 * same function. Prints one JSON line per figure. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cnngen_rt.h"

extern const cnngen_model MODEL;
static const cnngen_model *M = &MODEL;

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *xcalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "resnet8_c: out of memory\n");
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 4 || M->dtype_bytes != 4 || !M->train_batch) {
        fprintf(stderr, "usage: resnet8_c DIR BATCHES INFER (a float32 model with training)\n");
        return 2;
    }
    const char *dir = argv[1];
    int batches = atoi(argv[2]), ninf = atoi(argv[3]), B = 32;
    char path[4096];
    float *p = xcalloc(M->params_bytes), *g = xcalloc(M->params_bytes);
    void *ws = xcalloc(M->workspace_bytes);
    float *x = xcalloc(sizeof(float) * M->input_size * (size_t)(B > ninf ? B : ninf));
    float *t = xcalloc(sizeof(float) * M->output_size * (size_t)B);
    float *y = xcalloc(sizeof(float) * M->output_size * (size_t)ninf);
    cnngen_rng r;
    cnngen_rng_seed(&r, 7);
    M->init(p, 1);
    snprintf(path, sizeof path, "%s/params.safetensors", dir);
    if (cnngen_save_safetensors(M, p, path))
        return 1;
    for (size_t i = 0; i < M->input_size * (size_t)(B > ninf ? B : ninf); i++)
        x[i] = (float)cnngen_rng_uniform(&r);
    for (int s = 0; s < B; s++)
        t[(size_t)s * M->output_size + (size_t)(cnngen_rng_next(&r) % M->output_size)] = 1;
    double t0 = cpu_s(), loss = 0;
    for (int k = 0; k < batches; k++)
        loss = M->train_batch(p, x, t, B, 0.01, g, ws);
    double tt = cpu_s() - t0;
    printf("{\"impl\": \"cnngen\", \"what\": \"train_batch\", \"batch\": %d, \"us_per_sample\": %.3f, "
           "\"batches\": %d, \"loss\": %.6f}\n", B, tt / (batches * B) * 1e6, batches, loss);
    t0 = cpu_s();
    for (int s = 0; s < ninf; s++)
        M->forward(p, x + (size_t)s * M->input_size, y + (size_t)s * M->output_size, ws);
    double ti = cpu_s() - t0;
    printf("{\"impl\": \"cnngen\", \"what\": \"forward\", \"batch\": 1, \"us_per_sample\": %.3f, "
           "\"samples\": %d}\n", ti / ninf * 1e6, ninf);
    snprintf(path, sizeof path, "%s/trained.safetensors", dir);
    if (cnngen_save_safetensors(M, p, path))
        return 1;
    FILE *f;
    snprintf(path, sizeof path, "%s/input.bin", dir);
    if (!(f = fopen(path, "wb")) || fwrite(x, sizeof(float), M->input_size * (size_t)ninf, f) == 0)
        return 1;
    fclose(f);
    snprintf(path, sizeof path, "%s/ref.bin", dir);
    if (!(f = fopen(path, "wb")) || fwrite(y, sizeof(float), M->output_size * (size_t)ninf, f) == 0)
        return 1;
    fclose(f);
    return 0;
}
