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
for s in frontend templates layering ir; do
    out=$(tests/run.sh "$s" 2>&1 | grep -v '^(all suites' ); printf '%s\n' "$out" | grep -v '^[0-9]* passed, '
    pass=$((pass + $(printf '%s\n' "$out" | grep -c '^PASS '))); fail=$((fail + $(printf '%s\n' "$out" | grep -c '^FAIL ')))
done
echo "== tests/refs/check.sh"
out=$(bash tests/refs/check.sh 2>&1); printf '%s\n' "$out"
pass=$((pass + $(printf '%s\n' "$out" | grep -c '^PASS '))); fail=$((fail + $(printf '%s\n' "$out" | grep -c '^FAIL ')))
echo "== gradient checks (sample)"
out=$(CNNGEN_GRADCHECK_ONLY=1 tests/run.sh codegen 'gradcheck (pools|relu6|acts|conv_pad) --unroll kernel' 2>&1 | grep -E '^(PASS|FAIL) ')
printf '%s\n' "$out"
pass=$((pass + $(printf '%s\n' "$out" | grep -c '^PASS '))); fail=$((fail + $(printf '%s\n' "$out" | grep -c '^FAIL ')))
echo "(make check: $((SECONDS - t0)) s)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
