/* budget.c - memory budgets for embedded targets: --ram-limit / --flash-limit, or
 * `target: {ram_limit: ..., flash_limit: ...}` in the spec (the options win).
 *
 * The model (README "Memory budgets"), in bytes, R = sizeof(P_real):
 *   RAM   = sizeof(P_params)        the parameters, unless --weights compiles them in
 *                                   as const (then they are in flash)
 *         + sizeof(P_params)        the gradient buffer P_backward / P_train_batch
 *                                   need, when the code has a backward pass
 *         + sizeof(P_workspace)     (the report's workspace bytes)
 *         + (INPUT_SIZE + OUTPUT_SIZE) * R   the caller's input and output arrays
 *   Flash = code size estimate      of the generated functions (below)
 *         + sizeof(P_params)        with --weights (const P_params P_weights)
 * Stack frames of the generated functions are small and fixed (loop counters) and
 * not counted; nor is the caller's own code or libc/libm.
 *
 * Code size estimate: the generated C is read back function by function, and each
 * costs 16 + 6 per statement (';') + 16 per multiplication + 10 per addition or
 * subtraction (' * ', ' + ', ' - ' between operands) bytes, plus 40 bytes per tensors
 * table entry and 128 for the model descriptor. The weights were fitted to gcc -Os
 * x86-64 object sizes of the specs in specs/ (tests/suite_interop.sh checks every spec
 * within a factor of 2); a Cortex-M (Thumb-2) build is usually smaller.
 *
 * Per layer, in spec order, each layer adds its parameters (RAM or flash), its
 * gradient, its share of the workspace (its saved output and argmax, or the growth of
 * the ping-pong buffers; the growth of the shared scratch) and its functions' code; the fixed part (input array, the
 * non-layer functions) comes first. The first layer whose running total passes a
 * limit is the one named in the error. The last running total is the whole. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

static struct {
    int on, trains, const_weights;
    long long params, grad, ws, io, code, tables;
    long long ram_params;       /* the bytes of P_params in RAM (0: const, --weights inference) */
    long long ram, flash;
    long long ram_base, flash_base;
    long long *ram_cum, *flash_cum;  /* running totals after each layer */
    long long *scratch;              /* bytes of workspace scratch each layer's functions use */
} B;

/* occurrences of " op " in [s, e) */
static long long count_op(const char *s, const char *e, char op)
{
    long long n = 0;
    for (const char *p = s + 1; p + 1 < e; p++)
        if (*p == op && p[-1] == ' ' && p[1] == ' ')
            n++;
    return n;
}

/* The estimated bytes of one function body [s, e) (comments skipped). */
static long long body_cost(const char *s, const char *e)
{
    long long semi = 0, mul = 0, add = 0;
    const char *p = s;
    while (p < e) {
        const char *c = strstr(p, "/*");
        const char *stop = c && c < e ? c : e;
        for (const char *q = p; q < stop; q++)
            semi += *q == ';';
        mul += count_op(p, stop, '*');
        add += count_op(p, stop, '+') + count_op(p, stop, '-');
        if (stop == e)
            break;
        const char *end = strstr(stop + 2, "*/");
        p = end && end < e ? end + 2 : e;
    }
    return 16 + 6 * semi + 16 * mul + 10 * add;
}

/* Splits the generated C into functions (a line at column 0 that opens a parameter
 * list, up to the next line that is just "}") and adds each one's cost to its layer
 * (P_<layer>_fwd, _bwd_act, _bwd_params, _bwd_input) or to the fixed part. */
/* c's text without the `#else` branches of `#if P_VECTORS` (the code a target without
 * float SIMD compiles instead): the estimate is of the vector build (x86-64 gcc -Os),
 * each function counted once. The text is the caller's to free. */
