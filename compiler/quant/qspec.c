// SPDX-License-Identifier: MIT
/* qspec.c: the name tables of the resolved quantization spec's enums, generated from
 * the X-macros in qspec.h (selection names are spelled as in the .hb language). */
#include "qspec.h"

#define X(e, s) s,
const char *const selection_names[SEL_COUNT] = {HB_SELECTIONS(X)};
const char *const scale_gran_names[SCALE_COUNT] = {HB_SCALE_GRANS(X)};
const char *const grouping_names[GROUP_COUNT] = {HB_GROUPINGS(X)};
const char *const act_scale_names[ACT_SCALE_COUNT] = {HB_ACT_SCALES(X)};
const char *const qorigin_names[QO_COUNT] = {HB_QORIGINS(X)};
#undef X

#define NAME(table, count, v) ((unsigned)(v) < (count) ? (table)[v] : "?")

const char *qorigin_name(QOrigin o)
{
    return NAME(qorigin_names, QO_COUNT, o);
}

const char *selection_name(Selection s)
{
    return NAME(selection_names, SEL_COUNT, s);
}

const char *scale_gran_name(ScaleGran g)
{
    return NAME(scale_gran_names, SCALE_COUNT, g);
}

const char *grouping_name(Grouping g)
{
    return NAME(grouping_names, GROUP_COUNT, g);
}

const char *act_scale_name(ActScale a)
{
    return NAME(act_scale_names, ACT_SCALE_COUNT, a);
}
