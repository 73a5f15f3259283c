/* spec.c - YAML spec -> Net (the IR), with a position on every node.
 *
 * Two passes over the text, both with libyaml:
 *   1. an event scan that reports syntax errors and refuses hostile input
 *      (aliases, deep nesting, many documents, huge node counts) before any tree
 *      is built;
 *   2. yaml_parser_load (the document tree), walked with tables of
 *      {key, expected node kind, handler} rows: one table for the top level, one
 *      for `input`, one for `loss`, and one for layer fields, where each layer
 *      kind's OpDef (ops/<kind>.c) says which fields it allows and requires.
 * Every independent error is reported (Diag stops printing after MAX_ERRORS).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "cnngen.h"

#define MAX_DEPTH 32        /* YAML nesting levels */
#define MAX_NODES 200000    /* YAML nodes in one spec */

typedef struct P {
    Net *net;
    Diag *d;
    yaml_document_t *doc;
} P;

/* node kinds a row accepts */
enum { K_SCALAR = 1, K_SEQ = 2, K_MAP = 4 };

static Pos mark_pos(yaml_mark_t m) { return (Pos){(int)m.line + 1, (int)m.column + 1}; }
static Pos npos(yaml_node_t *n) { return mark_pos(n->start_mark); }
static yaml_node_t *node(P *p, int id) { return yaml_document_get_node(p->doc, id); }

static int node_kind(yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? K_SCALAR
         : n->type == YAML_SEQUENCE_NODE ? K_SEQ : K_MAP;
}

