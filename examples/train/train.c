/* train.c - trains any cnngen-generated classifier on IDX (MNIST-format) data.
 *
 * Build it together with a generated net.c; MODEL names the net's descriptor:
 *   ./cnngen specs/lenet5.yaml -o build/lenet5.c
 *   cc -O2 -DMODEL=lenet5_model -o build/train examples/train/train.c build/lenet5.c \
 *      $(./cnngen --cflags) $(./cnngen --libs) -lz -lpthread -lm
 *   build/train --epochs 2 --save lenet5.safetensors --csv curve.csv --svg curve.svg
 *
 * What it does: reads the IDX files (gzip or plain, through zlib), scales pixels to
 * [0, 1], centres each image in the model's input (zero padding, e.g. 28x28 Fashion-
 * MNIST in LeNet-5's 32x32; a centre crop if the input is smaller; a grey image is
 * repeated over the channels), one-hot targets, and runs mini-batch SGD with optional
 * momentum (PyTorch's form: v = mu v + g; p -= lr v) and weight decay, a constant,
 * step or cosine learning-rate schedule, seeded shuffling. The gradient of a batch is
 * computed in parallel: each thread runs the generated P_backward over its share of
 * the samples into its own gradient, and the shares are summed in a fixed order (so
 * a run is reproducible for a given --threads). `--help` lists the options.
 *
 * Output: a progress line (updated in place on a terminal, a line per tenth of an
 * epoch otherwise), train and test loss/accuracy after each epoch, and at the end
 * "test accuracy: XX.XX%". Files on request: weights (safetensors), the curve as
 * CSV and as an SVG plot, test-set predictions (one class per line).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cnngen_rt.h"

#ifndef MODEL
#error "compile with -DMODEL=<prefix>_model (the descriptor in the generated net.c)"
#endif
extern const cnngen_model MODEL;
static const cnngen_model *M = &MODEL;

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define MAX_THREADS 64

/* ------------------------------------------------------------------ options */

typedef struct Opts {
    int epochs, batch, threads, limit, test_limit, train_acc;
    double lr, momentum, weight_decay, gamma, lr_min;
    int step_epochs;
    const char *schedule;     /* const | step | cosine */
    uint64_t seed;
    const char *data_dir;
    char *train_images, *train_labels, *test_images, *test_labels;
    const char *save, *load, *csv, *svg, *predict;
} Opts;

static void usage(FILE *f)
{
    fprintf(f,
"usage: train [options]    (trains the network %s on IDX files)\n"
"  --data DIR            directory with the four standard files\n"
"                        (default %s: train-images-idx3-ubyte.gz, ...)\n"
"  --train-images F  --train-labels F  --test-images F  --test-labels F\n"
"                        individual IDX files (gzip or plain)\n"
"  --epochs N            epochs (default 2; 0 only evaluates)\n"
"  --batch N             mini-batch size (default 32)\n"
"  --lr X                learning rate (default 0.02)\n"
"  --momentum X          SGD momentum, 0 for plain SGD (default 0.9)\n"
"  --weight-decay X      L2 weight decay added to the gradient (default 0)\n"
"  --schedule S          const | step | cosine (default cosine, per step to --lr-min)\n"
"  --lr-min X            cosine: final learning rate (default 0)\n"
"  --step-epochs N --gamma X   step: lr *= X every N epochs (default 1, 0.1)\n"
"  --seed N              initialization and shuffling seed (default 1)\n"
"  --threads N           worker threads (default: online CPUs)\n"
"  --limit N             use only the first N training samples\n"
"  --test-limit N        use only the first N test samples\n"
"  --no-train-acc        do not measure the training accuracy (saves forward passes)\n"
"  --load F              start from these weights (safetensors) instead of init\n"
"  --save F              write the trained weights (safetensors)\n"
"  --csv F               write the loss/accuracy curve as CSV\n"
"  --svg F               write the curve as an SVG plot\n"
"  --predict F           write the predicted class of every test sample, one a line\n",
            M->name, DEFAULT_DATA);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("train: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        die("%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, s);
    return v;
}

static double parse_double(const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi))
        die("%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
    return v;
}

static char *join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *s = malloc(n);
    if (!s)
        die("out of memory");
    snprintf(s, n, "%s/%s", dir, file);
    return s;
}

static char *dupstr(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (!d)
        die("out of memory");
    return strcpy(d, s);
}

