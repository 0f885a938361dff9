// SPDX-License-Identifier: MIT
/* popbound.c: prints the popcount bound of this machine (popbound.h) as
 * "Gbinops_per_s_best isa" for one thread; bench/run divides each layer's
 * M*K*N*wbits*abits by it. */
#define _POSIX_C_SOURCE 200809L
#include "popbound.h"

#include <stdio.h>

int main(void)
{
    const char *isa = "";
    double b = pb_bound(25, &isa);
    if (b <= 0) {
        fprintf(stderr, "popbound: out of memory\n");
        return 1;
    }
    printf("%.1f %s\n", b * 1e-9, isa);
    return 0;
}
