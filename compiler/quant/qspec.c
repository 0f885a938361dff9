// SPDX-License-Identifier: MIT
/* qspec.c: names for the resolved quantization spec's enums, as --explain prints them
 * (selection names are spelled as in the .hb language). */
#include "qspec.h"

const char *qorigin_name(QOrigin o)
{
    switch (o) {
    case QO_BUILTIN:
        return "built-in default";
    case QO_LAYER:
        return "layer";
    case QO_BLOCK_ARG:
        return "block argument";
    case QO_OVERRIDE:
        return "override file";
    case QO_DEFAULTS_OP:
        return "op defaults";
    case QO_DEFAULTS_NET:
        return "network defaults";
    case QO_DEFAULTS_FILE:
        return "file defaults";
    }
    return "?";
}

const char *selection_name(Selection s)
{
    switch (s) {
    case SEL_MIDDLE_OUT:
        return "middle-out";
    case SEL_TOP_DOWN:
        return "top-down";
    case SEL_BOTTOM_UP:
        return "bottom-up";
    case SEL_RANDOM:
        return "random";
    case SEL_MO_RESIDUAL:
        return "mo-residual";
    }
    return "?";
}
