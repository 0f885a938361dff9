// SPDX-License-Identifier: MIT
/* hbrt.c: the small C runtime linked into every shared library hbnnc generates
 * (--target cpu): contexts with their per-thread workspaces and worker threads (made once in
 * NAME_create), the batch split across the threads (fork-join), and the
 * per-example activation quantizer of the `quant` op, from the quant library's sources
 * (compiled into the same archive). Built with hidden visibility: nothing here is
 * exported from the generated library. Depends on libc, libm and libpthread only. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant_internal.h"

#define HBRT_ERR_NULL_CTX -1
#define HBRT_ERR_NULL_ARG -2
#define HBRT_ERR_BATCH    -3

/* Runs nb (1..the library's block size) consecutive examples; par is the context when
 * its ops may split their work across the threads (hbrt_par), else NULL. */
typedef void (*hbrt_example)(void *ws, const float *const *in, void *const *out, int64_t nb,
                             void *par);
/* Part [lo, hi) of an op's work (an outlined kernel). */
typedef void (*hbrt_range)(void *args, int64_t lo, int64_t hi);

#define HBRT_MAX_THREADS 256
#define HBRT_MAX_IO      64

typedef struct Job {
    hbrt_example fn;
    int block; // examples per call of fn
    void *par; // hbrt_par's context for fn, or NULL
    unsigned char *ws;
    int nin, nout;
    const float *const *in;
    const uint64_t *in_elems;
    void *const *out;
    const uint64_t *out_elems;
    int64_t end;           // examples [0, end)
    _Atomic int64_t *next; // the next unclaimed example, shared by the round's jobs
} Job;

/* A context: the workspaces of its threads and a fork-join pool of threads - 1
 * workers started once by hbrt_create (the caller's thread is worker 0). A dispatch
 * publishes `round` = generation << 16 | active threads in one atomic word (so a late
 * worker never pairs one round's generation with another's count); worker k runs
 * jobs[k] if k < active and counts `pending` down. Workers and the waiting caller spin
 * for a while before they sleep on a condition variable: a batch-1 run forks and joins
 * once per op, and a futex wake-up costs more than a small op in a VM (during such a run
 * the idle workers spin throughout: `hot`). The sleeper
 * counts make the hand-over safe: a waker reads them after its own store (seq_cst), a
 * sleeper registers under the mutex before its last check. */
typedef struct hbrt_ctx {
    int threads;
    size_t ws_bytes;
    unsigned char *ws; // threads * ws_bytes, 64-byte aligned
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    _Atomic uint64_t round;
    _Atomic int pending, sleepers, waiting;
    _Atomic bool quit;
    /* A run with idle threads (batch < threads) is in progress: its ops may call
     * hbrt_par at any time, so the idle workers spin instead of sleeping until it ends
     * (a futex wake per split cost more than a small split saves). */
    _Atomic bool hot;
    Job jobs[HBRT_MAX_THREADS];
    /* The current hbrt_par round: its units are claimed in chunks from `next` (the
     * round's generation << 40 | the next unit) by whoever is running, and `done`
     * counts the units finished; the kernel's fields are only read by a claimer whose
     * claim succeeds, which proves the round is not over (its fields are current). */
    _Atomic(hbrt_range) pfn;
    _Atomic(void *) pargs;
    _Atomic int64_t pn, pchunk, pdone;
    _Atomic uint64_t pnext;
    _Atomic int64_t enext; // hbrt_run: the next example block to claim
    pthread_t tid[HBRT_MAX_THREADS];
    struct Worker {
        struct hbrt_ctx *c;
        int k;
    } workers[HBRT_MAX_THREADS];
} hbrt_ctx;

/* About 0.1-0.3 ms of polling before sleeping. */
#define HBRT_SPIN 8192
/* A round's `round` word: generation << 16 | HBRT_PAR_ROUND for hbrt_par | threads. */
#define HBRT_PAR_ROUND 0x8000u
#define HBRT_GEN_MASK  0xffffffu
#define HBRT_UNIT_MASK ((UINT64_C(1) << 40) - 1)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* The prototypes the generated code calls (it declares them itself). */
void *hbrt_create(int threads, uint64_t ws_bytes);
void hbrt_destroy(void *ctx);
void hbrt_par(void *ctx, hbrt_range fn, void *args, int64_t n, int64_t grain);
int hbrt_run(void *ctx, hbrt_example fn, int block, int nin, const float *const *in,
             const uint64_t *in_elems, int nout, void *const *out, const uint64_t *out_elems,
             int batch);
