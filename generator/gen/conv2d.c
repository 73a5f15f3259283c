/* gen/conv2d.c - C emitters for conv2d (stub: to be written by the code-generation work). */
#include "cnngen.h"

void gen_conv2d_forward(Emitter *e, const Layer *l) { (void)e; (void)l; }
void gen_conv2d_backward(Emitter *e, const Layer *l) { (void)e; (void)l; }
