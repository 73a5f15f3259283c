/* fold.c - --inference-only: each batchnorm folded into the conv2d or dense before it.
 *
 * In eval mode a batchnorm is, per channel k, y = (x - rm_k) * gamma_k / sqrt(rv_k + eps)
 * + beta_k. When x is the output of a layer with weights and a bias (OPF_FUSED_ACT) and
 * no activation, and nothing else reads x, the two are one layer:
 *
 *     s_k = gamma_k / sqrt(rv_k + eps)
 *     w'[k][...] = w[k][...] * s_k          b'_k = (b_k - rm_k) * s_k + beta_k
 *
 * (PyTorch's torch.nn.utils.fusion.fuse_conv_bn_eval; the embedded engines do the same):
 * fewer MACs, no batchnorm code, no running statistics in P_params. This stage rewrites
 * the net after shape inference and before the schedule: the batchnorm leaves
 * net->layers, its readers read the folded layer, which gets a bias if it had none and
 * remembers the batchnorm in Layer.fold_* for the descriptor (runtime/cnngen_rt.h,
 * cnngen_fold: the safetensors reader folds PyTorch's unfolded tensors when it loads
 * them), for --weights (the same reader) and for P_init (the batchnorm's initial
 * identity, s = 1 / sqrt(1 + eps)). Then dropout (the identity in eval mode) leaves, and
 * an activation layer right after such a layer becomes its fused activation
 * (fuse_activations). The report (--report) shows the
 * spec as written.
 */
#include <stdlib.h>
#include <string.h>

#include "cnngen.h"

/* the layer before batchnorm i that it can fold into, or -1 */
static int fold_target(const Net *net, int i)
{
    const Layer *bn = &net->layers[i];
    int p = bn->inputs[0];
    if (!(bn->op->flags & OPF_FOLDS) || bn->ninputs != 1 || p == VAL_INPUT)
        return -1;
    const Layer *l = &net->layers[p];
    if (!(l->op->flags & OPF_FUSED_ACT) || l->act != ACT_NONE || l->fold_bn[0] ||
        l->nreaders != 1 || l->out.c != bn->out.c)
        return -1;
    return p;
}

/* layer i leaves net->layers: its readers read `to`; later values move down by one */
static void drop_layer(Net *net, int i, int to)
{
    Layer *x = &net->layers[i];
    for (int w = 0; w < x->nwarn; w++)
        free(x->warn[w]);
    memmove(&net->layers[i], &net->layers[i + 1],
            (size_t)(net->nlayers - i - 1) * sizeof net->layers[0]);
    net->nlayers--;
    for (int j = 0; j < net->nlayers; j++)
        for (int k = 0; k < net->layers[j].ninputs; k++) {
            int *v = &net->layers[j].inputs[k];
            if (*v == i)
                *v = to;
            else if (*v > i)
                (*v)--;
        }
}

/* An activation layer (relu, relu6, leaky_relu, sigmoid, tanh) that is the only reader
 * of a conv2d or dense without an activation (after the batchnorms folded: conv ->
 * batchnorm -> relu, the usual block) becomes that layer's fused activation: one pass
 * over memory less, the same values. Not the last layer (the loss may take its input). */
static int fuse_activations(Net *net)
{
    int fused = 0;
    /* first the layers that are the identity in eval mode (dropout): their readers read
     * their input (not the last layer: it writes the output) */
    for (int i = 0; i + 1 < net->nlayers; i++) {
        Layer *d = &net->layers[i];
        if (!(d->op->flags & OPF_EVAL_ID) || d->ninputs != 1)
            continue;
        int p = d->inputs[0];
        if (p != VAL_INPUT)
            net->layers[p].nreaders += d->nreaders - 1;
        drop_layer(net, i, p);
        fused++;
        i--;
    }
    for (int i = 0; i + 1 < net->nlayers; i++) {
        Layer *a = &net->layers[i];
        int p = a->inputs[0];
        if (a->op->act == ACT_NONE || a->ninputs != 1 || p == VAL_INPUT)
            continue;
        Layer *l = &net->layers[p];
        if (!(l->op->flags & OPF_FUSED_ACT) || l->act != ACT_NONE || l->nreaders != 1)
            continue;
        l->act = a->op->act;
        l->alpha = a->alpha;
        l->nreaders = a->nreaders;
        drop_layer(net, i, p);
        fused++;
        i--;
    }
    return fused;
}

int fold_batchnorms(Net *net)
{
    int folded = 0;
    for (int i = 0; i < net->nlayers; i++) {
        int p = fold_target(net, i);
        if (p < 0)
            continue;
        Layer *l = &net->layers[p], *bn = &net->layers[i];
        l->fold_he = init_rule(net, p).he;
        snprintf(l->fold_bn, sizeof l->fold_bn, "%s", bn->name);
        l->fold_eps = bn->eps;
        l->fold_affine = bn->affine;
        l->fold_had_bias = l->bias;
        if (!l->bias) {
            l->bias = 1;
            l->nbias = l->out.c;
        }
        l->params = l->nweight + l->nbias + l->nbuffer;
        l->nreaders = bn->nreaders;
        net->total_params += l->nbias * !l->fold_had_bias - bn->params;
        net->total_trainable += l->nbias * !l->fold_had_bias - (bn->params - bn->nbuffer);
        net->total_macs -= bn->macs;

        drop_layer(net, i, p);      /* the batchnorm leaves: its readers read l */
        folded++;
        i--;        /* the layer now at i is the next one */
    }
    return folded + fuse_activations(net);
}
