/* safetensors.c - save and load a generated network's parameters as safetensors.
 *
 * The format (https://github.com/huggingface/safetensors):
 *   8 bytes   unsigned 64-bit little-endian N, the header's length
 *   N bytes   a JSON object: for every tensor
 *               "name": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [b, e]}
 *             and optionally "__metadata__": {"key": "string value", ...}
 *   rest      the tensors' raw bytes, little-endian; [b, e) is relative to the start
 *             of this data area.
 *
 * Tensors are named and shaped as in PyTorch ("<layer>.weight" OIHW or [units][in],
 * "<layer>.bias"), as listed in the model's tensors table (cnngen_rt.h).
 *
 * Loading is strict: the header must be well-formed JSON (this file has its own
 * small strict parser), every tensor of the model must be present with the net's
 * dtype (F32 for float32 nets, F64 for float64: no silent conversion) and its exact
 * shape, the tensors' data must tile the data area exactly (no gaps, no overlaps, no
 * bytes past the last one, nothing missing at the end), and a tensor the model does
 * not have is an error (the file is for a different network). Only after all of that
 * are the values read, into a temporary buffer, and copied into the caller's
 * parameters: on any failure those are left untouched.
 *
 * C99 and stdio only. Byte order on disk is little-endian whatever the host's.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen_rt.h"

#define ST_MAX_HEADER  (100u * 1024u * 1024u)  /* as the reference implementation */
#define ST_MAX_NAME    256
#define ST_MAX_DIMS    8
#define ST_MAX_DEPTH   32

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap_elems(unsigned char *p, size_t n, int sz)
{
    for (size_t i = 0; i < n; i++, p += sz)
        for (int a = 0, b = sz - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static size_t tensor_elems(const cnngen_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= (size_t)t->shape[d];
    return n;
}

static const char *dtype_name(int bytes) { return bytes == 8 ? "F64" : "F32"; }

/* ------------------------------------------------------------------ saving */

/* Appends a JSON string (the names are plain identifiers with a dot, but escape
 * anyway). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A batchnorm's running_mean "<bn>.running_mean": returns the length of "<bn>" (else 0).
 * PyTorch's BatchNorm also has "<bn>.num_batches_tracked" (int64, shape []): files
 * carry it (written as 0: the C does not count steps) and reading accepts it. */
static size_t bn_prefix(const char *name)
{
    static const char suf[] = ".running_mean";
    size_t n = strlen(name), k = sizeof suf - 1;
    return n > k && strcmp(name + n - k, suf) == 0 ? n - k : 0;
}

/* Writes the JSON header at f's position; returns its length in bytes. Tensors
 * are laid out in table order, back to back, then the num_batches_tracked of each
 * batchnorm (int64 0). */
static long write_header(FILE *f, const cnngen_model *m)
{
    long start = ftell(f);
    int eb = m->dtype_bytes;
    unsigned long long off = 0;
    fputs("{\"__metadata__\":{\"format\":\"pt\",\"generator\":\"cnngen\",\"model\":", f);
    json_str(f, m->name ? m->name : "");
    fputc('}', f);
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        unsigned long long bytes = (unsigned long long)tensor_elems(t) * (unsigned)eb;
        fputc(',', f);
        json_str(f, t->name);
        fprintf(f, ":{\"dtype\":\"%s\",\"shape\":[", dtype_name(eb));
        for (int d = 0; d < t->ndim; d++)
            fprintf(f, d ? ",%d" : "%d", t->shape[d]);
        fprintf(f, "],\"data_offsets\":[%llu,%llu]}", off, off + bytes);
        off += bytes;
    }
    for (int i = 0; i < m->ntensors; i++) {
        size_t k = bn_prefix(m->tensors[i].name);
        if (!k)
            continue;
        fprintf(f, ",\"%.*s.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],"
                "\"data_offsets\":[%llu,%llu]}", (int)k, m->tensors[i].name, off, off + 8);
        off += 8;
    }
    fputc('}', f);
    return ftell(f) - start;
}

int cnngen_save_safetensors(const cnngen_model *m, const void *params, const char *path)
{
    /* write the length placeholder, header and data to path.tmp, patch the length,
     * and rename it over path, so a failure never leaves a half-written file */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return -1;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        return -1;
    }
    int ok = 1;
    unsigned char len8[8] = {0};
    fwrite(len8, 1, 8, f);                     /* placeholder */
    long hlen = write_header(f, m);
    long padded = (hlen + 7) / 8 * 8;          /* align the data to 8 bytes */
    for (long i = hlen; i < padded; i++)
        fputc(' ', f);
    unsigned long long n = (unsigned long long)padded;
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)(n >> (8 * i));

    /* data, tensor by tensor in table order (the offsets above assume it) */
    int eb = m->dtype_bytes, swap = !host_is_little();
    unsigned char chunk[4096];
    for (int i = 0; ok && i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        const unsigned char *src = t->data ? (const unsigned char *)t->data
                                 : (const unsigned char *)params + t->offset * (size_t)eb;
        size_t left = tensor_elems(t) * (size_t)eb;
        while (left > 0) {
            size_t k = left < sizeof chunk ? left : sizeof chunk;
            memcpy(chunk, src, k);
            if (swap)
                swap_elems(chunk, k / (size_t)eb, eb);
            if (fwrite(chunk, 1, k, f) != k) {
                ok = 0;
                break;
            }
            src += k;
            left -= k;
        }
    }
    for (int i = 0; ok && i < m->ntensors; i++) {
        static const unsigned char zero8[8];
        if (bn_prefix(m->tensors[i].name) && fwrite(zero8, 1, 8, f) != 8)
            ok = 0;
    }
    if (ok && (fseek(f, 0, SEEK_SET) != 0 || fwrite(len8, 1, 8, f) != 8))
        ok = 0;
    if (ferror(f))
        ok = 0;
    if (fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok)
        remove(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ the JSON header */

typedef struct StEntry {
    char name[ST_MAX_NAME];
    char dtype[16];
    int ndim;
    unsigned long long shape[ST_MAX_DIMS];
    unsigned long long begin, end;
    int have_dtype, have_shape, have_offsets;
    int used;           /* matched by a model tensor */
} StEntry;

typedef struct Parser {
    const char *s;
    size_t n, i;
    char *err;
    size_t errlen;
    int failed;
    StEntry *e;
    int ne, cap;
} Parser;

static int perr(Parser *p, const char *fmt, ...)
{
    if (!p->failed && p->err && p->errlen) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->errlen, "bad JSON header at byte %lu: %s", (unsigned long)p->i, msg);
    }
    p->failed = 1;
    return -1;
}

