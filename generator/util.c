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

const char *hnum(long long v)
{
    static char ring[64][24];
    static int k;
    char *s = ring[k++ & 63];
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
    if (l->kind == L_CONV2D) {
        r.fan_in = (long long)l->in.c * l->k[0] * l->k[1];
        r.fan_out = (long long)l->filters * l->k[0] * l->k[1];
    } else {
        r.fan_in = shape_size(l->in);
        r.fan_out = l->units;
    }
    /* relu-like: the fused activation, or a relu/leaky_relu layer right after */
    r.he = l->act == ACT_RELU || l->act == ACT_LEAKY_RELU;
    if (i + 1 < net->nlayers &&
        (net->layers[i + 1].kind == L_RELU || net->layers[i + 1].kind == L_LEAKY_RELU))
        r.he = 1;
    r.limit = r.he ? sqrt(6.0 / (double)r.fan_in) : sqrt(6.0 / (double)(r.fan_in + r.fan_out));
    return r;
}
