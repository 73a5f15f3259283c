/* cnngen.h - the one internal header of the cnngen compiler.
 *
 * Stages, lowest first; a stage calls only stages below it (tests/suite_layering.sh
 * checks the objects' symbols):
 *   util.c diag.c   buffers, numbers, positioned diagnostics (FILE:LINE:COL: error:)
 *   csource.c       the generated C read back as a target compiles it (#if decided,
 *                   function definitions), for the Cortex-M models of budget.c, stack.c
 *   ir              the IR below (Net, Layer) and its helpers (util.c: init_rule,
 *                   layer_out_act); the template engine and the line emitter
 *                   (emit.c: emitf, emit_template, window geometry) are utilities
 *                   every unit's C emitter uses
 *   spec.c          YAML (libyaml document tree) -> Net (a Pos on every node)
 *   shape.c         shape inference driver, counts, receptive fields, warnings
 *   fold.c          --inference-only: batchnorm folded into the conv2d/dense before it
 *   schedule.c      per layer, once: unroll mode, fast paths, scratch
 *   plan.c          memory plan: parameter offsets and the workspace layout
 *   report.c budget.c stack.c stack_cc.c emit.c (the net writer) emit_pytorch.c weights.c
 *   dot.c limits.c  the outputs, each reading the IR, the schedule and the plan
 *   main.c          driver: options, reading the spec, dispatch, atomic output
 * and beside them, the layer kinds:
 *   ops/<kind>.c    one unit per layer kind: keys, shape rule, tensors, schedule facts,
 *                   description, C emitters, PyTorch (ops/TEMPLATE.c shows a whole
 *                   unit); ops/table.c THE table. Stages reach a kind only through
 *                   its OpDef row; no code outside ops/ switches on the kind.
 *
 * Sections below follow that order.
 */
#ifndef CNNGEN_H
#define CNNGEN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CNNGEN_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Hard limits (documented in the README "Limits" section). */
#define MAX_LAYERS        1024
#define MAX_DIM           65536        /* any single dimension (C, H, W, filters, units) */
#define MAX_TENSOR_ELEMS  (1LL << 28)  /* elements of any one activation tensor */
#define MAX_PARAMS        (1LL << 28)  /* total parameters */
#define MAX_NAME          64
#define MAX_ERRORS        20
#define MAX_WARN_PER_LAYER 8
#define MAX_LAYER_INPUTS  8            /* values one layer reads (add, concat) */
#define MAX_BATCH         4096         /* `batch:` (P_MAX_BATCH) */

/* ------------------------------------------------------------------ common */

typedef struct Pos { int line, col; } Pos; /* 1-based; {0,0} = unknown */

/* A growable byte buffer: generate into memory, write files only on success. */
typedef struct Buf { char *data; size_t len, cap; } Buf;
/* calloc that exits (status 2, "cnngen: out of memory") when there is none */
void *xcalloc(size_t n, size_t size);
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_free(Buf *b);
const char *buf_text(const Buf *b);     /* the text, "" for an empty Buf */
/* The text arena: n bytes (an empty string) that stay valid until text_free_all(),
 * which emit_c and the driver call when the text is written out. Hole values and
 * expression text (hnum, rlit, mfn, lx, act_expr) come from it. */
char *text_alloc(size_t n);
/* b's text moved into the text arena (b is freed) */
char *buf_to_text(Buf *b);
/* printf into the text arena */
char *text_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void text_free_all(void);
/* Decimal text of v (text_alloc'd): for hole values. */
const char *hnum(long long v);
/* "1,234,567" (buf: 32 bytes or more) */
const char *commas(long long v, char *buf);
/* "65536", "64K"/"64k"/"64KiB", "1M", "2G" (powers of 1024) -> bytes; -1 if bad
 * (the memory budgets: target: and --ram-limit / --flash-limit) */
