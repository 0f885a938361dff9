// SPDX-License-Identifier: MIT
/* ice.c: the one exit for compiler bugs (ice.h): a message naming the place, then
 * exit code 3, never a silent wrong answer or an input-error exit code. _Exit, not exit:
 * the state is broken, so no exit handlers run (nor LeakSanitizer's report of the arena
 * that a normal exit would have freed). */
#include "ice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void hb_internal_error(const char *file, int line, const char *fmt, ...)
{
    fflush(stdout);
    fprintf(stderr, "hbnnc: internal error: ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (at %s:%d)\nhbnnc: this is a bug in hbnnc, not in the input\n", file, line);
    fflush(stderr);
    _Exit(3);
}

void hb_out_of_memory(size_t bytes)
{
    fflush(stdout);
    fprintf(stderr, "hbnnc: internal error: out of memory allocating %zu bytes\n", bytes);
    fflush(stderr);
    _Exit(3);
}
