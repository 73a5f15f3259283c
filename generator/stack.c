/* stack.c - cnngen --report --stack: the maximum stack bytes of every function of the
 * generated C, computed from the generated text itself (so it follows whatever the
 * emitters write), for embedded users who size stacks from it.
 *
 * Per function: every local declared in its body (arrays: elements x element size;
 * scalars and pointers: 8 bytes; a P_vec: as wide as the target's vectors, with
 * P_VL = vector bytes / sizeof(P_real) lanes: the largest figure over no vectors,
 * 16, 32 and 64 bytes counts) and 8 bytes per parameter, all of it twice (optimizers
 * keep copies, spill vector temporaries and inline callees), plus one vector per
 * distinct constant-subscript read (`w[12]`) in a function with vector locals (a
 * loop-invariant weight the compiler may broadcast, hoist and spill), plus 1.5 KiB of frame
 * (return address, saved registers, alignment); `static` locals live elsewhere and do
 * not count. A function's "max" includes the deepest chain of generated functions it
 * calls (the generated code does not recurse). The "max" figures bound what gcc and
 * clang use at -O0 to -O3 with vectors up to AVX-512: tests/suite_hardening.sh checks
 * them against -fstack-usage (tests/hardening/stack_check.py). The C library's
 * memset/memcpy/exp are not included. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

#define STACK_FRAME 1536
#define STACK_MAXFN 4096

typedef struct SFn {
    char name[128];
    long long self, total;
    long long bcast;           /* hoisted broadcasts (bc_scan), counted once */
    int *callees, ncallees;
    int state;                 /* 0 new, 1 visiting, 2 done */
} SFn;

static SFn *fns;
static int nfns, computed;
static char prefix_s[MAX_NAME + 1];
static int real_sz;
static int vbytes;             /* the vector width being assumed (see stack_compute) */

static int ident_char(int c) { return isalnum(c) || c == '_'; }

/* Loop-invariant scalars a compiler may broadcast into vectors: in a function with
 * vector locals, every distinct `name[N]` (N a literal) the body reads may become one
 * vector hoisted out of the loops and spilled (gcc and clang do so with the fast conv
 * layers' weights), so it counts one vector. Hashes of those seen in the current body: */
static unsigned long long *bc;
static size_t nbc, capbc;

static void bc_scan(const char *l, const char *e)
{
    for (const char *p = l; p < e; p++) {
        if (!ident_char((unsigned char)*p) || isdigit((unsigned char)*p) ||
            (p > l && ident_char((unsigned char)p[-1])))
            continue;
        const char *q = p;
        while (q < e && ident_char((unsigned char)*q))
            q++;
        const char *r = q;
        if (r < e && *r == '[' && r + 1 < e && isdigit((unsigned char)r[1])) {
            r++;
            while (r < e && isdigit((unsigned char)*r))
                r++;
            if (r < e && *r == ']') {
                unsigned long long h = 1469598103934665603ULL;
                for (const char *c = p; c <= r; c++)
                    h = (h ^ (unsigned char)*c) * 1099511628211ULL;
                if (nbc == capbc) {
                    size_t nc = capbc ? 2 * capbc : 256;
                    unsigned long long *n2 = realloc(bc, nc * sizeof *bc);
                    if (!n2)
                        return;
                    bc = n2;
                    capbc = nc;
                }
                bc[nbc++] = h;
            }
        }
        p = q - 1;
    }
}

