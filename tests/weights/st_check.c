/* st_check.c - the C side of tests/suite_weights.sh, built with a generated net.c:
 *   cc -DMODEL=lenet5_model st_check.c net.c $(cnngen --cflags) $(cnngen --libs)
 *
 *   st_check forward W.safetensors IN.bin OUT.bin
 *       loads W, runs P_forward on every sample of IN (raw reals, little-endian as
 *       the host), writes the outputs to OUT
 *   st_check save SEED W.safetensors FLAT.bin
 *       P_init(SEED), saves it as W, and dumps the flat P_params to FLAT
 *   st_check roundtrip SEED W.safetensors
 *       P_init(SEED), save, load into a second buffer: must be bit-identical
 *   st_check reject W.safetensors
 *       loading W must fail with a message, and leave the parameters untouched;
 *       prints the message; exit 0 when that holds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen_rt.h"

extern const cnngen_model MODEL;
static const cnngen_model *M = &MODEL;

static void *xcalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    if (!p) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return p;
}

int main(int argc, char **argv)
{
    char err[512];
    size_t pb = M->params_bytes, rb = (size_t)M->dtype_bytes;
    if (argc == 5 && strcmp(argv[1], "forward") == 0) {
        void *p = xcalloc(pb), *ws = xcalloc(M->workspace_bytes);
        void *in = xcalloc(M->input_size * rb), *out = xcalloc(M->output_size * rb);
        if (cnngen_load_safetensors(M, p, argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "load failed: %s\n", err);
            return 1;
        }
        FILE *fi = fopen(argv[3], "rb"), *fo = fopen(argv[4], "wb");
        if (!fi || !fo) {
            perror("open");
            return 2;
        }
        int n = 0;
        while (fread(in, rb, M->input_size, fi) == M->input_size) {
            M->forward(p, in, out, ws);
            fwrite(out, rb, M->output_size, fo);
            n++;
        }
        fclose(fi);
        if (fclose(fo) != 0 || n == 0)
            return 2;
        printf("%d samples\n", n);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "save") == 0) {
        void *p = xcalloc(pb);
        M->init(p, strtoull(argv[2], NULL, 10));
        if (cnngen_save_safetensors(M, p, argv[3]) != 0) {
            perror(argv[3]);
            return 1;
        }
        FILE *f = fopen(argv[4], "wb");
        if (!f || fwrite(p, rb, M->num_params, f) != M->num_params || fclose(f) != 0)
            return 2;
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "roundtrip") == 0) {
        void *a = xcalloc(pb), *b = xcalloc(pb);
        M->init(a, strtoull(argv[2], NULL, 10));
        memset(b, 0x5a, pb);
        if (cnngen_save_safetensors(M, a, argv[3]) != 0) {
            perror(argv[3]);
            return 1;
        }
        if (cnngen_load_safetensors(M, b, argv[3], err, sizeof err) != 0) {
            fprintf(stderr, "load failed: %s\n", err);
            return 1;
        }
        int rc = memcmp(a, b, M->num_params * rb) != 0;
        if (rc)
            fprintf(stderr, "round trip changed the parameters\n");
        free(a);
        free(b);
        return rc;
    }
    if (argc == 3 && strcmp(argv[1], "reject") == 0) {
        unsigned char *p = xcalloc(pb), *copy = xcalloc(pb);
        for (size_t i = 0; i < pb; i++)
            p[i] = (unsigned char)(i * 131 + 7);
        memcpy(copy, p, pb);
        int rc = 0;
        if (cnngen_load_safetensors(M, p, argv[2], err, sizeof err) == 0) {
            fprintf(stderr, "accepted a bad file\n");
            rc = 1;
        } else if (memcmp(p, copy, pb) != 0) {
            fprintf(stderr, "rejected, but the parameters were changed: %s\n", err);
            rc = 1;
        } else if (err[0] == '\0') {
            fprintf(stderr, "rejected without a message\n");
            rc = 1;
        } else {
            printf("%s\n", err);
        }
        free(p);
        free(copy);
        return rc;
    }
    fprintf(stderr, "usage: st_check forward W IN OUT | save SEED W FLAT | roundtrip SEED W | reject W\n");
    return 2;
}
