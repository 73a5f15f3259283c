/* cnngen.h - the one internal header of the cnngen compiler.
 *
 * Pipeline (one file per stage):
 *   main.c     driver: options, reading the spec, dispatch, atomic output
 *   diag.c     positioned diagnostics: FILE:LINE:COL: error: ..., source line, caret
 *   spec.c     YAML (libyaml document tree) -> Net (IR with a Pos on every node)
 *   shape.c    shape inference driver, counts, receptive fields, warnings
 *   plan.c     memory plan: parameter offsets and the workspace layout (shared by
 *              the report and the emitter, so sizeof(P_workspace) == report)
 *   report.c   --report in text, markdown and json
 *   emit.c     the C writer: templates + per-layer bodies -> NET.c / NET.h
 *   ops/<kind>.c   one unit per layer kind: its keys and its shape rule
 *   gen/<kind>.c   one unit per layer kind: its forward/backward C emitters
 *   ops/table.c  THE table of layer kinds
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

/* ------------------------------------------------------------------ common */

typedef struct Pos { int line, col; } Pos; /* 1-based; {0,0} = unknown */

/* A growable byte buffer: generate into memory, write files only on success. */
typedef struct Buf { char *data; size_t len, cap; } Buf;
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_free(Buf *b);
const char *buf_text(const Buf *b);     /* the text, "" for an empty Buf */
/* Decimal text of v from a ring of 64 static buffers: for hole values (a template's
 * holes are filled before the ring comes round). */
const char *hnum(long long v);
/* "1,234,567" (buf: 32 bytes or more) */
const char *commas(long long v, char *buf);
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

typedef enum LayerKind {
    L_CONV2D, L_MAXPOOL, L_AVGPOOL, L_L2POOL, L_GLOBAL_AVGPOOL, L_GLOBAL_MAXPOOL,
    L_FLATTEN, L_DENSE, L_RELU, L_SIGMOID, L_TANH, L_SOFTMAX, L_LEAKY_RELU,
    L_KIND_COUNT
} LayerKind;

typedef enum Act { ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_LEAKY_RELU } Act;

typedef enum PadMode { PAD_VALID, PAD_SAME, PAD_SAME_LOWER, PAD_EXPLICIT } PadMode;

typedef enum LossKind {
    LOSS_NONE, LOSS_SOFTMAX_CE, LOSS_CE, LOSS_MSE, LOSS_BCE
} LossKind;

typedef enum Dtype { DT_F32, DT_F64 } Dtype;

typedef enum Unroll { U_AUTO, U_FULL, U_KERNEL, U_NONE } Unroll;

/* Spec fields a layer may carry; the per-kind tables list which are allowed. */
typedef enum Field {
    F_NONE = 0, F_TYPE, F_NAME, F_FILTERS, F_UNITS, F_KERNEL, F_SIZE, F_STRIDE,
    F_PADDING, F_DILATION, F_BIAS, F_ACTIVATION, F_ALPHA, F_CEIL_MODE,
    F_COUNT_INCLUDE_PAD, F_COUNT
} Field;

/* A tensor shape. Vectors (after flatten, dense, global pools are C x 1 x 1
 * tensors) have vec = 1, c = length, h = w = 1. */
typedef struct Shape { int c, h, w; int vec; } Shape;
static inline long long shape_size(Shape s) { return (long long)s.c * s.h * s.w; }

typedef struct Layer {
    const struct OpDef *op;
    LayerKind kind;
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

    /* ---- inferred by shape.c / ops */
    Shape in, out;
    int pad[4];                 /* padding actually applied: top, left, bottom, right */
    long long nweight, nbias, params;
    long long macs;             /* forward multiply-accumulates per sample */
    int rf[2];                  /* receptive field on the input, [h, w] */
    int jump[2];                /* distance on the input between adjacent outputs */
    char formula[2][192];       /* e.g. "(32 + 2 + 2 - 5)/1 + 1 = 32" for h and w ("" if n/a) */
    char *warn[MAX_WARN_PER_LAYER]; /* malloc'd warning texts (report lists them) */
    int nwarn;

    /* ---- filled by plan.c / emit.c */
    long long param_offset;     /* offset of <name>_weight in the flat P_params */
    Unroll unroll;              /* mode chosen for this layer (never U_AUTO after emit) */
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
    Pos layers_pos;
    /* totals (shape.c) */
    long long total_params, total_macs;
    char *warn[MAX_WARN_PER_LAYER]; int nwarn;  /* net-level warnings */
    /* memory budget (budget.c): target: {ram_limit, flash_limit} or the options; 0 = none;
     * pos {0,0} when set by --ram-limit / --flash-limit */
    long long ram_limit, flash_limit;
    Pos ram_limit_pos, flash_limit_pos;
} Net;

static inline Shape net_output(const Net *n)
{ return n->nlayers ? n->layers[n->nlayers - 1].out : n->input; }
static inline int real_bytes(Dtype d) { return d == DT_F64 ? 8 : 4; }

