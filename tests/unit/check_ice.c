// SPDX-License-Identifier: MIT
/* check_ice.c: compiler bugs are not input errors. HB_CHECK, a lowered module that
 * fails the verifier and running out of memory end the process with "internal error"
 * and exit code 3 (run in a forked child whose stderr is captured); IR text from the
 * user that fails the verifier is an ordinary error (ir_verify returns false). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "ice.h"
#include "ir.h"
#include "quant_internal.h"
#include "test_util.h"

/* Run fn in a child with stderr (and the context's diagnostics) sent to a pipe; return
 * its exit status (-1 if it did not exit) and what it printed in out. */
static int run_child(void (*fn)(void), char *out, size_t len)
{
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        hbt_cx->diag_out = stderr;
        fn();
        _exit(0);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < len && (r = read(fd[0], out + n, len - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fd[0]);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void failed_check(void)
{
    int tables = 2;
    HB_CHECK(tables == 3, "a broken table invariant (%d)", tables);
}

START_TEST(test_hb_check_exits_3)
{
    char out[2048];
    ck_assert_int_eq(run_child(failed_check, out, sizeof out), 3);
    ck_assert_msg(strstr(out, "hbnnc: internal error: a broken table invariant (2) (at "), "%s",
                  out);
    ck_assert_msg(strstr(out, "a bug in hbnnc, not in the input"), "%s", out);
}
END_TEST

/* Every out-of-memory path ends in hb_out_of_memory: the arena and the quantizer's
 * scratch allocator, asked for more than can exist. */
static void arena_too_big(void)
{
    arena_calloc(&hbt_cx->arena, SIZE_MAX / 2, 4);
}

static void quant_too_big(void)
{
    quant_xmalloc(SIZE_MAX / 2, 4);
}

START_TEST(test_out_of_memory_exits_3)
{
    char out[1024];
    void (*fns[])(void) = {arena_too_big, quant_too_big};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(run_child(fns[k], out, sizeof out), 3);
        ck_assert_msg(strstr(out, "hbnnc: internal error: out of memory allocating "), "%d: %s", k,
                      out);
    }
}
END_TEST

/* relu whose result type disagrees with its operand: what a lowering bug would make. */
static IrModule *bad_module(void)
{
    IrModule *m = ir_module_new(hbt_cx, "bad");
    int64_t four = 4, five = 5;
    IrType t4 = ir_type_f32(1, &four), t5 = ir_type_f32(1, &five);
    IrInst *in = ir_emit(hbt_cx, m, IR_OP_INPUT, "x", &t4, NULL, 0);
    uint32_t x = in->result;
    in = ir_emit(hbt_cx, m, IR_OP_RELU, "r", &t5, &(IrRef){false, x}, 1);
    hb_vec_push(&hbt_cx->arena, &m->inputs, x);
    hb_vec_push(&hbt_cx->arena, &m->outputs, in->result);
    return m;
}

static void verify_built_bad(void)
{
    ir_verify_built(hbt_cx, bad_module(), "lowered IR");
}

START_TEST(test_lowered_bad_ir_exits_3)
{
    char out[4096];
    ck_assert_int_eq(run_child(verify_built_bad, out, sizeof out), 3);
    ck_assert_msg(strstr(out, "relu '%r': result must be f32[4]"), "%s", out);
    ck_assert_msg(strstr(out, "hbnnc: internal error: lowered IR fails the IR verifier"), "%s",
                  out);
}
END_TEST

/* The same module as user input: an error reported, no exit. */
START_TEST(test_user_bad_ir_is_input_error)
{
    ck_assert(!ir_verify(hbt_cx, bad_module(), "t.ir"));
    ck_assert_msg(strstr(hbt_diags(), "result must be f32[4]"), "%s", hbt_diags());
}
END_TEST

Suite *suite_ice(void)
{
    Suite *s = suite_create("ice");
    TCase *tc = tcase_create("ice");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_hb_check_exits_3);
    tcase_add_test(tc, test_lowered_bad_ir_exits_3);
    tcase_add_test(tc, test_out_of_memory_exits_3);
    tcase_add_test(tc, test_user_bad_ir_is_input_error);
    suite_add_tcase(s, tc);
    return s;
}