static char *vector_build_text(const Buf *c, const char *P)
{
    char want[MAX_NAME + 16];
    snprintf(want, sizeof want, "#if %s_VECTORS", P);
    char *out = malloc(c->len + 1);
    if (!out) {
        fprintf(stderr, "cnngen: out of memory\n");
        exit(2);
    }
    size_t n = 0;
    int depth = 0, vdepth = -1, skip = 0;   /* vdepth: the depth of the #if P_VECTORS open */
    const char *s = c->data ? c->data : "", *end = s + c->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl + 1 : end;
        const char *t = s;
        while (t < le && (*t == ' ' || *t == '\t'))
            t++;
        int keep = !skip;
        if (!strncmp(t, "#if", 3)) {
            depth++;
            if (vdepth < 0 && !strncmp(t, want, strlen(want)) &&
                (t[strlen(want)] == '\n' || t[strlen(want)] == ' '))
                vdepth = depth;
        } else if (!strncmp(t, "#else", 5) && depth == vdepth) {
            skip = 1;
            keep = 0;
        } else if (!strncmp(t, "#endif", 6)) {
            if (depth == vdepth) {
                vdepth = -1;
                skip = 0;
            }
            depth--;
        }
        if (keep) {
            memcpy(out + n, s, (size_t)(le - s));
            n += (size_t)(le - s);
        }
        s = le;
    }
    out[n] = '\0';
    return out;
}

static void code_costs(const Net *net, const char *P, const Buf *c, long long *layer_code,
                       long long *fixed)
{
    static const char *const parts[] = {"fwd", "bwd_act", "bwd_params", "bwd_input"};
    const char *s = c->data, *end = c->data + c->len;
    *fixed = 0;
    while (s && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *paren = memchr(s, '(', (size_t)(le - s));
        int starts = paren && s[0] != ' ' && s[0] != '#' && s[0] != '/' && s[0] != '{' &&
                     s[0] != '}' && strncmp(s, "typedef", 7) && memchr(s, '=', (size_t)(paren - s)) == NULL;
        if (!starts) {
            s = nl ? nl + 1 : end;
            continue;
        }
        /* the function's name: the identifier before '(' */
        const char *ne = paren, *nb = paren;
        while (nb > s && (nb[-1] == '_' || (nb[-1] >= 'a' && nb[-1] <= 'z') ||
                          (nb[-1] >= 'A' && nb[-1] <= 'Z') || (nb[-1] >= '0' && nb[-1] <= '9')))
            nb--;
        /* body: up to "\n}\n" */
        const char *close = s;
        for (;;) {
            close = strstr(close, "\n}");
            if (!close || close + 2 >= end || close[2] == '\n')
                break;
            close += 2;
        }
        const char *fe = close ? close + 2 : end;
        long long cost = body_cost(le, fe);
        int owner = -1;
        for (int i = 0; i < net->nlayers && owner < 0; i++)
            for (int k = 0; k < 4; k++) {
                char want[3 * MAX_NAME + 32];
                snprintf(want, sizeof want, "%s_%s_%s", P, net->layers[i].name, parts[k]);
                if ((size_t)(ne - nb) == strlen(want) && !strncmp(nb, want, (size_t)(ne - nb))) {
                    owner = i;
                    break;
                }
            }
        if (owner >= 0)
            layer_code[owner] += cost;
        else
            *fixed += cost;
        s = fe < end ? fe + 1 : end;
    }
}

/* ---- the Cortex-M4 model (target: {arch: cortex-m4}) ----
 *
 * Code: arm-none-eabi-gcc -Os (Thumb-2, single-precision FPU, no float SIMD) compiles the
 * scalar branches; csource.c gives that text and the functions that become code (not
 * the static inline helpers, not unused statics, one of each set of identical ones,
 * which gcc's identical-code folding merges). Each costs, in tenths of a byte, the
 * M4_* weights below times what its body holds: additions and subtractions between
 * operands, accumulations (+=, -=), distinct constant-subscript reads (`w[12]`: a load
 * each, kept in a register), loops, parameters, comparisons, floating literals (a
 * literal-pool entry and its load), member accesses through pointers; with float64
 * (software double) every arithmetic operator adds a library call. A function whose
 * body is one call is a tail call (counted 0). The weights are a non-negative least
 * squares fit to `arm-none-eabi-size` of every spec in specs/, inference and training
 * builds, unroll modes (tools/fit_m4_code.py redoes it); make bench-mcu prints the
 * worst ratio and the suite holds it within 15%.
 * Read-only data: the descriptor's tables as a 32-bit target lays them out (36 bytes
 * a tensor entry, 32 a folded batchnorm, 96 the model), its strings, and the static
 * const int tables of the functions that become code. */
