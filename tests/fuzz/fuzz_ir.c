// SPDX-License-Identifier: MIT
/* fuzz_ir.c: libFuzzer harness for the IR text parser and verifier (hbnnc FILE.ir).
 * Any input ends in a module or in reported errors. A module the verifier accepts
 * must print, parse again and print identically (the text form round-trips).
 * Seeds: tests/golden/ir_verify (hand-broken and valid IR) and tests/golden/ir. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cx.h"
#include "ir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_module(const IrModule *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    ir_print(f, m);
    fclose(f);
    return buf;
}

static void roundtrip(HbCx *cx, const IrModule *m)
{
    size_t len1, len2;
    char *t1 = print_module(m, &len1);
    IrModule *m2 = ir_parse(cx, cx_add_source(cx, "printed.ir", t1, (uint32_t)len1));
    if (!m2)
        abort(); // the printer wrote something the parser rejects
    char *t2 = print_module(m2, &len2);
    if (len1 != len2 || memcmp(t1, t2, len1) != 0)
        abort(); // print -> parse -> print is not the identity
    free(t1);
    free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    HbCx cx;
    HbOptions o = {.diag_format = DIAG_PLAIN};
    cx_init(&cx, &o);
    cx.diag_out = fopen("/dev/null", "w");
    IrModule *m = ir_parse(&cx, cx_add_source(&cx, "fuzz.ir", (const char *)data, (uint32_t)size));
    if (!m && diag_errors(&cx) == 0)
        abort(); // nothing built and nothing said
    if (m && ir_verify(&cx, m, "fuzz.ir"))
        roundtrip(&cx, m);
    diag_flush(&cx);
    fclose(cx.diag_out);
    cx_destroy(&cx);
    return 0;
}
