# compare.sh: helpers sourced by the CPU backend's e2e scripts (cpu_*.sh, int8_kernels.sh,
# float_kernels.sh, code_pools.sh): their common setup, compare `hbnnc --run` output with
# the .so runner's, read a generated header's output spec for cpu/so_run.c, and count
# the lines of --explain or generated code that match a pattern (expect).

# cpu_setup DIR: $py (a python3 with numpy: Debian's, else the first on PATH) and the
# .so runner DIR/so_run, built from cpu/so_run.c beside this file.
cpu_setup() {
    py=/usr/bin/python3
    command -v "$py" > /dev/null || py=python3
    cc -std=c99 -O2 -Wall -Wextra -Werror -o "$1/so_run" \
        "$(dirname "${BASH_SOURCE[0]}")/so_run.c" -ldl
}

# Compare two --run style outputs: integers exactly, floats within 1e-5 relative, an
# infinity only with itself, a NaN with any NaN.
same() {
    paste -d '\n' "$1" "$2" | awk '
        NR % 2 == 1 { n = split($0, a, " "); next }
        { m = split($0, b, " "); if (m != n) { print "FAIL: line " NR/2 ": " n " vs " m " values"; bad = 1; exit 1 }
          for (i = 1; i <= n; i++) {
              if (a[i] ~ /^-?[0-9]+$/ && b[i] ~ /^-?[0-9]+$/) { if (a[i] != b[i]) { print "FAIL: line " NR/2 " int " a[i] " vs " b[i]; bad = 1 } ; continue }
              if (tolower(a[i]) ~ /nan/ && tolower(b[i]) ~ /nan/) continue  # any NaN (its sign is not a value)
              if (tolower(a[i] b[i]) ~ /inf|nan/) { if (a[i] != b[i]) { print "FAIL: line " NR/2 " value " i ": " a[i] " vs " b[i]; bad = 1 } ; continue }
              d = a[i] - b[i]; if (d < 0) d = -d; x = a[i] < 0 ? -a[i] : a[i]; y = b[i] < 0 ? -b[i] : b[i]
              if (y > x) x = y
              if (d > 1e-5 * x) { print "FAIL: line " NR/2 " value " i ": " a[i] " vs " b[i]; bad = 1 } } }
        END { exit bad }' || return 1
    test "$(wc -l < "$1")" -eq "$(wc -l < "$2")"
}

# outspec LIB.h NAME: the runner's per-output "ELEMS" or "ELEMSi" arguments.
outspec() {
    local n k=0 spec="" e i
    n=$(sed -n "s/^#define $2_N_OUTPUTS \([0-9]*\)/\1/p" "$1")
    while [ "$k" -lt "$n" ]; do
        e=$(sed -n "s/^#define $2_OUT${k}_ELEMS \([0-9]*\)/\1/p" "$1")
        i=$(sed -n "s/^#define $2_OUT${k}_INT32 \([0-9]*\)/\1/p" "$1")
        [ "$i" = 1 ] && e="${e}i"
        spec="$spec $e"
        k=$((k + 1))
    done
    echo "$spec"
}

# e2e_opts LEVEL...: the -O levels a compile-and-compare matrix uses: LEVEL..., or only 0
# when tests/CMakeLists.txt marks hbnnc as sanitized (HBNN_E2E_SANITIZED=1). hbnnc's own
# code, which the sanitizers check, runs the same at every -O; LLVM's optimizer is most of
# a compile's time, and under ASan its mallocs are slow. The -Werror pass runs the matrix
# at every level, and a sanitized hbnnc emits the same object code as that build's.
e2e_opts() {
    if [ "${HBNN_E2E_SANITIZED:-0}" = 1 ]; then echo 0; else echo "$@"; fi
}

# tiers_equal NAME [exact]: $s/NAME.ir compiled with --kernel bitserial for the native,
# AVX2 (x86-64-v3) and SSE (x86-64-v2) tiers (different tiles) at -O3 (e2e_opts) and run
# at batch 1 on 1 thread and batch 7 on 2 equals $s/NAME.want: `same` (integers exactly,
# floats within 1e-5), or byte for byte with `exact`. Needs $hbnnc, $s and cpu_setup's runner.
tiers_equal() {
    local n=$1 how=${2:-same} cpu bt opt
    opt=-O$(e2e_opts 3)
    for cpu in native x86-64-v3 x86-64-v2; do
        "$hbnnc" "$s/$n.ir" --kernel bitserial --cpu "$cpu" "$opt" -o "$s/$n.so"
        for bt in "1 1" "7 2"; do
            # shellcheck disable=SC2046,SC2086
            "$s/so_run" "$s/$n.so" "$n" "$s/$n.npy" $bt $(outspec "$s/$n.h" "$n") > "$s/$n.got"
            if [ "$how" = exact ] && ! cmp -s "$s/$n.want" "$s/$n.got"; then
                echo "FAIL: $n --cpu $cpu batch/threads $bt differs from --run:"
                diff "$s/$n.want" "$s/$n.got" | head -c 600 || true
                echo
                return 1
            fi
            # not `same | head`: without pipefail the pipeline's status would be head's
            if [ "$how" != exact ] && ! same "$s/$n.want" "$s/$n.got" > "$s/$n.cmp"; then
                head -n 5 "$s/$n.cmp"
                echo "FAIL: $n --cpu $cpu batch/threads $bt"
                return 1
            fi
        done
    done
}

# expect NAME WHAT PATTERN FILE WANT: FILE has WANT lines matching PATTERN (grep BRE).
expect() {
    local got
    got=$(grep -c -- "$3" "$4" || true)
    if [ "$got" != "$5" ]; then
        echo "FAIL: $1 has $got $2, expected $5"
        exit 1
    fi
}
