// SPDX-License-Identifier: MIT
/* llvm_gen.h: what the CPU backend's code generator shares between its files: the
 * generation state (one LLVM module per network), loop and constant helpers, and the
 * per-op generators gen_NAME (one per HB_IR_OPS row, llvm_ops_float.c / llvm_ops_bits.c).
 * Internal to backends/llvm/: llvm-c types never leave this folder. */
#ifndef HB_LLVM_GEN_H
#define HB_LLVM_GEN_H

#include <llvm-c/Core.h>

#include "backend.h"

/* Where a value's pointer comes from, so that a later part of a split network (its own
 * function in its own LLVM module, llvm_split.c) can make it again: a workspace offset,
 * a constant's global, the unit scale, an input of the example, or the caller's buffer
 * of an output (a result written in place, g_alloc_output). */
typedef enum GSrcKind { GS_NONE, GS_WS, GS_CONST, GS_UNIT, GS_INPUT, GS_OUTPUT } GSrcKind;
typedef struct GSrc {
    GSrcKind kind;
    uint64_t at; // GS_WS: byte offset; GS_CONST: constant index; GS_INPUT/OUTPUT: index
} GSrc;

/* One value's storage inside the per-thread workspace (or an alias of another's). */
typedef struct GVal {
    LLVMValueRef p;    // f32 / i32 elements, or the sign bytes of a bits value
    LLVMValueRef w;    // masked bits: one width byte per element
    LLVMValueRef beta; // bits: float[K] level scales (runtime: in the workspace)
} GVal;

typedef struct GPlan GPlan;       // the workspace plan (llvm_plan.c)
typedef struct Int8Plan Int8Plan; // int8 kernels (llvm_int8.h)

/* The popcount tier of the target, probed from what its target machine emits
 * (llvm_emit.c): vpopcntq (AVX-512 VPOPCNTDQ), byte popcounts on zmm (AVX-512BW) or ymm
 * (AVX2) with periodic widening by psadbw, or scalar popcnt. */
typedef enum GTier { TIER_SCALAR, TIER_AVX2, TIER_AVX512BW, TIER_VPOPCNT } GTier;

typedef struct G {
    HbCx *cx;
    const IrModule *m;
    const BackendOptions *o;
    LLVMContextRef C;
    LLVMModuleRef M;
    LLVMBuilderRef b;  // the code
    LLVMBuilderRef eb; // the entry block: stack slots, workspace addresses
    LLVMTypeRef i1, i8, i32, i64, f32, f64, ptr, vd;
    LLVMValueRef fn;     // the per-example function being generated
    LLVMValueRef ws;     // its workspace argument
    LLVMValueRef ins;    // its input pointer array argument
    LLVMValueRef outs;   // its output pointer array argument
    GVal *val;           // per IR value
    LLVMValueRef *cst;   // per IR constant: a private global (lazily made)
    int *cst_part;       // per IR constant: the part whose module defines cst[k]
    uint64_t *cst_bytes; // per IR constant: the size of its global
    int part;            // the part being generated (0: the whole network or the ABI module)
    bool split;          // several modules: every constant is a hidden global named NAME.cK
    /* Split: called once a part's module is complete (part 0, the ABI module, last);
     * from then on the generator does not touch it (another thread may be compiling it). */
    void (*part_done)(void *arg, int part);
    void *part_arg;
    const char *cname; // the ABI's identifier prefix
    LLVMValueRef unit_beta;
    uint64_t ws_bytes; // workspace size so far (per thread)
    GPlan *plan;
    uint32_t owner;   // the value g_alloc is placing, or UINT32_MAX for scratch
    const IrInst *in; // the instruction being generated
    const char *info; // what NAME_info() returns
    /* Example blocks: the generated function runs nbmax examples per call (8 when the
     * network has a bpop_dense, whose kernel then reuses each weight load across the
     * block; else 1). Every value has nbmax copies in the workspace, base[v] holds
     * copy 0 and the byte strides; an op runs in a loop over the block's examples with
     * ex its index (and val[] the current example's copies), except a `blocked` op
     * (bpop_dense) which gets ex == NULL and handles the nb examples itself. */
    int nbmax;
    GTier tier;
    bool bmi2;        // the target has pdep and pext (probed as the tier is)
    LLVMValueRef nb;  // the block's example count (i64, 1..nbmax)
    LLVMValueRef ex;  // the current example within the block, or NULL
    LLVMValueRef par; // the runtime context when an op may split its work across threads
    struct GBase *base;
    Int8Plan **int8; // per instruction: the bpop layers run as int8 kernels (llvm_cost.c)
    bool *dws;       // per instruction: bit-sliced depthwise layers (g_dws_layers), or NULL
} G;

