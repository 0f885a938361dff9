// SPDX-License-Identifier: MIT
/* sema.c: the entry point of semantic analysis. Loads imports, collects blocks and
 * file-level defaults, picks the network, and elaborates its body statement by
 * statement into Graph nodes (blocks are expanded in sema_block.c, built-in ops in
 * sema_ops.c). Runs after parsing; its Graph feeds binding and lowering. */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <strings.h>

#include "sema_internal.h"

const char *sema_join(Sema *s, const char *a, const char *b)
{
    if (!a || !*a)
        return b;
    if (!b || !*b)
        return a;
    return arena_printf(&s->cx->arena, "%s.%s", a, b);
}

/* Labels are looked up for every reference and every new label: a hash map keeps
 * sema linear in the number of layers. */
const LabelEntry *sema_find_label(Sema *s, const char *path)
{
    uint32_t i = hb_strmap_get(&s->label_index, path);
    return i == HB_STRMAP_NONE ? NULL : &s->labels.data[i];
}

void sema_add_label(Sema *s, LabelEntry e)
{
    hb_vec_push(&s->cx->arena, &s->labels, e);
    hb_strmap_put(&s->label_index, &s->cx->arena, e.path, s->labels.len - 1);
}

/* The spec of every node that has none (zero, as a memset node had before specs were
 * pointers): readers need no NULL checks. Constant, so not mutable state. */
static const QuantSpec no_spec;

const QuantSpec *sema_no_spec(void)
{
    return &no_spec;
}

const QuantSpec *sema_keep_spec(Sema *s, QuantSpec q)
{
    QuantSpec *p = arena_alloc(&s->cx->arena, sizeof *p);
    *p = q;
    return p;
}

uint32_t sema_add_node(Sema *s, Scope *sc, GNode *n)
{
    uint32_t id = s->nodes.len;
    if (!n->wq)
        n->wq = &no_spec;
    if (!n->name)
        n->name = n->label ? n->label : arena_printf(&s->cx->arena, "#%u %s", id, n->written);
    n->site = span_valid(sc->site) ? sc->site : n->span;
    n->via = sc->via;
    hb_vec_push(&s->cx->arena, &s->nodes, *n);
    sc->prev_node = id;
    sc->has_prev = true;
    return id;
}

/* ---- imports ---- */

static const char *dir_of(Sema *s, const char *path)
{
    char *copy = arena_strdup(&s->cx->arena, path);
    return arena_strdup(&s->cx->arena, dirname(copy));
}

static bool already_loaded(Sema *s, const char *path)
{
    for (uint32_t i = 0; i < s->loaded_paths.len; i++)
        if (strcmp(s->loaded_paths.data[i], path) == 0)
            return true;
    return false;
}

static void collect(Sema *s, const AstFile *f, const char *ns, bool is_main);

static void do_import(Sema *s, const AstFile *from, const AstImport *im)
{
    const char *path, *ns;
    if (im->name) {
        if (strcmp(im->name, "std") != 0) {
            Diag *d = diag_error(s->cx, im->target_span, "unknown library '%s'", im->name);
            diag_help(s->cx, d, "the bundled library is 'std'; import a file with import \"%s.hb\"",
                      im->name);
            return;
        }
        path = arena_printf(&s->cx->arena, "%s/std.hb", s->cx->opts.stdlib_dir);
        ns = im->alias ? im->alias : "std";
    } else {
        const char *base = cx_file(s->cx, from->file_id)->path;
        path = im->file[0] == '/' ? im->file
                                  : arena_printf(&s->cx->arena, "%s/%s", dir_of(s, base), im->file);
        ns = im->alias;
    }
    if (already_loaded(s, path))
        return; // imported twice or a cycle: its blocks are already known
    hb_vec_push(&s->cx->arena, &s->loaded_paths, path);
    uint32_t id = cx_load_file(s->cx, path, im->name ? "std.hb" : im->file);
    if (!id) {
        Diag *d = diag_error(s->cx, im->target_span, "cannot read '%s': %s", path, strerror(errno));
        if (im->name)
            diag_note(s->cx, d, "the standard library is looked up in %s (set with --stdlib)",
                      s->cx->opts.stdlib_dir);
        return;
    }
    AstFile *f = parse_file(s->cx, id);
    if (f)
        collect(s, f, ns, false);
}

