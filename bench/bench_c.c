/* bench_c.c - the generated-C side of `make bench`.
 *
 * Linked with one generated net.c (any spec) and the runtime; it reaches the network
 * only through the `const cnngen_model <prefix>_model` descriptor of cnngen_rt.h, whose
 * name is given at compile time:
 *
 *   cc -O2 -march=native -DBENCH_MODEL=lenet5_model bench/bench_c.c net.c \
 *      $(./cnngen --cflags) $(./cnngen --libs) -lm -o bench_c
 *   bench_c OUTDIR BATCHES REPS MIN_TIME_S [LABEL]
 *   bench_c --profile infer|train BATCH CALLS   (for bench/profile.sh: no files, no
 *        timing; CALLS calls of run_infer / run_train, which callgrind collects alone)
 *
 * 1. P_init(seed 42); writes OUTDIR/params.bin (the flat P_params), OUTDIR/input.bin
 *    (32 samples, uniform [0,1), from its own LCG) and OUTDIR/output.bin (P_forward of
 *    each sample), so PyTorch and ONNX Runtime can check that they compute the same
 *    function with the same weights before anything is timed.
 * 2. For each batch size B in BATCHES ("1,32"): inference = P_forward over B samples in
 *    a loop, and ("infer_batch", when B > 1 and B <= P_MAX_BATCH) one P_forward_batch of
 *    the B samples; training = one P_train_batch(n = B) call (zero grad, forward + backward per
 *    sample, average, SGD step; lr 1e-4). Warm-up, then REPS runs of a loop that takes
 *    about MIN_TIME_S seconds; the median run, in microseconds per sample, of the
 *    process CPU time ("runs") and of the wall clock ("wall_runs").
 * Prints one JSON object per line. Exit 1 when something is not finite.
 * MIN_TIME_S 0 means "one call per run" (the smoke test's mode). BENCH_WEIGHTS=FILE
 * replaces P_init's parameters by a safetensors file's.
 */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cnngen_rt.h"

#ifndef BENCH_MODEL
#error "compile with -DBENCH_MODEL=<prefix>_model"
#endif
extern const cnngen_model BENCH_MODEL;
#define M BENCH_MODEL

#define NSAMPLES 32
#define MAXREPS 64

#include "timing.h"   /* cpu_s (the figures), wall_s (reported too), cmp_double */

static void *xalloc(size_t n)
{
    void *p = NULL;
    if (n == 0) n = 64;
    if (posix_memalign(&p, 64, (n + 63) / 64 * 64) != 0) {
        fprintf(stderr, "bench_c: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    memset(p, 0, n);
    return p;
}

static void write_file(const char *dir, const char *name, const void *data, size_t bytes)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes || fclose(f) != 0) {
        fprintf(stderr, "bench_c: cannot write %s\n", path);
        exit(2);
    }
}

/* the state every timed closure needs */
static void *params, *grad, *ws, *inputs, *targets, *outputs;
static double last_loss;
static int cur_batch;

__attribute__((noinline)) static void run_infer(void)
{
    size_t in_b = M.input_size * (size_t)M.dtype_bytes, out_b = M.output_size * (size_t)M.dtype_bytes;
    for (int i = 0; i < cur_batch; i++)
        M.forward(params, (const char *)inputs + (size_t)i * in_b, (char *)outputs + (size_t)i * out_b, ws);
}

/* P_forward_batch over the batch (generated with --batch >= the batch) */
__attribute__((noinline)) static void run_infer_batch(void)
{
    M.forward_batch(params, inputs, outputs, cur_batch, ws);
}

__attribute__((noinline)) static void run_train(void)
{
    last_loss = M.train_batch(params, inputs, targets, cur_batch, 1e-4, grad, ws);
}

static void timeit(const char *label, const char *what, void (*fn)(void), int reps, double min_time)
{
    double runs[MAXREPS], wall[MAXREPS], sorted[MAXREPS], t, w, el;
    long iters, calls = 0;
    if (reps > MAXREPS) reps = MAXREPS;
    t = cpu_s();
    do { /* warm-up (>= 0.1 s and >= 3 calls, or >= 0.3 s) and calibration */
        fn();
        calls++;
        el = cpu_s() - t;
    } while (min_time > 0 && (el < 0.1 || (calls < 3 && el < 0.3)));
    iters = min_time > 0 ? (long)(min_time / (el / (double)calls)) : 1;
    if (iters < 1) iters = 1;
    for (int r = 0; r < reps; r++) {
        w = wall_s();
        t = cpu_s();
        for (long i = 0; i < iters; i++) fn();
        runs[r] = (cpu_s() - t) / ((double)iters * cur_batch) * 1e6;
        wall[r] = (wall_s() - w) / ((double)iters * cur_batch) * 1e6;
    }
    memcpy(sorted, runs, sizeof(double) * (size_t)reps);
    qsort(sorted, (size_t)reps, sizeof(double), cmp_double);
    printf("{\"impl\": \"%s\", \"net\": \"%s\", \"kind\": \"time\", \"what\": \"%s\", \"batch\": %d, "
           "\"us_per_sample\": %.4f, \"iters\": %ld, \"runs\": [",
           label, M.name, what, cur_batch, sorted[reps / 2], iters);
    for (int r = 0; r < reps; r++) printf("%s%.4f", r ? ", " : "", runs[r]);
    printf("], \"wall_runs\": [");
    for (int r = 0; r < reps; r++) printf("%s%.4f", r ? ", " : "", wall[r]);
    if (strcmp(what, "train") == 0) printf("], \"final_loss\": %.6g}\n", last_loss);
    else printf("]}\n");
    fflush(stdout);
}