static void parse_opts(Opts *o, int argc, char **argv)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->epochs = 2; o->batch = 32; o->lr = 0.02; o->momentum = 0.9;
    o->schedule = "cosine"; o->step_epochs = 1; o->gamma = 0.1;
    o->seed = 1; o->threads = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
    o->train_acc = 1; o->data_dir = DEFAULT_DATA;
    const char *ti = NULL, *tl = NULL, *vi = NULL, *vl = NULL;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *val = NULL, name[64];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(a, "--no-train-acc") == 0) {
            o->train_acc = 0;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            die("unexpected argument '%s' (see --help)", a);
        char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        if (len >= sizeof name)
            die("unknown option '%s' (see --help)", a);
        memcpy(name, a, len);
        name[len] = '\0';
        if (eq) {
            val = eq + 1;
        } else {
            if (i + 1 >= argc)
                die("%s needs a value (see --help)", name);
            val = argv[++i];
        }
#define IS(s) (strcmp(name, s) == 0)
        if (IS("--epochs")) o->epochs = (int)parse_long(name, val, 0, 100000);
        else if (IS("--batch")) o->batch = (int)parse_long(name, val, 1, 1 << 20);
        else if (IS("--lr")) o->lr = parse_double(name, val, 0, 1e6);
        else if (IS("--momentum")) o->momentum = parse_double(name, val, 0, 0.9999);
        else if (IS("--weight-decay")) o->weight_decay = parse_double(name, val, 0, 1e6);
        else if (IS("--schedule")) {
            if (strcmp(val, "const") && strcmp(val, "step") && strcmp(val, "cosine"))
                die("--schedule: expected const, step or cosine, got '%s'", val);
            o->schedule = val;
        } else if (IS("--lr-min")) o->lr_min = parse_double(name, val, 0, 1e6);
        else if (IS("--step-epochs")) o->step_epochs = (int)parse_long(name, val, 1, 100000);
        else if (IS("--gamma")) o->gamma = parse_double(name, val, 0, 1e6);
        else if (IS("--seed")) o->seed = (uint64_t)parse_long(name, val, 0, 0x7fffffffL);
        else if (IS("--threads")) o->threads = (int)parse_long(name, val, 1, MAX_THREADS);
        else if (IS("--limit")) o->limit = (int)parse_long(name, val, 1, 0x7fffffffL);
        else if (IS("--test-limit")) o->test_limit = (int)parse_long(name, val, 1, 0x7fffffffL);
        else if (IS("--data")) o->data_dir = val;
        else if (IS("--train-images")) ti = val;
        else if (IS("--train-labels")) tl = val;
        else if (IS("--test-images")) vi = val;
        else if (IS("--test-labels")) vl = val;
        else if (IS("--load")) o->load = val;
        else if (IS("--save")) o->save = val;
        else if (IS("--csv")) o->csv = val;
        else if (IS("--svg")) o->svg = val;
        else if (IS("--predict")) o->predict = val;
        else die("unknown option '%s' (see --help)", name);
#undef IS
    }
    o->train_images = ti ? dupstr(ti) : join(o->data_dir, "train-images-idx3-ubyte.gz");
    o->train_labels = tl ? dupstr(tl) : join(o->data_dir, "train-labels-idx1-ubyte.gz");
    o->test_images = vi ? dupstr(vi) : join(o->data_dir, "t10k-images-idx3-ubyte.gz");
    o->test_labels = vl ? dupstr(vl) : join(o->data_dir, "t10k-labels-idx1-ubyte.gz");
}

/* ------------------------------------------------------------------ IDX files */

/* Reads an IDX file of unsigned bytes with `ndim` dimensions (gzip or plain:
 * zlib reads both). Checks the magic, the type, the dimensions and that the data
 * is exactly as long as they say. Returns the data (malloc'd) and the dims. */
static unsigned char *idx_read(const char *path, int ndim, unsigned dims[4])
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        die("%s: cannot open: %s", path, strerror(errno));
    unsigned char h[4], d4[4];
    if (gzread(g, h, 4) != 4)
        die("%s: not an IDX file (shorter than its 4-byte magic)", path);
    if (h[0] != 0 || h[1] != 0)
        die("%s: not an IDX file (magic %02x %02x %02x %02x does not start with 00 00)",
            path, h[0], h[1], h[2], h[3]);
    if (h[2] != 0x08)
        die("%s: IDX element type 0x%02x not supported (only 0x08, unsigned byte)", path, h[2]);
    if (h[3] != ndim)
        die("%s: IDX file has %d dimensions, expected %d (%s)", path, h[3], ndim,
            ndim == 3 ? "images: count, rows, columns" : "labels: count");
    unsigned long long total = 1;
    for (int i = 0; i < ndim; i++) {
        if (gzread(g, d4, 4) != 4)
            die("%s: truncated IDX header", path);
        dims[i] = (unsigned)d4[0] << 24 | (unsigned)d4[1] << 16 | (unsigned)d4[2] << 8 | d4[3];
        if (dims[i] == 0 || dims[i] > (1u << 30))
            die("%s: IDX dimension %d is %u", path, i, dims[i]);
        total *= dims[i];
        if (total > (1ULL << 32))
            die("%s: IDX file too large (%llu elements)", path, total);
    }
    unsigned char *data = malloc((size_t)total);
    if (!data)
        die("%s: out of memory for %llu bytes", path, total);
    unsigned long long got = 0;
    while (got < total) {
        unsigned chunk = total - got > (1u << 30) ? (1u << 30) : (unsigned)(total - got);
        int r = gzread(g, data + got, chunk);
        if (r <= 0) {
            int zerr;
            const char *msg = gzerror(g, &zerr);
            if (zerr != Z_OK && zerr != Z_BUF_ERROR)
                die("%s: %s", path, msg);
            die("%s: truncated: the header promises %llu data bytes, the file has %llu",
                path, total, got);
        }
        got += (unsigned)r;
    }
    unsigned char extra;
    int r = gzread(g, &extra, 1);
    if (r > 0)
        die("%s: data continues past what the header describes (%llu bytes)", path, total);
    if (r < 0) {
        int zerr;
        die("%s: %s", path, gzerror(g, &zerr));
    }
    gzclose(g);
    return data;
}

