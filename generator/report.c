/* report.c - the shape-check report (--report) in text, markdown and json, and
 * --dump-ir. Reads only the IR (after shape_infer) and the memory plan. */
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

/* 412778 -> "412,778" (Keras' Total params style) */
static int has_window(const Layer *l) { return l->k[0] > 0; }

/* "(5*5*3 + 1)*10 = 760" for conv2d (its unit's); dense keeps its own in formula[0] */
static void params_formula(const Layer *l, char *buf, size_t size)
{
    buf[0] = 0;
    if (l->op->params_formula)
        l->op->params_formula(l, buf, size);
}

static const char *pad_mode_name(PadMode m)
{
    switch (m) {
    case PAD_VALID: return "valid";
    case PAD_SAME: return "same";
    case PAD_SAME_LOWER: return "same_lower";
    default: return "explicit";
    }
}

static int count_warnings(const Net *net)
{
    int n = net->nwarn;
    for (int i = 0; i < net->nlayers; i++)
        n += net->layers[i].nwarn;
    return n;
}

/* "49,184 bytes (23,524 without vectors; activations' lower bound 23,520)": an
 * inference workspace, the figure of the scalar build when its scratch differs, and the
 * most bytes of activations that must be live at once (plan_arena) */
static const char *ws_text(const Net *net, WsPlan w)
{
    static char s[160];
    char a[32], b[32], c[32];
    long long lb = w.lower * real_bytes(net->dtype);
    if (!w.arena && w.bytes1 != w.bytes)     /* no liveness plan (a graph's training) */
        snprintf(s, sizeof s, "%s bytes (%s without vectors)", commas(w.bytes, a),
                 commas(w.bytes1, b));
    else if (!w.arena)
        snprintf(s, sizeof s, "%s bytes", commas(w.bytes, a));
    else if (w.bytes1 != w.bytes)
        snprintf(s, sizeof s, "%s bytes (%s without vectors; activations' lower bound %s)",
                 commas(w.bytes, a), commas(w.bytes1, b), commas(lb, c));
    else
        snprintf(s, sizeof s, "%s bytes (activations' lower bound %s)", commas(w.bytes, a),
                 commas(lb, c));
    return s;
}

/* The training RAM of the generated code: P_params, P_grad (every parameter's, or what
 * learns in a partial net) and P_workspace, with vectors ([0]) and without ([1]); *grad
 * receives P_grad's bytes (0 without a loss) */
static void train_ram(const Net *net, WsPlan tr, long long *ram, long long *grad)
{
    int rb = real_bytes(net->dtype);
    long long np_ = net->total_params ? net->total_params : 1;
    *grad = net->loss == LOSS_NONE ? 0 : net_grad_elems(net) * rb;
    ram[0] = np_ * rb + *grad + tr.bytes;
    ram[1] = np_ * rb + *grad + tr.bytes1;
}

static const char *trainable_text(const Layer *l)
{
    if (!layer_has_params(l) || l->trainable == TR_TRUE)
        return NULL;
    return l->trainable == TR_FALSE ? "nothing learns (trainable: false)"
                                    : "only its bias learns (trainable: bias)";
}

/* ---- text */

/* the parameters SGD leaves alone (buffers: batchnorm's running statistics; what
 * `trainable:` freezes) */
static long long non_trainable(const Net *net)
{
    long long n = 0;
    for (int i = 0; i < net->nlayers; i++) {
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(&net->layers[i], t);
        for (int k = 0; k < nt; k++)
            if (!tensor_learns(&net->layers[i], &t[k]))
                n += t[k].n;
    }
    return n;
}

/* "c2, stem" when layer i reads other than its predecessor, else NULL */
static const char *inputs_text(const Net *net, int i, char *buf, size_t n)
{
    const Layer *l = &net->layers[i];
    if (l->ninputs == 1 && l->inputs[0] == i - 1)
        return NULL;
    size_t k = 0;
    buf[0] = 0;
    for (int j = 0; j < l->ninputs && k < n; j++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", j ? ", " : "",
                              value_name(net, l->inputs[j]));
    return buf;
}

