// SPDX-License-Identifier: MIT
/* ir_print.c: the IR text form (docs/ir.md §2), written by `--emit ir` and read back
 * by ir_parse.c. The program comes first, then the constant pool. Floats are printed
 * with enough digits to round-trip (%.9g for f32, %.17g for double attributes), so
 * print -> parse -> print is the identity. */
#include <inttypes.h>

#include "ir.h"

static void print_type(FILE *out, const IrModule *m, const IrType *t)
{
    if (t->enc == IR_F32 || t->enc == IR_I32) {
        fputs(t->enc == IR_F32 ? "f32[" : "i32[", out);
    } else {
        fprintf(out, "bits<%d", t->bits);
        if (t->masked)
            fputs(",masked", out);
        if (t->scale == IR_SC_UNIT)
            fputs(",unit", out);
        else if (t->scale == IR_SC_RUNTIME)
            fputs(",runtime", out);
        else if (t->scale == IR_SC_STATIC)
            fprintf(out, ",static @%s", m->consts.data[t->scale_const].name);
        fputs(">[", out);
    }
    for (int i = 0; i < t->rank; i++)
        fprintf(out, "%s%lld", i ? ", " : "", (long long)t->d[i]);
    fputc(']', out);
}

static void print_attr(FILE *out, IrAttrKind k, const IrAttr *a)
{
    switch (k) {
    case IR_ATTR_INT:
    case IR_ATTR_OPT:
        fprintf(out, "%lld", (long long)a->i[0]);
        break;
    case IR_ATTR_FLOAT:
        fprintf(out, "%.17g", a->f[0]);
        break;
    case IR_ATTR_SEL:
        fputs(selection_name((Selection)a->i[0]), out);
        break;
    case IR_ATTR_INTS:
    case IR_ATTR_FLOATS:
        fputc('[', out);
        for (int j = 0; j < a->n; j++) {
            if (j)
                fputc(',', out);
            if (k == IR_ATTR_INTS)
                fprintf(out, "%lld", (long long)a->i[j]);
            else
                fprintf(out, "%.17g", a->f[j]);
        }
        fputc(']', out);
        break;
    }
}

static void print_inst(FILE *out, const IrModule *m, const IrInst *in)
{
    const IrValue *v = &m->values.data[in->result];
    fprintf(out, "%%%s : ", v->name);
    print_type(out, m, &v->type);
    fprintf(out, " = %s", ir_op_name(in->op));
    for (uint32_t k = 0; k < in->nargs; k++) {
        IrRef r = in->args[k];
        fprintf(out, "%s%c%s", k ? ", " : " ", r.is_const ? '@' : '%',
                r.is_const ? m->consts.data[r.id].name : m->values.data[r.id].name);
    }
    int na = ir_op_nattrs(in->op);
    for (int k = 0; k < na; k++) {
        char name[32];
        IrAttrKind kind;
        ir_op_attr(in->op, k, &kind, name, sizeof name);
        if (kind == IR_ATTR_OPT && in->attr[k].i[0] == 0)
            continue; // absent
        fprintf(out, " %s=", name);
        print_attr(out, kind, &in->attr[k]);
    }
    fputc('\n', out);
}

/* Constant bodies: numbers 8 per line (f32, i32), hex words 4 per line (bits). */
static void print_numbers(FILE *out, const IrConst *c)
{
    uint64_t n = ir_type_elems(&c->type);
    for (uint64_t j = 0; j < n; j++) {
        fputs(j % 8 == 0 ? "    " : " ", out);
        if (c->type.enc == IR_F32)
            fprintf(out, "%.9g", (double)c->f[j]);
        else
            fprintf(out, "%" PRId32, c->i[j]);
        if (j % 8 == 7 || j + 1 == n)
            fputc('\n', out);
    }
}

static void print_words(FILE *out, const char *what, int m, const uint64_t *w, uint64_t n)
{
    fprintf(out, "  %s %d:\n", what, m);
    for (uint64_t j = 0; j < n; j++) {
        fprintf(out, "%s0x%016" PRIx64, j % 4 == 0 ? "    " : " ", w[j]);
        if (j % 4 == 3 || j + 1 == n)
            fputc('\n', out);
    }
}

static void print_const(FILE *out, const IrModule *m, const IrConst *c)
{
    fprintf(out, "const @%s : ", c->name);
    print_type(out, m, &c->type);
    fputs(" = {\n", out);
    if (c->type.enc != IR_BITS) {
        print_numbers(out, c);
    } else {
        uint64_t rows = c->type.rank ? (uint64_t)c->type.d[0] : 1, n = rows * c->wpr;
        for (int p = 0; p < c->type.bits; p++)
            print_words(out, "plane", p, c->planes + p * n, n);
        for (int p = 0; c->type.masked && p < c->type.bits; p++)
            print_words(out, "mask", p, c->masks + p * n, n);
    }
    fputs("}\n", out);
}

void ir_print(FILE *out, const IrModule *m)
{
    fprintf(out, "hbir 1 network %s\n\n", m->name);
    for (uint32_t i = 0; i < m->insts.len; i++)
        print_inst(out, m, &m->insts.data[i]);
    for (uint32_t i = 0; i < m->outputs.len; i++)
        fprintf(out, "output %%%s\n", m->values.data[m->outputs.data[i]].name);
    for (uint32_t i = 0; i < m->consts.len; i++) {
        fputc('\n', out);
        print_const(out, m, &m->consts.data[i]);
    }
}
