/* csource.c - the generated C read back, as one target compiles it: the text with every
 * `#if` decided for that target (csrc_open) and its function definitions, with what a
 * compiler's inliner and identical-code folding see of each (static, noinline, inline,
 * how often it is named, which other definition has the same text). budget.c's
 * Cortex-M code-size model and stack.c's Cortex-M stack model read it.
 *
 * Only the conditionals the generator writes need deciding: `#if`, `#ifdef`,
 * `#ifndef`, `#elif`, `#else`, `#endif` over `defined(NAME)`, `!`, `&&`, `||`, the
 * comparisons, integers and names (a name the target does not define is 0, a
 * function-like one such as __has_feature(x) too). Macros are not expanded: the
 * features the models count are of the text the generator wrote. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

typedef struct { const char *name; long long value; } Def;

/* what the target defines: a Cortex-M4F under arm-none-eabi-gcc, GNU C without float
 * SIMD, so no vectors and no per-ISA dispatch (net.h's P_VECTORS, P_VBYTES, net.c's
 * P_DISPATCH with the prefix P) */
static const Def *defs;
static int ndefs;
static char pfx[MAX_NAME + 1];

static int def_find(const char *s, size_t n, long long *value)
{
    size_t pl = strlen(pfx);
    static const char *const p0[] = {"_VECTORS", "_VBYTES", "_DISPATCH"};
    if (n > pl && !strncmp(s, pfx, pl))
        for (size_t i = 0; i < sizeof p0 / sizeof *p0; i++)
            if (n - pl == strlen(p0[i]) && !strncmp(s + pl, p0[i], n - pl)) {
                *value = 0;
                return 1;
            }
    for (int i = 0; i < ndefs; i++)
        if (strlen(defs[i].name) == n && !strncmp(defs[i].name, s, n)) {
            *value = defs[i].value;
            return 1;
        }
    return 0;
}

/* ---- #if expressions: recursive descent over [s, e) ---- */
typedef struct { const char *s, *e; } Ex;

static void ex_ws(Ex *x)
{
    while (x->s < x->e && (isspace((unsigned char)*x->s) || *x->s == '\\'))
        x->s++;
}

static int ex_ident(Ex *x, const char **w, size_t *n)
{
    ex_ws(x);
    if (x->s >= x->e || !(isalpha((unsigned char)*x->s) || *x->s == '_'))
        return 0;
    *w = x->s;
    while (x->s < x->e && (isalnum((unsigned char)*x->s) || *x->s == '_'))
        x->s++;
    *n = (size_t)(x->s - *w);
    return 1;
}

static long long ex_or(Ex *x);

static long long ex_unary(Ex *x)
{
    ex_ws(x);
    if (x->s >= x->e)
        return 0;
    if (*x->s == '!') {
        x->s++;
        return !ex_unary(x);
    }
    if (*x->s == '(') {
        x->s++;
        long long v = ex_or(x);
        ex_ws(x);
        if (x->s < x->e && *x->s == ')')
            x->s++;
        return v;
    }
    if (isdigit((unsigned char)*x->s)) {
        long long v = strtoll(x->s, NULL, 0);
        while (x->s < x->e && isalnum((unsigned char)*x->s))
            x->s++;
        return v;
    }
    const char *w;
    size_t n;
    long long v = 0;
    if (!ex_ident(x, &w, &n)) {
        x->s++;
        return 0;
    }
    if (n == 7 && !strncmp(w, "defined", 7)) {
        ex_ws(x);
        int par = x->s < x->e && *x->s == '(';
        if (par)
            x->s++;
        const char *m;
        size_t mn;
        int d = ex_ident(x, &m, &mn) && def_find(m, mn, &v);
        ex_ws(x);
        if (par && x->s < x->e && *x->s == ')')
            x->s++;
        return d;
    }
    ex_ws(x);
    if (x->s < x->e && *x->s == '(') {          /* a function-like name: 0 */
        int depth = 0;
        do {
            depth += *x->s == '(';
            depth -= *x->s == ')';
            x->s++;
        } while (x->s < x->e && depth > 0);
        return 0;
    }
    return def_find(w, n, &v) ? v : 0;
}

