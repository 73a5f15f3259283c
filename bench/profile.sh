#!/usr/bin/env bash
# bench/profile.sh - which generated layer / pass dominates, by instruction counts.
#
#   bench/profile.sh [SPEC] [infer|train] [BATCH] [CALLS] [-- CNNGEN-OPTIONS...]
#   e.g. bench/profile.sh specs/lenet5.yaml train 1 20 -- --unroll kernel
#
# perf has no hardware counters on this VM, so this takes two views of CALLS calls of
# one inference over BATCH samples, or of one P_train_batch(n = BATCH):
#  1. time: gprof's flat profile of a build with -O2 -march=native -fno-inline -pg (every
#     generated layer function stays a function, so each gets its share of the samples),
#     run for about 5 seconds;
#  2. instructions: valgrind's callgrind on a build with -O2 -march=native -mno-avx512f
#     -g (valgrind 3.19 cannot execute AVX-512 instructions; gcc -O2 -march=native
#     vectorizes with 256-bit vectors on these CPUs anyway), only those calls collected,
#     broken down by bench/profile.py per C function of net.c (inlining undone through
#     the debug line info) and hottest line, with the executed floating-point arithmetic
#     split into scalar and packed xmm/ymm/zmm (a loop left scalar shows up there).
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
gcc -O2 -march=native -mno-avx512f -g -DBENCH_MODEL="${net}_model" $(./cnngen --cflags) \
  -o "$d/bench_prof" bench/bench_c.c "$d/net.c" $(./cnngen --libs) -lm
gcc -O2 -march=native -fno-inline -pg -DBENCH_MODEL="${net}_model" $(./cnngen --cflags) \
  -o "$d/bench_gprof" bench/bench_c.c "$d/net.c" $(./cnngen --libs) -lm
gcalls=4
while :; do  # calibrate to about 5 s of samples (gprof samples every 10 ms)
  t0=$(date +%s%N); ( cd "$d" && taskset -c 0 ./bench_gprof --profile "$what" "$batch" "$gcalls" ); t1=$(date +%s%N)
  el=$(( (t1 - t0) / 1000000 ))
  [ "$el" -ge 300 ] && break
  gcalls=$(( gcalls * 4 ))
done
gcalls=$(( gcalls * 5000 / el + 1 ))
( cd "$d" && rm -f gmon.out && taskset -c 0 ./bench_gprof --profile "$what" "$batch" "$gcalls" )
echo "== $net: $what, batch $batch; cnngen options: ${*:-(default)}"
echo "-- time (gprof, $gcalls calls, gcc -O2 -march=native -fno-inline -pg; self time per generated function):"
gprof -b -p "$d/bench_gprof" "$d/gmon.out" | awk '
  NR > 5 && $1+0 > 0.3 { printf "  %6.1f%%  %10.2f us per call of the function  %s\n", $1, (NF == 7 && $4 > 0 ? $3 / $4 * 1e6 : 0), $NF }'
echo ""
valgrind --tool=callgrind --dump-instr=yes --toggle-collect=run_"$what" \
  --callgrind-out-file="$d/callgrind.out" "$PWD/$d/bench_prof" --profile "$what" "$batch" "$calls" 2>"$d/valgrind.log" \
  || { tail -5 "$d/valgrind.log" >&2; exit 1; }
echo "-- instructions (callgrind, $calls calls, gcc -O2 -march=native -mno-avx512f -g):"
$PY bench/profile.py "$d/callgrind.out" "$PWD/$d/bench_prof" "$d/net.c" "$calls"
