/* timing.h - the clocks and the sort order bench_c.c and peak.c time with.
 * The file that includes it defines _POSIX_C_SOURCE (199309L or later, for
 * clock_gettime) before its first #include. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H
#include <time.h>

/* CPU time of this process: on a shared machine, time spent descheduled is not
 * counted (on an idle machine it equals the wall time, also reported). */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* for qsort of doubles, ascending (the median run) */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
