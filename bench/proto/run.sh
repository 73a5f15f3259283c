#!/usr/bin/env bash
# bench/proto/run.sh - measures the code shapes recommended in the README's "Where the
# time goes" on the generated LeNet-5: generates specs/lenet5.yaml with default options,
# applies bench/proto/lenet5_kernels.py's hand-written functions step by step, checks
# that the gradients of 4 samples stay bit-identical to the generated code's (built with
# -ffp-contract=off, so that only the order of operations matters), and times each
# variant with bench/bench_c.c (gcc -O2 -march=native, taskset -c 0, process CPU time,
# median of 5 runs). Not part of `make bench`; output under build/bench-proto/.
# Written against the generated code before commit f8f0f09 (the code generator's fast
# path, which now emits these shapes itself); the README's table of its results is of
# that code. Against newer generated code it still runs, but compares with that.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
d=build/bench-proto
mkdir -p "$d"
./cnngen specs/lenet5.yaml -o "$d/orig.c"
CF=$(./cnngen --cflags); LIBS=$(./cnngen --libs)
build() { # build NAME SOURCE
  gcc -O2 -march=native -DBENCH_MODEL=lenet5_model $CF -o "$d/bench_$1" bench/bench_c.c "$2" $LIBS -lm 2>/dev/null
  gcc -O2 -march=native -ffp-contract=off $CF -o "$d/gradchk_$1" bench/proto/gradchk.c "$2" $LIBS -lm 2>/dev/null
  "$d/gradchk_$1" "$d/grad_$1.bin"
}
build orig "$d/orig.c"
printf '%-34s %10s %10s %10s %10s  %s\n' "variant" "infer b1" "infer b32" "train b1" "train b32" "gradients vs generated"
steps=""
for s in "" fwd bwd conv1 fc1v; do
  [ -n "$s" ] && steps="${steps:+$steps + }$s"
  name=${steps:-generated (--unroll auto)}
  if [ -n "$s" ]; then
    $PY bench/proto/lenet5_kernels.py "$d/orig.c" "$d/proto.c" ${steps//+/}
    tag=proto; build proto "$d/proto.c"
    if cmp -s "$d/grad_orig.bin" "$d/grad_proto.bin"; then same="bit-identical"
    else same=$($PY -c 'import numpy as np,sys; a=np.fromfile(sys.argv[1],np.float32); b=np.fromfile(sys.argv[2],np.float32); print("differ: max rel %.1e" % (abs(a-b)/(abs(a)+1e-6)).max())' "$d/grad_orig.bin" "$d/grad_proto.bin"); fi
  else
    tag=orig; same="-"
  fi
  mkdir -p "$d/out"
  taskset -c 0 "$d/bench_$tag" "$d/out" 1,32 5 0.1 "$tag" > "$d/times.jsonl"
  read -r i1 t1 i32 t32 < <($PY -c '
import json,sys
T={(r["what"],r["batch"]):r["us_per_sample"] for r in map(json.loads,open(sys.argv[1])) if r.get("kind")=="time"}
print(T[("infer",1)],T[("train",1)],T[("infer",32)],T[("train",32)])' "$d/times.jsonl")
  printf '%-34s %10.1f %10.1f %10.1f %10.1f  %s\n' "$name" "$i1" "$i32" "$t1" "$t32" "$same"
done
echo "(us per sample, process CPU time; each row adds its step to the previous ones)"
