// SPDX-License-Identifier: MIT
/* sema_internal.h: state shared by the sema_*.c files: modules and block symbols,
 * elaboration scopes (one per network body or block instance), bound block
 * parameters, and the partially-specified qspecs the cascade merges. */
#ifndef HB_SEMA_INTERNAL_H
#define HB_SEMA_INTERNAL_H

#include "sema.h"
#include "strmap.h"

#define SEMA_MAX_DEPTH 32      // block instances nested deeper than this are an error
#define SEMA_MAX_NODES 1000000 // instantiated layers: more is an error at the block call

typedef struct BlockSym {
    const char *ns; // namespace (`std`, an `as` alias) or NULL when merged
    const AstBlock *ast;
} BlockSym;

/* A qspec after validation, with only what was written. */
typedef struct PartSpec {
    const AstQspec *ast;
    bool ok;       // false: invalid (already reported), treat as absent
    bool has_kind; // false for `inherit`
    QuantSpec q;   // kind fields (and options when the has_* flag says so)
    bool has_select, has_scale, has_act_scale, has_group;
} PartSpec;

typedef enum PType { PT_INT, PT_FLOAT, PT_BOOL, PT_QUANT, PT_ACT, PT_PAD, PT_BAD } PType;

typedef struct ParamVal {
    const AstParam *param;
    PType type;
    bool bound; // a value was given or defaulted
    int64_t ival;
    double fval;
    bool bval;
    const AstExpr *expr;   // quant/act/pad: the expression (in the scope that wrote it)
    const AstQspec *qspec; // quant: NULL = inherit
    QOrigin origin;
    bool pad_same; // pad: the evaluated value
    int64_t pad[4];
    SrcSpan span;
} ParamVal;

typedef struct Scope Scope;
struct Scope {
    Scope *parent;
    const char *path;        // label path of this instance ("s1"), "" for the network
    const char *tprefix;     // tensor-name prefix of this instance (after params), "" for network
    const char *params_path; // label path of the innermost instance named by `params`, or ""
    const AstBlock *block;   // NULL for the network body
    const char *block_name;  // "std.conv_bn_act" for messages
    ParamVal *params;
    uint32_t nparams;
    uint32_t in_node;
    bool has_in;
    uint32_t prev_node;
    bool has_prev;
    HbVec(const AstDefaults *) defaults;
    SrcSpan site; // outermost call site in the network body
    const char *via;
    int depth;
};

typedef struct LabelEntry {
    const char *path;
    uint32_t node;
    SrcSpan span;
} LabelEntry;

/* What happened to a rename entry: applied to some layer, or matched only layers under a
 * block instance whose `params` prefix is more specific (so it did nothing). */
enum { RENAME_UNUSED, RENAME_USED, RENAME_SHADOWED };

typedef struct Sema {
    HbCx *cx;
    const SemaOptions *opts;
    const AstFile *main;
    HbVec(const AstFile *) files;     // main first, then imports
    HbVec(const char *) loaded_paths; // import cycle / duplicate detection
    HbVec(BlockSym) blocks;
    HbStrMap block_index; // "ns.name" or "name" -> index in blocks
    HbVec(const AstDefaults *) file_defaults;
    // Validated qspecs, looked up by AST pointer. Each lives in its own allocation: the
    // cascade holds PartSpec pointers while more specs are added (the vector moves).
    HbVec(PartSpec *) specs;
    HbStrMap spec_index; // AstQspec address -> index in specs
    HbVec(GNode) nodes;
    HbVec(LabelEntry) labels;
    HbStrMap label_index; // path -> index in labels (the first entry for a path)
    const AstWeightsFile *weights;
    const AstOverride *override;
    bool *override_used;
    HbStrMap override_index; // override path -> its first line
    uint32_t *override_next; // per line: the next line with the same path, or UINT32_MAX
    HbStrMap block_sizes;    // AstBlock * -> layers one instance makes (sema_block.c)
    bool too_big;            // a call would pass SEMA_MAX_NODES (reported once)
    HbStrMap rename_index;   // rename label path -> its entry (the first, if repeated)
    uint8_t *rename_used;    // per rename entry: RENAME_UNUSED, _USED or _SHADOWED
    Graph *g;
} Sema;

