#!/usr/bin/env bash
# The generated C on a Cortex-M4F (issue 12): every spec of specs/ and specs/mlperf_tiny/
# that fits QEMU's mps2-an386 board (4 MB code, 4 MB RAM), its inference build and its
# training build (--batch 2), at -Os and -O2, compiled by arm-none-eabi-gcc with
# -std=c99 -Wall -Wextra -Wpedantic -Werror, runs on the emulated M4 and must agree with
# the host build of the same C (tests/mcu/mcu.py: forward output, loss, parameters after
# one P_train_batch step). Each PASS line gives the exact instruction counts (the
# project's QEMU plugin, tools/qemu/insn_count.c). A build that does not fit the board is
# a NOTE line.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
need_cnngen mcu
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
work=$(scratch_dir mcu) || exit 1
/usr/bin/python3 tests/mcu/mcu.py test ./cnngen "$work" specs/*.yaml specs/mlperf_tiny/*.yaml
rc=$?
# examples/cortex-m4: LeNet-5 inference and five fine-tuning steps on the M4, whose
# loss must fall and whose prediction must become the label
if command -v arm-none-eabi-gcc > /dev/null && command -v qemu-system-arm > /dev/null; then
    ex=$(make -s -C examples/cortex-m4 run 2>&1); erc=$?
    l0=$(printf '%s\n' "$ex" | awk '/step 0: loss/ { print $5 + 0 }')
    l4=$(printf '%s\n' "$ex" | awk '/step 4: loss/ { print $5 + 0 }')
    if [ $erc -eq 0 ] && [ -n "$l0" ] && [ -n "$l4" ] && [ "$l4" -lt "$l0" ] &&
       printf '%s\n' "$ex" | grep -q '^after: class 3'; then
        pass "examples/cortex-m4: fine-tuning on the M4 (loss $l0/1000 -> $l4/1000, class 3)"
    else
        fail "examples/cortex-m4" "exit $erc: $(printf '%s\n' "$ex" | tail -3 | tr '\n' ' ')"; rc=1
    fi
    make -s -C examples/cortex-m4 clean
else
    echo "SKIP examples/cortex-m4: arm-none-eabi-gcc or qemu-system-arm missing (make deps-test)"
fi
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "(scratch files kept in $work)"; fi
exit "$rc"
