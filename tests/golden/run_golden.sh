#!/usr/bin/env bash
# run_golden.sh HBNNC DIR [--update] [CASE...]: golden tests for one directory (every
# case, or only the named ones: ctest runs one case per entry so that -j spreads them).
# Each case is NAME.hb (run as: hbnnc NAME.hb $(cat DIR/ARGS)) or NAME.args (one
# line of arguments). The expected stdout+stderr, followed by "[exit N]", is in
# NAME.out. Cases run from inside DIR so paths in messages stay short and stable.
# --update rewrites the .out files (review the diff before committing).
set -u
hbnnc=$1
dir=$2
shift 2
update=""
only=()
for a in "$@"; do
    if [ "$a" = "--update" ]; then update=1; else only+=("$a"); fi
done
cd "$dir" || exit 2
default_args=""
[ -f ARGS ] && default_args=$(cat ARGS)
pass=0
fail=0
shopt -s nullglob
cases=(*.hb *.args)
[ ${#only[@]} -gt 0 ] && cases=("${only[@]}")
for case in "${cases[@]}"; do
    [ -f "$case" ] || { echo "FAIL $dir/$case: no such case"; fail=$((fail + 1)); continue; }
    name=${case%.*}
    if [ "${case##*.}" = "args" ]; then
        args=$(cat "$case")
    else
        # NAME.args drives NAME.hb itself; helper files (imports, overrides) live in
        # subdirectories, which are not cases.
        [ -f "$name.args" ] && continue
        args="$case $default_args"
    fi
    # shellcheck disable=SC2086
    actual=$(NO_COLOR=1 timeout 20 "$hbnnc" $args 2>&1; echo "[exit $?]")
    code=$(printf '%s\n' "$actual" | tail -n 1 | tr -dc '0-9')
    if [ "$code" -ge 3 ] 2>/dev/null; then
        echo "FAIL $dir/$case: exit $code (a crash or internal error is never right)"
        printf '%s\n' "$actual" | sed 's/^/    /' | tail -n 20
        fail=$((fail + 1))
        continue
    fi
    if [ -n "$update" ]; then
        printf '%s\n' "$actual" > "$name.out"
        pass=$((pass + 1))
        continue
    fi
    if [ ! -f "$name.out" ]; then
        echo "FAIL $dir/$case: no $name.out (run with --update)"
        fail=$((fail + 1))
    elif diff -u "$name.out" <(printf '%s\n' "$actual") > /tmp/golden.$$.diff; then
        pass=$((pass + 1))
    else
        echo "FAIL $dir/$case"
        sed 's/^/    /' /tmp/golden.$$.diff | head -n 40
        fail=$((fail + 1))
    fi
done
rm -f /tmp/golden.$$.diff
echo "$(basename "$dir"): $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
