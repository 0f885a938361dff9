// SPDX-License-Identifier: MIT
/* hbrt.c: the small C runtime linked into every shared library hbnnc generates
 * (--target cpu): contexts with their per-thread workspaces (allocated once in
 * NAME_create), the batch split across threads (fork-join with pthreads), and the
 * per-example activation quantizer of the `quant` op, from the quant library's sources
 * (compiled into the same archive). Built with hidden visibility: nothing here is
 * exported from the generated library. Depends on libc, libm and libpthread only. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant_internal.h"

#define HBRT_ERR_NULL_CTX -1
#define HBRT_ERR_NULL_ARG -2
#define HBRT_ERR_BATCH    -3

typedef void (*hbrt_example)(void *ws, const float *const *in, void *const *out);

typedef struct hbrt_ctx {
    int threads;
    size_t ws_bytes;
    unsigned char *ws; // threads * ws_bytes, 64-byte aligned
} hbrt_ctx;

/* The prototypes the generated code calls (it declares them itself). */
void *hbrt_create(int threads, uint64_t ws_bytes);
void hbrt_destroy(void *ctx);
int hbrt_run(void *ctx, hbrt_example fn, int nin, const float *const *in, const uint64_t *in_elems,
             int nout, void *const *out, const uint64_t *out_elems, int batch);
void hbrt_assign_widths(const float *x, uint32_t n, int nd, const int32_t *bits,
                        const double *fracs, int32_t sel, uint64_t seed, uint8_t *M);
void hbrt_binarize(const float *x, uint64_t n, const uint8_t *M, int32_t k, float *beta,
                   uint8_t *signs, double *work);

void *hbrt_create(int threads, uint64_t ws_bytes)
{
    if (threads <= 0)
        threads = 1;
    if (threads > 256)
        threads = 256;
    hbrt_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->threads = threads;
    c->ws_bytes = (size_t)(ws_bytes + 63) / 64 * 64;
    size_t total = c->ws_bytes * (size_t)threads;
    if (posix_memalign((void **)&c->ws, 64, total ? total : 64)) {
        free(c);
        return NULL;
    }
    memset(c->ws, 0, total);
    return c;
}

void hbrt_destroy(void *ctx)
{
    hbrt_ctx *c = ctx;
    if (!c)
        return;
    free(c->ws);
    free(c);
}

#define HBRT_MAX_IO 64

typedef struct Job {
    hbrt_example fn;
    unsigned char *ws;
    int nin, nout;
    const float *const *in;
    const uint64_t *in_elems;
    void *const *out;
    const uint64_t *out_elems;
    int64_t first, end; // examples [first, end)
} Job;

static void *job_run(void *arg)
{
    const Job *j = arg;
    const float *in[HBRT_MAX_IO];
    void *out[HBRT_MAX_IO];
    for (int64_t b = j->first; b < j->end; b++) {
        for (int k = 0; k < j->nin; k++)
            in[k] = j->in[k] + (size_t)b * j->in_elems[k];
        for (int k = 0; k < j->nout; k++)
            out[k] = (char *)j->out[k] + (size_t)b * j->out_elems[k] * 4;
        j->fn(j->ws, in, out);
    }
    return NULL;
}

int hbrt_run(void *ctx, hbrt_example fn, int nin, const float *const *in, const uint64_t *in_elems,
             int nout, void *const *out, const uint64_t *out_elems, int batch)
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
    Job jobs[256];
    pthread_t tid[256];
    bool joined[256];
    for (int k = 0; k < t; k++)
        jobs[k] = (Job){.fn = fn,
                        .ws = c->ws + (size_t)k * c->ws_bytes,
                        .nin = nin,
                        .nout = nout,
                        .in = in,
                        .in_elems = in_elems,
                        .out = out,
                        .out_elems = out_elems,
                        .first = (int64_t)batch * k / t,
                        .end = (int64_t)batch * (k + 1) / t};
    // Threads 1..t-1 run beside the caller; one that cannot start runs inline.
    for (int k = 1; k < t; k++) {
        joined[k] = pthread_create(&tid[k], NULL, job_run, &jobs[k]) == 0;
        if (!joined[k])
            job_run(&jobs[k]);
    }
    job_run(&jobs[0]);
    for (int k = 1; k < t; k++)
        if (joined[k])
            pthread_join(tid[k], NULL);
    return 0;
}

void hbrt_assign_widths(const float *x, uint32_t n, int nd, const int32_t *bits,
                        const double *fracs, int32_t sel, uint64_t seed, uint8_t *M)
{
    QDist d = {.n = nd};
    for (int k = 0; k < nd; k++)
        d.bits[k] = bits[k], d.frac[k] = fracs[k];
    quant_assign_widths(x, n, &d, (Selection)sel, seed, M);
}

void hbrt_binarize(const float *x, uint64_t n, const uint8_t *M, int32_t k, float *beta,
                   uint8_t *signs, double *work)
{
    quant_binarize_work(x, n, M, k, beta, signs, work);
}
