/* template.c - the template engine: fills the templates (templates/, embedded in the
 * binary as cnngen_templates[] by tools/embed.sh) with hole values and the symbol
 * prefix (README "Templates"): emit_template at the emitter's indent, template_fill
 * into a buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

struct template_file { const char *name; const char *text; };
extern const struct template_file cnngen_templates[];

static const char *template_text(const char *name)
{
    for (const struct template_file *t = cnngen_templates; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->text;
    return NULL;
}

const char *embedded_file(const char *name)
{
    return template_text(name);
}

/* Where the line being written starts in out, and its indent. */
static size_t line_start(const Buf *out, size_t *indent)
{
    size_t ls = out->len;
    while (ls > 0 && out->data[ls - 1] != '\n')
        ls--;
    size_t k = ls;
    while (k < out->len && out->data[k] == ' ')
        k++;
    *indent = k - ls;
    return ls;
}

/* A line hole: the marker ends a line (blanks, then a newline, after it) that has code
 * before it. The code is sample code, so the template compiles as C on its own. */
static int is_line_hole(const Buf *out, const char *s)
{
    while (*s == ' ')
        s++;
    if (*s != '\n')
        return 0;
    size_t ind, ls = line_start(out, &ind);
    for (size_t k = ls; k < out->len; k++)
        if (out->data[k] != ' ')
            return 1;
    return 0;
}

/* The marker that closes the block hole whose lines start at s (block holes nest). */
static const char *block_close(const char *s)
{
    int depth = 1;
    for (; *s; s++) {
        if (strncmp(s, "/*@}@*/", 7) == 0 && --depth == 0)
            return s;
        if (strncmp(s, "{@*/", 4) == 0)
            depth++;
    }
    return NULL;
}

/* Keeps the sample: drops the marker (and the blanks before it) from the line just
 * written; a block's lines then go on through the filler, their holes filled. */
static void keep_sample(Buf *out)
{
    while (out->len > 0 && out->data[out->len - 1] == ' ')
        out->len--;
    out->data[out->len] = 0;
}

/* Replaces the line just written (and, for a block hole NAME{, the lines after it up to
 * the one that ends with the marker slash-star-at } at-star-slash) by the value's
 * lines, each with the first line's indent (an empty value removes them). Returns
 * where the template goes on, NULL after a message. */
/* The holes inside a replaced block [s, end) count as used: the block took them. */
static void mark_inner(const char *s, const char *end, Hole *holes, int nholes)
{
    for (const char *q = strstr(s, "/*@"); q && q < end; q = strstr(q + 3, "/*@")) {
        const char *nm = q + 3, *e = strstr(nm, "@*/");
        if (!e)
            return;
        int blen = (int)(e - nm) - (e > nm && e[-1] == '{');
        for (int i = 0; i < nholes; i++)
            if ((int)strlen(holes[i].name) == blen && strncmp(holes[i].name, nm, blen) == 0)
                holes[i].used = 1;
    }
}

static const char *line_hole(Buf *out, const char *s, const char *v, int block, const char *tname,
                             Hole *holes, int nholes)
{
    size_t ind, ls = line_start(out, &ind);
    s = strchr(s, '\n') + 1;
    if (block) {
        const char *close = block_close(s);
        if (!close) {
            fprintf(stderr, "cnngen: internal error: unclosed block hole in '%s'\n", tname);
            return NULL;
        }
        mark_inner(s, close, holes, nholes);
        s = strchr(close, '\n');
        s = s ? s + 1 : close + strlen(close);
    }
    out->len = ls;
    out->data[ls] = 0;
    for (const char *q = v; *q;) {
        const char *nl = strchr(q, '\n');
        size_t n = nl ? (size_t)(nl - q) : strlen(q);
        if (n)
            for (size_t k = 0; k < ind; k++)
                buf_putc(out, ' ');
        for (size_t k = 0; k < n; k++)
            buf_putc(out, q[k]);
        buf_putc(out, '\n');
        q += n + (nl != NULL);
    }
    return s;
}

/* Copies template `tname` to out, replacing every PFX_ by "<prefix>_" and every
 * hole by its value. A hole is a marker slash-star-at NAME at-star-slash:
 * - alone on its line (only blanks before it): replaced by the value's lines, each
 *   indented as the marker; an empty value removes the line;
 * - at the end of a line of code (a line hole): the code is sample code, which the
 *   value's lines replace, indented as the line (empty: the line goes); NAME{ at the
 *   end of a line and } at the end of a later one make the lines between a block hole
 *   (blocks nest); a NULL value keeps the sample (a block's inner holes are filled);
 * - inside a line: replaced by the value.
 * A leading comment opened with slash-star-bang documents the template and is not
 * copied. Fails (returns -1, message on stderr) on an unknown template or hole, or a
 * hole given but not used. */