typedef struct Dataset {
    int n;                  /* samples */
    int hw;                 /* pixels per sample in the model's H x W */
    unsigned char *pix;     /* n x H x W, already placed (padded or cropped) */
    unsigned char *label;   /* n */
} Dataset;

static void load_dataset(Dataset *ds, const char *images, const char *labels, int limit)
{
    unsigned di[4], dl[4];
    unsigned char *img = idx_read(images, 3, di);
    unsigned char *lab = idx_read(labels, 1, dl);
    if (di[0] != dl[0])
        die("%s has %u images but %s has %u labels", images, di[0], labels, dl[0]);
    int n = (int)di[0], h = (int)di[1], w = (int)di[2];
    if (limit > 0 && limit < n)
        n = limit;
    for (int i = 0; i < n; i++)
        if (lab[i] >= M->output_size)
            die("%s: label %d of sample %d is not below the network's %lu outputs",
                labels, lab[i], i, (unsigned long)M->output_size);
    int H = M->input_h, W = M->input_w;
    int oy = (H - h) / 2, ox = (W - w) / 2;   /* >= 0: pad; < 0: crop */
    ds->n = n;
    ds->hw = H * W;
    ds->pix = calloc((size_t)n * (size_t)H * (size_t)W, 1);
    ds->label = malloc((size_t)n);
    if (!ds->pix || !ds->label)
        die("out of memory");
    for (int s = 0; s < n; s++) {
        const unsigned char *src = img + (size_t)s * h * w;
        unsigned char *dst = ds->pix + (size_t)s * H * W;
        for (int y = 0; y < H; y++) {
            int sy = y - oy;
            if (sy < 0 || sy >= h)
                continue;
            for (int x = 0; x < W; x++) {
                int sx = x - ox;
                if (sx >= 0 && sx < w)
                    dst[y * W + x] = src[sy * w + sx];
            }
        }
        ds->label[s] = lab[s];
    }
    free(img);
    free(lab);
}

/* ------------------------------------------------------------------ reals */

static int RB;  /* bytes per real: 4 or 8 */

static double rget(const void *a, size_t i)
{
    return RB == 8 ? ((const double *)a)[i] : ((const float *)a)[i];
}

static void rset(void *a, size_t i, double v)
{
    if (RB == 8)
        ((double *)a)[i] = v;
    else
        ((float *)a)[i] = (float)v;
}

static void *xalloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 1) != 0)
        die("out of memory (%lu bytes)", (unsigned long)bytes);
    memset(p, 0, bytes ? bytes : 1);
    return p;
}

/* sample s of ds as the model's input (C x H x W reals in [0, 1]) */
static void make_input(const Dataset *ds, int s, void *in)
{
    const unsigned char *p = ds->pix + (size_t)s * ds->hw;
    for (int c = 0; c < M->input_c; c++)
        for (int i = 0; i < ds->hw; i++)
            rset(in, (size_t)c * ds->hw + i, p[i] / 255.0);
}

static void make_target(int label, void *t)
{
    for (size_t i = 0; i < M->output_size; i++)
        rset(t, i, (int)i == label ? 1.0 : 0.0);
}

static int argmax(const void *out)
{
    int best = 0;
    for (size_t i = 1; i < M->output_size; i++)
        if (rget(out, i) > rget(out, (size_t)best))
            best = (int)i;
    return best;
}

