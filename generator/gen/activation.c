/* gen/activation.c - C emitters for activation (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_activation_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_activation_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
