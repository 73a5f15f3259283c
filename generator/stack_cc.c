/* stack_cc.c - cnngen --stack --stack-cc CMD: the stack figures from the compiler
 * itself. The generated C (with its header and the runtime header, written to a
 * temporary directory) is compiled by CMD (a gcc 10 or later and its target flags, run
 * by the shell) at -Os and at -O2 with -fcallgraph-info=su, which writes every
 * function's frame and its calls (a .ci file, VCG). A function's figure at one level is
 * its frame plus the deepest chain of frames below it; a call into the C library or the
 * compiler's helpers (memset, expf, __aeabi_dmul, ...) counts CC_LIB bytes, CC_LIB_F64
 * for double-precision ones (software floating point on cores without a double FPU).
 * Clones (.constprop.0, .isra.0, .part.0) count under the function they come from; a
 * function inlined at both levels has no frame of its own (own 0) and, as max, the
 * figure of its deepest call. The figure is the larger of the two levels.
 * This is what tools such as puncover and avstack do with -fstack-usage; the model of
 * stack.c (no compiler needed) stays the default. */
#define _DEFAULT_SOURCE     /* mkdtemp under -std=c99 too */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cnngen.h"

enum { CC_LIB = 16, CC_LIB_F64 = 48 };

typedef struct {
    char *name;                 /* as in the .ci title, "file.c:" stripped */
    long long frame;            /* -1: not compiled here (C library, helpers) */
    int *out, nout, capout;
    long long total;
    int state;
} CcNode;

typedef struct {
    CcNode *n;
    int nn, capn;
} CcGraph;

static int cc_node(CcGraph *g, const char *name, size_t len)
{
    for (int i = 0; i < g->nn; i++)
        if (strlen(g->n[i].name) == len && !strncmp(g->n[i].name, name, len))
            return i;
    if (g->nn == g->capn) {
        int nc = g->capn ? 2 * g->capn : 256;
        CcNode *n2 = realloc(g->n, (size_t)nc * sizeof *n2);
        if (!n2)
            return -1;
        g->n = n2;
        g->capn = nc;
    }
    CcNode *n = &g->n[g->nn];
    memset(n, 0, sizeof *n);
    n->name = malloc(len + 1);
    if (!n->name)
        return -1;
    memcpy(n->name, name, len);
    n->name[len] = 0;
    n->frame = -1;
    return g->nn++;
}

static void cc_free(CcGraph *g)
{
    for (int i = 0; i < g->nn; i++) {
        free(g->n[i].name);
        free(g->n[i].out);
    }
    free(g->n);
    memset(g, 0, sizeof *g);
}

/* the quoted value after key on the line, "file.c:" stripped from a title */
static const char *quoted(const char *line, const char *key, size_t *len)
{
    const char *p = strstr(line, key);
    if (!p)
        return NULL;
    p += strlen(key);
    const char *e = strchr(p, '"');
    if (!e)
        return NULL;
    const char *colon = memchr(p, ':', (size_t)(e - p));
    if (colon && colon - p > 2 && !strncmp(colon - 2, ".c", 2))
        p = colon + 1;
    *len = (size_t)(e - p);
    return p;
}

static int cc_read(const char *path, CcGraph *g)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        size_t ln, lt;
        const char *t;
        if (!strncmp(line, "node:", 5) && (t = quoted(line, "title: \"", &ln))) {
            int i = cc_node(g, t, ln);
            const char *b = strstr(line, " bytes (");
            if (i < 0) {
                fclose(f);
                return -1;
            }
            if (b) {                                /* "...\n176 bytes (static)" */
                const char *d = b;
                while (d > line && isdigit((unsigned char)d[-1]))
                    d--;
                g->n[i].frame = strtoll(d, NULL, 10);
            }
        } else if (!strncmp(line, "edge:", 5) && (t = quoted(line, "sourcename: \"", &ln))) {
            const char *u = quoted(line, "targetname: \"", &lt);
            int a = cc_node(g, t, ln), b = u ? cc_node(g, u, lt) : -1;
            if (a < 0 || b < 0)
                continue;
            CcNode *n = &g->n[a];
            if (n->nout == n->capout) {
                int nc = n->capout ? 2 * n->capout : 8;
                int *o2 = realloc(n->out, (size_t)nc * sizeof *o2);
                if (!o2)
                    continue;
                n->out = o2;
                n->capout = nc;
            }
            n->out[n->nout++] = b;
        }
    }
    fclose(f);
    return 0;
}

/* a C library or compiler helper call: its allowance (double precision: the software
 * floating point of cores without a double FPU, and libm's double functions) */
static long long lib_bytes(const char *name)
{
    static const char *const dbl[] = {"exp", "log", "tanh", "sqrt", "pow", "expm1", "log1p",
                                      "fabs", "floor", "ceil", "round"};
    if (!strncmp(name, "__aeabi_d", 9) || (!strncmp(name, "__aeabi_", 8) && strstr(name, "2d")))
        return CC_LIB_F64;
    for (size_t i = 0; i < sizeof dbl / sizeof *dbl; i++)
        if (!strcmp(name, dbl[i]))
            return CC_LIB_F64;
    return CC_LIB;
}

static long long cc_total(CcGraph *g, int i)
{
    CcNode *n = &g->n[i];
    if (n->state == 2)
        return n->total;
    if (n->frame < 0) {
        n->state = 2;
        return n->total = lib_bytes(n->name);
    }
    if (n->state == 1)
        return n->frame;                        /* recursion: not in generated code */
    n->state = 1;
    long long worst = 0;
    for (int k = 0; k < n->nout; k++) {
        long long t = cc_total(g, n->out[k]);
        if (t > worst)
            worst = t;
    }
    n->total = n->frame + worst;
    n->state = 2;
    return n->total;
}