const char *kind_name(LayerKind k);
const char *act_name(Act a);
const char *loss_name(LossKind l);
void net_free(Net *n);
static inline int layer_has_params(const Layer *l) { return l->nweight + l->nbias > 0; }

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

/* ------------------------------------------------------------------ plan.c */

/* The workspace is a struct of real arrays followed by int32 arrays, in this order:
 *   scratch [max of plan_scratch over every layer function the mode runs]  first, and
 *                                       only when some layer needs it (the fast conv2d
 *                                       path's padded-input/output/transposed-gradient
 *                                       tiles; layer functions run one after another,
 *                                       so they share it, and keep no arrays that grow
 *                                       with the layer on the stack)
 *   training (a loss is given and not --inference-only):
 *     act_<name> [out size of layer]    for every layer in spec order (forward
 *                                       outputs, kept for backward); the last one
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
 *     buf_a, buf_b [max tensor size]    ping-pong activations
 * sizeof = round_up(nreal * real_bytes + nint * 4, real_bytes). */
typedef struct WsPlan {
    long long nreal, nint;
    long long bytes;
    long long max_tensor;        /* largest of input and every layer output */
    long long scratch;           /* elements of scratch (0: no scratch member) */
} WsPlan;
void plan_params(Net *net);                   /* sets param_offset, total_params */
WsPlan plan_workspace(const Net *net, int inference_only);
/* 1 when the generated code has a backward pass (a loss, not --inference-only). */
int plan_trains(const Net *net, int inference_only);
/* z_out is in the workspace (see above). */
int plan_has_zout(const Net *net);
/* pre_<name> is in the workspace for layer l (see above). */
int plan_has_pre(const Layer *l);
/* Chooses Layer.unroll for every layer (never U_AUTO afterwards). main.c calls it
 * before the report; emit_c calls it too (idempotent). Policy (auto): a layer is
 * fully unrolled when its straight-line cost (terms of forward + backward) is at most
 * UNROLL_FULL_LAYER and the running total stays within UNROLL_FULL_TOTAL; otherwise
 * conv2d/pools get `kernel` when the window has at most UNROLL_KERNEL_MAX taps, dense
 * gets `kernel` when it has at most UNROLL_KERNEL_MAX_IN inputs; else `none`. */
#define UNROLL_FULL_LAYER   1024
#define UNROLL_FULL_TOTAL   4096
#define UNROLL_KERNEL_MAX   64
#define UNROLL_KERNEL_MAX_IN 512
void plan_unroll(Net *net, Unroll requested);
long long unroll_full_cost(const Layer *l);
/* --unroll full is refused (limits.c) when the whole network's unroll_full_cost
 * sum would pass this many terms (some 10 MB of C); README "Limits". */
#define UNROLL_FULL_MAX_TERMS 200000
/* --unroll kernel is refused past this many spelled-out taps (window taps, dense
 * inputs, global pool positions) in the whole network (limits.c). */
#define UNROLL_KERNEL_MAX_TAPS 32768
const char *unroll_name(Unroll u);

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

/* Which part of a layer a gen_* emitter writes. Each part is the body of one static
 * function whose parameters have fixed names (emit.c writes the signature, passing
 * only the arrays the part uses, see emit.c:part_args):
 *   PART_FWD         in -> out (w, b: params; am: int32 argmax, written)
 *   PART_BWD_PARAMS  gw += dL/dweight, gb += dL/dbias from in and g (= dL/dout)
 *   PART_BWD_INPUT   gin = dL/din (overwritten) from g, w, in, out, am
 * A fused activation is applied by the layer's forward; its derivative is applied
 * by emit.c (gen_act_backward_inplace) to g before the layer's backward runs. */
typedef enum Part { PART_FWD, PART_BWD_PARAMS, PART_BWD_INPUT } Part;
/* plan.c: elements of workspace scratch that part of layer l uses (0: none; its
 * function then takes no `scratch` argument). Needs Layer.unroll (plan_unroll). */
long long plan_scratch(const Layer *l, Dtype dt, Part part);

/* The printf-style line emitter with an indent counter. */
typedef struct Emitter {
    Buf *b;
    int indent;
    const Net *net;
    const Options *opt;
    const char *P;              /* symbol prefix */
    const char *real;           /* "float" or "double" */
    Dtype dtype;
    Part part;
    int inference;              /* no backward: max pools record no argmax */
    int failed;                 /* set by emit_template on a template error */
    int hole_indent;            /* levels a template adds to this text later (emit_sub_at) */
} Emitter;
void emitf(Emitter *e, const char *fmt, ...) PRINTF_LIKE(2, 3); /* one indented line */
/* A template hole: the marker slash-star-at NAME at-star-slash in templates/ and the
 * text that replaces it. */
