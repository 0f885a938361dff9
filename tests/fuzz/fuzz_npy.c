// SPDX-License-Identifier: MIT
/* fuzz_npy.c: libFuzzer harness for the .npy reader behind --run and --calibrate.
 * Contract: false if and only if an error was reported; an accepted array has as many
 * elements as its shape says, and all of them are finite. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cx.h"
#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HbCx cx;
    HbOptions o = {.diag_format = DIAG_PLAIN};
    cx_init(&cx, &o);
    cx.diag_out = fopen("/dev/null", "w");
    NpyArray a;
    bool ok = npy_parse_f32(&cx, "fuzz.npy", data, size, &a);
    if (ok != (diag_errors(&cx) == 0))
        abort();
    if (ok) {
        uint64_t n = 1;
        for (int i = 0; i < a.rank; i++)
            n *= (uint64_t)a.shape[i];
        if (n != a.n)
            abort();
        for (uint64_t i = 0; i < a.n; i++)
            if (!isfinite(a.data[i]))
                abort();
    }
    diag_flush(&cx);
    fclose(cx.diag_out);
    cx_destroy(&cx);
    return 0;
}
