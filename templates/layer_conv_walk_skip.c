/*! conv2d window walk (none mode): skips tap row u for the output rows i where it
 * reads padding (the tables ilo, ihi hold the rows where it reads inside the input).
 * No holes. */
if (i < ilo[u] || i >= ihi[u])
    continue;
