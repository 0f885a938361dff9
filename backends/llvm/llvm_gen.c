// SPDX-License-Identifier: MIT
/* llvm_gen.c: the CPU backend's module builder. One LLVM module per network (or one per
 * part of a large one, llvm_split.c): every IR value gets a fixed slot of the per-thread
 * workspace (planned here, allocated once by NAME_create), the per-example function (a
 * block of examples) runs the ops in order through the gen_NAME table generated from
 * HB_IR_OPS, and the ABI functions wrap the runtime (runtime/hbrt.c). */
#include "llvm_gen.h"

#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>

#include "ice.h"

LLVMValueRef g_i32(G *g, int64_t v)
{
    return LLVMConstInt(g->i32, (unsigned long long)v, 1);
}

LLVMValueRef g_i64(G *g, int64_t v)
{
    return LLVMConstInt(g->i64, (unsigned long long)v, 1);
}

/* <n x i8> (n <= 64) with every lane the low byte of v. */
LLVMValueRef g_i8s(G *g, int v, unsigned n)
{
    LLVMValueRef e[64];
    HB_CHECK(n <= 64, "g_i8s: %u lanes", n);
    for (unsigned j = 0; j < n; j++)
        e[j] = LLVMConstInt(g->i8, (unsigned long long)(v & 0xff), 0);
    return LLVMConstVector(e, n);
}

LLVMValueRef g_f64(G *g, double v)
{
    return LLVMConstReal(g->f64, v);
}

LLVMValueRef g_splat(G *g, LLVMValueRef s, unsigned n)
{
    LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(s), n);
    LLVMValueRef v = LLVMBuildInsertElement(g->b, LLVMGetUndef(vt), s, g_i32(g, 0), "");
    return LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(vt),
                                  LLVMConstNull(LLVMVectorType(g->i32, n)), "");
}

static LLVMValueRef ws_gep(G *g, uint64_t at)
{
    LLVMValueRef idx = g_i64(g, (int64_t)at);
    return LLVMBuildGEP2(g->eb, g->i8, g->ws, &idx, 1, "slot");
}

/* A workspace region placed by the plan; s records its offset. */
static LLVMValueRef ws_slot(G *g, uint64_t bytes, GSrc *s)
{
    uint64_t at = g_plan_place(g, bytes);
    *s = (GSrc){GS_WS, at};
    return ws_gep(g, at);
}

LLVMValueRef g_alloc(G *g, uint64_t bytes)
{
    GSrc s;
    return ws_slot(g, bytes, &s);
}

/* A private constant holding `bytes` bytes of data as they are in memory (weights,
 * thresholds, packed planes: x86 is little-endian, like the target). One
 * ConstantDataArray made from the bytes directly: creating an LLVM constant per element
 * took most of the code generation time of a 10^7-weight network. Users index it with
 * their own element type (pointers are opaque). */
