// SPDX-License-Identifier: MIT
/* ice.h: compiler bugs are not input errors. HB_CHECK(cond, fmt, ...) is an invariant
 * that holds in every build: when it fails, "hbnnc: internal error: ..." with the place
 * in the compiler is printed and the process exits with code 3 (driver.h EXIT_INTERNAL).
 * Cheap internal invariants in hot loops use assert() (debug builds only). */
#ifndef HB_ICE_H
#define HB_ICE_H

#include <stddef.h>

#if defined(__GNUC__)
#define HB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HB_PRINTF(a, b)
#endif

_Noreturn void hb_internal_error(const char *file, int line, const char *fmt, ...) HB_PRINTF(3, 4);

/* The one out-of-memory exit (arena, quantizer scratch, readers' buffers): running out
 * of memory is not the input's fault, so it is not a diagnostic. Prints "hbnnc: internal
 * error: out of memory allocating N bytes" and exits with code 3. */
_Noreturn void hb_out_of_memory(size_t bytes);

#define HB_CHECK(cond, ...)                                     \
    do {                                                        \
        if (!(cond))                                            \
            hb_internal_error(__FILE__, __LINE__, __VA_ARGS__); \
    } while (0)
#define HB_UNREACHABLE(...) hb_internal_error(__FILE__, __LINE__, __VA_ARGS__)

#endif
