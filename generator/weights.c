/* weights.c - `--weights FILE.safetensors`: the parameters compiled into the generated
 * code as const data, for programs that embed inference with no file I/O at all.
 *
 * The file is read and checked by the runtime's own loader (runtime/safetensors.c,
 * linked into cnngen): every tensor "<layer>.weight" / "<layer>.bias" present with
 * the net's dtype and shape, nothing extra, a sound layout. The values are then
 * written as an initializer of the generated P_params, in member order:
 *
 *   net.c:  const P_params P_weights = { {conv1.weight...}, {conv1.bias...}, ... };
 *   net.h:  extern const P_params P_weights;
 *
 * Floats are printed with 9 significant digits (17 for doubles), which reproduce
 * every value bit for bit. NaN or infinite values are an error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen.h"
#include "../runtime/cnngen_rt.h"

/* one real as a C constant that reads back to exactly the same value */
static void put_real(Buf *b, double v, int dbl)
{
    char s[40];
    snprintf(s, sizeof s, dbl ? "%.17g" : "%.9g", v);
    if (!strpbrk(s, ".eE"))
        strcat(s, ".0");
    buf_puts(b, s);
    if (!dbl)
        buf_putc(b, 'f');
}

/* the net's parameter tensors, as the generated descriptor lists them */
static int net_tensors(const Net *net, cnngen_tensor *t, char (*names)[MAX_NAME + 16])
{
    int n = 0;
    long long off = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc td[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, td);
        for (int k = 0; k < nt; k++, n++) {
            snprintf(names[n], MAX_NAME + 16, "%s.%s", l->name, td[k].what);
            t[n].name = names[n];
            t[n].offset = (size_t)off;
            t[n].ndim = td[k].ndim;
            for (int j = 0; j < td[k].ndim; j++)
                t[n].shape[j] = (int)td[k].dim[j];
            off += td[k].n;
        }
    }
    return n;
}

