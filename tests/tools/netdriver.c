/* netdriver.c - a generic test driver for any cnngen-generated network.
 *
 * Build it together with a generated net.c, naming the model descriptor:
 *
 *   cc -O1 -std=c99 -I<dir of net.h> -DMODEL=<prefix>_model \
 *      tests/tools/netdriver.c <dir>/net.c $(cnngen --cflags) $(cnngen --libs) -lm
 *
 * Usage: netdriver DIR N LR
 *
 * It talks to the PyTorch cross-check (tests/torchref/check_numerics.py) through raw
 * little-endian files in DIR. Reals are float32 or float64 as model->dtype_bytes says;
 * losses are always written as float64.
 *
 *   reads   params.bin     every tensor's reals, back to back in tensors table order (the
 *                          flat P_params; a --weights build's frozen tensors, const data
 *                          outside P_params, are in the file too and not read),
 *           or params.safetensors  (then writes loaded.bin: P_params as read)
 *           input.bin      input_size reals (one sample)
 *           target.bin     output_size reals                     (models with a loss)
 *           batch_in.bin   N * input_size reals                  (models with a loss)
 *           batch_tg.bin   N * output_size reals                 (models with a loss)
 *   writes  model.txt      the descriptor: sizes, dtype, loss, tensors table
 *           output.bin     forward(params, input)
 *           loss.bin       backward(...) return value (float64)
 *           grad.bin       dL/dparams, from a zeroed grad
 *           grad_input.bin dL/dinput
 *           loss2.bin, grad2.bin   the same call with grad_input == NULL
 *           trained.bin    params after train_batch(params, batch, N, LR)
 *           inplace.bin    params after train_batch(params, input, 1, LR, grad NULL)
 *                          (P_MAX_BATCH 1 without train-mode layers: the update in place)
 *           gradients are written in P_params' layout, 0 where a tensor has none
 *           (grad_offset -1); the driver allocates exactly grad_bytes for them
 *           batch_loss.bin its return value (float64)
 *           init_a.bin, init_b.bin   init(params, 12345) twice; init_c.bin: seed 12346
 *
 * Everything the generated code should write itself (workspace, output, grad_input,
 * the grad of train_batch) is filled with NaN bytes first, so reading memory that the
 * generated code never wrote shows up as a mismatch instead of passing by luck.
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

/* The files hold every tensor back to back in table order (the flat P_params of most
 * builds; a --weights build with frozen parameters keeps those as const data, t->data,
 * outside P_params). layout: 0 a P_params (const tensors from their data), 1 a P_grad
 * (0 where a tensor has no gradient). Returns the reals, *out (if not NULL) receives
 * the malloc'd bytes. */
static size_t elems_of(const cnngen_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= (size_t)t->shape[d];
    return n;
}

static size_t gather(const cnngen_model *m, const void *src, int layout, char **out)
{
    size_t rb = (size_t)m->dtype_bytes, at = 0, total = 0;
    for (int i = 0; i < m->ntensors; i++)
        total += elems_of(&m->tensors[i]);
    if (!out)
        return total;
    *out = calloc(total ? total * rb : 1, 1);
    if (!*out) { fprintf(stderr, "netdriver: out of memory\n"); exit(2); }
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        size_t n = elems_of(t);
        if (layout == 1 && t->grad_offset >= 0)
            memcpy(*out + at * rb, (const char *)src + (size_t)t->grad_offset * rb, n * rb);
        else if (layout == 0)
            memcpy(*out + at * rb, t->data ? (const char *)t->data
                                           : (const char *)src + t->offset * rb, n * rb);
        at += n;
    }
    return total;
}


static const char *dir;

static void die(const char *what, const char *file)
{
    fprintf(stderr, "netdriver: %s %s/%s\n", what, dir, file);
    exit(2);
}

static void *xalloc(size_t n)
{
    /* at least one byte; NaN-filled (0xff bytes are a NaN in float32 and float64) */
    void *p = malloc(n ? n : 1);
    if (!p) { fprintf(stderr, "netdriver: out of memory\n"); exit(2); }
    memset(p, 0xff, n ? n : 1);
    return p;
}

static void read_file(const char *name, void *dst, size_t bytes)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f) die("cannot open", name);
    if (bytes && fread(dst, 1, bytes, f) != bytes) die("short read of", name);
    if (fgetc(f) != EOF) die("trailing bytes in", name);
    fclose(f);
}