static void add_block(Sema *s, const AstBlock *b, const char *ns)
{
    const char *key = ns ? arena_printf(&s->cx->arena, "%s.%s", ns, b->name) : b->name;
    uint32_t prev = hb_strmap_get(&s->block_index, key);
    if (prev != HB_STRMAP_NONE) {
        Diag *d = diag_error(s->cx, b->name_span, "block '%s' is defined twice", b->name);
        diag_label(s->cx, d, s->blocks.data[prev].ast->name_span, "first defined here");
        return;
    }
    if (!ns && sema_is_builtin(b->name)) {
        diag_error(s->cx, b->name_span, "block '%s' has the name of a built-in operation", b->name);
        return;
    }
    sema_check_block_def(s, b);
    hb_strmap_put(&s->block_index, &s->cx->arena, key, s->blocks.len);
    hb_vec_push(&s->cx->arena, &s->blocks, ((BlockSym){ns, b}));
}

static void collect(Sema *s, const AstFile *f, const char *ns, bool is_main)
{
    hb_vec_push(&s->cx->arena, &s->files, f);
    for (uint32_t i = 0; i < f->nitems; i++) {
        const AstItem *it = &f->items[i];
        switch (it->kind) {
        case AI_IMPORT:
            do_import(s, f, &it->import);
            break;
        case AI_BLOCK:
            add_block(s, &it->block, ns);
            break;
        case AI_DEFAULTS:
            if (is_main)
                hb_vec_push(&s->cx->arena, &s->file_defaults, &it->defaults);
            sema_check_defaults(s, &it->defaults);
            break;
        case AI_WEIGHTS:
            if (!is_main)
                break;
            if (s->weights) {
                Diag *d = diag_error(s->cx, it->span, "a second 'weights' line");
                diag_label(s->cx, d, s->weights->span, "the first one");
                break;
            }
            s->weights = &it->weights;
            break;
        case AI_OVERRIDE:
            if (is_main)
                diag_error(s->cx, it->span,
                           "'override' belongs in a separate file passed with --quant");
            break;
        case AI_NETWORK:
            break;
        }
    }
}

/* ---- the network ---- */

static const AstNetwork *pick_network(Sema *s)
{
    const AstNetwork *found = NULL;
    int count = 0;
    for (uint32_t i = 0; i < s->main->nitems; i++) {
        const AstItem *it = &s->main->items[i];
        if (it->kind != AI_NETWORK)
            continue;
        count++;
        if (s->opts->network ? strcmp(it->network.name, s->opts->network) == 0 : !found)
            found = &it->network;
    }
    const char *fname = cx_file(s->cx, s->main->file_id)->name;
    if (count == 0) {
        diag_file_error(s->cx, fname, "no 'network' in this file");
        return NULL;
    }
    if (s->opts->network && !found) {
        diag_file_error(s->cx, fname, "no network named '%s' in this file", s->opts->network);
        return NULL;
    }
    if (!s->opts->network && count > 1) {
        diag_file_error(s->cx, fname, "%d networks in this file; choose one with --network NAME",
                        count);
        return NULL;
    }
    return found;
}

