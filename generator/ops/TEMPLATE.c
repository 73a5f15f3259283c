/* ops/TEMPLATE.c - copy this to ops/<kind>.c to add a layer kind.
 *
 * Adding a kind touches: this unit (keys + shape rule), gen/<kind>.c (forward and
 * backward C emitters), one row in ops/table.c, the LayerKind enum and the op_*
 * declaration in cnngen.h, and tests. The spec reader needs no change: it takes
 * the allowed and required keys from `fields` / `required` below (new keys need a
 * row in spec.c's field_rows and a Field value).
 *
 * The infer function gets l->in (the previous output), l->rf and l->jump (the
 * previous receptive field and jump) and must set l->out (c, h, w >= 1, vec), and
 * if it has them l->nweight, l->nbias, l->macs, l->formula, l->pad, l->rf/jump.
 * Report errors with error_at(d, l->pos or l->fpos[F_...], "%s: ...", l->name, ...)
 * and leave l->out zero when later layers cannot be checked. Use sat_mul/sat_add
 * for counts, shape_window() for anything with a sliding window.
 *
 * This file is compiled (the Makefile takes generator/ops/ *.c) but defines
 * nothing unless CNNGEN_OPS_TEMPLATE is set.
 */
#include "cnngen.h"

#ifdef CNNGEN_OPS_TEMPLATE
static const Field fields[] = {F_SIZE, F_STRIDE, F_PADDING, F_NONE};  /* allowed */
static const Field required[] = {F_SIZE, F_NONE};                     /* required */

static void infer(Net *net, Layer *l, Diag *d)
{
    if (l->in.vec) {
        error_at(d, l->pos, "%s: %s needs a C x H x W input", l->name, l->op->name);
        return;
    }
    if (!shape_window(net, l, d, 0))
        return;
    l->out.c = l->in.c;
    l->nweight = 0;
    l->nbias = 0;
    l->macs = sat_mul(shape_size(l->out), sat_mul(l->k[0], l->k[1]));
}

const OpDef op_example = {
    .name = "example", .kind = L_KIND_COUNT /* your L_ value */, .fields = fields,
    .required = required, .infer = infer,
    .emit_forward = NULL /* gen_example_forward */, .emit_backward = NULL,
};
#endif
