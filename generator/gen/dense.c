/* gen/dense.c - C emitters for dense (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_dense_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_dense_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
