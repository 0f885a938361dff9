// SPDX-License-Identifier: MIT
/* llvm_split.c: a large network's LLVM work on all online CPUs (what rustc's codegen
 * units do). The plan cuts the instructions into at most SPLIT_MAX contiguous parts of
 * about equal estimated work, from the network alone; llvm_gen_split builds each part in
 * its own LLVM context; here worker threads, each with a target machine of its own, take
 * each module as soon as the generator has finished it (the generator runs on, making
 * the next part) and optimize and emit it into its own object file. Each module's
 * result does not depend on the thread that made it: the library is the same whatever
 * the number of CPUs. */
// sched_getaffinity and CPU_COUNT: _GNU_SOURCE comes with LLVM's definitions (CMakeLists.txt)
#include "llvm_split.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Transforms/PassBuilder.h>

#include "ice.h"

#define SPLIT_THREADS 8
/* Estimated work, calibrated on ResNet-18 (CPU ms of optimize + emit per part): an op
 * with a weight tensor (a kernel: conv2d, dense, bpop_*) about 50, any other op about 5,
 * and each 256 KB of constant data about 1 (emitting the bytes). */
#define KERNEL_COST   40
#define OP_COST       4
#define KERNEL_ELEMS  4096 // a constant this large is a weight tensor
#define CONST_UNIT    (1u << 18)
#define PART_MIN_COST 100 // below this a part costs more (a context, a module) than it saves

static uint64_t inst_cost(const IrModule *m, const IrInst *in)
{
    if (in->op == IR_OP_INPUT || in->op == IR_OP_FLATTEN)
        return 0;
    uint64_t bytes = 0, cost = OP_COST;
    for (uint32_t a = 0; a < in->nargs; a++)
        if (in->args[a].is_const) {
            const IrConst *c = &m->consts.data[in->args[a].id];
            uint64_t n = ir_type_elems(&c->type);
            bytes += c->type.enc == IR_BITS
                             ? 8 * (uint64_t)c->type.bits * (uint64_t)c->type.d[0] * c->wpr
                             : 4 * n;
            cost = n >= KERNEL_ELEMS ? KERNEL_COST : cost;
        }
    return cost + bytes / CONST_UNIT;
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

struct SplitPool {
    const Target *t;
    const char *passes;
    SplitJob *jobs;
    int n;
    int order[SPLIT_MAX + 1]; // jobs in the order they become ready
    int ready, next;          // under mu: jobs ready so far, the next to take
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t tid[SPLIT_THREADS];
    int started;
};

static void run_job(const SplitPool *p, LLVMTargetMachineRef tm, SplitJob *j)
{
    LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(j->M, p->passes, tm, po);
    LLVMDisposePassBuilderOptions(po);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        j->err = strdup(msg); // freed with free(), like LLVMDisposeMessage
        LLVMDisposeErrorMessage(msg);
    } else {
        j->passes_ok = true;
        if (LLVMTargetMachineEmitToFile(tm, j->M, j->obj, LLVMObjectFile, &j->err) == 0)
            j->err = NULL;
    }
    LLVMDisposeModule(j->M);
    LLVMContextDispose(j->C);
    j->M = NULL;
    j->C = NULL;
}

/* Take jobs as they become ready until all n are taken. */
static void drain(SplitPool *p, LLVMTargetMachineRef tm)
{
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->next < p->n && p->next >= p->ready)
            pthread_cond_wait(&p->cv, &p->mu);
        int i = p->next < p->n ? p->order[p->next++] : -1;
        pthread_mutex_unlock(&p->mu);
        if (i < 0)
            return;
        run_job(p, tm, &p->jobs[i]);
    }
}

static void *worker(void *arg)
{
    SplitPool *p = arg;
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

SplitPool *llvm_split_start(const Target *t, const char *passes, SplitJob *jobs, int n)
{
    SplitPool *p = calloc(1, sizeof *p);
    HB_CHECK(p && n <= SPLIT_MAX + 1, "out of memory");
    *p = (SplitPool){.t = t, .passes = passes, .jobs = jobs, .n = n};
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int k = 1; k < thread_count(n); k++) { // a thread that cannot start: its share runs here
        if (pthread_create(&p->tid[k], NULL, worker, p) != 0)
            break;
        p->started = k;
    }
    return p;
}

void llvm_split_ready(SplitPool *p, int job)
{
    pthread_mutex_lock(&p->mu);
    p->order[p->ready++] = job;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

bool llvm_split_finish(SplitPool *p)
{
    drain(p, p->t->tm);
    for (int k = 1; k <= p->started; k++)
        pthread_join(p->tid[k], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    bool ok = true;
    for (int i = 0; i < p->n; i++)
        ok = ok && !p->jobs[i].err;
    free(p);
    return ok;
}