static void stmt_input(Sema *s, Scope *sc, const AstInput *in)
{
    if (sc->block) {
        diag_error(s->cx, in->span, "'input' is only allowed in a network; a block reads 'in'");
        return;
    }
    if (sc->has_in) {
        diag_error(s->cx, in->span, "a second 'input'; a network has exactly one input");
        return;
    }
    GNode n = {.op = GOP_INPUT, .label = in->name, .written = "input", .span = in->span};
    n.shape.known = true;
    n.in_kind = strcmp(in->dtype, "u8") == 0   ? IN_U8
                : strcmp(in->dtype, "i8") == 0 ? IN_I8
                                               : IN_F32;
    if (n.in_kind == IN_F32 && strcmp(in->dtype, "f32") != 0) {
        Diag *d = diag_error(s->cx, in->dtype_span, "unsupported input type '%s'", in->dtype);
        diag_help(s->cx, d, "inputs are 'f32', or 'u8' / 'i8' with a scale");
        n.shape.known = false;
    } else if (n.in_kind == IN_F32 && in->has_scale) {
        Diag *d = diag_error(s->cx, in->scale_span, "a scale is for integer inputs only");
        diag_help(s->cx, d, "write 'u8[...] scale X' or 'i8[...] scale X', or drop the scale");
    } else if (n.in_kind != IN_F32 && !in->has_scale) {
        Diag *d = diag_error(s->cx, in->span, "an integer input needs a scale");
        diag_help(s->cx, d, "write '%s[...] scale X': the real value is X times the integer",
                  in->dtype);
    } else if (n.in_kind != IN_F32 && !(in->scale > 0 && in->scale < 1e30)) {
        diag_error(s->cx, in->scale_span, "the input scale must be a positive finite number");
    }
    n.in_scale = in->scale;
    if (in->ndims == 0 || in->ndims > 3) {
        diag_error(s->cx, in->span, "an input has 1 to 3 dimensions ([N] or [C, H, W]), not %u",
                   in->ndims);
        n.shape.known = false;
    }
    n.shape.rank = (int)(in->ndims > 3 ? 3 : in->ndims);
    for (int i = 0; i < n.shape.rank; i++) {
        const AstExpr *e = in->dims[i];
        if (e->kind == AE_INT && e->ival > HB_MAX_DIM) {
            diag_error(s->cx, e->span, "input dimension %lld is over the limit of %d (2^24)",
                       (long long)e->ival, HB_MAX_DIM);
            n.shape.known = false;
        } else if (e->kind != AE_INT || e->ival <= 0) {
            diag_error(s->cx, e->span, "input dimension must be a positive integer literal");
            n.shape.known = false;
        } else {
            n.shape.d[i] = e->ival;
        }
    }
    if (n.shape.rank == 2) {
        Diag *d = diag_error(s->cx, in->span, "a 2-D input has no meaning here");
        diag_help(s->cx, d, "write [N] for a vector or [C, H, W] for an image");
        n.shape.known = false;
    }
    uint32_t id = sema_add_node(s, sc, &n);
    sema_add_label(s, (LabelEntry){in->name, id, in->name_span});
    sc->in_node = id;
    sc->has_in = true;
}

/* "a, b, c" (at most 24 words, then ", ..."). */
static const char *list_words(Sema *s, const char *const *w, int n)
{
    const char *out = "";
    for (int i = 0; i < n && i < 24; i++)
        out = arena_printf(&s->cx->arena, "%s%s%s", out, i ? ", " : "", w[i]);
    return n > 24 ? arena_printf(&s->cx->arena, "%s, ...", out) : out;
}

