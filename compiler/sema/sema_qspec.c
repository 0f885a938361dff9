// SPDX-License-Identifier: MIT
/* sema_qspec.c: quantization specs in sema. Validates each written qspec once
 * (distribution rules, options) into a PartSpec, and resolves the defaults cascade
 * field by field for weights and activations, recording where each setting came
 * from (docs/language.md §5: override > layer > defaults op > defaults > file > built-in). */
#include <math.h>
#include <string.h>

#include "sema_internal.h"

static int word_index(const char *w, const char *const *words, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(w, words[i]) == 0)
            return i;
    return -1;
}

static void bad_word(Sema *s, const AstQopt *o, const char *what, const char *const *words, int n)
{
    Diag *d = diag_error(s->cx, o->value_span, "unknown %s '%s'", what, o->value);
    const char *sug = diag_suggest(o->value, words, n);
    if (sug) {
        diag_help(s->cx, d, "did you mean '%s'?", sug);
    } else {
        char buf[160] = "";
        for (int i = 0; i < n; i++) {
            strncat(buf, i ? ", " : "", sizeof buf - strlen(buf) - 1);
            strncat(buf, words[i], sizeof buf - strlen(buf) - 1);
        }
        diag_note(s->cx, d, "%s is one of: %s", what, buf);
    }
}

/* bits 1:60% 2:30% 3:rest  ->  ascending widths and fractions. */
static bool check_dist(Sema *s, const AstQspec *q, QuantSpec *out)
{
    bool ok = true, seen[HB_MAX_BITS + 1] = {0};
    int rest = -1;
    double sum = 0;
    for (uint32_t i = 0; i < q->nshares; i++) {
        const AstShare *sh = &q->shares[i];
        if (sh->bits < 1 || sh->bits > HB_MAX_BITS) {
            Diag *d = diag_error(s->cx, sh->bits_span, "bit width %lld is out of range",
                                 (long long)sh->bits);
            diag_note(s->cx, d, "widths are 1 to %d bits", HB_MAX_BITS);
            ok = false;
            continue;
        }
        if (seen[sh->bits]) {
            diag_error(s->cx, sh->span, "width %lld appears twice in this distribution",
                       (long long)sh->bits);
            ok = false;
        }
        seen[sh->bits] = true;
        if (sh->rest) {
            if (rest >= 0) {
                diag_error(s->cx, sh->span, "'rest' may appear only once");
                ok = false;
            }
            rest = (int)i;
        } else if (!(sh->percent > 0) || sh->percent > 100) {
            diag_error(s->cx, sh->span, "a share must be more than 0%% and at most 100%%, got %g%%",
                       sh->percent);
            ok = false;
        } else {
            sum += sh->percent;
        }
    }
    if (!ok)
        return false;
    if (rest >= 0 && sum > 100 + 100 * HB_DIST_TOL) {
        Diag *d = diag_error(s->cx, q->kind_span, "shares before 'rest' sum to %g%%, over 100%%",
                             sum);
        diag_help(s->cx, d, "lower one of the shares so 'rest' is 0%% or more");
        return false;
    }
    if (rest < 0 && fabs(sum - 100) > 100 * HB_DIST_TOL) {
        char buf[200] = "";
        for (uint32_t i = 0; i < q->nshares; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%g%%", i ? " + " : "",
                     q->shares[i].percent);
        Diag *d = diag_error(s->cx, q->kind_span, "bit distribution sums to %g%%, expected 100%%",
                             sum);
        diag_label(s->cx, d, q->kind_span, "%s = %g%%", buf, sum);
        const AstShare *last = &q->shares[q->nshares - 1];
        if (sum < 100)
            diag_help(s->cx, d,
                      "write '%lld:rest' to give the remainder to %lld-bit, or change "
                      "one share",
                      (long long)last->bits, (long long)last->bits);
        else
            diag_help(s->cx, d, "the shares must add up to 100%% (within 0.01 points)");
        return false;
    }
    // Ascending widths; the quantizer gives the lowest width to the first slice.
    int k = 0;
    for (int b = 1; b <= HB_MAX_BITS; b++) {
        for (uint32_t i = 0; i < q->nshares; i++) {
            if (q->shares[i].bits != b)
                continue;
            out->share_bits[k] = b;
            // Within the tolerance the others may sum to a hair over 100: 'rest' is then 0.
            out->share_frac[k] =
                    (q->shares[i].rest ? fmax(0, 100 - sum) : q->shares[i].percent) / 100;
            k++;
        }
    }
    out->nshares = k;
    return true;
}

