#!/usr/bin/env bash
# PyTorch cross-check of the shape-check report (issue 2, section 5): for every spec in
# specs/, the corner cases in tests/torchref/cases/ and 150 seeded random specs
# (tests/torchref/randspec.py), cnngen's JSON report
# must agree with a PyTorch forward pass (tests/torchref/torchnet.py): every layer's
# output shape, parameter count, conv/dense MACs, names, and the total.
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
PY=${TORCHREF_PYTHON:-/usr/bin/python3}
NRAND=${TORCH_SHAPES_RANDOM:-150}
if ! "$PY" -c 'import torch, numpy, yaml' 2>/dev/null; then
    echo "SKIP torch-shapes: $PY cannot import torch/numpy/yaml (run tools/deps.sh test); $((NRAND + 1)) specs NOT cross-checked !!!"
    exit 0
fi
if [ ! -x ./cnngen ]; then
    echo "FAIL torch-shapes: ./cnngen is not built (run make)"
    exit 1
fi
# scratch in a private temporary directory (not build/: a concurrent `make clean` would
# pull it away); kept when something failed, to reproduce it
work=$(mktemp -d "${TMPDIR:-/tmp}/cnngen-torchref.XXXXXX") || exit 1
# the reference itself: generic pooling (F.pad + divisor mask) == torch's pooling
if out=$("$PY" tests/torchref/torchnet.py 2>&1); then
    echo "PASS torch-shapes/reference-selftest"
else
    echo "FAIL torch-shapes/reference-selftest: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
fi
"$PY" tests/torchref/check_shapes.py ./cnngen "$work" --random "$NRAND" specs/*.yaml tests/torchref/cases/*.yaml
rc=$?
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "(scratch files kept in $work)"; fi
exit "$rc"
