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
    char name[3 * MAX_NAME + 32];
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
static Arch arch;

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
    if (nbc == 0)
        return 0;
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

/* the Cortex-M model's view of the current body's enum constants (m4_features) */
static struct { char name[32]; long long value; } dim_names[64];
static int ndim_names;

/* value of an array dimension: integers and P_VL joined by * and / (left to right,
 * C's integer division), parentheses ignored; a constant of the body's enum (Cortex-M
 * model) its value; another name counts as 64 */
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
            for (int i = 0; i < ndim_names; i++)
                if ((size_t)(s - w) == strlen(dim_names[i].name) &&
                    !strncmp(w, dim_names[i].name, (size_t)(s - w)))
                    x = dim_names[i].value;
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

/* records that function i calls function k (k < 0: no generated function; once each) */
static void add_callee(int i, int k)
{
    SFn *f = &fns[i];
    if (k < 0 || k == i)
        return;
    for (int m = 0; m < f->ncallees; m++)
        if (f->callees[m] == k)
            return;
    int *nc = realloc(f->callees, (size_t)(f->ncallees + 1) * sizeof(int));
    if (nc) {
        f->callees = nc;
        f->callees[f->ncallees++] = k;
    }
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

/* ---- the Cortex-M4 model (target: {arch: cortex-m4}) ----
 * arm-none-eabi-gcc at -Os and -O2 (csource.c's view: the scalar branches). A frame
 * holds the saved core and floating-point registers, the spills of what the body keeps
 * live and its arrays. Its bytes, in tenths: M4S_BASE, M4S_REAL per scalar real
 * local, M4S_BIGC per distinct integer literal of 256 or more (addresses a compiler
 * hoists and keeps), M4S_PARAM per parameter, M4S_F64 with float64 (soft-float calls),
 * M4S_HOIST per loop-invariant constant-subscript read (m4_hoisted: a weight hoisted
 * out of a loop, live across it), plus its arrays. A static function used once (not
 * noinline) is inlined by gcc: its features join its caller's frame. A function's
 * figure is its frame plus the deepest chain of frames below it. The weights are fitted
 * to -fstack-usage at -Os and -O2 with an under-estimate weighing 30 times an
 * over-estimate (tools/fit_m4_stack.py), which leaves room for the C library's leaves
 * (memset, memcpy, expf): tests/suite_mcu.sh checks every figure against the stack
 * painted on QEMU's M4. */
enum { M4S_BASE = 84, M4S_REAL = 44, M4S_BIGC = 23, M4S_PARAM = 191, M4S_F64 = 524,
       M4S_HOIST = 36 };

/* the body's own names for the real type (`typedef P_vec gvec;`) */
static char m4_alias[4][32];
static int m4_nalias;

/* locals declared on one body line: scalars of the real type, other scalars and
 * pointers, array bytes */
static void m4_decl(const char *s, const char *e, long long *nreal, long long *nint, long long *arr)
{
    while (s < e && isspace((unsigned char)*s))
        s++;
    if (e - s > 7 && !strncmp(s, "static ", 7))
        return;                                 /* static tables live in .rodata */
    if (e - s > 8 && !strncmp(s, "typedef ", 8)) {
        const char *ne = e - 1, *nb;            /* "typedef T NAME;" */
        while (ne > s && !ident_char((unsigned char)ne[-1]))
            ne--;
        nb = ne;
        while (nb > s && ident_char((unsigned char)nb[-1]))
            nb--;
        size_t pl = strlen(prefix_s);
        const char *w = s + 8;
        if (m4_nalias < 4 && ne - nb < 32 && !strncmp(w, prefix_s, pl) &&
            (!strncmp(w + pl, "_real", 5) || !strncmp(w + pl, "_vec", 4)) && !memchr(w, '(', (size_t)(e - w)))
            snprintf(m4_alias[m4_nalias++], 32, "%.*s", (int)(ne - nb), nb);
        return;
    }
    int sz = 0, is_real = 0;
    for (;;) {
        const char *w = s;
        while (s < e && ident_char((unsigned char)*s))
            s++;
        size_t n = (size_t)(s - w);
        int qual = (n == 5 && !strncmp(w, "const", 5)) || (n == 8 && !strncmp(w, "restrict", 8));
        int t = n ? type_size(w, n) : 0, alias = 0;
        for (int i = 0; i < m4_nalias && !t; i++)
            if (strlen(m4_alias[i]) == n && !strncmp(w, m4_alias[i], n))
                t = real_sz, alias = 1;
        if (!qual && !t) {
            s = w;
            break;
        }
        if (alias) {
            sz = t;
            is_real = 1;
        } else if (t) {
            sz = t;
            size_t pl = strlen(prefix_s);
            is_real = (n == pl + 5 && !strncmp(w + pl, "_real", 5)) || (n == 5 && !strncmp(w, "float", 5)) ||
                      (n == 6 && !strncmp(w, "double", 6));
        }
        while (s < e && isspace((unsigned char)*s))
            s++;
    }
    if (!sz || s >= e || !(ident_char((unsigned char)*s) || *s == '*') || e[-1] != ';')
        return;
    int depth = 0;
    const char *d = s;
    for (const char *p = s; p <= e; p++) {
        if (p < e && (*p == '(' || *p == '{' || *p == '['))
            depth++;
        else if (p < e && (*p == ')' || *p == '}' || *p == ']'))
            depth--;
        if (p == e || (depth == 0 && (*p == ',' || *p == ';'))) {
            const char *q = d;
            while (q < p && isspace((unsigned char)*q))
                q++;
            if (q < p) {
                const char *br = memchr(q, '[', (size_t)(p - q));
                const char *eq = memchr(q, '=', (size_t)(p - q));
                if (*q == '*')
                    (*nint)++;
                else if (br && (!eq || br < eq)) {
                    const char *cl = memchr(br, ']', (size_t)(p - br));
                    *arr += cl ? sat_mul(dim_value(br + 1, cl), sz) : 0;
                } else if (is_real)
                    (*nreal)++;
                else
                    (*nint)++;
            }
            d = p + 1;
            if (p < e && *p == ';')
                break;
        }
    }
}

/* Loop-invariant constant-subscript reads: `wc[25]` inside loops, where wc does not
 * depend on the innermost loop around the read that runs more than once, is a value
 * gcc hoists out of that loop and keeps live across it (in a register, or spilled). The
 * loops are read from the generated layout (a `for` line covers the lines indented
 * deeper), their trip counts from the literals and the function's enum constants;
 * a pointer's dependencies from its initializer. Returns the distinct such reads. */
typedef struct { char name[32]; long long value; } HConst;
typedef struct { char var[32]; int indent, many; } HLoop;
typedef struct { char name[32]; unsigned long long deps; } HPtr;   /* deps: loop bits */

static long long h_value(const HConst *k, int nk, const char *s, const char *e, int *ok)
{
    while (s < e && *s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    if (s < e && isdigit((unsigned char)*s)) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == e)
            return v;
    }
    for (int i = 0; i < nk; i++)
        if ((size_t)(e - s) == strlen(k[i].name) && !strncmp(s, k[i].name, (size_t)(e - s)))
            return k[i].value;
    *ok = 0;
    return 0;
}

