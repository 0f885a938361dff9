// SPDX-License-Identifier: MIT
/* sema_args.c: matching a call's arguments (positional, then named) against the
 * callee's parameter list, for built-in ops and blocks alike. Unknown names get a
 * suggestion and the list of valid ones; nothing is ever silently ignored. */
#include <string.h>

#include "sema_internal.h"

static const char *slot_list(Sema *s, const ArgSlot *slots, int n)
{
    char *buf = arena_alloc(&s->cx->arena, 512);
    for (int i = 0; i < n; i++) {
        strncat(buf, i ? ", " : "", 511 - strlen(buf));
        strncat(buf, slots[i].name, 511 - strlen(buf));
    }
    return buf;
}

static bool named_arg(Sema *s, const char *callee, ArgSlot *slots, int n, const AstArg *a)
{
    for (int k = 0; k < n; k++) {
        if (strcmp(slots[k].name, a->name) != 0)
            continue;
        if (slots[k].arg) {
            Diag *d = diag_error(s->cx, a->name_span, "argument '%s' given twice", a->name);
            diag_label(s->cx, d, slots[k].arg->span, "first given here");
            return false;
        }
        slots[k].arg = a;
        return true;
    }
    Diag *d = diag_error(s->cx, a->name_span, "unknown argument '%s' for %s", a->name, callee);
    if (n == 0) {
        diag_label(s->cx, d, a->name_span, "%s takes no arguments", callee);
        return false;
    }
    diag_label(s->cx, d, a->name_span, "%s takes: %s", callee, slot_list(s, slots, n));
    const char *names[32];
    for (int k = 0; k < n && k < 32; k++)
        names[k] = slots[k].name;
    const char *sug = diag_suggest(a->name, names, n < 32 ? n : 32);
    if (sug)
        diag_help(s->cx, d, "did you mean '%s'?", sug);
    return false;
}

bool sema_match_args(Sema *s, const AstLayer *l, const char *callee, ArgSlot *slots, int nslots)
{
    bool ok = true, seen_named = false;
    int next = 0;
    for (uint32_t i = 0; i < l->nargs; i++) {
        const AstArg *a = &l->args[i];
        if (a->name) {
            seen_named = true;
            ok &= named_arg(s, callee, slots, nslots, a);
            continue;
        }
        if (seen_named) {
            diag_error(s->cx, a->span, "a positional argument after a named one");
            ok = false;
            continue;
        }
        while (next < nslots && slots[next].arg)
            next++;
        if (next >= nslots) {
            Diag *d = diag_error(s->cx, a->span, "too many arguments for %s", callee);
            if (nslots)
                diag_note(s->cx, d, "%s takes: %s", callee, slot_list(s, slots, nslots));
            else
                diag_note(s->cx, d, "%s takes no arguments", callee);
            return false;
        }
        slots[next++].arg = a;
    }
    for (int k = 0; k < nslots && ok; k++) {
        if (slots[k].required && !slots[k].arg) {
            Diag *d = diag_error(s->cx, l->name.span, "%s needs the argument '%s'", callee,
                                 slots[k].name);
            diag_note(s->cx, d, "%s takes: %s", callee, slot_list(s, slots, nslots));
            ok = false;
        }
    }
    return ok;
}
