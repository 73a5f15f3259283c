#!/usr/bin/env bash
# Interop and scale-out (issue 6):
#  - export: `cnngen --emit pytorch` vs the generated C (forward, loss, every gradient,
#    one train_batch step) and vs the independent reference tests/torchref/torchnet.py,
#    for specs/, the torchref corner cases, tests/interop/specs and 40 random nets;
#  - roundtrip: PyTorch-trained weights into the C and C-trained weights into PyTorch
#    through safetensors (same predictions, same SGD trajectory), and
#    DistributedDataParallel (gloo, 2 processes on CPU) weights into the C;
#  - onnx-nodes: ONNX's own MaxPool/AveragePool node test cases (its numpy reference)
#    against the generated C (tests/interop/check_onnx_nodes.py);
#  - dot: --format dot parsed by Graphviz (nodes, edges, labels), --format svg;
#  - budget: --ram-limit / --flash-limit / target:, report = model = compiled sizeof,
#    refusal naming the layer, compile-time checks, code size estimate vs gcc -Os.
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
. tests/lib.sh
PY=/usr/bin/python3
NRAND=${INTEROP_RANDOM:-40}
need_cnngen interop
work=$(scratch_dir interop) || exit 1
rc=0
if "$PY" -c 'import torch, numpy, yaml' 2>/dev/null; then
    "$PY" tests/interop/check_export.py ./cnngen "$work/export" --random "$NRAND" --jobs 2 \
        specs/*.yaml tests/torchref/cases/*.yaml tests/interop/specs/*.yaml || rc=1
    "$PY" tests/interop/roundtrip.py ./cnngen "$work/roundtrip" --ddp \
        specs/lenet5.yaml specs/features.yaml specs/perceptron.yaml tests/interop/specs/*.yaml || rc=1
else
    echo "SKIP interop-export: $PY cannot import torch/numpy/yaml (run tools/deps.sh test)"
    echo "SKIP interop-roundtrip: $PY cannot import torch/numpy/yaml"
fi
if "$PY" -c 'import numpy, onnx.backend.test.case.node' 2>/dev/null; then
    "$PY" tests/interop/check_onnx_nodes.py ./cnngen "$work/onnx-nodes" || rc=1
else
    echo "SKIP onnx-nodes: $PY cannot import onnx's backend test cases (tools/deps.sh test installs python3-onnx)"
fi
if command -v dot >/dev/null 2>&1; then
    "$PY" tests/interop/check_dot.py ./cnngen specs/*.yaml tests/torchref/cases/*.yaml tests/interop/specs/*.yaml || rc=1
else
    echo "SKIP dot: Graphviz's dot is not installed (tools/deps.sh test installs graphviz)"
fi
"$PY" tests/interop/check_budget.py ./cnngen "$work/budget" || rc=1
"$PY" tests/interop/check_cli.py ./cnngen "$work/cli" || rc=1
if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "(scratch files kept in $work)"; fi
exit "$rc"