/* the loss of one sample from the forward output (the loss's output transform) */
static double sample_loss(const void *out, int label)
{
    double l = 0;
    for (size_t i = 0; i < M->output_size; i++) {
        double y = rget(out, i), t = (int)i == label ? 1.0 : 0.0;
        switch (M->loss) {
        case CNNGEN_LOSS_SOFTMAX_CE:
        case CNNGEN_LOSS_CE:
            if (t > 0)
                l -= t * log(y > 1e-300 ? y : 1e-300);
            break;
        case CNNGEN_LOSS_MSE:
            l += 0.5 * (y - t) * (y - t);
            break;
        case CNNGEN_LOSS_BCE: {
            double yc = y < 1e-12 ? 1e-12 : y > 1 - 1e-12 ? 1 - 1e-12 : y;
            l -= t * log(yc) + (1 - t) * log(1 - yc);
            break;
        }
        default:
            break;
        }
    }
    return l;
}

/* ------------------------------------------------------------------ worker threads */

enum { JOB_TRAIN, JOB_EVAL };

typedef struct Worker {
    pthread_t th;
    int id;
    void *ws, *grad, *in, *tgt, *out;
    double loss;
    long correct;
    int *pred;              /* eval: predictions written here (may be NULL) */
} Worker;

static struct Pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long gen;
    int pending, quit, nthreads;
    /* the job */
    int kind;
    const void *params;
    const Dataset *ds;
    const int *idx;         /* sample indices of the job (NULL: 0..n-1) */
    int n, train_acc;
    Worker w[MAX_THREADS];
} pool;

static void run_share(Worker *w)
{
    int T = pool.nthreads;
    int a = (int)((long long)pool.n * w->id / T), b = (int)((long long)pool.n * (w->id + 1) / T);
    w->loss = 0;
    w->correct = 0;
    if (pool.kind == JOB_TRAIN)
        memset(w->grad, 0, M->params_bytes);
    for (int k = a; k < b; k++) {
        int s = pool.idx ? pool.idx[k] : k;
        int label = pool.ds->label[s];
        make_input(pool.ds, s, w->in);
        if (pool.kind == JOB_TRAIN) {
            make_target(label, w->tgt);
            double l = M->backward(pool.params, w->in, w->tgt, w->grad, NULL, w->ws);
            w->loss += l;
            if (pool.train_acc) {
                /* With a cross-entropy loss and a one-hot target, loss = -log p[label]:
                 * p[label] > 1/2 means it is the largest output (a correct prediction),
                 * p[label] < 1/K means another output is larger (a wrong one). Only in
                 * between does it take a forward pass to know. */
                double p = exp(-l), K = (double)M->output_size;
                int ce = M->loss == CNNGEN_LOSS_SOFTMAX_CE || M->loss == CNNGEN_LOSS_CE;
                if (ce && p > 0.5 + 1e-6) {
                    w->correct++;
                } else if (!(ce && p < 1 / K - 1e-6)) {
                    M->forward(pool.params, w->in, w->out, w->ws);
                    w->correct += argmax(w->out) == label;
                }
            }
        } else {
            M->forward(pool.params, w->in, w->out, w->ws);
            int p = argmax(w->out);
            w->correct += p == label;
            w->loss += sample_loss(w->out, label);
            if (w->pred)
                w->pred[s] = p;
        }
    }
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&pool.mu);
        while (pool.gen == seen && !pool.quit)
            pthread_cond_wait(&pool.go, &pool.mu);
        if (pool.quit) {
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
        seen = pool.gen;
        pthread_mutex_unlock(&pool.mu);
        run_share(w);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
        pthread_mutex_unlock(&pool.mu);
    }
}

/* runs the job set up in pool over all threads; the caller is worker 0 */
static void run_job(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.pending = pool.nthreads - 1;
    pool.gen++;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    run_share(&pool.w[0]);
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}

static void pool_start(int nthreads)
{
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.go, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.nthreads = nthreads;
    for (int t = 0; t < nthreads; t++) {
        Worker *w = &pool.w[t];
        w->id = t;
        w->ws = xalloc(M->workspace_bytes);
        w->grad = xalloc(M->params_bytes);
        w->in = xalloc(M->input_size * RB);
        w->tgt = xalloc(M->output_size * RB);
        w->out = xalloc(M->output_size * RB);
        if (t > 0 && pthread_create(&w->th, NULL, worker_main, w) != 0)
            die("cannot start thread %d", t);
    }
}

static void pool_stop(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.quit = 1;
    pthread_cond_broadcast(&pool.go);
    pthread_mutex_unlock(&pool.mu);
    for (int t = 1; t < pool.nthreads; t++)
        pthread_join(pool.w[t].th, NULL);
    for (int t = 0; t < pool.nthreads; t++) {
        free(pool.w[t].ws); free(pool.w[t].grad); free(pool.w[t].in);
        free(pool.w[t].tgt); free(pool.w[t].out);
    }
}