static void ws(Parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
                           p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int expect(Parser *p, char c)
{
    ws(p);
    if (p->i >= p->n)
        return perr(p, "expected '%c', found the end of the header", c);
    if (p->s[p->i] != c)
        return perr(p, "expected '%c', found '%c'", c, p->s[p->i]);
    p->i++;
    return 0;
}

/* The opening bracket of a list (array or object): 1 if the list is empty (its
 * closing bracket consumed too), 0 if an element follows, -1 on error. */
static int list_open(Parser *p, char open, char close)
{
    if (expect(p, open))
        return -1;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return 1;
    }
    return 0;
}

/* After a list element: 1 if another follows (its comma consumed), 0 at the end
 * (the closing bracket consumed), -1 on error. */
static int list_next(Parser *p, char close)
{
    ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
        p->i++;
        return 1;
    }
    return expect(p, close) ? -1 : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A JSON string into out[cap] (UTF-8; \uXXXX decoded, surrogate pairs joined).
 * Too long for out is an error. out may be NULL to skip. */
static int parse_string(Parser *p, char *out, size_t cap)
{
    size_t o = 0;
    if (expect(p, '"'))
        return -1;
    for (;;) {
        if (p->i >= p->n)
            return perr(p, "unterminated string");
        unsigned char c = (unsigned char)p->s[p->i++];
        unsigned long cp;
        if (c == '"')
            break;
        if (c < 0x20)
            return perr(p, "control character in string");
        if (c != '\\') {
            cp = c;     /* raw byte (UTF-8 passes through) */
            if (out) {
                if (o + 1 >= cap)
                    return perr(p, "string longer than %lu bytes", (unsigned long)cap - 1);
                out[o++] = (char)c;
            }
            continue;
        }
        if (p->i >= p->n)
            return perr(p, "unterminated string");
        c = (unsigned char)p->s[p->i++];
        switch (c) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
            cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = p->i < p->n ? hexval(p->s[p->i]) : -1;
                if (h < 0)
                    return perr(p, "bad \\u escape");
                cp = cp * 16 + (unsigned)h;
                p->i++;
            }
            if (cp >= 0xD800 && cp < 0xDC00) {      /* high surrogate: need a low one */
                unsigned long lo = 0;
                if (p->i + 6 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return perr(p, "unpaired surrogate in \\u escape");
                for (int k = 2; k < 6; k++) {
                    int h = hexval(p->s[p->i + k]);
                    if (h < 0)
                        return perr(p, "bad \\u escape");
                    lo = lo * 16 + (unsigned)h;
                }
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return perr(p, "unpaired surrogate in \\u escape");
                p->i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return perr(p, "unpaired surrogate in \\u escape");
            }
            break;
        }
        default:
            return perr(p, "bad escape '\\%c'", c);
        }
        if (out) {
            unsigned char u[4];
            int k;
            if (cp < 0x80) { u[0] = (unsigned char)cp; k = 1; }
            else if (cp < 0x800) { u[0] = (unsigned char)(0xC0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 0x3F)); k = 2; }
            else if (cp < 0x10000) { u[0] = (unsigned char)(0xE0 | (cp >> 12)); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (unsigned char)(0x80 | (cp & 0x3F)); k = 3; }
            else { u[0] = (unsigned char)(0xF0 | (cp >> 18)); u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (unsigned char)(0x80 | (cp & 0x3F)); k = 4; }
            if (cp == 0)
                return perr(p, "NUL character in string");
            if (o + (size_t)k >= cap)
                return perr(p, "string longer than %lu bytes", (unsigned long)cap - 1);
            memcpy(out + o, u, (size_t)k);
            o += (size_t)k;
        }
    }
    if (out)
        out[o] = '\0';
    return 0;
}