int weights_emit(const Net *net, const char *prefix, const char *path, Buf *c, Buf *h)
{
    const char *P = prefix ? prefix : net->name;
    int dbl = net->dtype == DT_F64, rb = real_bytes(net->dtype);
    long long nparams = 0;
    for (int i = 0; i < net->nlayers; i++)
        nparams += net->layers[i].params;

    cnngen_tensor *t = calloc((size_t)MAX_LAYER_TENSORS * net->nlayers + 1, sizeof *t);
    char (*names)[MAX_NAME + 16] = calloc((size_t)MAX_LAYER_TENSORS * net->nlayers + 1, sizeof *names);
    void *vals = malloc((size_t)(nparams ? nparams : 1) * (size_t)rb);  /* reals */
    const float *vf = vals;
    const double *vd = vals;
    if (!t || !names || !vals) {
        fprintf(stderr, "cnngen: out of memory reading %s\n", path);
        free(t); free(names); free(vals);
        return -1;
    }
    cnngen_model m;
    memset(&m, 0, sizeof m);
    m.name = net->name;
    m.dtype_bytes = rb;
    m.num_params = (size_t)nparams;
    m.ntensors = net_tensors(net, t, names);
    m.tensors = t;
    /* batchnorms folded in (--inference-only): the reader folds PyTorch's tensors */
    cnngen_fold *folds = calloc((size_t)net->nlayers + 1, sizeof *folds);
    if (!folds) {
        fprintf(stderr, "cnngen: out of memory reading %s\n", path);
        free(t); free(names); free(vals);
        return -1;
    }
    for (int i = 0, at = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc td[MAX_LAYER_TENSORS];
        if (l->fold_bn[0])      /* weight and bias are its first two tensors */
            folds[m.nfolds++] = (cnngen_fold){l->fold_bn, at, at + 1, l->fold_had_bias,
                                              l->fold_affine, l->fold_eps};
        at += layer_tensors(l, td);
    }
    m.folds = folds;

    char err[512];
    int rc = -1;
    if (cnngen_load_safetensors(&m, vals, path, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: --weights %s\n", err);
        goto out;
    }
    for (long long i = 0; i < nparams; i++) {
        double v = dbl ? vd[i] : vf[i];
        if (!isfinite(v)) {
            for (int k = m.ntensors - 1; k >= 0; k--)
                if ((long long)t[k].offset <= i) {
                    fprintf(stderr, "cnngen: --weights %s: tensor %s holds %s at element %lld\n",
                            path, t[k].name, isnan(v) ? "NaN" : "an infinity",
                            i - (long long)t[k].offset);
                    break;
                }
            goto out;
        }
    }

    /* net.c: the definition, one brace group per P_params member, before the file's
     * last line (which closes the part a dispatch pass skips; dispatch.c) */
    static const char tail[] = "#endif /* PFX_PASS */\n";
    char tailp[MAX_NAME + sizeof tail];
    snprintf(tailp, sizeof tailp, "#endif /* %s_PASS */\n", P);
    size_t tl = strlen(tailp);
    int had_tail = c->len >= tl && memcmp(c->data + c->len - tl, tailp, tl) == 0;
    if (had_tail) {
        c->len -= tl;
        c->data[c->len] = 0;
    }
    buf_printf(c, "\n/* ================================================================ weights */\n");
    buf_printf(c, "/* Parameters from %s (cnngen --weights), as const data. */\n",
               path);
    /* with frozen_const, the frozen tensors go to P_frozen (pass 1), the rest to P_weights */
    int *cst = calloc((size_t)m.ntensors + 1, sizeof *cst), ncst = 0;
    if (!cst) {
        fprintf(stderr, "cnngen: out of memory reading %s\n", path);
        goto out;
    }
    for (int i = 0, k = 0; i < net->nlayers; i++) {
        TensorDesc td[MAX_LAYER_TENSORS];
        int nt = layer_tensors(&net->layers[i], td);
        for (int j = 0; j < nt; j++, k++)
            ncst += cst[k] = tensor_const(net, &net->layers[i], &td[j]);
    }
    for (int pass = 0; pass < 1 + (ncst > 0); pass++) {
    int any = 0;
    if (pass)
        buf_printf(c, "\n/* The frozen parameters (trainable:), from %s: const data (flash). */\n"
                   "const %s_frozen_params %s_frozen = {\n", path, P, P);
    else
        buf_printf(c, "const %s_params %s_weights = {\n", P, P);
    for (int k = 0; k < m.ntensors; k++) {
        const cnngen_tensor *tk = &t[k];
        size_t n = 1;
        if (cst[k] != pass)
            continue;
        any = 1;
        buf_printf(c, "    /* %s [", tk->name);
        for (int d = 0; d < tk->ndim; d++) {
            buf_printf(c, d ? ", %d" : "%d", tk->shape[d]);
            n *= (size_t)tk->shape[d];
        }
        buf_printf(c, "] */\n    {");
        for (size_t i = 0; i < n; i++) {
            size_t at = tk->offset + i;
            buf_puts(c, i % 8 == 0 ? "\n        " : " ");
            put_real(c, dbl ? vd[at] : vf[at], dbl);
            buf_putc(c, ',');
        }
        buf_printf(c, "\n    },\n");
    }
    if (!any)
        buf_printf(c, "    0  /* no parameters */\n");
    buf_printf(c, "};\n");
    }
    free(cst);
    if (had_tail)
        buf_puts(c, tailp);

    /* net.h: the declaration, inside the include guard and extern "C" block: before
     * the header's closing `#ifdef __cplusplus` */
    {
        char decl[256];
        snprintf(decl, sizeof decl, "/* The weights compiled in by --weights. */\n"
                 "extern const %s_params %s_weights;\n\n", P, P);
        const char *close = NULL, *s = h->data;
        for (const char *q = s; q && (q = strstr(q, "#ifdef __cplusplus")) != NULL; q++)
            close = q;
        if (!close) {
            fprintf(stderr, "cnngen: --weights: cannot place the declaration in the header\n");
            goto out;
        }
        size_t at = (size_t)(close - s);
        Buf nh = {0};
        for (size_t i = 0; i < at; i++)
            buf_putc(&nh, h->data[i]);
        buf_puts(&nh, decl);
        for (size_t i = at; i < h->len; i++)
            buf_putc(&nh, h->data[i]);
        buf_free(h);
        *h = nh;
    }
    rc = 0;
out:
    free(t);
    free(names);
    free(vals);
    free(folds);
    return rc;
}