int template_fill(Buf *out, const char *tname, Hole *holes, int nholes, const char *prefix)
{
    const char *s = template_text(tname);
    if (!s) {
        fprintf(stderr, "cnngen: internal error: no template '%s'\n", tname);
        return -1;
    }
    if (strncmp(s, "/*!", 3) == 0) {
        const char *end = strstr(s, "*/");
        if (!end) {
            fprintf(stderr, "cnngen: internal error: unterminated comment in '%s'\n", tname);
            return -1;
        }
        s = end + 2;
        if (*s == '\n')
            s++;
    }
    for (int i = 0; i < nholes; i++)
        holes[i].used = 0;
    while (*s) {
        if (strncmp(s, "/*@}@*/", 7) == 0) {   /* the end of a kept block */
            keep_sample(out);
            s += 7;
            continue;
        }
        if (s[0] == '/' && s[1] == '*' && s[2] == '@') {
            const char *nm = s + 3, *end = strstr(nm, "@*/");
            if (!end) {
                fprintf(stderr, "cnngen: internal error: unterminated hole in '%s'\n", tname);
                return -1;
            }
            int len = (int)(end - nm), found = -1, blen = len - (nm[len - 1] == '{');
            for (int i = 0; i < nholes; i++)
                if ((int)strlen(holes[i].name) == blen && strncmp(holes[i].name, nm, blen) == 0)
                    found = i;
            if (found < 0) {
                fprintf(stderr, "cnngen: internal error: template '%s' has unknown hole '%.*s'\n",
                        tname, len, nm);
                return -1;
            }
            holes[found].used = 1;
            const char *v = holes[found].value;
            s = end + 3;
            if (is_line_hole(out, s) && !v) {   /* NULL: the sample code stays */
                keep_sample(out);
                continue;
            }
            if (!v) {
                fprintf(stderr, "cnngen: internal error: hole '%.*s' of '%s' has no value and no sample\n",
                        len, nm, tname);
                return -1;
            }
            if (is_line_hole(out, s)) {
                s = line_hole(out, s, v, nm[len - 1] == '{', tname, holes, nholes);
                if (!s)
                    return -1;
                continue;
            }
            /* alone on its line: only blanks since the last newline, a newline next */
            size_t ls = out->len;
            while (ls > 0 && out->data[ls - 1] == ' ')
                ls--;
            int alone = (ls == 0 || out->data[ls - 1] == '\n') && *s == '\n';
            size_t vl = strlen(v);
            if (!alone) {
                buf_puts(out, v);
                continue;
            }
            size_t ind = out->len - ls;
            if (vl == 0) {          /* the line goes */
                out->len = ls;
                s++;
                continue;
            }
            for (const char *q = v; *q; q++) {
                buf_putc(out, *q);
                if (*q == '\n' && q[1] && q[1] != '\n')
                    for (size_t k = 0; k < ind; k++)
                        buf_putc(out, ' ');
            }
            if (v[vl - 1] == '\n')  /* the value brings its own newline */
                s++;
            continue;
        }
        if (strncmp(s, "PFX_", 4) == 0) {
            buf_puts(out, prefix);
            buf_putc(out, '_');
            s += 4;
            continue;
        }
        buf_putc(out, *s++);
    }
    for (int i = 0; i < nholes; i++)
        if (!holes[i].used) {
            fprintf(stderr, "cnngen: internal error: hole '%s' not used by template '%s'\n",
                    holes[i].name, tname);
            return -1;
        }
    return 0;
}

void emit_template(Emitter *e, const char *tname, Hole *holes, int nholes)
{
    Buf t = {0};
    if (template_fill(&t, tname, holes, nholes, e->P)) {
        e->failed = 1;
        buf_free(&t);
        return;
    }
    const char *s = buf_text(&t);
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n)
            for (int i = 0; i < e->indent; i++)
                buf_puts(e->b, "    ");
        for (size_t k = 0; k < n; k++)
            buf_putc(e->b, s[k]);
        buf_putc(e->b, '\n');
        s += n + (nl ? 1 : 0);
    }
    buf_free(&t);
}

Emitter emit_sub(const Emitter *e, Buf *b)
{
    Emitter s = *e;
    s.b = b;
    s.indent = 0;
    s.failed = 0;
    s.hole_indent = 0;
    return s;
}

Emitter emit_sub_at(const Emitter *e, Buf *b, int depth)
{
    Emitter s = emit_sub(e, b);
    s.hole_indent = depth;
    return s;
}

void emit_template_into(Emitter *e, Buf *b, const char *tname, Hole *holes, int nholes)
{
    Emitter s = emit_sub(e, b);
    emit_template(&s, tname, holes, nholes);
    e->failed |= s.failed;
}

