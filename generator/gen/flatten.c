/* gen/flatten.c - C emitters for flatten (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_flatten_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_flatten_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
