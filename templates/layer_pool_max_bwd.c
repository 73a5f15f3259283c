/*! maxpool backward, loop modes kernel and none (global_maxpool too): each output's
 * gradient goes to its window's maximum, whose input index the forward pass stored
 * in am[].
 * The constants: N the input's elements, NO the output's (line hole consts). */
enum { N = 16, NO = 4 }; /*@consts@*/
int n;
for (n = 0; n < N; n++)
    gin[n] = 0;
for (n = 0; n < NO; n++)
    gin[am[n]] += g[n];
