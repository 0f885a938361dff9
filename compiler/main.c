// SPDX-License-Identifier: MIT
/* main.c: placeholder driver */
#include "ast.h"
int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