long long parse_bytes(const char *s);
/* snprintf without gcc's -Wformat-truncation guesses (texts are bounded) */
void sfmt(char *dst, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* ------------------------------------------------------------------ diag.c */

typedef struct Diag {
    const char *file;     /* path as given on the command line */
    const char *src;      /* whole source text (for the source line + caret) */
    size_t src_len;
    int nerrors, nwarnings;
    int strict;           /* --strict: warnings become errors */
    int quiet_warnings;   /* do not print warnings (they still count) */
    FILE *out;            /* stderr */
} Diag;

void diag_init(Diag *d, const char *file, const char *src, size_t len);
/* Prints "FILE:LINE:COL: error: MSG", the source line and a caret. After
 * MAX_ERRORS errors it prints a note and further errors are counted, not shown. */
void error_at(Diag *d, Pos p, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A warning; under --strict it is printed and counted as an error. */
void warn_at(Diag *d, Pos p, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* "did you mean 'x'?" helper: the closest of cands[0..n) within edit distance
 * max(1, len/3), or NULL. */
const char *closest_word(const char *word, const char *const *cands, int n);

/* ------------------------------------------------------------------ IR */

typedef enum Act { ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_LEAKY_RELU, ACT_RELU6, ACT_COUNT } Act;

typedef enum PadMode { PAD_VALID, PAD_SAME, PAD_SAME_LOWER, PAD_EXPLICIT } PadMode;

typedef enum LossKind {
    LOSS_NONE, LOSS_SOFTMAX_CE, LOSS_CE, LOSS_MSE, LOSS_BCE
} LossKind;

typedef enum Dtype { DT_F32, DT_F64 } Dtype;
/* The target the figures of the budget and --report --stack model (`target: {arch}`,
 * --arch): x86-64 (the vector build, the default) or a Cortex-M4F (arm-none-eabi-gcc,
 * no float SIMD). The generated C is the same for both. */
typedef enum Arch { ARCH_X86_64, ARCH_CORTEX_M4 } Arch;

/* `trainable:` of a layer with parameters */
enum { TR_TRUE, TR_FALSE, TR_BIAS };

typedef enum Unroll { U_AUTO, U_FULL, U_KERNEL, U_NONE } Unroll;

/* The parts of a layer: each is one static function of the generated C (see emit.c):
 *   PART_FWD         in -> out (w, b: params; am: int32 argmax, written)
 *   PART_BWD_PARAMS  gw += dL/dweight, gb += dL/dbias from in and g (= dL/dout)
 *   PART_BWD_INPUT   gin = dL/din (overwritten) from g, w, in, out, am */
typedef enum Part { PART_FWD, PART_BWD_PARAMS, PART_BWD_INPUT } Part;

/* Spec fields a layer may carry; the per-kind tables list which are allowed. */
typedef enum Field {
    F_NONE = 0, F_TYPE, F_NAME, F_FILTERS, F_UNITS, F_KERNEL, F_SIZE, F_STRIDE,
    F_PADDING, F_DILATION, F_BIAS, F_ACTIVATION, F_ALPHA, F_CEIL_MODE,
    F_COUNT_INCLUDE_PAD, F_INPUT, F_INPUTS, F_GROUPS, F_MOMENTUM, F_EPS, F_AFFINE, F_RATE,
    F_TRAINABLE, F_COUNT
} Field;

/* A tensor shape. Vectors (after flatten, dense, global pools are C x 1 x 1
 * tensors) have vec = 1, c = length, h = w = 1. */
typedef struct Shape { int c, h, w; int vec; } Shape;
static inline long long shape_size(Shape s) { return (long long)s.c * s.h * s.w; }

typedef struct Layer {
    const struct OpDef *op;     /* its kind: the unit's row in op_table */
    int index;                  /* 1-based position in `layers:` */
    char name[MAX_NAME];        /* given, or the default "<type><k>" (see README) */
    int name_given;
    Pos pos;                    /* the layer's mapping node */
    Pos fpos[F_COUNT];          /* position of each field's VALUE node ({0,0}: absent) */

    /* ---- fields as written (defaults filled in by spec.c) */
    int filters, units;         /* conv2d / dense */
    int k[2];                   /* kernel (conv2d) or size (pools): [h, w] */
    int stride[2];              /* conv: 1; pools: = size */
    int dilation[2];            /* 1 */
    PadMode pad_mode;
    int pad_spec[4];            /* PAD_EXPLICIT: top, left, bottom, right */
    int ceil_mode;              /* pools */
    int count_include_pad;      /* avgpool */
    double alpha;               /* leaky_relu (0.01) */
    int bias;                   /* 1 */
    Act act;                    /* conv2d / dense fused activation */
    int groups;                 /* conv2d: 1; C/groups channels into filters/groups each */
    double momentum, eps;       /* batchnorm: 0.1, 1e-5 */
    int affine;                 /* batchnorm: 1 (weight and bias) */
    double rate;                /* dropout: 0.5 */
    int trainable;              /* TR_TRUE (default), TR_FALSE (frozen), TR_BIAS (only the bias learns) */

    /* ---- the graph: the values this layer reads, in order (VAL_INPUT: the network's
     * input; k >= 0: the output of layer k, always an earlier one: the layers are in
     * topological order). Today's specs make every layer read its predecessor. */
    int inputs[MAX_LAYER_INPUTS];
    int ninputs;
    int nreaders;               /* layers reading its output (shape.c) */
    /* as written: `input: NAME` or `inputs: [NAME, ...]` (spec.c resolves them into
     * inputs[]; none: the predecessor), each name's position */
    char input_name[MAX_LAYER_INPUTS][MAX_NAME];
    Pos input_pos[MAX_LAYER_INPUTS];
    int ninput_names;

    /* ---- inferred by shape.c / ops */
    Shape in, out;              /* in: the shape of inputs[0] */
    int pad[4];                 /* padding actually applied: top, left, bottom, right */
    long long nweight, nbias, params;   /* params = nweight + nbias + nbuffer */
    long long nbuffer;          /* non-trainable elements (batchnorm's running statistics) */
    long long macs;             /* forward multiply-accumulates per sample */
    int rf[2];                  /* receptive field on the input, [h, w] */
    int jump[2];                /* distance on the input between adjacent outputs */
    char formula[2][192];       /* e.g. "(32 + 2 + 2 - 5)/1 + 1 = 32" for h and w ("" if n/a) */
    char *warn[MAX_WARN_PER_LAYER]; /* malloc'd warning texts (report lists them) */
    int nwarn;

    /* ---- fold.c (--inference-only): the batchnorm folded into this layer, if any */
    char fold_bn[MAX_NAME];     /* its name ("": none) */
    double fold_eps;
    int fold_affine;            /* it had gamma and beta */
    int fold_had_bias;          /* this layer had a bias of its own (l->bias is now 1) */
    int fold_he;                /* P_init's rule as the unfolded net had it (init_rule) */

    /* ---- filled by schedule.c (once, after shape inference) */
    Unroll unroll;              /* mode chosen for this layer (never U_AUTO) */
    int fast[3];                /* per Part: the vector fast path applies */
    long long scratch[3];       /* per Part: elements of workspace scratch it uses */
    long long scratch1[3];      /* the same without vectors (one lane: a scalar FPU) */

    /* ---- filled by plan.c */
    long long param_offset;     /* offset of <name>_weight in the flat P_params */
} Layer;

typedef struct Net {
    const char *file;
    char name[MAX_NAME];
    Pos name_pos;
    Shape input;                /* vec = 0 */
    Pos input_pos;
    Dtype dtype;
    Pos dtype_pos;
    Layer *layers;
    int nlayers;
    LossKind loss;
    Pos loss_pos;
    int batch;                  /* `batch: N` / --batch N: P_MAX_BATCH (1) */
    Pos batch_pos;
    Pos layers_pos;
    /* totals (shape.c) */
    long long total_params, total_macs;
    long long total_trainable;  /* total_params without the buffers (P_NUM_TRAINABLE) */
    /* --weights on a training build with frozen parameters: those are const data
     * (P_frozen, in flash), not members of P_params (main.c sets it before plan_params) */
    int frozen_const;
    long long struct_params;    /* the reals of P_params (P_NUM_PARAMS): total_params less
                                 * the const ones (plan.c) */
    char *warn[MAX_WARN_PER_LAYER]; int nwarn;  /* net-level warnings */
    /* memory budget (budget.c): target: {ram_limit, flash_limit} or the options; 0 = none;
     * pos {0,0} when set by --ram-limit / --flash-limit */
    long long ram_limit, flash_limit;
    Pos ram_limit_pos, flash_limit_pos;
    Arch arch;                  /* target: {arch} or --arch */
} Net;

/* target: {arch} and --arch: "x86-64" | "cortex-m4" -> Arch, -1 otherwise; the name back */
int arch_parse(const char *s);
const char *arch_name(Arch a);

/* A value of the graph: VAL_INPUT (the network input) or a layer index (its output). */
#define VAL_INPUT (-1)
static inline Shape value_shape(const Net *n, int v)
{ return v == VAL_INPUT ? n->input : n->layers[v].out; }
/* a value's name in specs and reports: "input" or the layer's */
static inline const char *value_name(const Net *n, int v)
{ return v == VAL_INPUT ? "input" : n->layers[v].name; }
/* the value layer i reads first (its `in`) */
static inline int layer_input(const Net *n, int i) { return n->layers[i].inputs[0]; }
/* 1 when every layer reads the output of the one before it (a chain) */
int net_is_chain(const Net *n);

static inline Shape net_output(const Net *n)
{ return n->nlayers ? n->layers[n->nlayers - 1].out : n->input; }
static inline int real_bytes(Dtype d) { return d == DT_F64 ? 8 : 4; }

const char *act_name(Act a);
const char *loss_name(LossKind l);
void net_free(Net *n);
static inline int layer_has_params(const Layer *l) { return l->nweight + l->nbias > 0; }
/* what learns (`trainable:`): its weight, its bias, either */
static inline int layer_learns_weight(const Layer *l) { return l->nweight > 0 && l->trainable == TR_TRUE; }
static inline int layer_learns_bias(const Layer *l) { return l->nbias > 0 && l->trainable != TR_FALSE; }
static inline int layer_learns(const Layer *l) { return layer_learns_weight(l) || layer_learns_bias(l); }
/* some parameter of the net does not learn (a `trainable:` false or bias): the
 * partial-training build (P_grad holds what learns; nothing is back-propagated below
 * the lowest layer that learns) */
int net_partial(const Net *n);
/* the lowest layer that learns (-1: none) */
int net_lowest_learning(const Net *n);
/* the reals of a training build's P_grad: every parameter's (buffers too), or in a
 * partial net only what learns; at least 1 (C has no empty structs) */
long long net_grad_elems(const Net *n);
/* the element-wise function that ends layer l: an activation layer's own, or the fused
 * activation of a layer that takes one (ACT_NONE otherwise) */
Act layer_out_act(const Layer *l);
/* l has a fused activation that is not none */
int layer_fused_act(const Layer *l);
/* l's training forward records an int32 argmax per output (OPF_ARGMAX) */
int layer_has_argmax(const Layer *l);
/* bytes of one argmax entry (an input index) without vectors: the prefix's P_argmax
 * (uint16_t; int32_t with vectors) when the input has at most 65,536 elements, else
 * int32_t */
static inline int argmax_bytes(const Layer *l) { return shape_size(l->in) <= 65536 ? 2 : 4; }
/* `alpha` applies to l: a key of its kind, and with `activation:` only when that
 * activation takes one (leaky_relu) */
int layer_takes_alpha(const Layer *l);

/* P_init's rule for layer i (util.c), shared by the C and the PyTorch export:
 * He-uniform before relu-like activations (fused, or a relu/leaky_relu layer next),
 * Glorot-uniform otherwise; weights uniform in [-limit, limit). */
typedef struct InitRule { long long fan_in, fan_out; int he; double limit; } InitRule;
InitRule init_rule(const Net *net, int i);

/* ------------------------------------------------------------------ spec.c */

/* Parses src (the whole file) into *net. Errors go to d; returns 0 when the spec
 * parsed without errors (shape errors are found later by shape_infer). */
int spec_parse(Net *net, Diag *d, const char *src, size_t len);

/* ------------------------------------------------------------------ shape.c */

/* Infers every layer's shapes, padding, counts, receptive field; checks the
 * loss against the last layer. Returns the number of errors added to d. */
int shape_infer(Net *net, Diag *d);
/* Attach a warning to a layer (or the net when l == NULL) and print it. */
void layer_warn(Diag *d, Net *net, Layer *l, Pos p, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* Helpers for ops/<kind>.c infer functions:
 * shape_window - the sliding-window rule shared by conv2d and the pools: from l->k,
 *   l->stride, l->dilation, l->pad_mode/pad_spec and l->in it sets l->pad,
 *   l->out.h/w, l->formula, l->rf/jump (which hold the previous layer's values on
 *   entry), warns about rows/columns never read and reports windows that do not
 *   fit. ceil_mode: PyTorch's pooling rule. Returns 0 after an error.
 * sat_mul/sat_add - overflow-safe counts (saturate at LLONG_MAX). */
int shape_window(Net *net, Layer *l, Diag *d, int ceil_mode);
long long sat_mul(long long a, long long b);
long long sat_add(long long a, long long b);
/* "16x5x5" or "400" (vectors) */
const char *shape_text(Shape s, char *buf, size_t size);

/* ------------------------------------------------------------------ fold.c */

/* --inference-only, after shape inference and before the schedule: every batchnorm
 * (OPF_FOLDS) whose input is the output of a conv2d or dense (OPF_FUSED_ACT) with no
 * activation that no other layer reads leaves the net; that layer gets a bias if it had
 * none and remembers the batchnorm (Layer.fold_*), and the batchnorm's readers read it.
 * P_params then holds the folded weight and bias (runtime/cnngen_rt.h, cnngen_fold).
 * Returns the number of batchnorms folded. */
int fold_batchnorms(Net *net);

/* ------------------------------------------------------------------ schedule.c */

/* The schedule stage, after shape inference and before the plan: for every layer,
 * once, the unroll mode (Layer.unroll, never U_AUTO afterwards), whether each part
 * takes its vector fast path (Layer.fast) and the workspace scratch each part needs
 * (Layer.scratch). The plan, the report, the budgets and the emitter read them; no
 * stage asks an emitter for a size. Policy (auto): a layer is fully unrolled when its
 * straight-line cost (OpDef.full_cost: terms of forward + backward) is at most
 * UNROLL_FULL_LAYER and the running total stays within UNROLL_FULL_TOTAL; otherwise it
 * gets `kernel` when it spells out at most OpDef.kernel_max taps (conv2d and pools:
 * UNROLL_KERNEL_MAX window taps; dense: UNROLL_KERNEL_MAX_IN inputs); else `none`. */
#define UNROLL_FULL_LAYER   1024
#define UNROLL_FULL_TOTAL   4096
#define UNROLL_KERNEL_MAX   64
#define UNROLL_KERNEL_MAX_IN 512
void schedule(Net *net, Unroll requested);
/* terms of l's straight-line code, and the taps `--unroll kernel` spells out */
long long unroll_full_cost(const Layer *l);
long long unroll_kernel_taps(const Layer *l);
/* --unroll full is refused (limits.c) when the whole network's unroll_full_cost
 * sum would pass this many terms (some 10 MB of C); README "Limits". */
#define UNROLL_FULL_MAX_TERMS 200000
/* --unroll kernel is refused past this many spelled-out taps (window taps, dense
 * inputs, global pool positions) in the whole network (limits.c). */
#define UNROLL_KERNEL_MAX_TAPS 32768
const char *unroll_name(Unroll u);

/* ------------------------------------------------------------------ plan.c */

/* The workspace is a struct of real arrays followed by int32 arrays, in this order:
 *   scratch [max of Layer.scratch over every layer function the mode runs]  first, and
 *                                       only when some layer needs it (the fast conv2d
 *                                       path's padded-input/output/transposed-gradient
 *                                       tiles; layer functions run one after another,
 *                                       so they share it, and keep no arrays that grow
 *                                       with the layer on the stack)
 *   training (a loss is given and not --inference-only):
 *     act_<name> [out size of layer]    for every layer in spec order (forward
 *                                       outputs, kept for backward) but those that
 *                                       alias their input (plan_alias); the last one
 *                                       holds the loss's output transform
 *     z_out     [output size]           the last layer's own output when the loss
 *                                       transforms it: softmax_cross_entropy (the
 *                                       logits) and binary_cross_entropy on a fused
 *                                       sigmoid activation (the pre-activation)
 *     pre_<name> [out size of layer]    the pre-activation of every conv2d/dense
 *                                       with a fused leaky_relu of negative alpha
 *                                       (its derivative needs the input's sign)
 *     grad_a, grad_b [max tensor size]  ping-pong gradient buffers
 *     argmax_<name> int32 [out size]    for every maxpool/global_maxpool layer
 *   inference only (--inference-only, or no loss):
 *     arena [plan_arena]                every layer output, placed by liveness
 *   a graph (some layer reads other than its predecessor) in training: grad_<name>
 *   [out size] for every layer with a buffer plus gtmp [max tensor size] (a second
 *   reader's part of a gradient, before it is added) in place of grad_a, grad_b
 * sizeof = round_up(nreal * real_bytes + nint, real_bytes) (nint: the argmax arrays'
 * bytes, int32_t ones before uint16_t ones, so no padding between); the scratch member is
 * sized for the vector code or, without vectors, WsPlan.scratch1. */
typedef struct WsPlan {
    long long nreal, nint, nint1;   /* nint1: the argmax bytes without vectors */
    long long bytes;
    long long max_tensor;        /* largest of input and every layer output */
    long long scratch;           /* elements of scratch (0: no scratch member) */
    long long fbatch;            /* elements of fbatch, P_forward_batch's staging (vectors only) */
    long long rng;               /* bytes of the cnngen_rng member (0: none) */
    /* without vectors (PFX_VECTORS 0): the scratch member's elements (1 when only the
     * vector code needs scratch) and sizeof; the header's sizes are then
     * (P_VECTORS ? vector figure : this one) */
    long long scratch1, bytes1;
    /* inference builds: the arena's elements and the lower bound, the most reals that
     * must be live at once (plan_arena) */
    long long arena, lower;
} WsPlan;
/* Inference builds (no backward pass): every value a layer writes (a chain's or a
 * graph's; the last layer's only when the loss transforms it: softmax, else it writes
 * `output`) lives in one array, `arena`, from the layer that writes it to the last
 * layer that reads it, and so does each layer's scratch of the code without vectors
 * (Layer.scratch1) while the layer runs (the vector code's scratch is a member of its
 * own). Values are placed greedily by size, the largest first, at the lowest offset
 * clear of every placed value alive at the same time (a layer's inputs, output and
 * scratch are alive together). off[i] (i < nlayers) is layer i's output's offset (-1:
 * no slot, an aliasing layer or the last one writing `output`), off[nlayers + i] its
 * scratch's (-1: none); off holds 2 * nlayers. Returns the arena's elements, *lower the
 * most reals alive at once (no placement can use less). */
long long plan_arena(const Net *net, long long *off, long long *lower);
/* The last layer whose backward runs: the last, or the one before it when the loss takes
 * the gradient past a softmax layer (cross_entropy) or a sigmoid layer
 * (binary_cross_entropy); -1 for no layer. */
int plan_bstart(const Net *net);
/* The first layer whose backward runs: the lowest that learns in a partial net
 * (net_partial: nothing below it is saved or back-propagated, and there is no
 * grad_input), else 0 (its backward reaches the input for grad_input) */
int plan_blow(const Net *net);
/* layer i of a training build records its argmax: a max pool whose backward runs */
int plan_keeps_argmax(const Net *net, int i);
/* Training builds of a chain (not batched): one `arena` holds every layer's saved output
 * (from its forward to the last backward that reads it), z_out, the pre-activations,
 * and the gradient of every value (from the backward, or the loss, that writes it to
 * the backward that reads it): steps are the forward of layer i (i), the loss (n) and
 * the backward of layer i (2n - i); and, without vectors, each part's scratch while it
 * runs (the vector code's is a member of its own); placed as plan_arena places. off holds
 * TA_COUNT(n) offsets (-1: none); returns the arena's reals, *lower the most alive at
 * once. */
#define TA_ACT(i)      (i)                 /* layer i's output */
#define TA_ZOUT(n)     (n)                 /* z_out */
#define TA_PRE(n, i)   ((n) + 1 + (i))     /* pre_<i> */
#define TA_GRAD(n, i)  (2 * (n) + 1 + (i)) /* dL/d(layer i's output) */
#define TA_GIN(n)      (3 * (n) + 1)       /* the loss's gradient when it is the input's */
#define TA_SCR(n, p, i) (3 * (n) + 2 + (p) * (n) + (i)) /* part p of layer i's scalar scratch */
#define TA_GTMP(n)     (6 * (n) + 2)       /* a graph's gtmp */
#define TA_COUNT(n)    (6 * (n) + 3)
long long plan_train_arena(const Net *net, long long *off, long long *lower);
void plan_params(Net *net);                   /* sets param_offset, total_params */
WsPlan plan_workspace(const Net *net, int inference_only);
int plan_batch_tail(const Net *net, int *group, long long *stage);
/* 1 when the generated code has a backward pass (a loss, not --inference-only). */
int plan_trains(const Net *net, int inference_only);
/* the net trains in batches (plan_trains, and a layer whose train mode differs,
 * OPF_TRAIN): P_train_batch runs the train-mode forward and backward over the whole
 * batch; every training array above then holds P_MAX_BATCH samples (sample s at
 * s * its size), the graph's form is used (grad_<name>, gtmp), and the workspace adds
 *     rng                               cnngen_rng (32 bytes, first) when a layer
 *                                       draws (OPF_RNG: dropout)
 *     train_<name> [OpDef.train_ws]     what a train-mode layer keeps for its backward */
int plan_batched(const Net *net, int inference_only);
int plan_has_rng(const Net *net, int inference_only);
/* z_out is in the workspace (see above). */
int plan_has_zout(const Net *net);
/* pre_<name> is in the workspace for layer l (see above). */
int plan_has_pre(const Layer *l);
/* Layer i's output is its input's storage (OPF_ALIAS), so it has no act_<name>, no
 * function and no call; the last layer keeps its own (it is the output). */
int plan_alias(const Net *net, int i);
/* The value whose storage value v is: v, or for an aliasing layer its input's root
 * (VAL_INPUT included). */
int plan_root(const Net *net, int v);

/* ------------------------------------------------------------------ report.c */

typedef enum Format { FMT_TEXT, FMT_MARKDOWN, FMT_JSON, FMT_DOT, FMT_SVG } Format;
void report(FILE *out, const Net *net, Format fmt);
/* --dump-ir: every field of the IR, one layer per block */
void dump_ir(FILE *out, const Net *net);

/* ------------------------------------------------------------------ emit.c */

typedef struct Options {
    const char *spec_path, *out_path, *prefix;
    int report, check, strict, inference_only, dump_ir;
    int dtype_override;         /* -1 none, else Dtype */
    Unroll unroll;
    Format format;
} Options;

/* A part of a layer (Part) is the body of one static function whose parameters have
 * fixed names (emit.c writes the signature, passing only the arrays OpDef.arrays
 * names, and `scratch` when Layer.scratch says so). A fused activation is applied by
 * the layer's forward; its derivative is applied by emit.c (gen_act_backward_inplace)
 * to g before the layer's backward runs. */

/* The printf-style line emitter with an indent counter. */
typedef struct Emitter {
    Buf *b;
    int indent;
    const Net *net;
    const Options *opt;
    const char *P;              /* symbol prefix */
    const char *real;           /* the scalar type: "P_real" (net.h: float or double) */
    Dtype dtype;
    Part part;
    int inference;              /* no backward: max pools record no argmax */
    /* inference builds: each layer's scratch offset in ws->arena without vectors
     * (plan_arena; -1 none), passed as P_SCRATCH(ws, off); NULL: ws->scratch */
    const long long *scr_off;
    int failed;                 /* set by emit_template on a template error */
    int hole_indent;            /* levels a template adds to this text later (emit_sub_at) */
    int input_k;                /* PART_BWD_INPUT of a multi-input kind: which input */
    /* the backward may update the parameters in place (P_train_batch with grad == NULL
     * passes upd = p), so a gradient argument is `(grad ? grad->X : upd->X)` */
    int inplace;
} Emitter;
void emitf(Emitter *e, const char *fmt, ...) PRINTF_LIKE(2, 3); /* one indented line */
/* A template hole: the marker slash-star-at NAME at-star-slash in templates/ and the
 * text that replaces it. */
typedef struct Hole { const char *name; const char *value; int used; } Hole;
/* Emits template tname (templates/, embedded) with its holes filled and PFX_ replaced
 * by the prefix, each line at the emitter's indent. An unknown template or hole, or a
 * hole given but not used, is an internal error: message on stderr, e->failed set. */
void emit_template(Emitter *e, const char *tname, Hole *holes, int nholes);
/* Template tname filled (holes, PFX_ -> prefix) and appended to out; 0, or -1 after
 * a message on stderr (an unknown template or hole, a hole given but not used). */
int template_fill(Buf *out, const char *tname, Hole *holes, int nholes, const char *prefix);
/* a file embedded in the binary as it is (runtime/cnngen_rt.h), NULL if none */
const char *embedded_file(const char *name);
/* dispatch.c: the portable x86-64 build's passes over the region's functions (the
 * driver before it, the renames at its start, the undefinitions at its end, the public
 * wrappers after it); self is the C file's own name. */
int dispatch_parts(const char *P, const char *self, const char *region, Buf *driver, Buf *open,
                   Buf *close, Buf *wrappers);
/* An emitter like e writing into b at indent 0: for a hole whose text is generated
 * (a hole alone on its line takes the indent of its marker). Merge failed back. */
Emitter emit_sub(const Emitter *e, Buf *b);
/* emit_sub for text that lands `depth` indent levels deep in the output (the hole's
 * marker column plus the template's indent): emit_long and emit_int_table then wrap
 * their lines for that depth, though they write them at indent 0. */
Emitter emit_sub_at(const Emitter *e, Buf *b, int depth);
/* Template tname filled and appended to b, the text of an enclosing template's hole
 * (through emit_sub; a failure is merged into e->failed). */
void emit_template_into(Emitter *e, Buf *b, const char *tname, Hole *holes, int nholes);
/* Emits one statement that may be very long (a spelled-out sum), wrapped after
 * " + " so lines stay under ~100 columns. */
void emit_long(Emitter *e, const char *stmt);
/* A real literal in the generated dtype ("0.5f" / "0.5"), text_alloc'd. */
const char *rlit(const Emitter *e, double v);
/* The C math function for the dtype: mfn(e, "exp") -> "expf" or "exp". */
const char *mfn(const Emitter *e, const char *name);
/* A linear index expression: c0 + coef1*var1 + ... (pairs int, const char *, ended by
 * a NULL var), simplified: lx(-1, 2, "i", 1, "u", 0, NULL) -> "i * 2 + u - 1". */
const char *lx(int c0, ...);
/* static const int name[n] = {...}; */
void emit_int_table(Emitter *e, const char *name, const int *v, int n);
/* Expression for activation a applied to the variable x (evaluated more than once). */
const char *act_expr(const Emitter *e, Act a, double alpha, const char *x);
/* Expression for g * f'(.) given the saved output y, for activation a. */
const char *act_grad_expr(const Emitter *e, Act a, double alpha, const char *y, const char *g);

/* csource.c: the generated C read back as a target compiles it (the Cortex-M4 models
 * of budget.c and stack.c). csrc_open decides every #if for the target, drops the
 * comments and finds the function definitions; csrc_compiled says whether a
 * definition becomes code of its own (not a static inline helper, not an unused
 * static, not a copy of an earlier identical one, which identical-code folding
 * merges); csrc_find looks a name up (-1 when no definition has it). */
typedef struct CFunc {
    char name[3 * MAX_NAME + 32];   /* PREFIX_LAYER_PART */
    const char *head, *body, *end;  /* signature start, the body's '{', its closing '}' */
    int is_static, noinline, is_inline;
    int names;                  /* times the name occurs in the text */
    int refs;                   /* ... in other functions' bodies */
    int leader;                 /* the first definition with the same text */
    int class_refs;             /* refs of all definitions the leader stands for */
    unsigned long long hash;
} CFunc;
typedef struct CSource {
    char *text;
    size_t len;
    CFunc *fn, **byname;
    int nfn;
} CSource;
void csrc_open(CSource *cs, const Buf *c, const char *prefix, Arch arch);
int csrc_find(const CSource *cs, const char *name, size_t n);
int csrc_compiled(const CSource *cs, int i);
void csrc_close(CSource *cs);

/* stack.c: --report --stack. stack_compute reads the generated C (c) and records, for
 * every function in it, its own stack bytes and the maximum including the generated
 * functions it calls (an upper bound, see stack.c); stack_report prints them (text,
 * markdown), stack_json adds "stack": [...] to the JSON report; both print nothing
 * unless stack_compute ran. stack_free releases the table. */
int stack_compute(const Net *net, const char *prefix, const Buf *c, const Buf *h, const char *cc);
void stack_report(FILE *out, Format fmt);
void stack_json(FILE *out);
void stack_free(void);
/* with -o --stack: P_STACK_FORWARD_BYTES / P_STACK_TRAIN_BYTES in the header */
void stack_emit_header(const char *prefix, Buf *h);

/* stack_cc.c: --stack-cc CMD. Compiles the generated C (c, its header h) with CMD at -Os
 * and -O2 with -fcallgraph-info=su; *out gets one row per compiled function (clones
 * folded in): its largest frame and its deepest chain including the C library
 * allowance. Returns 0, or -1 with a message in err. */
typedef struct { char name[3 * MAX_NAME + 32]; long long own, total; } CcFrame;
int stack_cc_frames(const char *cmd, const Buf *c, const Buf *h, CcFrame **out, int *nout,
                    char *err, size_t errn);

/* limits.c: limits that depend on the options (--unroll full size); positioned
 * errors go to d. Call after shape_infer, before emit_c. Returns the errors added. */
int check_gen_limits(const Net *net, const Options *opt, Diag *d);

/* Generates the .c and .h text. Returns 0 on success. */
int emit_c(const Net *net, const Options *opt, const char *header_name, Buf *c, Buf *h);

/* ------------------------------------------------------------------ ops/ */

/* A tensor a layer owns (ops' tensors hook): its PyTorch name suffix ("weight",
 * "bias"), shape (PyTorch's: OIHW for conv2d, [units][in] for dense), element
 * count and role (which says its init rule and whether it learns). The params struct, the tensors table, safetensors, --weights, the PyTorch
 * export and the budgets read them from here, in this order (weight, then bias). */
typedef enum TensorRole {
    T_WEIGHT,   /* learned; P_init: uniform within the layer's He/Glorot bound (fans) */
    T_BIAS,     /* learned; P_init: the constant init (biases 0, batchnorm's weight 1) */
    T_BUFFER    /* not learned (running statistics); no gradient, no SGD; P_init: init */
} TensorRole;
typedef struct TensorDesc {
    const char *what;
    int ndim;
    long long dim[4];
    long long n;
    TensorRole role;
    int init;           /* T_BIAS, T_BUFFER: P_init's value, 0 or 1 */
} TensorDesc;
#define MAX_LAYER_TENSORS 4
/* layer_tensors: l's tensors (into t[MAX_LAYER_TENSORS]), from its unit; returns the count */
int layer_tensors(const Layer *l, TensorDesc *t);
/* t (one of l's) learns: not a buffer, and `trainable:` lets it (util.c) */
int tensor_learns(const Layer *l, const TensorDesc *t);
/* t is const data, not a member of P_params (Net.frozen_const and it does not learn) */
int tensor_const(const Net *n, const Layer *l, const TensorDesc *t);
/* the C that names layer l's tensor `what` in the forward and backward code: p->X, or
 * P_frozen.X when it is const data */
const char *param_ref(const Emitter *e, const Layer *l, const char *what);

/* What a unit says of its kind besides keys and shapes (OpDef.flags). */
enum {
    OPF_FUSED_ACT = 1,  /* has weights, a bias and a fused `activation:` (conv2d, dense) */
    OPF_ARGMAX = 2,     /* the training forward records an int32 argmax per output element
                         * (argmax_<name> in the workspace) for the backward */
    OPF_POOL = 4,       /* a pooling window (its infer checks each has an input cell) */
    OPF_ALIAS = 8,      /* its output is its input's data as it lies (flatten): no code,
                         * no buffer, the gradient passes unchanged (plan_alias) */
    OPF_MULTI = 16,     /* reads `inputs: [...]`: a forward taking them all (A_INS), a
                         * dL/dinput function per input (Emitter.input_k) */
    OPF_TRAIN = 32,     /* train mode differs (batchnorm, dropout): P_train_batch runs its
                         * train_call over the whole batch (the net is `batched`) */
    OPF_BATCH_STATS = 64, /* its train mode reads the whole batch (batchnorm): n in
                         * min_batch..P_MAX_BATCH, no batch larger than P_MAX_BATCH */
    OPF_RNG = 128,      /* its train mode draws from the workspace's cnngen_rng (dropout) */
    OPF_FOLDS = 256,    /* eval mode is a per-channel y = x * s + t (batchnorm): an inference
                         * build folds it into the OPF_FUSED_ACT layer before it (fold.c) */
    OPF_EVAL_ID = 512,  /* eval mode is the identity (dropout): an inference build drops it */
};

/* The arrays a part of a layer uses: its function's parameters, in this order (emit.c
 * writes the signature and the call; OpDef.arrays says which). */
enum { A_IN = 1, A_OUT = 2, A_G = 4, A_GIN = 8, A_W = 16, A_B = 32, A_GW = 64, A_GB = 128,
       A_AM = 256, A_GMUT = 512, A_SCR = 1024,
       A_INS = 2048, /* every input, in0 .. in<n-1>, in place of in (add, concat) */
       A_RM = 4096, A_RV = 8192, /* the running statistics rm, rv (batchnorm's buffers) */
       A_NB = 16384 /* int n: the samples of a batch kernel (P_forward_batch) */ };

/* One layer kind: everything about it, from one unit ops/<kind>.c (ops/TEMPLATE.c
 * shows a whole unit). No code outside ops/ switches on the kind: it asks this row. */
typedef struct OpDef {
    const char *name;           /* the `type:` string */
    const Field *fields;        /* allowed fields besides type/name, F_NONE-terminated */
    const Field *required;      /* required fields, F_NONE-terminated */
    const char *stem;           /* default names <stem><k> (NULL: the type name) */
    const char *window_word;    /* "kernel" or "window" in shape_window's messages */
    unsigned flags;             /* OPF_* */
    Act act;                    /* an activation layer: its element-wise function */
    int softmax;                /* the softmax layer (cross_entropy's last layer) */
    const char *color;          /* --format dot fill (NULL: the activations' color) */

    /* shape rule: fills out, pad, params, macs, rf, jump, formula; reports errors */
    void (*infer)(Net *net, Layer *l, Diag *d);
    /* the tensors it owns (NULL: none) and P_init's fans for its weight */
    int (*tensors)(const Layer *l, TensorDesc *t);
    void (*fans)(const Layer *l, long long *fan_in, long long *fan_out);
    /* the report's parameter formula when it is not in l->formula (NULL: none) */
    void (*params_formula)(const Layer *l, char *buf, size_t size);
    /* its settings after the type name: in the C comment ("5x5 s1 valid") and in the
     * diagram's label ("6, 5x5"); NULL: nothing */
    void (*describe)(const Layer *l, Buf *b);
    void (*label)(const Layer *l, Buf *b);

    /* schedule: terms of its straight-line (`full`) code (NULL: 2 per output element),
     * taps `kernel` spells out (NULL: none), and `auto` picks `kernel` when there are at
     * most kernel_max of them (0: never) */
    long long (*full_cost)(const Layer *l);
    long long (*kernel_taps)(const Layer *l);
    long long kernel_max;
    /* elements of workspace scratch a part needs and whether its vector fast path
     * applies (NULL: none), and in *one_lane the scratch of its code without vectors
     * (PFX_VECTORS 0); the schedule stage asks once, after choosing the unroll */
    long long (*scratch)(const Layer *l, Dtype dt, Part part, int *fast, long long *one_lane);

    /* the arrays each part reads and writes (A_*; 0: the part does not exist) */
    unsigned (*arrays)(const Layer *l, Part part, int inference);
    /* C emitters: body of the layer's forward and backward (e->part says which) */
    void (*emit_forward)(Emitter *e, const Layer *l);
    void (*emit_backward)(Emitter *e, const Layer *l);
    /* PyTorch: the statements `x = f(x)` of its forward (drop_act: without the fused
     * activation, which the loss takes) */
    void (*pytorch)(Buf *b, const Layer *l, int drop_act);
    /* the torch module holding its tensors, when it is not the generic _Params (its
     * constructor expression, `dtype` in scope; NULL: _Params when it has parameters) */
    void (*py_module)(Buf *b, const Layer *l);

    /* train mode (OPF_TRAIN): P_train_batch runs the layer over its n samples at once.
     * train_functions writes its static functions (the backward one only when `backward`:
     * a layer below what learns runs forward only); train_call one call of them (PART_FWD:
     * in -> out; PART_BWD_INPUT: g -> gin, gin may be NULL, adding the parameter
     * gradients; arrays are the batch's, sample after sample, and `n` the batch size);
     * train_ws the reals it keeps in ws->train_<name> for a batch of `batch`; min_batch
     * the fewest samples its statistics need (NULL: 1) */
    void (*train_functions)(Emitter *e, const Layer *l, int backward);
    void (*train_call)(Emitter *e, const Layer *l, Part part, const char *in, const char *out,
                       const char *g, const char *gin);
    /* P_forward_batch (a batched net, eval mode): the body of P_<name>_fwd_batch, the
     * forward of n samples at once (in, out: sample after sample; the activation fused;
     * each sample's sums as the per-sample forward's, so the same bits). NULL: the
     * layer runs sample after sample. */
    void (*emit_forward_batch)(Emitter *e, const Layer *l);
    long long (*train_ws)(const Layer *l, int batch);
    int (*min_batch)(const Layer *l);
} OpDef;

extern const OpDef *const op_table[];   /* NULL-terminated, at most MAX_KINDS rows */
#define MAX_KINDS 64
/* the per-kind definitions (ops/<kind>.c) */
extern const OpDef op_conv2d, op_maxpool, op_avgpool, op_l2pool, op_global_avgpool,
    op_global_maxpool, op_flatten, op_dense, op_relu, op_sigmoid, op_tanh, op_softmax,
    op_leaky_relu, op_relu6, op_add, op_concat, op_batchnorm, op_dropout;

/* An element-wise activation (ops/activation.c): a layer kind (op.act) and an
 * `activation:` value of conv2d and dense. */
typedef struct ActDef {
    const char *name;
    /* C: f(x), and g * f'(.) from y (the saved output, or the input when grad_from_in) */
    void (*expr)(const Emitter *e, double alpha, const char *x, char *out, size_t n);
    void (*grad)(const Emitter *e, double alpha, const char *y, const char *g, char *out, size_t n);
    /* PyTorch: f(x) */
    void (*py)(double alpha, const char *x, char *out, size_t n);
    int he;                     /* relu-like: P_init uses He's rule before it */
    int alpha;                  /* takes `alpha` (the slope of leaky_relu) */
    /* its derivative needs the input, not the output (leaky_relu with alpha < 0: the
     * output's sign does not tell the input's); NULL: never */
    int (*grad_from_input)(double alpha);
} ActDef;
/* act_grad_from_input: act_table[a]'s grad_from_input for alpha (0 without one) */
int act_grad_from_input(Act a, double alpha);
extern const ActDef *const act_table[ACT_COUNT];
extern const ActDef act_none, act_relu, act_sigmoid, act_tanh, act_leaky, act_relu6;

/* Helpers the units share (ops/common.c). */
/* "valid", "same [0,1,0,1]", ... (the C comments) */
const char *pad_desc(const Layer *l, char *s, size_t n);
/* "5x5 /2, pads 1,1,2,2" (the diagram) */
void window_text(Buf *b, const Layer *l);
/* PyTorch export helpers (emit_pytorch.c): a line at an indent level; a float literal;
 * act_py: the activation a applied to x */
void pl(Buf *b, int level, const char *fmt, ...) PRINTF_LIKE(3, 4);
const char *pyfloat(double v, char *buf, size_t n);
const char *act_py(Act a, double alpha, const char *x, char *out, size_t n);
/* the Python variable holding value NAME in an exported graph ("input": the input) */
const char *py_value(const char *name);
/* the arrays of a layer with weights (OPF_FUSED_ACT) and of an element-wise layer
 * whose derivative reads its output */
unsigned arrays_weighted(const Layer *l, Part part, int inference);
unsigned arrays_map_out(const Layer *l, Part part, int inference);
/* an element-wise activation layer's hooks (OpDef.act says which function) */
void elementwise_infer(Net *net, Layer *l, Diag *d);
void elementwise_forward(Emitter *e, const Layer *l);
void elementwise_backward(Emitter *e, const Layer *l);
unsigned elementwise_arrays(const Layer *l, Part part, int inference);
void elementwise_pytorch(Buf *b, const Layer *l, int drop_act);
/* the multi-input kinds (add, concat): " of a, b", and their arrays */
void multi_describe(const Layer *l, Buf *b);
unsigned multi_arrays(const Layer *l, Part part, int inference);

/* ------------------------------------------------------------------ ops/ emitters */
/* Shared between the units of one family (ops/conv2d*.c, ops/pool*.c, ops/activation.c). */
void gen_conv2d_forward(Emitter *e, const Layer *l);
void gen_conv2d_backward(Emitter *e, const Layer *l);
long long conv2d_scratch(const Layer *l, Dtype dt, Part part, int *fast, long long *one_lane);
void gen_pool_forward(Emitter *e, const Layer *l);          /* max, avg, l2 */
void gen_pool_backward(Emitter *e, const Layer *l);
/* out = f(in) for the element-wise a over l's output (l: its size and unroll) */
void gen_act_forward(Emitter *e, const Layer *l, Act a, double alpha);
/* gin = g * f'(.) for the element-wise a over l's output, from out (or in, when
 * act_grad_from_input) */
void gen_act_backward(Emitter *e, const Layer *l, Act a, double alpha);
/* g[n] = g[n] * f'(out[n]) for l's fused activation, over l's output (in place) */
void gen_act_backward_inplace(Emitter *e, const Layer *l);
/* `for (n < N) dst[n] = expr;` (expr subscripts [n]) */
void emit_map(Emitter *e, long long N, const char *dst, const char *expr);
/* templates/layer_softmax_fwd.c: out = softmax(in) over N elements (loop form) */
void emit_softmax_fwd(Emitter *e, long long N);
/* templates/layer_softmax_bwd.c: gin = out (g - sum g out) over N elements */
void emit_softmax_bwd(Emitter *e, long long N);
/* Window geometry shared by conv2d and the pools: for output row i, the taps u in
 * [ulo, uhi) read valid input rows (i*s + u*d - pad_top in [0, H)); likewise columns. */
typedef struct Win {
    int H, W, OH, OW, KH, KW, SH, SW, DH, DW, T, L;
} Win;
Win win_of(const Layer *l);
void win_rows(const Win *g, int i, int *ulo, int *uhi);  /* for output row i */
void win_cols(const Win *g, int j, int *vlo, int *vhi);  /* for output column j */
void win_irange(const Win *g, int u, int *ilo, int *ihi); /* outputs rows valid for tap u */
void win_jrange(const Win *g, int v, int *jlo, int *jhi);
const OpDef *op_find(const char *type_name);
/* the kind takes key f (type and name: every kind) */
int op_allows(const OpDef *op, Field f);


/* ------------------------------------------------------------------ weights.c */

/* --weights FILE.safetensors: reads and checks the file against the net (names
 * "<layer>.weight"/"<layer>.bias", dtype, shapes: the runtime's strict loader), then
 * appends `const P_params P_weights = {...};` to c and inserts
 * `extern const P_params P_weights;` into h before its closing `#ifdef __cplusplus`.
 * Returns 0, or -1 after printing "cnngen: --weights FILE: ..." on stderr. */
int weights_emit(const Net *net, const char *prefix, const char *path, Buf *c, Buf *h);

/* ------------------------------------------------------------------ interop (helper G) */

/* emit_pytorch.c: --emit pytorch, a self-contained nn.Module with the C's function and
 * parameter names (README "PyTorch export"). Returns 0. */
int emit_pytorch(const Net *net, const Options *opt, Buf *py);
/* dot.c: --report --format dot (Graphviz text) or svg (through `dot -Tsvg` on PATH).
 * Returns 0, or 2 after a message on stderr (no Graphviz, dot failed). */
int report_dot(FILE *out, const Net *net, Format fmt);
/* budget.c: memory budgets (README "Memory budgets").
 * budget_compute: RAM/flash totals and per-layer running totals from the net, the options,
 *   whether --weights compiles the params in as const, and the generated C (code estimate).
 * budget_check: a positioned error naming the layer where a limit is passed; returns the errors.
 * budget_report / budget_json: the comparison in the report (nothing without a limit).
 * budget_emit_header: the limits and C99 compile-time checks, inserted into the header. */
void budget_compute(const Net *net, const Options *opt, int const_weights, const Buf *c);
int budget_check(Net *net, Diag *d);
void budget_report(FILE *out, const Net *net, Format fmt);
void budget_json(FILE *out, const Net *net);
void budget_emit_header(const Net *net, const char *prefix, Buf *h);

#endif
