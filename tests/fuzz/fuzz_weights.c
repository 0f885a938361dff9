// SPDX-License-Identifier: MIT
/* fuzz_weights.c: libFuzzer harness for both weight-file readers: each input goes
 * through weights_open_mem() in a fresh context (format chosen by content). Beyond "no
 * crash", it checks the contract: NULL iff an error was reported, accepted floats are
 * finite. Seeds: corpus_weights/ (written by check_weights.c's test_fuzz_seeds). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cx.h"
#include "weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tensor(const WTensor *t)
{
    if (!t->name || !t->dtype_name || t->rank < 0 || t->rank > W_MAX_RANK)
        abort();
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->shape[i] < 0)
            abort();
        n *= (uint64_t)t->shape[i];
    }
    if (n != t->nelem)
        abort();
    bool is_float = t->dtype <= WD_F64;
    if (is_float != (t->data != NULL))
        abort();
    for (uint64_t i = 0; is_float && i < t->nelem; i++)
        if (!isfinite(t->data[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HbCx cx;
    HbOptions o = {.diag_format = DIAG_PLAIN};
    cx_init(&cx, &o);
    // Render the diagnostics too (they quote names from the input), into memory.
    char *text = NULL;
    size_t text_len = 0;
    cx.diag_out = open_memstream(&text, &text_len);
    WFile *f = weights_open_mem(&cx, "fuzz.bin", data, size);
    if ((f == NULL) != (diag_errors(&cx) > 0))
        abort();
    for (uint32_t i = 0; f && i < f->n; i++) {
        check_tensor(&f->tensors[i]);
        if (weights_find(f, f->tensors[i].name) != &f->tensors[i])
            abort();
    }
    diag_flush(&cx);
    fclose(cx.diag_out);
    free(text);
    cx_destroy(&cx);
    return 0;
}