static const char *sval(yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static int has_nul(yaml_node_t *n) { return strlen(sval(n)) != n->data.scalar.length; }

/* ---- scalar classification (the YAML 1.2 core schema, plain scalars only) */

typedef enum SClass { S_NULL, S_BOOL, S_INT, S_FLOAT, S_STRING } SClass;

static int is_int_text(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int is_float_text(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF"))
        return 1;
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
        return 1;
    int digits = 0;
    while (*s >= '0' && *s <= '9')
        s++, digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == 0;
}

static SClass classify(yaml_node_t *n)
{
    const char *s = sval(n);
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return S_STRING;
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return S_NULL;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
        !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return S_BOOL;
    if (is_int_text(s))
        return S_INT;
    if (is_float_text(s))
        return S_FLOAT;
    return S_STRING;
}

/* the scalar's text for a message that puts it between `delim` quotes: shortened,
 * control bytes made visible, the delimiter and \ escaped (so the quotes delimit it
 * unambiguously) */
static const char *quote_in(yaml_node_t *n, char delim, char *buf, size_t size)
{
    const char *s = sval(n);
    size_t len = strlen(s), lim = len > 40 ? 37 : len, k = 0;
    for (size_t i = 0; i < lim && k + 3 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)delim || c == '\\')
            buf[k++] = '\\';
        buf[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (len > lim && k + 4 <= size) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

static const char *quote(yaml_node_t *n, char *buf, size_t size)
{
    return quote_in(n, '"', buf, size);
}

/* "the string \"abc\"", "the number 2.5", "a list", ... for messages */
static const char *describe(yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    const char *s = sval(n);
    int len = (int)strlen(s);
    int cut = len > 40;
    if (cut)
        len = 37;
    switch (classify(n)) {
    case S_NULL:   return "nothing (null)";
    case S_BOOL:   snprintf(buf, size, "the boolean %s", s); break;
    case S_INT:    snprintf(buf, size, "%.*s%s", len, s, cut ? "..." : ""); break;
    case S_FLOAT:  snprintf(buf, size, "the number %.*s%s", len, s, cut ? "..." : ""); break;
    case S_STRING: {
        char q[128];
        snprintf(buf, size, "the string \"%s\"", quote(n, q, sizeof q));
        break;
    }
    }
    /* control bytes would garble the terminal */
    for (char *q = buf; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = '?';
    return buf;
}

static const char *kinds_text(int kinds)
{
    switch (kinds) {
    case K_SCALAR: return "a single value";
    case K_SEQ: return "a list";
    case K_MAP: return "a mapping";
    case K_SCALAR | K_SEQ: return "a value or a list";
    case K_SCALAR | K_MAP: return "a value or a mapping";
    default: return "a value";
    }
}

/* ---- typed getters: each reports its own error and returns 0 on failure */

/* An integer in [min, max]. `what` names the field in messages. */
static int get_int(P *p, yaml_node_t *n, const char *what, long long min, long long max,
                   long long *out)
{
    char b[96];
    if (n->type != YAML_SCALAR_NODE || classify(n) != S_INT) {
        if (n->type == YAML_SCALAR_NODE && classify(n) == S_FLOAT) {
            double v = strtod(sval(n), NULL);
            if (isfinite(v) && v == floor(v))
                error_at(p->d, npos(n), "'%s' must be an integer, got the number %s; write it "
                         "without a decimal point or exponent", what, quote(n, b, sizeof b));
            else
                error_at(p->d, npos(n), "'%s' must be an integer, got the non-integral number %s",
                         what, quote(n, b, sizeof b));
        }
        else
            error_at(p->d, npos(n), "'%s' must be an integer, got %s", what,
                     describe(n, b, sizeof b));
        return 0;
    }
    errno = 0;
    long long v = strtoll(sval(n), NULL, 10);
    if (errno == ERANGE) {
        error_at(p->d, npos(n), "'%s': %s does not fit in a 64-bit integer", what,
                 describe(n, b, sizeof b));
        return 0;
    }
    if (v < min) {
        if (min == 1)
            error_at(p->d, npos(n), "'%s' must be positive, got %lld", what, v);
        else
            error_at(p->d, npos(n), "'%s' must be at least %lld, got %lld", what, min, v);
        return 0;
    }
    if (v > max) {
        error_at(p->d, npos(n), "'%s' is %lld, above the limit of %lld", what, v, max);
        return 0;
    }
    *out = v;
    return 1;
}

static int get_int32(P *p, yaml_node_t *n, const char *what, int min, int max, int *out)
{
    long long v;
    if (!get_int(p, n, what, min, max, &v))
        return 0;
    *out = (int)v;
    return 1;
}

/* an int (both) or a list of exactly `count` ints */
static int get_ints(P *p, yaml_node_t *n, const char *what, int min, int max, int count,
                    int *out, const char *shape)
{
    if (n->type == YAML_SCALAR_NODE) {
        int v;
        if (!get_int32(p, n, what, min, max, &v))
            return 0;
        for (int i = 0; i < count; i++)
            out[i] = v;
        return 1;
    }
    int len = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (len != count) {
        error_at(p->d, npos(n), "'%s' must be an integer or a list %s, got a list of %d", what,
                 shape, len);
        return 0;
    }
    int ok = 1;
    for (int i = 0; i < count; i++) {
        yaml_node_t *it = node(p, n->data.sequence.items.start[i]);
        ok &= get_int32(p, it, what, min, max, &out[i]);
    }
    return ok;
}

static int get_bool(P *p, yaml_node_t *n, const char *what, int *out)
{
    char b[96];
    if (n->type != YAML_SCALAR_NODE || classify(n) != S_BOOL) {
        error_at(p->d, npos(n), "'%s' must be true or false, got %s", what,
                 describe(n, b, sizeof b));
        return 0;
    }
    *out = (sval(n)[0] | 0x20) == 't';
    return 1;
}

/* A plain or quoted string from `words`; returns its index or -1. */
static int get_word(P *p, yaml_node_t *n, const char *what, const char *const *words, int nw)
{
    char b[96];
    SClass c = n->type == YAML_SCALAR_NODE ? classify(n) : S_NULL;
    if (n->type != YAML_SCALAR_NODE || c == S_NULL || c == S_BOOL || has_nul(n)) {
        error_at(p->d, npos(n), "'%s' must be one of %s%s%s%s%s%s%s, got %s", what, words[0],
                 nw > 1 ? ", " : "", nw > 1 ? words[1] : "", nw > 2 ? ", " : "",
                 nw > 2 ? words[2] : "", nw > 3 ? ", " : "", nw > 3 ? "..." : "",
                 describe(n, b, sizeof b));
        return -1;
    }
    for (int i = 0; i < nw; i++)
        if (!strcmp(sval(n), words[i]))
            return i;
    const char *near = closest_word(sval(n), words, nw);
    Buf list = {0};
    for (int i = 0; i < nw; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", words[i]);
    if (near)
        error_at(p->d, npos(n), "unknown %s '%s'; did you mean '%s'?", what,
                 quote_in(n, '\'', b, sizeof b), near);
    else
        error_at(p->d, npos(n), "unknown %s '%s' (expected one of: %s)", what,
                 quote_in(n, '\'', b, sizeof b), list.data);
    buf_free(&list);
    return -1;
}

static int is_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* A C identifier shorter than MAX_NAME. */
static int get_ident(P *p, yaml_node_t *n, const char *what, char *out)
{
    char b[96];
    if (n->type != YAML_SCALAR_NODE || classify(n) == S_NULL || classify(n) == S_BOOL ||
        classify(n) == S_FLOAT || has_nul(n)) {
        error_at(p->d, npos(n), "'%s' must be a C identifier, got %s", what,
                 describe(n, b, sizeof b));
        return 0;
    }
    const char *s = sval(n);
    if (!is_ident(s)) {
        error_at(p->d, npos(n),
                 "'%s' must be a C identifier (letters, digits and '_', not starting with a digit), got \"%s\"",
                 what, quote(n, b, sizeof b));
        return 0;
    }
    if (strlen(s) >= MAX_NAME) {
        error_at(p->d, npos(n), "'%s' is %zu characters long; the limit is %d", what,
                 strlen(s), MAX_NAME - 1);
        return 0;
    }
    strcpy(out, s);
    return 1;
}

/* ---- names of things */

static const char *const loss_words[] = {"none", "softmax_cross_entropy", "cross_entropy", "mse",
                                         "binary_cross_entropy"};
static const char *const dtype_words[] = {"float32", "float64"};
static const char *const pad_words[] = {"valid", "same", "same_lower"};

const char *act_name(Act a) { return (a >= 0 && a < ACT_COUNT) ? act_table[a]->name : "?"; }
const char *loss_name(LossKind l) { return (l >= 0 && l <= LOSS_BCE) ? loss_words[l] : "?"; }

void net_free(Net *n)
{
    for (int i = 0; i < n->nlayers; i++)
        for (int j = 0; j < n->layers[i].nwarn; j++)
            free(n->layers[i].warn[j]);
    for (int j = 0; j < n->nwarn; j++)
        free(n->warn[j]);
    free(n->layers);
    n->layers = NULL;
    n->nlayers = 0;
    n->nwarn = 0;
}

/* ---- layer fields */

typedef void (*FieldFn)(P *p, Layer *l, yaml_node_t *v);

static void f_name(P *p, Layer *l, yaml_node_t *v)
{
    if (!get_ident(p, v, "name", l->name))
        return;
    if (!strcmp(l->name, "input")) {   /* `input: input` names the network input */
        error_at(p->d, npos(v), "the name 'input' is reserved for the network input");
        l->name[0] = 0;
        return;
    }
    l->name_given = 1;
}

/* `input: NAME` (any kind but add and concat) and `inputs: [NAME, ...]` (add, concat):
 * the names, resolved into inputs[] once every layer has its name (resolve_inputs) */
static void f_input(P *p, Layer *l, yaml_node_t *v)
{
    if (get_ident(p, v, "input", l->input_name[0])) {
        l->input_pos[0] = npos(v);
        l->ninput_names = 1;
    }
}
static void f_inputs(P *p, Layer *l, yaml_node_t *v)
{
    int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n < 2 || n > MAX_LAYER_INPUTS) {
        error_at(p->d, npos(v), "'inputs' takes 2 to %d layer names, got %d", MAX_LAYER_INPUTS, n);
        return;
    }
    for (int k = 0; k < n; k++) {
        yaml_node_t *e = node(p, v->data.sequence.items.start[k]);
        if (!get_ident(p, e, "inputs", l->input_name[k]))
            return;
        l->input_pos[k] = npos(e);
    }
    l->ninput_names = n;
}
static void f_filters(P *p, Layer *l, yaml_node_t *v) { get_int32(p, v, "filters", 1, MAX_DIM, &l->filters); }
static void f_units(P *p, Layer *l, yaml_node_t *v) { get_int32(p, v, "units", 1, MAX_DIM, &l->units); }
static void f_kernel(P *p, Layer *l, yaml_node_t *v) { get_ints(p, v, "kernel", 1, MAX_DIM, 2, l->k, "[kh, kw]"); }
static void f_size(P *p, Layer *l, yaml_node_t *v) { get_ints(p, v, "size", 1, MAX_DIM, 2, l->k, "[h, w]"); }
static void f_stride(P *p, Layer *l, yaml_node_t *v) { get_ints(p, v, "stride", 1, MAX_DIM, 2, l->stride, "[sh, sw]"); }
static void f_dilation(P *p, Layer *l, yaml_node_t *v) { get_ints(p, v, "dilation", 1, MAX_DIM, 2, l->dilation, "[dh, dw]"); }
static void f_bias(P *p, Layer *l, yaml_node_t *v) { get_bool(p, v, "bias", &l->bias); }
static void f_ceil_mode(P *p, Layer *l, yaml_node_t *v) { get_bool(p, v, "ceil_mode", &l->ceil_mode); }
static void f_count_include_pad(P *p, Layer *l, yaml_node_t *v) { get_bool(p, v, "count_include_pad", &l->count_include_pad); }
static void f_groups(P *p, Layer *l, yaml_node_t *v) { get_int32(p, v, "groups", 1, MAX_DIM, &l->groups); }
static void f_affine(P *p, Layer *l, yaml_node_t *v) { get_bool(p, v, "affine", &l->affine); }
static void f_trainable(P *p, Layer *l, yaml_node_t *v)
{
    char b[96];
    if (v->type == YAML_SCALAR_NODE && classify(v) == S_BOOL)
        l->trainable = (sval(v)[0] | 0x20) == 't' ? TR_TRUE : TR_FALSE;
    else if (v->type == YAML_SCALAR_NODE && !has_nul(v) && !strcmp(sval(v), "bias"))
        l->trainable = TR_BIAS;
    else
        error_at(p->d, npos(v), "'trainable' must be true, false or bias, got %s",
                 describe(v, b, sizeof b));
}

/* a finite number in [lo, hi] (hi_open: below hi; lo_open: above lo), else an error
 * saying so */
static int get_real(P *p, yaml_node_t *v, const char *key, double lo, int lo_open, double hi,
                    int hi_open, double *out)
{
    char b[96];
    SClass c = v->type == YAML_SCALAR_NODE ? classify(v) : S_STRING;
    if (v->type != YAML_SCALAR_NODE || (c != S_INT && c != S_FLOAT)) {
        error_at(p->d, npos(v), "'%s' must be a number, got %s", key, describe(v, b, sizeof b));
        return 0;
    }
    char *end;
    double a = strtod(sval(v), &end);   /* YAML's .inf/.nan are no C numbers: end stays put */
    if (*end || !isfinite(a) || (lo_open ? a <= lo : a < lo) || (hi_open ? a >= hi : a > hi)) {
        error_at(p->d, npos(v), "'%s' must be a number in %c%g, %g%c, got %s", key,
                 lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']', quote(v, b, sizeof b));
        return 0;
    }
    *out = a;
    return 1;
}
static void f_momentum(P *p, Layer *l, yaml_node_t *v) { get_real(p, v, "momentum", 0, 0, 1, 0, &l->momentum); }
static void f_eps(P *p, Layer *l, yaml_node_t *v) { get_real(p, v, "eps", 0, 1, 1, 0, &l->eps); }
static void f_rate(P *p, Layer *l, yaml_node_t *v) { get_real(p, v, "rate", 0, 0, 1, 1, &l->rate); }

static void f_activation(P *p, Layer *l, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE && !strcmp(sval(v), "softmax")) {
        error_at(p->d, npos(v), "activation: softmax is not a fused activation; add a "
                 "{type: softmax} layer after this one (or use loss softmax_cross_entropy)");
        return;
    }
    const char *act_words[ACT_COUNT];          /* the `activation:` values: act_table */
    for (int i = 0; i < ACT_COUNT; i++)
        act_words[i] = act_table[i]->name;
    int a = get_word(p, v, "activation", act_words, ACT_COUNT);
    if (a >= 0)
        l->act = (Act)a;
}

static void f_alpha(P *p, Layer *l, yaml_node_t *v)
{
    char b[96];
    SClass c = v->type == YAML_SCALAR_NODE ? classify(v) : S_STRING;
    if (v->type != YAML_SCALAR_NODE || (c != S_INT && c != S_FLOAT)) {
        error_at(p->d, npos(v), "'alpha' must be a number, got %s", describe(v, b, sizeof b));
        return;
    }
    char *end;
    double a = strtod(sval(v), &end);   /* YAML's .inf/.nan are no C numbers: end stays put */
    if (*end || !isfinite(a) || fabs(a) > 1e6) {
        error_at(p->d, npos(v), "'alpha' must be a finite number of moderate size, got %s", quote(v, b, sizeof b));
        return;
    }
    l->alpha = a;
}

static void f_padding(P *p, Layer *l, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE && classify(v) != S_INT) {
        int m = get_word(p, v, "padding", pad_words, 3);
        if (m >= 0)
            l->pad_mode = (PadMode)m;   /* PAD_VALID, PAD_SAME, PAD_SAME_LOWER in order */
        return;
    }
    int v4[4];
    if (v->type == YAML_SCALAR_NODE) {
        if (!get_int32(p, v, "padding", 0, MAX_DIM, &v4[0]))
            return;
        v4[1] = v4[2] = v4[3] = v4[0];
    } else {
        int len = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (len != 2 && len != 4) {
            error_at(p->d, npos(v),
                     "'padding' must be valid, same, same_lower, an integer, [ph, pw] or "
                     "[top, left, bottom, right], got a list of %d", len);
            return;
        }
        int ok = 1;
        for (int i = 0; i < len; i++)
            ok &= get_int32(p, node(p, v->data.sequence.items.start[i]), "padding", 0, MAX_DIM, &v4[i]);
        if (!ok)
            return;
        if (len == 2) {
            v4[2] = v4[0];
            v4[3] = v4[1];
        }
    }
    l->pad_mode = PAD_EXPLICIT;
    memcpy(l->pad_spec, v4, sizeof v4);
}

static const struct FieldRow {
    const char *key;
    Field f;
    int kinds;
    FieldFn fn;
} field_rows[] = {
    {"name", F_NAME, K_SCALAR, f_name},
    {"filters", F_FILTERS, K_SCALAR, f_filters},
    {"units", F_UNITS, K_SCALAR, f_units},
    {"kernel", F_KERNEL, K_SCALAR | K_SEQ, f_kernel},
    {"size", F_SIZE, K_SCALAR | K_SEQ, f_size},
    {"stride", F_STRIDE, K_SCALAR | K_SEQ, f_stride},
    {"padding", F_PADDING, K_SCALAR | K_SEQ, f_padding},
    {"dilation", F_DILATION, K_SCALAR | K_SEQ, f_dilation},
    {"bias", F_BIAS, K_SCALAR, f_bias},
    {"activation", F_ACTIVATION, K_SCALAR, f_activation},
    {"alpha", F_ALPHA, K_SCALAR, f_alpha},
    {"ceil_mode", F_CEIL_MODE, K_SCALAR, f_ceil_mode},
    {"count_include_pad", F_COUNT_INCLUDE_PAD, K_SCALAR, f_count_include_pad},
    {"input", F_INPUT, K_SCALAR, f_input},
    {"inputs", F_INPUTS, K_SEQ, f_inputs},
    {"groups", F_GROUPS, K_SCALAR, f_groups},
    {"momentum", F_MOMENTUM, K_SCALAR, f_momentum},
    {"eps", F_EPS, K_SCALAR, f_eps},
    {"affine", F_AFFINE, K_SCALAR, f_affine},
    {"rate", F_RATE, K_SCALAR, f_rate},
    {"trainable", F_TRAINABLE, K_SCALAR, f_trainable},
};
#define NFIELD_ROWS ((int)(sizeof field_rows / sizeof field_rows[0]))

static const char *field_key(Field f)
{
    if (f == F_TYPE)
        return "type";
    for (int i = 0; i < NFIELD_ROWS; i++)
        if (field_rows[i].f == f)
            return field_rows[i].key;
    return "?";
}


/* "layer 3 (conv2d)" or "'conv1'" for messages */
static const char *layer_label(const Layer *l, char *buf, size_t size)
{
    if (l->name_given)
        snprintf(buf, size, "layer %d '%s' (%s)", l->index, l->name, l->op ? l->op->name : "?");
    else
        snprintf(buf, size, "layer %d (%s)", l->index, l->op ? l->op->name : "?");
    return buf;
}

/* Duplicate keys in a mapping: reports the second one, returns 1 if `i` repeats. */
static int dup_key(P *p, yaml_node_t *map, yaml_node_pair_t *pair)
{
    yaml_node_t *k = node(p, pair->key);
    if (k->type != YAML_SCALAR_NODE)
        return 0;
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
        yaml_node_t *k2 = node(p, q->key);
        if (k2->type == YAML_SCALAR_NODE && !strcmp(sval(k), sval(k2))) {
            char b[128];
            error_at(p->d, npos(k), "duplicate key '%s' (first given at %d:%d)",
                     quote_in(k, '\'', b, sizeof b), npos(k2).line, npos(k2).col);
            return 1;
        }
    }
    return 0;
}

/* A mapping key must be a plain string; reports otherwise. */
static const char *key_text(P *p, yaml_node_t *k)
{
    char b[96];
    if (k->type != YAML_SCALAR_NODE || classify(k) == S_NULL || has_nul(k)) {
        error_at(p->d, npos(k), "a key must be a name, got %s", describe(k, b, sizeof b));
        return NULL;
    }
    const char *s = sval(k);
    int odd = strlen(s) > 64;
    for (const char *q = s; *q && !odd; q++)
        odd = (unsigned char)*q < 0x20 || *q == 0x7f;
    if (odd) {   /* no field looks like this; keep the message short and printable */
        error_at(p->d, npos(k), "unknown key '%s'", quote_in(k, '\'', b, sizeof b));
        return NULL;
    }
    return s;
}

static void parse_layer(P *p, Layer *l, yaml_node_t *m)
{
    char b[96], lb[160];
    l->pos = npos(m);
    l->stride[0] = l->stride[1] = 0;    /* 0: default, filled below */
    l->dilation[0] = l->dilation[1] = 1;
    l->bias = 1;
    l->alpha = 0.01;
    l->groups = 1;
    l->momentum = 0.1;
    l->eps = 1e-5;
    l->affine = 1;
    l->rate = 0.5;
    l->act = ACT_NONE;
    l->pad_mode = PAD_VALID;
    if (m->type != YAML_MAPPING_NODE) {
        error_at(p->d, npos(m), "layer %d must be a mapping like {type: conv2d, ...}, got %s",
                 l->index, describe(m, b, sizeof b));
        return;
    }
    /* the type first: it decides which keys are allowed */
    yaml_node_t *tv = NULL;
    for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < m->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(p, q->key);
        if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), "type"))
            tv = node(p, q->value), l->fpos[F_TYPE] = npos(tv);
    }
    if (!tv) {
        error_at(p->d, npos(m), "layer %d has no 'type' (conv2d, maxpool, dense, ...)", l->index);
        return;
    }
    const char *names[MAX_KINDS];
    int nk = 0;
    while (op_table[nk] && nk < MAX_KINDS)
        names[nk] = op_table[nk]->name, nk++;
    if (get_word(p, tv, "layer type", names, nk) < 0)
        return;
    l->op = op_find(sval(tv));

    for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < m->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(p, q->key), *v = node(p, q->value);
        const char *key = key_text(p, k);
        if (!key || dup_key(p, m, q) || !strcmp(key, "type"))
            continue;
        const struct FieldRow *row = NULL;
        for (int i = 0; i < NFIELD_ROWS; i++)
            if (!strcmp(field_rows[i].key, key))
                row = &field_rows[i];
        if (!row || !op_allows(l->op, row->f)) {
            const char *cands[F_COUNT + 2];
            int nc = 0;
            cands[nc++] = "type";
            cands[nc++] = "name";
            if (op_allows(l->op, F_INPUT))
                cands[nc++] = "input";
            for (const Field *f = l->op->fields; f && *f != F_NONE; f++)
                cands[nc++] = field_key(*f);
            const char *near = closest_word(key, cands, nc);
            Buf list = {0};
            for (int i = 1; i < nc; i++)
                buf_printf(&list, "%s%s", i > 1 ? ", " : "", cands[i]);
            char kq[128];
            quote_in(k, '\'', kq, sizeof kq);
            const char *an = strchr("aeiou", l->op->name[0]) ? "an" : "a";
            if (near && strcmp(near, key))
                error_at(p->d, npos(k), "unknown key '%s' in %s %s layer; did you mean '%s'?", kq,
                         an, l->op->name, near);
            else
                error_at(p->d, npos(k), "%s key '%s' in %s %s layer (it takes: %s)",
                         row ? "unexpected" : "unknown", kq, an, l->op->name, list.data);
            buf_free(&list);
            continue;
        }
        if (!(node_kind(v) & row->kinds)) {
            error_at(p->d, npos(v), "'%s' must be %s, got %s", key, kinds_text(row->kinds),
                     describe(v, b, sizeof b));
            continue;
        }
        l->fpos[row->f] = npos(v);
        row->fn(p, l, v);
    }
    if (l->name_given == 0 && l->fpos[F_NAME].line)
        l->fpos[F_NAME] = (Pos){0, 0};  /* the name was invalid: it gets a default */
    for (const Field *f = l->op->required; f && *f != F_NONE; f++)
        if (!l->fpos[*f].line)
            error_at(p->d, l->pos, "%s is missing '%s'", layer_label(l, lb, sizeof lb),
                     field_key(*f));
    /* alpha is a key of leaky_relu, and of the kinds with `activation:` only with it (a
     * key the kind does not take was refused above and has no fpos) */
    if (l->fpos[F_ALPHA].line && !layer_takes_alpha(l))
        error_at(p->d, l->fpos[F_ALPHA], "'alpha' only applies with activation: leaky_relu");
    if (!l->fpos[F_STRIDE].line) {
        int pool = op_allows(l->op, F_SIZE);   /* pools stride by their window by default */
        l->stride[0] = pool ? l->k[0] : 1;
        l->stride[1] = pool ? l->k[1] : 1;
    }
}

