// SPDX-License-Identifier: MIT
/* ast.h: the syntax tree built by grammar/parser.y (through the ast_* constructors
 * in ast.c) and read by sema. Every node carries a source span. Nothing here is
 * checked yet: names are strings, values are unevaluated expressions. The AST never
 * leaves the front end: sema turns it into a Graph (graph.h). */
#ifndef HB_AST_H
#define HB_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cx.h"

typedef struct AstExpr AstExpr;
typedef struct AstQspec AstQspec;

/* A dotted name: `s1.conv`, `std.dw_separable`, `fc1`. */
typedef struct AstPath {
    const char **parts;
    SrcSpan *spans;
    uint32_t n;
    SrcSpan span;
} AstPath;

/* ---- quantization specs:  kind { qopt } ---- */

typedef enum AstQKind {
    AQ_BITS,    // bits k              (bits = k)
    AQ_DIST,    // bits 1:60% 2:30% 3:rest
    AQ_AVG,     // bits avg 1.4        (avg)
    AQ_INT,     // int k               (bits = k)
    AQ_FLOAT,   // float
    AQ_INHERIT, // inherit
} AstQKind;

typedef struct AstShare {
    int64_t bits;   // as written; sema checks 1..8
    double percent; // as written (60% -> 60.0); ignored when rest
    bool rest;
    SrcSpan span;      // the whole share "1:60%"
    SrcSpan bits_span; // the "1"
} AstShare;

/* An option after the kind. Values are kept as written (identifiers) and checked by
 * sema, so a typo gets a located error with a suggestion. */
typedef enum AstQoptKind {
    AQO_SELECT, // select middle-out | top-down | bottom-up | random(seed) | mo-residual
    AQO_SCALE,  // scale per-tensor | per-channel | static | runtime
    AQO_GROUP,  // group element | channel
} AstQoptKind;

typedef struct AstQopt {
    AstQoptKind kind;
    const char *value; // the word after select/scale/group
    SrcSpan value_span;
    bool has_seed; // random(SEED)
    int64_t seed;
    SrcSpan span; // the whole option
} AstQopt;

struct AstQspec {
    AstQKind kind;
    int64_t bits; // AQ_BITS, AQ_INT
    double avg;   // AQ_AVG
    AstShare *shares;
    uint32_t nshares;
    AstQopt *opts;
    uint32_t nopts;
    SrcSpan span;      // whole spec
    SrcSpan kind_span; // "bits 1:60% 2:30%" without the options
};

/* ---- expressions and argument values ---- */

typedef enum AstExprKind {
    AE_INT,    // ival
    AE_NUMBER, // fval
    AE_IDENT,  // name: a block parameter, a label, or a word like same/valid/global/relu
    AE_IN,     // in
    AE_PREV,   // prev
    AE_NEG,    // -lhs
    AE_BINOP,  // lhs op rhs, op in + - * /
    AE_DIMS,   // 3x3: dims[0] x dims[1]
    AE_STRING, // sval (escapes already processed)
    AE_LIST,   // [items]
    AE_QSPEC,  // qspec  (bits ..., int k, float, inherit)
    AE_BOOL,   // bval
    AE_QUANT,  // `quant [qspec]` as an act value (qspec may be NULL: use defaults acts)
    AE_PATH,   // a dotted name (std.x as a value, s1.conv as a label reference)
} AstExprKind;

struct AstExpr {
    AstExprKind kind;
    SrcSpan span;
    union {           // by kind: every reader checks kind first (48 bytes, not 152, per literal)
        int64_t ival; // AE_INT
        double fval;  // AE_NUMBER
        bool bval;    // AE_BOOL
        const char *name; // AE_IDENT
        const char *sval; // AE_STRING
        int64_t dims[2];  // AE_DIMS
        struct {
            char op;            // AE_BINOP: '+', '-', '*', '/'
            AstExpr *lhs, *rhs; // AE_NEG: lhs only
        };
        struct {
            AstExpr **items; // AE_LIST
            uint32_t nitems;
        };
        AstQspec *qspec; // AE_QSPEC, AE_QUANT
        AstPath path;    // AE_PATH
    };
};

typedef struct AstArg {
    const char *name; // NULL for a positional argument
    SrcSpan name_span;
    AstExpr *value;
    SrcSpan span;
} AstArg;

/* ---- layers ---- */

typedef enum AstClauseKind {
    ACL_WEIGHTS,       // weights qspec
    ACL_WEIGHTS_PARAM, // weights IDENT   (a block parameter of type quant)
    ACL_PARAMS_PREFIX, // params "features.0"
    ACL_PARAMS_NAMED,  // params weight="a" bias="b"
    ACL_FROM,          // from path | in | prev
    ACL_FOLD,          // fold pe=P simd=S (hardware folding of a dense layer)
} AstClauseKind;

typedef struct AstNamedString {
    const char *name;
    SrcSpan name_span;
    const char *value;
    SrcSpan value_span;
} AstNamedString;

typedef struct AstFoldArg {
    const char *name; // pe, simd (checked by sema)
    SrcSpan name_span;
    int64_t value;
    SrcSpan value_span;
} AstFoldArg;

typedef enum AstFromKind { AF_PATH, AF_IN, AF_PREV } AstFromKind;

typedef struct AstClause {
    AstClauseKind kind;
    SrcSpan span;
    union {              // by kind: every reader checks kind first (56 bytes, not 120, a clause)
        AstQspec *qspec; // ACL_WEIGHTS
        struct {
            const char *param; // ACL_WEIGHTS_PARAM
            SrcSpan param_span;
        };
        struct {
            const char *prefix; // ACL_PARAMS_PREFIX
            SrcSpan prefix_span;
        };
        struct {
            AstNamedString *named; // ACL_PARAMS_NAMED
            uint32_t nnamed;
        };
        struct {
            AstFoldArg *fold; // ACL_FOLD
            uint32_t nfold;
        };
        struct {
            AstFromKind from_kind; // ACL_FROM
            AstPath from;          // AF_PATH
        };
    };
} AstClause;