static LLVMValueRef const_bytes(G *g, const char *name, const void *data, uint64_t bytes)
{
    LLVMValueRef init = LLVMConstStringInContext2(g->C, bytes ? data : "", (size_t)bytes, 1);
    LLVMValueRef gv = LLVMAddGlobal(g->M, LLVMTypeOf(init), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(gv, 64);
    return gv;
}

LLVMValueRef g_words(G *g, const char *name, const uint64_t *w, uint64_t n)
{
    return const_bytes(g, name, w, n * sizeof *w);
}

void g_transpose8(G *g, LLVMValueRef *r)
{
    for (int h = 4; h >= 1; h /= 2)
        for (int i = 0; i < 8; i++) {
            if (i & h)
                continue;
            LLVMValueRef ma[8], mb[8];
            for (int j = 0; j < 8; j++) {
                ma[j] = g_i32(g, j & h ? 8 + j - h : j);
                mb[j] = g_i32(g, j & h ? 8 + j : j + h);
            }
            LLVMValueRef a =
                    LLVMBuildShuffleVector(g->b, r[i], r[i + h], LLVMConstVector(ma, 8), "");
            r[i + h] = LLVMBuildShuffleVector(g->b, r[i], r[i + h], LLVMConstVector(mb, 8), "");
            r[i] = a;
        }
}

LLVMValueRef g_ints(G *g, const char *name, const int32_t *v, uint64_t n)
{
    return const_bytes(g, name, v, n * sizeof *v);
}

LLVMValueRef g_floats(G *g, const char *name, const float *v, uint64_t n)
{
    return const_bytes(g, name, v, n * sizeof *v);
}

static const char *const_name(G *g, uint32_t k)
{
    return arena_printf(&g->cx->arena, "%s.c%u", g->cname, k);
}

/* Constant k is defined in another part's module (as a hidden global, see g_const):
 * declared here. The other module is not read: another thread may be compiling it. */
static LLVMValueRef const_import(G *g, uint32_t k)
{
    const char *name = const_name(g, k);
    LLVMValueRef gv = LLVMGetNamedGlobal(g->M, name);
    if (gv)
        return gv;
    gv = LLVMAddGlobal(g->M, LLVMArrayType2(g->i8, g->cst_bytes[k]), name);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetVisibility(gv, LLVMHiddenVisibility);
    LLVMSetAlignment(gv, 64);
    return gv;
}

/* A split network's constants are hidden globals of unique names from the start, so a
 * later part can use one without changing a module already handed to a worker. */
static LLVMValueRef const_made(G *g, uint32_t k, LLVMValueRef gv)
{
    g->cst[k] = gv;
    g->cst_part[k] = g->part;
    g->cst_bytes[k] = LLVMGetArrayLength2(LLVMGlobalGetValueType(gv));
    if (g->split) {
        const char *name = const_name(g, k);
        LLVMSetValueName2(gv, name, strlen(name));
        LLVMSetLinkage(gv, LLVMExternalLinkage);
        LLVMSetVisibility(gv, LLVMHiddenVisibility);
    }
    return gv;
}

LLVMValueRef g_const(G *g, uint32_t k)
{
    if (g->cst[k])
        return g->cst_part[k] == g->part ? g->cst[k] : const_import(g, k);
    const IrConst *c = &g->m->consts.data[k];
    uint64_t n = ir_type_elems(&c->type);
    const char *name = arena_printf(&g->cx->arena, "c.%s", c->name);
    if (c->type.enc == IR_F32)
        return const_made(g, k, g_floats(g, name, c->f, n));
    if (c->type.enc == IR_I32)
        return const_made(g, k, g_ints(g, name, c->i, n));
    return const_made(
            g, k,
            g_words(g, name, c->planes, (uint64_t)c->type.bits * (uint64_t)c->type.d[0] * c->wpr));
}

LLVMValueRef g_gep(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i)
{
    return LLVMBuildGEP2(g->b, t, p, &i, 1, "");
}

LLVMValueRef g_load(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i)
{
    return LLVMBuildLoad2(g->b, t, g_gep(g, t, p, i), "");
}

void g_store(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i, LLVMValueRef v)
{
    LLVMBuildStore(g->b, v, g_gep(g, t, p, i));
}

void g_memset0(G *g, LLVMValueRef p, uint64_t bytes)
{
    LLVMBuildMemSet(g->b, p, LLVMConstInt(g->i8, 0, 0), g_i64(g, (int64_t)bytes), 1);
}

void g_memcpy(G *g, LLVMValueRef dst, LLVMValueRef src, uint64_t bytes)
{
    LLVMBuildMemCpy(g->b, dst, 1, src, 1, g_i64(g, (int64_t)bytes));
}

LLVMValueRef g_loop_begin(G *g, GLoop *l, LLVMValueRef n, const char *name)
{
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    l->head = LLVMAppendBasicBlockInContext(g->C, g->fn, name);
    l->body = LLVMAppendBasicBlockInContext(g->C, g->fn, "body");
    l->exit = LLVMAppendBasicBlockInContext(g->C, g->fn, "exit");
    LLVMBuildBr(g->b, l->head);
    LLVMPositionBuilderAtEnd(g->b, l->head);
    l->i = LLVMBuildPhi(g->b, g->i64, name);
    LLVMValueRef zero = g_i64(g, 0);
    LLVMAddIncoming(l->i, &zero, &pre, 1);
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, l->i, n, ""), l->body, l->exit);
    LLVMPositionBuilderAtEnd(g->b, l->body);
    return l->i;
}