/* the name a clone comes from: "f.constprop.0" -> length of "f" */
static size_t base_len(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? (size_t)(dot - name) : strlen(name);
}

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* the name the generated C includes its header by (its first #include "....h") and
 * its own name (the x86 build includes itself once per instruction set: "....c") */
static void include_name(const Buf *c, const char *ext, char *out, size_t n)
{
    snprintf(out, n, "net%s", ext);
    for (const char *p = c->data; p && (p = strstr(p, "#include \"")) != NULL; p++) {
        const char *q = p + 10, *e = strchr(q, '"');
        size_t len = e ? (size_t)(e - q) : 0;
        if (len > 2 && len < n && !memchr(q, '/', len) && !memchr(q, '\n', len) &&
            !strncmp(e - 2, ext, 2)) {
            snprintf(out, n, "%.*s", (int)len, q);
            return;
        }
    }
}

static void remove_dir(const char *dir, const char *cname, const char *hname)
{
    const char *const files[] = {cname, hname, "cnngen_rt.h", "cc.log", "Os.o", "Os.ci", "O2.o",
                                 "O2.ci"};
    char path[1400];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        remove(path);
    }
    rmdir(dir);
}

int stack_cc_frames(const char *cmd, const Buf *c, const Buf *h, CcFrame **out, int *nout,
                    char *err, size_t errn)
{
    *out = NULL;
    *nout = 0;
    const char *tmp = getenv("TMPDIR");
    char dir[1024], cname[256], hname[256], path[1400];
    snprintf(dir, sizeof dir, "%s/cnngen-stack-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errn, "cannot make a temporary directory: %s", strerror(errno));
        return -1;
    }
    include_name(c, ".h", hname, sizeof hname);
    include_name(c, ".c", cname, sizeof cname);
    const char *rt = embedded_file("cnngen_rt.h");
    int rc = -1;
    CcGraph g[2] = {{0}};
    if (strchr(dir, '\'') || strchr(cname, '\'') || strchr(hname, '\'')) {
        snprintf(err, errn, "a file or directory name with a quote (%s, %s)", dir, cname);
        goto done;
    }
    if (!strcmp(cname, hname) || !strcmp(cname, "cnngen_rt.h") || !strcmp(hname, "cnngen_rt.h") ||
        write_file(dir, cname, c->data, c->len) || write_file(dir, hname, h->data, h->len) ||
        !rt || write_file(dir, "cnngen_rt.h", rt, strlen(rt))) {
        snprintf(err, errn, "cannot write the generated C to %s", dir);
        goto done;
    }
    static const char *const level[] = {"Os", "O2"};
    for (int k = 0; k < 2; k++) {
        const char *fmt = "%s -%s -fcallgraph-info=su -I'%s' -c '%s/%s' -o '%s/%s.o' > '%s/cc.log' 2>&1";
        size_t n = strlen(fmt) + strlen(cmd) + 5 * strlen(dir) + strlen(cname) + 16;
        char *line = malloc(n);
        if (!line) {
            snprintf(err, errn, "out of memory");
            goto done;
        }
        snprintf(line, n, fmt, cmd, level[k], dir, dir, cname, dir, level[k], dir);
        int st = system(line);
        free(line);
        if (st != 0) {
            char first[300] = "";
            snprintf(path, sizeof path, "%s/cc.log", dir);
            FILE *f = fopen(path, "r");
            if (f) {
                if (!fgets(first, sizeof first, f))
                    first[0] = 0;
                fclose(f);
            }
            first[strcspn(first, "\n")] = 0;
            snprintf(err, errn, "'%s -%s -fcallgraph-info=su' failed (exit %d)%s%s", cmd, level[k],
                     WIFEXITED(st) ? WEXITSTATUS(st) : st, first[0] ? ": " : "", first);
            goto done;
        }
        snprintf(path, sizeof path, "%s/%s.ci", dir, level[k]);
        if (cc_read(path, &g[k]) != 0 || g[k].nn == 0) {
            snprintf(err, errn, "'%s' wrote no call graph (%s.ci): -fcallgraph-info needs gcc 10 "
                     "or later", cmd, level[k]);
            goto done;
        }
    }
    /* one row per function name, clones folded in, the larger level */
    CcFrame *f = calloc((size_t)(g[0].nn + g[1].nn), sizeof *f);
    if (!f) {
        snprintf(err, errn, "out of memory");
        goto done;
    }
    int nf = 0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < g[k].nn; i++) {
            CcNode *n = &g[k].n[i];
            if (n->frame < 0)
                continue;
            long long t = cc_total(&g[k], i);
            size_t bl = base_len(n->name);
            int j = 0;
            while (j < nf && !(strlen(f[j].name) == bl && !strncmp(f[j].name, n->name, bl)))
                j++;
            if (j == nf) {
                if (bl >= sizeof f[j].name)
                    continue;
                memcpy(f[j].name, n->name, bl);
                nf++;
            }
            if (n->frame > f[j].own)
                f[j].own = n->frame;
            if (t > f[j].total)
                f[j].total = t;
        }
    *out = f;
    *nout = nf;
    rc = 0;
done:
    cc_free(&g[0]);
    cc_free(&g[1]);
    remove_dir(dir, cname, hname);
    return rc;
}
