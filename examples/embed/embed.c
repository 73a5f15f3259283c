/* embed.c - inference as an embedded program would do it: the generated inference-only
 * code, the weights compiled in as const data (cnngen --weights), and static memory
 * only (no malloc anywhere in this file or the generated code).
 *
 * Build (the Makefile here does this):
 *   cnngen SPEC --inference-only --weights W.safetensors -o build/net.c
 *   cc -std=c99 -O2 -DNET=lenet5 -Ibuild embed.c build/net.c $(cnngen --cflags) $(cnngen --libs)
 *
 * Usage:
 *   embed [-p] [IMAGES.idx]   classifies every image of an uncompressed IDX image file
 *                             (MNIST format; standard input when no file is given),
 *                             one image at a time, and prints one class a line
 *                             (-p: then the output probabilities)
 *   embed --info              sizes: parameters, workspace and buffers, in bytes
 *
 * Images are scaled to [0, 1] and centred in the network's input as the trainer does
 * (zero padding, 28x28 -> 32x32 for LeNet-5, or a centre crop), so the predictions
 * are the trainer's for the same weights.
 */
#include <stdio.h>
#include <string.h>

#include "net.h"

#ifndef NET
#error "compile with -DNET=<prefix> (the spec's name)"
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SYM(x) CAT(NET, x)
#define STR2(x) #x
#define STR(x) STR2(x)

#ifndef MAX_PIXELS
#define MAX_PIXELS 4096                      /* largest image accepted (rows * cols) */
#endif

static SYM(_workspace) ws;                   /* the only working memory: static */
static SYM(_real) input[SYM(_INPUT_SIZE)];
static SYM(_real) output[SYM(_OUTPUT_SIZE)];
static unsigned char image[MAX_PIXELS];

static unsigned long be32(const unsigned char *b)
{
    return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

/* image (h x w bytes) -> input: every channel the same grey image, centred */
static void place(int h, int w)
{
    const int C = SYM(_INPUT_C), H = SYM(_INPUT_H), W = SYM(_INPUT_W);
    int oy = (H - h) / 2, ox = (W - w) / 2;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int sy = y - oy, sx = x - ox;
                input[(c * H + y) * W + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w)
                    ? (SYM(_real))(image[sy * w + sx] / 255.0) : (SYM(_real))0;
            }
}

static int classify(FILE *f, const char *name, int probs)
{
    unsigned char hdr[16];
    if (fread(hdr, 1, 16, f) != 16 || hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 ||
        hdr[3] != 3) {
        fprintf(stderr, "embed: %s: not an uncompressed IDX file of unsigned-byte images "
                "(magic 00 00 08 03)\n", name);
        return 1;
    }
    unsigned long n = be32(hdr + 4), h = be32(hdr + 8), w = be32(hdr + 12);
    if (h == 0 || w == 0 || h > 65535 || w > 65535 || h * w > MAX_PIXELS) {
        fprintf(stderr, "embed: %s: images of %lux%lu pixels (at most %d pixels)\n", name,
                h, w, MAX_PIXELS);
        return 1;
    }
    for (unsigned long i = 0; i < n; i++) {
        if (fread(image, 1, h * w, f) != h * w) {
            fprintf(stderr, "embed: %s: truncated at image %lu of %lu\n", name, i, n);
            return 1;
        }
        place((int)h, (int)w);
        SYM(_forward)(&SYM(_weights), input, output, &ws);
        int best = 0;
        for (int k = 1; k < SYM(_OUTPUT_SIZE); k++)
            if (output[k] > output[best])
                best = k;
        printf("%d", best);
        if (probs)
            for (int k = 0; k < SYM(_OUTPUT_SIZE); k++)
                printf(" %.9g", (double)output[k]);
        putchar('\n');
    }
    return 0;
}

int main(int argc, char **argv)
{
    int probs = 0, i = 1;
    if (argc == 2 && strcmp(argv[1], "--info") == 0) {
        printf("network:          %s\n", STR(NET));
        printf("input:            %dx%dx%d\n", SYM(_INPUT_C), SYM(_INPUT_H), SYM(_INPUT_W));
        printf("parameters:       %d (%lu bytes, const)\n", SYM(_NUM_PARAMS),
               (unsigned long)sizeof SYM(_weights));
        printf("workspace:        %lu bytes (static)\n", (unsigned long)sizeof ws);
        printf("input/output:     %lu bytes (static)\n",
               (unsigned long)(sizeof input + sizeof output));
        printf("image buffer:     %lu bytes (static)\n", (unsigned long)sizeof image);
        return 0;
    }
    if (i < argc && strcmp(argv[i], "-p") == 0) {
        probs = 1;
        i++;
    }
    if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        fprintf(stderr, "usage: embed [-p] [IMAGES.idx] | embed --info\n");
        return 2;
    }
    if (i + 1 < argc) {
        fprintf(stderr, "usage: embed [-p] [IMAGES.idx] | embed --info\n");
        return 2;
    }
    if (i == argc || strcmp(argv[i], "-") == 0)
        return classify(stdin, "standard input", probs);
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
        fprintf(stderr, "embed: cannot open %s\n", argv[i]);
        return 1;
    }
    int rc = classify(f, argv[i], probs);
    fclose(f);
    return rc;
}