/* Copy 0 of a value and the byte distance between the copies of its p, w, beta. */
typedef struct GBase {
    GVal v;
    uint64_t sp, sw, sb;
    GSrc src[3]; // how v.p, v.w, v.beta are made again in another part's function
} GBase;
/* Value v's copy for example e (an i64; NULL: copy 0). */
GVal g_at(G *g, uint32_t v, LLVMValueRef e);

/* ---- helpers (llvm_gen.c) ---- */
LLVMValueRef g_i32(G *g, int64_t v);
LLVMValueRef g_i64(G *g, int64_t v);
LLVMValueRef g_i8s(G *g, int v, unsigned n); // <n x i8> constant, every lane v & 0xff
LLVMValueRef g_f64(G *g, double v);
/* s (any scalar) in every lane of an <n x type(s)> vector. */
LLVMValueRef g_splat(G *g, LLVMValueRef s, unsigned n);
/* i64 index arithmetic: a * k, a + b, a + k. */
static inline LLVMValueRef g_mulk(G *g, LLVMValueRef a, int64_t k)
{
    return LLVMBuildMul(g->b, a, g_i64(g, k), "");
}
static inline LLVMValueRef g_add(G *g, LLVMValueRef a, LLVMValueRef b)
{
    return LLVMBuildAdd(g->b, a, b, "");
}
static inline LLVMValueRef g_addk(G *g, LLVMValueRef a, int64_t k)
{
    return LLVMBuildAdd(g->b, a, g_i64(g, k), "");
}
/* Workspace planning (llvm_plan.c): begin/end around the example function; place
 * returns the offset of a region for g->owner; after instruction k, free what died. */
void g_plan_begin(G *g);
void g_plan_end(G *g);
uint64_t g_plan_place(G *g, uint64_t bytes);
void g_plan_after(G *g, uint32_t k);
/* Words per example of bits value v when it is stored as a bpop_dense kernel's packed
 * input (K planes of ceil(N/64) words; its producer packs it), else 0. */
uint64_t g_plan_packed(G *g, uint32_t v);
/* Icomb result v is not stored: its only reader, a threshold, computes it from the pair
 * sums (llvm_ops_bits.c). */
bool g_plan_fused(G *g, uint32_t v);
/* The value bpop_conv2d result v's tile epilogue writes as packed words (a threshold's,
 * or the 1-bit maxpool's after it) or as floats (an fcomb's, or the batchnorm's after
 * it), or UINT32_MAX; g_plan_skipped: v (an icomb, threshold, maxpool, fcomb or
 * batchnorm result) is computed by such an epilogue, its op emits nothing. */
uint32_t g_plan_epilogue(G *g, uint32_t v);
bool g_plan_skipped(G *g, uint32_t v);
/* The bits value a tile epilogue's destination dest holds: dest, or for a destination
 * [flatten ->] dequant (the chain into a classifier) the bits value before them. */
uint32_t g_epi_bits(const IrModule *m, uint32_t dest);
/* Per instruction k: the value bpop_conv2d k's tile epilogue writes (UINT32_MAX: none),
 * and (codes, if not NULL) whether that is a threshold's code bytes rather than packed
 * words or floats; needs g->m and g->int8 only (also --explain's kernel report,
 * llvm_cost.c). */
void g_epilogues(G *g, uint32_t *dest, bool *codes);
/* Per instruction k: the sign float conv2d k's tile writes packed (UINT32_MAX: none);
 * needs g->m and g->int8 only, like g_epilogues. */
void g_float_epilogues(G *g, uint32_t *dest);
/* Value v is stored as a one-group convolution's packed input ([pixel][plane][C/64]
 * words, then a zero column): an epilogue's destination, or a `sign` of [C, H, W]
 * floats read only by bit-serial convolutions, which bpop_pack_sign (llvm_bpop.c)
 * binarizes and packs in one pass. */
bool g_plan_conv_packed(G *g, uint32_t v);
void bpop_pack_sign(G *g, LLVMValueRef x, LLVMValueRef out, const IrType *t);
/* Run outlined kernel fn(args, lo, hi) on units [0, n) of a layer of about `cycles`
 * of work: directly when it is too small to split, else through hbrt_par with a minimum
 * number of units per thread (llvm_par.c); g_par_grain is that minimum. */