/* ---- default layer names (README "Default layer names") */

static const char *default_stem(const OpDef *op)
{
    return op->stem ? op->stem : op->name;   /* conv, fc, pool; flatten, relu, ... */
}

static int name_taken(const Net *net, const char *name, int upto_given_all, int self)
{
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *o = &net->layers[i];
        if (i == self || !o->name[0])
            continue;
        if ((o->name_given || i < upto_given_all) && !strcmp(o->name, name))
            return 1;
    }
    return 0;
}

/* The n-th layer of a family (counting named ones too) is <stem><n>; if a given
 * name already uses that, _2, _3, ... is appended. */
static void assign_default_names(Net *net)
{
    const char *stems[MAX_KINDS];
    int count[MAX_KINDS], nfam = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        if (!l->op)
            continue;
        const char *stem = default_stem(l->op);
        int fam = 0;
        while (fam < nfam && strcmp(stems[fam], stem))
            fam++;
        if (fam == nfam) {
            stems[nfam] = stem;
            count[nfam++] = 0;
        }
        int n = ++count[fam];
        if (l->name_given)
            continue;
        char base[MAX_NAME], cand[MAX_NAME];
        sfmt(base, sizeof base, "%s%d", stem, n);
        strcpy(cand, base);
        for (int s = 2; name_taken(net, cand, i, i); s++)
            sfmt(cand, sizeof cand, "%s_%d", base, s);
        strcpy(l->name, cand);
    }
}