/* A non-negative JSON integer (no sign, fraction or exponent: shapes and offsets
 * are integers) that fits 2^53 (what JSON readers keep exactly). */
static int parse_uint(Parser *p, unsigned long long *v)
{
    ws(p);
    size_t start = p->i;
    unsigned long long x = 0;
    if (p->i < p->n && p->s[p->i] == '-')
        return perr(p, "negative number where a size or offset was expected");
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        x = x * 10 + (unsigned)(p->s[p->i] - '0');
        if (x > (1ULL << 53))
            return perr(p, "number too large");
        p->i++;
    }
    if (p->i == start)
        return perr(p, "expected a non-negative integer");
    if (p->i - start > 1 && p->s[start] == '0')
        return perr(p, "number with a leading zero");
    if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E'))
        return perr(p, "expected an integer, found a fraction or exponent");
    *v = x;
    return 0;
}

/* [u, u, ...] into v[0..max); returns the count through *count. */
static int parse_uint_array(Parser *p, unsigned long long *v, int max, int *count)
{
    int k = 0, more = list_open(p, '[', ']');
    if (more < 0)
        return -1;
    more = !more;
    while (more) {
        unsigned long long x = 0;
        if (parse_uint(p, &x))
            return -1;
        if (k >= max)
            return perr(p, "array with more than %d elements", max);
        v[k++] = x;
        if ((more = list_next(p, ']')) < 0)
            return -1;
    }
    *count = k;
    return 0;
}

