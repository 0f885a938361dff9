// SPDX-License-Identifier: MIT
/* backend.h: the code generators, as a table chosen by --target (QBE's Target idea).
 * A backend receives only the lowered, verified IR (docs/ir.md), never the AST or the
 * Graph. The reference interpreter (compiler/interp.c) is what every backend is tested
 * against bit for bit. */
#ifndef HB_BACKEND_H
#define HB_BACKEND_H

#include "cx.h"
#include "ir.h"

typedef struct Backend {
    const char *name;     // --target NAME
    const char *produces; // for --help and messages
    /* Write the output for `m` to `output` (through a temporary file and a rename, so a
     * failed run leaves nothing behind). NULL while the backend is not implemented. */
    int (*emit)(HbCx *cx, const IrModule *m, const char *output);
} Backend;

/* The backend called `name`, or NULL. */
const Backend *backend_find(const char *name);
/* All backends, in --help order; *n gets the count. */
const Backend *backend_list(int *n);

/* "19.1.7": the LLVM the CPU backend is built against (for --version). */
const char *llvm_version_string(char *buf, size_t len);

#endif