/* ---- top level */

static void parse_input(P *p, yaml_node_t *m)
{
    static const char *const keys[] = {"channels", "height", "width"};
    int *dst[3] = {&p->net->input.c, &p->net->input.h, &p->net->input.w};
    int seen[3] = {0, 0, 0};
    for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < m->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(p, q->key), *v = node(p, q->value);
        const char *key = key_text(p, k);
        if (!key || dup_key(p, m, q))
            continue;
        int i = 0;
        while (i < 3 && strcmp(keys[i], key))
            i++;
        if (i == 3) {
            const char *near = closest_word(key, keys, 3);
            if (near)
                error_at(p->d, npos(k), "unknown key '%s' in 'input'; did you mean '%s'?", key, near);
            else
                error_at(p->d, npos(k), "unknown key '%s' in 'input' (it takes channels, height, width)", key);
            continue;
        }
        seen[i] = 1;
        get_int32(p, v, keys[i], 1, MAX_DIM, dst[i]);
    }
    for (int i = 0; i < 3; i++)
        if (!seen[i])
            error_at(p->d, npos(m), "'input' is missing '%s'", keys[i]);
}

static void parse_loss(P *p, yaml_node_t *v)
{
    yaml_node_t *tv = v;
    if (v->type == YAML_MAPPING_NODE) {
        tv = NULL;
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
            yaml_node_t *k = node(p, q->key);
            const char *key = key_text(p, k);
            if (!key || dup_key(p, v, q))
                continue;
            if (!strcmp(key, "type"))
                tv = node(p, q->value);
            else if (closest_word(key, (const char *const[]){"type"}, 1))
                error_at(p->d, npos(k), "unknown key '%s' in 'loss'; did you mean 'type'?", key);
            else
                error_at(p->d, npos(k), "unknown key '%s' in 'loss' (it takes only 'type')", key);
        }
        if (!tv) {
            error_at(p->d, npos(v), "'loss' is missing 'type' (softmax_cross_entropy, "
                     "cross_entropy, mse or binary_cross_entropy)");
            return;
        }
    }
    p->net->loss_pos = npos(tv);
    int t = get_word(p, tv, "loss type", loss_words, 5);
    if (t >= 0)
        p->net->loss = (LossKind)t;
}