static long long ex_cmp(Ex *x)
{
    long long a = ex_unary(x);
    for (;;) {
        ex_ws(x);
        if (x->e - x->s >= 2 && (!strncmp(x->s, ">=", 2) || !strncmp(x->s, "<=", 2) ||
                                 !strncmp(x->s, "==", 2) || !strncmp(x->s, "!=", 2))) {
            char op = x->s[0];
            x->s += 2;
            long long b = ex_unary(x);
            a = op == '>' ? a >= b : op == '<' ? a <= b : op == '=' ? a == b : a != b;
        } else if (x->s < x->e && (*x->s == '>' || *x->s == '<')) {
            char op = *x->s++;
            long long b = ex_unary(x);
            a = op == '>' ? a > b : a < b;
        } else
            return a;
    }
}

static long long ex_and(Ex *x)
{
    long long a = ex_cmp(x);
    for (;;) {
        ex_ws(x);
        if (x->e - x->s < 2 || strncmp(x->s, "&&", 2))
            return a;
        x->s += 2;
        long long b = ex_cmp(x);
        a = a && b;
    }
}

static long long ex_or(Ex *x)
{
    long long a = ex_and(x);
    for (;;) {
        ex_ws(x);
        if (x->e - x->s < 2 || strncmp(x->s, "||", 2))
            return a;
        x->s += 2;
        long long b = ex_and(x);
        a = a || b;
    }
}

/* ---- the view: the lines the target compiles, comments removed ---- */

/* [s, e) without comments appended to b (a comment becomes one space) */
static void put_uncommented(Buf *b, const char *s, const char *e, int *in_comment)
{
    while (s < e) {
        if (*in_comment) {
            const char *c = s;
            while (c + 1 < e && !(c[0] == '*' && c[1] == '/'))
                c++;
            if (c + 1 >= e)
                return;
            *in_comment = 0;
            s = c + 2;
            buf_putc(b, ' ');
            continue;
        }
        if (s + 1 < e && s[0] == '/' && s[1] == '*') {
            *in_comment = 1;
            s += 2;
            continue;
        }
        if (*s == '"') {                        /* a string: copied whole */
            const char *q = s + 1;
            while (q < e && *q != '"')
                q += *q == '\\' && q + 1 < e ? 2 : 1;
            q = q < e ? q + 1 : e;
            for (; s < q; s++)
                buf_putc(b, *s);
            continue;
        }
        buf_putc(b, *s++);
    }
}

static char *view_text(const Buf *c, size_t *len)
{
    enum { MAXD = 64 };
    int live[MAXD], taken[MAXD], depth = 0, in_comment = 0;   /* per open #if */
    Buf out = {0};
    const char *s = c->data ? c->data : "", *end = s + c->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl + 1 : end;
        const char *t = s;
        while (t < le && (*t == ' ' || *t == '\t'))
            t++;
        int on = depth == 0 || live[depth - 1];
        if (!in_comment && *t == '#') {
            /* a directive, with its continuation lines */
            const char *de = le;
            while (de - 2 >= t && de[-2] == '\\' && de < end) {
                const char *n2 = memchr(de, '\n', (size_t)(end - de));
                de = n2 ? n2 + 1 : end;
            }
            const char *d = t + 1;
            while (d < de && *d == ' ')
                d++;
            Ex x = {d, de};
            const char *w;
            size_t n;
            ex_ident(&x, &w, &n);
            int parent = depth <= 1 || live[depth - 2];
            if ((n == 2 && !strncmp(w, "if", 2)) || (n == 5 && !strncmp(w, "ifdef", 5)) ||
                (n == 6 && !strncmp(w, "ifndef", 6))) {
                long long v = 0;
                if (n == 2)
                    v = ex_or(&x);
                else {
                    const char *m;
                    size_t mn;
                    long long dummy;
                    v = ex_ident(&x, &m, &mn) && def_find(m, mn, &dummy);
                    if (n == 6)
                        v = !v;
                }
                if (depth < MAXD) {
                    live[depth] = on && v;
                    taken[depth] = v != 0;
                }
                depth++;
            } else if (n == 4 && !strncmp(w, "elif", 4) && depth > 0 && depth <= MAXD) {
                long long v = !taken[depth - 1] && ex_or(&x);
                live[depth - 1] = parent && v;
                taken[depth - 1] |= v != 0;
            } else if (n == 4 && !strncmp(w, "else", 4) && depth > 0 && depth <= MAXD) {
                live[depth - 1] = parent && !taken[depth - 1];
                taken[depth - 1] = 1;
            } else if (n == 5 && !strncmp(w, "endif", 5) && depth > 0) {
                depth--;
            }
            s = de;
            continue;
        }
        if (on)
            put_uncommented(&out, s, le, &in_comment);
        else if (in_comment || strstr(s, "/*")) {
            /* keep the comment state across lines that are left out */
            Buf dummy = {0};
            put_uncommented(&dummy, s, le, &in_comment);
            buf_free(&dummy);
        }
        s = le;
    }
    if (!out.data)
        buf_puts(&out, "");
    *len = out.len;
    return out.data;
}