static void report_text(FILE *out, const Net *net)
{
    char a[32], b[32], sb[64], lbl[160];
    WsPlan tr = plan_workspace(net, 0), inf = plan_workspace(net, 1);
    int rb = real_bytes(net->dtype);
    fprintf(out, "%s (%s): %s, loss %s\n\n", net->name, net->file,
            net->dtype == DT_F64 ? "float64" : "float32", loss_name(net->loss));
    int namew = (int)strlen("Layer (type)");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        int w = (int)(strlen(l->name) + strlen(l->op->name) + 3);
        if (w > namew)
            namew = w;
    }
    fprintf(out, "%4s  %-*s  %-14s  %12s  %14s  %s\n", "#", namew, "Layer (type)", "Output shape",
            "Params", "MACs", "Receptive field");
    int rule = 4 + 2 + namew + 2 + 14 + 2 + 12 + 2 + 14 + 2 + 15;
    for (int i = 0; i < rule; i++)
        fputc('=', out);
    fputc('\n', out);
    fprintf(out, "%4d  %-*s  %-14s  %12s  %14s  %s\n", 0, namew, "input",
            shape_text(net->input, sb, sizeof sb), "0", "0", "1x1");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        char rf[32];
        snprintf(lbl, sizeof lbl, "%s (%s)", l->name, l->op->name);
        snprintf(rf, sizeof rf, "%dx%d", l->rf[0], l->rf[1]);
        fprintf(out, "%4d  %-*s  %-14s  %12s  %14s  %s\n", l->index, namew, lbl,
                shape_text(l->out, sb, sizeof sb), commas(l->params, a), commas(l->macs, b), rf);
        const char *ind = "        ";
        if (has_window(l)) {
            if (!strcmp(l->formula[0], l->formula[1]))
                fprintf(out, "%sheight, width: %s\n", ind, l->formula[0]);
            else
                fprintf(out, "%sheight: %s\n%swidth:  %s\n", ind, l->formula[0], ind, l->formula[1]);
            char pf[192];
            params_formula(l, pf, sizeof pf);
            if (pf[0])
                fprintf(out, "%sparams: %s\n", ind, pf);
        } else if (l->formula[0][0]) {
            fprintf(out, "%s%s\n", ind, l->formula[0]);
        }
        char ins[MAX_LAYER_INPUTS * (MAX_NAME + 2)];
        if (inputs_text(net, i, ins, sizeof ins))
            fprintf(out, "%sinputs: %s\n", ind, ins);
        if (trainable_text(l))
            fprintf(out, "%s%s\n", ind, trainable_text(l));
        fprintf(out, "%scode: unroll %s\n", ind, unroll_name(l->unroll));
        for (int j = 0; j < l->nwarn; j++)
            fprintf(out, "%swarning: %s\n", ind, l->warn[j]);
    }
    for (int i = 0; i < rule; i++)
        fputc('=', out);
    fputc('\n', out);
    for (int j = 0; j < net->nwarn; j++)
        fprintf(out, "warning: %s\n", net->warn[j]);
    fprintf(out, "Total params: %s (%s bytes as %s)\n", commas(net->total_params, a),
            commas(net->total_params * rb, b), net->dtype == DT_F64 ? "float64" : "float32");
    long long nt = non_trainable(net);
    if (nt)
        fprintf(out, "Trainable params: %s\nNon-trainable params: %s\n",
                commas(net->total_params - nt, a), commas(nt, b));
    fprintf(out, "Forward MACs per sample: %s\n", commas(net->total_macs, a));
    if (plan_batched(net, 0))
        fprintf(out, "Training workspace (batch %d): %s\n", net->batch, ws_text(net, tr));
    else
        fprintf(out, "Training workspace per sample: %s\n", ws_text(net, tr));
    if (net->loss != LOSS_NONE) {
        long long ram[2], g;
        char c[32], d[32], e[32], f[32];
        train_ram(net, tr, ram, &g);
        fprintf(out, "Training RAM: params %s + gradients %s + workspace %s = %s bytes "
                "(%s without vectors)\n", commas((net->total_params ? net->total_params : 1) * rb, a),
                commas(g, b), commas(tr.bytes, c), commas(ram[0], d), commas(ram[1], e));
        if (!plan_batched(net, 0) && net->batch == 1)
            fprintf(out, "Training RAM without a gradient buffer (grad == NULL): %s bytes "
                    "(%s without vectors)\n", commas(ram[0] - g, a), commas(ram[1] - g, f));
    }
    fprintf(out, "Inference workspace: %s\n", ws_text(net, inf));
    fprintf(out, "Warnings: %d\n", count_warnings(net));
}

/* ---- markdown */