/* The input names into inputs[]: `input` is the network input, any other an earlier
 * layer's (given or default) name; errors at the name. */
static void resolve_inputs(P *p)
{
    Net *net = p->net;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        if (!l->ninput_names)
            continue;
        int ok = 1;
        for (int k = 0; k < l->ninput_names; k++) {
            const char *nm = l->input_name[k];
            int v = -2;
            if (!strcmp(nm, "input"))
                v = VAL_INPUT;
            for (int j = 0; v == -2 && j < net->nlayers; j++)
                if (!strcmp(net->layers[j].name, nm))
                    v = j;
            if (v == -2) {
                const char *cands[MAX_LAYERS + 1];
                int nc = 0;
                cands[nc++] = "input";
                for (int j = 0; j < i; j++)
                    cands[nc++] = net->layers[j].name;
                const char *near = closest_word(nm, cands, nc);
                if (near)
                    error_at(p->d, l->input_pos[k], "%s: no layer is named '%s'; did you mean '%s'?",
                             l->name, nm, near);
                else
                    error_at(p->d, l->input_pos[k], "%s: no layer is named '%s' (a layer reads "
                             "'input' or an earlier layer)", l->name, nm);
                ok = 0;
            } else if (v == i) {
                error_at(p->d, l->input_pos[k], "%s: a layer cannot read its own output", l->name);
                ok = 0;
            } else if (v > i) {
                error_at(p->d, l->input_pos[k], "%s: '%s' is layer %d, after this one (layer %d): "
                         "a layer reads 'input' or an earlier layer", l->name, nm, v + 1, i + 1);
                ok = 0;
            } else {
                l->inputs[k] = v;
            }
        }
        if (ok)
            l->ninputs = l->ninput_names;
    }
}

