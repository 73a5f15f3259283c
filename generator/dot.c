/* dot.c - `--report --format dot`: the network as a Graphviz graph, and `--format svg`:
 * the same rendered by Graphviz's `dot -Tsvg` (found on PATH; a clear error, exit 2,
 * when it is not installed).
 *
 * The graph: a node for the input, one node per layer (name, type and its settings,
 * output shape, parameters) and, when the spec has one, a node for the loss; an edge
 * for every value a layer reads (from the input or the layer that makes it) and from
 * the last layer to the loss, labelled with the shape of the tensor it carries. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cnngen.h"

/* a DOT string body: " and \ escaped, control bytes dropped; \n kept as the
 * DOT line break (written by us, never from user text) */
static void dstr(Buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p >= 0x20 && *p != 0x7f)
            buf_putc(b, (char)*p);
    }
}

static void node_label(Buf *b, const Layer *l)
{
    char s[64], c[32];
    Buf t = {0};
    buf_printf(&t, "%s (%s", l->name, l->op->name);
    if (l->op->label)
        l->op->label(l, &t);
    if (layer_fused_act(l))
        buf_printf(&t, ", %s", act_name(l->act));
    if ((l->op->flags & OPF_FUSED_ACT) && !l->bias)
        buf_puts(&t, ", no bias");
    buf_puts(&t, ")");
    dstr(b, t.data);
    buf_printf(b, "\\n%s", shape_text(l->out, s, sizeof s));
    if (l->params)
        buf_printf(b, "\\n%s params", commas(l->params, c));
    buf_free(&t);
}

static const char *fill_of(const Layer *l)
{
    return l->op->color ? l->op->color : "#f4cccc";   /* the activations' */
}

static void dot_text(Buf *b, const Net *net)
{
    char s[64], c1[32], c2[32];
    buf_puts(b, "digraph \"");
    dstr(b, net->name);
    buf_puts(b, "\" {\n");
    buf_puts(b, "  graph [rankdir=TB, labelloc=t, fontname=\"Helvetica\", fontsize=14, label=\"");
    dstr(b, net->name);
    buf_printf(b, ": %s params, %s MACs per sample, %s\"];\n", commas(net->total_params, c1),
               commas(net->total_macs, c2), net->dtype == DT_F64 ? "float64" : "float32");
    buf_puts(b, "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n");
    buf_puts(b, "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    buf_printf(b, "  input [label=\"input\\n%s\", fillcolor=\"#ffffff\"];\n",
               shape_text(net->input, s, sizeof s));
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        buf_printf(b, "  L%d [label=\"", i + 1);
        node_label(b, l);
        buf_printf(b, "\", fillcolor=\"%s\"];\n", fill_of(l));
    }
    if (net->loss != LOSS_NONE)
        buf_printf(b, "  loss [label=\"loss\\n%s\", shape=ellipse, fillcolor=\"#ead1dc\"];\n",
                   loss_name(net->loss));
    for (int i = 0; i < net->nlayers; i++) {      /* an edge per value a layer reads */
        const Layer *l = &net->layers[i];
        for (int k = 0; k < l->ninputs; k++) {
            int v = l->inputs[k];
            Shape in = value_shape(net, v);
            if (v != VAL_INPUT)
                buf_printf(b, "  L%d -> L%d [label=\"%s\"];\n", v + 1, i + 1, shape_text(in, s, sizeof s));
            else
                buf_printf(b, "  input -> L%d [label=\"%s\"];\n", i + 1, shape_text(in, s, sizeof s));
        }
    }
    if (net->loss != LOSS_NONE) {
        if (net->nlayers)
            buf_printf(b, "  L%d -> loss [label=\"%s\"];\n", net->nlayers,
                       shape_text(net_output(net), s, sizeof s));
        else
            buf_printf(b, "  input -> loss [label=\"%s\"];\n", shape_text(net->input, s, sizeof s));
    }
    buf_puts(b, "}\n");
}

/* the path of `prog` on PATH, or NULL */
static char *find_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char *full = malloc(n + strlen(prog) + 3);
        snprintf(full, n + strlen(prog) + 3, "%.*s/%s", (int)n, n ? path : ".", prog);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
            return full;
        free(full);
        path += n;
        if (*path == ':')
            path++;
    }
    return NULL;
}

int report_dot(FILE *out, const Net *net, Format fmt)
{
    Buf b = {0};
    dot_text(&b, net);
    if (fmt != FMT_SVG) {
        fwrite(b.data, 1, b.len, out);
        buf_free(&b);
        return 0;
    }
    char *dot = find_on_path("dot");
    if (!dot) {
        fprintf(stderr, "cnngen: --format svg needs Graphviz's 'dot' program, which is not on PATH; "
                        "install Graphviz (Debian: apt-get install graphviz), or write the graph "
                        "with --format dot and render it elsewhere\n");
        buf_free(&b);
        return 2;
    }
    /* dot reads the graph from a pipe and writes the SVG to our stdout */
    fflush(out);
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "cnngen: --format svg: pipe: %s\n", strerror(errno));
        free(dot);
        buf_free(&b);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "cnngen: --format svg: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        free(dot);
        buf_free(&b);
        return 2;
    }
    if (pid == 0) {
        dup2(fds[0], 0);
        close(fds[0]);
        close(fds[1]);
        if (fileno(out) != 1)
            dup2(fileno(out), 1);
        execl(dot, "dot", "-Tsvg", (char *)NULL);
        fprintf(stderr, "cnngen: --format svg: cannot run %s: %s\n", dot, strerror(errno));
        _exit(127);
    }
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(fds[1], b.data + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fds[1]);
    signal(SIGPIPE, old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    int short_write = off < b.len;
    buf_free(&b);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || short_write) {
        fprintf(stderr, "cnngen: --format svg: %s -Tsvg failed (%s %d)\n", dot,
                WIFEXITED(st) ? "exit status" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        free(dot);
        return 2;
    }
    free(dot);
    return 0;
}