static void report_markdown(FILE *out, const Net *net)
{
    char a[32], b[32], sb[64];
    WsPlan tr = plan_workspace(net, 0), inf = plan_workspace(net, 1);
    int rb = real_bytes(net->dtype);
    fprintf(out, "## %s\n\nSpec `%s`, %s, loss `%s`.\n\n", net->name, net->file,
            net->dtype == DT_F64 ? "float64" : "float32", loss_name(net->loss));
    int graph = !net_is_chain(net);   /* then an Inputs column */
    fprintf(out, "| # | Layer | Type | Output | Params | MACs | Receptive field | Output size | Unroll |%s\n",
            graph ? " Inputs |" : "");
    fprintf(out, "|---:|---|---|---|---:|---:|---|---|---|%s\n", graph ? "---|" : "");
    fprintf(out, "| 0 | input | | %s | 0 | 0 | 1x1 | | |%s\n", shape_text(net->input, sb, sizeof sb),
            graph ? " |" : "");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        char ins[MAX_LAYER_INPUTS * (MAX_NAME + 2)];
        const char *it = inputs_text(net, i, ins, sizeof ins);
        fprintf(out, "| %d | %s | %s | %s | %s | %s | %dx%d | ", l->index, l->name, l->op->name,
                shape_text(l->out, sb, sizeof sb), commas(l->params, a), commas(l->macs, b),
                l->rf[0], l->rf[1]);
        if (has_window(l) && strcmp(l->formula[0], l->formula[1]))
            fprintf(out, "`%s`; `%s`", l->formula[0], l->formula[1]);
        else if (l->formula[0][0])
            fprintf(out, "`%s`", l->formula[0]);
        fprintf(out, " | %s |", unroll_name(l->unroll));
        if (graph)
            fprintf(out, " %s |", it ? it : "");
        fputc('\n', out);
    }
    fprintf(out, "\n- Total params: **%s** (%s bytes)\n", commas(net->total_params, a),
            commas(net->total_params * rb, b));
    if (non_trainable(net))
        fprintf(out, "- Trainable params: %s; non-trainable: %s\n",
                commas(net->total_params - non_trainable(net), a), commas(non_trainable(net), b));
    if (plan_batched(net, 0))
        fprintf(out, "- Batch: %d (P_MAX_BATCH)\n", net->batch);
    fprintf(out, "- Forward MACs per sample: **%s**\n", commas(net->total_macs, a));
    fprintf(out, "- Training workspace per sample: %s\n", ws_text(net, tr));
    if (net->loss != LOSS_NONE) {
        long long ram[2], g;
        train_ram(net, tr, ram, &g);
        fprintf(out, "- Training RAM: %s bytes (%s without vectors): params, gradients %s, "
                "workspace\n", commas(ram[0], a), commas(ram[1], b), commas(g, sb));
    }
    fprintf(out, "- Inference workspace: %s\n", ws_text(net, inf));
    if (count_warnings(net)) {
        fprintf(out, "\n### Warnings\n\n");
        for (int i = 0; i < net->nlayers; i++)
            for (int j = 0; j < net->layers[i].nwarn; j++)
                fprintf(out, "- `%s`: %s\n", net->layers[i].name, net->layers[i].warn[j]);
        for (int j = 0; j < net->nwarn; j++)
            fprintf(out, "- %s\n", net->warn[j]);
    }
}

/* ---- json */