static void parse_layers(P *p, yaml_node_t *v)
{
    int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) {
        error_at(p->d, npos(v), "'layers' is empty: a network needs at least one layer");
        return;
    }
    if (n > MAX_LAYERS) {
        error_at(p->d, npos(node(p, v->data.sequence.items.start[MAX_LAYERS])),
                 "too many layers: %d (the limit is %d)", n, MAX_LAYERS);
        n = MAX_LAYERS;
    }
    Net *net = p->net;
    net->layers = calloc((size_t)n, sizeof(Layer));
    if (!net->layers) {
        fputs("cnngen: out of memory\n", stderr);
        exit(2);
    }
    net->nlayers = n;
    for (int i = 0; i < n; i++) {
        Layer *l = &net->layers[i];
        l->index = i + 1;
        l->inputs[0] = i - 1;           /* its predecessor (VAL_INPUT for the first) */
        l->ninputs = 1;
        parse_layer(p, l, node(p, v->data.sequence.items.start[i]));
    }
    /* duplicate given names: point at the second */
    for (int i = 0; i < n; i++) {
        Layer *l = &net->layers[i];
        if (!l->name_given)
            continue;
        for (int j = 0; j < i; j++)
            if (net->layers[j].name_given && !strcmp(net->layers[j].name, l->name)) {
                error_at(p->d, l->fpos[F_NAME], "duplicate layer name '%s' (first used at line %d)",
                         l->name, net->layers[j].fpos[F_NAME].line);
                break;
            }
    }
    assign_default_names(net);
    resolve_inputs(p);
}