static bool check_kind(Sema *s, const AstQspec *q, bool act, PartSpec *p)
{
    QuantSpec *o = &p->q;
    o->span = q->kind_span;
    p->has_kind = q->kind != AQ_INHERIT;
    switch (q->kind) {
    case AQ_BITS:
        if (q->bits < 1 || q->bits > HB_MAX_BITS) {
            Diag *d = diag_error(s->cx, q->kind_span, "bits %lld is out of range",
                                 (long long)q->bits);
            diag_note(s->cx, d, "widths are 1 to %d bits", HB_MAX_BITS);
            return false;
        }
        o->kind = QK_BITS;
        o->nshares = 1;
        o->share_bits[0] = (int)q->bits;
        o->share_frac[0] = 1.0;
        return true;
    case AQ_DIST:
        o->kind = QK_BITS;
        return check_dist(s, q, o);
    case AQ_AVG:
        if (act) {
            diag_error(s->cx, q->kind_span,
                       "'bits avg' searches over weight values; an "
                       "activation quantizer needs written-out shares");
            return false;
        }
        if (!(q->avg >= 1.0 && q->avg <= 3.0)) {
            Diag *d = diag_error(s->cx, q->kind_span, "bits avg %g is outside the search range",
                                 q->avg);
            diag_note(s->cx, d, "'bits avg X' searches 1/2/3-bit mixes, so 1 <= X <= 3");
            return false;
        }
        if (fabs(q->avg * 20 - round(q->avg * 20)) > 0.1) {
            // Every mix on the 5% grid has a mean that is a multiple of 0.05.
            Diag *d = diag_error(s->cx, q->kind_span,
                                 "no 1/2/3-bit mix on the 5%% grid has a "
                                 "mean of %g bits",
                                 q->avg);
            diag_help(s->cx, d, "use a multiple of 0.05, e.g. bits avg %.2f",
                      round(q->avg * 20) / 20);
            return false;
        }
        o->kind = QK_BITS;
        o->avg_search = true;
        o->avg = q->avg;
        return true;
    case AQ_INT:
        if (q->bits < 2 || q->bits > 16) {
            Diag *d =
                    diag_error(s->cx, q->kind_span, "int %lld is out of range", (long long)q->bits);
            diag_help(s->cx, d,
                      "integer quantization takes 2 to 16 bits; for 1 bit write 'bits 1'");
            return false;
        }
        o->kind = QK_INT;
        o->int_bits = (int)q->bits;
        return true;
    case AQ_FLOAT:
        o->kind = QK_FLOAT;
        return true;
    case AQ_INHERIT:
        return true;
    }
    return false;
}

