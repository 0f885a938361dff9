// SPDX-License-Identifier: MIT
/* sema_expr.c: evaluating argument values in a scope: small integer expressions
 * over block parameters, floats, booleans, kernel/stride pairs, padding, and
 * references to earlier layers (in, prev, labels). Part of sema. */
#include <string.h>

#include "sema_internal.h"

const ParamVal *sema_param(const Scope *sc, const char *name)
{
    if (!sc)
        return NULL;
    for (uint32_t i = 0; i < sc->nparams; i++)
        if (strcmp(sc->params[i].param->name, name) == 0)
            return &sc->params[i];
    return NULL;
}

const char *sema_expr_ident(const AstExpr *e)
{
    return e && e->kind == AE_IDENT ? e->name : NULL;
}

static const char *expr_kind_desc(const AstExpr *e)
{
    switch (e->kind) {
    case AE_INT:
        return "an integer";
    case AE_NUMBER:
        return "a number";
    case AE_IDENT:
        return "a name";
    case AE_IN:
    case AE_PREV:
    case AE_PATH:
        return "a layer reference";
    case AE_DIMS:
        return "a size like 3x3";
    case AE_STRING:
        return "a string";
    case AE_LIST:
        return "a list";
    case AE_QSPEC:
    case AE_QUANT:
        return "a quantization spec";
    case AE_BOOL:
        return "a boolean";
    default:
        return "an expression";
    }
}

static bool unknown_name(Sema *s, const Scope *sc, const AstExpr *e, const char *want)
{
    Diag *d = diag_error(s->cx, e->span, "unknown name '%s' (expected %s)", e->name, want);
    if (strchr(e->name, '-')) {
        // `c-k` lexes as one hyphenated word, like middle-out.
        diag_help(s->cx, d, "write '%s' with spaces around '-' to subtract",
                  arena_printf(&s->cx->arena, "%.*s - %s", (int)(strchr(e->name, '-') - e->name),
                               e->name, strchr(e->name, '-') + 1));
    } else if (sc && sc->block) {
        HbVec(const char *) c = {0};
        for (uint32_t i = 0; i < sc->nparams; i++)
            hb_vec_push(&s->cx->arena, &c, sc->params[i].param->name);
        const char *sug = diag_suggest(e->name, c.data, (int)c.len);
        if (sug)
            diag_help(s->cx, d, "did you mean the parameter '%s'?", sug);
    }
    return false;
}

bool sema_eval_int(Sema *s, const Scope *sc, const AstExpr *e, int64_t *out)
{
    int64_t a, b;
    switch (e->kind) {
    case AE_INT:
        *out = e->ival;
        return true;
    case AE_IDENT: {
        const ParamVal *pv = sema_param(sc, e->name);
        if (!pv)
            return unknown_name(s, sc, e, "an integer");
        if (pv->type != PT_INT) {
            diag_error(s->cx, e->span, "parameter '%s' is not an int", e->name);
            return false;
        }
        *out = pv->ival;
        return pv->bound;
    }
    case AE_NEG:
        if (!sema_eval_int(s, sc, e->lhs, &a))
            return false;
        *out = -a;
        return true;
    case AE_BINOP:
        if (!sema_eval_int(s, sc, e->lhs, &a) || !sema_eval_int(s, sc, e->rhs, &b))
            return false;
        if (e->op == '/' && b == 0) {
            diag_error(s->cx, e->span, "division by zero");
            return false;
        }
        bool ovf = false;
        switch (e->op) {
        case '+':
            ovf = __builtin_add_overflow(a, b, out);
            break;
        case '-':
            ovf = __builtin_sub_overflow(a, b, out);
            break;
        case '*':
            ovf = __builtin_mul_overflow(a, b, out);
            break;
        default:
            *out = a / b;
            break;
        }
        if (ovf)
            diag_error(s->cx, e->span, "integer overflow in this expression");
        return !ovf;
    default:
        diag_error(s->cx, e->span, "expected an integer, found %s", expr_kind_desc(e));
        return false;
    }
}