static long long m4_hoisted(const CFunc *f)
{
    HConst k[64];
    HLoop lp[16];
    HPtr ptr[64];
    int nk = 0, nl = 0, np = 0;
    size_t n = 0, cap = 0;
    unsigned long long *seen = NULL;
    for (const char *l = f->body + 1; l < f->end;) {
        const char *e = memchr(l, '\n', (size_t)(f->end - l));
        if (!e)
            e = f->end;
        const char *t = l;
        while (t < e && *t == ' ')
            t++;
        int indent = (int)(t - l);
        if (t < e && *t != '}')
            while (nl > 0 && lp[nl - 1].indent >= indent)
                nl--;
        if (!strncmp(t, "enum { ", 7)) {            /* the function's named sizes */
            for (const char *p = t + 7; p < e && nk < 64;) {
                const char *eq = memchr(p, '=', (size_t)(e - p));
                if (!eq)
                    break;
                const char *nb = p;
                while (nb < eq && (*nb == ' ' || *nb == ','))
                    nb++;
                const char *ne = eq;
                while (ne > nb && ne[-1] == ' ')
                    ne--;
                if (ne - nb < 32) {
                    memcpy(k[nk].name, nb, (size_t)(ne - nb));
                    k[nk].name[ne - nb] = '\0';
                    k[nk].value = strtoll(eq + 1, NULL, 10);
                    nk++;
                }
                const char *c = memchr(eq, ',', (size_t)(e - eq));
                p = c ? c + 1 : e;
            }
        } else if (!strncmp(t, "for (", 5) && nl < 16) {
            /* for (int v = A; v < B; v++ | v += S) */
            const char *v = t + 5;
            if (!strncmp(v, "int ", 4))
                v += 4;
            const char *ve = v;
            while (ve < e && ident_char((unsigned char)*ve))
                ve++;
            HLoop *L = &lp[nl++];
            L->indent = indent;
            L->many = 1;
            snprintf(L->var, sizeof L->var, "%.*s", (int)(ve - v < 31 ? ve - v : 31), v);
            const char *s1 = memchr(ve, ';', (size_t)(e - ve));
            const char *s2 = s1 ? memchr(s1 + 1, ';', (size_t)(e - s1 - 1)) : NULL;
            const char *lt = s1 ? memchr(s1, '<', (size_t)(e - s1)) : NULL;
            const char *eqs = memchr(ve, '=', (size_t)(e - ve));
            if (s1 && s2 && lt && lt < s2 && eqs && eqs < s1 && !memchr(s1, '&', (size_t)(s2 - s1))) {
                int ok = 1;
                long long a = h_value(k, nk, eqs + 1, s1, &ok);
                long long b = h_value(k, nk, lt + 1, s2, &ok);
                long long st = 1;
                const char *pe = strstr(s2, "+= ");
                if (pe && pe < e)
                    st = strtoll(pe + 3, NULL, 10);
                if (ok && st > 0)
                    L->many = (b - a + st - 1) / st > 1;
            }
        } else if (np < 64) {
            /* a pointer declared with its value: [const] P_real *[const] NAME = EXPR; */
            const char *p = t;
            if (!strncmp(p, "const ", 6))
                p += 6;
            size_t pl = strlen(prefix_s);
            if (!strncmp(p, prefix_s, pl) && !strncmp(p + pl, "_real *", 7)) {
                p += pl + 7;
                if (!strncmp(p, "const ", 6))
                    p += 6;
                const char *ne = p;
                while (ne < e && ident_char((unsigned char)*ne))
                    ne++;
                const char *eq = ne;
                while (eq < e && *eq == ' ')
                    eq++;
                if (eq < e && *eq == '=' && ne - p < 32 && ne > p) {
                    HPtr *P = &ptr[np++];
                    snprintf(P->name, sizeof P->name, "%.*s", (int)(ne - p), p);
                    P->deps = 0;
                    for (const char *q = eq; q < e; q++) {
                        if (!ident_char((unsigned char)*q) || ident_char((unsigned char)q[-1]))
                            continue;
                        const char *qe = q;
                        while (qe < e && ident_char((unsigned char)*qe))
                            qe++;
                        for (int i = 0; i < nl; i++)
                            if (lp[i].many && (size_t)(qe - q) == strlen(lp[i].var) &&
                                !strncmp(q, lp[i].var, (size_t)(qe - q)))
                                P->deps |= 1ULL << i;
                        for (int i = 0; i < np - 1; i++)
                            if ((size_t)(qe - q) == strlen(ptr[i].name) &&
                                !strncmp(q, ptr[i].name, (size_t)(qe - q)))
                                P->deps |= ptr[i].deps;
                        q = qe - 1;
                    }
                }
            }
        }
        /* the reads: inside a loop that runs more than once */
        int inner = -1;
        for (int i = nl - 1; i >= 0 && inner < 0; i--)
            if (lp[i].many && lp[i].indent < indent)
                inner = i;
        if (inner >= 0 && strncmp(t, "for (", 5))
            for (const char *q = t; q < e; q++) {
                if (!ident_char((unsigned char)*q) || (q > t && ident_char((unsigned char)q[-1])) ||
                    isdigit((unsigned char)*q))
                    continue;
                const char *qe = q;
                while (qe < e && ident_char((unsigned char)*qe))
                    qe++;
                if (qe < e && *qe == '[' && qe + 1 < e && isdigit((unsigned char)qe[1])) {
                    const char *r = qe + 1;
                    while (r < e && isdigit((unsigned char)*r))
                        r++;
                    unsigned long long deps = 0;        /* a parameter: none */
                    for (int i = 0; i < np; i++)
                        if ((size_t)(qe - q) == strlen(ptr[i].name) &&
                            !strncmp(q, ptr[i].name, (size_t)(qe - q)))
                            deps = ptr[i].deps;
                    if (r < e && *r == ']' && !(deps >> inner & 1)) {
                        if (n == cap) {
                            cap = cap ? 2 * cap : 64;
                            unsigned long long *ns = realloc(seen, cap * sizeof *ns);
                            if (!ns)
                                break;
                            seen = ns;
                        }
                        unsigned long long h = 1469598103934665603ULL;
                        for (const char *c = q; c <= r; c++)
                            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
                        seen[n++] = h;
                    }
                }
                q = qe - 1;
            }
        l = e + 1;
    }
    if (n)
        qsort(seen, n, sizeof *seen, cmp_ull);
    long long h = 0;
    for (size_t i = 0; i < n; i++)
        h += i == 0 || seen[i] != seen[i - 1];
    free(seen);
    return h;
}