void hbrt_assign_widths(const float *x, uint32_t n, int nd, const int32_t *bits,
                        const double *fracs, int32_t sel, uint64_t seed, uint8_t *M, void *work,
                        uint64_t work_bytes);
void hbrt_binarize(const float *x, uint64_t n, const uint8_t *M, int32_t k, float *beta,
                   uint8_t *signs, double *work);
void hbrt_assign_widths_par(void *ctx, const float *x, uint32_t n, int nd, const int32_t *bits,
                            const double *fracs, int32_t sel, uint64_t seed, uint8_t *M, void *work,
                            uint64_t work_bytes);

static void job_run(const Job *j)
{
    const float *in[HBRT_MAX_IO];
    void *out[HBRT_MAX_IO];
    for (;;) { // blocks claimed one at a time: a slower thread takes fewer
        int64_t b = atomic_fetch_add_explicit(j->next, j->block, memory_order_relaxed);
        if (b >= j->end)
            break;
        int64_t nb = j->end - b < j->block ? j->end - b : j->block;
        for (int k = 0; k < j->nin; k++)
            in[k] = j->in[k] + (size_t)b * j->in_elems[k];
        for (int k = 0; k < j->nout; k++)
            out[k] = (char *)j->out[k] + (size_t)b * j->out_elems[k] * 4;
        j->fn(j->ws, in, out, nb, j->par);
    }
}

/* The next round after `seen` (or seen itself once quit is set): spin (for as long as a
 * run is hot), then sleep until a round, quit, or a hot run (then spin again). */
static uint64_t await_round(hbrt_ctx *c, uint64_t seen)
{
    for (;;) {
        for (int i = 0; i < HBRT_SPIN; i++) {
            uint64_t r = atomic_load_explicit(&c->round, memory_order_acquire);
            if (r != seen || atomic_load_explicit(&c->quit, memory_order_relaxed))
                return r;
            if (atomic_load_explicit(&c->hot, memory_order_relaxed))
                i = 0;
            cpu_relax();
        }
        pthread_mutex_lock(&c->mu);
        atomic_fetch_add(&c->sleepers, 1);
        uint64_t r;
        while ((r = atomic_load(&c->round)) == seen && !atomic_load(&c->quit) &&
               !atomic_load(&c->hot))
            pthread_cond_wait(&c->go, &c->mu);
        atomic_fetch_sub(&c->sleepers, 1);
        pthread_mutex_unlock(&c->mu);
        if (r != seen || atomic_load(&c->quit))
            return r;
    }
}

/* Start or end a hot run (hbrt_ctx.hot): starting wakes sleeping workers to spin. */
static void set_hot(hbrt_ctx *c, bool hot)
{
    atomic_store(&c->hot, hot);
    if (hot && atomic_load(&c->sleepers) > 0) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->go);
        pthread_mutex_unlock(&c->mu);
    }
}

/* Claim and run chunks of hbrt_par round gen until none is left (or the round is over:
 * a late worker finds another generation and does nothing). */
static void par_work(hbrt_ctx *c, uint64_t gen)
{
    for (;;) {
        uint64_t v = atomic_load_explicit(&c->pnext, memory_order_acquire);
        int64_t n = atomic_load_explicit(&c->pn, memory_order_relaxed);
        int64_t chunk = atomic_load_explicit(&c->pchunk, memory_order_relaxed);
        hbrt_range fn = atomic_load_explicit(&c->pfn, memory_order_relaxed);
        void *args = atomic_load_explicit(&c->pargs, memory_order_relaxed);
        int64_t u = (int64_t)(v & HBRT_UNIT_MASK);
        if ((v >> 40) != (gen & HBRT_GEN_MASK) || u >= n)
            return;
        int64_t take = n - u < chunk ? n - u : chunk;
        if (!atomic_compare_exchange_weak(&c->pnext, &v, v + (uint64_t)take))
            continue;
        fn(args, u, u + take);
        atomic_fetch_add_explicit(&c->pdone, take, memory_order_release);
    }
}

