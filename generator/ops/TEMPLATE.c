/* ops/TEMPLATE.c - copy this to ops/<kind>.c to add a layer kind: a whole unit.
 *
 * Adding a kind touches: this unit, one row in ops/table.c, the L_ value and the op_
 * declaration in cnngen.h, and tests. No other file: the stages ask the OpDef row
 * (spec.c its keys, shape.c its infer, schedule.c its costs and scratch, plan.c and
 * emit.c its tensors and arrays, report.c and dot.c its description, emit_pytorch.c
 * its expression). New YAML keys need a Field value and a row in spec.c's field_rows.
 *
 * infer gets l->in (its input), l->rf and l->jump (its input's receptive field and
 * jump) and must set l->out (c, h, w >= 1, vec) and, if it has them, l->nweight,
 * l->nbias, l->macs, l->formula, l->pad, l->rf/jump. Report errors with
 * error_at(d, l->pos or l->fpos[F_...], "%s: ...", l->name, ...) and leave l->out zero
 * when later layers cannot be checked. Use sat_mul/sat_add for counts, shape_window()
 * for anything with a sliding window.
 *
 * The C emitters write the body of one static function per part (cnngen.h, Part); the
 * parameters are the arrays `arrays` names (in, out, g, gin, w, b, gw, gb, am). This
 * example is an element-wise scale by 2: out = 2 in, gin = 2 g.
 *
 * This file is compiled (the Makefile takes generator/ops/ *.c) but defines nothing
 * unless CNNGEN_OPS_TEMPLATE is set (tests/suite_layering.sh compiles it so).
 */
#include "cnngen.h"

#ifdef CNNGEN_OPS_TEMPLATE
static const Field fields[] = {F_NONE};    /* allowed keys besides type and name */
static const Field required[] = {F_NONE};  /* required keys */

static void infer(Net *net, Layer *l, Diag *d)
{
    (void)net; (void)d;
    l->out = l->in;
}

/* which arrays each part reads and writes (0: the part does not exist) */
static unsigned arrays(const Layer *l, Part part, int inference)
{
    (void)l; (void)inference;
    return part == PART_FWD ? A_IN | A_OUT : part == PART_BWD_INPUT ? A_G | A_GIN : 0;
}

static void forward(Emitter *e, const Layer *l)
{
    emit_map(e, shape_size(l->out), "out", "2 * in[n]");
}

static void backward(Emitter *e, const Layer *l)
{
    emit_map(e, shape_size(l->out), "gin", "2 * g[n]");
}

static void describe(const Layer *l, Buf *b) { (void)l; buf_puts(b, " by 2"); }

static void pytorch(Buf *b, const Layer *l, int drop_act)
{
    (void)l; (void)drop_act;
    pl(b, 2, "x = 2 * x");
}

const OpDef op_example = {
    .name = "example", .fields = fields,
    .required = required, .infer = infer, .arrays = arrays, .describe = describe,
    .emit_forward = forward, .emit_backward = backward, .pytorch = pytorch,
    /* optional: .stem (default names), .flags (OPF_*), .act, .color, .tensors, .fans,
     * .params_formula, .label, .full_cost, .kernel_taps, .kernel_max, .scratch */
};
#endif