bool sema_eval_float(Sema *s, const Scope *sc, const AstExpr *e, double *out)
{
    if (e->kind == AE_NUMBER) {
        *out = e->fval;
        return true;
    }
    if (e->kind == AE_NEG && e->lhs->kind == AE_NUMBER) {
        *out = -e->lhs->fval;
        return true;
    }
    if (e->kind == AE_IDENT) {
        const ParamVal *pv = sema_param(sc, e->name);
        if (pv && pv->type == PT_FLOAT) {
            *out = pv->fval;
            return pv->bound;
        }
    }
    int64_t i;
    if (e->kind == AE_IDENT || e->kind == AE_INT || e->kind == AE_NEG || e->kind == AE_BINOP) {
        if (!sema_eval_int(s, sc, e, &i))
            return false;
        *out = (double)i;
        return true;
    }
    diag_error(s->cx, e->span, "expected a number, found %s", expr_kind_desc(e));
    return false;
}

bool sema_eval_bool(Sema *s, const Scope *sc, const AstExpr *e, bool *out)
{
    if (e->kind == AE_BOOL) {
        *out = e->bval;
        return true;
    }
    if (e->kind == AE_IDENT) {
        const ParamVal *pv = sema_param(sc, e->name);
        if (pv && pv->type == PT_BOOL) {
            *out = pv->bval;
            return pv->bound;
        }
    }
    diag_error(s->cx, e->span, "expected true or false, found %s", expr_kind_desc(e));
    return false;
}

/* `3`, `3x3`, or an int expression: a (height, width) pair such as a kernel. */
bool sema_eval_pair(Sema *s, const Scope *sc, const AstExpr *e, const char *what, int64_t out[2])
{
    if (e->kind == AE_DIMS) {
        out[0] = e->dims[0];
        out[1] = e->dims[1];
    } else {
        int64_t v;
        if (!sema_eval_int(s, sc, e, &v))
            return false;
        out[0] = out[1] = v;
    }
    if (out[0] < 1 || out[1] < 1 || out[0] > 4096 || out[1] > 4096) {
        diag_error(s->cx, e->span, "%s must be between 1 and 4096, got %lldx%lld", what,
                   (long long)out[0], (long long)out[1]);
        return false;
    }
    return true;
}

/* pad = same | valid | p | [p_h, p_w] | [top, bottom, left, right]. `same` is left to
 * the caller (it depends on the kernel). */
bool sema_eval_pad(Sema *s, const Scope *sc, const AstExpr *e, bool *same, int64_t pad[4])
{
    *same = false;
    const char *id = sema_expr_ident(e);
    if (id && !sema_param(sc, id)) {
        if (strcmp(id, "same") == 0) {
            *same = true;
            return true;
        }
        if (strcmp(id, "valid") == 0) {
            pad[0] = pad[1] = pad[2] = pad[3] = 0;
            return true;
        }
        Diag *d = diag_error(s->cx, e->span, "unknown padding '%s'", id);
        const char *c[] = {"same", "valid"};
        const char *sug = diag_suggest(id, c, 2);
        diag_help(s->cx, d, sug ? "did you mean '%s'?" : "%s",
                  sug ? sug : "pad is same, valid, an integer, or [top, bottom, left, right]");
        return false;
    }
    if (id) {
        const ParamVal *pv = sema_param(sc, id);
        if (pv->type != PT_PAD) {
            diag_error(s->cx, e->span, "parameter '%s' is not a pad", id);
            return false;
        }
        *same = pv->pad_same;
        memcpy(pad, pv->pad, sizeof pv->pad);
        return pv->bound;
    }
    if (e->kind == AE_LIST) {
        if (e->nitems != 2 && e->nitems != 4) {
            diag_error(s->cx, e->span,
                       "a padding list has 2 ([h, w]) or 4 ([top, bottom, left, "
                       "right]) entries, not %u",
                       e->nitems);
            return false;
        }
        int64_t v[4];
        for (uint32_t i = 0; i < e->nitems; i++)
            if (!sema_eval_int(s, sc, e->items[i], &v[i]))
                return false;
        if (e->nitems == 2) {
            v[3] = v[2] = v[1];
            v[1] = v[0];
        }
        memcpy(pad, v, sizeof v);
    } else {
        int64_t p;
        if (!sema_eval_int(s, sc, e, &p))
            return false;
        pad[0] = pad[1] = pad[2] = pad[3] = p;
    }
    for (int i = 0; i < 4; i++) {
        if (pad[i] < 0 || pad[i] > 4096) {
            diag_error(s->cx, e->span, "padding must be between 0 and 4096, got %lld",
                       (long long)pad[i]);
            return false;
        }
    }
    return true;
}

