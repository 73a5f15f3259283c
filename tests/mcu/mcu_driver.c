/* mcu_driver.c - runs one generated network on a Cortex-M4 (QEMU mps2-an386, with
 * examples/cortex-m4's startup and linker script) or on the host, the same way, so that
 * tests/suite_mcu.sh can compare the two and bench/mcu.sh can count instructions.
 *
 * Compile with the generated net.h on the include path and
 *   -DPFX=<prefix>            the generated symbols' prefix
 *   -DTRAIN                   a training build: also one P_train_batch step
 *   -DNOGRAD                  ... of one sample with grad == NULL (the update in place,
 *                             no gradient buffer: on-device fine-tuning)
 *   -DWEIGHTS                 the parameters start from P_weights (cnngen --weights; the
 *                             frozen ones are const data, P_frozen), not P_init
 * Parameters come from P_init(params, 1) (or P_weights), inputs and targets from a fixed
 * LCG, so no file is read. It prints, one per line, with reals as the hex of their bits:
 *   out K HEX        the forward output
 *   loss HEX         the train_batch loss (float64 bits)
 *   p K HEX          every stride-th parameter after the step (at most 2048 lines)
 *   ram params N workspace N grad N
 *   stack fwd N train N   (bytes below main's frame, from a painted stack; M4 only)
 * and on the M4 calls cnngen_mark() around each measured call (the QEMU plugin
 * tools/qemu/insn_count.c records the instruction count at each mark): two marks in a
 * row (the marks' own cost), then forward between marks 2 and 3, then two in a row,
 * then the train step between marks 6 and 7 (training builds), then P_init between the
 * last two marks (after two in a row).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cnngen_rt.h"
#include "net.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define SYM(x) CAT(PFX, x)
typedef SYM(_real) real;

static SYM(_params) params;
static SYM(_workspace) ws;
#ifdef TRAIN
#ifdef NOGRAD
#define BATCH 1
#define GRAD NULL
#else
static SYM(_grad) grad;
#define GRAD (&grad)
#endif
#ifndef BATCH
#define BATCH (SYM(_MAX_BATCH) >= 2 ? 2 : 1)
#endif
static real xs[BATCH * SYM(_INPUT_SIZE)], ts[BATCH * SYM(_OUTPUT_SIZE)];
#else
static real xs[SYM(_INPUT_SIZE)];
#endif
static real ys[SYM(_OUTPUT_SIZE)];
extern const cnngen_model SYM(_model);

#if defined(__arm__)
__attribute__((noinline)) void cnngen_mark(void) { __asm__ volatile("" ::: "memory"); }

#define PAINT_BYTES (48 * 1024)
#define PAINT 0xC5C5C5C5u
static uint32_t *paint_lo;
static uintptr_t sp_main;

static uintptr_t sp_now(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* fills the PAINT_BYTES below this function's frame with PAINT (nothing of its own lives
 * below its stack pointer: no interrupts run) */
__attribute__((noinline)) static void paint(void)
{
    volatile uint32_t *p = (volatile uint32_t *)(sp_now() & ~(uintptr_t)7);
    paint_lo = (uint32_t *)((uintptr_t)p - PAINT_BYTES);
    while ((uint32_t *)p > paint_lo)
        *--p = PAINT;
}

/* bytes of stack used below main's frame since paint() */
static long stack_used(void)
{
    uint32_t *p = paint_lo;
    while (p < (uint32_t *)sp_main && *p == PAINT)
        p++;
    return (long)(sp_main - (uintptr_t)p);
}
#else
static void cnngen_mark(void) {}
static void paint(void) {}
static long stack_used(void) { return -1; }
#endif

static uint32_t lcg = 12345u;
static double urand(void)   /* [0, 1) */
{
    lcg = lcg * 1664525u + 1013904223u;
    return (double)(lcg >> 8) / 16777216.0;
}

static void put(const char *what, long k, real v)
{
    if (sizeof(real) == 8) {
        uint64_t u;
        memcpy(&u, &v, 8);
        printf("%s %ld %08lx%08lx\n", what, k, (unsigned long)(u >> 32), (unsigned long)(u & 0xffffffffu));
    } else {
        uint32_t u;
        memcpy(&u, &v, 4);
        printf("%s %ld %08lx\n", what, k, (unsigned long)u);
    }
}

int main(void)
{
    long stack_fwd, stack_train = 0;
#if defined(__arm__)
    sp_main = sp_now();
#endif
#ifdef WEIGHTS
    params = SYM(_weights);
#else
    SYM(_init)(&params, 1);
#endif
    for (int i = 0; i < SYM(_INPUT_SIZE); i++)
        xs[i] = (real)(2.0 * urand() - 1.0);
    cnngen_mark();
    cnngen_mark();
    paint();
    cnngen_mark();
    SYM(_forward)(&params, xs, ys, &ws);
    cnngen_mark();
    stack_fwd = stack_used();
    for (int k = 0; k < SYM(_OUTPUT_SIZE); k++)
        put("out", k, ys[k]);
#ifdef TRAIN
    {
        const cnngen_model *m = &SYM(_model);
        int one_hot = m->loss == CNNGEN_LOSS_SOFTMAX_CE || m->loss == CNNGEN_LOSS_CE;
        double loss;
        uint64_t u;
        const real *pp = (const real *)(const void *)&params;
        long np = (long)SYM(_NUM_PARAMS), stride = np > 2048 ? (np + 2047) / 2048 : 1;
        for (int i = 0; i < BATCH * SYM(_INPUT_SIZE); i++)
            xs[i] = (real)(2.0 * urand() - 1.0);
        for (int s = 0; s < BATCH; s++) {
            int c = (int)(urand() * SYM(_OUTPUT_SIZE));
            for (int k = 0; k < SYM(_OUTPUT_SIZE); k++)
                ts[s * SYM(_OUTPUT_SIZE) + k] = one_hot ? (real)(k == c) : (real)urand();
        }
        cnngen_mark();
        cnngen_mark();
        paint();
        cnngen_mark();
        loss = SYM(_train_batch)(&params, xs, ts, BATCH, (real)0.05, GRAD, &ws);
        cnngen_mark();
        stack_train = stack_used();
        memcpy(&u, &loss, 8);
        printf("loss %08lx%08lx\n", (unsigned long)(u >> 32), (unsigned long)(u & 0xffffffffu));
        for (long k = 0; k < np; k += stride)
            put("p", k, pp[k]);
#ifdef NOGRAD
        printf("ram params %lu workspace %lu grad 0\n", (unsigned long)sizeof params,
               (unsigned long)sizeof ws);
#else
        printf("ram params %lu workspace %lu grad %lu\n", (unsigned long)sizeof params,
               (unsigned long)sizeof ws, (unsigned long)sizeof grad);
#endif
    }
#else
    printf("ram params %lu workspace %lu grad 0\n", (unsigned long)sizeof params,
           (unsigned long)sizeof ws);
#endif
    printf("stack fwd %ld train %ld\n", stack_fwd, stack_train);
    /* P_init between the last two marks */
    cnngen_mark();
    cnngen_mark();
    cnngen_mark();
    SYM(_init)(&params, 2);
    cnngen_mark();
    return 0;
}