void g_par(G *g, LLVMValueRef fn, LLVMValueRef args, int64_t n, double cycles);
int64_t g_par_grain(int64_t n, double cycles);
double g_words_per_cycle(const G *g);
/* The sign value float conv2d result v's tile writes as a convolution's packed input
 * (through its batch norm, if any), or UINT32_MAX; that batch norm and sign are then
 * g_plan_skipped. float_conv_epi_ok: conv2d `in` runs as a tile kernel that can. */
uint32_t g_plan_float_epi(G *g, uint32_t v);
bool float_conv_epi_ok(G *g, const IrInst *in);
/* Whether that conv2d, fusing epilogue epi, sums in float32 with the exact fix
 * (llvm_float_sign.c). */
bool fsign_layer(const IrModule *m, const IrInst *in, uint32_t epi);
/* Whether bpop_conv2d `in` can run its threshold (or, fl, a float combine) in the tile
 * epilogue (llvm_bpop.c). */
#define BPOP_EPI_MAX_BITS 4
bool bpop_epilogue_ok(G *g, const IrInst *in, bool fl);
/* The threshold of node 2^m - 1 + (the bits so far) per lane: th[] the nodes' thresholds
 * as vectors, bit[0..m) the earlier levels' compare results (llvm_bpop_store.c). */
LLVMValueRef bpop_tree_thr(G *g, const LLVMValueRef *th, const LLVMValueRef *bit, int m);
/* bpop_conv2d `in` is a depthwise layer that runs the bit-serial path as pair sums in
 * pixel lanes (llvm_dw.c: not int8, and its digits fit); its tile epilogue writes a float
 * combine's floats or a threshold's code bytes. */
bool dw_pairs_layer(G *g, const IrInst *in);
/* Per instruction: the depthwise bpop_conv2d layers that can run bit-sliced
 * (llvm_dwbits.c): dws_shape_ok, their pair sums read only by an icomb whose only reader
 * is a threshold of 1 or 2 planes (planes[k]) read only by one-group bit-serial
 * convolutions (which then read its packed words), or (sums mode, planes[k] 0; a 1-plane
 * input, at most 1024 channels) only by an fcomb; or (levels mode, llvm_dwlevels.h:
 * multi-plane weights, qbits[k] their weights' bits) only by such a threshold whose
 * nodes dwl_plan can rewrite. llvm_cost.c chooses among them and clears their int8
 * plans. Arena-allocated (planes, qbits: NULL or zeroed per instruction); needs g->m
 * and g->int8 (the readers' choices), with g->dws NULL. */
bool *g_dws_layers(G *g, uint8_t *planes, uint8_t *qbits);
bool dws_shape_ok(const IrModule *m, const IrInst *in);
/* Estimated cycles per example; qb > 0: levels mode with weights of qb bits. */
double dws_cycles(const IrWindow *w, bool avx512, bool sums, int kx, int ko, int qb);
void gen_dws(G *g, const IrWindow *w);
/* Value v (before g_alloc_value) gets a region no other value or scratch ever uses, so
 * what an op does not write stays as NAME_create zeroed it. */
void g_plan_exclusive(G *g, uint32_t v);
/* A pointer to `bytes` bytes of the workspace (64-byte aligned) for the current op:
 * scratch, or the storage of the value g_alloc_value is placing. */
LLVMValueRef g_alloc(G *g, uint64_t bytes);
/* The global holding constant k's data (f32/i32 elements; bits: the sign planes). */
LLVMValueRef g_const(G *g, uint32_t k);
/* A private constant global of n i64 / i32 words / floats. */
LLVMValueRef g_words(G *g, const char *name, const uint64_t *w, uint64_t n);
LLVMValueRef g_ints(G *g, const char *name, const int32_t *v, uint64_t n);
LLVMValueRef g_floats(G *g, const char *name, const float *v, uint64_t n);
/* The 8 x 8 transpose of the rows r[0..8) (8-lane vectors of any element type): row l
 * becomes lane l of every row (3 stages of block swaps, 24 two-source shuffles). */