enum { M4_ADD = 46, M4_ACC = 49, M4_CIDX = 36, M4_FOR = 14, M4_PARAM = 56, M4_F64OP = 64,
       M4_CMP = 93, M4_FLIT = 110, M4_ARROW = 44 };

static unsigned long long hash_text(const char *s, const char *e)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; s < e; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int kw_call(const char *w, size_t n)
{
    static const char *const kw[] = {"for", "if", "while", "switch", "sizeof", "return"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
        if (strlen(kw[i]) == n && !strncmp(kw[i], w, n))
            return 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

/* the features of one function (see above); f[] in the order of M4_* */
enum { F_ADD, F_ACC, F_CIDX, F_FOR, F_PARAM, F_F64OP, F_CMP, F_FLIT, F_ARROW, F_N };
static void m4_features(const CFunc *fn, int f64, long long f[F_N])
{
    memset(f, 0, F_N * sizeof *f);
    const char *s = fn->body + 1, *e = fn->end;
    long long semi = 0, calls = 0, mul = 0;
    size_t ncid = 0, capcid = 0;
    unsigned long long *cid = NULL;
    for (const char *p = fn->head; p < fn->body; p++)
        f[F_PARAM] += *p == ',';
    f[F_PARAM]++;
    for (const char *p = s; p < e; p++) {
        char c = *p;
        semi += c == ';';
        if (c == ' ' && p + 2 < e && p[2] == ' ' && p > s) {
            if (p[1] == '+' || p[1] == '-')
                f[F_ADD]++;
            if (p[1] == '<' || p[1] == '>')
                f[F_CMP]++;
            if (p[1] == '*' && (isalnum((unsigned char)p[3]) || p[3] == '_' || p[3] == '(') &&
                (isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
                 ((p[-1] == ']' || p[-1] == ')') && p - 1 > s &&
                  (isalnum((unsigned char)p[-2]) || p[-2] == '_'))))
                mul++;
        }
        if (c == ' ' && p + 3 < e && p[3] == ' ' && p[2] == '=') {
            if (p[1] == '+' || p[1] == '-')
                f[F_ACC]++;
            if (p[1] == '<' || p[1] == '>' || p[1] == '=' || p[1] == '!')
                f[F_CMP]++;
        }
        if (c == '-' && p + 1 < e && p[1] == '>')
            f[F_ARROW]++;
        if (isdigit((unsigned char)c) && !(isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
                                           p[-1] == '.')) {
            const char *q = p;
            while (q < e && isdigit((unsigned char)*q))
                q++;
            if (q < e && *q == '.')
                f[F_FLIT]++;
            while (q < e && (isalnum((unsigned char)*q) || *q == '.' || *q == '_'))
                q++;
            p = q - 1;
            continue;
        }
        if ((isalpha((unsigned char)c) || c == '_') && !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
            const char *q = p;
            while (q < e && (isalnum((unsigned char)*q) || *q == '_'))
                q++;
            const char *r = q;
            if (r < e && *r == '[' && r + 1 < e && isdigit((unsigned char)r[1])) {
                r++;
                while (r < e && isdigit((unsigned char)*r))
                    r++;
                if (r < e && *r == ']') {
                    if (ncid == capcid) {
                        capcid = capcid ? 2 * capcid : 64;
                        unsigned long long *n = realloc(cid, capcid * sizeof *n);
                        if (!n) {
                            fprintf(stderr, "cnngen: out of memory\n");
                            exit(2);
                        }
                        cid = n;
                    }
                    unsigned long long h = 1469598103934665603ULL;
                    for (const char *t = p; t <= r; t++)
                        h = (h ^ (unsigned char)*t) * 1099511628211ULL;
                    cid[ncid++] = h;
                }
            }
            while (r < e && *r == ' ')
                r++;
            if (r < e && *r == '(' && !kw_call(p, (size_t)(q - p)))
                calls++;
            if (q - p == 3 && !strncmp(p, "for", 3) && r < e && *r == '(')
                f[F_FOR]++;
            p = q - 1;
        }
    }
    if (ncid)
        qsort(cid, ncid, sizeof *cid, cmp_u64);
    for (size_t i = 0; i < ncid; i++)
        f[F_CIDX] += i == 0 || cid[i] != cid[i - 1];
    free(cid);
    if (f64)
        f[F_F64OP] = mul + f[F_ADD] + f[F_ACC];
    if (semi == 1 && calls == 1)
        memset(f, 0, F_N * sizeof *f);          /* a tail call */
}

static long long m4_fn_bytes(const CFunc *fn, int f64)
{
    static const int w[F_N] = {M4_ADD, M4_ACC, M4_CIDX, M4_FOR, M4_PARAM, M4_F64OP, M4_CMP,
                               M4_FLIT, M4_ARROW};
    long long f[F_N], t = 0;
    m4_features(fn, f64, f);
    for (int k = 0; k < F_N; k++)
        t += w[k] * f[k];
    if (getenv("CNNGEN_M4_FEATURES")) {         /* tools/fit_m4_code.py reads these */
        fprintf(stderr, "m4fn %s", fn->name);
        for (int k = 0; k < F_N; k++)
            fprintf(stderr, " %lld", f[k]);
        fprintf(stderr, "\n");
    }
    return (t + 5) / 10;
}

/* read-only data of the descriptor and the functions' tables (see above) */
static long long m4_rodata(const CSource *cs)
{
    long long r = 0;
    const char *t = cs->text, *end = t + cs->len;
    const char *d = strstr(t, "static const cnngen_tensor ");
    const char *m = strstr(t, "const cnngen_model ");
    if (!d || (m && m < d))
        d = m;
    if (d) {
        const char *br = strchr(d, '[');
        if (br && d == strstr(t, "static const cnngen_tensor "))
            r += 36 * strtoll(br + 1, NULL, 10);
        const char *fo = strstr(d, "_folds[] = {");
        if (fo)
            for (const char *p = fo, *fe = strstr(fo, "\n};"); fe && p < fe; p++)
                r += p[0] == '\n' && !strncmp(p + 1, "    {", 5) ? 32 : 0;
        r += 96;
        /* distinct strings, with their NUL */
        size_t n = 0, cap = 0;
        unsigned long long *hs = NULL;
        for (const char *p = d; p < end; p++) {
            if (*p != '"')
                continue;
            const char *q = p + 1;
            while (q < end && *q != '"')
                q += *q == '\\' ? 2 : 1;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                unsigned long long *nh = realloc(hs, cap * sizeof *nh);
                if (!nh)
                    break;
                hs = nh;
            }
            hs[n++] = ((unsigned long long)(q - p) << 48) | (hash_text(p + 1, q) >> 16);
            p = q;
        }
        if (n)
            qsort(hs, n, sizeof *hs, cmp_u64);
        for (size_t i = 0; i < n; i++)
            if (i == 0 || hs[i] != hs[i - 1])
                r += (long long)(hs[i] >> 48);   /* length + 1 (the closing quote's place) */
        free(hs);
    }
    /* static const int tables of the functions compiled, one of each */
    size_t n = 0, cap = 0;
    unsigned long long *hs = NULL;
    for (int i = 0; i < cs->nfn; i++) {
        if (!csrc_compiled(cs, i))
            continue;
        for (const char *p = cs->fn[i].body; p && p < cs->fn[i].end; ) {
            p = strstr(p, "static const int ");
            if (!p || p >= cs->fn[i].end)
                break;
            const char *semi = strchr(p, ';');
            if (!semi)
                break;
            long long elems = 0;
            for (const char *q = p; q < semi; q++)
                if (*q == '{') {
                    elems++;
                    for (; q < semi && *q != '}'; q++)
                        elems += *q == ',';
                }
            unsigned long long h = hash_text(p, semi);
            int seen = 0;
            for (size_t k = 0; k < n; k++)
                seen |= hs[k] == h;
            if (!seen) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 16;
                    unsigned long long *nh = realloc(hs, cap * sizeof *nh);
                    if (!nh)
                        break;
                    hs = nh;
                }
                hs[n++] = h;
                r += 4 * elems;
            }
            p = semi;
        }
    }
    free(hs);
    return r;
}

