#!/usr/bin/env bash
# make bench-mcu: the generated C on a Cortex-M4F in QEMU (mps2-an386), per spec and
# build (inference, training at --batch 2; -Os and -O2): code and read-only data of the
# generated net.o, RAM (parameters, workspace, gradients, stack measured from a painted
# stack) and exact instruction counts per forward and per training step (the QEMU plugin
# tools/qemu/insn_count.c), then issue 12's targets with MET / NOT MET.
# BENCH_MCU_SPECS overrides the spec list.
set -u
cd "$(dirname "$0")/.."
work=${TMPDIR:-/tmp}/cnngen-bench-mcu
rm -rf "$work"; mkdir -p "$work"
specs=${BENCH_MCU_SPECS:-"specs/lenet5.yaml specs/lenet5_finetune.yaml specs/lenet5_bias.yaml specs/sigmoid_cnn.yaml specs/features.yaml specs/resblock.yaml specs/mlperf_tiny/ds_cnn.yaml specs/mlperf_tiny/resnet8.yaml specs/mlperf_tiny/fc_autoencoder.yaml"}
# shellcheck disable=SC2086
/usr/bin/python3 tests/mcu/mcu.py bench ./cnngen "$work" $specs
