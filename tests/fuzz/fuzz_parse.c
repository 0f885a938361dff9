// SPDX-License-Identifier: MIT
/* fuzz_parse.c: libFuzzer harness for the whole front end: lexer, parser and sema
 * (with `import std` resolved against the source tree's std.hb). Any input must end
 * in a tree or in reported errors: no crash, hang or sanitizer report, and a NULL
 * result only with an error reported. Seeds: the examples and the golden .hb files. */
#include <stdint.h>
#include <stdlib.h>

#include "cx.h"
#include "sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    HbCx cx;
    // A lower layer cap: a valid network of 10^6 layers takes longer than libFuzzer's
    // 10 s per input under ASan; the cap itself is the same code at any size.
    HbOptions o = {
            .diag_format = DIAG_PLAIN, .stdlib_dir = HBNN_SOURCE_STDLIB, .max_layers = 20000};
    cx_init(&cx, &o);
    cx.diag_out = fopen("/dev/null", "w");
    uint32_t id = cx_add_source(&cx, "fuzz.hb", (const char *)data, (uint32_t)size);
    AstFile *f = parse_file(&cx, id);
    if (!f && diag_errors(&cx) == 0)
        abort(); // nothing built and nothing said
    if (f && diag_errors(&cx) == 0) {
        Graph *g = sema_check(&cx, f, NULL);
        if (!g && diag_errors(&cx) == 0)
            abort();
    }
    diag_flush(&cx);
    fclose(cx.diag_out);
    cx_destroy(&cx);
    return 0;
}