/* the longest "P_<layer>_" prefix of a function's name: its layer, or -1 */
static int fn_layer(const Net *net, const char *P, const char *name)
{
    int best = -1;
    size_t bl = 0, pl = strlen(P);
    if (strncmp(name, P, pl) || name[pl] != '_')
        return -1;
    for (int i = 0; i < net->nlayers; i++) {
        size_t ln = strlen(net->layers[i].name);
        if (!strncmp(name + pl + 1, net->layers[i].name, ln) && name[pl + 1 + ln] == '_' && ln > bl)
            best = i, bl = ln;
    }
    return best;
}

static void m4_code_costs(const Net *net, const char *P, const Buf *c, long long *layer_code,
                          long long *fixed, long long *rodata)
{
    CSource cs;
    csrc_open(&cs, c, P, ARCH_CORTEX_M4);
    *fixed = 0;
    for (int i = 0; i < cs.nfn; i++) {
        if (!csrc_compiled(&cs, i))
            continue;
        long long b = m4_fn_bytes(&cs.fn[i], net->dtype == DT_F64);
        int l = fn_layer(net, P, cs.fn[i].name);
        if (l >= 0)
            layer_code[l] += b;
        else
            *fixed += b;
    }
    *rodata = m4_rodata(&cs);
    if (getenv("CNNGEN_M4_FEATURES"))
        fprintf(stderr, "m4rodata %lld\n", *rodata);
    csrc_close(&cs);
}

