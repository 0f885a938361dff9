// SPDX-License-Identifier: MIT
/* check_main.c: the single Check runner. Every suite_NAME() found in the tests/unit sources
 * is listed in the generated suites.inc; ctest runs one suite per entry through
 * CK_RUN_SUITE. */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "test_util.h"

#define X(name) Suite *suite_##name(void);
#include "suites.inc"
#undef X

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define X(name) srunner_add_suite(sr, suite_##name());
#include "suites.inc"
#undef X
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    int ran = srunner_ntests_run(sr);
    srunner_free(sr);
    // A suite named in CK_RUN_SUITE that this binary does not have (a stale build)
    // would otherwise "pass" with zero tests.
    if (ran == 0) {
        fprintf(stderr, "check_unit: no tests ran (CK_RUN_SUITE=%s)\n",
                getenv("CK_RUN_SUITE") ? getenv("CK_RUN_SUITE") : "");
        return EXIT_FAILURE;
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
