#!/usr/bin/env bash
# bench/run.sh - `make bench`: generated C vs PyTorch vs ONNX Runtime, on one core.
#
# One run measures, pinned to one CPU (taskset -c $BENCH_CPU, default 0):
#   - the core's FMA peak (bench/peak.c: independent FMA chains, float32 and float64);
#   - for specs/lenet5.yaml and the CIFAR-sized spec (specs/cifar*.yaml): the generated
#     C (cnngen --unroll auto) built with -O2 -march=native and with plain -O2 (bench/bench_c.c),
#     PyTorch (bench/torch_bench.py, 1 thread) and ONNX Runtime (bench/ort_bench.js,
#     onnxruntime-node 1.17.0, 1 thread) on the same weights, checked to agree first;
#     inference and SGD training steps at batch 1 and 32, in microseconds per sample;
#   - gcc -O2 compile time and object size of the generated code per unroll mode;
#   - MLPerf Tiny's ResNet-8 and DS-CNN (bench/graph_bench.py): inference at batch 1 and
#     32 next to ONNX Runtime, training at batch 32 next to PyTorch (+OpenBLAS), -O2
#     next to -march=native (BENCH_NO_GRAPHS=1 skips);
#   - ResNet-8 (bench/resnet8_bench.py): the C's P_train_batch epoch time on
#     Fashion-MNIST's 60,000 samples at batch 32 next to PyTorch (1 thread) training
#     the same network, and its P_forward next to ONNX Runtime (BENCH_NO_RESNET8=1 skips);
# and prints the table and the targets (bench/report.py).
#
# Environment: BENCH_SPECS (space-separated spec files; default specs/lenet5.yaml and the
# first specs/cifar*.yaml), BENCH_CNNGEN (./cnngen), BENCH_CNNGEN_OPTS (extra options for
# the benchmarked build, e.g. "--unroll kernel"; default none), BENCH_ROUNDS (3) rounds over all
# implementations x BENCH_REPS (3) runs each of about BENCH_MIN_TIME (0.1) seconds:
# a figure is the median of its ROUNDS x REPS runs; BENCH_CPU (0); BENCH_OUT (build/bench); BENCH_SMOKE=1 runs
# every tool once, minimally (tests/suite_bench_smoke.sh), and skips the unroll table;
# BENCH_STRICT=1 exits 1 when a target is NOT MET (default: report only); BENCH_README=1
# writes the figures into docs/benchmarks.md's "bench-results" block.
# Results land in $BENCH_OUT/results.jsonl, the table in $BENCH_OUT/bench.txt and a
# Markdown copy for the README in $BENCH_OUT/bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=/usr/bin/python3
OUT=${BENCH_OUT:-build/bench}
CPU=${BENCH_CPU:-0}
SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then ROUNDS=1; REPS=1; MINT=0
else ROUNDS=${BENCH_ROUNDS:-3}; REPS=${BENCH_REPS:-3}; MINT=${BENCH_MIN_TIME:-0.1}; fi
PIN="taskset -c $CPU"
command -v taskset >/dev/null || PIN=""
# As root, also run every measured process at nice -20, so other work on the machine
# (builds, tests) disturbs the figures less; all implementations get the same treatment.
[ "$(id -u)" -eq 0 ] && [ "${BENCH_NICE:-1}" = 1 ] && PIN="nice -n -20 $PIN"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# OpenBLAS picks its kernels for the CPU it runs on, as a user's would: an inherited
# OPENBLAS_CORETYPE (some machines set Haswell) would hold it to older ones
unset OPENBLAS_CORETYPE
mkdir -p "$OUT/logs"
RES=$OUT/results.jsonl
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- generator templates runtime 2>/dev/null)" ] && rev="$rev + uncommitted changes in generator/templates/runtime"
echo "{\"kind\": \"env\", \"loadavg_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"date\": \"$(date -u '+%Y-%m-%d %H:%M UTC')\", \"rev\": \"$rev\"}" > "$RES"
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s)

CNNGEN=${BENCH_CNNGEN:-./cnngen}
[ -x "$CNNGEN" ] || die "$CNNGEN is missing: run make first"
[ -x "$PY" ] || die "$PY missing (Debian python3-torch, python3-onnx, python3-yaml: tools/deps.sh test)"

# ---- ONNX Runtime: npm's onnxruntime-node 1.17.0 ships its native library; the
# install scripts (which would download more) are skipped.
ORT_OK=0
"$ROOT/bench/install_ort.sh" && ORT_OK=1
[ "$ORT_OK" = 1 ] || say "ONNX Runtime unavailable (node or onnxruntime-node missing): its columns will read n/a"