static bool check_opt(Sema *s, const AstQspec *q, const AstQopt *o, bool act, PartSpec *p)
{
    const char *what = o->kind == AQO_SELECT ? "select" : o->kind == AQO_SCALE ? "scale" : "group";
    bool bitsish =
            q->kind == AQ_BITS || q->kind == AQ_DIST || q->kind == AQ_AVG || q->kind == AQ_INHERIT;
    if (o->kind != AQO_SCALE && !bitsish) {
        diag_error(s->cx, o->span, "'%s' applies only to 'bits' specs", what);
        return false;
    }
    if (o->kind == AQO_SELECT) {
        int i = word_index(o->value, selection_names, SEL_COUNT);
        if (i < 0) {
            bad_word(s, o, "selection", selection_names, SEL_COUNT);
            return false;
        }
        if ((i == SEL_RANDOM) != o->has_seed) {
            diag_error(s->cx, o->span,
                       i == SEL_RANDOM ? "'random' needs a seed: random(42)"
                                       : "only 'random' takes a seed");
            return false;
        }
        if (p->has_select) {
            diag_error(s->cx, o->span, "'select' given twice");
            return false;
        }
        p->has_select = true;
        p->q.select = (Selection)i;
        p->q.seed = (uint64_t)o->seed;
        return true;
    }
    if (o->kind == AQO_GROUP) {
        int i = word_index(o->value, grouping_names, GROUP_COUNT);
        if (i < 0) {
            bad_word(s, o, "grouping", grouping_names, GROUP_COUNT);
            return false;
        }
        if (act) {
            diag_error(s->cx, o->span, "'group' applies to weights, not activations");
            return false;
        }
        if (p->has_group) {
            diag_error(s->cx, o->span, "'group' given twice");
            return false;
        }
        p->has_group = true;
        p->q.group = (Grouping)i;
        return true;
    }
    // `scale` takes a weight granularity or an activation scale kind.
    enum { NSCALE = SCALE_COUNT + ACT_SCALE_COUNT };
    const char *scale_words[NSCALE];
    for (int k = 0; k < NSCALE; k++)
        scale_words[k] = k < SCALE_COUNT ? scale_gran_names[k] : act_scale_names[k - SCALE_COUNT];
    int i = word_index(o->value, scale_words, NSCALE);
    if (i < 0) {
        bad_word(s, o, "scale", scale_words, NSCALE);
        return false;
    }
    if (i >= SCALE_COUNT) { // static | runtime
        if (!act) {
            diag_error(s->cx, o->span,
                       "'scale %s' applies to activation quantizers; weight "
                       "scales are always computed at compile time",
                       o->value);
            return false;
        }
        if (p->has_act_scale) {
            diag_error(s->cx, o->span, "'scale static|runtime' given twice");
            return false;
        }
        p->has_act_scale = true;
        p->q.act_scale = (ActScale)(i - SCALE_COUNT);
        return true;
    }
    if (act && i == SCALE_PER_CHANNEL) {
        diag_error(s->cx, o->span, "activation scales are per-tensor");
        return false;
    }
    if (q->kind == AQ_INT && i == SCALE_PER_TENSOR) {
        diag_error(s->cx, o->span, "'int k' always uses per-channel scales");
        return false;
    }
    if (p->has_scale) {
        diag_error(s->cx, o->span, "'scale' given twice");
        return false;
    }
    p->has_scale = true;
    p->q.scale = (ScaleGran)i;
    return true;
}

static PartSpec check_spec(Sema *s, const AstQspec *q, bool act)
{
    PartSpec p = {.ast = q};
    p.ok = check_kind(s, q, act, &p);
    for (uint32_t i = 0; i < q->nopts; i++)
        p.ok &= check_opt(s, q, &q->opts[i], act, &p);
    return p;
}

/* Each written spec is validated once; later uses find it by its AST node (a map, so
 * sema stays linear in the number of layers). */
const PartSpec *sema_spec(Sema *s, const AstQspec *q, bool act)
{
    uint32_t known = hb_addrmap_get(&s->spec_index, q);
    if (known != HB_STRMAP_NONE)
        return s->specs.data[known];
    PartSpec *stable = arena_alloc(&s->cx->arena, sizeof *stable);
    *stable = check_spec(s, q, act);
    hb_addrmap_put(&s->spec_index, &s->cx->arena, q, s->specs.len);
    hb_vec_push(&s->cx->arena, &s->specs, stable);
    return stable;
}

static const char *const weight_ops[] = {"conv2d", "dwconv2d", "dense"};