/* the features of one body (M4X_*), counted as compiled on its own */
enum { M4X_REAL, M4X_CIDX, M4X_BIGC, M4X_INT, M4X_PARAM, M4X_ARR, M4X_CALLS, M4X_HOIST, M4X_N };
static void m4_features(const CFunc *f, long long x[M4X_N])
{
    memset(x, 0, M4X_N * sizeof *x);
    m4_nalias = 0;
    ndim_names = 0;
    x[M4X_PARAM] = 1;
    for (const char *p = f->head; p < f->body; p++)
        x[M4X_PARAM] += *p == ',';
    unsigned long long *big = NULL;
    size_t nbig = 0, capbig = 0;
    int in_enum = 0;
    for (const char *l = f->body + 1; l < f->end;) {
        const char *e = memchr(l, '\n', (size_t)(f->end - l));
        if (!e)
            e = f->end;
        const char *t = l;
        while (t < e && *t == ' ')
            t++;
        int en = !strncmp(t, "enum { ", 7);
        if (en || in_enum) {                        /* the body's named sizes */
            size_t tn = t < e ? (size_t)(e - t) : 0;
            in_enum = !memchr(t, '}', tn);
            for (const char *p = en ? t + 7 : t; p < e && ndim_names < 64;) {
                const char *eq = memchr(p, '=', (size_t)(e - p));
                if (!eq)
                    break;
                const char *nb = p, *ne = eq;
                while (nb < eq && (*nb == ' ' || *nb == ','))
                    nb++;
                while (ne > nb && ne[-1] == ' ')
                    ne--;
                if (ne - nb < 32) {
                    snprintf(dim_names[ndim_names].name, 32, "%.*s", (int)(ne - nb), nb);
                    dim_names[ndim_names++].value = strtoll(eq + 1, NULL, 10);
                }
                const char *c = memchr(eq, ',', (size_t)(e - eq));
                p = c ? c + 1 : e;
            }
        }
        m4_decl(l, e, &x[M4X_REAL], &x[M4X_INT], &x[M4X_ARR]);
        bc_scan(l, e);
        for (const char *p = l; p < e; p++) {
            if (!ident_char((unsigned char)*p) || (p > l && ident_char((unsigned char)p[-1])))
                continue;
            const char *q = p;
            while (q < e && ident_char((unsigned char)*q))
                q++;
            if (isdigit((unsigned char)*p)) {       /* an integer literal: the large ones */
                long long v = strtoll(p, NULL, 10);
                if (v >= 256 && (q >= e || *q != '.') && (p == l || p[-1] != '[')) {
                    if (nbig == capbig) {
                        capbig = capbig ? 2 * capbig : 32;
                        unsigned long long *nb = realloc(big, capbig * sizeof *nb);
                        if (!nb)
                            break;
                        big = nb;
                    }
                    big[nbig++] = (unsigned long long)v;
                }
                p = q - 1;
                continue;
            }
            const char *r = q;
            while (r < e && *r == ' ')
                r++;
            static const char *const kw[] = {"for", "if", "while", "switch", "sizeof", "return"};
            int k = 0;
            for (size_t j = 0; j < sizeof kw / sizeof *kw; j++)
                k |= (size_t)(q - p) == strlen(kw[j]) && !strncmp(p, kw[j], (size_t)(q - p));
            if (r < e && *r == '(' && !k)
                x[M4X_CALLS]++;
            p = q - 1;
        }
        l = e + 1;
    }
    x[M4X_CIDX] = bc_take();
    x[M4X_HOIST] = m4_hoisted(f);
    if (nbig)
        qsort(big, nbig, sizeof *big, cmp_ull);
    for (size_t i = 0; i < nbig; i++)
        x[M4X_BIGC] += i == 0 || big[i] != big[i - 1];
    free(big);
}

