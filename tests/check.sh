#!/usr/bin/env bash
# tests/check.sh - `make check`: the fast tier, offline (no PyTorch, no network), well
# under two minutes on a 2-core machine. It runs, through tests/run.sh's runner:
#   frontend   golden reports, the slides' numbers, every bad spec's error, options
#   templates  the template filler and every template
#   layering   stages call only lower stages; no kind outside ops/; the unit template
#   ir         the graph IR follows its edges
#   refs       the generated C against PyTorch's committed reference dumps (tests/refs)
# and a sample of central-difference gradient checks (suite_codegen, filtered).
# The full suite is `make test` (tests/run.sh).
set -u
cd "$(dirname "$0")/.."
t0=$SECONDS
pass=0; fail=0
# tally TEXT: prints the check lines of TEXT and adds them to the totals
tally() {
    printf '%s\n' "$1"
    pass=$((pass + $(printf '%s\n' "$1" | grep -c '^PASS ')))
    fail=$((fail + $(printf '%s\n' "$1" | grep -c '^FAIL ')))
}
for s in frontend templates layering ir; do
    tally "$(tests/run.sh "$s" 2>&1 | grep -v '^(all suites\|^[0-9]* passed, ')"
done
echo "== tests/refs/check.sh"
tally "$(bash tests/refs/check.sh 2>&1)"
echo "== gradient checks (sample)"
tally "$(CNNGEN_GRADCHECK_ONLY=1 tests/run.sh codegen 'gradcheck (pools|relu6|acts|conv_pad) --unroll kernel' 2>&1 | grep -E '^(PASS|FAIL) ')"
echo "(make check: $((SECONDS - t0)) s)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
