/* gen/pool.c - C emitters for pool (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_pool_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_pool_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
