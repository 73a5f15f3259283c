/*! softmax backward, loop modes, from the saved output: gin = out (g - sum g out)
 * over N elements.
 * Line hole (the generator replaces the sample code): consts the constant N. */
enum { N = 10 }; /*@consts@*/
PFX_real d = 0;
int n;
for (n = 0; n < N; n++)
    d += g[n] * out[n];
for (n = 0; n < N; n++)
    gin[n] = out[n] * (g[n] - d);