static int cmp_ull(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

/* distinct hashes collected, and the collection emptied */
static long long bc_take(void)
{
    long long n = 0;
    qsort(bc, nbc, sizeof *bc, cmp_ull);
    for (size_t i = 0; i < nbc; i++)
        n += i == 0 || bc[i] != bc[i - 1];
    nbc = 0;
    return n;
}

/* the line declares a P_vec local */
static int vec_decl(const char *s, const char *e)
{
    while (s < e && isspace((unsigned char)*s))
        s++;
    if (e - s > 6 && !strncmp(s, "const ", 6))
        s += 6;
    size_t pl = strlen(prefix_s);
    return (size_t)(e - s) > pl + 5 && !strncmp(s, prefix_s, pl) && !strncmp(s + pl, "_vec ", 5);
}

/* element size of a type word, 0 if the word is no type */
static int type_size(const char *w, size_t n)
{
    static const struct { const char *w; int sz; } t[] = {
        {"float", 4}, {"double", 8}, {"int", 4}, {"unsigned", 4}, {"long", 8}, {"size_t", 8},
        {"int32_t", 4}, {"uint32_t", 4}, {"int64_t", 8}, {"uint64_t", 8}, {"char", 1},
        {"short", 2}, {"ptrdiff_t", 8},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (strlen(t[i].w) == n && !strncmp(w, t[i].w, n))
            return t[i].sz;
    size_t pl = strlen(prefix_s);
    if (n > pl && !strncmp(w, prefix_s, pl) && w[pl] == '_') {
        if (n == pl + 5 && !strncmp(w + pl, "_real", 5))
            return real_sz;
        if (n >= pl + 4 && !strncmp(w + pl, "_vec", 4))
            return vbytes;
    }
    return 0;
}

/* value of an array dimension: integers and P_VL joined by * and / (left to right,
 * C's integer division), parentheses ignored; another name counts as 64 */
static long long dim_value(const char *s, const char *end)
{
    long long v = 1;
    int op = '*';
    while (s < end) {
        while (s < end && (isspace((unsigned char)*s) || *s == '(' || *s == ')'))
            s++;
        if (s >= end)
            break;
        if (*s == '*' || *s == '/') {
            op = *s++;
            continue;
        }
        long long x = 64;
        if (isdigit((unsigned char)*s)) {
            x = strtoll(s, NULL, 10);
            while (s < end && ident_char((unsigned char)*s))
                s++;
        } else if (ident_char((unsigned char)*s)) {
            const char *w = s;
            while (s < end && ident_char((unsigned char)*s))
                s++;
            if (s - w > 3 && !strncmp(s - 3, "_VL", 3))
                x = vbytes / real_sz;
        } else {
            s++;
            continue;
        }
        v = op == '/' ? (x ? v / x : v) : sat_mul(v, x);
    }
    return v;
}

/* bytes of the locals declared on one body line, 0 when it is no declaration */
static long long decl_bytes(const char *s, const char *e)
{
    while (s < e && isspace((unsigned char)*s))
        s++;
    int sz = 0;
    for (;;) {                              /* qualifiers and type words */
        const char *w = s;
        while (s < e && ident_char((unsigned char)*s))
            s++;
        size_t n = (size_t)(s - w);
        int qual = (n == 5 && !strncmp(w, "const", 5)) || (n == 8 && !strncmp(w, "register", 8)) ||
                   (n == 8 && !strncmp(w, "volatile", 8)) || (n == 8 && !strncmp(w, "restrict", 8));
        int t = n ? type_size(w, n) : 0;
        if (!qual && !t) {
            s = w;                          /* the first declarator */
            break;
        }
        if (t && (sz == 0 || t > sz))
            sz = t;                         /* "long long", "unsigned int": the widest word */
        while (s < e && isspace((unsigned char)*s))
            s++;
    }
    /* a declarator starts with an identifier or '*' and the line ends with ';' */
    if (!sz || s >= e || !(ident_char((unsigned char)*s) || *s == '*') || e[-1] != ';')
        return 0;
    /* declarators, split at top-level commas, up to ';' */
    long long total = 0;
    int depth = 0;
    const char *d = s;
    for (const char *p = s; p <= e; p++) {
        if (p < e && (*p == '(' || *p == '{' || *p == '['))
            depth++;
        else if (p < e && (*p == ')' || *p == '}' || *p == ']'))
            depth--;
        if (p == e || (depth == 0 && (*p == ',' || *p == ';'))) {
            const char *q = d;
            while (q < p && (isspace((unsigned char)*q)))
                q++;
            if (q < p) {
                int ptr = *q == '*';
                const char *br = memchr(q, '[', (size_t)(p - q));
                const char *eq = memchr(q, '=', (size_t)(p - q));
                if (br && (!eq || br < eq) && !ptr) {
                    long long n = 1;
                    while (br && br < p && *br == '[') {
                        const char *cl = memchr(br, ']', (size_t)(p - br));
                        if (!cl)
                            break;
                        n = sat_mul(n, dim_value(br + 1, cl));
                        br = cl + 1;
                    }
                    total = sat_add(total, sat_mul(n, sz));
                } else {
                    total = sat_add(total, ptr ? 8 : (sz > 8 ? sz : 8));
                }
            }
            d = p + 1;
            if (p < e && *p == ';')
                break;
        }
    }
    return total;
}

static int find_fn(const char *name, size_t n)
{
    for (int i = 0; i < nfns; i++)
        if (strlen(fns[i].name) == n && !strncmp(fns[i].name, name, n))
            return i;
    return -1;
}

static long long total_of(int i)
{
    SFn *f = &fns[i];
    if (f->state == 2)
        return f->total;
    if (f->state == 1)
        return f->self;                     /* recursion: not generated; do not loop */
    f->state = 1;
    long long worst = 0;
    for (int k = 0; k < f->ncallees; k++) {
        long long t = total_of(f->callees[k]);
        if (t > worst)
            worst = t;
    }
    f->total = sat_add(f->self, worst);
    f->state = 2;
    return f->total;
}

void stack_free(void)
{
    free(bc);
    bc = NULL;
    nbc = capbc = 0;
    for (int i = 0; i < nfns; i++)
        free(fns[i].callees);
    free(fns);
    fns = NULL;
    nfns = 0;
    computed = 0;
}

void stack_compute(const Net *net, const char *prefix, const Buf *c)
{
    stack_free();
    computed = 1;
    snprintf(prefix_s, sizeof prefix_s, "%s", prefix);
    real_sz = real_bytes(net->dtype);
    if (!c->data)
        return;
    fns = calloc(STACK_MAXFN, sizeof *fns);
    if (!fns)
        return;
    const char *src = c->data, *end = c->data + c->len;
    /* the figures for each vector width the generated code may be compiled for (no
     * vectors: one real; SSE/NEON 16, AVX 32, AVX-512 64 bytes); the largest counts */
    static const int widths[] = {0, 16, 32, 64};
    long long *best = NULL;
    for (int wi = 0; wi < 4; wi++) {
    vbytes = widths[wi] ? widths[wi] : real_sz;
    for (int i = 0; i < nfns; i++)
        fns[i].self = fns[i].bcast = 0;
    /* pass 1: function definitions - a line at column 0 with '(' whose body opens
     * with a '{' line at column 0; pass 2: bodies */
    for (int pass = 1; pass <= 2; pass++) {
        int cur = -1, in_body = 0, nparams = 0, has_vec = 0;
        nbc = 0;
        for (const char *l = src; l < end;) {
            const char *e = memchr(l, '\n', (size_t)(end - l));
            if (!e)
                e = end;
            if (!in_body && ident_char((unsigned char)*l) && memchr(l, '(', (size_t)(e - l)) &&
                strncmp(l, "typedef", 7) && strncmp(l, "extern", 6) && e[-1] != ';') {
                const char *par = memchr(l, '(', (size_t)(e - l));
                const char *nb = par;
                while (nb > l && isspace((unsigned char)nb[-1]))
                    nb--;
                const char *na = nb;
                while (na > l && ident_char((unsigned char)na[-1]))
                    na--;
                cur = -1;
                if (nb > na && nb - na < 127) {
                    if (pass == 1 && nfns < STACK_MAXFN && find_fn(na, (size_t)(nb - na)) < 0) {
                        memcpy(fns[nfns].name, na, (size_t)(nb - na));
                        nfns++;
                    }
                    cur = find_fn(na, (size_t)(nb - na));
                }
                nparams = 1;
                for (const char *p = par; p < e; p++)
                    nparams += *p == ',';
                /* signatures may continue on the next lines */
                const char *l2 = e < end ? e + 1 : end;
                while (l2 < end && *l2 != '{' && *l2 != '\n' && isspace((unsigned char)*l2)) {
                    const char *e2 = memchr(l2, '\n', (size_t)(end - l2));
                    if (!e2)
                        e2 = end;
                    for (const char *p = l2; p < e2; p++)
                        nparams += *p == ',';
                    l2 = e2 < end ? e2 + 1 : end;
                }
                if (!(l2 < end && *l2 == '{'))
                    cur = -1;                       /* a prototype or no function */
                e = l2 > e ? l2 - 1 : e;
                if (cur >= 0 && pass == 2)
                    fns[cur].self = 8LL * nparams;
            } else if (*l == '{' && cur >= 0) {
                in_body = 1;
                has_vec = 0;
                nbc = 0;
            } else if (*l == '}' && in_body) {
                long long nb = bc_take();
                if (has_vec && pass == 2 && cur >= 0)
                    fns[cur].bcast = sat_mul(nb, vbytes);
                in_body = 0;
                cur = -1;
            } else if (in_body && pass == 2 && cur >= 0) {
                fns[cur].self = sat_add(fns[cur].self, decl_bytes(l, e));
                has_vec |= vec_decl(l, e);
                bc_scan(l, e);
                for (const char *p = l; p < e; p++) {      /* calls */
                    if (!ident_char((unsigned char)*p) || (p > l && ident_char((unsigned char)p[-1])))
                        continue;
                    const char *q = p;
                    while (q < e && ident_char((unsigned char)*q))
                        q++;
                    const char *r = q;
                    while (r < e && *r == ' ')
                        r++;
                    if (r < e && *r == '(') {
                        int k = find_fn(p, (size_t)(q - p));
                        if (k >= 0 && k != cur) {
                            SFn *f = &fns[cur];
                            int seen = 0;
                            for (int m = 0; m < f->ncallees; m++)
                                seen |= f->callees[m] == k;
                            if (!seen) {
                                int *nc = realloc(f->callees, (size_t)(f->ncallees + 1) * sizeof(int));
                                if (nc) {
                                    f->callees = nc;
                                    f->callees[f->ncallees++] = k;
                                }
                            }
                        }
                    }
                    p = q - 1;
                }
            }
            l = e < end ? e + 1 : end;
        }
    }
    if (!best)
        best = calloc(STACK_MAXFN, sizeof *best);
    for (int i = 0; best && i < nfns; i++) {
        long long b = sat_add(sat_add(STACK_FRAME, sat_mul(2, fns[i].self)), fns[i].bcast);
        if (b > best[i])
            best[i] = b;
    }
    }
    for (int i = 0; best && i < nfns; i++)
        fns[i].self = best[i];
    free(best);
    for (int i = 0; i < nfns; i++)
        total_of(i);
}

void stack_report(FILE *out, Format fmt)
{
    if (!computed || fmt == FMT_JSON)
        return;
    char a[32], b[32];
    if (fmt == FMT_MARKDOWN) {
        fprintf(out, "\n| function | own stack bytes | max stack bytes (with callees) |\n"
                     "| --- | ---: | ---: |\n");
        for (int i = 0; i < nfns; i++)
            fprintf(out, "| %s | %s | %s |\n", fns[i].name, commas(fns[i].self, a),
                    commas(fns[i].total, b));
        return;
    }
    fprintf(out, "\nStack (bytes, upper bound for gcc/clang -O0..-O3 on targets up to AVX-512;\n"
                 "max includes the generated functions it calls, not libc):\n");
    fprintf(out, "  %-40s %12s %12s\n", "function", "own", "max");
    for (int i = 0; i < nfns; i++)
        fprintf(out, "  %-40s %12s %12s\n", fns[i].name, commas(fns[i].self, a),
                commas(fns[i].total, b));
}

void stack_json(FILE *out)
{
    if (!computed)
        return;
    fprintf(out, ",\n  \"stack\": [");
    for (int i = 0; i < nfns; i++)
        fprintf(out, "%s{\"function\": \"%s\", \"own_bytes\": %lld, \"max_bytes\": %lld}",
                i ? ", " : "", fns[i].name, fns[i].self, fns[i].total);
    fprintf(out, "]");
}