/* torch.nn module names people write by habit, and what they are called here. */
static const char *torch_name(const char *w)
{
    static const char *const map[][2] = {
            {"Linear", "dense"},
            {"Conv2d", "conv2d"},
            {"BatchNorm2d", "batchnorm"},
            {"BatchNorm1d", "batchnorm"},
            {"MaxPool2d", "maxpool"},
            {"AvgPool2d", "avgpool"},
            {"AdaptiveAvgPool2d", "avgpool(global)"},
            {"Flatten", "flatten"},
            {"ReLU", "relu"},
            {"ReLU6", "relu6"},
            {"LeakyReLU", "leaky_relu"},
            {"Hardtanh", "hardtanh"},
            {"Sigmoid", "sigmoid"},
            {"Tanh", "tanh"},
            {"GELU", "gelu"},
            {"Dropout", "dropout"},
            {"Softmax", "softmax"},
            {"Identity", "(nothing: leave it out)"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcasecmp(w, map[i][0]) == 0 && strcmp(w, map[i][1]) != 0)
            return map[i][1];
    return NULL;
}

static void stmt_layer(Sema *s, Scope *sc, const AstLayer *l)
{
    if (l->op_kind == AOP_QUANT) {
        sema_builtin(s, sc, l, "quant");
        return;
    }
    if (l->name.n == 1) {
        const char *nm = l->name.parts[0];
        const ParamVal *pv = sema_param(sc, nm);
        if (pv && pv->type == PT_ACT) {
            sema_act_param(s, sc, l, pv);
            return;
        }
        if (sema_is_builtin(nm)) {
            sema_builtin(s, sc, l, nm);
            return;
        }
    }
    const BlockSym *b = sema_find_block(s, &l->name);
    if (b) {
        sema_block_call(s, sc, l, b);
        return;
    }
    // Unknown: suggest among built-ins and blocks (namespaced ones by full name).
    HbVec(const char *) cands = {0};
    for (int i = 0; i < sema_nbuiltins; i++)
        hb_vec_push(&s->cx->arena, &cands, sema_builtin_name(i));
    for (uint32_t i = 0; i < s->blocks.len; i++) {
        const BlockSym *bs = &s->blocks.data[i];
        hb_vec_push(&s->cx->arena, &cands,
                    bs->ns ? arena_printf(&s->cx->arena, "%s.%s", bs->ns, bs->ast->name)
                           : bs->ast->name);
    }
    const char *whole = cx_span_text(s->cx, l->name.span);
    Diag *d = diag_error(s->cx, l->name.span, "unknown operation '%s'", whole);
    diag_label(s->cx, d, l->name.span, "not a built-in op, block, or imported name");
    const char *sug = diag_suggest(whole, cands.data, (int)cands.len);
    const char *torch = torch_name(whole);
    if (torch)
        diag_help(s->cx, d, "PyTorch's %s is '%s' here", whole, torch);
    else if (sug)
        diag_help(s->cx, d, "did you mean '%s'?", sug);
    else if (strchr(whole, '-'))
        diag_help(s->cx, d, "write 'a - b' with spaces to subtract");
    if (!torch && !sug) { // a near miss gets only its suggestion; otherwise, the menu
        diag_note(s->cx, d, "the built-in ops: %s", list_words(s, cands.data, sema_nbuiltins));
        if (s->blocks.len)
            diag_note(s->cx, d, "the blocks: %s",
                      list_words(s, cands.data + sema_nbuiltins, (int)s->blocks.len));
    }
    // Keep going with an unknown-shaped node so later references still resolve.
    GNode n = {.op = GOP_RELU,
               .label = l->label ? sema_join(s, sc->path, l->label) : NULL,
               .written = whole,
               .span = l->span};
    uint32_t id = sema_add_node(s, sc, &n);
    if (n.label)
        sema_add_label(s, (LabelEntry){n.label, id, l->label_span});
}

static void stmt_output(Sema *s, Scope *sc, const AstOutput *o)
{
    if (sc->block) {
        diag_error(s->cx, o->span,
                   "'output' is only allowed in a network; a block's output is "
                   "its last statement");
        return;
    }
    if (s->g->noutputs) {
        diag_error(s->cx, o->span, "a second 'output' line; list all outputs on one line");
        return;
    }
    s->g->outputs = arena_calloc(&s->cx->arena, o->npaths, sizeof(uint32_t));
    for (uint32_t i = 0; i < o->npaths; i++) {
        const AstPath *p = &o->paths[i];
        const char *full = cx_span_text(s->cx, p->span);
        const LabelEntry *e = sema_find_label(s, full);
        if (!e) {
            Diag *d = diag_error(s->cx, p->span, "no layer labelled '%s'", full);
            HbVec(const char *) c = {0};
            for (uint32_t k = 0; k < s->labels.len; k++)
                hb_vec_push(&s->cx->arena, &c, s->labels.data[k].path);
            const char *sug = diag_suggest(full, c.data, (int)c.len);
            if (sug)
                diag_help(s->cx, d, "did you mean '%s'?", sug);
            continue;
        }
        s->g->outputs[s->g->noutputs++] = e->node;
    }
}

void sema_body(Sema *s, Scope *sc, const AstBody *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        const AstStmt *st = body->stmts[i];
        switch (st->kind) {
        case AS_INPUT:
            stmt_input(s, sc, &st->input);
            break;
        case AS_OUTPUT:
            stmt_output(s, sc, &st->output);
            break;
        case AS_DEFAULTS:
            sema_check_defaults(s, &st->defaults);
            hb_vec_push(&s->cx->arena, &sc->defaults, &st->defaults);
            break;
        case AS_LAYER:
            if (!sc->has_prev && !sc->block) {
                diag_error(s->cx, st->span, "a layer before the network's 'input'");
                break;
            }
            stmt_layer(s, sc, &st->layer);
            break;
        }
        if (diag_errors(s->cx) > DIAG_MAX_ERRORS)
            return;
    }
}

/* ---- overrides (--quant FILE) ---- */

