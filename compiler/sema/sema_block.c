// SPDX-License-Identifier: MIT
/* sema_block.c: blocks in sema. Checks block definitions, binds a call's arguments
 * to typed parameters (int/float/bool/quant/act/pad, defaults evaluated in order),
 * and expands the body in a child scope whose label path grows by the instance's
 * label, so tensor names come out like a PyTorch state_dict (s1.conv.weight). */
#include <string.h>

#include "sema_internal.h"

static const char *const ptype_names[] = {"int", "float", "bool", "quant", "act", "pad"};
static const char *const act_words[] = {"relu",    "sign", "hardtanh", "relu6",
                                        "sigmoid", "tanh", "gelu"};
#define NACT_WORDS ((int)(sizeof act_words / sizeof *act_words))

PType sema_ptype(const char *name)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(name, ptype_names[i]) == 0)
            return (PType)i;
    return PT_BAD;
}

void sema_check_block_def(Sema *s, const AstBlock *b)
{
    for (uint32_t i = 0; i < b->nparams; i++) {
        const AstParam *p = &b->params[i];
        if (sema_ptype(p->type) == PT_BAD) {
            Diag *d = diag_error(s->cx, p->type_span, "unknown parameter type '%s'", p->type);
            const char *sug = diag_suggest(p->type, ptype_names, 6);
            if (sug)
                diag_help(s->cx, d, "did you mean '%s'?", sug);
            else
                diag_note(s->cx, d, "parameter types: int, float, bool, quant, act, pad");
        }
        for (uint32_t k = 0; k < i; k++) {
            if (strcmp(b->params[k].name, p->name) == 0) {
                Diag *d = diag_error(s->cx, p->name_span, "parameter '%s' is declared twice",
                                     p->name);
                diag_label(s->cx, d, b->params[k].name_span, "first declared here");
            }
        }
        if (sema_is_builtin(p->name) && sema_ptype(p->type) != PT_ACT)
            diag_warning(s->cx, p->name_span, "parameter '%s' hides the built-in op", p->name);
    }
}

const BlockSym *sema_find_block(Sema *s, const AstPath *name)
{
    if (name->n > 2)
        return NULL;
    const char *key = name->n == 2
                              ? arena_printf(&s->cx->arena, "%s.%s", name->parts[0], name->parts[1])
                              : name->parts[0];
    uint32_t i = hb_strmap_get(&s->block_index, key);
    return i == HB_STRMAP_NONE ? NULL : &s->blocks.data[i];
}

/* ---- binding one parameter ---- */

static bool bind_quant(Sema *s, const Scope *at, const AstExpr *e, ParamVal *pv)
{
    if (e->kind == AE_QSPEC) {
        pv->qspec = e->qspec;
        pv->origin = QO_BLOCK_ARG;
        return sema_spec(s, e->qspec, false)->ok;
    }
    const ParamVal *src = sema_expr_ident(e) ? sema_param(at, e->name) : NULL;
    if (src && src->type == PT_QUANT) {
        pv->qspec = src->qspec;
        pv->origin = src->origin;
        return true;
    }
    Diag *d = diag_error(s->cx, e->span, "parameter '%s' expects a quantization spec",
                         pv->param->name);
    diag_help(s->cx, d, "for example: %s = bits 1:70%% 2:30%%, or int 8, float, inherit",
              pv->param->name);
    return false;
}

static bool bind_act(Sema *s, const Scope *at, const AstExpr *e, ParamVal *pv)
{
    pv->origin = QO_BLOCK_ARG;
    if (e->kind == AE_QUANT) {
        pv->expr = e;
        return !e->qspec || sema_spec(s, e->qspec, true)->ok;
    }
    const char *w = sema_expr_ident(e);
    const ParamVal *src = w ? sema_param(at, w) : NULL;
    if (src && src->type == PT_ACT) {
        pv->expr = src->expr;
        return src->bound;
    }
    for (int i = 0; w && i < NACT_WORDS; i++) {
        if (strcmp(w, act_words[i]) == 0) {
            pv->expr = e;
            return true;
        }
    }
    Diag *d = diag_error(s->cx, e->span, "parameter '%s' expects an activation", pv->param->name);
    const char *sug = w ? diag_suggest(w, act_words, NACT_WORDS) : NULL;
    if (sug)
        diag_help(s->cx, d, "did you mean '%s'?", sug);
    else
        diag_note(s->cx, d,
                  "an activation is relu, sign, hardtanh, relu6, sigmoid, tanh, gelu or "
                  "quant <spec>");
    return false;
}

