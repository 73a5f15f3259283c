#!/usr/bin/env bash
# bench/profile.sh - which generated layer / pass dominates, by instruction counts.
#
#   bench/profile.sh [SPEC] [infer|train] [BATCH] [CALLS] [-- CNNGEN-OPTIONS...]
#   e.g. bench/profile.sh specs/lenet5.yaml train 1 20 -- --unroll kernel
#
# perf has no hardware counters on this VM, so this uses valgrind's callgrind: it
# generates SPEC's C, builds bench/bench_c.c with it at -O2 -march=native -mno-avx512f
# -g (valgrind 3.19 cannot execute AVX-512 instructions; gcc -O2 -march=native
# vectorizes with 256-bit vectors on these CPUs anyway), runs CALLS calls of one
# inference over BATCH samples or one P_train_batch(n = BATCH) with only those calls
# collected, and prints bench/profile.py's breakdown: per C function of net.c
# (inlining undone through the debug line info) and the hottest lines, each with the
# executed floating-point arithmetic split into scalar and packed xmm/ymm/zmm.
# Output under build/bench-profile/NET/.
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-specs/lenet5.yaml}; what=${2:-train}; batch=${3:-1}; calls=${4:-20}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
PY=/usr/bin/python3
command -v valgrind >/dev/null || { echo "profile: valgrind missing (Debian valgrind)" >&2; exit 1; }
[ -x ./cnngen ] || { echo "profile: ./cnngen missing: run make" >&2; exit 1; }
net=$($PY -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["name"])' "$spec")
d=build/bench-profile/$net
mkdir -p "$d"
./cnngen "$@" "$spec" -o "$d/net.c"
gcc -O2 -march=native -mno-avx512f -g -std=c99 -DBENCH_MODEL="${net}_model" $(./cnngen --cflags) \
  -o "$d/bench_prof" bench/bench_c.c "$d/net.c" $(./cnngen --libs) -lm
valgrind --tool=callgrind --dump-instr=yes --toggle-collect=run_"$what" \
  --callgrind-out-file="$d/callgrind.out" "$PWD/$d/bench_prof" --profile "$what" "$batch" "$calls" 2>"$d/valgrind.log" \
  || { tail -5 "$d/valgrind.log" >&2; exit 1; }
echo "== $net: $what, batch $batch, $calls calls; cnngen options: ${*:-(default)}; gcc -O2 -march=native -mno-avx512f"
$PY bench/profile.py "$d/callgrind.out" "$PWD/$d/bench_prof" "$d/net.c" "$calls"