void g_loop_end(G *g, GLoop *l)
{
    LLVMValueRef next = LLVMBuildAdd(g->b, l->i, g_i64(g, 1), "");
    LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
    LLVMAddIncoming(l->i, &next, &from, 1);
    LLVMBuildBr(g->b, l->head);
    LLVMPositionBuilderAtEnd(g->b, l->exit);
}

/* Every function has an entry block for stack slots and workspace addresses (so they
 * dominate every use) that falls through to the code. */
void g_fn_begin(G *g, LLVMValueRef fn)
{
    g->fn = fn;
    LLVMPositionBuilderAtEnd(g->eb, LLVMAppendBasicBlockInContext(g->C, fn, "entry"));
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->C, fn, "start"));
}

void g_fn_end(G *g)
{
    LLVMBuildBr(g->eb, LLVMGetNextBasicBlock(LLVMGetEntryBasicBlock(g->fn)));
}

LLVMValueRef g_var(G *g, LLVMTypeRef t, LLVMValueRef init)
{
    LLVMValueRef a = LLVMBuildAlloca(g->eb, t, "v");
    if (init)
        LLVMBuildStore(g->b, init, a);
    return a;
}

LLVMValueRef g_call(G *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, unsigned np,
                    LLVMValueRef *args)
{
    LLVMTypeRef ft = LLVMFunctionType(ret, params, np, 0);
    LLVMValueRef f = LLVMGetNamedFunction(g->M, name);
    if (!f)
        f = LLVMAddFunction(g->M, name, ft);
    return LLVMBuildCall2(g->b, ft, f, args, np, "");
}

GVal *g_arg(G *g, int k)
{
    return &g->val[g->in->args[k].id];
}

const IrType *g_argt(G *g, int k)
{
    return ir_arg_type(g->m, g->in->args[k]);
}

const IrConst *g_argc(G *g, int k)
{
    return &g->m->consts.data[g->in->args[k].id];
}

GVal *g_out(G *g)
{
    return &g->val[g->in->result];
}

const IrType *g_outt(G *g)
{
    return &g->m->values.data[g->in->result].type;
}

/* Output k's buffer for this block's first example: the caller's array (copy e is e
 * output rows further, as the workspace copies are). */
static LLVMValueRef output_ptr(G *g, uint64_t k)
{
    LLVMValueRef idx = g_i64(g, (int64_t)k);
    LLVMValueRef at = LLVMBuildGEP2(g->eb, g->ptr, g->outs, &idx, 1, "");
    return LLVMBuildLoad2(g->eb, g->ptr, at, "out");
}

static void alloc_result(G *g, GVal *v, const IrType *t, bool whole)
{
    uint64_t n = ir_type_elems(t), nb = (uint64_t)g->nbmax;
    GBase *b = &g->base[g->in->result];
    uint64_t packed = g_plan_packed(g, g->in->result); // packed words (llvm_plan.c)
    *b = (GBase){.sp = packed ? 8 * packed : t->enc == IR_BITS ? n : 4 * n};
    b->sw = t->enc == IR_BITS && t->masked ? n : 0;
    g->owner = g->in->result;
    uint32_t k = whole ? g_plan_output(g, g->in->result) : UINT32_MAX;
    if (k != UINT32_MAX) { // in place: [n] f32 / i32 rows, as the caller's
        HB_CHECK(b->sp == 4 * n && !b->sw, "an in-place output is stored as n words");
        b->src[0] = (GSrc){GS_OUTPUT, k};
        b->v.p = output_ptr(g, k);
    } else
        b->v.p = ws_slot(g, b->sp * nb, &b->src[0]);
    b->v.w = b->sw ? ws_slot(g, b->sw * nb, &b->src[1]) : NULL;
    if (t->enc != IR_BITS)
        b->v.beta = NULL;
    else if (t->scale == IR_SC_STATIC) {
        b->src[2] = (GSrc){GS_CONST, t->scale_const};
        b->v.beta = g_const(g, t->scale_const);
    } else if (t->scale == IR_SC_RUNTIME) {
        b->sb = 4 * IR_MAX_BITS;
        b->v.beta = ws_slot(g, b->sb * nb, &b->src[2]);
    } else {
        b->src[2] = (GSrc){GS_UNIT, 0};
        b->v.beta = g->unit_beta;
    }
    g->owner = UINT32_MAX;
    *v = g_at(g, g->in->result, g->ex);
}

