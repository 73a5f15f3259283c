#!/usr/bin/env bash
# PyTorch cross-check of the generated C (issue 3): for every spec in specs/, the corner
# cases in tests/torchref/cases/ (once per --unroll mode), 110
# seeded random nets (tests/torchref/randspec.py, mixing every layer type, padding form,
# dtype, loss and unroll mode) and 100 seeded random graphs (randspec.gen_graph: residual
# blocks with and without projection, concat branches, branches from the input, add and
# concat of vectors, depthwise and grouped convs, batchnorm, dropout) and the MLPerf
# Tiny specs (as float64), the generated forward output, loss, every parameter
# gradient, the input gradient, and one P_train_batch SGD step must agree with PyTorch
# autograd (float64 to 1e-9, float32 to 1e-4). --inference-only builds of the batchnorm
# case (every unroll mode) and of the MLPerf Tiny specs fold each batchnorm into the
# conv2d/dense before it: they read PyTorch's unfolded safetensors, and their folded
# parameters must equal torch's fuse_conv_bn_weights, their output PyTorch's eval output,
# --weights must compile in the same bits, and a folded build's saved file must read back.
# The C side is tests/tools/netdriver.c (and folddriver.c).
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
. tests/lib.sh
PY=${TORCHREF_PYTHON:-/usr/bin/python3}
NRAND=${TORCH_NUMERICS_RANDOM:-110}
NGRAPH=${TORCH_NUMERICS_GRAPHS:-100}
torchref_setup torch-numerics "$((NRAND)) random nets, $NGRAPH random graphs and specs/*.yaml"
"$PY" tests/torchref/check_numerics.py ./cnngen "$work" --random "$NRAND" --random-graph "$NGRAPH" \
    --jobs 2 specs/*.yaml --every-unroll tests/torchref/cases/*.yaml \
    --float64 specs/mlperf_tiny/*.yaml \
    --inference tests/torchref/cases/bn_train.yaml --inference-auto specs/mlperf_tiny/*.yaml
rc=$?
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "(scratch files kept in $work)"; fi
exit "$rc"