/* A reference to an earlier layer: in, prev, a label or a dotted label path. */
bool sema_eval_ref(Sema *s, Scope *sc, const AstExpr *e, uint32_t *node)
{
    if (e->kind == AE_IN) {
        if (!sc->has_in) {
            diag_error(s->cx, e->span, "'in' has no value here");
            return false;
        }
        *node = sc->in_node;
        return true;
    }
    if (e->kind == AE_PREV) {
        if (!sc->has_prev) {
            diag_error(s->cx, e->span, "'prev' has no value before the first layer");
            return false;
        }
        *node = sc->prev_node;
        return true;
    }
    const char *rel;
    if (e->kind == AE_IDENT)
        rel = e->name;
    else if (e->kind == AE_PATH)
        rel = cx_span_text(s->cx, e->path.span);
    else {
        diag_error(s->cx, e->span, "expected a layer label, 'in' or 'prev', found %s",
                   expr_kind_desc(e));
        return false;
    }
    const LabelEntry *le = sema_find_label(s, sema_join(s, sc->path, rel));
    if (!le) {
        Diag *d = diag_error(s->cx, e->span, "no layer labelled '%s' before this point", rel);
        HbVec(const char *) c = {0};
        size_t plen = strlen(sc->path);
        for (uint32_t i = 0; i < s->labels.len; i++) {
            const char *p = s->labels.data[i].path;
            if (plen == 0)
                hb_vec_push(&s->cx->arena, &c, p);
            else if (strncmp(p, sc->path, plen) == 0 && p[plen] == '.')
                hb_vec_push(&s->cx->arena, &c, p + plen + 1);
        }
        const char *sug = diag_suggest(rel, c.data, (int)c.len);
        if (sug)
            diag_help(s->cx, d, "did you mean '%s'?", sug);
        return false;
    }
    *node = le->node;
    return true;
}

static bool is_activation(GOp op)
{
    return op == GOP_RELU || op == GOP_HARDTANH || op == GOP_SIGN || op == GOP_QUANT;
}

/* `from L` where L's value went on through an unlabelled activation or quantizer (the
 * statement right after L reads it): the user almost always meant the activated value,
 * which has no name yet. Labelling the activation gives it one and silences this. */
static void warn_skipped_activation(Sema *s, const AstClause *c, uint32_t node)
{
    if (node + 1 >= s->nodes.len)
        return;
    const GNode *a = &s->nodes.data[node + 1];
    if (!is_activation(a->op) || a->label || a->nin != 1 || a->in[0] != node)
        return;
    const char *name = cx_span_text(s->cx, c->from.span);
    const char *last = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
    uint32_t line = src_pos(cx_file(s->cx, a->span.file), a->span.start).line;
    Diag *d = diag_warning(s->cx, c->from.span,
                           "'from %s' skips the unlabelled %s that follows it (line %u)", name,
                           a->written, line);
    diag_label(s->cx, d, c->from.span, "the value before the %s", a->written);
    diag_help(s->cx, d,
              "to read the activated value, label it ('%s_act: %s' on line %u) and write "
              "'from %s_act'; if the value before the %s is meant, labelling the %s silences "
              "this",
              last, a->written, line, last, a->written, a->written);
}

/* `from path | in | prev`: the same lookup as a reference argument. */
bool sema_eval_from(Sema *s, Scope *sc, const AstClause *c, uint32_t *node)
{
    AstExpr e = {.kind = c->from_kind == AF_IN     ? AE_IN
                         : c->from_kind == AF_PREV ? AE_PREV
                                                   : AE_PATH,
                 .span = c->from_kind == AF_PATH ? c->from.span : c->span,
                 .path = c->from};
    if (!sema_eval_ref(s, sc, &e, node))
        return false;
    if (c->from_kind == AF_PATH)
        warn_skipped_activation(s, c, *node);
    return true;
}
