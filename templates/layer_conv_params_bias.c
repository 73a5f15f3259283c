/*! conv2d bias gradient of filter k: gb[k] += the sum of gk.
 * Holes: real  the scalar type
 *        n     output positions (rows x columns) */
/*@real@*/ sb = 0;
for (i = 0; i < /*@n@*/; i++)
    sb += gk[i];
gb[k] += sb;