static void jstr(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void jshape(FILE *out, Shape s)
{
    if (s.vec)
        fprintf(out, "[%d]", s.c);
    else
        fprintf(out, "[%d, %d, %d]", s.c, s.h, s.w);
}

/* the shortest %g text that reads back as exactly v (0.2, not 0.20000000000000001) */
static const char *shortest(double v, char *buf)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static void report_json(FILE *out, const Net *net)
{
    char num[32];
    WsPlan tr = plan_workspace(net, 0), inf = plan_workspace(net, 1);
    fputs("{\n  \"name\": ", out);
    jstr(out, net->name);
    fputs(",\n  \"file\": ", out);
    jstr(out, net->file);
    fprintf(out, ",\n  \"cnngen_version\": \"%s\",\n  \"dtype\": \"%s\",\n  \"loss\": \"%s\",\n",
            CNNGEN_VERSION, net->dtype == DT_F64 ? "float64" : "float32", loss_name(net->loss));
    fputs("  \"input\": ", out);
    jshape(out, net->input);
    fputs(",\n  \"output\": ", out);
    jshape(out, net_output(net));
    fputs(",\n  \"layers\": [", out);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        fprintf(out, "%s\n    {\"index\": %d, \"name\": ", i ? "," : "", l->index);
        jstr(out, l->name);
        fprintf(out, ", \"type\": \"%s\", \"line\": %d, \"column\": %d,\n     \"input\": ",
                l->op->name, l->pos.line, l->pos.col);
        jshape(out, l->in);
        fputs(", \"output\": ", out);
        jshape(out, l->out);
        fputs(", \"inputs\": [", out);
        for (int j = 0; j < l->ninputs; j++) {
            fputs(j ? ", " : "", out);
            jstr(out, value_name(net, l->inputs[j]));
        }
        fprintf(out, "], \"params\": %lld, \"weights\": %lld, \"biases\": %lld, \"param_offset\": %lld, \"macs\": %lld,\n",
                l->params, l->nweight, l->nbias, l->param_offset, l->macs);
        fprintf(out, "     \"receptive_field\": [%d, %d], \"jump\": [%d, %d]", l->rf[0], l->rf[1],
                l->jump[0], l->jump[1]);
        if (has_window(l)) {
            fprintf(out, ",\n     \"kernel\": [%d, %d], \"stride\": [%d, %d], \"dilation\": [%d, %d], "
                    "\"padding\": \"%s\", \"pads\": [%d, %d, %d, %d]",
                    l->k[0], l->k[1], l->stride[0], l->stride[1], l->dilation[0], l->dilation[1],
                    pad_mode_name(l->pad_mode), l->pad[0], l->pad[1], l->pad[2], l->pad[3]);
            if (op_allows(l->op, F_CEIL_MODE))
                fprintf(out, ", \"ceil_mode\": %s", l->ceil_mode ? "true" : "false");
            if (op_allows(l->op, F_COUNT_INCLUDE_PAD))
                fprintf(out, ", \"count_include_pad\": %s", l->count_include_pad ? "true" : "false");
        }
        if (op_allows(l->op, F_ACTIVATION))
            fprintf(out, ", \"bias\": %s, \"activation\": \"%s\"", l->bias ? "true" : "false",
                    act_name(l->act));
        if (layer_takes_alpha(l))
            fprintf(out, ", \"alpha\": %s", shortest(l->alpha, num));
        fputs(",\n     \"formula\": [", out);
        int nf = 0;
        for (int ax = 0; ax < 2; ax++)
            if (l->formula[ax][0]) {
                fputs(nf++ ? ", " : "", out);
                jstr(out, l->formula[ax]);
            }
        fprintf(out, "], \"unroll\": \"%s\",%s \"warnings\": [", unroll_name(l->unroll),
                !layer_has_params(l) ? "" : l->trainable == TR_TRUE ? " \"trainable\": true,"
                : l->trainable == TR_FALSE ? " \"trainable\": false," : " \"trainable\": \"bias\",");
        for (int j = 0; j < l->nwarn; j++) {
            fputs(j ? ", " : "", out);
            jstr(out, l->warn[j]);
        }
        fputs("]}", out);
    }
    long long nt = non_trainable(net);
    fprintf(out, "\n  ],\n  \"total_params\": %lld,\n  \"trainable_params\": %lld,\n"
            "  \"non_trainable_params\": %lld,\n  \"param_bytes\": %lld,\n  \"total_macs\": %lld,\n"
            "  \"batch\": %d,\n",
            net->total_params, net->total_params - nt, nt, net->total_params * real_bytes(net->dtype),
            net->total_macs, net->batch);
    fprintf(out, "  \"workspace_bytes\": %lld,\n  \"inference_workspace_bytes\": %lld,\n",
            tr.bytes, inf.bytes);
    fprintf(out, "  \"inference_workspace_bytes_scalar\": %lld,\n"
            "  \"inference_lower_bound_bytes\": %lld,\n", inf.bytes1,
            inf.lower * real_bytes(net->dtype));
    fprintf(out, "  \"workspace_bytes_scalar\": %lld,\n  \"workspace_lower_bound_bytes\": %lld,\n",
            tr.bytes1, tr.arena ? tr.lower * real_bytes(net->dtype) : 0);
    long long ram[2], g;
    train_ram(net, tr, ram, &g);
    fprintf(out, "  \"grad_bytes\": %lld,\n  \"train_ram_bytes\": %lld,\n"
            "  \"train_ram_bytes_scalar\": %lld,\n", g, net->loss == LOSS_NONE ? 0 : ram[0],
            net->loss == LOSS_NONE ? 0 : ram[1]);
    fputs("  \"warnings\": [", out);
    int nw = 0;
    for (int i = 0; i < net->nlayers; i++)
        for (int j = 0; j < net->layers[i].nwarn; j++) {
            Buf b = {0};
            buf_printf(&b, "%s: %s", net->layers[i].name, net->layers[i].warn[j]);
            fputs(nw++ ? ", " : "", out);
            jstr(out, b.data);
            buf_free(&b);
        }
    for (int j = 0; j < net->nwarn; j++) {
        fputs(nw++ ? ", " : "", out);
        jstr(out, net->warn[j]);
    }
    fputs("]", out);
    budget_json(out, net);     /* "budget": {...} when a memory limit is set */
    stack_json(out);           /* "stack": [...] with --stack */
    fputs("\n}\n", out);
}

