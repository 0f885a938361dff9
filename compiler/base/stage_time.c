// SPDX-License-Identifier: MIT
/* stage_time.c: the per-stage timer behind `hbnnc -v` (stage_time.h). A stage that is
 * entered twice (the cpu backend's link after a second emit, say) adds up under one
 * row, so the table has one line per stage name in first-entered order. */
#include "stage_time.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static HbStageTime *row(HbCx *cx, const char *name)
{
    for (uint32_t i = 0; i < cx->stages.len; i++) // a dozen stages at most
        if (strcmp(cx->stages.data[i].name, name) == 0)
            return &cx->stages.data[i];
    hb_vec_push(&cx->arena, &cx->stages, ((HbStageTime){.name = name}));
    return &cx->stages.data[cx->stages.len - 1];
}

void cx_stage(HbCx *cx, const char *name)
{
    double t = now_ms();
    size_t bytes = cx->arena.total;
    if (cx->stage_name) {
        HbStageTime *r = row(cx, cx->stage_name);
        r->ms += t - cx->stage_t0;
        r->arena_bytes += bytes - cx->stage_arena0;
    }
    cx->stage_name = name;
    cx->stage_t0 = t;
    cx->stage_arena0 = bytes;
}

void cx_stage_report(HbCx *cx, FILE *out)
{
    cx_stage(cx, NULL);
    double ms = 0;
    fprintf(out, "hbnnc: %-16s %10s %12s\n", "stage", "ms", "arena MB");
    for (uint32_t i = 0; i < cx->stages.len; i++) {
        const HbStageTime *r = &cx->stages.data[i];
        fprintf(out, "hbnnc: %-16s %10.1f %12.1f\n", r->name, r->ms, (double)r->arena_bytes / 1e6);
        ms += r->ms;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(out, "hbnnc: %-16s %10.1f %12.1f   (peak resident %.1f MB)\n", "total", ms,
            (double)cx->arena.total / 1e6, (double)ru.ru_maxrss / 1024.0);
}
