// SPDX-License-Identifier: MIT
/* check_output.c: the safe-output API (compiler/base/output.h) in-process: the
 * executable mode for shared libraries, a failed output that leaves the old file and
 * no temporary behind, a chain of dangling symlinks, and a write error reported at
 * close. The path kinds through the real CLI are in tests/e2e/output.sh. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "output.h"
#include "test_util.h"

static const char *fresh_dir(const char *name)
{
    const char *d = hbt_tmp_path(name);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", d, d);
    ck_assert_int_eq(system(cmd), 0);
    return d;
}

static int temps_in(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
}

START_TEST(test_executable_mode)
{
    const char *dir = fresh_dir("out_exec");
    const char *p = arena_printf(&hbt_cx->arena, "%s/net.so", dir);
    mode_t old = umask(022);
    HbOut o;
    ck_assert(hb_out_begin(hbt_cx, &o, p, true));
    fputs("elf", o.f);
    ck_assert(hb_out_end(hbt_cx, &o, true));
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0755);
    umask(old);
    ck_assert_int_eq(temps_in(dir), 0);
    ck_assert_str_eq(hbt_diags(), "");
}
END_TEST

START_TEST(test_failure_keeps_old_file)
{
    const char *dir = fresh_dir("out_fail");
    const char *p = arena_printf(&hbt_cx->arena, "%s/out.npy", dir);
    FILE *f = fopen(p, "w");
    fputs("old", f);
    fclose(f);
    HbOut o;
    ck_assert(hb_out_begin(hbt_cx, &o, p, false));
    ck_assert_str_ne(o.path, p); // a temporary beside it
    fputs("partial", o.f);
    ck_assert(!hb_out_end(hbt_cx, &o, false));
    char buf[16];
    slurp(p, buf, sizeof buf);
    ck_assert_str_eq(buf, "old");
    ck_assert_int_eq(temps_in(dir), 0);
}
END_TEST

START_TEST(test_dangling_chain)
{
    const char *dir = fresh_dir("out_chain");
    char a[600], b[600], c[600];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    ck_assert_int_eq(symlink("b", a), 0); // a -> b -> c (missing)
    ck_assert_int_eq(symlink("c", b), 0);
    HbOut o;
    ck_assert(hb_out_begin(hbt_cx, &o, a, false));
    fputs("new", o.f);
    ck_assert(hb_out_end(hbt_cx, &o, true));
    struct stat st;
    ck_assert_int_eq(lstat(a, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(b, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    char buf[16];
    slurp(c, buf, sizeof buf);
    ck_assert_str_eq(buf, "new");
}
END_TEST

START_TEST(test_symlink_loop)
{
    const char *dir = fresh_dir("out_loop");
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    ck_assert_int_eq(symlink("b", a), 0); // a -> b -> a
    ck_assert_int_eq(symlink("a", b), 0);
    HbOut o;
    ck_assert(!hb_out_begin(hbt_cx, &o, a, false));
    struct stat st;
    ck_assert_int_eq(lstat(a, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_ptr_nonnull(strstr(hbt_diags(), "/a: error: cannot write the output: Too many "
                                              "levels of symbolic links"));
    ck_assert_int_eq(temps_in(dir), 0);
}
END_TEST

/* A stream that fails at flush: a pipe whose reader is gone (EPIPE). */
START_TEST(test_check_stream_error)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fdopen(fds[1], "w");
    fputs("lost", f);
    ck_assert(!hb_out_check_stream(hbt_cx, f, "standard output"));
    fclose(f);
    ck_assert_str_eq(hbt_diags(), "hbnnc: standard output: error: write error: Broken pipe\n");
}
END_TEST

Suite *suite_output(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, hbt_setup, hbt_teardown);
    tcase_add_test(tc, test_executable_mode);
    tcase_add_test(tc, test_failure_keeps_old_file);
    tcase_add_test(tc, test_dangling_chain);
    tcase_add_test(tc, test_symlink_loop);
    tcase_add_test(tc, test_check_stream_error);
    suite_add_tcase(s, tc);
    return s;
}