void budget_compute(const Net *net, const Options *opt, int const_weights, const Buf *c)
{
    const char *P = opt->prefix ? opt->prefix : net->name;
    int rb = real_bytes(net->dtype);
    free(B.ram_cum);
    free(B.flash_cum);
    free(B.scratch);
    memset(&B, 0, sizeof B);
    B.on = net->ram_limit > 0 || net->flash_limit > 0;
    B.trains = plan_trains(net, opt->inference_only);
    B.const_weights = const_weights;
    B.params = (net->total_params ? net->total_params : 1) * rb;
    /* RAM: a training build's P_params always (it changes; with --weights only what learns
     * when Net.frozen_const), its P_grad (what learns in a partial net); flash: every
     * parameter with --weights (P_weights, P_frozen) */
    B.grad = B.trains ? net_grad_elems(net) * rb : 0;
    B.ram_params = B.trains ? (net->struct_params ? net->struct_params : 1) * rb
                 : const_weights ? 0 : B.params;
    B.ws = plan_workspace(net, opt->inference_only).bytes;
    B.io = (shape_size(net->input) + shape_size(net_output(net))) * rb;
    int ntensors = 0;
    for (int i = 0; i < net->nlayers; i++) {
        TensorDesc t[MAX_LAYER_TENSORS];
        ntensors += layer_tensors(&net->layers[i], t);
    }
    B.tables = 40LL * ntensors + 128;
    int n = net->nlayers;
    long long *lcode = calloc((size_t)n + 1, sizeof *lcode);
    long long fixed = 0;
    if (net->arch == ARCH_CORTEX_M4) {
        m4_code_costs(net, P, c, lcode, &fixed, &B.tables);
    } else {
        Buf vb = {0};
        vb.data = vector_build_text(c, P);
        vb.len = vb.cap = strlen(vb.data);
        code_costs(net, P, &vb, lcode, &fixed);
        free(vb.data);
    }
    B.code = fixed + B.tables;
    for (int i = 0; i < n; i++)
        B.code += lcode[i];
    B.ram = B.io + B.ws + B.grad + B.ram_params;
    B.flash = B.code + (const_weights ? B.params : 0);

    /* running totals */
    B.ram_cum = calloc((size_t)n + 1, sizeof *B.ram_cum);
    B.flash_cum = calloc((size_t)n + 1, sizeof *B.flash_cum);
    B.scratch = calloc((size_t)n + 1, sizeof *B.scratch);
    B.ram_base = shape_size(net->input) * rb;
    B.flash_base = fixed + B.tables;
    long long ram = B.ram_base, flash = B.flash_base, maxt = shape_size(net->input), maxs = 0;
    for (int i = 0; i < n; i++) {
        const Layer *l = &net->layers[i];
        long long p = l->params * rb, out = shape_size(l->out);
        long long lg = 0, lr = 0;               /* its gradient; its parameters in RAM */
        TensorDesc td[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, td);
        for (int k = 0; k < nt; k++) {
            lg += B.trains && (!net_partial(net) || tensor_learns(l, &td[k])) ? td[k].n * rb : 0;
            lr += B.trains ? (tensor_const(net, l, &td[k]) ? 0 : td[k].n * rb)
                           : const_weights ? 0 : td[k].n * rb;
        }
        ram += lr + lg;                         /* params and their gradient */
        flash += lcode[i] + (const_weights ? p : 0);
        long long grow = out > maxt ? out - maxt : 0;
        maxt += grow;
        ram += 2 * grow * rb;                  /* ping-pong buffers (activations or gradients) */
        for (int pt = PART_FWD; pt <= (B.trains ? PART_BWD_INPUT : PART_FWD); pt++) {
            long long s = l->scratch[pt];
            if (s * rb > B.scratch[i])
                B.scratch[i] = s * rb;
            if (s > maxs) {
                ram += (s - maxs) * rb;        /* the shared scratch grows */
                maxs = s;
            }
        }
        if (B.trains) {
            ram += plan_alias(net, i) ? 0 : out * rb;   /* act_<name> */
            if (plan_keeps_argmax(net, i))
                ram += out * argmax_bytes(l);  /* argmax_<name> */
        }
        B.ram_cum[i] = ram < B.ram ? ram : B.ram;
        B.flash_cum[i] = flash < B.flash ? flash : B.flash;
    }
    if (n) {
        B.ram_cum[n - 1] = B.ram;
        B.flash_cum[n - 1] = B.flash;
    }
    free(lcode);
}

