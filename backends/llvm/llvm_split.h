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
    const char *obj; // the object file to write
    char *err;       // an LLVM error message (free), or NULL
    bool passes_ok;  // the optimization ran (else err is about the passes)
} SplitJob;

/* The modules are optimized and emitted (each into its object file, then disposed of
 * with its context) by worker threads while the code generator makes the later ones:
 * start the workers (one per online CPU but this one), mark each job ready when its
 * module is complete, then finish, which does the remaining jobs on this thread too and
 * waits for all. finish is true if every job succeeded (else see the jobs' err). */
typedef struct SplitPool SplitPool;
SplitPool *llvm_split_start(const Target *t, const char *passes, SplitJob *jobs, int n);
void llvm_split_ready(SplitPool *p, int job);
bool llvm_split_finish(SplitPool *p);

#endif