void sema_check_defaults(Sema *s, const AstDefaults *d)
{
    if (d->op && word_index(d->op, weight_ops, 3) < 0) {
        Diag *e = diag_error(s->cx, d->op_span, "'defaults %s': '%s' has no weights", d->op, d->op);
        const char *sug = diag_suggest(d->op, weight_ops, 3);
        if (sug)
            diag_help(s->cx, e, "did you mean '%s'?", sug);
        else
            diag_note(s->cx, e, "per-op defaults apply to conv2d, dwconv2d and dense");
    }
    for (uint32_t i = 0; i < d->nlines; i++) {
        if (d->lines[i].kind == ADL_ACTS && d->op) {
            diag_error(s->cx, d->lines[i].span, "'acts' defaults cannot be per-op");
            continue;
        }
        sema_spec(s, d->lines[i].qspec, d->lines[i].kind == ADL_ACTS);
    }
}

/* ---- the cascade ---- */

typedef struct Cand {
    PartSpec p; // a copy: a layer's own spec in the network body is not kept (below)
    QOrigin origin;
} Cand;

#define MAX_CANDS 64

/* `once`: q is a layer's own spec in the network body, which is resolved exactly once
 * (block bodies are instantiated many times, defaults apply to many layers: those are
 * cached by sema_spec). Not caching it saves ~200 bytes a layer at 10^6 layers. */
static void push_spec(Sema *s, Cand *c, int *n, const AstQspec *q, QOrigin o, bool act, bool once)
{
    if (!q || *n == MAX_CANDS)
        return;
    PartSpec p = once ? check_spec(s, q, act) : *sema_spec(s, q, act);
    if (p.ok)
        c[(*n)++] = (Cand){p, o};
}

static void push(Sema *s, Cand *c, int *n, const AstQspec *q, QOrigin o, bool act)
{
    push_spec(s, c, n, q, o, act, false);
}

/* defaults in scope order: innermost scope first, later blocks and lines first. */
static void push_defaults(Sema *s, Cand *c, int *n, const AstDefaults *const *ds, uint32_t nd,
                          const char *op, AstDefaultsKind kind, QOrigin o_op, QOrigin o_all)
{
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = nd; i-- > 0;) {
            const AstDefaults *d = ds[i];
            bool match = pass == 0 ? (d->op && op && strcmp(d->op, op) == 0) : !d->op;
            if (!match)
                continue;
            for (uint32_t k = d->nlines; k-- > 0;)
                if (d->lines[k].kind == kind)
                    push(s, c, n, d->lines[k].qspec, pass == 0 ? o_op : o_all, kind == ADL_ACTS);
        }
    }
}

static QuantSpec merge(const Cand *c, int n, bool act)
{
    QuantSpec q = {.kind = QK_FLOAT,
                   .select = SEL_MIDDLE_OUT,
                   .scale = SCALE_PER_TENSOR,
                   .group = GROUP_ELEMENT,
                   .act_scale = ACT_SCALE_RUNTIME};
    q.origin_kind = q.origin_select = q.origin_scale = q.origin_group = QO_BUILTIN;
    bool k = false, sel = false, sc = false, gr = false;
    for (int i = 0; i < n; i++) {
        const PartSpec *p = &c[i].p;
        if (!k && p->has_kind) {
            QuantSpec keep = q;
            q = p->q;
            q.select = keep.select, q.seed = keep.seed, q.scale = keep.scale;
            q.group = keep.group, q.act_scale = keep.act_scale;
            q.origin_select = keep.origin_select, q.origin_scale = keep.origin_scale;
            q.origin_group = keep.origin_group;
            q.origin_kind = c[i].origin;
            k = true;
        }
        if (!sel && p->has_select) {
            q.select = p->q.select, q.seed = p->q.seed, q.origin_select = c[i].origin;
            sel = true;
        }
        if (!sc && (act ? p->has_act_scale : p->has_scale)) {
            if (act)
                q.act_scale = p->q.act_scale;
            else
                q.scale = p->q.scale;
            q.origin_scale = c[i].origin;
            sc = true;
        }
        if (!gr && p->has_group) {
            q.group = p->q.group, q.origin_group = c[i].origin;
            gr = true;
        }
    }
    if (q.kind == QK_INT && !act) {
        q.scale = SCALE_PER_CHANNEL; // int k is per-channel by definition (docs/language.md §5)
        q.origin_scale = QO_BUILTIN;
    }
    return q;
}