/* ---- the function definitions ---- */

static int ident_c(int c) { return isalnum(c) || c == '_'; }

static int fn_cmp(const void *a, const void *b)
{
    return strcmp(((const CFunc *)a)->name, ((const CFunc *)b)->name);
}

int csrc_find(const CSource *cs, const char *name, size_t n)
{
    char key[sizeof ((CFunc *)0)->name];
    if (n >= sizeof key)
        return -1;
    memcpy(key, name, n);
    key[n] = '\0';
    int lo = 0, hi = cs->nfn - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(cs->byname[mid]->name, key);
        if (!c)
            return (int)(cs->byname[mid] - cs->fn);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int by_name_cmp(const void *a, const void *b)
{
    return fn_cmp(*(const CFunc *const *)a, *(const CFunc *const *)b);
}

static unsigned long long hash_range(unsigned long long h, const char *s, const char *e)
{
    for (; s < e; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* every identifier of [s, e) that names a definition: f(i) for each */
static void each_ref(const CSource *cs, const char *s, const char *e, void (*f)(CSource *, int, int),
                     int from)
{
    for (const char *p = s; p < e; p++) {
        if (!ident_c((unsigned char)*p) || isdigit((unsigned char)*p) ||
            (p > s && ident_c((unsigned char)p[-1])))
            continue;
        const char *q = p;
        while (q < e && ident_c((unsigned char)*q))
            q++;
        int k = csrc_find(cs, p, (size_t)(q - p));
        if (k >= 0)
            f((CSource *)cs, k, from);
        p = q - 1;
    }
}

static void count_all(CSource *cs, int k, int from) { (void)from; cs->fn[k].names++; }
static void count_in(CSource *cs, int k, int from)
{
    if (k != from)
        cs->fn[k].refs++;
}

void csrc_open(CSource *cs, const Buf *c, const char *P, Arch arch)
{
    static const Def cortex_m[] = {{"__GNUC__", 12}, {"__arm__", 1}, {"__thumb__", 1},
                                   {"__thumb2__", 1}, {"__ARM_FP", 4}};
    memset(cs, 0, sizeof *cs);
    snprintf(pfx, sizeof pfx, "%s", P);
    defs = cortex_m;
    ndefs = (int)(sizeof cortex_m / sizeof *cortex_m);
    (void)arch;                                  /* the one target with a model */
    cs->text = view_text(c, &cs->len);
    int cap = 0;
    const char *s = cs->text, *end = s + cs->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        const char *par = memchr(s, '(', (size_t)(le - s));
        if (!(isalpha((unsigned char)*s) || *s == '_') || !par || !strncmp(s, "typedef", 7) ||
            !strncmp(s, "__attribute__", 13) || memchr(s, '=', (size_t)(par - s))) {
            s = next;
            continue;
        }
        const char *ne = par;
        while (ne > s && ne[-1] == ' ')
            ne--;
        const char *nb = ne;
        while (nb > s && ident_c((unsigned char)nb[-1]))
            nb--;
        /* the body: '{' ending a line of the signature (a one-line function: on this line) */
        const char *body = NULL, *fe = NULL, *l = s;
        const char *lend = le;
        while (lend > s && (lend[-1] == ' ' || lend[-1] == '\r'))
            lend--;
        if (lend > s && lend[-1] == '}') {
            body = memchr(par, '{', (size_t)(lend - par));
            fe = lend;
        } else {
            for (;;) {
                const char *n2 = memchr(l, '\n', (size_t)(end - l));
                const char *e2 = n2 ? n2 : end;
                const char *t2 = e2;
                while (t2 > l && (t2[-1] == ' ' || t2[-1] == '\r'))
                    t2--;
                if (t2 > l && t2[-1] == ';')
                    break;                          /* a prototype */
                if (t2 > l && t2[-1] == '{') {
                    body = t2 - 1;
                    /* up to the line that is just "}" */
                    const char *q = n2 ? n2 + 1 : end;
                    while (q < end) {
                        const char *n3 = memchr(q, '\n', (size_t)(end - q));
                        const char *e3 = n3 ? n3 : end;
                        if (e3 - q == 1 && *q == '}') {
                            fe = e3;
                            break;
                        }
                        q = n3 ? n3 + 1 : end;
                    }
                    if (!fe)
                        fe = end;
                    break;
                }
                if (!n2)
                    break;
                l = n2 + 1;
            }
        }
        if (!body || ne == nb || ne - nb >= (long)sizeof cs->fn[0].name) {
            s = next;
            continue;
        }
        if (cs->nfn == cap) {
            cap = cap ? 2 * cap : 64;
            CFunc *n = realloc(cs->fn, (size_t)cap * sizeof *n);
            if (!n) {
                fprintf(stderr, "cnngen: out of memory\n");
                exit(2);
            }
            cs->fn = n;
        }
        CFunc *f = &cs->fn[cs->nfn++];
        memset(f, 0, sizeof *f);
        memcpy(f->name, nb, (size_t)(ne - nb));
        f->head = s;
        f->body = body;
        f->end = fe;
        f->is_static = !strncmp(s, "static ", 7);
        for (const char *p = s; p < nb; p++) {
            if (!strncmp(p, "inline ", 7) && (p == s || p[-1] == ' '))
                f->is_inline = 1;
            if (!strncmp(p, "NOINLINE", 8) || !strncmp(p, "noinline", 8))
                f->noinline = 1;
        }
        /* identical-code folding: the text with the function's own name left out */
        f->hash = hash_range(hash_range(1469598103934665603ULL, s, nb), ne, fe);
        const char *after = fe < end ? fe + 1 : end;
        s = after > next ? after : next;
    }
    cs->byname = malloc((size_t)(cs->nfn ? cs->nfn : 1) * sizeof *cs->byname);
    if (!cs->byname) {
        fprintf(stderr, "cnngen: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < cs->nfn; i++)
        cs->byname[i] = &cs->fn[i];
    qsort(cs->byname, (size_t)cs->nfn, sizeof *cs->byname, by_name_cmp);
    each_ref(cs, cs->text, cs->text + cs->len, count_all, -1);
    for (int i = 0; i < cs->nfn; i++)
        each_ref(cs, cs->fn[i].body, cs->fn[i].end, count_in, i);
    /* the first of each set of identical definitions is the one kept; what names the
     * others names it */
    for (int i = 0; i < cs->nfn; i++) {
        cs->fn[i].leader = i;
        for (int k = 0; k < i; k++)
            if (cs->fn[k].hash == cs->fn[i].hash && cs->fn[k].leader == k) {
                cs->fn[i].leader = k;
                break;
            }
    }
    for (int i = 0; i < cs->nfn; i++)
        cs->fn[cs->fn[i].leader].class_refs += cs->fn[i].refs;
}

int csrc_compiled(const CSource *cs, int i)
{
    const CFunc *f = &cs->fn[i];
    if (f->is_inline)
        return 0;                       /* static inline helpers: inlined where used */
    if (f->is_static && f->refs == 0 && f->names <= 1)
        return 0;                       /* never used: dropped */
    return f->leader == i;              /* the others fold into it */
}

void csrc_close(CSource *cs)
{
    free(cs->text);
    free(cs->fn);
    free(cs->byname);
    memset(cs, 0, sizeof *cs);
}
