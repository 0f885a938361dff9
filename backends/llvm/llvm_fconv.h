// SPDX-License-Identifier: MIT
/* llvm_fconv.h: the vectorized float conv's geometry and generator state, shared by its
 * double tiles (llvm_float_conv.c) and its float32 sign tiles (llvm_float_sign.c).
 * Internal to backends/llvm/. */
#ifndef HB_LLVM_FCONV_H
#define HB_LLVM_FCONV_H

#include "llvm_gen.h"

#define FC_MAXR 4
#define FC_MAXP 8

/* The kernel's geometry: KG kernel groups of kog outputs in OBp blocks of ln lanes
 * (tiles of R blocks by P output pixels), T taps per output, input in a zero-padded
 * buffer xd[Hp][Wp][Cp] (doubles; floats when f32). `vec`: depthwise, lane l reads its
 * own channel (a vector load) instead of a broadcast. */
typedef struct FGeo {
    IrWindow w;
    int64_t KG, kog, cgoff, OB, OBp, R, P, nxt, nrt, T, Hp, Wp, Cp;
    int ln; // lanes per block: 8 doubles, or 16 floats when f32
    bool vec;
    bool f32;       // the sign tile in float32 with the exact fix (llvm_float_sign.c)
    uint32_t epi;   // the sign value the tile writes packed (g_plan_float_epi), or UINT32_MAX
    uint32_t fdst;  // or the batchnorm's [relu's] floats it writes (g_plan_float_epi)
    bool relu;      // fdst is a relu's
    int64_t ebytes; // its bytes per pixel and plane (8 per 64 channels)
    int ek;         // its planes: 1 for a sign, K for a static quant widths=[K]
    double ebeta[IR_MAX_BITS]; // the quant's static scales
} FGeo;

typedef struct FK {
    G *g;
    const FGeo *f;
    LLVMTypeRef v8d, v8f;
    LLVMValueRef wd, bd, toff; // weights [KG][OBp][T][ln], bias [KG][OBp][ln], tap offsets
    LLVMValueRef ea, eb;       // the fused batch norm's scale and shift [OBp][ln], or NULL
    // f32 only (llvm_float_sign.c): per lane the rule's edges and its planes' bits by
    // region, which lanes are channels, the weights' L1 norm and |bias|; the run's input
    // bound; the exact fix of one pixel block
    LLVMValueRef edge, mask, live, w1, absb, xbound, fix;
    int nedge; // edges per lane (the most of any channel; +inf pads)
} FK;

/* ---- llvm_float_sign.c ---- */
/* Whether conv2d f (its epi set, before pick_tile) writes its bits from float32 sums. */
bool fsign_ok(G *g, const FGeo *f);
/* Its constants (after pack and epi_setup), the input bound of this run (in the calling
 * function: a scan of the conv's input x) and the fix function. */
void fsign_setup(FK *k, LLVMValueRef x);
/* One R x P tile of float32 sums into the epilogue's bits; xbound is the run's bound as
 * read in the tile function. */
void fsign_tile(FK *k, LLVMValueRef xd, LLVMValueRef out, LLVMValueRef junk, LLVMValueRef xbound,
                LLVMValueRef blk0, LLVMValueRef xb, LLVMValueRef oy, LLVMValueRef ox0);

#endif