/* sema.c */
uint32_t sema_add_node(Sema *s, Scope *sc, GNode *n);
const LabelEntry *sema_find_label(Sema *s, const char *path);
/* A resolved spec copied into the arena, for GNode.wq / GNode.aq. */
const QuantSpec *sema_keep_spec(Sema *s, QuantSpec q);
/* The all-zero spec of nodes without one (never NULL, so readers need no checks). */
const QuantSpec *sema_no_spec(void);
void sema_add_label(Sema *s, LabelEntry e); // found by path from now on (the first wins)
const char *sema_join(Sema *s, const char *a, const char *b);
void sema_body(Sema *s, Scope *sc, const AstBody *body);

/* sema_expr.c: evaluating argument values */
const ParamVal *sema_param(const Scope *sc, const char *name);
bool sema_eval_int(Sema *s, const Scope *sc, const AstExpr *e, int64_t *out);
bool sema_eval_float(Sema *s, const Scope *sc, const AstExpr *e, double *out);
bool sema_eval_bool(Sema *s, const Scope *sc, const AstExpr *e, bool *out);
bool sema_eval_pair(Sema *s, const Scope *sc, const AstExpr *e, const char *what, int64_t out[2]);
bool sema_eval_pad(Sema *s, const Scope *sc, const AstExpr *e, bool *same, int64_t pad[4]);
bool sema_eval_ref(Sema *s, Scope *sc, const AstExpr *e, uint32_t *node);
bool sema_eval_from(Sema *s, Scope *sc, const AstClause *c, uint32_t *node);
const char *sema_expr_ident(const AstExpr *e);

/* sema_qspec.c: validation and the cascade */
const PartSpec *sema_spec(Sema *s, const AstQspec *q, bool activation);
QuantSpec sema_resolve_weights(Sema *s, const Scope *sc, const GNode *n, const AstLayer *l);
bool sema_resolve_acts(Sema *s, const Scope *sc, const AstQspec *q, QOrigin o, SrcSpan at,
                       QuantSpec *out);
void sema_check_defaults(Sema *s, const AstDefaults *d);

/* sema_ops.c: built-in ops */
bool sema_is_builtin(const char *name);
void sema_builtin(Sema *s, Scope *sc, const AstLayer *l, const char *opname);
/* The same, with the activation spec and its origin given (an `act` block argument). */
void sema_builtin_act(Sema *s, Scope *sc, const AstLayer *l, const char *opname, const AstQspec *q,
                      QOrigin origin);
/* sema_names.c: the tensor names a parametric layer binds */
void sema_tensor_names(Sema *s, Scope *sc, const AstLayer *l, GNode *n);
/* The tensor-name base of `label` in scope sc: the longest matching rename entry when
 * it is more specific than the innermost `params` prefix, else the scope's prefix. */
const char *sema_tensor_base(Sema *s, const Scope *sc, const char *label);
extern const int sema_nbuiltins;
const char *sema_builtin_name(int i); // 0 <= i < sema_nbuiltins, for suggestions

/* sema_block.c: block calls and parameters */
const BlockSym *sema_find_block(Sema *s, const AstPath *name);
void sema_block_call(Sema *s, Scope *sc, const AstLayer *l, const BlockSym *b);
PType sema_ptype(const char *name);
void sema_check_block_def(Sema *s, const AstBlock *b);
void sema_act_param(Sema *s, Scope *sc, const AstLayer *l, const ParamVal *pv);

/* sema_args.c: matching call arguments against a parameter list */
typedef struct ArgSlot {
    const char *name;
    bool required;
    const AstArg *arg; // the argument given, or NULL
} ArgSlot;
bool sema_match_args(Sema *s, const AstLayer *l, const char *callee, ArgSlot *slots, int nslots);

#endif
