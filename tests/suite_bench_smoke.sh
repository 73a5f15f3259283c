#!/usr/bin/env bash
# suite_bench_smoke.sh - the benchmark tools build and run (correctness, not speed).
#
# Runs bench/run.sh in its smoke mode (BENCH_SMOKE=1: every measurement once, no unroll
# table) on specs/lenet5.yaml generated with --unroll none (quick to compile) into a
# temporary directory, without installing anything (BENCH_NO_INSTALL=1), and checks each
# tool's output:
#   - the FMA peak kernel builds and reports a positive finite figure;
#   - the generated C builds with the harness at -O2 -march=native and -O2 and runs
#     inference and a training step (finite loss);
#   - PyTorch, given the same weights and inputs, computes the same outputs as the
#     generated C (the reference is PyTorch: torch_bench.py rebuilds the net from the
#     YAML itself), and its timing loop runs; the ONNX export succeeds;
#   - ONNX Runtime (bench/node_modules/onnxruntime-node, installed by bench/run.sh)
#     agrees with the generated C and its timing loop runs - SKIP (loudly) when node or
#     onnxruntime-node is not installed;
#   - report.py prints the table and issue 13's thirteen target lines.
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if [ ! -x ./cnngen ] || [ ! -f specs/lenet5.yaml ]; then
  echo "FAIL bench_smoke: ./cnngen or specs/lenet5.yaml missing (run make)"; exit 0
fi
if ! "$PY" -c 'import torch, onnx, yaml' 2>/dev/null; then
  for n in bench_peak bench_c bench_torch bench_ort bench_report; do
    echo "SKIP $n: /usr/bin/python3 lacks torch/onnx/yaml (Debian python3-torch python3-onnx python3-yaml)"
  done
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --unroll none: the quickest C to compile; the smoke test is about the bench tools
BENCH_SMOKE=1 BENCH_NO_INSTALL=1 BENCH_OUT="$tmp" BENCH_SPECS=specs/lenet5.yaml BENCH_CNNGEN_OPTS="--unroll none" \
  timeout 120 bench/run.sh > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
res=$tmp/results.jsonl
why() { printf '%s' "$(grep -v -i warning "$tmp/stderr" | tail -3 | tr '\n' ' ')"; }

q() { # q PYTHON-EXPR-over-records -> prints True/False
  "$PY" - "$res" "$1" <<'EOF'
import json, math, sys
try:
    R = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
except Exception:
    R = []
print(bool(eval(sys.argv[2], {"R": R, "math": math})))
EOF
}

if [ "$(q 'len([r for r in R if "kernel" in r and math.isfinite(r["gflops"]) and r["gflops"] > 0]) >= 2')" = True ]; then
  echo "PASS bench_peak"
else
  echo "FAIL bench_peak: no finite FMA peak figures ($(why))"
fi

if [ "$(q 'sorted({(r["impl"], r["what"], r["batch"]) for r in R if r.get("impl","").startswith("c-") and r.get("kind") == "time" and r["us_per_sample"] > 0 and math.isfinite(r.get("final_loss", 0))}) == sorted({(i, w, b) for i in ("c-native", "c-O2") for w in ("infer", "train") for b in (1, 32)} | {(i, "infer_batch", 32) for i in ("c-native", "c-O2")})')" = True ]; then
  echo "PASS bench_c"
else
  echo "FAIL bench_c: generated C harness did not time inference and training at batch 1 and 32 and P_forward_batch at 32 ($(why))"
fi

if [ "$(q 'any(r.get("impl") == "torch" and r.get("kind") == "check" and r["ok"] for r in R) and len([r for r in R if r.get("impl") == "torch" and r.get("kind") == "time"]) == 4')" = True ] \
   && [ -s "$tmp/lenet5/model.onnx" ]; then
  echo "PASS bench_torch"
else
  echo "FAIL bench_torch: PyTorch check/export/timing did not complete ($(why))"
fi

if ! command -v node >/dev/null || ! node -e "require('$PWD/bench/node_modules/onnxruntime-node')" >/dev/null 2>&1; then
  echo "SKIP bench_ort: !!! node or onnxruntime-node missing - run bench/install_ort.sh (make test and make bench do) !!!"
elif [ "$(q 'any(r.get("impl") == "ort" and r.get("kind") == "check" and r["ok"] for r in R) and len([r for r in R if r.get("impl") == "ort" and r.get("what") == "infer"]) == 2')" = True ]; then
  echo "PASS bench_ort"
else
  echo "FAIL bench_ort: ONNX Runtime check/timing did not complete ($(why))"
fi

if [ "$rc" -eq 0 ] && grep -q '^Targets' "$tmp/stdout" && [ "$(grep -cE '^  (MET|NOT MET|NOT MEASURED) ' "$tmp/stdout")" -eq 13 ]; then
  echo "PASS bench_report"
else
  echo "FAIL bench_report: bench/run.sh exit $rc, table or targets missing ($(why))"
fi
