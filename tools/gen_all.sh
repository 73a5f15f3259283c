#!/usr/bin/env bash
# tools/gen_all.sh CNNGEN OUTDIR [NRANDOM]
# Generates C for every spec in specs/, tests/codegen/specs/, tests/torchref/cases/,
# tools/gen_all/ (wide layers: long tables and accumulator lists that wrap)
# and NRANDOM (default 60) seeded random specs (tests/torchref/randspec.py), in every
# unroll mode and both dtypes, plus --inference-only and --prefix variants, and each
# spec's report (text, markdown, json, dot), --dump-ir, --report --stack and
# --emit pytorch, into
# OUTDIR (one .c/.h pair, or an .err file, per case). For refactors of the emitters:
# generate with the old and the new binary and `diff -r` the two directories; the
# generated code must stay byte-identical.
set -u
# Spec paths are relative to the checkout (they are named in the generated banners and
# messages), so two checkouts (git worktrees) give comparable output.
mkdir -p "$2"
CNNGEN=$(realpath "$1")
OUT=$(realpath "$2")
NRAND=${3:-60}
cd "$(dirname "$0")/.." || exit 1
RS=build/gen_all_specs
mkdir -p "$RS"
specs=(specs/*.yaml tests/codegen/specs/*.yaml tests/torchref/cases/*.yaml tools/gen_all/*.yaml)
for s in $(seq 1 "$NRAND"); do
  f="$RS/rand$s.yaml"
  [ -s "$f" ] || (cd tests/torchref && /usr/bin/python3 randspec.py "$s" "../../$f") || exit 1
  specs+=("$f")
done
n=0
for spec in "${specs[@]}"; do
  base=$(basename "$spec" .yaml)
  dir=$(basename "$(dirname "$spec")")
  # the other outputs that read the IR: every report format, the IR dump, the
  # stack report, the PyTorch export
  for fmt in text markdown json dot; do
    "$CNNGEN" --report --format "$fmt" "$spec" > "$OUT/${dir}_${base}.report.$fmt" 2>&1
  done
  "$CNNGEN" --dump-ir "$spec" > "$OUT/${dir}_${base}.ir" 2>&1
  "$CNNGEN" --report --stack "$spec" > "$OUT/${dir}_${base}.stack" 2>&1
  "$CNNGEN" --emit pytorch "$spec" -o "$OUT/${dir}_${base}.py" > /dev/null 2>&1
  for u in auto full kernel none; do
    for dt in float32 float64; do
      for extra in "" "--inference-only" "--prefix zz"; do
        tag="${dir}_${base}_${u}_${dt}$(echo "$extra" | tr -d ' -')"
        if ! "$CNNGEN" "$spec" --unroll "$u" --dtype "$dt" $extra -o "$OUT/$tag.c" \
             > /dev/null 2> "$OUT/$tag.err"; then
          :
        fi
        [ -s "$OUT/$tag.err" ] || rm -f "$OUT/$tag.err"
        n=$((n + 1))
      done
    done
  done
done
# the errors and warnings of every bad spec
for spec in tests/bad/*.yaml; do
  "$CNNGEN" --report "$spec" > "$OUT/bad_$(basename "$spec" .yaml).out" 2>&1
done
# $RS is kept: its files are the same every run
echo "gen_all: $n cases in $OUT"
