// SPDX-License-Identifier: MIT
/* llvm_info.c: facts about the LLVM the CPU backend links against. The first file of
 * backends/llvm/; llvm-c headers stay inside this folder. */
#include <stdio.h>

#include <llvm-c/Core.h>

#include "llvm_backend.h"

const char *llvm_version_string(char *buf, size_t len)
{
    unsigned major, minor, patch;
    LLVMGetVersion(&major, &minor, &patch);
    snprintf(buf, len, "%u.%u.%u", major, minor, patch);
    return buf;
}
