#!/usr/bin/env bash
# The main job (`make run`, README command 1):
#   1. the shape-check report of specs/lenet5.yaml
#   2. its generated C (build/run/lenet5.c, .h)
#   3. the trainer (examples/train/train.c) compiled against it
#   4. training on Fashion-MNIST (Debian's dataset-fashion-mnist) with the trainer's
#      default hyperparameters, then the test accuracy.
# Outputs in build/run/: lenet5.safetensors (weights), curve.csv, curve.svg.
# Environment: SPEC (default specs/lenet5.yaml), DATA (the IDX directory),
# TRAIN_CFLAGS (default -O2; e.g. "-O3 -march=native" for this machine only).
# Extra arguments go to the trainer, e.g. `tools/run_main.sh --epochs 1`.
set -eu
cd "$(dirname "$0")/.."
SPEC=${SPEC:-specs/lenet5.yaml}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
OUT=build/run
CC=${CC:-cc}
TRAIN_CFLAGS=${TRAIN_CFLAGS:--O2}
mkdir -p "$OUT"
start=$(date +%s.%N)

echo "== 1. shape-check report: ./cnngen --report $SPEC"
./cnngen --report "$SPEC"

name=$(./cnngen --report --format json "$SPEC" | sed -n 's/^[{ ]*"name": *"\([A-Za-z0-9_]*\)".*/\1/p' | head -1)
[ -n "$name" ] || { echo "run_main: cannot read the network's name from the report" >&2; exit 1; }
echo
echo "== 2. generate C: ./cnngen $SPEC -o $OUT/$name.c"
./cnngen "$SPEC" -o "$OUT/$name.c"
wc -l "$OUT/$name.c" "$OUT/$name.h" | sed 's/^/   /'

echo
echo "== 3. build the trainer"
cmd="$CC $TRAIN_CFLAGS -std=c99 -DMODEL=${name}_model -o $OUT/train examples/train/train.c $OUT/$name.c $(./cnngen --cflags) $(./cnngen --libs) -lz -lpthread -lm"
echo "   $cmd"
$cmd

echo
echo "== 4. train on $DATA"
"$OUT/train" --data "$DATA" --save "$OUT/$name.safetensors" --csv "$OUT/curve.csv" \
    --svg "$OUT/curve.svg" "$@"
end=$(date +%s.%N)
acc=$(awk -F, '$1 == "epoch" { a = $8 } END { print a }' "$OUT/curve.csv")
awk -v s="$start" -v e="$end" -v a="$acc" 'BEGIN {
    printf "make run: %.1f s in all (report, generation, compilation, training)\n", e - s
    if (a != "")
        printf "make run: test accuracy %.2f%% (goal: at least 86%% in under 2 minutes: %s)\n",
               100 * a, (a >= 0.86 && e - s < 120) ? "met" : "NOT met"
}'