/* test loss and accuracy (and predictions) over a whole dataset */
static void evaluate(const void *params, const Dataset *ds, double *loss, double *acc, int *pred)
{
    pool.kind = JOB_EVAL;
    pool.params = params;
    pool.ds = ds;
    pool.idx = NULL;
    pool.n = ds->n;
    for (int t = 0; t < pool.nthreads; t++)
        pool.w[t].pred = pred;
    run_job();
    double l = 0;
    long c = 0;
    for (int t = 0; t < pool.nthreads; t++) {
        l += pool.w[t].loss;
        c += pool.w[t].correct;
    }
    *loss = l / ds->n;
    *acc = (double)c / ds->n;
}

/* ------------------------------------------------------------------ the update */

/* g = sum of the workers' gradients / n (+ wd p); v = mu v + g; p -= lr v */
/* g[i] = the gradient of the batch (the mean over its n samples) + weight decay; then
 * momentum and the step. With `threads`, g is the sum of the workers' gradients / n;
 * without, gsum already holds the mean (train_batch's). The buffers' gradient is 0,
 * and they get no weight decay (is_buffer), so they stay as train_batch left them. */
static unsigned char *buffer_mask;  /* 1 at a batchnorm running statistic */

static void sgd_step(void *params, void *vel, void *gsum, int n, const Opts *o, double lr,
                     int threads)
{
    size_t P = M->num_params;
    double inv = 1.0 / n, mu = o->momentum, wd = o->weight_decay;
    if (RB == 4) {
        float *p = params, *v = vel, *g = gsum;
        for (size_t i = 0; i < P; i++) {
            if (buffer_mask[i])
                continue;
            float s = g[i];
            if (threads) {
                s = 0;
                for (int t = 0; t < pool.nthreads; t++)
                    s += ((const float *)pool.w[t].grad)[i];
                s = (float)(s * inv);
            }
            g[i] = (float)(s + wd * p[i]);
            v[i] = mu > 0 ? (float)(mu * v[i]) + g[i] : g[i];
            p[i] -= (float)lr * v[i];
        }
    } else {
        double *p = params, *v = vel, *g = gsum;
        for (size_t i = 0; i < P; i++) {
            if (buffer_mask[i])
                continue;
            double s = g[i];
            if (threads) {
                s = 0;
                for (int t = 0; t < pool.nthreads; t++)
                    s += ((const double *)pool.w[t].grad)[i];
                s *= inv;
            }
            g[i] = s + wd * p[i];
            v[i] = mu > 0 ? mu * v[i] + g[i] : g[i];
            p[i] -= lr * v[i];
        }
    }
}

/* A net whose train mode differs (batchnorm, dropout: M->train_mode): one train_batch
 * call per batch, lr 0 (it leaves the mean gradient in gsum and moves the running
 * statistics), then sgd_step. Returns the summed loss. */
static double train_mode_batch(void *params, void *gsum, const Dataset *ds, const int *idx,
                               int n, void *ins, void *tgts, void *ws)
{
    for (int k = 0; k < n; k++) {
        make_input(ds, idx[k], (char *)ins + (size_t)k * M->input_size * RB);
        make_target(ds->label[idx[k]], (char *)tgts + (size_t)k * M->output_size * RB);
    }
    return n * M->train_batch(params, ins, tgts, n, 0.0, gsum, ws);
}

static double schedule_lr(const Opts *o, long step, long total_steps, int epoch)
{
    if (strcmp(o->schedule, "cosine") == 0) {
        double t = total_steps > 1 ? (double)step / (double)total_steps : 0;
        return o->lr_min + 0.5 * (o->lr - o->lr_min) * (1 + cos(3.14159265358979323846 * t));
    }
    if (strcmp(o->schedule, "step") == 0)
        return o->lr * pow(o->gamma, epoch / o->step_epochs);
    return o->lr;
}

/* ------------------------------------------------------------------ the curve */

typedef struct Point {
    int epoch_end;          /* 1: an end-of-epoch row (test values valid) */
    double epoch;           /* epochs done, fractional */
    long samples;
    double lr, train_loss, train_acc, test_loss, test_acc, seconds;
} Point;

static Point *curve;
static int ncurve, capcurve;

static void add_point(Point p)
{
    if (ncurve == capcurve) {
        capcurve = capcurve ? 2 * capcurve : 64;
        curve = realloc(curve, (size_t)capcurve * sizeof *curve);
        if (!curve)
            die("out of memory");
    }
    curve[ncurve++] = p;
}

