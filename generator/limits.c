/* limits.c - limits that depend on the generation options, checked after shape
 * inference and before any code is generated (the spec-only limits - layers,
 * dimensions, tensor and parameter counts, YAML size/depth/nodes - are checked by
 * spec.c and shape.c; all are listed in the README "Limits" section).
 *
 * --unroll full: the straight-line code of the whole network would have
 * sum(unroll_full_cost(layer)) terms. Past UNROLL_FULL_MAX_TERMS the output is tens
 * of megabytes of C that no compiler digests in reasonable time, so the run is
 * refused, naming the layer where the total passes the limit and suggesting auto.
 *
 * --unroll kernel spells out every tap of a window (conv2d, pools: kernel height x
 * width, about 300 bytes of C each with the backward variants), every input of a
 * dense layer and every input position of a global pool; past UNROLL_KERNEL_MAX_TAPS
 * taps for the network it is refused the same way. (auto picks kernel only for
 * small windows, see schedule.c; none is small whatever the sizes.) */
#include "cnngen.h"

/* The running total of cost(layer) over the network against limit: past it, an error at
 * the layer where the total passes it, saying what --unroll mode spells out so much
 * (how many units: "terms", "taps") and which modes to use instead. */
static void check_unroll_total(const Net *net, Diag *d, long long (*cost_of)(const Layer *),
                               long long limit, const char *mode, const char *units,
                               const char *instead)
{
    long long total = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        long long cost = cost_of(l);
        total = sat_add(total, cost);
        if (total > limit) {
            error_at(d, l->pos,
                     "%s: --unroll %s would spell out %lld %s for this layer (%lld up to "
                     "here); the limit for the whole network is %lld: use --unroll %s",
                     l->name, mode, cost, units, total, limit, instead);
            break;
        }
    }
}

int check_gen_limits(const Net *net, const Options *opt, Diag *d)
{
    int before = d->nerrors;
    if (opt->unroll == U_FULL)
        check_unroll_total(net, d, unroll_full_cost, UNROLL_FULL_MAX_TERMS, "full", "terms",
                           "auto (the default), kernel or none");
    if (opt->unroll == U_KERNEL)
        check_unroll_total(net, d, unroll_kernel_taps, UNROLL_KERNEL_MAX_TAPS, "kernel", "taps",
                           "auto (the default) or none");
    return d->nerrors - before;
}