/* Path -> first line, chained to the later lines with the same path (in order). */
static void index_overrides(Sema *s)
{
    const AstOverride *o = s->override;
    s->override_next = arena_calloc(&s->cx->arena, o->nlines + 1, sizeof(uint32_t));
    for (uint32_t k = o->nlines; k-- > 0;) {
        const char *key = cx_span_text(s->cx, o->lines[k].path.span);
        uint32_t first = hb_strmap_get(&s->override_index, key);
        s->override_next[k] = first; // HB_STRMAP_NONE (UINT32_MAX) ends the chain
        hb_strmap_set(&s->override_index, &s->cx->arena, key, k);
    }
}

static void check_overrides(Sema *s, const char *netname)
{
    const AstFile *f = s->opts->overrides;
    if (!f)
        return;
    for (uint32_t i = 0; i < f->nitems; i++) {
        const AstItem *it = &f->items[i];
        if (it->kind != AI_OVERRIDE) {
            diag_error(s->cx, it->span, "an override file holds only 'override NETWORK { ... }'");
            continue;
        }
        if (strcmp(it->override.network, netname) != 0) {
            diag_error(s->cx, it->override.network_span,
                       "override for network '%s', but the network is '%s'", it->override.network,
                       netname);
            continue;
        }
        if (s->override) {
            diag_error(s->cx, it->span, "a second override block for '%s'", netname);
            continue;
        }
        s->override = &it->override;
        s->override_used = arena_calloc(&s->cx->arena, it->override.nlines, sizeof(bool));
        index_overrides(s);
        for (uint32_t k = 0; k < it->override.nlines; k++) {
            const AstOverrideLine *ol = &it->override.lines[k];
            for (uint32_t c = 0; c < ol->nclauses; c++) {
                if (ol->clauses[c].kind == ACL_WEIGHTS)
                    sema_spec(s, ol->clauses[c].qspec, false);
                else
                    diag_error(s->cx, ol->clauses[c].span,
                               "an override line takes only 'weights' clauses");
            }
        }
    }
}

static void report_unused_overrides(Sema *s)
{
    if (!s->override)
        return;
    for (uint32_t k = 0; k < s->override->nlines; k++) {
        if (s->override_used[k])
            continue;
        const AstOverrideLine *ol = &s->override->lines[k];
        const char *p = cx_span_text(s->cx, ol->path.span);
        Diag *d = diag_error(s->cx, ol->path.span, "no layer with weights labelled '%s'", p);
        HbVec(const char *) c = {0};
        for (uint32_t i = 0; i < s->nodes.len; i++)
            if (s->nodes.data[i].label &&
                (s->nodes.data[i].op == GOP_CONV2D || s->nodes.data[i].op == GOP_DENSE))
                hb_vec_push(&s->cx->arena, &c, s->nodes.data[i].label);
        const char *sug = diag_suggest(p, c.data, (int)c.len);
        if (sug)
            diag_help(s->cx, d, "did you mean '%s'?", sug);
    }
}

static void report_unused_renames(Sema *s)
{
    if (!s->weights)
        return;
    for (uint32_t i = 0; i < s->weights->nrenames; i++) {
        if (s->rename_used[i] == RENAME_USED)
            continue;
        const AstRename *r = &s->weights->renames[i];
        const char *path = cx_span_text(s->cx, r->path.span);
        if (s->rename_used[i] == RENAME_UNUSED) {
            diag_error(s->cx, r->path.span, "rename '%s' matches no layer", path);
            continue;
        }
        Diag *d = diag_error(s->cx, r->path.span,
                             "rename '%s' renames nothing: a params prefix on a block instance "
                             "at or inside '%s' is more specific",
                             path, path);
        diag_help(s->cx, d, "name a layer inside that instance, or drop the params prefix");
    }
}