static long long m4_own(const long long x[M4X_N], int f64, const char *name)
{
    long long own = (M4S_BASE + M4S_REAL * x[M4X_REAL] + M4S_BIGC * x[M4X_BIGC] +
                     M4S_PARAM * x[M4X_PARAM] + (f64 ? M4S_F64 : 0) + M4S_HOIST * x[M4X_HOIST] +
                     9) / 10 + x[M4X_ARR];
    if (getenv("CNNGEN_M4_FEATURES")) {         /* tools/fit_m4_stack.py reads these */
        fprintf(stderr, "m4stack %s", name);
        for (int k = 0; k < M4X_N; k++)
            fprintf(stderr, " %lld", x[k]);
        fprintf(stderr, " %d\n", f64);
    }
    return (own + 7) / 8 * 8;
}

static void m4_stack(const Net *net, const Buf *c)
{
    CSource cs;
    csrc_open(&cs, c, prefix_s, ARCH_CORTEX_M4);
    int f64 = net->dtype == DT_F64;
    vbytes = real_sz;                           /* no float SIMD: a P_vec is one real */
    int *src = malloc((size_t)(cs.nfn ? cs.nfn : 1) * sizeof *src);  /* fns[i] is cs.fn[src[i]] */
    long long (*x)[M4X_N] = calloc((size_t)(cs.nfn ? cs.nfn : 1), sizeof *x);
    if (!src || !x) {
        fprintf(stderr, "cnngen: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < cs.nfn && nfns < STACK_MAXFN; i++) {
        if (cs.fn[i].is_inline)
            continue;
        src[nfns] = i;
        snprintf(fns[nfns].name, sizeof fns[nfns].name, "%s", cs.fn[i].name);
        m4_features(&cs.fn[i], x[nfns]);
        nfns++;
    }
    /* calls */
    for (int i = 0; i < nfns; i++) {
        const CFunc *cf = &cs.fn[src[i]];
        for (const char *p = cf->body; p < cf->end; p++) {
            if (!ident_char((unsigned char)*p) || (ident_char((unsigned char)p[-1])))
                continue;
            const char *q = p;
            while (q < cf->end && ident_char((unsigned char)*q))
                q++;
            add_callee(i, find_fn(p, (size_t)(q - p)));
            p = q - 1;
        }
    }
    /* a static function used once (not noinline) is inlined by gcc: its body's features
     * join its caller's frame (callees first, so that chains of them collapse) */
    for (int pass = 0; pass < 8; pass++)
        for (int i = 0; i < nfns; i++)
            for (int m = 0; m < fns[i].ncallees; m++) {
                int k = fns[i].callees[m];
                const CFunc *cf = &cs.fn[src[k]];
                if (!cf->is_static || cf->noinline || cs.fn[cf->leader].class_refs != 1 ||
                    x[k][M4X_PARAM] < 0)
                    continue;
                for (int j = 0; j < M4X_N; j++)
                    x[i][j] += j == M4X_PARAM || j == M4X_CALLS ? 0 : x[k][j];
                x[i][M4X_CALLS] += x[k][M4X_CALLS] > 0;
                x[k][M4X_PARAM] = -1;           /* inlined: no frame of its own */
            }
    ndim_names = 0;
    for (int i = 0; i < nfns; i++)
        fns[i].self = x[i][M4X_PARAM] < 0 ? 0 : m4_own(x[i], f64, fns[i].name);
    for (int i = 0; i < nfns; i++)
        total_of(i);
    if (getenv("CNNGEN_M4_FEATURES"))           /* the deepest chains, for the fit */
        for (int i = 0; i < nfns; i++) {
            fprintf(stderr, "m4chain %s", fns[i].name);
            for (int k = i; k >= 0;) {
                fprintf(stderr, " %s", fns[k].name);
                int next = -1;
                for (int m = 0; m < fns[k].ncallees; m++)
                    if (next < 0 || fns[fns[k].callees[m]].total > fns[next].total)
                        next = fns[k].callees[m];
                k = next;
            }
            fprintf(stderr, "\n");
        }
    free(src);
    free(x);
    csrc_close(&cs);
}

/* --stack-cc: the model's rows (the generated functions and their calls) take the
 * compiler's figures (stack_cc.c); a function the compiler inlined at both levels has
 * no frame, and as max the deepest of its callees */
static char cc_cmd[512];

static long long cc_total_of(int i, const CcFrame *f, int nf)
{
    SFn *s = &fns[i];
    if (s->state == 2)
        return s->total;
    s->state = 2;                           /* no recursion in generated code */
    for (int j = 0; j < nf; j++)
        if (!strcmp(f[j].name, s->name)) {
            s->self = f[j].own;
            return s->total = f[j].total;
        }
    s->self = 0;
    s->total = 0;
    for (int k = 0; k < s->ncallees; k++) {
        long long t = cc_total_of(s->callees[k], f, nf);
        if (t > s->total)
            s->total = t;
    }
    return s->total;
}

static int stack_from_cc(const char *cmd, const Buf *c, const Buf *h)
{
    CcFrame *f;
    int nf;
    char err[600];
    if (stack_cc_frames(cmd, c, h, &f, &nf, err, sizeof err) != 0) {
        fprintf(stderr, "cnngen: --stack-cc: %s\n", err);
        return -1;
    }
    snprintf(cc_cmd, sizeof cc_cmd, "%s", cmd);
    for (int i = 0; i < nfns; i++)
        fns[i].state = 0;
    for (int i = 0; i < nfns; i++)
        cc_total_of(i, f, nf);
    free(f);
    return 0;
}

static void stack_model(const Net *net, const Buf *c);

int stack_compute(const Net *net, const char *prefix, const Buf *c, const Buf *h, const char *cc)
{
    stack_free();
    computed = 1;
    cc_cmd[0] = 0;
    snprintf(prefix_s, sizeof prefix_s, "%s", prefix);
    real_sz = real_bytes(net->dtype);
    arch = net->arch;
    if (!c->data)
        return 0;
    fns = calloc(STACK_MAXFN, sizeof *fns);
    if (!fns)
        return 0;
    stack_model(net, c);
    return cc ? stack_from_cc(cc, c, h) : 0;
}

/* the model: the Cortex-M4 one, or the upper bound over x86 vector widths */
static void stack_model(const Net *net, const Buf *c)
{
    if (net->arch == ARCH_CORTEX_M4) {
        m4_stack(net, c);
        return;
    }
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
                if (nb > na && nb - na < (long)sizeof fns[0].name - 1) {
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
                        add_callee(cur, find_fn(p, (size_t)(q - p)));
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
    if (cc_cmd[0])
        fprintf(out, "\nStack (bytes, from the compiler: %s -fcallgraph-info=su,\n"
                     "the larger of -Os and -O2; max includes the functions it calls and the C\n"
                     "library below them):\n", cc_cmd);
    else if (arch == ARCH_CORTEX_M4)
        fprintf(out, "\nStack (bytes, Cortex-M4 with arm-none-eabi-gcc -Os and -O2; max includes the\n"
                     "generated functions it calls and the C library below them):\n");
    else
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

/* with -o: the figures of P_forward and P_train_batch as macros in the header, before
 * its closing `#ifdef __cplusplus`, for sizing a task's stack at compile time */
void stack_emit_header(const char *P, Buf *h)
{
    if (!computed || !h->data)
        return;
    Buf t = {0};
    if (cc_cmd[0])
        buf_printf(&t, "/* Stack bytes (cnngen --stack-cc '%s': its -fcallgraph-info=su at -Os and -O2):\n"
                       " * the most P_forward and P_train_batch use, with the functions they call and the\n"
                       " * C library (README \"Hardening\"). */\n", cc_cmd);
    else
        buf_printf(&t, "/* Stack bytes (cnngen --stack, %s): the most P_forward and P_train_batch use,\n"
                       " * with the generated functions they call%s (README \"Hardening\"). */\n",
                   arch == ARCH_CORTEX_M4 ? "Cortex-M4, arm-none-eabi-gcc -Os/-O2"
                                          : "gcc/clang -O0..-O3, vectors up to AVX-512",
                   arch == ARCH_CORTEX_M4 ? " and the C library" : "");
    static const char *const fn[] = {"forward", "train_batch"};
    static const char *const mac[] = {"FORWARD", "TRAIN"};
    for (int k = 0; k < 2; k++) {
        char name[MAX_NAME + 16];
        snprintf(name, sizeof name, "%s_%s", P, fn[k]);
        int i = find_fn(name, strlen(name));
        if (i >= 0)
            buf_printf(&t, "#define %s_STACK_%s_BYTES %lld\n", P, mac[k], fns[i].total);
    }
    buf_puts(&t, "\n");
    const char *mark = "#ifdef __cplusplus";
    char *at = NULL;
    for (char *p = h->data; (p = strstr(p, mark)) != NULL; p += strlen(mark))
        at = p;
    size_t off = at ? (size_t)(at - h->data) : h->len;
    Buf n2 = {0};
    for (size_t i = 0; i < off; i++)
        buf_putc(&n2, h->data[i]);
    buf_puts(&n2, t.data);
    for (size_t i = off; i < h->len; i++)
        buf_putc(&n2, h->data[i]);
    buf_free(h);
    *h = n2;
    buf_free(&t);
}