/* Evaluate `e` for parameter pv; `at` is the scope the expression was written in. */
static bool bind_value(Sema *s, const Scope *at, const AstExpr *e, ParamVal *pv)
{
    pv->span = e->span;
    switch (pv->type) {
    case PT_INT:
        return sema_eval_int(s, at, e, &pv->ival);
    case PT_FLOAT:
        return sema_eval_float(s, at, e, &pv->fval);
    case PT_BOOL:
        return sema_eval_bool(s, at, e, &pv->bval);
    case PT_QUANT:
        return bind_quant(s, at, e, pv);
    case PT_ACT:
        return bind_act(s, at, e, pv);
    case PT_PAD:
        if (sema_expr_ident(e) && strcmp(e->name, "same") == 0 && !sema_param(at, "same")) {
            pv->pad_same = true;
            return true;
        }
        return sema_eval_pad(s, at, e, &pv->pad_same, pv->pad);
    default:
        return false;
    }
}

static bool bind_params(Sema *s, Scope *caller, Scope *child, const AstLayer *l, const BlockSym *b)
{
    const AstBlock *blk = b->ast;
    ArgSlot *slots = arena_calloc(&s->cx->arena, blk->nparams ? blk->nparams : 1, sizeof *slots);
    for (uint32_t i = 0; i < blk->nparams; i++)
        slots[i] = (ArgSlot){blk->params[i].name, blk->params[i].def == NULL, NULL};
    if (!sema_match_args(s, l, child->block_name, slots, (int)blk->nparams))
        return false;
    child->params = arena_calloc(&s->cx->arena, blk->nparams ? blk->nparams : 1, sizeof(ParamVal));
    bool ok = true;
    for (uint32_t i = 0; i < blk->nparams; i++) {
        ParamVal *pv = &child->params[i];
        pv->param = &blk->params[i];
        pv->type = sema_ptype(pv->param->type);
        child->nparams = i + 1; // defaults may use the parameters before them
        bool got = slots[i].arg ? bind_value(s, caller, slots[i].arg->value, pv)
                                : bind_value(s, child, pv->param->def, pv);
        pv->bound = got;
        ok &= got;
    }
    return ok;
}

/* ---- the call ---- */

static bool call_clauses(Sema *s, Scope *sc, const AstLayer *l, const BlockSym *b,
                         const char **tprefix, uint32_t *input)
{
    bool ok = true;
    *input = sc->prev_node;
    for (uint32_t i = 0; i < l->nclauses; i++) {
        const AstClause *c = &l->clauses[i];
        if (c->kind == ACL_WEIGHTS || c->kind == ACL_WEIGHTS_PARAM) {
            Diag *d = diag_error(s->cx, c->span,
                                 "a block call takes its quantization through "
                                 "its quant parameters");
            for (uint32_t k = 0; k < b->ast->nparams; k++) {
                if (strcmp(b->ast->params[k].type, "quant") == 0) {
                    diag_help(s->cx, d, "pass it as an argument, e.g. %s = bits 2",
                              b->ast->params[k].name);
                    break;
                }
            }
            ok = false;
        } else if (c->kind == ACL_PARAMS_PREFIX) {
            *tprefix = c->prefix;
        } else if (c->kind == ACL_PARAMS_NAMED) {
            diag_error(s->cx, c->span,
                       "a block instance takes a prefix (params \"name\"), not "
                       "per-tensor names");
            ok = false;
        } else if (c->kind == ACL_FROM) {
            ok &= sema_eval_from(s, sc, c, input);
        } else if (c->kind == ACL_FOLD) {
            diag_error(s->cx, c->span,
                       "fold applies to dense and conv2d layers, not to a block call: fold "
                       "the layers inside the block"); // reported; the call still expands
        }
    }
    return ok;
}

static bool recursion(Sema *s, const Scope *sc, const AstLayer *l, const BlockSym *b)
{
    for (const Scope *x = sc; x; x = x->parent) {
        if (x->block != b->ast)
            continue;
        // The chain of calls from the first instance of b back to b: "a -> b -> a".
        const char *chain = b->ast->name;
        for (const Scope *y = sc; y != x; y = y->parent)
            chain = arena_printf(&s->cx->arena, "%s -> %s", y->block->name, chain);
        chain = arena_printf(&s->cx->arena, "%s -> %s", b->ast->name, chain);
        Diag *d =
                diag_error(s->cx, l->name.span, "block '%s' uses itself: %s", b->ast->name, chain);
        diag_note(s->cx, d, "blocks are expanded where they are called, so a cycle never ends");
        return true;
    }
    if (sc->depth >= SEMA_MAX_DEPTH) {
        diag_error(s->cx, l->name.span, "blocks nest deeper than %d", SEMA_MAX_DEPTH);
        return true;
    }
    return false;
}

/* The layers one instance of b makes. The language has no conditionals, so this is
 * known before expanding anything: a call is refused before it can run away. A block
 * being counted counts 0 when reached again (recursion is reported at its call). */