static void where_set(char *buf, size_t n, Pos p, const char *opt)
{
    if (p.line)
        snprintf(buf, n, "target: at line %d", p.line);
    else
        snprintf(buf, n, "%s", opt);
}

static void check_one(Net *net, Diag *d, const char *what, const char *key, long long limit, Pos lpos,
                      const char *opt, long long base, const long long *cum, long long total,
                      const char *parts)
{
    char a[32], b[32], c[32], src[64];
    if (!limit || total <= limit)
        return;
    where_set(src, sizeof src, lpos, opt);
    if (base > limit || !net->nlayers) {
        error_at(d, lpos.line ? lpos : (net->nlayers ? net->layers_pos : net->input_pos),
                 "the network does not fit the %s of %s bytes (%s): before its first layer it "
                 "already needs %s bytes; the whole needs %s = %s", key, commas(limit, a), src,
                 commas(base, b), commas(total, c), parts);
        return;
    }
    for (int i = 0; i < net->nlayers; i++)
        if (cum[i] > limit) {
            const Layer *l = &net->layers[i];
            char e[32];
            error_at(d, l->pos, "%s: the network does not fit the %s of %s bytes (%s): up to "
                     "this layer it needs %s bytes of %s (%s before it); the whole needs %s = %s",
                     l->name, key, commas(limit, a), src, commas(cum[i], b), what,
                     commas(i ? cum[i - 1] : base, e), commas(total, c), parts);
            return;
        }
}

