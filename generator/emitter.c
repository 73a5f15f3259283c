/* emitter.c - the line emitter the C writer and every unit's emitters write with:
 * emitf (one indented line), emit_long (a long statement wrapped after " + "), and
 * the text of C expressions: real literals (rlit), math functions for the dtype
 * (mfn), activations (act_expr, act_grad_expr: the units' ActDef), linear index
 * expressions (lx), int tables; and the Python text helpers of the PyTorch export
 * (pl, pyfloat, act_py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

void emitf(Emitter *e, const char *fmt, ...)
{
    for (int i = 0; i < e->indent; i++)
        buf_puts(e->b, "    ");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(e->b, fmt, ap);
    va_end(ap);
    buf_putc(e->b, '\n');
}

#define LINE_WIDTH 96

void emit_long(Emitter *e, const char *s)
{
    size_t n = strlen(s), start = 0;
    int first = 1;
    while (start < n) {
        int ind = (e->indent + (first ? 0 : 2)) * 4, wind = ind + e->hole_indent * 4;
        size_t room = LINE_WIDTH > wind + 20 ? (size_t)(LINE_WIDTH - wind) : 20;
        size_t end = n;
        if (n - start > room) {
            /* last break point within room: after ", " or before " + " */
            size_t best = 0;
            for (size_t k = start + 1; k < n && k - start <= room; k++)
                if (s[k] == ' ' && (s[k - 1] == ',' || (k + 1 < n && s[k + 1] == '+')))
                    best = k;
            if (best == 0) /* nothing in range: take the first one after */
                for (size_t k = start + room; k < n; k++)
                    if (s[k] == ' ' && (s[k - 1] == ',' || (k + 1 < n && s[k + 1] == '+'))) {
                        best = k;
                        break;
                    }
            if (best)
                end = best;
        }
        for (int i = 0; i < ind; i++)
            buf_putc(e->b, ' ');
        for (size_t k = start; k < end; k++)
            buf_putc(e->b, s[k]);
        buf_putc(e->b, '\n');
        start = end;
        while (start < n && s[start] == ' ')
            start++;
        first = 0;
    }
}

const char *rlit(const Emitter *e, double v)
{
    char *s = text_alloc(64);
    char t[48];
    if (e->dtype == DT_F32) {
        float f = (float)v;
        for (int p = 6; p <= 9; p++) {
            snprintf(t, sizeof t, "%.*g", p, (double)f);
            if ((float)strtod(t, NULL) == f)
                break;
        }
    } else {
        for (int p = 15; p <= 17; p++) {
            snprintf(t, sizeof t, "%.*g", p, v);
            if (strtod(t, NULL) == v)
                break;
        }
    }
    if (!strpbrk(t, ".eni"))
        strcat(t, ".0");
    snprintf(s, 64, "%s%s%s%s", v < 0 ? "(" : "", t, e->dtype == DT_F32 ? "f" : "",
             v < 0 ? ")" : "");
    return s;
}

const char *mfn(const Emitter *e, const char *name)
{
    char *s = text_alloc(32);
    snprintf(s, 32, "%s%s", name, e->dtype == DT_F32 ? "f" : "");
    return s;
}


const char *act_expr(const Emitter *e, Act a, double alpha, const char *x)
{
    char *s = text_alloc(512);
    act_table[a]->expr(e, alpha, x, s, 512);
    return s;
}

const char *act_grad_expr(const Emitter *e, Act a, double alpha, const char *y, const char *g)
{
    char *s = text_alloc(512);
    act_table[a]->grad(e, alpha, y, g, s, 512);
    return s;
}

const char *lx(int c0, ...)
{
    char *s = text_alloc(512);
    size_t k = 0;
    s[0] = 0;
    va_list ap;
    va_start(ap, c0);
    for (;;) {
        int coef = va_arg(ap, int);
        const char *var = va_arg(ap, const char *);
        if (!var)
            break;
        if (coef == 0)
            continue;
        int neg = coef < 0;
        int a = neg ? -coef : coef;
        if (k)
            k += snprintf(s + k, 512 - k, " %c ", neg ? '-' : '+');
        else if (neg)
            k += snprintf(s + k, 512 - k, "-");
        if (a == 1)
            k += snprintf(s + k, 512 - k, "%s", var);
        else
            k += snprintf(s + k, 512 - k, "%s * %d", var, a);
    }
    va_end(ap);
    if (c0 || !k) {
        if (k)
            snprintf(s + k, 512 - k, " %c %d", c0 < 0 ? '-' : '+', c0 < 0 ? -c0 : c0);
        else
            snprintf(s, 512, "%d", c0);
    }
    return s;
}

void emit_int_table(Emitter *e, const char *name, const int *v, int n)
{
    Buf t = {0};
    buf_printf(&t, "static const int %s[%d] = {", name, n);
    for (int i = 0; i < n; i++)
        buf_printf(&t, "%s%d", i ? ", " : "", v[i]);
    buf_puts(&t, "};");
    emit_long(e, t.data);
    buf_free(&t);
}


/* ---- Python text (emit_pytorch.c and the units' PyTorch expressions) */

/* the shortest text that reads back as v (a Python float literal) */
const char *pyfloat(double v, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strncat(buf, ".0", n - strlen(buf) - 1);
    return buf;
}

void pl(Buf *b, int indent, const char *fmt, ...)
{
    va_list ap;
    for (int i = 0; i < indent; i++)
        buf_puts(b, "    ");
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    buf_putc(b, '\n');
}

const char *act_py(Act a, double alpha, const char *x, char *out, size_t n)
{
    act_table[a]->py(alpha, x, out, n);
    return out;
}

const char *py_value(const char *name)
{
    return text_fmt("h_%s", name);
}
