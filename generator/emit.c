/* emit.c - the C writer (stub until the code-generation work lands). */
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

int emit_c(const Net *net, const Options *opt, const char *header_name, Buf *c, Buf *h)
{
    (void)net; (void)opt; (void)header_name; (void)c; (void)h;
    fputs("cnngen: code generation is not implemented yet\n", stderr);
    return -1;
}