typedef enum AstOpKind {
    AOP_CALL,  // qname [ "(" args ")" ]: a built-in op, a block, std.x, or an act param
    AOP_QUANT, // quant [qspec]
} AstOpKind;

typedef struct AstLayer {
    const char *label; // NULL when unlabelled
    SrcSpan label_span;
    AstOpKind op_kind;
    AstPath name;    // AOP_CALL: `conv2d`, `std.dw_separable`
    bool has_parens; // `relu` vs `relu()`
    AstArg *args;
    uint32_t nargs;
    SrcSpan args_span; // the parenthesised part, if any
    AstQspec *qspec;   // AOP_QUANT (NULL: bare `quant`)
    AstClause *clauses;
    uint32_t nclauses;
    SrcSpan span; // the whole statement
} AstLayer;

/* ---- statements, blocks, networks ---- */

typedef enum AstDefaultsKind { ADL_WEIGHTS, ADL_ACTS } AstDefaultsKind;

typedef struct AstDefaultsLine {
    AstDefaultsKind kind;
    AstQspec *qspec;
    SrcSpan span;
} AstDefaultsLine;

typedef struct AstDefaults {
    const char *op; // NULL: all ops; else `conv2d`, `dense`, ...
    SrcSpan op_span;
    AstDefaultsLine *lines;
    uint32_t nlines;
    SrcSpan span;
} AstDefaults;

typedef enum AstStmtKind { AS_INPUT, AS_OUTPUT, AS_DEFAULTS, AS_LAYER } AstStmtKind;

typedef struct AstInput {
    const char *name;
    SrcSpan name_span;
    const char *dtype; // "f32", or "u8" / "i8" (integer inputs, with a scale)
    SrcSpan dtype_span;
    bool has_scale; // `scale X` after the dimensions: the real value is X * the integer
    double scale;
    SrcSpan scale_span;
    AstExpr **dims; // AE_INT or AE_IDENT
    uint32_t ndims;
    SrcSpan span;
} AstInput;

typedef struct AstOutput {
    AstPath *paths;
    uint32_t npaths;
    SrcSpan span;
} AstOutput;

typedef struct AstStmt {
    AstStmtKind kind;
    SrcSpan span;
    union { // by kind (a union: bodies of 10^5 layers stay small)
        AstInput input;
        AstOutput output;
        AstDefaults defaults;
        AstLayer layer;
    };
} AstStmt;

typedef struct AstBody {
    AstStmt **stmts; // pointers: a statement is built once, in place (ast.c)
    uint32_t n;
} AstBody;

typedef struct AstParam {
    const char *name;
    SrcSpan name_span;
    const char *type; // "int" "float" "bool" "quant" "act" "pad" (checked by sema)
    SrcSpan type_span;
    AstExpr *def; // NULL: required
    SrcSpan span;
} AstParam;

typedef struct AstBlock {
    const char *name;
    SrcSpan name_span;
    AstParam *params;
    uint32_t nparams;
    AstBody body;
    SrcSpan span;
} AstBlock;

typedef struct AstNetwork {
    const char *name;
    SrcSpan name_span;
    AstBody body;
    SrcSpan span;
} AstNetwork;

typedef struct AstRename {
    AstPath path;
    const char *value;
    SrcSpan value_span;
    SrcSpan span;
} AstRename;

typedef struct AstWeightsFile {
    const char *file;
    SrcSpan file_span;
    const char *layout; // NULL = torch
    SrcSpan layout_span;
    const char *prefix; // NULL = none
    SrcSpan prefix_span;
    AstRename *renames;
    uint32_t nrenames;
    SrcSpan span;
} AstWeightsFile;

typedef struct AstImport {
    const char *name;  // `std` (IDENT form) or NULL
    const char *file;  // "blocks.hb" (STRING form) or NULL
    const char *alias; // `as my` or NULL
    SrcSpan target_span, alias_span, span;
} AstImport;

typedef struct AstOverrideLine {
    AstPath path;
    AstClause *clauses;
    uint32_t nclauses;
    SrcSpan span;
} AstOverrideLine;

typedef struct AstOverride {
    const char *network;
    SrcSpan network_span;
    AstOverrideLine *lines;
    uint32_t nlines;
    SrcSpan span;
} AstOverride;

typedef enum AstItemKind {
    AI_IMPORT,
    AI_WEIGHTS,
    AI_DEFAULTS,
    AI_OVERRIDE,
    AI_BLOCK,
    AI_NETWORK,
} AstItemKind;

typedef struct AstItem {
    AstItemKind kind;
    SrcSpan span;
    AstImport import;
    AstWeightsFile weights;
    AstDefaults defaults;
    AstOverride override;
    AstBlock block;
    AstNetwork network;
} AstItem;

typedef struct AstFile {
    uint32_t file_id;
    bool has_version;
    const char *version; // "0.1" as written
    SrcSpan version_span;
    AstItem *items;
    uint32_t nitems;
} AstFile;

/* Parse one loaded source file. Syntax errors are reported through cx (all of them
 * that bison's error recovery can find, up to the cap). Returns the tree, possibly
 * partial when there were errors; NULL only if nothing could be built. */
AstFile *parse_file(HbCx *cx, uint32_t file_id);

/* --emit ast: a stable, indented S-expression-like dump (golden-tested). */
void ast_print(FILE *out, HbCx *cx, const AstFile *f);

#endif