void g_alloc_value(G *g, GVal *v, const IrType *t)
{
    alloc_result(g, v, t, false);
}

void g_alloc_output(G *g, GVal *v, const IrType *t)
{
    alloc_result(g, v, t, true);
}

static LLVMValueRef at_copy(G *g, LLVMValueRef p, uint64_t stride, LLVMValueRef e)
{
    if (!p || !stride || !e)
        return p;
    return g_gep(g, g->i8, p, g_mulk(g, e, (int64_t)stride));
}

GVal g_at(G *g, uint32_t v, LLVMValueRef e)
{
    const GBase *b = &g->base[v];
    return (GVal){at_copy(g, b->v.p, b->sp, e), at_copy(g, b->v.w, b->sw, e),
                  at_copy(g, b->v.beta, b->sb, e)};
}

typedef void (*GenFn)(G *);
static const GenFn gen_fns[IR_OP_COUNT] = {
#define X(e, name, operands) [IR_OP_##e] = gen_##name,
        HB_IR_OPS(X)
#undef X
};

/* Copy output k of each example of the block to outs[k] (floats, or int32), unless
 * its producer wrote it there (g_alloc_output). */
static void gen_outputs(G *g, LLVMValueRef outs)
{
    uint32_t copies = 0;
    for (uint32_t k = 0; k < g->m->outputs.len; k++)
        copies += g->base[g->m->outputs.data[k]].src[0].kind != GS_OUTPUT;
    if (!copies)
        return;
    GLoop le;
    LLVMValueRef e = g->nbmax > 1 ? g_loop_begin(g, &le, g->nb, "oex") : NULL;
    for (uint32_t k = 0; k < g->m->outputs.len; k++) {
        uint32_t v = g->m->outputs.data[k];
        uint64_t n = ir_type_elems(&g->m->values.data[v].type);
        if (g->base[v].src[0].kind == GS_OUTPUT)
            continue;
        LLVMValueRef dst = at_copy(g, g_load(g, g->ptr, outs, g_i64(g, k)), 4 * n, e);
        g_memcpy(g, dst, g_at(g, v, e).p, 4 * n);
    }
    if (e)
        g_loop_end(g, &le);
}

/* An input is the caller's array: copy e is e elements further. */
static LLVMValueRef input_ptr(G *g, uint64_t k)
{
    LLVMValueRef idx = g_i64(g, (int64_t)k);
    LLVMValueRef at = LLVMBuildGEP2(g->eb, g->ptr, g->ins, &idx, 1, "");
    return LLVMBuildLoad2(g->eb, g->ptr, at, "in");
}

static void gen_input_block(G *g)
{
    uint64_t k = ir_input_index(g->in);
    g->base[g->in->result] = (GBase){
            .v.p = input_ptr(g, k), .sp = 4 * ir_type_elems(g_outt(g)), .src[0] = {GS_INPUT, k}};
}

/* One instruction: a blocked op (a bit-serial bpop_dense) once for the block, any other
 * op in a loop over the block's examples (no loop when a block is one example). */
static void gen_inst(G *g)
{
    const IrInst *in = g->in;
    if (in->op == IR_OP_INPUT) {
        gen_input_block(g);
        return;
    }
    // A bpop_dense run as an int8 kernel (llvm_int8.c) is an ordinary per-example op.
    bool blocked = in->op == IR_OP_BPOP_DENSE && !(g->int8 && g->int8[in - g->m->insts.data]);
    bool loop = g->nbmax > 1 && !blocked;
    GLoop le;
    g->ex = loop ? g_loop_begin(g, &le, g->nb, "ex") : NULL;
    for (uint32_t a = 0; a < in->nargs; a++)
        if (!in->args[a].is_const)
            g->val[in->args[a].id] = g_at(g, in->args[a].id, g->ex);
    gen_fns[in->op](g);
    if (in->op == IR_OP_FLATTEN)
        g->base[in->result] = g->base[in->args[0].id];
    if (loop)
        g_loop_end(g, &le);
    g->ex = NULL;
}

/* Begin an example function (or a part of one): its parameters are the workspace, the
 * input pointers, the output pointers, the block's example count and the runtime. */