static void ram_parts(char *buf, size_t n)
{
    char a[32], b[32], c[32], e[32];
    snprintf(buf, n, "%s %s + gradients %s + workspace %s + input/output %s",
             !B.const_weights ? "params" : B.trains ? "params in RAM (those that learn)"
                                                    : "params (in flash)",
             commas(B.ram_params, a), commas(B.grad, b), commas(B.ws, c), commas(B.io, e));
}

static void flash_parts(char *buf, size_t n)
{
    char a[32], b[32];
    snprintf(buf, n, "code ~%s (estimate) + const weights %s", commas(B.code, a),
             commas(B.const_weights ? B.params : 0, b));
}

int budget_check(Net *net, Diag *d)
{
    int before = d->nerrors;
    char parts[256];
    if (!B.on)
        return 0;
    ram_parts(parts, sizeof parts);
    check_one(net, d, "RAM", "ram_limit", net->ram_limit, net->ram_limit_pos, "--ram-limit",
              B.ram_base, B.ram_cum, B.ram, parts);
    flash_parts(parts, sizeof parts);
    check_one(net, d, "flash", "flash_limit", net->flash_limit, net->flash_limit_pos, "--flash-limit",
              B.flash_base, B.flash_cum, B.flash, parts);
    return d->nerrors - before;
}

static void verdict(char *buf, size_t n, long long need, long long limit, const Net *net,
                    const long long *cum)
{
    char a[32];
    if (!limit) {
        snprintf(buf, n, "no limit");
    } else if (need <= limit) {
        snprintf(buf, n, "fits, %.1f%% of %s", 100.0 * (double)need / (double)limit, commas(limit, a));
    } else {
        int i = 0;
        while (i < net->nlayers && cum[i] <= limit)
            i++;
        char o[32];
        snprintf(buf, n, "OVER the limit of %s by %s%s%s", commas(limit, a), commas(need - limit, o),
                 i < net->nlayers ? ", from layer " : "", i < net->nlayers ? net->layers[i].name : "");
    }
}

void budget_report(FILE *out, const Net *net, Format fmt)
{
    char rp[256], fp[256], rv[128], fv[128], a[32], b[32];
    if (!B.on || fmt == FMT_JSON)
        return;
    ram_parts(rp, sizeof rp);
    flash_parts(fp, sizeof fp);
    verdict(rv, sizeof rv, B.ram, net->ram_limit, net, B.ram_cum);
    verdict(fv, sizeof fv, B.flash, net->flash_limit, net, B.flash_cum);
    if (fmt == FMT_MARKDOWN) {
        fprintf(out, "\n| memory | bytes | parts | limit |\n| --- | ---: | --- | --- |\n");
        fprintf(out, "| RAM | %s | %s | %s |\n", commas(B.ram, a), rp, rv);
        fprintf(out, "| Flash | %s | %s | %s |\n", commas(B.flash, b), fp, fv);
        return;
    }
    fprintf(out, "Memory budget:\n");
    fprintf(out, "  RAM   %12s bytes = %s\n  %20s %s\n", commas(B.ram, a), rp, "", rv);
    fprintf(out, "  Flash %12s bytes = %s\n  %20s %s\n", commas(B.flash, b), fp, "", fv);
}

void budget_json(FILE *out, const Net *net)
{
    if (!B.on)
        return;
    fprintf(out, ",\n  \"budget\": {\"ram_bytes\": %lld, \"ram_limit\": %lld, \"flash_bytes\": %lld, "
            "\"flash_limit\": %lld, \"param_bytes\": %lld, \"params_in_flash\": %s, "
            "\"gradient_bytes\": %lld, \"workspace_bytes\": %lld, \"io_bytes\": %lld, "
            "\"code_bytes_estimate\": %lld, \"rodata_bytes_estimate\": %lld, \"arch\": \"%s\", "
            "\"layers\": [",
            B.ram, net->ram_limit, B.flash, net->flash_limit, B.params,
            B.const_weights ? "true" : "false", B.grad, B.ws, B.io, B.code, B.tables,
            arch_name(net->arch));
    for (int i = 0; i < net->nlayers; i++)
        fprintf(out, "%s{\"name\": \"%s\", \"ram_cumulative\": %lld, \"flash_cumulative\": %lld, "
                "\"scratch_bytes\": %lld}", i ? ", " : "", net->layers[i].name, B.ram_cum[i],
                B.flash_cum[i], B.scratch[i]);
    fprintf(out, "]}");
}