static int all_finite(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = M.dtype_bytes == 4 ? (double)((const float *)p)[i] : ((const double *)p)[i];
        if (!isfinite(v)) return 0;
    }
    return 1;
}

static void fill_inputs(void)
{
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < NSAMPLES * M.input_size; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        ((float *)inputs)[i] = (float)((double)(s >> 40) / (double)(1ull << 24));
    }
    for (int i = 0; i < NSAMPLES; i++)
        ((float *)targets)[(size_t)i * M.output_size + (size_t)(i * 7) % M.output_size] = 1.0f;
}

static void alloc_all(void)
{
    size_t rb = (size_t)M.dtype_bytes;
    params = xalloc(M.params_bytes);
    grad = xalloc(M.params_bytes);
    ws = xalloc(M.workspace_bytes);
    inputs = xalloc(NSAMPLES * M.input_size * rb);
    targets = xalloc(NSAMPLES * M.output_size * rb);
    outputs = xalloc(NSAMPLES * M.output_size * rb);
}

/* BENCH_WEIGHTS=FILE: the parameters from a safetensors file (an --inference-only build
 * timed on a training build's weights, its batchnorms folded as they are read) */
static int load_weights(void)
{
    const char *wf = getenv("BENCH_WEIGHTS");
    char err[512];
    if (!wf || !*wf)
        return 0;
    if (cnngen_load_safetensors(&M, params, wf, err, sizeof err) != 0) {
        fprintf(stderr, "bench_c: %s\n", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--profile") == 0) {
        int train = strcmp(argv[2], "train") == 0, calls = atoi(argv[4]);
        cur_batch = atoi(argv[3]);
        if (cur_batch < 1 || cur_batch > NSAMPLES || M.dtype_bytes != 4 || (train && !M.train_batch)) {
            fprintf(stderr, "bench_c --profile: bad batch, dtype or no training code\n");
            return 2;
        }
        alloc_all();
        M.init(params, 42);
        fill_inputs();
        for (int i = 0; i < calls; i++) {
            if (train) run_train();
            else run_infer();
        }
        return 0;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: %s OUTDIR BATCHES REPS MIN_TIME_S [LABEL]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *label = argc > 5 ? argv[5] : "c";
    char batches[256];
    int reps = atoi(argv[3]);
    double min_time = atof(argv[4]);
    size_t rb = (size_t)M.dtype_bytes;
    if (reps < 1) reps = 1;
    if (M.dtype_bytes != 4) {
        fprintf(stderr, "bench_c: %s is not float32; the comparison with PyTorch/ORT is float32\n", M.name);
        return 2;
    }
    alloc_all();
    M.init(params, 42);
    if (load_weights() != 0)
        return 2;
    fill_inputs();

    printf("{\"impl\": \"%s\", \"net\": \"%s\", \"kind\": \"info\", \"num_params\": %zu, "
           "\"params_bytes\": %zu, \"workspace_bytes\": %zu, \"input_size\": %zu, \"output_size\": %zu}\n",
           label, M.name, M.num_params, M.params_bytes, M.workspace_bytes, M.input_size, M.output_size);

    write_file(dir, "params.bin", params, M.num_params * rb);
    write_file(dir, "input.bin", inputs, NSAMPLES * M.input_size * rb);
    cur_batch = NSAMPLES;
    run_infer();
    write_file(dir, "output.bin", outputs, NSAMPLES * M.output_size * rb);
    if (!all_finite(outputs, NSAMPLES * M.output_size)) {
        fprintf(stderr, "bench_c: %s forward output is not finite\n", M.name);
        return 1;
    }

    snprintf(batches, sizeof batches, "%s", argv[2]);
    for (char *tok = strtok(batches, ","); tok; tok = strtok(NULL, ",")) {
        cur_batch = atoi(tok);
        if (cur_batch < 1 || cur_batch > NSAMPLES) {
            fprintf(stderr, "bench_c: batch %d not in 1..%d\n", cur_batch, NSAMPLES);
            return 2;
        }
        timeit(label, "infer", run_infer, reps, min_time);
        if (cur_batch > 1 && cur_batch <= M.max_batch)
            timeit(label, "infer_batch", run_infer_batch, reps, min_time);
        if (M.train_batch) {
            timeit(label, "train", run_train, reps, min_time);
            if (!isfinite(last_loss) || !all_finite(params, M.num_params)) {
                fprintf(stderr, "bench_c: %s training diverged (loss %g)\n", M.name, last_loss);
                return 1;
            }
        }
    }
    return 0;
}
