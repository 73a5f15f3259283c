/* graph_test.c - the IR is a graph, not a list: a layer names the values it reads
 * (Layer.inputs), and shape inference, the receptive field, the readers count, the IR
 * dump and the diagram follow those edges. The spec reader makes chains only (the
 * syntax comes with the graph issue), so this test parses a chain and rewires one
 * edge by hand: a layer that reads the network input instead of its predecessor.
 * Linked with the generator's objects (not main.o). Prints PASS/FAIL lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnngen.h"

static int failures;

static void check(const char *name, int ok, const char *detail)
{
    printf("%s ir %s%s%s\n", ok ? "PASS" : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
    failures += !ok;
}

static const char *spec =
    "name: g\n"
    "input: {channels: 3, height: 10, width: 10}\n"
    "layers:\n"
    "  - {type: conv2d, name: a, filters: 4, kernel: 3}\n"      /* 4x8x8, rf 3 */
    "  - {type: maxpool, name: p, size: 2}\n"                   /* 4x4x4 */
    "  - {type: conv2d, name: b, filters: 5, kernel: 5}\n"      /* rewired: input -> 5x6x6 */
    "  - {type: flatten, name: f}\n"
    "  - {type: dense, name: d, units: 2}\n";

static int parse(Net *net, Diag *d)
{
    memset(net, 0, sizeof *net);
    net->file = "g.yaml";
    diag_init(d, "g.yaml", spec, strlen(spec));
    d->quiet_warnings = 1;
    return spec_parse(net, d, spec, strlen(spec));
}

int main(void)
{
    Net net;
    Diag d;
    char msg[256];
    if (parse(&net, &d) != 0) {
        check("parse", 0, "the spec did not parse");
        return 1;
    }
    /* the reader makes a chain: each layer reads its predecessor */
    int chain = net_is_chain(&net) && net.layers[0].inputs[0] == VAL_INPUT &&
                net.layers[2].inputs[0] == 1;
    check("chain from the reader", chain, "inputs are not the predecessors");

    /* rewire: b reads the network input, so p's output has no reader */
    net.layers[2].inputs[0] = VAL_INPUT;
    int errs = shape_infer(&net, &d);
    const Layer *b = &net.layers[2], *dl = &net.layers[4];
    snprintf(msg, sizeof msg, "errors %d, b in %dx%dx%d out %dx%dx%d", errs, b->in.c, b->in.h,
             b->in.w, b->out.c, b->out.h, b->out.w);
    check("shape follows the edge", errs == 0 && b->in.c == 3 && b->in.h == 10 &&
          b->out.c == 5 && b->out.h == 6 && b->out.w == 6, msg);
    snprintf(msg, sizeof msg, "b rf %dx%d", b->rf[0], b->rf[1]);
    check("receptive field follows the edge", b->rf[0] == 5 && b->rf[1] == 5, msg);
    snprintf(msg, sizeof msg, "readers a %d p %d b %d", net.layers[0].nreaders,
             net.layers[1].nreaders, b->nreaders);
    check("readers", net.layers[0].nreaders == 1 && net.layers[1].nreaders == 0 &&
          b->nreaders == 1, msg);
    snprintf(msg, sizeof msg, "d in %d, params %lld", dl->in.c, dl->params);
    check("downstream shapes", dl->in.c == 180 && dl->params == 181 * 2, msg);
    check("no longer a chain", !net_is_chain(&net), "net_is_chain says chain");

    /* the IR dump and the diagram show the edge */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    dump_ir(f, &net);
    fclose(f);
    check("dump shows inputs", strstr(text, "Layer 3 b ") && strstr(text, "inputs=[input] readers=1"),
          "no inputs=[input] for b");
    free(text);
    text = NULL;
    f = open_memstream(&text, &len);
    report_dot(f, &net, FMT_DOT);
    fclose(f);
    check("diagram draws the edge", strstr(text, "input -> L3 ") && !strstr(text, "L2 -> L3"),
          "no input -> L3 edge");
    free(text);

    /* the C writer takes a graph: layer b reads the network input (rewired), and the
     * values live in the liveness-planned arena (no ping-pong buffers) */
    schedule(&net, U_AUTO);
    plan_params(&net);
    Options opt;
    memset(&opt, 0, sizeof opt);
    opt.dtype_override = -1;
    opt.prefix = "g";
    Buf c = {0}, h = {0};
    int rc = emit_c(&net, &opt, "g.h", &c, &h);
    check("C writer takes a graph", rc == 0 && c.data && h.data &&
          strstr(c.data, "g_b_fwd(input, ws->arena") && strstr(h.data, "arena[") &&
          !strstr(h.data, "buf_a["), "emit_c failed, b does not read the input, or no arena");
    buf_free(&c);
    buf_free(&h);
    net_free(&net);
    return failures ? 1 : 0;
}
