/* gen/global_pool.c - C emitters for global_pool (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_global_pool_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_global_pool_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