static void push_scopes(Sema *s, Cand *c, int *n, const Scope *sc, const char *op,
                        AstDefaultsKind kind)
{
    for (const Scope *x = sc; x; x = x->parent)
        push_defaults(s, c, n, x->defaults.data, x->defaults.len, op, kind, QO_DEFAULTS_OP,
                      QO_DEFAULTS_NET);
    push_defaults(s, c, n, s->file_defaults.data, s->file_defaults.len, op, kind, QO_DEFAULTS_FILE,
                  QO_DEFAULTS_FILE);
}

static void push_override(Sema *s, Cand *c, int *n, const char *label)
{
    if (!s->override || !label)
        return;
    for (uint32_t k = hb_strmap_get(&s->override_index, label); k != HB_STRMAP_NONE;
         k = s->override_next[k]) {
        const AstOverrideLine *ol = &s->override->lines[k];
        s->override_used[k] = true;
        for (uint32_t i = ol->nclauses; i-- > 0;)
            if (ol->clauses[i].kind == ACL_WEIGHTS)
                push(s, c, n, ol->clauses[i].qspec, QO_OVERRIDE, false);
    }
}

static void push_layer(Sema *s, Cand *c, int *n, const Scope *sc, const AstLayer *l)
{
    for (uint32_t i = l->nclauses; i-- > 0;) {
        const AstClause *cl = &l->clauses[i];
        if (cl->kind == ACL_WEIGHTS) {
            push_spec(s, c, n, cl->qspec, QO_LAYER, false, !sc->block);
        } else if (cl->kind == ACL_WEIGHTS_PARAM) {
            const ParamVal *pv = sema_param(sc, cl->param);
            if (!pv || pv->type != PT_QUANT) {
                Diag *d = diag_error(s->cx, cl->param_span,
                                     pv ? "parameter '%s' is not a quant"
                                        : "no quant parameter named '%s'",
                                     cl->param);
                if (!sc->block)
                    diag_help(s->cx, d, "write a spec here, like 'weights bits 1:70%% 2:30%%'");
                continue;
            }
            push(s, c, n, pv->qspec, pv->origin, false);
        }
    }
}

QuantSpec sema_resolve_weights(Sema *s, const Scope *sc, const GNode *node, const AstLayer *l)
{
    Cand c[MAX_CANDS];
    int n = 0;
    push_override(s, c, &n, node->label);
    push_layer(s, c, &n, sc, l);
    push_scopes(s, c, &n, sc, node->written, ADL_WEIGHTS);
    return merge(c, n, false);
}

bool sema_resolve_acts(Sema *s, const Scope *sc, const AstQspec *q, QOrigin o, SrcSpan at,
                       QuantSpec *out)
{
    Cand c[MAX_CANDS];
    int n = 0;
    if (q) {
        push_spec(s, c, &n, q, o, true, o == QO_LAYER && !sc->block);
        if (n == 0)
            return false;
    }
    push_scopes(s, c, &n, sc, NULL, ADL_ACTS);
    *out = merge(c, n, true);
    if (out->origin_kind == QO_BUILTIN) {
        Diag *d = diag_error(s->cx, at, "bare 'quant' with no activation spec in scope");
        diag_help(s->cx, d,
                  "write 'quant bits 2', or add 'defaults { acts bits 2 }' to the "
                  "network");
        return false;
    }
    return true;
}