static void write_file(const char *name, const void *src, size_t bytes)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f) die("cannot create", name);
    if (bytes && fwrite(src, 1, bytes, f) != bytes) die("cannot write", name);
    if (fclose(f) != 0) die("cannot write", name);
}

/* writes params (layout 0) or a gradient (1) as the files hold them */
static void write_tensors(const cnngen_model *m, const char *name, const void *src, int layout)
{
    char *buf;
    size_t n = gather(m, src, layout, &buf);
    write_file(name, buf, n * (size_t)m->dtype_bytes);
    free(buf);
}

/* reads a params file into P_params (the const tensors' values are compiled in) */
static void read_tensors(const cnngen_model *m, const char *name, void *params)
{
    size_t rb = (size_t)m->dtype_bytes, n = gather(m, NULL, 0, NULL), at = 0;
    char *buf = malloc(n ? n * rb : 1);
    if (!buf) { fprintf(stderr, "netdriver: out of memory\n"); exit(2); }
    read_file(name, buf, n * rb);
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        if (!t->data)
            memcpy((char *)params + t->offset * rb, buf + at * rb, elems_of(t) * rb);
        at += elems_of(t);
    }
    free(buf);
}

static void write_model_txt(const cnngen_model *m)
{
    char path[4096];
    FILE *f;
    int i, j;
    snprintf(path, sizeof path, "%s/model.txt", dir);
    f = fopen(path, "w");
    if (!f) die("cannot create", "model.txt");
    fprintf(f, "name %s\n", m->name ? m->name : "(null)");
    fprintf(f, "dtype_bytes %d\n", m->dtype_bytes);
    fprintf(f, "input %d %d %d\n", m->input_c, m->input_h, m->input_w);
    fprintf(f, "input_size %lu\n", (unsigned long)m->input_size);
    fprintf(f, "output_size %lu\n", (unsigned long)m->output_size);
    fprintf(f, "num_params %lu\n", (unsigned long)m->num_params);
    fprintf(f, "params_bytes %lu\n", (unsigned long)m->params_bytes);
    fprintf(f, "workspace_bytes %lu\n", (unsigned long)m->workspace_bytes);
    fprintf(f, "loss %d\n", m->loss);
    fprintf(f, "has_backward %d\n", m->backward != NULL);
    fprintf(f, "has_train_batch %d\n", m->train_batch != NULL);
    fprintf(f, "has_sgd %d\n", m->sgd != NULL);
    fprintf(f, "has_init %d\n", m->init != NULL);
    fprintf(f, "max_batch %d\n", m->max_batch);
    fprintf(f, "train_mode %d\n", m->train_mode);
    fprintf(f, "grad_bytes %lu\n", (unsigned long)m->grad_bytes);
    fprintf(f, "ntensors %d\n", m->ntensors);
    for (i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        fprintf(f, "tensor %s %lu %d", t->name ? t->name : "(null)",
                (unsigned long)t->offset, t->ndim);
        for (j = 0; j < t->ndim && j < 4; j++) fprintf(f, " %d", t->shape[j]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0) die("cannot write", "model.txt");
}

int main(int argc, char **argv)
{
    const cnngen_model *m = &MODEL;
    size_t rb, pbytes, in_bytes, out_bytes;
    void *params, *ws, *output;
    int n;
    double lr;

    if (argc != 4) {
        fprintf(stderr, "usage: netdriver DIR N LR\n");
        return 2;
    }
    dir = argv[1];
    n = atoi(argv[2]);
    lr = atof(argv[3]);
    write_model_txt(m);
    if (m->dtype_bytes != 4 && m->dtype_bytes != 8) {
        fprintf(stderr, "netdriver: dtype_bytes is %d\n", m->dtype_bytes);
        return 3;
    }
    rb = (size_t)m->dtype_bytes;
    pbytes = m->num_params * rb;
    if (m->params_bytes < pbytes) {
        fprintf(stderr, "netdriver: params_bytes %lu < num_params * %lu\n",
                (unsigned long)m->params_bytes, (unsigned long)rb);
        return 3;
    }
    in_bytes = m->input_size * rb;
    out_bytes = m->output_size * rb;

    params = xalloc(m->params_bytes);
    ws = xalloc(m->workspace_bytes);
    output = xalloc(out_bytes);
    if (m->init) {                  /* init twice with one seed, once with another */
        m->init(params, 12345);
        write_tensors(m, "init_a.bin", params, 0);
        memset(params, 0xff, m->params_bytes);
        m->init(params, 12345);
        write_tensors(m, "init_b.bin", params, 0);
        m->init(params, 12346);
        write_tensors(m, "init_c.bin", params, 0);
    }
    {   /* params.safetensors (PyTorch's names; an inference build folds batchnorms as
         * it reads them), else the flat params.bin */
        char path[4096], err[512];
        FILE *st;
        snprintf(path, sizeof path, "%s/params.safetensors", dir);
        st = fopen(path, "rb");
        if (st) {
            fclose(st);
            if (cnngen_load_safetensors(m, params, path, err, sizeof err) != 0) {
                fprintf(stderr, "netdriver: %s\n", err);
                return 3;
            }
            write_tensors(m, "loaded.bin", params, 0);
        } else {
            read_tensors(m, "params.bin", params);
        }
    }
    {
        void *input = xalloc(in_bytes);
        read_file("input.bin", input, in_bytes);
        m->forward(params, input, output, ws);
        write_file("output.bin", output, out_bytes);

        if (m->backward) {
            void *target = xalloc(out_bytes);
            void *grad = xalloc(m->grad_bytes);
            void *grad_input = xalloc(in_bytes);
            double loss;
            read_file("target.bin", target, out_bytes);

            memset(grad, 0, m->grad_bytes);
            memset(ws, 0xff, m->workspace_bytes);
            loss = m->backward(params, input, target, grad, grad_input, ws);
            write_file("loss.bin", &loss, sizeof loss);
            write_tensors(m, "grad.bin", grad, 1);
            write_file("grad_input.bin", grad_input, in_bytes);

            memset(grad, 0, m->grad_bytes);
            memset(ws, 0xff, m->workspace_bytes);
            loss = m->backward(params, input, target, grad, NULL, ws);
            write_file("loss2.bin", &loss, sizeof loss);
            write_tensors(m, "grad2.bin", grad, 1);

            if (m->max_batch == 1 && !m->train_mode && m->train_batch) {
                void *pc = xalloc(m->params_bytes);
                memcpy(pc, params, m->params_bytes);
                memset(ws, 0xff, m->workspace_bytes);
                loss = m->train_batch(pc, input, target, 1, lr, NULL, ws);
                write_tensors(m, "inplace.bin", pc, 0);
                write_file("inplace_loss.bin", &loss, sizeof loss);
                free(pc);
            }
            free(target); free(grad); free(grad_input);
        }
        free(input);
    }

    char bpath[4096];
    snprintf(bpath, sizeof bpath, "%s/batch_in.bin", dir);
    FILE *bf = fopen(bpath, "rb");              /* written for nets with a loss */
    if (bf)
        fclose(bf);
    if (n > 0 && m->forward_batch && bf) {
        /* P_forward_batch of the batch (up to max_batch samples) and the same samples
         * through P_forward one by one: the contract is the same bits */
        int nb = n <= m->max_batch ? n : m->max_batch;
        char *bin = xalloc(in_bytes * (size_t)n);
        char *ob = xalloc(out_bytes * (size_t)nb), *oe = xalloc(out_bytes * (size_t)nb);
        read_file("batch_in.bin", bin, in_bytes * (size_t)n);
        memset(ws, 0xff, m->workspace_bytes);
        m->forward_batch(params, bin, ob, nb, ws);
        for (int s = 0; s < nb; s++) {
            memset(ws, 0xff, m->workspace_bytes);
            m->forward(params, bin + (size_t)s * in_bytes, oe + (size_t)s * out_bytes, ws);
        }
        write_file("fwd_batch.bin", ob, out_bytes * (size_t)nb);
        write_file("fwd_each.bin", oe, out_bytes * (size_t)nb);
        free(bin); free(ob); free(oe);
    }

    if (m->backward && m->train_batch && n > 0) {
        void *bin = xalloc(in_bytes * (size_t)n);
        void *btg = xalloc(out_bytes * (size_t)n);
        void *grad = xalloc(m->grad_bytes);         /* train_batch zeroes it itself */
        double loss;
        read_file("batch_in.bin", bin, in_bytes * (size_t)n);
        read_file("batch_tg.bin", btg, out_bytes * (size_t)n);
        memset(ws, 0xff, m->workspace_bytes);
        loss = m->train_batch(params, bin, btg, n, lr, grad, ws);
        write_tensors(m, "trained.bin", params, 0);
        write_file("batch_loss.bin", &loss, sizeof loss);
        free(bin); free(btg); free(grad);
    }
    free(params); free(ws); free(output);
    return 0;
}
