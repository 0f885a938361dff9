/* api_misuse.c: the generated ABI's documented error codes (tests/e2e/cpu_backend.sh),
 * on the digits network. Valid C99 and C++: the script compiles it with
 * cc -std=c99 -Wall -Wextra -Werror (and ASan) and with c++. */
#include <stdio.h>
#include <string.h>

#include "digits.h"

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "api_misuse: line %d: %s\n", __LINE__, #cond); \
            return 1;                                                      \
        }                                                                  \
    } while (0)

int main(void)
{
    static float in[3 * digits_IN_ELEMS], out[3 * digits_OUT_ELEMS];
    const float *ins[1] = {in};
    void *outs[1] = {out};
    digits_ctx *ctx = digits_create(0); /* <= 0 means 1 thread */
    CHECK(ctx != NULL);
    CHECK(digits_run(NULL, in, out, 1) == digits_ERR_NULL_CTX);
    CHECK(digits_run(ctx, NULL, out, 1) == digits_ERR_NULL_ARG);
    CHECK(digits_run(ctx, in, NULL, 1) == digits_ERR_NULL_ARG);
    CHECK(digits_run(ctx, in, out, -1) == digits_ERR_BATCH);
    CHECK(digits_run_n(ctx, NULL, outs, 1) == digits_ERR_NULL_ARG);
    CHECK(digits_run_n(ctx, ins, NULL, 1) == digits_ERR_NULL_ARG);
    out[0] = 12345.0f;
    CHECK(digits_run(ctx, in, out, 0) == digits_OK); /* batch 0 does nothing */
    CHECK(out[0] == 12345.0f);
    CHECK(digits_run(ctx, in, out, 3) == digits_OK);
    CHECK(digits_run_n(ctx, ins, outs, 3) == digits_OK);
    CHECK(strstr(digits_info(), "network digits") != NULL);
    digits_destroy(ctx);
    digits_destroy(NULL);
    digits_ctx *many = digits_create(64);
    CHECK(many != NULL);
    CHECK(digits_run(many, in, out, 3) == digits_OK);
    digits_destroy(many);
    return 0;
}