static void example_begin(G *g, LLVMValueRef fn)
{
    g_fn_begin(g, fn);
    g->ws = LLVMGetParam(fn, 0);
    g->ins = LLVMGetParam(fn, 1);
    g->outs = LLVMGetParam(fn, 2);
    g->nb = LLVMGetParam(fn, 3);
    g->par = LLVMGetParam(fn, 4);
    g->owner = UINT32_MAX;
}

static void gen_insts(G *g, uint32_t lo, uint32_t hi)
{
    for (uint32_t k = lo; k < hi; k++) {
        g->in = &g->m->insts.data[k];
        gen_inst(g);
        g_plan_after(g, k);
    }
}

static void gen_example(G *g, LLVMValueRef fn)
{
    example_begin(g, fn);
    g_plan_begin(g);
    gen_insts(g, 0, g->m->insts.len);
    g_plan_end(g);
    gen_outputs(g, LLVMGetParam(fn, 2));
    LLVMBuildRetVoid(g->b);
    g_fn_end(g);
}

/* Blocks of 8 examples when a bpop_dense can reuse its weights across them. */
static int block_size(const IrModule *m)
{
    for (uint32_t k = 0; k < m->insts.len; k++)
        if (m->insts.data[k].op == IR_OP_BPOP_DENSE)
            return 8;
    return 1;
}

static void set_fn_attrs(G *g, LLVMValueRef fn)
{
    static const char nounwind[] = "nounwind";
    unsigned kind = LLVMGetEnumAttributeKindForName(nounwind, sizeof nounwind - 1);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->C, kind, 0));
}

LLVMValueRef g_fn_push(G *g, GFnSave *s, const char *name, LLVMTypeRef ft)
{
    *s = (GFnSave){g->fn, g->ws, LLVMGetInsertBlock(g->b), LLVMGetInsertBlock(g->eb)};
    LLVMValueRef fn = LLVMAddFunction(g->M, name, ft);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    set_fn_attrs(g, fn);
    g_fn_begin(g, fn);
    g->ws = NULL;
    return fn;
}

void g_fn_pop(G *g, const GFnSave *s)
{
    g_fn_end(g);
    g->fn = s->fn;
    g->ws = s->ws;
    LLVMPositionBuilderAtEnd(g->b, s->b);
    LLVMPositionBuilderAtEnd(g->eb, s->eb);
}

static LLVMValueRef add_fn(G *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *ps, unsigned n,
                           bool exported)
{
    LLVMValueRef fn = LLVMAddFunction(g->M, name, LLVMFunctionType(ret, ps, n, 0));
    LLVMSetLinkage(fn, exported ? LLVMExternalLinkage : LLVMInternalLinkage);
    set_fn_attrs(g, fn);
    g_fn_begin(g, fn);
    return fn;
}

static LLVMValueRef elems_table(G *g, const char *name, const uint32_t *vals, uint32_t n)
{
    uint64_t w[64];
    HB_CHECK(n <= 64, "too many inputs or outputs");
    for (uint32_t k = 0; k < n; k++)
        w[k] = ir_type_elems(&g->m->values.data[vals[k]].type);
    return g_words(g, name, w, n);
}