/* "__metadata__": {"key": "value", ...} - string values only, as the format says */
static int parse_metadata(Parser *p)
{
    int more = list_open(p, '{', '}');
    if (more < 0)
        return -1;
    more = !more;
    while (more) {
        if (parse_string(p, NULL, 0) || expect(p, ':'))
            return -1;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != '"')
            return perr(p, "__metadata__ values must be strings");
        if (parse_string(p, NULL, 0))
            return -1;
        if ((more = list_next(p, '}')) < 0)
            return -1;
    }
    return 0;
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [b, e]} in any order */
static int parse_tensor(Parser *p, StEntry *e)
{
    if (expect(p, '{'))
        return -1;
    for (;;) {
        char key[32];
        if (parse_string(p, key, sizeof key) || expect(p, ':'))
            return -1;
        if (strcmp(key, "dtype") == 0) {
            if (e->have_dtype)
                return perr(p, "%s: duplicate key \"dtype\"", e->name);
            if (parse_string(p, e->dtype, sizeof e->dtype))
                return -1;
            e->have_dtype = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (e->have_shape)
                return perr(p, "%s: duplicate key \"shape\"", e->name);
            if (parse_uint_array(p, e->shape, ST_MAX_DIMS, &e->ndim))
                return -1;
            e->have_shape = 1;
        } else if (strcmp(key, "data_offsets") == 0) {
            unsigned long long v[2];
            int k;
            if (e->have_offsets)
                return perr(p, "%s: duplicate key \"data_offsets\"", e->name);
            if (parse_uint_array(p, v, 2, &k))
                return -1;
            if (k != 2)
                return perr(p, "%s: data_offsets must have 2 elements", e->name);
            e->begin = v[0];
            e->end = v[1];
            e->have_offsets = 1;
        } else {
            return perr(p, "%s: unknown key \"%s\"", e->name, key);
        }
        int more = list_next(p, '}');
        if (more < 0)
            return -1;
        if (!more)
            break;
    }
    if (!e->have_dtype || !e->have_shape || !e->have_offsets)
        return perr(p, "%s: missing \"%s\"", e->name,
                    !e->have_dtype ? "dtype" : !e->have_shape ? "shape" : "data_offsets");
    return 0;
}

/* The entry named name, or NULL (names are unique: parse_header sees to it). */
static StEntry *find_entry(const Parser *p, const char *name)
{
    for (int k = 0; k < p->ne; k++)
        if (strcmp(p->e[k].name, name) == 0)
            return &p->e[k];
    return NULL;
}

static int parse_header(Parser *p)
{
    int have_meta = 0, more = list_open(p, '{', '}');
    if (more < 0)
        return -1;
    more = !more;
    while (more) {
        char name[ST_MAX_NAME];
        if (parse_string(p, name, sizeof name) || expect(p, ':'))
            return -1;
        if (strcmp(name, "__metadata__") == 0) {
            if (have_meta)
                return perr(p, "duplicate key \"__metadata__\"");
            have_meta = 1;
            if (parse_metadata(p))
                return -1;
        } else {
            if (find_entry(p, name))
                return perr(p, "tensor %s listed twice", name);
            if (p->ne == p->cap) {
                int cap = p->cap ? 2 * p->cap : 16;
                StEntry *ne = realloc(p->e, (size_t)cap * sizeof *ne);
                if (!ne)
                    return perr(p, "out of memory");
                p->e = ne;
                p->cap = cap;
            }
            StEntry *e = &p->e[p->ne++];
            memset(e, 0, sizeof *e);
            memcpy(e->name, name, sizeof e->name);
            if (parse_tensor(p, e))
                return -1;
        }
        if ((more = list_next(p, '}')) < 0)
            return -1;
    }
    ws(p);
    if (p->i != p->n)
        return perr(p, "text after the header object");
    return 0;
}

/* ------------------------------------------------------------------ loading */