void g_transpose8(G *g, LLVMValueRef *r);
/* Element access: load/store element `i` (an i64) of a typed array at p. */
LLVMValueRef g_load(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i);
void g_store(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i, LLVMValueRef v);
LLVMValueRef g_gep(G *g, LLVMTypeRef t, LLVMValueRef p, LLVMValueRef i);
void g_memset0(G *g, LLVMValueRef p, uint64_t bytes);
void g_memcpy(G *g, LLVMValueRef dst, LLVMValueRef src, uint64_t bytes);
/* A counted loop for (i = 0; i < n; i++): g_loop_begin returns i (an i64); the body is
 * generated between begin and end. */
typedef struct GLoop {
    LLVMBasicBlockRef head, body, exit;
    LLVMValueRef i;
} GLoop;
LLVMValueRef g_loop_begin(G *g, GLoop *l, LLVMValueRef n, const char *name);
void g_loop_end(G *g, GLoop *l);
void g_fn_begin(G *g, LLVMValueRef fn);
void g_fn_end(G *g);
/* A function generated in the middle of another (an outlined kernel that threads run
 * on ranges): push saves the current function's state and begins `name` (internal);
 * after its ret, pop ends it and returns to the saved function. */
typedef struct GFnSave {
    LLVMValueRef fn, ws;
    LLVMBasicBlockRef b, eb;
} GFnSave;
LLVMValueRef g_fn_push(G *g, GFnSave *s, const char *name, LLVMTypeRef ft);
void g_fn_pop(G *g, const GFnSave *s);
/* A stack slot (in the entry block, promoted to a register by mem2reg). */
LLVMValueRef g_var(G *g, LLVMTypeRef t, LLVMValueRef init);
LLVMValueRef g_call(G *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, unsigned np,
                    LLVMValueRef *args);
/* Operand k of the current instruction: its storage, type, constant. */
GVal *g_arg(G *g, int k);
const IrType *g_argt(G *g, int k);
const IrConst *g_argc(G *g, int k);
GVal *g_out(G *g);
const IrType *g_outt(G *g);
/* Storage for a value of type t (the result of the current instruction). */
void g_alloc_value(G *g, GVal *v, const IrType *t);
/* The same, for an op that writes every one of the result's n elements on each run (the
 * same value if twice) and nothing past them, and does not read them before: when the
 * result is a network output that may be (g_plan_output), its storage is the caller's
 * buffer, so gen_outputs copies nothing. Any other op keeps g_alloc_value. */
void g_alloc_output(G *g, GVal *v, const IrType *t);
/* The index of the output whose caller's buffer value v may be stored in: v is made by
 * an op of this function, is listed once among the outputs, is not a bits value and
 * shares its storage with no other value (flatten); else UINT32_MAX. */
uint32_t g_plan_output(G *g, uint32_t v);

/* ---- per-op generators: one per HB_IR_OPS row ---- */
#define X(e, name, operands) void gen_##name(G *g);
HB_IR_OPS(X)
#undef X
/* maxpool on multi-bit or masked codes (llvm_ops_codes.c; gen_maxpool calls it). */
void gen_maxpool_codes(G *g);

/* ---- the module around the network (llvm_gen.c) and its emission (llvm_emit.c) ---- */
/* Build and verify the module for `m` (a module that does not verify is an internal
 * error). */
void llvm_gen_module(G *g);
/* A network split into parts (llvm_split.c): part i (1..n) holds instructions
 * [lo, hi) as the hidden function NAME.partI in its own context and module; the module
 * in g (part 0) holds the example function, which calls the parts in order, and the
 * ABI. Each module is verified. */
typedef struct GPart {
    LLVMContextRef C;
    LLVMModuleRef M;
    uint32_t lo, hi;
    uint64_t cost; // estimated code generation work (llvm_split.c)
} GPart;
void llvm_gen_split(G *g, GPart *parts, int n);
/* Switch g to generating into module M of context C (types, builders). */
void g_use_module(G *g, LLVMContextRef C, LLVMModuleRef M);
/* The C header text for the ABI (llvm_header.c), arena-allocated. */
const char *llvm_header_text(HbCx *cx, const IrModule *m, const char *name, const char *info);
/* The identifier prefix: the network's name with every non-identifier byte as '_'. */
const char *llvm_c_name(HbCx *cx, const char *name);
/* The text NAME_info() returns (hbnnc version, CPU, per-layer bits). */
const char *llvm_info_text(HbCx *cx, const IrModule *m, const BackendOptions *o, const char *cpu);

#endif