/* NAME_create / NAME_run_n / NAME_run / NAME_destroy / NAME_info around the runtime. */
static void gen_api(G *g, const char *cname, LLVMValueRef example, const char *info)
{
    Arena *a = &g->cx->arena;
    LLVMTypeRef p = g->ptr, i32 = g->i32;
    LLVMValueRef fn = add_fn(g, arena_printf(a, "%s_create", cname), p, &i32, 1, true);
    LLVMValueRef cargs[] = {LLVMGetParam(fn, 0), g_i64(g, (int64_t)g->ws_bytes)};
    LLVMBuildRet(g->b, g_call(g, "hbrt_create", p, (LLVMTypeRef[]){i32, g->i64}, 2, cargs));
    g_fn_end(g);

    LLVMValueRef ine = elems_table(g, "in.elems", g->m->inputs.data, g->m->inputs.len);
    LLVMValueRef oute = elems_table(g, "out.elems", g->m->outputs.data, g->m->outputs.len);
    LLVMTypeRef rn[] = {p, p, p, i32};
    fn = add_fn(g, arena_printf(a, "%s_run_n", cname), i32, rn, 4, true);
    LLVMValueRef rargs[] = {LLVMGetParam(fn, 0),
                            example,
                            g_i32(g, g->nbmax),
                            g_i32(g, g->m->inputs.len),
                            LLVMGetParam(fn, 1),
                            ine,
                            g_i32(g, g->m->outputs.len),
                            LLVMGetParam(fn, 2),
                            oute,
                            LLVMGetParam(fn, 3)};
    LLVMTypeRef rt[] = {p, p, i32, i32, p, p, i32, p, p, i32};
    LLVMValueRef run_n = fn;
    LLVMBuildRet(g->b, g_call(g, "hbrt_run", i32, rt, 10, rargs));
    g_fn_end(g);

    if (g->m->inputs.len == 1 && g->m->outputs.len == 1) {
        fn = add_fn(g, arena_printf(a, "%s_run", cname), i32, rn, 4, true);
        LLVMValueRef in = g_var(g, p, LLVMGetParam(fn, 1));
        LLVMValueRef out = g_var(g, p, LLVMGetParam(fn, 2));
        LLVMValueRef args[] = {LLVMGetParam(fn, 0), in, out, LLVMGetParam(fn, 3)};
        LLVMBuildRet(g->b,
                     LLVMBuildCall2(g->b, LLVMFunctionType(i32, rn, 4, 0), run_n, args, 4, ""));
        g_fn_end(g);
    }
    fn = add_fn(g, arena_printf(a, "%s_destroy", cname), g->vd, &p, 1, true);
    LLVMValueRef d = LLVMGetParam(fn, 0);
    g_call(g, "hbrt_destroy", g->vd, &p, 1, &d);
    LLVMBuildRetVoid(g->b);
    g_fn_end(g);

    fn = add_fn(g, arena_printf(a, "%s_info", cname), p, NULL, 0, true);
    LLVMValueRef s = LLVMConstStringInContext(g->C, info, (unsigned)strlen(info), 0);
    LLVMValueRef gs = LLVMAddGlobal(g->M, LLVMTypeOf(s), "info");
    LLVMSetInitializer(gs, s);
    LLVMSetGlobalConstant(gs, 1);
    LLVMSetLinkage(gs, LLVMPrivateLinkage);
    LLVMBuildRet(g->b, gs);
    g_fn_end(g);
}

static void drop_builders(G *g)
{
    if (g->b) {
        LLVMDisposeBuilder(g->b);
        LLVMDisposeBuilder(g->eb);
    }
    g->b = g->eb = NULL;
}

void g_use_module(G *g, LLVMContextRef C, LLVMModuleRef M)
{
    drop_builders(g);
    g->C = C;
    g->M = M;
    g->i1 = LLVMInt1TypeInContext(C);
    g->i8 = LLVMInt8TypeInContext(C);
    g->i32 = LLVMInt32TypeInContext(C);
    g->i64 = LLVMInt64TypeInContext(C);
    g->f32 = LLVMFloatTypeInContext(C);
    g->f64 = LLVMDoubleTypeInContext(C);
    g->ptr = LLVMPointerTypeInContext(C, 0);
    g->vd = LLVMVoidTypeInContext(C);
    g->b = LLVMCreateBuilderInContext(C);
    g->eb = LLVMCreateBuilderInContext(C);
    float one = 1.0f;
    g->unit_beta = g_floats(g, "unit.beta", &one, 1);
}

/* The state every generation starts from (values, constants, block size). */
static void gen_init(G *g)
{
    g->val = arena_calloc(&g->cx->arena, g->m->values.len + 1, sizeof *g->val);
    g->cst = arena_calloc(&g->cx->arena, g->m->consts.len + 1, sizeof *g->cst);
    g->cst_part = arena_calloc(&g->cx->arena, g->m->consts.len + 1, sizeof *g->cst_part);
    g->cst_bytes = arena_calloc(&g->cx->arena, g->m->consts.len + 1, sizeof *g->cst_bytes);
    g->base = arena_calloc(&g->cx->arena, g->m->values.len + 1, sizeof *g->base);
    g->nbmax = block_size(g->m);
    g->cname = llvm_c_name(g->cx, g->o->name);
}

static LLVMTypeRef example_type(G *g)
{
    LLVMTypeRef ps[] = {g->ptr, g->ptr, g->ptr, g->i64, g->ptr};
    return LLVMFunctionType(g->vd, ps, 5, 0);
}

