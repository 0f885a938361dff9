// SPDX-License-Identifier: MIT
/* sema_names.c: the names of the tensors a parametric layer binds (language.md
 * 3.6): its label path plus the torch suffix, changed by `params`, by the rename
 * table on the `weights` line (longest matching label-path prefix) and by its
 * global `prefix`. Part of sema; the binder looks the names up. */
#include <string.h>

#include "sema_internal.h"

/* The index of the longest rename entry whose label path is `path` or a prefix of it
 * (by whole components), -1 if none; *key_len is its length. One map lookup per
 * component of the path, so binding stays linear in the number of layers. */
static int rename_lookup(Sema *s, const char *path, size_t *key_len)
{
    *key_len = 0;
    for (size_t k = strlen(path); k > 0; k--) {
        if (path[k] != 0 && path[k] != '.')
            continue;
        uint32_t i = hb_strmap_getn(&s->rename_index, path, k);
        if (i != HB_STRMAP_NONE) {
            *key_len = k;
            return (int)i;
        }
    }
    return -1;
}

const char *sema_tensor_base(Sema *s, const Scope *sc, const char *label)
{
    const char *path = sema_join(s, sc->path, label);
    size_t key_len = 0;
    int r = rename_lookup(s, path, &key_len);
    if (r >= 0 && key_len <= strlen(sc->params_path)) { // params on an instance wins
        if (s->rename_used[r] == RENAME_UNUSED)
            s->rename_used[r] = RENAME_SHADOWED;
        r = -1;
    }
    if (r < 0)
        return sema_join(s, sc->tprefix, label);
    s->rename_used[r] = RENAME_USED;
    return arena_printf(&s->cx->arena, "%s%s", s->weights->renames[r].value, path + key_len);
}

static int role_of(const char *name)
{
    for (int r = 0; r < TR_COUNT; r++)
        if (strcmp(name, tensor_role_suffix((TensorRole)r)) == 0)
            return r;
    return -1;
}

static bool roles_for(const GNode *n, bool roles[TR_COUNT])
{
    memset(roles, 0, TR_COUNT * sizeof(bool));
    if (n->op == GOP_CONV2D || n->op == GOP_DENSE) {
        roles[TR_WEIGHT] = true;
        roles[TR_BIAS] = n->bias != BIAS_FALSE;
        return true;
    }
    if (n->op == GOP_BATCHNORM) {
        for (int r = 0; r < TR_COUNT; r++)
            roles[r] = true;
        return true;
    }
    return false;
}

/* params weight="a" bias="b": explicit names per role. */
static void named(Sema *s, const Scope *sc, const AstClause *c, const GNode *n,
                  const bool roles[TR_COUNT], const char *out[TR_COUNT])
{
    for (uint32_t i = 0; i < c->nnamed; i++) {
        const AstNamedString *ns = &c->named[i];
        int r = role_of(ns->name);
        if (r < 0 || !roles[r]) {
            Diag *d =
                    diag_error(s->cx, ns->name_span, "%s has no tensor '%s'", n->written, ns->name);
            const char *cands[TR_COUNT];
            int k = 0;
            for (int q = 0; q < TR_COUNT; q++)
                if (roles[q])
                    cands[k++] = tensor_role_suffix((TensorRole)q);
            const char *sug = diag_suggest(ns->name, cands, k);
            if (sug)
                diag_help(s->cx, d, "did you mean '%s'?", sug);
            continue;
        }
        out[r] = sema_join(s, sc->tprefix, ns->value); // relative to the block instance
    }
}

/* A `quant ... scale static` labelled L may take its scales from tensor L.scales. */
static bool static_quant(const GNode *n)
{
    return n->op == GOP_QUANT && n->aq->kind == QK_BITS && n->aq->act_scale == ACT_SCALE_STATIC;
}

void sema_tensor_names(Sema *s, Scope *sc, const AstLayer *l, GNode *n)
{
    bool roles[TR_COUNT];
    bool scales = static_quant(n);
    if (!roles_for(n, roles) && !scales)
        return;
    const char *explicit_names[TR_COUNT] = {0};
    const char *base = NULL;
    n->tensor_span = span_valid(l->label_span) ? l->label_span : l->span;
    for (uint32_t i = 0; i < l->nclauses; i++) {
        const AstClause *c = &l->clauses[i];
        if (c->kind == ACL_PARAMS_PREFIX) {
            base = sema_join(s, sc->tprefix, c->prefix); // relative to the block instance
            n->tensor_span = c->prefix_span;
        } else if (c->kind == ACL_PARAMS_NAMED) {
            named(s, sc, c, n, roles, explicit_names);
            n->tensor_span = c->span;
        }
    }
    if (!base && l->label)
        base = sema_tensor_base(s, sc, l->label);
    const char *gprefix = s->weights && s->weights->prefix ? s->weights->prefix : "";
    if (scales) { // optional: unlabelled quantizers need --calibrate
        if (base)
            n->scales_tensor = arena_printf(&s->cx->arena, "%s%s.scales", gprefix, base);
        return;
    }
    bool missing = false;
    for (int r = 0; r < TR_COUNT; r++) {
        if (!roles[r])
            continue;
        if (explicit_names[r]) {
            n->tensor[r] = arena_printf(&s->cx->arena, "%s%s", gprefix, explicit_names[r]);
            n->tensor_named[r] = true; // named by the user: must exist
        } else if (base)
            n->tensor[r] = arena_printf(&s->cx->arena, "%s%s.%s", gprefix, base,
                                        tensor_role_suffix((TensorRole)r));
        else
            missing = true;
    }
    if (missing) {
        Diag *d = diag_error(s->cx, l->span,
                             "a %s layer needs a label: its tensors are named "
                             "after it",
                             n->written);
        diag_help(s->cx, d,
                  "write 'name: %s' (tensors name.weight, ...) or add "
                  "params \"prefix\"",
                  n->written);
    }
}
