#!/usr/bin/env bash
# cmake_package.sh HBNNC SCRATCH: `cmake --install` installs a CMake package, and a tiny
# consumer project writes find_package(hbnnc) + hbnnc_add_network(digits ...), links the
# network like any library target, builds, and its program classifies the digits test
# images (the network's first three predictions are checked against hbnnc --run).
set -euo pipefail
hbnnc=$1
s=$2
build=$(dirname "$hbnnc")
src=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$s" && mkdir -p "$s/app"
cmake --install "$build" --prefix "$s/prefix" > /dev/null
test -f "$s/prefix/lib/cmake/hbnnc/hbnncConfig.cmake"
cat > "$s/app/CMakeLists.txt" <<EOF2
cmake_minimum_required(VERSION 3.20)
project(app C)
find_package(hbnnc 0.1 REQUIRED)
hbnnc_add_network(digits "$src/examples/digits/digits.hb" OPT 2)
add_executable(app main.c)
target_link_libraries(app PRIVATE digits)
EOF2
cat > "$s/app/main.c" <<'EOF2'
#include <stdio.h>
#include "digits.h"
int main(void)
{
    static float in[3 * digits_IN_ELEMS], out[3 * digits_OUT_ELEMS];
    FILE *f = fopen(TEST_X, "rb");
    if (!f || fseek(f, 128, SEEK_SET) || fread(in, sizeof in, 1, f) != 1) /* .npy v1, 128-byte header */
        return 2;
    fclose(f);
    digits_ctx *ctx = digits_create(1);
    if (!ctx || digits_run(ctx, in, out, 3) != digits_OK)
        return 1;
    for (int i = 0; i < 3; i++) {
        int best = 0;
        for (int k = 1; k < digits_OUT_ELEMS; k++)
            if (out[i * digits_OUT_ELEMS + k] > out[i * digits_OUT_ELEMS + best])
                best = k;
        printf("%d\n", best);
    }
    digits_destroy(ctx);
    return 0;
}
EOF2
echo "target_compile_definitions(app PRIVATE TEST_X=\"$src/examples/digits/test_x.npy\")" >> "$s/app/CMakeLists.txt"
cmake -S "$s/app" -B "$s/app/build" -DCMAKE_PREFIX_PATH="$s/prefix" > /dev/null
cmake --build "$s/app/build" > /dev/null
"$s/app/build/app" > "$s/got.txt"
"$hbnnc" "$src/examples/digits/digits.hb" --run "$src/examples/digits/test_x.npy" > "$s/run.txt"
head -n 3 "$s/run.txt" |
    awk '{ best = 1; for (i = 2; i <= NF; i++) if ($i > $best) best = i; print best - 1 }' > "$s/want.txt"
diff "$s/want.txt" "$s/got.txt"
echo "cmake_package: 1 passed, 0 failed"