static void *worker(void *arg)
{
    struct Worker *w = arg;
    hbrt_ctx *c = w->c;
    uint64_t seen = 0;
    for (;;) {
        uint64_t r = await_round(c, seen);
        if (atomic_load(&c->quit))
            break;
        seen = r;
        if (r & HBRT_PAR_ROUND) { // never touches jobs[] or pending: it may be late
            if (w->k < (int)(r & 0x7fff))
                par_work(c, r >> 16);
            continue;
        }
        if (w->k >= (int)(r & 0xffff))
            continue;
        job_run(&c->jobs[w->k]);
        if (atomic_fetch_sub(&c->pending, 1) == 1 && atomic_load(&c->waiting)) {
            pthread_mutex_lock(&c->mu);
            pthread_cond_signal(&c->done);
            pthread_mutex_unlock(&c->mu);
        }
    }
    return NULL;
}

/* Start jobs[1..t) (filled by the caller) on the workers, or (par) an hbrt_par round. */
static void dispatch(hbrt_ctx *c, int t, bool par)
{
    uint64_t gen = (atomic_load_explicit(&c->round, memory_order_relaxed) >> 16) + 1;
    if (par)
        atomic_store(&c->pnext, (gen & HBRT_GEN_MASK) << 40);
    else
        atomic_store(&c->pending, t - 1);
    atomic_store(&c->round, gen << 16 | (par ? HBRT_PAR_ROUND : 0) | (uint64_t)t);
    if (atomic_load(&c->sleepers) > 0) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->go);
        pthread_mutex_unlock(&c->mu);
    }
}

/* Wait until the workers of the last dispatch are done: spin, then sleep. */
static void join(hbrt_ctx *c)
{
    for (int i = 0; i < HBRT_SPIN; i++) {
        if (atomic_load_explicit(&c->pending, memory_order_acquire) == 0)
            return;
        cpu_relax();
    }
    pthread_mutex_lock(&c->mu);
    atomic_store(&c->waiting, 1);
    while (atomic_load(&c->pending) > 0)
        pthread_cond_wait(&c->done, &c->mu);
    atomic_store(&c->waiting, 0);
    pthread_mutex_unlock(&c->mu);
}

void *hbrt_create(int threads, uint64_t ws_bytes)
{
    if (threads <= 0)
        threads = 1;
    if (threads > HBRT_MAX_THREADS)
        threads = HBRT_MAX_THREADS;
    hbrt_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ws_bytes = (size_t)(ws_bytes + 63) / 64 * 64;
    size_t total = c->ws_bytes * (size_t)threads;
    if (posix_memalign((void **)&c->ws, 64, total ? total : 64)) {
        free(c);
        return NULL;
    }
    memset(c->ws, 0, total);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->go, NULL);
    pthread_cond_init(&c->done, NULL);
    c->threads = 1;
    for (int k = 1; k < threads; k++) { // a thread that cannot start: fewer threads
        c->workers[k] = (struct Worker){c, k};
        if (pthread_create(&c->tid[k], NULL, worker, &c->workers[k]) != 0)
            break;
        c->threads = k + 1;
    }
    return c;
}

void hbrt_destroy(void *ctx)
{
    hbrt_ctx *c = ctx;
    if (!c)
        return;
    atomic_store(&c->quit, true);
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->go);
    pthread_mutex_unlock(&c->mu);
    for (int k = 1; k < c->threads; k++)
        pthread_join(c->tid[k], NULL);
    pthread_cond_destroy(&c->go);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->mu);
    free(c->ws);
    free(c);
}

/* The batch in blocks that the threads claim in turn (a thread slowed by another
 * process or a costlier example takes fewer; fixed slices made the other wait). */
int hbrt_run(void *ctx, hbrt_example fn, int block, int nin, const float *const *in,
             const uint64_t *in_elems, int nout, void *const *out, const uint64_t *out_elems,
             int batch)
{
    hbrt_ctx *c = ctx;
    if (!c)
        return HBRT_ERR_NULL_CTX;
    if (!in || !out)
        return HBRT_ERR_NULL_ARG;
    for (int k = 0; k < nin; k++)
        if (!in[k])
            return HBRT_ERR_NULL_ARG;
    for (int k = 0; k < nout; k++)
        if (!out[k])
            return HBRT_ERR_NULL_ARG;
    if (batch < 0)
        return HBRT_ERR_BATCH;
    int t = c->threads < batch ? c->threads : batch;
    if (t <= 0)
        return 0;
    int claim = (batch + t - 1) / t < block ? (batch + t - 1) / t : block; // <= block
    for (int k = 0; k < t; k++)
        c->jobs[k] = (Job){.fn = fn,
                           .block = claim,
                           .par = t == 1 && c->threads > 1 ? c : NULL, // others idle
                           .ws = c->ws + (size_t)k * c->ws_bytes,
                           .nin = nin,
                           .nout = nout,
                           .in = in,
                           .in_elems = in_elems,
                           .out = out,
                           .out_elems = out_elems,
                           .end = batch,
                           .next = &c->enext};
    atomic_store_explicit(&c->enext, 0, memory_order_relaxed); // published by dispatch
    bool hot = t == 1 && c->threads > 1; // the example's ops split across the idle workers
    if (hot)
        set_hot(c, true);
    if (t > 1)
        dispatch(c, t, false);
    job_run(&c->jobs[0]);
    if (t > 1)
        join(c);
    if (hot)
        set_hot(c, false);
    return 0;
}

