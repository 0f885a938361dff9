#!/usr/bin/env bash
# docs_analysis.sh HBNNC SCRATCH: docs/performance.md's generated part ends with a copy of
# bench/analysis.md (bench/run appends it); the copy must equal the file, so an edit of
# the analysis that was not carried into the doc (or the reverse) fails here. Fix by
# copying the file's text over the doc's copy (`bench/run --from-json` would also redo
# the tables, from the last run's results, whichever run that was).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
s=$2
rm -rf "$s" && mkdir -p "$s"
a=$root/bench/analysis.md
first=$(head -n 1 "$a")
# the doc from the analysis' first line up to the end marker, blank lines trimmed
awk -v first="$first" '$0 == first { on = 1 } /^<!-- bench\/run: end -->$/ { on = 0 } on' \
    "$root/docs/performance.md" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$s/copy.md"
sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$a" > "$s/file.md"
if ! cmp -s "$s/copy.md" "$s/file.md"; then
    echo "FAIL: docs/performance.md's copy of bench/analysis.md differs:"
    diff "$s/file.md" "$s/copy.md" > "$s/diff" || true
    head -n 20 "$s/diff"
    exit 1
fi
echo "docs_analysis: 1 passed, 0 failed"