typedef void (*TopFn)(P *p, yaml_node_t *v);

static void t_name(P *p, yaml_node_t *v)
{
    p->net->name_pos = npos(v);
    get_ident(p, v, "name", p->net->name);
}
static void t_input(P *p, yaml_node_t *v) { p->net->input_pos = npos(v); parse_input(p, v); }
static void t_dtype(P *p, yaml_node_t *v)
{
    p->net->dtype_pos = npos(v);
    int t = get_word(p, v, "dtype", dtype_words, 2);
    if (t >= 0)
        p->net->dtype = (Dtype)t;
}
static void t_batch(P *p, yaml_node_t *v)
{
    p->net->batch_pos = npos(v);
    get_int32(p, v, "batch", 1, MAX_BATCH, &p->net->batch);
}
static void t_layers(P *p, yaml_node_t *v) { p->net->layers_pos = npos(v); parse_layers(p, v); }

/* target: {ram_limit: BYTES, flash_limit: BYTES, arch: x86-64 | cortex-m4} - memory
 * budgets and the target their code and stack figures model (budget.c, stack.c) */
static void t_target(P *p, yaml_node_t *v)
{
    static const char *const keys[] = {"ram_limit", "flash_limit", "arch"};
    char b[96];
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(p, q->key), *val = node(p, q->value);
        const char *key = key_text(p, k);
        if (!key || dup_key(p, v, q))
            continue;
        int i = -1;
        for (int j = 0; j < 3; j++)
            if (!strcmp(key, keys[j]))
                i = j;
        if (i < 0) {
            const char *near = closest_word(key, keys, 3);
            if (near)
                error_at(p->d, npos(k), "unknown key '%s' in 'target'; did you mean '%s'?", key, near);
            else
                error_at(p->d, npos(k), "unknown key '%s' in 'target' (it takes ram_limit, flash_limit and arch)", key);
            continue;
        }
        if (i == 2) {
            int a = val->type == YAML_SCALAR_NODE && !has_nul(val) ? arch_parse(sval(val)) : -1;
            if (a < 0)
                error_at(p->d, npos(val), "'arch' must be x86-64 or cortex-m4; got %s",
                         describe(val, b, sizeof b));
            else
                p->net->arch = (Arch)a;
            continue;
        }
        long long bytes = -1;
        if (val->type == YAML_SCALAR_NODE && !has_nul(val) &&
            (classify(val) == S_INT || classify(val) == S_STRING))
            bytes = parse_bytes(sval(val));
        if (bytes < 0) {
            error_at(p->d, npos(val), "'%s' must be a size in bytes: a positive integer, optionally "
                     "with K, M or G (powers of 1024), like 65536 or 64K; got %s", key,
                     describe(val, b, sizeof b));
            continue;
        }
        if (i == 0)
            p->net->ram_limit = bytes, p->net->ram_limit_pos = npos(val);
        else
            p->net->flash_limit = bytes, p->net->flash_limit_pos = npos(val);
    }
}

static const struct TopRow {
    const char *key;
    int kinds;
    TopFn fn;
} top_rows[] = {
    {"name", K_SCALAR, t_name},
    {"input", K_MAP, t_input},
    {"dtype", K_SCALAR, t_dtype},
    {"layers", K_SEQ, t_layers},
    {"loss", K_SCALAR | K_MAP, parse_loss},
    {"target", K_MAP, t_target},
    {"batch", K_SCALAR, t_batch},
};
#define NTOP ((int)(sizeof top_rows / sizeof top_rows[0]))

/* the spec's name defaults to the file's stem, made into a C identifier */
static void default_net_name(Net *net)
{
    const char *base = strrchr(net->file, '/');
    base = base ? base + 1 : net->file;
    char out[MAX_NAME];
    int n = 0;
    if (!((*base >= 'a' && *base <= 'z') || (*base >= 'A' && *base <= 'Z') || *base == '_')) {
        strcpy(out, "net_");
        n = 4;
    }
    for (const char *s = base; *s && *s != '.' && n < MAX_NAME - 1; s++)
        out[n++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                    (*s >= '0' && *s <= '9') || *s == '_') ? *s : '_';
    out[n] = 0;
    if (!strcmp(out, "net_"))
        strcpy(out, "net");
    strcpy(net->name, out);
}

