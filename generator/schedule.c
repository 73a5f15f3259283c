/* schedule.c - the schedule stage: after shape inference, before the plan. For every
 * layer, once: the unroll mode, whether each part takes its vector fast path, and the
 * workspace scratch each part needs (cnngen.h, "schedule.c", has the policy). The
 * facts come from the layer's unit (OpDef: full_cost, kernel_taps, kernel_max,
 * scratch); the plan, the report, the budgets and the emitter read Layer.unroll,
 * Layer.fast and Layer.scratch. */
#include "cnngen.h"

const char *unroll_name(Unroll u)
{
    switch (u) {
    case U_AUTO: return "auto";
    case U_FULL: return "full";
    case U_KERNEL: return "kernel";
    case U_NONE: return "none";
    }
    return "?";
}

long long unroll_full_cost(const Layer *l)
{
    return l->op->full_cost ? l->op->full_cost(l) : 2 * shape_size(l->out);
}

long long unroll_kernel_taps(const Layer *l)
{
    return l->op->kernel_taps ? l->op->kernel_taps(l) : 0;
}

static Unroll auto_mode(const Layer *l, long long *total)
{
    long long cost = unroll_full_cost(l);
    if (cost <= UNROLL_FULL_LAYER && *total + cost <= UNROLL_FULL_TOTAL) {
        *total += cost;
        return U_FULL;
    }
    long long max = l->op->kernel_max;
    return max > 0 && unroll_kernel_taps(l) <= max ? U_KERNEL : U_NONE;
}

void schedule(Net *net, Unroll requested)
{
    long long total = 0;
    for (int i = 0; i < net->nlayers; i++) {
        Layer *l = &net->layers[i];
        l->unroll = requested != U_AUTO ? requested : auto_mode(l, &total);
        for (int p = PART_FWD; p <= PART_BWD_INPUT; p++) {
            l->fast[p] = 0;
            l->scratch1[p] = 0;
            l->scratch[p] = l->op->scratch ? l->op->scratch(l, net->dtype, (Part)p, &l->fast[p],
                                                            &l->scratch1[p]) : 0;
        }
    }
}