static int cmp_begin(const void *a, const void *b)
{
    const StEntry *x = *(const StEntry *const *)a, *y = *(const StEntry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end ? 1 : 0;   /* empty tensors first */
}

static void shape_text(char *buf, size_t cap, const unsigned long long *v, int n)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, cap - o, "[");
    for (int d = 0; d < n && o < cap; d++)
        o += (size_t)snprintf(buf + o, cap - o, d ? ", %llu" : "%llu", v[d]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

/* the fold whose folded bias is tensor i, or -1 */
static int fold_of_bias(const cnngen_model *m, int i)
{
    for (int f = 0; f < m->nfolds; f++)
        if (m->folds[f].bias == i)
            return f;
    return -1;
}

/* The entry `name`, checked to have the model's dtype and the given shape; marked used.
 * NULL (err set) when it is missing or differs. */
static StEntry *need_entry(Parser *p, const char *path, const cnngen_model *m,
                           const char *name, int ndim, const int *shape, char *err,
                           size_t errlen)
{
    const char *want_dtype = dtype_name(m->dtype_bytes);
    StEntry *e = find_entry(p, name);
    if (!e) {
        seterr(err, errlen, "%s: tensor %s is missing", path, name);
        return NULL;
    }
    e->used = 1;
    if (strcmp(e->dtype, want_dtype) != 0) {
        seterr(err, errlen, "%s: tensor %s: dtype %s, the network (%s) needs %s",
               path, name, e->dtype, m->name ? m->name : "?", want_dtype);
        return NULL;
    }
    int same = e->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = e->shape[d] == (unsigned long long)shape[d];
    if (!same) {
        char got[128], want[128];
        unsigned long long ws_[4];
        for (int d = 0; d < ndim; d++)
            ws_[d] = (unsigned long long)shape[d];
        shape_text(got, sizeof got, e->shape, e->ndim);
        shape_text(want, sizeof want, ws_, ndim);
        seterr(err, errlen, "%s: tensor %s: shape %s, the network needs %s",
               path, name, got, want);
        return NULL;
    }
    return e;
}

/* e's data (at byte `at` of f) into dst, in host order; 0 on success */
static int read_reals(FILE *f, unsigned long long at, const StEntry *e, int eb, unsigned char *dst)
{
    size_t bytes = (size_t)(e->end - e->begin);
    if (at > (unsigned long long)LONG_MAX || fseek(f, (long)at, SEEK_SET) != 0 ||
        fread(dst, 1, bytes, f) != bytes)
        return -1;
    if (!host_is_little())
        swap_elems(dst, bytes / (size_t)eb, eb);
    return 0;
}

static double get_real(const unsigned char *p, size_t i, int eb)
{
    if (eb == 8) {
        double v;
        memcpy(&v, p + i * 8, 8);
        return v;
    }
    float v;
    memcpy(&v, p + i * 4, 4);
    return v;
}

static void put_real(unsigned char *p, size_t i, int eb, double v)
{
    if (eb == 8) {
        memcpy(p + i * 8, &v, 8);
    } else {
        float x = (float)v;
        memcpy(p + i * 4, &x, 4);
    }
}

/* Folds the batchnorm fd (its tensors read from f, data at byte `data`) into the layer's
 * weight and bias already in tmp, computing in double (torch's fuse_conv_bn_weights):
 *   s = gamma / sqrt(running_var + eps); w *= s; b = (b - running_mean) * s + beta */
static int fold_in(FILE *f, unsigned long long data, Parser *p, const cnngen_model *m,
                   const cnngen_fold *fd, unsigned char *tmp)
{
    static const char *const what[4] = {"running_mean", "running_var", "weight", "bias"};
    const cnngen_tensor *tw = &m->tensors[fd->weight], *tb = &m->tensors[fd->bias];
    int eb = m->dtype_bytes;
    size_t K = (size_t)tb->shape[0], row = tensor_elems(tw) / (K ? K : 1);
    unsigned char *v = malloc(4 * K * (size_t)eb + 1);
    if (!v)
        return -1;
    for (int w = 0; w < 4; w++) {
        char nm[ST_MAX_NAME + 32];
        snprintf(nm, sizeof nm, "%s.%s", fd->bn, what[w]);
        StEntry *e = w < 2 || fd->affine ? find_entry(p, nm) : NULL;
        if (e && read_reals(f, data + e->begin, e, eb, v + (size_t)w * K * (size_t)eb)) {
            free(v);
            return -1;
        }
        if (!e)     /* affine: false: gamma 1, beta 0 */
            for (size_t k = 0; k < K; k++)
                put_real(v + (size_t)w * K * (size_t)eb, k, eb, w == 2 ? 1.0 : 0.0);
    }
    unsigned char *W = tmp + tw->offset * (size_t)eb, *B = tmp + tb->offset * (size_t)eb;
    for (size_t k = 0; k < K; k++) {
        double rm = get_real(v, k, eb), rv = get_real(v, K + k, eb);
        double gamma = get_real(v, 2 * K + k, eb), beta = get_real(v, 3 * K + k, eb);
        double s = gamma / sqrt(rv + fd->eps);
        for (size_t j = 0; j < row; j++)
            put_real(W, k * row + j, eb, get_real(W, k * row + j, eb) * s);
        put_real(B, k, eb, (get_real(B, k, eb) - rm) * s + beta);
    }
    free(v);
    return 0;
}

int cnngen_load_safetensors(const cnngen_model *m, void *params, const char *path,
                            char *err, size_t errlen)
{
    int rc = -1;
    FILE *f = NULL;
    char *hdr = NULL;
    unsigned char *tmp = NULL;
    StEntry **order = NULL;
    int *unf = NULL;        /* per fold: the file holds the batchnorm unfolded */
    Parser p;
    memset(&p, 0, sizeof p);
    int eb = m->dtype_bytes;

    if (err && errlen)
        err[0] = '\0';
    f = fopen(path, "rb");
    if (!f) {
        seterr(err, errlen, "%s: cannot open", path);
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        seterr(err, errlen, "%s: cannot seek (not a regular file?)", path);
        goto out;
    }
    long fsize_l = ftell(f);
    if (fsize_l < 0 || fseek(f, 0, SEEK_SET) != 0) {
        seterr(err, errlen, "%s: cannot determine the file's length", path);
        goto out;
    }
    unsigned long long fsize = (unsigned long long)fsize_l;
    unsigned char len8[8];
    if (fsize < 8 || fread(len8, 1, 8, f) != 8) {
        seterr(err, errlen, "%s: truncated: %llu bytes, shorter than the 8-byte header length",
               path, fsize);
        goto out;
    }
    unsigned long long hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | len8[i];
    if (hlen > fsize - 8) {
        seterr(err, errlen, "%s: header length %llu goes beyond the end of the file (%llu bytes)",
               path, hlen, fsize);
        goto out;
    }
    if (hlen > ST_MAX_HEADER || hlen < 2) {
        seterr(err, errlen, "%s: implausible header length %llu", path, hlen);
        goto out;
    }
    hdr = malloc((size_t)hlen);
    if (!hdr) {
        seterr(err, errlen, "%s: out of memory for the header", path);
        goto out;
    }
    if (fread(hdr, 1, (size_t)hlen, f) != (size_t)hlen) {
        seterr(err, errlen, "%s: read error in the header", path);
        goto out;
    }
    if (memchr(hdr, '\0', (size_t)hlen)) {
        seterr(err, errlen, "%s: bad JSON header: NUL byte", path);
        goto out;
    }
    p.s = hdr;
    p.n = (size_t)hlen;
    char perrbuf[300];
    p.err = perrbuf;
    p.errlen = sizeof perrbuf;
    if (parse_header(&p)) {
        seterr(err, errlen, "%s: %s", path, perrbuf);
        goto out;
    }
    unsigned long long dsize = fsize - 8 - hlen;

    /* folds: the file holds the batchnorm unfolded (its running_var is there) or the
     * folded pair alone */
    if (m->nfolds > 0) {
        unf = calloc((size_t)m->nfolds, sizeof *unf);
        if (!unf) {
            seterr(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    for (int f = 0; f < m->nfolds; f++) {
        char nm[ST_MAX_NAME + 32];
        snprintf(nm, sizeof nm, "%s.running_var", m->folds[f].bn);
        unf[f] = find_entry(&p, nm) != NULL;
    }
    /* every model tensor present, with our dtype and shape (but a folded layer's bias
     * that PyTorch's module does not have, when the file holds the batchnorm) */
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        int f = fold_of_bias(m, i);
        if (f >= 0 && unf[f] && !m->folds[f].had_bias)
            continue;
        if (f >= 0 && !unf[f] && !m->folds[f].had_bias && !find_entry(&p, t->name)) {
            seterr(err, errlen, "%s: tensor %s.running_var is missing (the batchnorm folded "
                   "into %.*s), and the folded %s is not there either", path, m->folds[f].bn,
                   (int)(strlen(t->name) - 5), t->name, t->name);
            goto out;
        }
        if (!need_entry(&p, path, m, t->name, t->ndim, t->shape, err, errlen))
            goto out;
    }
    for (int f = 0; f < m->nfolds; f++) {
        static const char *const what[4] = {"running_mean", "running_var", "weight", "bias"};
        if (!unf[f])
            continue;
        for (int w = 0; w < (m->folds[f].affine ? 4 : 2); w++) {
            char nm[ST_MAX_NAME + 32];
            snprintf(nm, sizeof nm, "%s.%s", m->folds[f].bn, what[w]);
            if (!need_entry(&p, path, m, nm, 1, m->tensors[m->folds[f].bias].shape, err, errlen))
                goto out;
        }
    }
    /* a batchnorm's num_batches_tracked (PyTorch's state_dict): int64, a scalar; ignored */
    for (int i = 0; i < m->ntensors + m->nfolds; i++) {
        const char *bn = NULL;
        size_t k;
        if (i < m->ntensors) {
            k = bn_prefix(m->tensors[i].name);
            bn = m->tensors[i].name;
        } else {
            bn = m->folds[i - m->ntensors].bn;
            k = strlen(bn);
        }
        char nb[ST_MAX_NAME + 32];
        if (!k)
            continue;
        snprintf(nb, sizeof nb, "%.*s.num_batches_tracked", (int)k, bn);
        StEntry *e = find_entry(&p, nb);
        if (!e)
            continue;
        if (strcmp(e->dtype, "I64") != 0 || e->ndim != 0) {
            seterr(err, errlen, "%s: tensor %s: PyTorch's is an int64 scalar (I64, shape [])",
                   path, nb);
            goto out;
        }
        e->used = 1;
    }
    /* every entry: a dtype we know, offsets consistent with dtype and shape */
    for (int k = 0; k < p.ne; k++) {
        StEntry *e = &p.e[k];
        int esz = strcmp(e->dtype, "F64") == 0 || strcmp(e->dtype, "I64") == 0 || strcmp(e->dtype, "U64") == 0 ? 8
                : strcmp(e->dtype, "F32") == 0 || strcmp(e->dtype, "I32") == 0 || strcmp(e->dtype, "U32") == 0 ? 4
                : strcmp(e->dtype, "F16") == 0 || strcmp(e->dtype, "BF16") == 0 || strcmp(e->dtype, "I16") == 0 || strcmp(e->dtype, "U16") == 0 ? 2
                : strcmp(e->dtype, "I8") == 0 || strcmp(e->dtype, "U8") == 0 || strcmp(e->dtype, "BOOL") == 0
                  || strcmp(e->dtype, "F8_E4M3") == 0 || strcmp(e->dtype, "F8_E5M2") == 0 ? 1 : 0;
        if (!esz) {
            seterr(err, errlen, "%s: tensor %s: unknown dtype \"%s\"", path, e->name, e->dtype);
            goto out;
        }
        unsigned long long elems = 1;
        for (int d = 0; d < e->ndim; d++) {
            if (e->shape[d] != 0 && elems > (1ULL << 53) / e->shape[d]) {
                seterr(err, errlen, "%s: tensor %s: shape too large", path, e->name);
                goto out;
            }
            elems *= e->shape[d];
        }
        if (e->end < e->begin) {
            seterr(err, errlen, "%s: tensor %s: data_offsets [%llu, %llu] end before they begin",
                   path, e->name, e->begin, e->end);
            goto out;
        }
        if (e->end - e->begin != elems * (unsigned)esz) {
            seterr(err, errlen, "%s: tensor %s: data_offsets [%llu, %llu] hold %llu bytes, "
                   "its dtype and shape need %llu", path, e->name, e->begin, e->end,
                   e->end - e->begin, elems * (unsigned)esz);
            goto out;
        }
        if (e->end > dsize) {
            seterr(err, errlen, "%s: tensor %s: data_offsets [%llu, %llu] go beyond the data "
                   "(%llu bytes): file truncated?", path, e->name, e->begin, e->end, dsize);
            goto out;
        }
    }
    /* the tensors tile the data area: sorted by begin, each starts where the last ended */
    if (p.ne > 0) {
        order = malloc((size_t)p.ne * sizeof *order);
        if (!order) {
            seterr(err, errlen, "%s: out of memory", path);
            goto out;
        }
    }
    for (int k = 0; k < p.ne; k++)
        order[k] = &p.e[k];
    if (p.ne > 1)
        qsort(order, (size_t)p.ne, sizeof *order, cmp_begin);
    {
        unsigned long long pos = 0;
        for (int k = 0; k < p.ne; k++) {
            if (order[k]->begin < pos) {
                seterr(err, errlen, "%s: tensor %s: data_offsets [%llu, %llu] overlap tensor %s",
                       path, order[k]->name, order[k]->begin, order[k]->end, order[k - 1]->name);
                goto out;
            }
            if (order[k]->begin > pos) {
                seterr(err, errlen, "%s: tensor %s: data_offsets [%llu, %llu] leave a gap of "
                       "%llu bytes before it", path, order[k]->name, order[k]->begin,
                       order[k]->end, order[k]->begin - pos);
                goto out;
            }
            pos = order[k]->end;
        }
        if (pos != dsize) {
            seterr(err, errlen, "%s: %llu bytes of data after the last tensor (the file is "
                   "%llu bytes, the header describes %llu)", path, dsize - pos, fsize,
                   fsize - (dsize - pos));
            goto out;
        }
    }

    for (int k = 0; k < p.ne; k++)
        if (!p.e[k].used) {
            seterr(err, errlen, "%s: tensor %s is not in the network %s (a file for another "
                   "network?)", path, p.e[k].name, m->name ? m->name : "");
            goto out;
        }

    /* all checked: read into a temporary, then copy */
    size_t total = m->num_params * (size_t)eb;
    tmp = malloc(total ? total : 1);
    if (!tmp) {
        seterr(err, errlen, "%s: out of memory for %lu bytes of parameters", path,
               (unsigned long)total);
        goto out;
    }
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        StEntry *e = find_entry(&p, t->name);
        if (t->data) {      /* const data compiled in: the file must hold the same values */
            size_t nb = tensor_elems(t) * (size_t)eb;
            unsigned char *c = malloc(nb ? nb : 1);
            int bad = !c || read_reals(f, 8 + hlen + e->begin, e, eb, c);
            int differs = !bad && memcmp(c, t->data, nb) != 0;
            free(c);
            if (bad || differs) {
                seterr(err, errlen, bad ? "%s: tensor %s: read error or out of memory"
                       : "%s: tensor %s differs from the values compiled in as const data "
                         "(a frozen parameter of a --weights build)", path, t->name);
                goto out;
            }
            continue;
        }
        if (!e) {   /* a folded layer's bias PyTorch's module lacks: 0 before the fold */
            memset(tmp + t->offset * (size_t)eb, 0, tensor_elems(t) * (size_t)eb);
            continue;
        }
        if (read_reals(f, 8 + hlen + e->begin, e, eb, tmp + t->offset * (size_t)eb)) {
            seterr(err, errlen, "%s: tensor %s: read error", path, t->name);
            goto out;
        }
    }
    for (int k = 0; k < m->nfolds; k++)
        if (unf[k] && fold_in(f, 8 + hlen, &p, m, &m->folds[k], tmp)) {
            seterr(err, errlen, "%s: batchnorm %s: read error or out of memory", path,
                   m->folds[k].bn);
            goto out;
        }
    for (int i = 0; i < m->ntensors; i++) {
        const cnngen_tensor *t = &m->tensors[i];
        size_t at = t->offset * (size_t)eb;
        if (!t->data)
            memcpy((unsigned char *)params + at, tmp + at, tensor_elems(t) * (size_t)eb);
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    free(hdr);
    free(tmp);
    free(order);
    free(unf);
    free(p.e);
    return rc;
}