static void finish_graph(Sema *s, const AstNetwork *net)
{
    Graph *g = s->g;
    g->nodes = s->nodes.data;
    g->n = s->nodes.len;
    if (g->noutputs == 0 && g->n > 0) {
        g->outputs = arena_alloc(&s->cx->arena, sizeof(uint32_t));
        g->outputs[0] = g->n - 1;
        g->noutputs = 1;
    }
    if (g->n <= 1 && diag_errors(s->cx) == 0)
        diag_error(s->cx, net->name_span, "network '%s' has no layers", net->name);
    // Warn only when float weights are what nobody asked for: a layer left to the
    // built-in default. `weights float` everywhere (a float baseline) is deliberate.
    bool any_q = false, defaulted = false;
    for (uint32_t i = 0; i < g->n; i++) {
        const GNode *n = &g->nodes[i];
        bool weighted = n->op == GOP_CONV2D || n->op == GOP_DENSE;
        if ((weighted && n->wq->kind != QK_FLOAT) || n->op == GOP_SIGN ||
            (n->op == GOP_QUANT && n->aq->kind != QK_FLOAT))
            any_q = true;
        if (weighted && n->wq->origin_kind == QO_BUILTIN)
            defaulted = true;
    }
    if (!any_q && defaulted && diag_errors(s->cx) == 0) {
        Diag *d = diag_warning(s->cx, net->name_span, "nothing in network '%s' is quantized",
                               net->name);
        diag_help(s->cx, d,
                  "add 'defaults { weights bits 1:70%% 2:20%% 3:10%% }' or a "
                  "'weights' clause on a layer");
    }
}

/* The rename table as a map; an entry given twice is an error at the second. */
static void index_renames(Sema *s)
{
    const AstWeightsFile *w = s->weights;
    s->rename_used = arena_calloc(&s->cx->arena, w->nrenames + 1, 1);
    for (uint32_t i = 0; i < w->nrenames; i++) {
        const char *key = cx_span_text(s->cx, w->renames[i].path.span);
        uint32_t first = hb_strmap_put(&s->rename_index, &s->cx->arena, key, i);
        if (first == i)
            continue;
        s->rename_used[i] = RENAME_USED; // reported here, not again as unused
        Diag *d = diag_error(s->cx, w->renames[i].path.span, "rename '%s' is given twice", key);
        diag_label(s->cx, d, w->renames[first].path.span, "first given here");
    }
}

static void weights_info(Sema *s)
{
    Graph *g = s->g;
    if (s->opts->weights_path) {
        g->weights_path = s->opts->weights_path;
    } else if (s->weights) {
        const char *base = cx_file(s->cx, s->main->file_id)->path;
        const char *f = s->weights->file;
        g->weights_path =
                f[0] == '/' ? f : arena_printf(&s->cx->arena, "%s/%s", dir_of(s, base), f);
        g->weights_span = s->weights->file_span;
    }
    if (s->weights)
        index_renames(s);
    if (s->weights && s->weights->layout) {
        if (strcmp(s->weights->layout, "keras") == 0) {
            g->layout_keras = true;
        } else if (strcmp(s->weights->layout, "torch") != 0) {
            Diag *d = diag_error(s->cx, s->weights->layout_span, "unknown layout '%s'",
                                 s->weights->layout);
            diag_help(s->cx, d, "layout is 'torch' (the default) or 'keras'");
        }
    }
}

Graph *sema_check(HbCx *cx, const AstFile *main, const SemaOptions *opts)
{
    static const SemaOptions none = {0};
    Sema s = {.cx = cx, .opts = opts ? opts : &none, .main = main};
    s.g = arena_alloc(&cx->arena, sizeof(Graph));
    hb_vec_push(&cx->arena, &s.loaded_paths, cx_file(cx, main->file_id)->path);
    if (main->has_version && strcmp(main->version, "0.1") != 0) {
        Diag *d = diag_error(cx, main->version_span, "unsupported language version '%s'",
                             main->version);
        diag_help(cx, d, "this hbnnc reads 'hbnn 0.1'");
    }
    collect(&s, main, NULL, true);
    const AstNetwork *net = pick_network(&s);
    if (!net)
        return NULL;
    s.g->name = net->name;
    s.g->span = net->span;
    weights_info(&s);
    check_overrides(&s, net->name);
    Scope top = {.path = "", .tprefix = "", .params_path = "", .site = {0, 0, 0}};
    sema_body(&s, &top, &net->body);
    if (!top.has_in && diag_errors(cx) == 0)
        diag_error(cx, net->name_span, "network '%s' has no 'input'", net->name);
    report_unused_overrides(&s);
    report_unused_renames(&s);
    finish_graph(&s, net);
    return s.g;
}
