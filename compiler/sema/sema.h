// SPDX-License-Identifier: MIT
/* sema.h: semantic analysis, from AST to the checked Graph (graph.h).
 * Resolves imports and names, expands blocks, evaluates arguments, infers shapes,
 * validates bit distributions and resolves the defaults cascade. Errors go to
 * cx's diagnostics; cascades after a failed shape are suppressed. */
#ifndef HB_SEMA_H
#define HB_SEMA_H

#include "ast.h"
#include "graph.h"

typedef struct SemaOptions {
    const char *network;      // --network NAME, or NULL: the file's only network
    const AstFile *overrides; // --quant FILE, parsed; NULL if none
    const char *weights_path; // --weights FILE (wins over the `weights` line); NULL if none
} SemaOptions;

/* Check `main` (a parsed file in cx) and build its network's Graph in cx->arena.
 * Returns NULL if no graph could be built at all; otherwise the graph, which is only
 * trustworthy when diag_errors(cx) == 0. */
Graph *sema_check(HbCx *cx, const AstFile *main, const SemaOptions *opts);

#endif
