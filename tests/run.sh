#!/usr/bin/env bash
# Runs every tests/suite_*.sh in order. Each suite prints one line per check:
#   PASS <name> | FAIL <name>: <why> | SKIP <name>: <why>
# This runner echoes them, totals them, and ends with "N passed, M failed".
# Exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
pass=0; fail=0; skip=0
for s in tests/suite_*.sh; do
    [ -e "$s" ] || continue
    echo "== $s"
    out=$(bash "$s" 2>&1); rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | grep -c '^PASS ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    k=$(printf '%s\n' "$out" | grep -c '^SKIP ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $s: suite exited with status $rc"; f=1
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
done
if [ "$skip" -gt 0 ]; then
    echo "!!!!!!!! SKIPPED: $skip checks (see SKIP lines above; install what they name) !!!!!!!!"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
