// SPDX-License-Identifier: MIT
/* vl_internal.h: what the Verilog backend's files share. vl_plan.c cuts the IR into the
 * host head (the input quantizer), a chain of hardware stages and the host tail (the
 * final float combine); vl_layer.c / vl_top.c / vl_tb.c write the files; vl_dir.c
 * writes the directory as a whole. */
#ifndef HB_VL_INTERNAL_H
#define HB_VL_INTERNAL_H

#include "verilog_backend.h"

typedef enum VlKind {
    VL_MVU,  // bpop [+ icomb [+ threshold]]: a matrix-vector unit, fully unrolled
    VL_POOL, // maxpool on 1-bit values: OR over the window
    VL_OUT,  // the output stage: the last layer's integer accumulator [+ argmax] (vl_out.c)
} VlKind;

/* How a value sits on a wire: bits values as element e, plane n at bit e*K + n;
 * i32 values as 32-bit two's complement at [32e +: 32]. */
typedef struct VlWire {
    uint32_t value; // the IR value
    bool is_bits;
    int k;          // planes (bits)
    uint64_t elems; // elements
    uint64_t width; // bits on the wire
} VlWire;

typedef struct VlStage {
    VlKind kind;
    const char *name;               // Verilog module name (NAME_layer)
    const char *layer;              // the layer, for messages and reports
    const IrInst *pop, *comb, *thr; // VL_MVU (comb, thr may be NULL)
    const IrInst *pool;             // VL_POOL
    const struct VlOut *fin;        // VL_OUT (vl_out.c)
    VlWire in, out;
    uint64_t pairs;       // present (element, plane) pairs, all rows
    int64_t pe, simd;     // folding (dense and streaming conv units): 0, 0 = fully unrolled
    bool stream;          // a sliding-window conv / pool (vl_window.c)
    bool pix_in, pix_out; // its input / output is one pixel per beat (a streaming neighbour)
    /* A folded conv's unit (vl_window_unit): the window's border class follows the taps in
     * the input (cls_bits; key[i] its value for class i) and selects, per output channel,
     * the padding correction delta[o * ncls + i] added to the accumulator. ncls 0: none. */
    uint32_t ncls, cls_bits;
    const uint64_t *cls_key;
    const int64_t *delta;
} VlStage;

typedef struct VlPlan {
    const IrModule *m;
    Arena *arena;
    const char *name;   // the network's Verilog identifier
    const IrInst *head; // the sign / static quant the host applies to the input
    char int_in;        // 'u' / 'i': a u8 / i8 input (docs/ir.md §5): tdata carries the bytes
    VlWire in, out;     // the stream's payload
    HbVec(VlStage) stages;
    HbVec(const IrInst *) tail; // ops the host applies to the output, in order
    const char *out_note;       // how the output relates to the IR's value (vl_out.c), or NULL
} VlPlan;

/* Cut `m` into head, stages and tail; reports every problem (naming the layer) and
 * returns false if the network cannot reach hardware. */
bool vl_plan(HbCx *cx, const IrModule *m, const char *name, VlPlan *p);
/* The output stage (vl_out.c): when the tail is the last layer's float combine [+
 * flatten] [+ argmax] and it is exactly an integer accumulator plus an integer bias
 * times a power of two, move it into hardware (a VL_OUT stage; the tail empties);
 * a network ending in argmax that is not exact is refused, naming the layer. */
bool vl_out_plan(HbCx *cx, VlPlan *p);
void vl_write_out(FILE *f, const VlPlan *p, const VlStage *s);
/* The expected output beat of a VL_OUT stage, from the interpreter's values. */
struct Interp;
void vl_out_hex(FILE *f, const VlPlan *p, const struct Interp *it);

/* `s` as a Verilog identifier (letters, digits, '_'; no leading digit). */
const char *vl_ident(HbCx *cx, const char *s);
/* The layer name of an instruction: its value name up to the first '.'. */
const char *vl_layer_name(HbCx *cx, const IrModule *m, const IrInst *in);

