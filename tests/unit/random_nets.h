// SPDX-License-Identifier: MIT
/* random_nets.h: the random test networks shared by the interpreter's suite
 * (check_interp.c) and the CPU backend's (check_llvm.c): network templates, weight and
 * activation specs, random weights bound to a graph, random static scales. */
#ifndef HB_RANDOM_NETS_H
#define HB_RANDOM_NETS_H

#include <stddef.h>
#include <stdint.h>

#include "sema.h"

#define HBT_NW 8
#define HBT_NA 8
/* Template networks; %s slots take weight specs, %d slots shapes. */
extern const char *const hbt_mlp, *const hbt_cnn, *const hbt_cat;
extern const char *const hbt_wspecs[HBT_NW], *const hbt_aspecs[HBT_NA];

/* Uniform in [0, 1) from the splitmix64 state *s. */
double hbt_urand(uint64_t *s);
/* Random data for every tensor role of every node (BN scales include negative and zero
 * ones), then quantize; fails the test if quantization does. */
void hbt_bind_random(Graph *g, uint64_t seed);
/* Decreasing random betas for every `scale static` quantizer (LowerOptions.act_scales). */
const float *const *hbt_static_scales(const Graph *g, uint64_t seed);
/* Kind 0 (MLP), 1 (CNN) or 2 (concat) variant i into src; returns its seed. */
uint64_t hbt_random_net(int kind, int i, char *src, size_t len);

#endif
