// SPDX-License-Identifier: MIT
/* llvm_split.c: a large network's LLVM work on all online CPUs (what rustc's codegen
 * units do). The plan cuts the instructions into at most SPLIT_MAX contiguous parts of
 * about equal estimated work, from the network alone; llvm_gen_split builds each part in
 * its own LLVM context; here worker threads, each with a target machine of its own, take
 * the modules from an atomic counter (largest first) to optimize, then to emit. Each
 * module's result does not depend on the thread that made it: the library is the same
 * whatever the number of CPUs. */
// sched_getaffinity and CPU_COUNT: _GNU_SOURCE comes with LLVM's definitions (CMakeLists.txt)
#include "llvm_split.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Transforms/PassBuilder.h>

#define SPLIT_THREADS 8
#define OP_COST       4          // an instruction's code, against ...
#define CONST_UNIT    (1u << 18) // ... each 256 KB of its constants' data
#define PART_MIN_COST 16         // below this a part costs more (a context, a module) than it saves

static uint64_t inst_cost(const IrModule *m, const IrInst *in)
{
    if (in->op == IR_OP_INPUT || in->op == IR_OP_FLATTEN)
        return 0;
    uint64_t bytes = 0;
    for (uint32_t a = 0; a < in->nargs; a++)
        if (in->args[a].is_const) {
            const IrConst *c = &m->consts.data[in->args[a].id];
            bytes += c->type.enc == IR_BITS
                             ? 8 * (uint64_t)c->type.bits * (uint64_t)c->type.d[0] * c->wpr
                             : 4 * ir_type_elems(&c->type);
        }
    return OP_COST + bytes / CONST_UNIT;
}

int llvm_split_plan(const IrModule *m, GPart parts[SPLIT_MAX + 1])
{
    uint32_t ni = m->insts.len;
    uint64_t total = 0;
    for (uint32_t k = 0; k < ni; k++)
        total += inst_cost(m, &m->insts.data[k]);
    uint64_t n = total / PART_MIN_COST;
    n = n > SPLIT_MAX ? SPLIT_MAX : n > ni ? ni : n;
    if (n < 2)
        return 1;
    // part i ends where the running cost reaches i/n of the total; every part gets an
    // instruction at least, the last one the rest
    uint64_t run = 0;
    uint32_t k = 0;
    for (uint64_t i = 1; i <= n; i++) {
        GPart *p = &parts[i];
        *p = (GPart){.lo = k};
        while (k < ni - (n - i) && (i == n || k == p->lo || run < total * i / n)) {
            uint64_t c = inst_cost(m, &m->insts.data[k++]);
            run += c;
            p->cost += c;
        }
        p->hi = k;
    }
    return (int)n;
}

typedef struct Pool {
    const Target *t;
    const char *passes;
    SplitJob *jobs;
    int *order; // job indices, largest first
    int n;
    bool emit;
    _Atomic int next;
} Pool;

static void run_job(const Pool *p, LLVMTargetMachineRef tm, SplitJob *j)
{
    if (!p->emit) {
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        LLVMErrorRef e = LLVMRunPasses(j->M, p->passes, tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (e) {
            char *msg = LLVMGetErrorMessage(e);
            j->err = strdup(msg); // freed with free(), like LLVMDisposeMessage
            LLVMDisposeErrorMessage(msg);
        }
        return;
    }
    if (LLVMTargetMachineEmitToFile(tm, j->M, j->obj, LLVMObjectFile, &j->err) == 0)
        j->err = NULL;
    LLVMDisposeModule(j->M);
    LLVMContextDispose(j->C);
    j->M = NULL;
    j->C = NULL;
}

static void drain(Pool *p, LLVMTargetMachineRef tm)
{
    for (int i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        run_job(p, tm, &p->jobs[p->order[i]]);
}

static void *worker(void *arg)
{
    Pool *p = arg;
    const Target *t = p->t;
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(t->target, t->triple, t->cpu, t->features,
                                                      t->level, LLVMRelocPIC, LLVMCodeModelDefault);
    if (tm) { // without a target machine, the other threads do the work
        drain(p, tm);
        LLVMDisposeTargetMachine(tm);
    }
    return NULL;
}

/* Threads to use: the CPUs this process may run on (taskset counts), at most one per job. */
static int thread_count(int jobs)
{
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    cpus = cpus < 1 ? 1 : cpus > SPLIT_THREADS ? SPLIT_THREADS : cpus;
    return cpus < jobs ? cpus : jobs;
}

bool llvm_split_run(const Target *t, const char *passes, SplitJob *jobs, int n, bool emit)
{
    int order[SPLIT_MAX + 1];
    for (int i = 0; i < n; i++) { // by decreasing cost (insertion sort, stable)
        int k = i;
        for (; k > 0 && jobs[order[k - 1]].cost < jobs[i].cost; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    Pool p = {.t = t, .passes = passes, .jobs = jobs, .order = order, .n = n, .emit = emit};
    atomic_init(&p.next, 0);
    pthread_t tid[SPLIT_THREADS];
    int started = 0;
    for (int k = 1; k < thread_count(n); k++) { // a thread that cannot start: its share runs here
        if (pthread_create(&tid[k], NULL, worker, &p) != 0)
            break;
        started = k;
    }
    drain(&p, t->tm);
    for (int k = 1; k <= started; k++)
        pthread_join(tid[k], NULL);
    for (int i = 0; i < n; i++)
        if (jobs[i].err)
            return false;
    return true;
}
