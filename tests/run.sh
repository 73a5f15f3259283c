#!/usr/bin/env bash
# tests/run.sh [SUITE] [FILTER]
# Runs every tests/suite_*.sh in order (or only SUITE: "codegen", "suite_codegen" or
# "tests/suite_codegen.sh"). Each suite prints one line per check:
#   PASS <name> | FAIL <name>: <why> | SKIP <name>: <why>
# FILTER (a grep -E pattern) keeps the checks whose line matches it; it is exported as
# CNNGEN_TEST_FILTER, and the suites that loop over many cases (lib.sh: want) skip
# the work of the cases it does not match, so one check runs on its own.
# This runner echoes the lines, prints each suite's time, totals them, and ends with
# "N passed, M failed". Exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
suites=(tests/suite_*.sh)
if [ $# -ge 1 ] && [ -n "$1" ]; then
    s=${1#tests/}; s=${s%.sh}; s=${s#suite_}
    if [ ! -e "tests/suite_$s.sh" ]; then
        echo "tests/run.sh: no suite '$1'; the suites are:" \
             "$(ls tests/suite_*.sh | sed 's|tests/suite_||; s|\.sh$||' | tr '\n' ' ')" >&2
        exit 2
    fi
    suites=("tests/suite_$s.sh")
fi
filter=${2:-}
export CNNGEN_TEST_FILTER=$filter
pass=0; fail=0; skip=0; t_all=$SECONDS
for s in "${suites[@]}"; do
    [ -e "$s" ] || continue
    echo "== $s"
    t0=$SECONDS
    out=$(bash "$s" 2>&1); rc=$?
    if [ -n "$filter" ]; then
        out=$(printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) ' | grep -E -- "$filter")
    fi
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | grep -c '^PASS ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    k=$(printf '%s\n' "$out" | grep -c '^SKIP ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $s: suite exited with status $rc"; f=1
    fi
    echo "== $s: $p passed, $f failed, $k skipped in $((SECONDS - t0)) s"
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
done
if [ "$skip" -gt 0 ]; then
    echo "!!!!!!!! SKIPPED: $skip checks (see SKIP lines above; install what they name) !!!!!!!!"
fi
echo "(all suites: $((SECONDS - t_all)) s)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