static void parse_top(P *p, yaml_node_t *root)
{
    char b[96];
    if (root->type != YAML_MAPPING_NODE) {
        error_at(p->d, npos(root), "a spec must be a mapping with 'input' and 'layers', got %s",
                 describe(root, b, sizeof b));
        return;
    }
    int seen[NTOP] = {0};
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(p, q->key), *v = node(p, q->value);
        const char *key = key_text(p, k);
        if (!key || dup_key(p, root, q))
            continue;
        int i = 0;
        while (i < NTOP && strcmp(top_rows[i].key, key))
            i++;
        if (i == NTOP) {
            const char *words[NTOP];
            for (int j = 0; j < NTOP; j++)
                words[j] = top_rows[j].key;
            const char *near = closest_word(key, words, NTOP);
            if (near)
                error_at(p->d, npos(k), "unknown key '%s'; did you mean '%s'?", key, near);
            else
                error_at(p->d, npos(k), "unknown key '%s' (a spec has name, input, dtype, layers, loss, batch, target)", key);
            continue;
        }
        seen[i] = 1;
        if (!(node_kind(v) & top_rows[i].kinds)) {
            error_at(p->d, npos(v), "'%s' must be %s, got %s", key, kinds_text(top_rows[i].kinds),
                     describe(v, b, sizeof b));
            continue;
        }
        top_rows[i].fn(p, v);
    }
    if (!seen[1])
        error_at(p->d, npos(root), "the spec has no 'input' (e.g. input: {channels: 1, height: 28, width: 28})");
    if (!seen[3])
        error_at(p->d, npos(root), "the spec has no 'layers' (a list like - {type: conv2d, filters: 6, kernel: 5})");
}

/* ---- pass 1: events */

static Pos offset_pos(const char *src, size_t len, size_t off)
{
    Pos p = {1, 1};
    for (size_t i = 0; i < off && i < len; i++) {
        if (src[i] == '\n')
            p.line++, p.col = 1;
        else if (((unsigned char)src[i] & 0xC0) != 0x80)
            p.col++;
    }
    return p;
}

static void yaml_error(Diag *d, yaml_parser_t *ps, const char *src, size_t len)
{
    if (ps->error == YAML_READER_ERROR) {
        Pos pos = offset_pos(src, len, ps->problem_offset);
        if (ps->problem_value != -1)
            error_at(d, pos, "YAML: %s (byte 0x%02X)", ps->problem ? ps->problem : "cannot read",
                     (unsigned)ps->problem_value & 0xFFu);
        else
            error_at(d, pos, "YAML: %s", ps->problem ? ps->problem : "cannot read");
        return;
    }
    if (ps->error == YAML_MEMORY_ERROR) {
        error_at(d, (Pos){1, 1}, "YAML: out of memory");
        return;
    }
    Pos pos = mark_pos(ps->problem_mark);
    if (ps->context)
        error_at(d, pos, "YAML: %s (%s at line %d, column %d)",
                 ps->problem ? ps->problem : "syntax error", ps->context,
                 (int)ps->context_mark.line + 1, (int)ps->context_mark.column + 1);
    else
        error_at(d, pos, "YAML: %s", ps->problem ? ps->problem : "syntax error");
}

static int scan_events(Diag *d, const char *src, size_t len)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    int errs = d->nerrors, depth = 0, docs = 0;
    long nodes = 0;
    yaml_parser_initialize(&ps);
    yaml_parser_set_input_string(&ps, (const unsigned char *)src, len);
    for (;;) {
        if (!yaml_parser_parse(&ps, &ev)) {
            yaml_error(d, &ps, src, len);
            break;
        }
        yaml_event_type_t t = ev.type;
        Pos pos = mark_pos(ev.start_mark);
        if (t == YAML_ALIAS_EVENT)
            error_at(d, pos, "YAML aliases (*%s) are not supported in specs; write the value out",
                     (const char *)ev.data.alias.anchor);
        if (t == YAML_DOCUMENT_START_EVENT && ++docs == 2)
            error_at(d, pos, "a spec holds one YAML document; this is a second one");
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > MAX_DEPTH) {
                error_at(d, pos, "the YAML is nested more than %d levels deep", MAX_DEPTH);
                yaml_event_delete(&ev);
                break;
            }
        }
        if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++nodes > MAX_NODES) {
                error_at(d, pos, "the YAML has more than %d nodes", MAX_NODES);
                yaml_event_delete(&ev);
                break;
            }
        }
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&ps);
    return d->nerrors - errs;
}

int spec_parse(Net *net, Diag *d, const char *src, size_t len)
{
    int errs = d->nerrors;
    if (!net->file)
        net->file = d->file;
    default_net_name(net);
    net->batch = 1;
    if (scan_events(d, src, len))
        return d->nerrors - errs;

    yaml_parser_t ps;
    yaml_document_t doc;
    yaml_parser_initialize(&ps);
    yaml_parser_set_input_string(&ps, (const unsigned char *)src, len);
    if (!yaml_parser_load(&ps, &doc)) {
        yaml_error(d, &ps, src, len);
        yaml_parser_delete(&ps);
        return d->nerrors - errs;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        error_at(d, (Pos){1, 1},
                 "the spec is empty: it needs at least 'input' and 'layers'");
    } else {
        P p = {net, d, &doc};
        parse_top(&p, root);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&ps);
    return d->nerrors - errs;
}
