/* table.c - THE table of layer kinds. Adding a kind: write ops/<kind>.c (keys and
 * shape rule, copy ops/TEMPLATE.c), gen/<kind>.c (C emitters), add a row here and
 * tests. Nothing else. */
#include <string.h>
#include "cnngen.h"

const OpDef *const op_table[L_KIND_COUNT] = {
    [L_CONV2D] = &op_conv2d,
    [L_MAXPOOL] = &op_maxpool,
    [L_AVGPOOL] = &op_avgpool,
    [L_L2POOL] = &op_l2pool,
    [L_GLOBAL_AVGPOOL] = &op_global_avgpool,
    [L_GLOBAL_MAXPOOL] = &op_global_maxpool,
    [L_FLATTEN] = &op_flatten,
    [L_DENSE] = &op_dense,
    [L_RELU] = &op_relu,
    [L_SIGMOID] = &op_sigmoid,
    [L_TANH] = &op_tanh,
    [L_SOFTMAX] = &op_softmax,
    [L_LEAKY_RELU] = &op_leaky_relu,
};

const OpDef *op_find(const char *type_name)
{
    for (int i = 0; i < L_KIND_COUNT; i++)
        if (op_table[i] && strcmp(op_table[i]->name, type_name) == 0)
            return op_table[i];
    return NULL;
}

const char *kind_name(LayerKind k)
{
    return (k >= 0 && k < L_KIND_COUNT && op_table[k]) ? op_table[k]->name : "?";
}
