// SPDX-License-Identifier: MIT
/* interp.h: the reference interpreter. Plain C over a verified IR module, one example
 * at a time; it defines what a network computes (docs/ir.md §4), and the LLVM and
 * Verilog backends are tested against it. Also the --run / --calibrate helpers, and
 * the ideal evaluation (--run-ideal, docs/ir.md §6): the same network with the folded
 * layers in real numbers instead of integer coefficients and thresholds. */
#ifndef HB_INTERP_H
#define HB_INTERP_H

#include "ir.h"

/* One value's storage for the current example. Bits values keep one byte per element
 * (bit n = 1 iff the level-n sign is +1) and, when masked, one width byte per element;
 * physical packing is a backend matter. */
typedef struct IBuf {
    float *f;                // IR_F32
    double *d;               // INTERP_IDEAL, icomb of a folded layer: the real pre-activation
    int32_t *i;              // IR_I32
    uint8_t *s;              // IR_BITS: signs
    uint8_t *w;              // IR_BITS masked: widths 1..k
    float beta[IR_MAX_BITS]; // IR_BITS: the level scales for this example
} IBuf;

typedef enum InterpMode {
    INTERP_INTEGER, // the program as written (docs/ir.md §4): what every backend computes
    INTERP_IDEAL,   // folded layers (IrInst.fold) in double: no rounding of alpha_m beta_n
} InterpMode;

typedef struct Interp {
    HbCx *cx;
    const IrModule *m;
    IBuf *v; // per value
    InterpMode mode;
} Interp;

/* Buffers for every value of `m` (which must verify), in cx->arena. */
Interp *interp_new(HbCx *cx, const IrModule *m);
/* The same for a mode; INTERP_IDEAL needs interp_has_ideal(m). */
Interp *interp_new_mode(HbCx *cx, const IrModule *m, InterpMode mode);
/* Does `m` carry what the ideal evaluation needs: a fold record on every icomb and
 * threshold? (Lowered modules do; IR parsed from text does not if it has any.) */
bool interp_has_ideal(const IrModule *m);
/* Evaluate one example; inputs[k] holds the elements of input k. Returns false (after
 * an internal-error diagnostic) only if a proven invariant fails. */
bool interp_example(Interp *it, const float *const *inputs);

/* Number of floats one example's outputs take (all outputs, in order; a class index
 * counts as one). */
uint64_t interp_out_elems(const IrModule *m);
/* The current example's outputs as floats into out[interp_out_elems]. */
void interp_outputs(const Interp *it, float *out);
/* Print one line: every output element, %.9g for floats and %d for class indices. */
void interp_print_line(FILE *fp, const Interp *it);

/* Run a batch of a single-input module: `in` is [batch, input elems], `out` (may be
 * NULL) gets [batch, interp_out_elems], `fp` (may be NULL) one line per example. */
bool interp_run_batch(HbCx *cx, const IrModule *m, const float *in, uint64_t batch, float *out,
                      FILE *fp);
/* The same in a given mode. */
bool interp_run_batch_mode(HbCx *cx, const IrModule *m, InterpMode mode, const float *in,
                           uint64_t batch, float *out, FILE *fp);

#endif
