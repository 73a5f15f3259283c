#!/usr/bin/env bash
# PyTorch cross-check of the shape-check report (issue 2, section 5): for every spec in
# specs/, the corner cases in tests/torchref/cases/ and 150 seeded random specs
# (tests/torchref/randspec.py), cnngen's JSON report
# must agree with a PyTorch forward pass (tests/torchref/torchnet.py): every layer's
# output shape, parameter count, conv/dense MACs, names, and the total.
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
. tests/lib.sh
PY=${TORCHREF_PYTHON:-/usr/bin/python3}
NRAND=${TORCH_SHAPES_RANDOM:-150}
torchref_setup torch-shapes "$((NRAND + 1)) specs"
# the reference itself: generic pooling (F.pad + divisor mask) == torch's pooling
if out=$("$PY" tests/torchref/torchnet.py 2>&1); then
    echo "PASS torch-shapes/reference-selftest"
else
    echo "FAIL torch-shapes/reference-selftest: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi
"$PY" tests/torchref/check_shapes.py ./cnngen "$work" --random "$NRAND" specs/*.yaml \
    specs/mlperf_tiny/*.yaml tests/torchref/cases/*.yaml
rc=$?
# the MLPerf Tiny specs' parameter counts = their Keras reference models'
"$PY" tests/torchref/check_mlperf.py ./cnngen specs/mlperf_tiny/*.yaml || rc=1
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "(scratch files kept in $work)"; fi
exit "$rc"
