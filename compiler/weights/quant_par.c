// SPDX-License-Identifier: MIT
/* quant_par.c: the quantize stage's tensors on several threads. Each tensor is
 * quantized on its own (quant_tensor has no shared state), so a worker thread takes the
 * next tensor from an atomic counter and allocates into an arena of its own, which is
 * adopted by the compilation's arena afterwards: the results, and the order in which
 * bind.c then reports them, do not depend on the threads. */
#include "quant_par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define QP_MAX_THREADS 8
#define QP_MIN_ELEMS   (1u << 20) // below this, a thread costs more than it saves

typedef struct QPool {
    Graph *g;
    const uint32_t *nodes;
    uint32_t n;
    QSlot *slots;
    _Atomic uint32_t next;
} QPool;

typedef struct QWorker {
    QPool *pool;
    Arena arena;
    pthread_t tid;
} QWorker;

static void drain(QPool *p, Arena *a)
{
    for (;;) {
        uint32_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return;
        const GNode *node = &p->g->nodes[p->nodes[i]];
        const WTensor *w = node->bound[TR_WEIGHT];
        QSlot *s = &p->slots[i];
        s->ok = quant_tensor(a, w->data, w->nelem, (uint32_t)w->shape[0], node->wq, &s->q, &s->err);
    }
}

static void *worker(void *arg)
{
    QWorker *w = arg;
    drain(w->pool, &w->arena);
    return NULL;
}

/* Threads to use: the online CPUs (at most QP_MAX_THREADS), 1 for small work. */
static int thread_count(const Graph *g, const uint32_t *nodes, uint32_t n)
{
    uint64_t elems = 0;
    for (uint32_t i = 0; i < n; i++)
        elems += g->nodes[nodes[i]].bound[TR_WEIGHT]->nelem;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int t = cpus < 1 ? 1 : cpus > QP_MAX_THREADS ? QP_MAX_THREADS : (int)cpus;
    if (elems < QP_MIN_ELEMS || n < 2)
        return 1;
    return t < (int)n ? t : (int)n;
}

void quant_par_run(HbCx *cx, Graph *g, const uint32_t *nodes, uint32_t n, QSlot *slots)
{
    QPool pool = {.g = g, .nodes = nodes, .n = n, .slots = slots};
    atomic_init(&pool.next, 0);
    QWorker w[QP_MAX_THREADS];
    int t = thread_count(g, nodes, n), started = 0;
    for (int k = 1; k < t; k++) { // a thread that cannot start: its share runs here
        w[k].pool = &pool;
        arena_init(&w[k].arena);
        if (pthread_create(&w[k].tid, NULL, worker, &w[k]) != 0)
            break;
        started = k;
    }
    drain(&pool, &cx->arena);
    for (int k = 1; k <= started; k++) {
        pthread_join(w[k].tid, NULL);
        arena_adopt(&cx->arena, &w[k].arena);
    }
}