# ---- A second PyTorch baseline: Debian's python3-torch links libblas.so.3, which on a
# default Debian install is the netlib reference BLAS (slow for nn.Linear). The same torch
# is also timed against OpenBLAS: Debian's libopenblas0-pthread, fetched with
# `apt-get download` and unpacked under build/ (the system is not changed), put first on
# LD_LIBRARY_PATH for that run only. BENCH_NO_OPENBLAS=1 skips it.
OBDIR=build/bench-cache/openblas
OBLIB=$ROOT/$OBDIR/usr/lib/x86_64-linux-gnu/openblas-pthread
if [ "$SMOKE" != 1 ] && [ "${BENCH_NO_OPENBLAS:-0}" != 1 ] && [ ! -f "$OBLIB/libblas.so.3" ]; then
  say "fetching Debian's libopenblas0-pthread (apt-get download) for the PyTorch+OpenBLAS baseline"
  mkdir -p "$OBDIR"
  ( cd "$OBDIR" && rm -f ./*.deb && apt-get download libopenblas0-pthread >"$ROOT/$OUT/logs/openblas.log" 2>&1 \
      && dpkg -x libopenblas0-pthread_*.deb . ) || say "could not fetch OpenBLAS (see $OUT/logs/openblas.log): that column will be missing"
fi
OB_OK=0
[ "$SMOKE" != 1 ] && [ "${BENCH_NO_OPENBLAS:-0}" != 1 ] && [ -f "$OBLIB/libblas.so.3" ] && OB_OK=1

# ---- the specs
NETS=()
if [ -n "${BENCH_SPECS:-}" ]; then
  read -r -a NETS <<< "$BENCH_SPECS"
else
  [ -f specs/lenet5.yaml ] && NETS+=(specs/lenet5.yaml)
  for f in specs/cifar*.yaml; do [ -f "$f" ] && { NETS+=("$f"); break; }; done
fi
[ ${#NETS[@]} -gt 0 ] || die "no specs/lenet5.yaml nor specs/cifar*.yaml"
CFLAGS_RT=$("$CNNGEN" --cflags)
LIBS_RT=$("$CNNGEN" --libs)

# ---- FMA peak
say "FMA peak"
gcc -O2 -march=native -std=gnu99 -o "$OUT/peak" bench/peak.c
if [ "$SMOKE" = 1 ]; then $PIN "$OUT/peak" 1 5 >> "$RES"; else $PIN "$OUT/peak" "$REPS" 60 >> "$RES"; fi

# ---- per network: report, generate, build (with -O2 -march=native and with -O2)
declare -A NETNAME NETDIM
for spec in "${NETS[@]}"; do
  net=$($PY -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["name"])' "$spec")
  d=$OUT/$net
  mkdir -p "$d"
  say "$net: generate ($spec)"
  "$CNNGEN" --report --format json "$spec" > "$d/report.json" 2>"$OUT/logs/$net-report.log" \
    || die "cnngen --report failed on $spec: $(head -3 "$OUT/logs/$net-report.log")"
  $PY - "$d/report.json" "$net" >> "$RES" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"impl": "cnngen", "net": sys.argv[2], "kind": "report", "total_macs": r.get("total_macs"),
                  "total_params": r.get("total_params"), "input": r.get("input")}))
EOF
  g0=$(date +%s.%N)
  # --batch 32: P_MAX_BATCH 32, so that P_forward_batch of 32 samples is timed too
  "$CNNGEN" --batch 32 ${BENCH_CNNGEN_OPTS:-} "$spec" -o "$d/net.c" 2>"$OUT/logs/$net-gen.log" \
    || die "cnngen failed on $spec: $(head -3 "$OUT/logs/$net-gen.log")"
  g1=$(date +%s.%N)
  for v in native O2; do
    case $v in native) fl="-O2 -march=native"; lab="c-native" ;; O2) fl="-O2"; lab="c-O2" ;; esac
    say "$net: build and time generated C ($fl)"
    c0=$(date +%s.%N)
    gcc $fl $CFLAGS_RT -c -o "$d/net_$v.o" "$d/net.c" 2>"$OUT/logs/$net-cc-$v.log" \
      || die "compiling the generated C failed: see $OUT/logs/$net-cc-$v.log"
    c1=$(date +%s.%N)
    gcc $fl -DBENCH_MODEL="${net}_model" $CFLAGS_RT -o "$d/bench_$v" \
      bench/bench_c.c "$d/net_$v.o" $LIBS_RT -lm 2>>"$OUT/logs/$net-cc-$v.log" \
      || die "building the benchmark failed: see $OUT/logs/$net-cc-$v.log"
    if [ "$v" = O2 ] && [ -z "${BENCH_CNNGEN_OPTS:-}" ]; then  # the default (--unroll auto) row of the unroll table
      read -r text data bss _ < <(size "$d/net_$v.o" | tail -1)
      $PY -c 'import json,sys; a=sys.argv; print(json.dumps({"impl":"cnngen","kind":"unroll","net":a[1],"mode":"auto","ok":True,"gen_s":float(a[3])-float(a[2]),"compile_s":float(a[5])-float(a[4]),"text":int(a[6]),"data":int(a[7]),"bss":int(a[8]),"c_lines":int(a[9]),"c_bytes":int(a[10])}))' \
        "$net" "$g0" "$g1" "$c0" "$c1" "$text" "$data" "$bss" "$(wc -l < "$d/net.c")" "$(wc -c < "$d/net.c")" >> "$RES"
    fi
  done
  read -r C H W < <($PY -c 'import sys,yaml; i=yaml.safe_load(open(sys.argv[1]))["input"]; print(i["channels"], i["height"], i["width"])' "$spec")
  NETNAME[$spec]=$net; NETDIM[$spec]="$C $H $W"
done

# ---- timing: ROUNDS rounds, each running every implementation on every network with
# REPS runs, so that all of them sample the same (possibly changing) machine load; a
# figure is the median of all its runs. Every round first checks again that PyTorch
# and ONNX Runtime compute what the generated C computes (same weights and inputs).
targs=(--time --reps "$REPS" --min-time "$MINT" --warm-time 0.1)
[ "$SMOKE" = 1 ] && targs=(--time --reps 1 --min-time 0 --warm-time 0)
for round in $(seq 1 "$ROUNDS"); do
  for spec in "${NETS[@]}"; do
    net=${NETNAME[$spec]}; d=$OUT/$net
    say "round $round/$ROUNDS: $net: generated C (-O2 -march=native, -O2)"
    $PIN "$d/bench_native" "$d" 1,32 "$REPS" "$MINT" c-native >> "$RES" || die "$d/bench_native failed"
    $PIN "$d/bench_O2" "$d" 1,32 "$REPS" "$MINT" c-O2 >> "$RES" || die "$d/bench_O2 failed"
    onnx=(); what="check against the generated C"
    [ "$round" = 1 ] && { onnx=(--onnx "$d/model.onnx"); what="$what, ONNX export"; }
    say "round $round/$ROUNDS: $net: PyTorch ($what)"
    $PIN $PY bench/torch_bench.py "$spec" --net "$net" --check "$d" "${onnx[@]}" "${targs[@]}" \
      >> "$RES" 2>"$OUT/logs/$net-torch.log" || die "torch_bench failed on $net: $(grep -v Warning "$OUT/logs/$net-torch.log" | tail -5)"
    if [ "$OB_OK" = 1 ]; then
      say "round $round/$ROUNDS: $net: PyTorch with OpenBLAS"
      LD_LIBRARY_PATH="$OBLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" $PIN $PY bench/torch_bench.py "$spec" --net "$net" \
        --impl torch-openblas --check "$d" "${targs[@]}" >> "$RES" 2>"$OUT/logs/$net-torch-openblas.log" \
        || die "torch_bench (OpenBLAS) failed on $net: $(grep -v Warning "$OUT/logs/$net-torch-openblas.log" | tail -5)"
    fi
    if [ "$ORT_OK" = 1 ]; then
      say "round $round/$ROUNDS: $net: ONNX Runtime"
      read -r C H W <<< "${NETDIM[$spec]}"
      $PIN node bench/ort_bench.js "$d/model.onnx" "$net" "$d/input.bin" "$d/output.bin" "$C" "$H" "$W" 1,32 "$REPS" "$MINT" \
        >> "$RES" 2>"$OUT/logs/$net-ort.log" || die "ort_bench failed on $net: $(tail -5 "$OUT/logs/$net-ort.log")"
    fi
  done
done

# ---- unroll modes: generation time, gcc -O2 compile time, object size. A mode whose
# C exceeds BENCH_MAX_LINES (300000) lines is not compiled (gcc -O2 needs many minutes
# for it); a compile is given BENCH_CC_TIMEOUT (90) seconds.
MAXLINES=${BENCH_MAX_LINES:-300000}
CCTIMEOUT=${BENCH_CC_TIMEOUT:-90}
if [ "$SMOKE" != 1 ]; then
  for spec in "${NETS[@]}"; do
    net=$($PY -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["name"])' "$spec")
    modes="full kernel none"   # auto: measured with the benchmark build above
    [ -n "${BENCH_CNNGEN_OPTS:-}" ] && modes="auto $modes"
    for mode in $modes; do
      u=$OUT/unroll/$net-$mode
      mkdir -p "$u"
      say "$net: --unroll $mode: generate, gcc -O2 -c"
      g0=$(date +%s.%N)
      if ! timeout 60 "$CNNGEN" --unroll "$mode" "$spec" -o "$u/net.c" 2>"$u/gen.log"; then
        msg=$(grep -m1 -E 'error|refus' "$u/gen.log" || head -1 "$u/gen.log"); [ -n "$msg" ] || msg="timed out after 60 s"
        $PY -c 'import json,sys; print(json.dumps({"impl":"cnngen","kind":"unroll","net":sys.argv[1],"mode":sys.argv[2],"ok":False,"note":"generation refused: "+sys.argv[3]}))' \
          "$net" "$mode" "$msg" >> "$RES"
        continue
      fi
      g1=$(date +%s.%N)
      lines=$(wc -l < "$u/net.c"); bytes=$(wc -c < "$u/net.c")
      if [ "$lines" -gt "$MAXLINES" ]; then
        $PY -c 'import json,sys; print(json.dumps({"impl":"cnngen","kind":"unroll","net":sys.argv[1],"mode":sys.argv[2],"ok":False,"c_lines":int(sys.argv[3]),"gen_s":float(sys.argv[5])-float(sys.argv[4]),"note":"not compiled: over %s lines (BENCH_MAX_LINES)" % sys.argv[6]}))' \
          "$net" "$mode" "$lines" "$g0" "$g1" "$MAXLINES" >> "$RES"
        rm -f "$u/net.c"
        continue
      fi
      if timeout "$CCTIMEOUT" gcc -O2 $CFLAGS_RT -c -o "$u/net.o" "$u/net.c" 2>"$u/cc.log"; then
        g2=$(date +%s.%N)
        read -r text data bss _ < <(size "$u/net.o" | tail -1)
        $PY -c 'import json,sys; a=sys.argv; print(json.dumps({"impl":"cnngen","kind":"unroll","net":a[1],"mode":a[2],"ok":True,"gen_s":float(a[4])-float(a[3]),"compile_s":float(a[5])-float(a[4]),"text":int(a[6]),"data":int(a[7]),"bss":int(a[8]),"c_lines":int(a[9]),"c_bytes":int(a[10])}))' \
          "$net" "$mode" "$g0" "$g1" "$g2" "$text" "$data" "$bss" "$lines" "$bytes" >> "$RES"
      else
        $PY -c 'import json,sys; print(json.dumps({"impl":"cnngen","kind":"unroll","net":sys.argv[1],"mode":sys.argv[2],"ok":False,"c_lines":int(sys.argv[3]),"gen_s":float(sys.argv[5])-float(sys.argv[4]),"note":"gcc -O2 did not finish in %s s" % sys.argv[6] if open(sys.argv[7]).read().strip() == "" else "gcc -O2 failed: " + open(sys.argv[7]).read().strip().splitlines()[0][:80]}))' \
          "$net" "$mode" "$lines" "$g0" "$g1" "$CCTIMEOUT" "$u/cc.log" >> "$RES"
      fi
      rm -f "$u/net.o"
    done
  done
fi

t1=$(date +%s)
echo "{\"kind\": \"env\", \"loadavg_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"pin\": \"$PIN\"}" >> "$RES"
say "done in $((t1 - t0)) s"
set +e
readme=(); [ "${BENCH_README:-0}" = 1 ] && readme=(--readme docs/benchmarks.md)
$PY bench/report.py "$RES" --cpu "$CPU" --seconds "$((t1 - t0))" --md "$OUT/bench.md" "${readme[@]}" | tee "$OUT/bench.txt"
st=${PIPESTATUS[0]}
# ResNet-8 (issue 11): training time per epoch next to PyTorch, inference next to ORT
if [ "$SMOKE" != 1 ] && [ "${BENCH_NO_RESNET8:-0}" != 1 ]; then
  echo
  RESNET8_PIN="$PIN" $PY bench/resnet8_bench.py "$CNNGEN" "$OUT/resnet8" | tee -a "$OUT/bench.txt"
fi
# MLPerf Tiny's ResNet-8 and DS-CNN (issue 13): inference next to ONNX Runtime, training at
# batch 32 next to PyTorch (+OpenBLAS), the plain -O2 build next to -march=native
if [ "$SMOKE" != 1 ] && [ "${BENCH_NO_GRAPHS:-0}" != 1 ]; then
  echo
  ob=""; [ "$OB_OK" = 1 ] && ob=$OBLIB
  BENCH_PIN="$PIN" BENCH_REPS="$REPS" BENCH_MIN_TIME="$MINT" BENCH_OBLIB="$ob" \
    $PY bench/graph_bench.py "$CNNGEN" "$OUT/graphs" | tee -a "$OUT/bench.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || { [ "$st" -ge 1 ] || st=1; }
fi
set -e
if [ "${BENCH_STRICT:-0}" = 1 ]; then exit "$st"; fi
[ "$st" -le 1 ] || exit "$st"
exit 0
