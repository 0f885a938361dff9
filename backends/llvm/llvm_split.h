// SPDX-License-Identifier: MIT
/* llvm_split.h: a large network's code generation on several threads (llvm_split.c):
 * the plan that cuts its instructions into parts (llvm_gen_split builds one module per
 * part), and the optimization and emission of those modules on the online CPUs. */
#ifndef HB_LLVM_SPLIT_H
#define HB_LLVM_SPLIT_H

#include <llvm-c/TargetMachine.h>

#include "llvm_gen.h"

#define SPLIT_MAX 8 // parts at most: the cut depends on the network only, never on the CPUs

/* What each thread needs to make a target machine of its own (they are not shared). */
typedef struct Target {
    LLVMTargetMachineRef tm;
    LLVMTargetRef target;
    LLVMCodeGenOptLevel level;
    char *triple, *cpu, *features; // LLVM messages (LLVMDisposeMessage)
} Target;

/* Cut m's instructions into parts[1..n] (contiguous, of about equal estimated work);
 * returns n, or 1 when the network is too small to be worth splitting (parts unused). */
int llvm_split_plan(const IrModule *m, GPart parts[SPLIT_MAX + 1]);

/* One module of a split network: part 0 is the ABI module. */
typedef struct SplitJob {
    LLVMContextRef C;
    LLVMModuleRef M;
    uint64_t cost;
    const char *obj; // emit: the object file to write
    char *err;       // an LLVM error message, or NULL
} SplitJob;

/* Optimize every module with `passes` (emit == false), or emit each into its object file
 * and dispose of the module and its context (emit == true), on the online CPUs. True if
 * every job succeeded; else the first failed job's message is in its err. */
bool llvm_split_run(const Target *t, const char *passes, SplitJob *jobs, int n, bool emit);

#endif