/* An op's n units of work across the context's threads (called by the caller's thread
 * while the others are idle: batch < threads), on at most n / grain threads (the
 * compiler's minimum work per thread: a fork and join cost more than a smaller share
 * saves). The units are claimed in chunks by whoever runs, so a worker that wakes late
 * (from its sleep: tens of us in a VM) costs nothing: the caller does the work and only
 * waits for chunks already claimed. */
void hbrt_par(void *ctx, hbrt_range fn, void *args, int64_t n, int64_t grain)
{
    hbrt_ctx *c = ctx;
    int64_t most = n / (grain > 1 ? grain : 1);
    int t = !c ? 1 : most < c->threads ? (int)most : c->threads;
    if (t <= 1 || n > (int64_t)HBRT_UNIT_MASK) {
        fn(args, 0, n);
        return;
    }
    int64_t chunk = n / (4 * t);
    atomic_store_explicit(&c->pfn, fn, memory_order_relaxed);
    atomic_store_explicit(&c->pargs, args, memory_order_relaxed);
    atomic_store_explicit(&c->pn, n, memory_order_relaxed);
    atomic_store_explicit(&c->pchunk, chunk > 1 ? chunk : 1, memory_order_relaxed);
    atomic_store_explicit(&c->pdone, 0, memory_order_relaxed);
    dispatch(c, t, true);
    par_work(c, atomic_load_explicit(&c->round, memory_order_relaxed) >> 16);
    for (int i = 0; atomic_load_explicit(&c->pdone, memory_order_acquire) < n; i++)
        if (i < HBRT_SPIN)
            cpu_relax();
        else // a claimer was descheduled: let it run
            sched_yield();
}

/* Algorithm 1 on the workspace's scratch; a short buffer (a compiler bug: the backend
 * sizes it by quant_widths_work_bytes' formula) falls back to allocating. */
void hbrt_assign_widths(const float *x, uint32_t n, int nd, const int32_t *bits,
                        const double *fracs, int32_t sel, uint64_t seed, uint8_t *M, void *work,
                        uint64_t work_bytes)
{
    QDist d = {.n = nd};
    for (int k = 0; k < nd; k++)
        d.bits[k] = bits[k], d.frac[k] = fracs[k];
    if (work_bytes >= quant_widths_work_bytes(n, (Selection)sel))
        quant_assign_widths_work(x, n, &d, (Selection)sel, seed, M, work);
    else
        quant_assign_widths(x, n, &d, (Selection)sel, seed, M);
}

/* The same with its passes split across the context's threads (hbrt_par) when the
 * caller runs alone (ctx: the op's hbrt_par context, NULL when the threads are busy) and
 * the tensor is big enough (quant_assign_widths_par: the same widths). */
void hbrt_assign_widths_par(void *ctx, const float *x, uint32_t n, int nd, const int32_t *bits,
                            const double *fracs, int32_t sel, uint64_t seed, uint8_t *M, void *work,
                            uint64_t work_bytes)
{
    hbrt_ctx *c = ctx;
    if (!c || c->threads < 2 || work_bytes < quant_widths_work_bytes(n, (Selection)sel)) {
        hbrt_assign_widths(x, n, nd, bits, fracs, sel, seed, M, work, work_bytes);
        return;
    }
    QDist d = {.n = nd};
    for (int k = 0; k < nd; k++)
        d.bits[k] = bits[k], d.frac[k] = fracs[k];
    QuantPar par = {hbrt_par, c, c->threads};
    quant_assign_widths_par(x, n, &d, (Selection)sel, seed, M, work, &par);
}

void hbrt_binarize(const float *x, uint64_t n, const uint8_t *M, int32_t k, float *beta,
                   uint8_t *signs, double *work)
{
    quant_binarize_work(x, n, M, k, beta, signs, work);
}
