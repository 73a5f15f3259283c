/* table.c - THE table of layer kinds. Adding a kind: write its unit ops/<kind>.c
 * (copy ops/TEMPLATE.c: keys, shape rule, tensors, schedule, C emitters, PyTorch),
 * add a row here and its op_ declaration in cnngen.h, and tests. Nothing
 * else: no code outside ops/ switches on the kind. */
#include <string.h>
#include "cnngen.h"

const OpDef *const op_table[] = {
    &op_conv2d,
    &op_maxpool,
    &op_avgpool,
    &op_l2pool,
    &op_global_avgpool,
    &op_global_maxpool,
    &op_flatten,
    &op_dense,
    &op_relu,
    &op_sigmoid,
    &op_tanh,
    &op_softmax,
    &op_leaky_relu,
    &op_relu6,
    &op_add,
    &op_concat,
    &op_batchnorm,
    &op_dropout,
    NULL
};

/* THE table of element-wise activations: the `activation:` values (ops/activation.c) */
const ActDef *const act_table[ACT_COUNT] = {
    [ACT_NONE] = &act_none,
    [ACT_RELU] = &act_relu,
    [ACT_SIGMOID] = &act_sigmoid,
    [ACT_TANH] = &act_tanh,
    [ACT_LEAKY_RELU] = &act_leaky,
    [ACT_RELU6] = &act_relu6,
};

const OpDef *op_find(const char *type_name)
{
    for (int i = 0; op_table[i]; i++)
        if (strcmp(op_table[i]->name, type_name) == 0)
            return op_table[i];
    return NULL;
}

int op_allows(const OpDef *op, Field f)
{
    if (f == F_NAME || f == F_TYPE)
        return 1;
    if (f == F_TRAINABLE)   /* every kind that owns tensors */
        return op->tensors != NULL;
    if (f == F_INPUT)   /* every kind reads one value it can name, but the multi-input ones */
        return !op_allows(op, F_INPUTS);
    for (const Field *q = op->fields; q && *q != F_NONE; q++)
        if (*q == f)
            return 1;
    return 0;
}