typedef struct Hole { const char *name; const char *value; int used; } Hole;
/* Emits template tname (templates/, embedded) with its holes filled and PFX_ replaced
 * by the prefix, each line at the emitter's indent. An unknown template or hole, or a
 * hole given but not used, is an internal error: message on stderr, e->failed set. */
void emit_template(Emitter *e, const char *tname, Hole *holes, int nholes);
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
/* A real literal in the generated dtype ("0.5f" / "0.5"); rotating static buffers. */
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

/* stack.c: --report --stack. stack_compute reads the generated C (c) and records, for
 * every function in it, its own stack bytes and the maximum including the generated
 * functions it calls (an upper bound, see stack.c); stack_report prints them (text,
 * markdown), stack_json adds "stack": [...] to the JSON report; both print nothing
 * unless stack_compute ran. stack_free releases the table. */
void stack_compute(const Net *net, const char *prefix, const Buf *c);
void stack_report(FILE *out, Format fmt);
void stack_json(FILE *out);
void stack_free(void);

/* limits.c: limits that depend on the options (--unroll full size); positioned
 * errors go to d. Call after shape_infer, before emit_c. Returns the errors added. */
int check_gen_limits(const Net *net, const Options *opt, Diag *d);

/* Generates the .c and .h text. Returns 0 on success. */
int emit_c(const Net *net, const Options *opt, const char *header_name, Buf *c, Buf *h);

/* ------------------------------------------------------------------ ops/ */

typedef struct OpDef {
    const char *name;           /* the `type:` string */
    LayerKind kind;
    const Field *fields;        /* allowed fields besides type/name, F_NONE-terminated */
    const Field *required;      /* required fields, F_NONE-terminated */
    /* shape rule: fills out, pad, params, macs, rf, jump, formula; reports errors */
    void (*infer)(Net *net, Layer *l, Diag *d);
    /* C emitters (gen/): body of the layer's forward and backward */
    void (*emit_forward)(Emitter *e, const Layer *l);
    void (*emit_backward)(Emitter *e, const Layer *l);
} OpDef;

extern const OpDef *const op_table[L_KIND_COUNT];
/* the per-kind definitions (ops/<kind>.c) */
extern const OpDef op_conv2d, op_maxpool, op_avgpool, op_l2pool, op_global_avgpool,
    op_global_maxpool, op_flatten, op_dense, op_relu, op_sigmoid, op_tanh, op_softmax,
    op_leaky_relu;

/* ------------------------------------------------------------------ gen/ */
/* C emitters, one unit per layer family (gen/<family>.c). */
void gen_conv2d_forward(Emitter *e, const Layer *l);
void gen_conv2d_backward(Emitter *e, const Layer *l);
long long gen_conv2d_scratch(const Layer *l, Dtype dt, Part part);  /* see plan_scratch */
void gen_pool_forward(Emitter *e, const Layer *l);          /* max, avg, l2 */
void gen_pool_backward(Emitter *e, const Layer *l);
void gen_global_pool_forward(Emitter *e, const Layer *l);
void gen_global_pool_backward(Emitter *e, const Layer *l);
void gen_flatten_forward(Emitter *e, const Layer *l);
void gen_flatten_backward(Emitter *e, const Layer *l);
void gen_dense_forward(Emitter *e, const Layer *l);
void gen_dense_backward(Emitter *e, const Layer *l);
void gen_activation_forward(Emitter *e, const Layer *l);    /* relu, sigmoid, tanh, leaky_relu, softmax */
void gen_activation_backward(Emitter *e, const Layer *l);
/* g[n] = g[n] * f'(out[n]) for l's fused activation, over l's output (in place) */
void gen_act_backward_inplace(Emitter *e, const Layer *l);
/* templates/layer_map.c: `for (n < N) dst[n] = expr;` (expr subscripts [n]) */
void emit_map(Emitter *e, long long N, const char *dst, const char *expr);
/* templates/layer_softmax_fwd.c: out = softmax(in) over N elements (loop form) */
void emit_softmax_fwd(Emitter *e, long long N);
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
 * budget_parse_bytes: "65536", "64K"/"64k"/"64KiB", "1M", "2G" (powers of 1024) -> bytes, -1 if bad.
 * budget_compute: RAM/flash totals and per-layer running totals from the net, the options,
 *   whether --weights compiles the params in as const, and the generated C (code estimate).
 * budget_check: a positioned error naming the layer where a limit is passed; returns the errors.
 * budget_report / budget_json: the comparison in the report (nothing without a limit).
 * budget_emit_header: the limits and C99 compile-time checks, inserted into the header. */
long long budget_parse_bytes(const char *s);
void budget_compute(const Net *net, const Options *opt, int const_weights, const Buf *c);
int budget_check(Net *net, Diag *d);
void budget_report(FILE *out, const Net *net, Format fmt);
void budget_json(FILE *out, const Net *net);
void budget_emit_header(const Net *net, const char *prefix, Buf *h);

#endif
