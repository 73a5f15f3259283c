/* diag.c - positioned diagnostics, in the style of chibicc's verror_at:
 *
 *   net.yaml:14:5: error: conv2: kernel 5 does not fit ...
 *      14 |   - {type: conv2d, kernel: 5}
 *         |     ^
 *
 * After MAX_ERRORS errors one note is printed and further errors are only counted.
 */
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

void diag_init(Diag *d, const char *file, const char *src, size_t len)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->src_len = len;
    d->out = stderr;
}

/* Prints source line p.line and a caret under column p.col (columns count
 * characters, as libyaml does: UTF-8 continuation bytes take no column). */
static void show_line(Diag *d, Pos p)
{
    if (!d->src || p.line < 1)
        return;
    const char *s = d->src, *end = d->src + d->src_len;
    int ln = 1;
    for (; ln < p.line && s < end; s++)
        if (*s == '\n')
            ln++;
    if (ln < p.line)
        return;
    const char *e = s;
    while (e < end && *e != '\n')
        e++;
    if (e > s && e[-1] == '\r')
        e--;
    /* the line, with control bytes made visible, at most 200 characters */
    char line[256], caret[256];
    int n = 0, cn = 0, col = 1;
    for (const char *q = s; q < e && n < 200; q++) {
        unsigned char c = (unsigned char)*q;
        int cont = (c & 0xC0) == 0x80;
        line[n++] = (c == '\t' || (c >= 0x20 && c != 0x7f)) ? (char)c : '?';
        if (!cont) {
            if (col < p.col && cn < 200)
                caret[cn++] = c == '\t' ? '\t' : ' ';
            col++;
        }
    }
    line[n] = 0;
    caret[cn] = 0;
    fprintf(d->out, "%5d | %s\n      | %s^\n", p.line, line, caret);
}

static void vreport(Diag *d, Pos p, const char *what, const char *suffix,
                    const char *fmt, va_list ap)
{
    if (p.line < 1)
        p.line = p.col = 1;
    if (p.col < 1)
        p.col = 1;
    fprintf(d->out, "%s:%d:%d: %s: ", d->file, p.line, p.col, what);
    vfprintf(d->out, fmt, ap);
    fprintf(d->out, "%s\n", suffix);
    show_line(d, p);
}

static int error_room(Diag *d)
{
    if (d->nerrors < MAX_ERRORS)
        return 1;
    if (d->nerrors == MAX_ERRORS)
        fprintf(d->out, "%s: note: too many errors (%d); stopping here\n", d->file, MAX_ERRORS);
    return 0;
}

void error_at(Diag *d, Pos p, const char *fmt, ...)
{
    if (error_room(d)) {
        va_list ap;
        va_start(ap, fmt);
        vreport(d, p, "error", "", fmt, ap);
        va_end(ap);
    }
    d->nerrors++;
}

void warn_at(Diag *d, Pos p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->strict) {
        if (error_room(d))
            vreport(d, p, "error", " [--strict]", fmt, ap);
        d->nerrors++;
    } else {
        if (!d->quiet_warnings)
            vreport(d, p, "warning", "", fmt, ap);
        d->nwarnings++;
    }
    va_end(ap);
}

/* Levenshtein distance with adjacent transpositions ("widht" -> "width" is 1),
 * case-insensitive. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1000;
    int m[65][65];
    for (size_t i = 0; i <= la; i++)
        m[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        m[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
            int best = m[i - 1][j - 1] + (ca != cb);
            if (m[i - 1][j] + 1 < best)
                best = m[i - 1][j] + 1;
            if (m[i][j - 1] + 1 < best)
                best = m[i][j - 1] + 1;
            if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb &&
                m[i - 2][j - 2] + 1 < best)
                best = m[i - 2][j - 2] + 1;
            m[i][j] = best;
        }
    return m[la][lb];
}

const char *closest_word(const char *word, const char *const *cands, int n)
{
    int len = (int)strlen(word);
    int limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    int bestd = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        int dd = edit_distance(word, cands[i]);
        /* a prefix ("conv" for "conv2d") is also a close call */
        size_t lc = strlen(cands[i]);
        if (dd > limit && len >= 3 && (size_t)len < lc && strncmp(word, cands[i], (size_t)len) == 0)
            dd = limit;
        if (dd < bestd) {
            bestd = dd;
            best = cands[i];
        }
    }
    return best;
}