/* Inserts the budget and its C99 compile-time checks into the header, before its
 * closing `#ifdef __cplusplus` (after the struct typedefs they take sizeof of). */
void budget_emit_header(const Net *net, const char *P, Buf *h)
{
    if (!B.on)
        return;
    Buf t = {0};
    buf_printf(&t, "/* Memory budget (cnngen --ram-limit / --flash-limit, or the spec's target:), in\n"
                   " * bytes as README \"Memory budgets\" counts them. The checks below run again at\n"
                   " * compile time: edit a limit (or -D%s_RAM_LIMIT=...) and a network that no\n"
                   " * longer fits fails to compile (a negative array size). */\n", P);
    if (net->ram_limit) {
        buf_printf(&t, "#ifndef %s_RAM_LIMIT\n#define %s_RAM_LIMIT %lld\n#endif\n", P, P, net->ram_limit);
        buf_printf(&t, "#define %s_RAM_BYTES (%ssizeof(%s_workspace)%s + (%s_INPUT_SIZE + %s_OUTPUT_SIZE) * sizeof(%s_real))\n",
                   P, B.ram_params ? text_fmt("sizeof(%s_params) + ", P) : "", P,
                   B.grad ? text_fmt(" + sizeof(%s_grad) /* gradients */", P) : "", P, P, P);
        buf_printf(&t, "typedef char %s_check_ram_limit[(unsigned long long)(%s_RAM_BYTES) <= "
                       "(unsigned long long)(%s_RAM_LIMIT) ? 1 : -1];\n", P, P, P);
    }
    if (net->flash_limit) {
        buf_printf(&t, "#ifndef %s_FLASH_LIMIT\n#define %s_FLASH_LIMIT %lld\n#endif\n", P, P, net->flash_limit);
        buf_printf(&t, "#define %s_CODE_BYTES_ESTIMATE %lld\n", P, B.code);
        buf_printf(&t, "#define %s_FLASH_BYTES (%s_CODE_BYTES_ESTIMATE%s)\n", P, P,
                   B.const_weights ? " + sizeof(P_params) /* const weights */" : "");
        buf_printf(&t, "typedef char %s_check_flash_limit[(unsigned long long)(%s_FLASH_BYTES) <= "
                       "(unsigned long long)(%s_FLASH_LIMIT) ? 1 : -1];\n", P, P, P);
    }
    buf_puts(&t, "\n");
    /* "P_params" above is a placeholder for the prefixed name */
    Buf u = {0};
    char pp[MAX_NAME + 16];
    snprintf(pp, sizeof pp, "%s_params", P);
    for (const char *s = t.data; *s;) {
        if (!strncmp(s, "P_params", 8)) {
            buf_puts(&u, pp);
            s += 8;
        } else {
            buf_putc(&u, *s++);
        }
    }
    buf_free(&t);
    /* insert before the last "#ifdef __cplusplus" */
    const char *mark = "#ifdef __cplusplus";
    char *at = NULL;
    for (char *p = h->data; p && (p = strstr(p, mark)) != NULL; p += strlen(mark))
        at = p;
    size_t off = at ? (size_t)(at - h->data) : h->len;
    Buf n2 = {0};
    for (size_t i = 0; i < off; i++)
        buf_putc(&n2, h->data[i]);
    buf_puts(&n2, u.data);
    for (size_t i = off; i < h->len; i++)
        buf_putc(&n2, h->data[i]);
    buf_free(h);
    *h = n2;
    buf_free(&u);
}