static void write_csv(const char *path, int train_acc)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    fprintf(f, "kind,epoch,samples,lr,train_loss,train_acc,test_loss,test_acc,seconds\n");
    for (int i = 0; i < ncurve; i++) {
        const Point *p = &curve[i];
        fprintf(f, "%s,%.4f,%ld,%.6g,%.6f,", p->epoch_end ? "epoch" : "step", p->epoch,
                p->samples, p->lr, p->train_loss);
        if (train_acc)
            fprintf(f, "%.6f,", p->train_acc);
        else
            fputc(',', f);
        if (p->epoch_end)
            fprintf(f, "%.6f,%.6f,", p->test_loss, p->test_acc);
        else
            fputs(",,", f);
        fprintf(f, "%.3f\n", p->seconds);
    }
    if (fclose(f) != 0)
        die("%s: write error", path);
}

/* Two panels: loss (train per interval, test per epoch) and accuracy. */
static void write_svg(const char *path, int train_acc)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    const int PW = 420, PH = 300, ML = 60, MT = 40, MB = 50, GAP = 80;
    int width = ML + PW + GAP + ML + PW + 30, height = MT + PH + MB;
    double xmax = 0, lmax = 0, amin = 1;
    for (int i = 0; i < ncurve; i++) {
        if (curve[i].epoch_end && curve[i].test_acc < amin) amin = curve[i].test_acc;
        if (train_acc && curve[i].train_acc < amin) amin = curve[i].train_acc;
        if (curve[i].epoch > xmax) xmax = curve[i].epoch;
        if (curve[i].train_loss > lmax) lmax = curve[i].train_loss;
        if (curve[i].epoch_end && curve[i].test_loss > lmax) lmax = curve[i].test_loss;
    }
    if (xmax <= 0) xmax = 1;
    if (lmax <= 0) lmax = 1;
    lmax *= 1.05;
    amin = floor(amin * 10) / 10;               /* accuracy axis: from a tenth below */
    if (amin > 0.9) amin = 0.9;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s: training curve</text>\n", ML, M->name);
    for (int panel = 0; panel < 2; panel++) {
        int x0 = ML + panel * (PW + GAP + ML), y0 = MT;
        double ymax = panel == 0 ? lmax : 1.0, ymin = panel == 0 ? 0 : amin;
        const char *title = panel == 0 ? "loss" : "accuracy";
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n",
                x0, y0, PW, PH);
        for (int k = 0; k <= 5; k++) {          /* y ticks and grid */
            double v = ymin + (ymax - ymin) * k / 5;
            double y = y0 + PH - PH * k / 5.0;
            fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                    x0, y, x0 + PW, y);
            fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", x0 - 5, y + 4, v);
        }
        int nt = xmax <= 10 ? (int)ceil(xmax) : 10;
        for (int k = 0; k <= nt; k++) {         /* x ticks: epochs */
            double v = xmax * k / nt;
            double x = x0 + PW * k / (double)nt;
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n",
                    x, y0 + PH + 16, v);
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n",
                x0 + PW / 2, y0 + PH + 34);
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", x0, y0 - 6, title);
        for (int series = 0; series < 2; series++) {    /* 0: train, 1: test */
            if (panel == 1 && series == 0 && !train_acc)
                continue;
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                    series ? "#d62728" : "#1f77b4");
            for (int i = 0; i < ncurve; i++) {
                const Point *p = &curve[i];
                if (series == 1 && !p->epoch_end)
                    continue;
                if (series == 0 && p->epoch_end)
                    continue;
                double v = panel == 0 ? (series ? p->test_loss : p->train_loss)
                                      : (series ? p->test_acc : p->train_acc);
                double x = x0 + PW * p->epoch / xmax, y = y0 + PH - PH * ((v - ymin) / (ymax - ymin));
                fprintf(f, "%.1f,%.1f ", x, y < y0 ? y0 : y > y0 + PH ? y0 + PH : y);
            }
            fputs("\"/>\n", f);
            if (series == 1)                            /* mark the epoch points */
                for (int i = 0; i < ncurve; i++)
                    if (curve[i].epoch_end) {
                        double v = panel == 0 ? curve[i].test_loss : curve[i].test_acc;
                        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d62728\"/>\n",
                                x0 + PW * curve[i].epoch / xmax,
                                y0 + PH - PH * ((v - ymin) / (ymax - ymin)));
                    }
        }
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
                "<text x=\"%d\" y=\"%d\">train</text>\n",
                x0 + PW - 110, y0 + 15, x0 + PW - 90, y0 + 15, x0 + PW - 85, y0 + 19);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d62728\" stroke-width=\"2\"/>"
                "<text x=\"%d\" y=\"%d\">test</text>\n",
                x0 + PW - 110, y0 + 32, x0 + PW - 90, y0 + 32, x0 + PW - 85, y0 + 36);
    }
    fputs("</svg>\n", f);
    if (fclose(f) != 0)
        die("%s: write error", path);
}

