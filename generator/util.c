/* util.c - growable buffers and small shared helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

static void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fputs("cnngen: out of memory\n", stderr);
        exit(2);
    }
    b->data = p;
    b->cap = cap;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("cnngen: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

void buf_putc(Buf *b, char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void buf_puts(Buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *buf_text(const Buf *b) { return b->data ? b->data : ""; }

/* ---- the text arena: hole values and expression text live until text_free_all */

typedef struct Chunk { struct Chunk *next; size_t used, cap; char data[]; } Chunk;
static Chunk *chunks;

char *text_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!chunks || chunks->cap - chunks->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        Chunk *c = malloc(sizeof *c + cap);
        if (!c) {
            fputs("cnngen: out of memory\n", stderr);
            exit(2);
        }
        c->next = chunks;
        c->used = 0;
        c->cap = cap;
        chunks = c;
    }
    char *s = chunks->data + chunks->used;
    chunks->used += n;
    s[0] = 0;
    return s;
}

char *buf_to_text(Buf *b)
{
    char *r = text_alloc(b->len + 1);
    memcpy(r, buf_text(b), b->len + 1);
    buf_free(b);
    return r;
}

char *text_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = text_alloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    return s;
}

void text_free_all(void)
{
    while (chunks) {
        Chunk *c = chunks;
        chunks = c->next;
        free(c);
    }
}

const char *hnum(long long v)
{
    char *s = text_alloc(24);
    snprintf(s, 24, "%lld", v);
    return s;
}

/* "1234567" -> "1,234,567" into buf (at least 32 bytes); returns buf. */
const char *commas(long long v, char *buf)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", v);
    int n = (int)strlen(tmp), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0 && tmp[i - 1] != '-')
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

void sfmt(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

InitRule init_rule(const Net *net, int i)
{
    const Layer *l = &net->layers[i];
    InitRule r;
    r.fan_in = r.fan_out = 1;
    if (l->op->fans)
        l->op->fans(l, &r.fan_in, &r.fan_out);
    /* relu-like: the fused activation, or a relu-like activation layer reading it */
    r.he = act_table[l->act]->he;
    for (int j = i + 1; j < net->nlayers; j++)
        if (net->layers[j].inputs[0] == i && act_table[net->layers[j].op->act]->he)
            r.he = 1;
    if (l->fold_bn[0])          /* as the net before the fold had it */
        r.he = l->fold_he;
    r.limit = r.he ? sqrt(6.0 / (double)r.fan_in) : sqrt(6.0 / (double)(r.fan_in + r.fan_out));
    return r;
}

Act layer_out_act(const Layer *l)
{
    if (l->op->act != ACT_NONE)
        return l->op->act;
    return (l->op->flags & OPF_FUSED_ACT) ? l->act : ACT_NONE;
}

int layer_fused_act(const Layer *l)
{
    return (l->op->flags & OPF_FUSED_ACT) && l->act != ACT_NONE;
}

int layer_has_argmax(const Layer *l)
{
    return (l->op->flags & OPF_ARGMAX) != 0;
}

int layer_takes_alpha(const Layer *l)
{
    return op_allows(l->op, F_ALPHA) && (!op_allows(l->op, F_ACTIVATION) || act_table[l->act]->alpha);
}

/* "65536", "64K"/"64k"/"64KiB", "1M", "2G" (powers of 1024) -> bytes; -1 if bad */
long long parse_bytes(const char *s)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    long long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (1LL << 50))
            return -1;
        v = v * 10 + (*s - '0');
    }
    long long mul = 1;
    if (*s == 'k' || *s == 'K')
        mul = 1LL << 10;
    else if (*s == 'M')
        mul = 1LL << 20;
    else if (*s == 'G')
        mul = 1LL << 30;
    if (mul > 1) {
        s++;
        if (!strcmp(s, "iB") || !strcmp(s, "B"))
            s += strlen(s);
    }
    if (*s || v == 0 || v > (1LL << 50) / mul)
        return -1;
    return v * mul;
}

/* "x86-64" -> ARCH_X86_64, "cortex-m4" -> ARCH_CORTEX_M4; -1 otherwise */
int arch_parse(const char *s)
{
    static const char *const names[] = {"x86-64", "cortex-m4"};
    for (int i = 0; i < 2; i++)
        if (s && !strcmp(s, names[i]))
            return i;
    return -1;
}

const char *arch_name(Arch a)
{
    return a == ARCH_CORTEX_M4 ? "cortex-m4" : "x86-64";
}

int net_partial(const Net *n)
{
    for (int i = 0; i < n->nlayers; i++) {
        const Layer *l = &n->layers[i];
        if (layer_has_params(l) && l->trainable != TR_TRUE)
            return 1;
    }
    return 0;
}

int net_lowest_learning(const Net *n)
{
    for (int i = 0; i < n->nlayers; i++)
        if (layer_learns(&n->layers[i]))
            return i;
    return -1;
}

long long net_grad_elems(const Net *n)
{
    long long g = net_partial(n) ? n->total_trainable : n->total_params;
    return g ? g : 1;
}

int tensor_learns(const Layer *l, const TensorDesc *t)
{
    return t->role != T_BUFFER && (l->trainable == TR_TRUE ||
                                   (l->trainable == TR_BIAS && !strcmp(t->what, "bias")));
}

int tensor_const(const Net *n, const Layer *l, const TensorDesc *t)
{
    return n->frozen_const && t->role != T_BUFFER && !tensor_learns(l, t);
}

const char *param_ref(const Emitter *e, const Layer *l, const char *what)
{
    TensorDesc t[MAX_LAYER_TENSORS];
    int nt = layer_tensors(l, t);
    for (int k = 0; k < nt; k++)
        if (!strcmp(t[k].what, what) && tensor_const(e->net, l, &t[k]))
            return text_fmt("%s_frozen.%s_%s", e->P, l->name, what);
    return text_fmt("p->%s_%s", l->name, what);
}

int net_is_chain(const Net *n)
{
    for (int i = 0; i < n->nlayers; i++)
        if (n->layers[i].ninputs != 1 || n->layers[i].inputs[0] != i - 1)
            return 0;
    return 1;
}