/* File writers: each writes one complete file to `f`. */
void vl_write_layer(FILE *f, Arena *a, const VlPlan *p, const VlStage *s);
void vl_write_top(FILE *f, const VlPlan *p);
void vl_write_manifest_json(FILE *f, const VlPlan *p, int nvec);
void vl_write_manifest_md(FILE *f, const VlPlan *p, int nvec);
void vl_write_tb(FILE *f, const VlPlan *p, int nvec);
/* vectors/in.hex and out.hex from the reference interpreter on seeded random inputs. */
/* --vectors: every input is one the stream can carry (else diagnostics, false). */
bool vl_check_vectors(HbCx *cx, const VlPlan *p, const BackendOptions *o);
bool vl_vectors(HbCx *cx, const VlPlan *p, int nvec, const BackendOptions *o, FILE *in, FILE *out);

/* vl_fold.c: folded dense units (s->pe > 0): the module body (after the ports), the two
 * ROM images (NAME_w.hex weights, NAME_n.hex per-neuron constants), cycles per frame
 * (1 for an unrolled stage), and --fold auto's choice for every unfolded dense unit. */
void vl_write_fold_body(FILE *f, const VlPlan *p, const VlStage *s);
void vl_write_fold_wrom(FILE *f, const VlPlan *p, const VlStage *s);
void vl_write_fold_nrom(FILE *f, const VlPlan *p, const VlStage *s);
uint64_t vl_fold_cycles(const VlPlan *p, const VlStage *s);
uint64_t vl_stage_latency(const VlPlan *p, const VlStage *s); // accepted .. out valid
uint64_t vl_frame_cycles(const VlPlan *p); // the slowest stage: the initiation interval
uint64_t vl_latency(const VlPlan *p);      // sum over stages
void vl_fold_auto(VlPlan *p, uint64_t target_cycles);
/* A folded unit's geometry, for the area estimate (vl_estimate.c). */
typedef struct VlFoldShape {
    uint64_t P, S, NF, SF, D;    // PE, SIMD, neuron folds, input folds, weight ROM depth
    uint64_t WW, NW;             // ROM word widths: weights (+ masks), per-neuron constants
    int kx, Q, wa, cw, nodes;    // input planes, pairs, accumulator and counter bits, nodes
    bool hz, rowcoef, thr, lrom; // count-then-combine; per-row coefs; thresholds; LUT nrom
} VlFoldShape;
VlFoldShape vl_fold_shape(const VlPlan *p, const VlStage *s);
/* pcN(v): the popcount functions for the widths N marked in used[1..max]. */
void vl_write_popcount_fns(FILE *f, const bool *used, uint64_t max);

/* vl_window.c: streaming convolutions and bit max-pools through a line buffer. */
void vl_stream_plan(VlPlan *p); // marks s->stream, s->pix_in, s->pix_out
uint64_t vl_port_width(const VlPlan *p, const VlStage *s, bool out); // tdata bits
void vl_write_window(FILE *f, Arena *a, const VlPlan *p, const VlStage *s);
uint64_t vl_window_cycles(const VlPlan *p, const VlStage *s);
uint64_t vl_window_latency(const VlPlan *p, const VlStage *s);
/* A folded conv (s->pe): the folded unit (vl_fold.c) that reads one window per frame. */
VlStage vl_window_unit(const VlPlan *p, const VlStage *s);

/* vl_layer.c's pieces a window unit reuses. */
bool vl_cbit(const IrConst *w, bool mask, int m, uint64_t r, uint64_t j); // weight / mask bit
int vl_bits_for(uint64_t v);                                              // 0 for 0
int32_t vl_coef(const VlPlan *p, const VlStage *s, uint64_t o, int pair);
unsigned long long vl_modw(int64_t v, int w);
bool vl_thr_live(const VlPlan *p, const VlStage *s, uint64_t o, uint64_t B);
/* Channel o's threshold tree on wire acc<pos> (|acc| <= B, wa bits) -> y[pos*K +: K]. */
void vl_write_threshold(FILE *f, Arena *a, const VlPlan *p, const VlStage *s, uint64_t pos,
                        uint64_t o, uint64_t B, int wa);
uint64_t vl_present(const IrConst *w, int m, uint64_t r); // vl_estimate.c

/* Stream payload width rounded up to whole bytes. */
static inline uint64_t vl_bytes8(uint64_t w)
{
    return (w + 7) / 8 * 8;
}

#endif