void report(FILE *out, const Net *net, Format fmt)
{
    switch (fmt) {
    case FMT_TEXT: report_text(out, net); break;
    case FMT_MARKDOWN: report_markdown(out, net); break;
    case FMT_JSON: report_json(out, net); break;
    case FMT_DOT: case FMT_SVG: report_dot(out, net, fmt); break;  /* main.c calls dot.c itself */
    }
}

/* ---- --dump-ir */

void dump_ir(FILE *out, const Net *net)
{
    char sb[64], sb2[64];
    fprintf(out, "Net %s  file=%s  name@%d:%d  dtype=%s  loss=%s@%d:%d  input=%s@%d:%d\n",
            net->name, net->file, net->name_pos.line, net->name_pos.col,
            net->dtype == DT_F64 ? "float64" : "float32", loss_name(net->loss),
            net->loss_pos.line, net->loss_pos.col, shape_text(net->input, sb, sizeof sb),
            net->input_pos.line, net->input_pos.col);
    fprintf(out, "  total_params=%lld total_macs=%lld\n", net->total_params, net->total_macs);
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        fprintf(out, "Layer %d %s%s kind=%s @%d:%d  in=%s out=%s%s\n", l->index, l->name,
                l->name_given ? "" : " (default name)", l->op ? l->op->name : "?", l->pos.line,
                l->pos.col, shape_text(l->in, sb, sizeof sb), shape_text(l->out, sb2, sizeof sb2),
                l->out.vec ? " (vector)" : "");
        fprintf(out, "  inputs=[");
        for (int k = 0; k < l->ninputs; k++) {
            int v = l->inputs[k];
            fprintf(out, "%s%s", k ? ", " : "", value_name(net, v));
        }
        fprintf(out, "] readers=%d\n", l->nreaders);
        fprintf(out, "  filters=%d units=%d k=%dx%d stride=%dx%d dilation=%dx%d pad_mode=%s "
                "pad_spec=[%d,%d,%d,%d] pad=[%d,%d,%d,%d]\n", l->filters, l->units, l->k[0], l->k[1],
                l->stride[0], l->stride[1], l->dilation[0], l->dilation[1], pad_mode_name(l->pad_mode),
                l->pad_spec[0], l->pad_spec[1], l->pad_spec[2], l->pad_spec[3],
                l->pad[0], l->pad[1], l->pad[2], l->pad[3]);
        fprintf(out, "  ceil_mode=%d count_include_pad=%d alpha=%g bias=%d act=%s\n", l->ceil_mode,
                l->count_include_pad, l->alpha, l->bias, act_name(l->act));
        fprintf(out, "  nweight=%lld nbias=%lld params=%lld param_offset=%lld macs=%lld rf=%dx%d jump=%dx%d\n",
                l->nweight, l->nbias, l->params, l->param_offset, l->macs, l->rf[0], l->rf[1],
                l->jump[0], l->jump[1]);
        fprintf(out, "  fields:");
        static const char *const fnames[F_COUNT] = {
            "", "type", "name", "filters", "units", "kernel", "size", "stride", "padding",
            "dilation", "bias", "activation", "alpha", "ceil_mode", "count_include_pad"};
        for (int f = 1; f < F_COUNT; f++)
            if (l->fpos[f].line)
                fprintf(out, " %s@%d:%d", fnames[f], l->fpos[f].line, l->fpos[f].col);
        fputc('\n', out);
        for (int ax = 0; ax < 2; ax++)
            if (l->formula[ax][0])
                fprintf(out, "  formula[%d]: %s\n", ax, l->formula[ax]);
        for (int j = 0; j < l->nwarn; j++)
            fprintf(out, "  warning: %s\n", l->warn[j]);
    }
}
