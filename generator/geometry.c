/* geometry.c - window geometry shared by conv2d and the pools (Win): which taps of a
 * window read real input cells for an output row or column, and which output rows
 * or columns a tap reads real cells for. */
#include "cnngen.h"

Win win_of(const Layer *l)
{
    Win g;
    g.H = l->in.h; g.W = l->in.w; g.OH = l->out.h; g.OW = l->out.w;
    g.KH = l->k[0]; g.KW = l->k[1];
    g.SH = l->stride[0] > 0 ? l->stride[0] : 1;
    g.SW = l->stride[1] > 0 ? l->stride[1] : 1;
    g.DH = l->dilation[0] > 0 ? l->dilation[0] : 1;
    g.DW = l->dilation[1] > 0 ? l->dilation[1] : 1;
    g.T = l->pad[0]; g.L = l->pad[1];
    return g;
}

static void range1(int n_in, int n_taps, int s, int d, int pad, int o, int *lo, int *hi)
{
    *lo = *hi = 0;
    int any = 0;
    for (int u = 0; u < n_taps; u++) {
        int r = o * s + u * d - pad;
        if (r >= 0 && r < n_in) {
            if (!any)
                *lo = u;
            *hi = u + 1;
            any = 1;
        }
    }
}

void win_rows(const Win *g, int i, int *lo, int *hi) { range1(g->H, g->KH, g->SH, g->DH, g->T, i, lo, hi); }
void win_cols(const Win *g, int j, int *lo, int *hi) { range1(g->W, g->KW, g->SW, g->DW, g->L, j, lo, hi); }

static void orange1(int n_in, int n_out, int s, int d, int pad, int u, int *lo, int *hi)
{
    *lo = *hi = 0;
    int any = 0;
    for (int i = 0; i < n_out; i++) {
        int r = i * s + u * d - pad;
        if (r >= 0 && r < n_in) {
            if (!any)
                *lo = i;
            *hi = i + 1;
            any = 1;
        }
    }
}

void win_irange(const Win *g, int u, int *lo, int *hi) { orange1(g->H, g->OH, g->SH, g->DH, g->T, u, lo, hi); }
void win_jrange(const Win *g, int v, int *lo, int *hi) { orange1(g->W, g->OW, g->SW, g->DW, g->L, v, lo, hi); }

