/*! Per-layer body (loop modes kernel and none): maxpool backward (and
 * global_maxpool): each output's gradient goes to its window's maximum, whose input
 * index the forward pass stored in am[].
 * Holes: nin input elements; nout output elements */
int n;
for (n = 0; n < /*@nin@*/; n++)
    gin[n] = 0;
for (n = 0; n < /*@nout@*/; n++)
    gin[am[n]] += g[n];