static uint64_t block_size(Sema *s, const AstBlock *b)
{
    uint32_t memo = hb_addrmap_get(&s->block_sizes, b);
    if (memo != HB_STRMAP_NONE)
        return memo == SEMA_MAX_NODES + 2 ? 0 : memo; // being counted: a cycle
    hb_addrmap_put(&s->block_sizes, &s->cx->arena, b, SEMA_MAX_NODES + 2);
    uint64_t n = 0;
    for (uint32_t i = 0; i < b->body.n && n <= SEMA_MAX_NODES; i++) {
        const AstStmt *st = b->body.stmts[i];
        if (st->kind != AS_LAYER)
            continue;
        const AstLayer *l = &st->layer;
        const BlockSym *callee = NULL;
        if (l->op_kind == AOP_CALL && !(l->name.n == 1 && sema_is_builtin(l->name.parts[0])))
            callee = sema_find_block(s, &l->name);
        n += callee ? block_size(s, callee->ast) : 1;
    }
    if (n > SEMA_MAX_NODES)
        n = SEMA_MAX_NODES + 1;
    hb_strmap_set(&s->block_sizes, &s->cx->arena, (const char *)b, (uint32_t)n); // address map
    return n;
}

static bool too_big(Sema *s, const AstLayer *l, const BlockSym *b)
{
    if (s->too_big)
        return true; // reported once; later calls would only repeat it
    uint64_t n = block_size(s, b->ast);
    uint32_t cap = s->cx->opts.max_layers && s->cx->opts.max_layers < SEMA_MAX_NODES
                           ? s->cx->opts.max_layers
                           : SEMA_MAX_NODES;
    if (s->nodes.len + n <= cap)
        return false;
    s->too_big = true;
    Diag *d = diag_error(s->cx, l->name.span,
                         "this call of '%s' makes the network larger than %u layers", b->ast->name,
                         cap);
    diag_note(s->cx, d, "one instance of '%s' has %s%llu layers; %u come before it", b->ast->name,
              n > SEMA_MAX_NODES ? "more than " : "",
              (unsigned long long)(n > SEMA_MAX_NODES ? SEMA_MAX_NODES : n), s->nodes.len);
    diag_help(s->cx, d, "blocks that call blocks multiply their layers: check the nesting");
    return true;
}

void sema_block_call(Sema *s, Scope *sc, const AstLayer *l, const BlockSym *b)
{
    if (recursion(s, sc, l, b) || too_big(s, l, b))
        return;
    const char *tprefix = NULL;
    uint32_t input;
    Scope child = {.parent = sc, .block = b->ast, .depth = sc->depth + 1};
    child.block_name =
            b->ns ? arena_printf(&s->cx->arena, "%s.%s", b->ns, b->ast->name) : b->ast->name;
    bool ok = call_clauses(s, sc, l, b, &tprefix, &input);
    ok &= bind_params(s, sc, &child, l, b);
    if (!ok)
        return; // the instance's layers would only repeat the error
    child.path = l->label ? sema_join(s, sc->path, l->label) : sc->path;
    child.params_path = sc->params_path;
    if (tprefix) { // params "X" on an instance: relative to the enclosing instance
        child.tprefix = sema_join(s, sc->tprefix, tprefix);
        child.params_path = child.path;
    } else {
        child.tprefix = l->label ? sema_tensor_base(s, sc, l->label) : sc->tprefix;
    }
    child.in_node = child.prev_node = input;
    child.has_in = child.has_prev = true;
    child.site = span_valid(sc->site) ? sc->site : l->span;
    child.via = sc->via ? arena_printf(&s->cx->arena, "%s > %s", sc->via, child.block_name)
                        : child.block_name;
    sema_body(s, &child, &b->ast->body);
    sc->prev_node = child.prev_node;
    sc->has_prev = true;
    if (l->label) {
        const char *full = child.path;
        const LabelEntry *prev = sema_find_label(s, full);
        if (prev) {
            Diag *d = diag_error(s->cx, l->label_span, "label '%s' is used twice", l->label);
            diag_label(s->cx, d, prev->span, "first used here");
        } else {
            sema_add_label(s, (LabelEntry){full, child.prev_node, l->label_span});
        }
    }
}

void sema_act_param(Sema *s, Scope *sc, const AstLayer *l, const ParamVal *pv)
{
    if (l->has_parens || l->nargs) {
        diag_error(s->cx, l->args_span, "'%s' is an activation parameter and takes no arguments",
                   pv->param->name);
        return;
    }
    if (!pv->bound || !pv->expr)
        return;
    const AstExpr *e = pv->expr;
    if (e->kind == AE_QUANT)
        sema_builtin_act(s, sc, l, "quant", e->qspec, pv->origin);
    else
        sema_builtin_act(s, sc, l, e->name, NULL, pv->origin);
}