/* ------------------------------------------------------------------ progress */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fmt_time(char *buf, size_t n, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

static void progress(int tty, int epoch, int epochs, long done, long total, double loss,
                     double acc, int train_acc, double rate, double eta)
{
    char bar[31], e[32];
    int fill = total ? (int)(30 * done / total) : 30;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fmt_time(e, sizeof e, eta);
    printf("%sepoch %d/%d [%s] %3d%% %ld/%ld  loss %.4f", tty ? "\r" : "", epoch, epochs,
           bar, total ? (int)(100 * done / total) : 100, done, total, loss);
    if (train_acc)
        printf("  acc %5.2f%%", 100 * acc);
    printf("  %.0f samples/s  ETA %s%s", rate, e, tty ? "   " : "\n");
    fflush(stdout);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    Opts o;
    parse_opts(&o, argc, argv);
    RB = M->dtype_bytes;
    if (RB != 4 && RB != 8)
        die("model %s: dtype_bytes %d", M->name, RB);
    if (o.epochs > 0 && !M->backward)
        die("model %s has no backward pass (generated with --inference-only or without "
            "a loss); use --epochs 0 to evaluate only", M->name);
    if (M->output_size < 2)
        die("model %s has %lu outputs: a classifier needs at least 2", M->name,
            (unsigned long)M->output_size);
    int tty = isatty(fileno(stdout));

    Dataset train = {0, 0, NULL, NULL}, test = {0, 0, NULL, NULL};
    double t0 = now();
    if (o.epochs > 0)
        load_dataset(&train, o.train_images, o.train_labels, o.limit);
    load_dataset(&test, o.test_images, o.test_labels, o.test_limit);
    printf("%s: %lu parameters (%s), input %dx%dx%d; %d training and %d test samples "
           "(loaded in %.1f s)\n", M->name, (unsigned long)M->num_params,
           RB == 8 ? "float64" : "float32", M->input_c, M->input_h, M->input_w,
           train.n, test.n, now() - t0);

    void *params = xalloc(M->params_bytes);
    void *vel = xalloc(M->params_bytes);
    void *gsum = xalloc(M->params_bytes);
    void *bins = NULL, *btgs = NULL;
    if (!(buffer_mask = calloc(M->num_params + 1, 1)))
        die("out of memory");
    for (int k = 0; k < M->ntensors; k++) {
        const char *nm = M->tensors[k].name, *dot = strrchr(nm, '.');
        size_t cnt = 1;
        for (int d = 0; d < M->tensors[k].ndim; d++)
            cnt *= (size_t)M->tensors[k].shape[d];
        if (dot && (!strcmp(dot, ".running_mean") || !strcmp(dot, ".running_var")))
            memset(buffer_mask + M->tensors[k].offset, 1, cnt);
    }
    if (M->train_mode && o.epochs > 0) {   /* train_batch's batches: 1..max_batch */
        if (o.batch > M->max_batch)
            die("--batch %d is larger than the net's batch (P_MAX_BATCH %d): give it "
                "`batch: %d` in the spec or --batch %d to cnngen", o.batch, M->max_batch,
                o.batch, o.batch);
        bins = xalloc((size_t)o.batch * M->input_size * RB);
        btgs = xalloc((size_t)o.batch * M->output_size * RB);
        o.train_acc = 0;    /* no per-sample loss in train mode */
    }
    if (o.load) {
        char err[512];
        if (cnngen_load_safetensors(M, params, o.load, err, sizeof err) != 0)
            die("%s", err);
        printf("loaded weights from %s\n", o.load);
    } else {
        M->init(params, o.seed);
    }
    pool_start(o.threads);
    pool.train_acc = o.train_acc;

    if (o.epochs > 0)
        printf("training: %d epochs, batch %d, lr %g (%s), momentum %g, weight decay %g, "
               "seed %lu, %d threads\n", o.epochs, o.batch, o.lr, o.schedule, o.momentum,
               o.weight_decay, (unsigned long)o.seed, o.threads);
    int *order = malloc(((size_t)train.n + 1) * sizeof *order);
    if (!order)
        die("out of memory");
    for (int i = 0; i < train.n; i++)
        order[i] = i;
    uint64_t rs = o.seed ^ 0x5eed5eed5eedULL;
    long steps_per_epoch = train.n ? (train.n + o.batch - 1) / o.batch : 0;
    long total_steps = steps_per_epoch * o.epochs, step = 0;
    double train_start = now(), test_loss = 0, test_acc = 0;
    long seen_total = 0;

    for (int ep = 0; ep < o.epochs; ep++) {
        /* seeded Fisher-Yates shuffle (splitmix64) */
        for (int i = train.n - 1; i > 0; i--) {
            uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            z ^= z >> 31;
            int j = (int)(z % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double ep_start = now(), last_print = 0;
        double ep_loss = 0, win_loss = 0;
        long ep_correct = 0, win_correct = 0, win_n = 0, done = 0;
        long next_row = train.n / 10 > 0 ? train.n / 10 : 1, row_every = next_row;
        double lr = o.lr;
        for (int b0 = 0; b0 < train.n; b0 += o.batch) {
            int n = train.n - b0 < o.batch ? train.n - b0 : o.batch;
            lr = schedule_lr(&o, step, total_steps, ep);
            double bl = 0;
            long bc = 0;
            if (M->train_mode) {
                bl = train_mode_batch(params, gsum, &train, order + b0, n, bins, btgs, pool.w[0].ws);
            } else {
                pool.kind = JOB_TRAIN;
                pool.params = params;
                pool.ds = &train;
                pool.idx = order + b0;
                pool.n = n;
                run_job();
                for (int t = 0; t < pool.nthreads; t++) {
                    bl += pool.w[t].loss;
                    bc += pool.w[t].correct;
                }
            }
            if (!isfinite(bl))
                die("epoch %d step %ld: the loss is %g: diverged (try a smaller --lr)",
                    ep + 1, step, bl);
            sgd_step(params, vel, gsum, n, &o, lr, !M->train_mode);
            step++;
            done += n;
            seen_total += n;
            ep_loss += bl; win_loss += bl;
            ep_correct += bc; win_correct += bc;
            win_n += n;
            double t = now(), el = t - ep_start;
            double rate = done / (el > 1e-9 ? el : 1e-9);
            double eta = (train.n - done) / rate + (double)(o.epochs - ep - 1) * train.n / rate;
            if (done >= next_row || done == train.n) {
                Point p = {0, ep + (double)done / train.n, seen_total, lr, win_loss / win_n,
                           (double)win_correct / win_n, 0, 0, t - train_start};
                add_point(p);
                if (!tty)
                    progress(0, ep + 1, o.epochs, done, train.n, win_loss / win_n,
                             (double)win_correct / win_n, o.train_acc, rate, eta);
                win_loss = 0; win_correct = 0; win_n = 0;
                while (next_row <= done)
                    next_row += row_every;
            }
            if (tty && (t - last_print > 0.2 || done == train.n)) {
                progress(1, ep + 1, o.epochs, done, train.n, ep_loss / done,
                         (double)ep_correct / done, o.train_acc, rate, eta);
                last_print = t;
            }
        }
        if (tty)
            putchar('\n');
        double ttime = now() - ep_start;
        evaluate(params, &test, &test_loss, &test_acc, NULL);
        Point p = {1, ep + 1.0, seen_total, lr, ep_loss / train.n,
                   (double)ep_correct / train.n, test_loss, test_acc, now() - train_start};
        add_point(p);
        printf("epoch %d/%d: train loss %.4f", ep + 1, o.epochs, ep_loss / train.n);
        if (o.train_acc)
            printf(" acc %.2f%%", 100.0 * ep_correct / train.n);
        printf(" | test loss %.4f acc %.2f%% | %.1f s (%.0f samples/s)\n", test_loss,
               100 * test_acc, ttime, train.n / ttime);
        fflush(stdout);
    }
    int *pred = NULL;
    if (o.epochs == 0 || o.predict) {
        if (o.predict && !(pred = malloc((size_t)test.n * sizeof *pred)))
            die("out of memory");
        evaluate(params, &test, &test_loss, &test_acc, pred);
    }
    if (o.epochs > 0)
        printf("training time: %.1f s\n", now() - train_start);
    printf("test loss: %.4f\n", test_loss);
    printf("test accuracy: %.2f%%\n", 100 * test_acc);
    if (o.predict) {
        FILE *f = fopen(o.predict, "w");
        if (!f)
            die("%s: %s", o.predict, strerror(errno));
        for (int i = 0; i < test.n; i++)
            fprintf(f, "%d\n", pred[i]);
        if (fclose(f) != 0)
            die("%s: write error", o.predict);
    }
    if (o.save) {
        if (cnngen_save_safetensors(M, params, o.save) != 0)
            die("%s: cannot write: %s", o.save, strerror(errno));
        printf("saved weights to %s\n", o.save);
    }
    if (o.csv) {
        write_csv(o.csv, o.train_acc);
        printf("wrote %s\n", o.csv);
    }
    if (o.svg) {
        write_svg(o.svg, o.train_acc);
        printf("wrote %s\n", o.svg);
    }
    pool_stop();
    free(pred); free(order); free(params); free(vel); free(gsum); free(curve);
    free(bins); free(btgs); free(buffer_mask);
    free(train.pix); free(train.label); free(test.pix); free(test.label);
    free(o.train_images); free(o.train_labels); free(o.test_images); free(o.test_labels);
    return 0;
}