/* Verify the current module and let go of its builders. */
static void finish_module(G *g)
{
    drop_builders(g);
    char *msg = NULL;
    bool bad = LLVMVerifyModule(g->M, LLVMReturnStatusAction, &msg);
    HB_CHECK(!bad, "the generated LLVM module does not verify: %s", msg);
    LLVMDisposeMessage(msg);
}

void llvm_gen_module(G *g)
{
    gen_init(g);
    g_use_module(g, g->C, g->M);
    LLVMValueRef ex = LLVMAddFunction(g->M, arena_printf(&g->cx->arena, "%s.example", g->cname),
                                      example_type(g));
    LLVMSetLinkage(ex, LLVMInternalLinkage);
    set_fn_attrs(g, ex);
    gen_example(g, ex);
    gen_api(g, g->cname, ex, g->info);
    finish_module(g);
}

/* ---- a network split into parts, each in its own module (llvm_split.c) ---- */

static LLVMValueRef from_src(G *g, GSrc s)
{
    switch (s.kind) {
    case GS_WS:
        return ws_gep(g, s.at);
    case GS_CONST:
        return g_const(g, (uint32_t)s.at);
    case GS_UNIT:
        return g->unit_beta;
    case GS_INPUT:
        return input_ptr(g, s.at);
    case GS_OUTPUT:
        return output_ptr(g, s.at);
    case GS_NONE:
        break;
    }
    return NULL;
}

/* The values earlier parts placed, made again in the current part's function. */
static void remake_bases(G *g)
{
    for (uint32_t v = 0; v < g->m->values.len; v++) {
        GBase *b = &g->base[v];
        HB_CHECK(!b->v.p || b->src[0].kind != GS_NONE, "value %u has no source", v);
        b->v = (GVal){from_src(g, b->src[0]), from_src(g, b->src[1]), from_src(g, b->src[2])};
    }
}

static const char *part_name(G *g, int i)
{
    return arena_printf(&g->cx->arena, "%s.part%d", g->cname, i);
}

/* Part i: a hidden function running instructions [lo, hi), the outputs after the last. */
static void gen_part(G *g, const GPart *pt, int i, bool last)
{
    g->part = i;
    g_use_module(g, pt->C, pt->M);
    LLVMValueRef fn = LLVMAddFunction(g->M, part_name(g, i), example_type(g));
    LLVMSetVisibility(fn, LLVMHiddenVisibility);
    set_fn_attrs(g, fn);
    example_begin(g, fn);
    remake_bases(g);
    gen_insts(g, pt->lo, pt->hi);
    if (last) {
        g_plan_end(g);
        gen_outputs(g, LLVMGetParam(fn, 2));
    }
    LLVMBuildRetVoid(g->b);
    g_fn_end(g);
    finish_module(g);
}

void llvm_gen_split(G *g, GPart *parts, int n)
{
    LLVMContextRef C = g->C;
    LLVMModuleRef M = g->M;
    gen_init(g);
    g->split = true;
    g_plan_begin(g);
    for (int i = 1; i <= n; i++) {
        gen_part(g, &parts[i], i, i == n);
        g->part_done(g->part_arg, i);
    }
    g->part = 0;
    g_use_module(g, C, M);
    LLVMValueRef ex = LLVMAddFunction(g->M, arena_printf(&g->cx->arena, "%s.example", g->cname),
                                      example_type(g));
    LLVMSetLinkage(ex, LLVMInternalLinkage);
    set_fn_attrs(g, ex);
    example_begin(g, ex);
    LLVMValueRef args[5];
    for (unsigned k = 0; k < 5; k++)
        args[k] = LLVMGetParam(ex, k);
    for (int i = 1; i <= n; i++) {
        LLVMValueRef f = LLVMAddFunction(g->M, part_name(g, i), example_type(g));
        LLVMSetVisibility(f, LLVMHiddenVisibility);
        LLVMBuildCall2(g->b, example_type(g), f, args, 5, "");
    }
    LLVMBuildRetVoid(g->b);
    g_fn_end(g);
    gen_api(g, g->cname, ex, g->info);
    finish_module(g);
    g->part_done(g->part_arg, 0);
}
