#!/usr/bin/env bash
# Code generation tests (issue 3). One line per check: PASS/FAIL/SKIP <name>.
#  - float64 central-difference gradient checks of every parameter and input gradient
#    (tests/codegen/check.c, driven through P_model) for every layer type, padding
#    form, activation and loss (tests/codegen/specs/*.yaml, specs/features.yaml), in
#    every unroll mode; LeNet-5 sampled
#  - all unroll modes give bit-identical outputs, loss, gradients and trained params
#  - the course's worked examples, exactly (tests/codegen/course.c)
#  - every generated file compiles with -std=c99 -Wall -Wextra -Wpedantic -Werror under
#    gcc and clang (float32, float64, --inference-only); the header compiles alone
#  - generated code runs clean under -fsanitize=address,undefined
#  - --inference-only computes the same output; --prefix; two nets in one program;
#    byte-identical output for the same input; sizeof(P_workspace) == the report
#  - LeNet-5 with default options compiles with gcc -O2 in under 10 s
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
ROOT=$(pwd)
CNNGEN=$ROOT/cnngen
[ -x "$CNNGEN" ] || { echo "FAIL codegen: ./cnngen not built (run make)"; exit 1; }
[ -f runtime/libcnngen.a ] || { echo "FAIL codegen: runtime/libcnngen.a not built"; exit 1; }
mkdir -p build
T=$(mktemp -d "$ROOT/build/codegen.XXXXXX")
trap 'rm -rf "$T"' EXIT
STRICT="-std=c99 -Wall -Wextra -Wpedantic -Werror"
RT="-I$ROOT/runtime"
LIBS="$ROOT/runtime/libcnngen.a -lm"
have_clang=0; command -v clang >/dev/null && have_clang=1

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# gen SPEC DIR [cnngen options...]: writes DIR/net.c and DIR/net.h
gen() {
    local spec=$1 dir=$2; shift 2
    mkdir -p "$dir"
    "$CNNGEN" "$spec" -o "$dir/net.c" "$@" 2>"$dir/cnngen.err"
}
# model name of a generated header
model_of() { sed -n 's/^extern const cnngen_model \([A-Za-z0-9_]*\);/\1/p' "$1/net.h"; }
# build_check DIR [extra cflags]: DIR/check from check.c + DIR/net.c
build_check() {
    local dir=$1; shift
    gcc $STRICT -O0 "$@" $RT -I"$dir" -include net.h -DMODEL="$(model_of "$dir")" \
        tests/codegen/check.c "$dir/net.c" $LIBS -o "$dir/check" 2>"$dir/cc.err"
}

# ---------------------------------------------------------------- gradient checks
GSPECS="$(ls tests/codegen/specs/*.yaml) specs/features.yaml"
for spec in $GSPECS; do
    base=$(basename "$spec" .yaml)
    for mode in none kernel full; do
        want "gradcheck $base --unroll $mode" || want "unroll-identical $base " || continue
        d=$T/g_${base}_$mode
        if ! gen "$spec" "$d" --dtype float64 --unroll $mode; then
            fail "gradcheck $base --unroll $mode" "cnngen failed: $(head -3 "$d/cnngen.err")"; continue
        fi
        if ! build_check "$d"; then
            fail "gradcheck $base --unroll $mode" "compile failed: $(head -5 "$d/cc.err")"; continue
        fi
        out=$("$d/check" grad 3 2>&1)
        if [ $? -eq 0 ]; then pass "gradcheck $base --unroll $mode: $out"
        else fail "gradcheck $base --unroll $mode" "$(echo "$out" | head -5 | tr '\n' ' ')"; fi
        if grep -q 'type: *\(batchnorm\|dropout\)' "$spec"; then   # train mode differs
            out=$("$d/check" trainfd 3 2>&1)
            if [ $? -eq 0 ]; then pass "gradcheck-train $base --unroll $mode: $out"
            else fail "gradcheck-train $base --unroll $mode" "$(echo "$out" | head -5 | tr '\n' ' ')"; fi
        fi
        if [ "$base" = bn_dropout ]; then   # batch 4 and a batchnorm on a vector: 1..4 only
            out=$("$d/check" refuse 3 5 0 -1 1 2>&1)
            if [ $? -eq 0 ]; then pass "train_batch refusals $base --unroll $mode: $out"
            else fail "train_batch refusals $base --unroll $mode" "$(echo "$out" | head -3 | tr '\n' ' ')"; fi
        fi
        "$d/check" dump 5 >"$d/dump.txt" 2>&1
    done
    want "unroll-identical $base " || continue
    ok=1
    for mode in kernel full; do
        if ! cmp -s "$T/g_${base}_none/dump.txt" "$T/g_${base}_$mode/dump.txt"; then
            ok=0; fail "unroll-identical $base" "--unroll $mode differs from none"
        fi
    done
    [ $ok = 1 ] && [ -s "$T/g_${base}_none/dump.txt" ] && pass "unroll-identical $base (none = kernel = full, bit for bit)"
done

# float32: the modes agree bit for bit too
for spec in specs/lenet5.yaml tests/codegen/specs/pools.yaml tests/codegen/specs/conv_pad.yaml; do
    base=$(basename "$spec" .yaml); ok=1
    want "unroll-identical float32 $base" || continue
    for mode in none kernel full; do
        d=$T/f32_${base}_$mode
        if [ $base = lenet5 ] && [ $mode = full ]; then continue; fi   # 390k lines
        gen "$spec" "$d" --dtype float32 --unroll $mode && build_check "$d" &&
            "$d/check" dump 7 >"$d/dump.txt" 2>&1 || { ok=0; fail "unroll-identical float32 $base" "$mode: build/run failed"; }
    done
    for mode in kernel full; do
        [ -s "$T/f32_${base}_$mode/dump.txt" ] || continue
        cmp -s "$T/f32_${base}_none/dump.txt" "$T/f32_${base}_$mode/dump.txt" ||
            { ok=0; fail "unroll-identical float32 $base" "--unroll $mode differs from none"; }
    done
    [ $ok = 1 ] && pass "unroll-identical float32 $base"
done

# `make check` takes only the gradient checks above (tests/check.sh)
[ -n "${CNNGEN_GRADCHECK_ONLY:-}" ] && exit 0

# LeNet-5 float64, sampled (about 40 entries per tensor), default and none
for mode in auto none; do
    want "gradcheck lenet5 --unroll $mode" || continue
    d=$T/lenet64_$mode
    if gen specs/lenet5.yaml "$d" --dtype float64 --unroll $mode && build_check "$d"; then
        out=$("$d/check" grad 11 40 2>&1)
        if [ $? -eq 0 ]; then pass "gradcheck lenet5 --unroll $mode (sampled): $out"
        else fail "gradcheck lenet5 --unroll $mode" "$(echo "$out" | head -5 | tr '\n' ' ')"; fi
    else fail "gradcheck lenet5 --unroll $mode" "build failed: $(head -5 "$d/cc.err" "$d/cnngen.err")"; fi
done

# ---------------------------------------------------------------- course examples
d=$T/course; mkdir -p "$d"
okc=1
want "course" || okc=skip
for s in tests/codegen/course/*.yaml; do
    [ $okc = skip ] && break
    b=$(basename "$s" .yaml)
    for mode in none kernel full; do
        if ! "$CNNGEN" "$s" -o "$d/${b}_$mode.c" --unroll $mode --prefix ${b}_$mode 2>"$d/err"; then
            okc=0; fail "course $b" "cnngen: $(head -3 "$d/err")"
        fi
    done
done
if [ $okc = 1 ]; then
    if gcc $STRICT -O1 $RT -I"$d" tests/codegen/course.c "$d"/*.c $LIBS -o "$d/course" 2>"$d/cc.err"; then
        "$d/course"
    else
        fail "course examples" "compile failed: $(head -5 "$d/cc.err")"
    fi
fi

# ---------------------------------------------------------------- strict compiles
compilers="gcc"; [ $have_clang = 1 ] && compilers="gcc clang"
[ $have_clang = 1 ] || echo "SKIP strict clang: clang not installed (tools/deps.sh test)"
for spec in specs/*.yaml tests/codegen/specs/*.yaml tests/codegen/course/*.yaml; do
    base=$(basename "$spec" .yaml)
    want "$base" || continue
    for variant in "float32" "float64" "inference"; do
        case $variant in
            float32) opts="--dtype float32" ;;
            float64) opts="--dtype float64" ;;
            inference) opts="--inference-only" ;;
        esac
        d=$T/s_${base}_$variant
        if ! gen "$spec" "$d" $opts; then
            fail "strict $base $variant" "cnngen failed: $(head -3 "$d/cnngen.err")"; continue
        fi
        for cc in $compilers; do
            if ! $cc $STRICT -O0 $RT -c "$d/net.c" -o "$d/net_$cc.o" 2>"$d/$cc.err"; then
                fail "strict $cc $base $variant" "$(head -5 "$d/$cc.err")"; continue
            fi
            # the header alone
            printf '#include "net.h"\nint main(void) { return 0; }\n' >"$d/hdr.c"
            if ! $cc $STRICT $RT -I"$d" -c "$d/hdr.c" -o "$d/hdr.o" 2>"$d/$cc.hdr.err"; then
                fail "strict $cc $base $variant header" "$(head -5 "$d/$cc.hdr.err")"; continue
            fi
            # no global or static mutable data, no heap, no I/O: only read-only data,
            # and calls to libm, the runtime and memcpy/memset
            # (.data.rel.ro holds the const descriptor: it has pointers)
            bad=$(objdump -h "$d/net_$cc.o" | awk '($2 == ".data" || $2 == ".bss") && $3 !~ /^0+$/ {print $2}'
                  nm "$d/net_$cc.o" | awk '$2 == "C" {print $3}'
                  nm -u "$d/net_$cc.o" | awk '{print $2}' |
                      grep -Ev '^(cnngen_[a-z0-9_]+|mem(cpy|set|move)|(exp|log|log1p|tanh|sqrt|fabs)f?)$')
            if [ -n "$bad" ]; then
                fail "strict $cc $base $variant" "mutable data or unexpected calls: $(echo $bad)"; continue
            fi
            pass "strict $cc $base $variant (no mutable data, heap or I/O)"
        done
    done
done
# strict_all DIR NAME: DIR/net.c compiles with $STRICT -O0 under every compiler (a FAIL
# "NAME [cc]" for each that does not; false then)
strict_all() {
    local dir=$1 name=$2 ok=0
    for cc in $compilers; do
        $cc $STRICT -O0 $RT -c "$dir/net.c" -o "$dir/net.o" 2>"$dir/err" || { ok=1; fail "$name [$cc]" "$(head -5 "$dir/err")"; }
    done
    return $ok
}
# explicit unroll modes on a spec with every feature
for mode in none kernel full; do
    want "strict features --unroll $mode" || continue
    d=$T/sf_$mode
    gen specs/features.yaml "$d" --unroll $mode --dtype float32 || { fail "strict features --unroll $mode" "cnngen"; continue; }
    strict_all "$d" "strict features --unroll $mode" && pass "strict features --unroll $mode ($compilers)"
done
# the PyTorch cases (graphs, partial training, train-mode layers): a static function
# written but never called warns (a partial net's frozen branches)
for spec in tests/torchref/cases/*.yaml; do
    base=$(basename "$spec" .yaml)
    want "strict torchref $base" || continue
    d=$T/st_$base
    gen "$spec" "$d" --dtype float32 || { fail "strict torchref $base" "cnngen: $(head -3 "$d/cnngen.err")"; continue; }
    strict_all "$d" "strict torchref $base" && pass "strict torchref $base ($compilers)"
done

# ---------------------------------------------------------------- sanitizers
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
for spec in $GSPECS specs/lenet5.yaml specs/cifar10.yaml; do
    base=$(basename "$spec" .yaml)
    variants="float32 float64 inference"
    case $base in lenet5) variants=float32 ;; cifar10) variants=inference ;; esac
    for variant in $variants; do
        case $variant in
            float32) opts="--dtype float32" ;;
            float64) opts="--dtype float64" ;;
            inference) opts="--inference-only --dtype float32" ;;
        esac
        want "sanitizers $base $variant" || continue
        d=$T/san_${base}_$variant
        if ! gen "$spec" "$d" $opts; then fail "sanitizers $base $variant" "cnngen"; continue; fi
        if ! build_check "$d" $SAN; then
            echo "SKIP sanitizers $base $variant: cannot build with $SAN ($(head -2 "$d/cc.err" | tr '\n' ' '))"
            continue
        fi
        out=$(ASAN_OPTIONS=detect_leaks=0 "$d/check" run 2>&1)
        if [ $? -eq 0 ] && ! echo "$out" | grep -q "runtime error"; then pass "sanitizers $base $variant"
        else fail "sanitizers $base $variant" "$(echo "$out" | head -5 | tr '\n' ' ')"; fi
    done
done

# ---------------------------------------------------------------- API properties
# --inference-only computes the same output as the training build
d1=$T/inf_train; d2=$T/inf_only
if ! want "inference-only"; then :
elif gen specs/features.yaml "$d1" && gen specs/features.yaml "$d2" --inference-only &&
   build_check "$d1" && build_check "$d2"; then
    o1=$("$d1/check" dump 9 | head -1); o2=$("$d2/check" dump 9 | head -1)
    if [ -n "$o1" ] && [ "$o1" = "$o2" ]; then pass "inference-only output = training build output"
    else fail "inference-only output" "differs"; fi
    if grep -q "_backward\|grad_a\|argmax_" "$d2/net.h"; then fail "inference-only header" "mentions backward/gradients"
    else pass "inference-only header has no backward, no gradient buffers"; fi
else fail "inference-only" "build failed"; fi

# the longest prefix (63 characters): every generated name that carries it (P_real in
# every layer function, P_vec, ...) is whole, in every unroll mode and both dtypes
LONG=p23456789012345678901234567890123456789012345678901234567890123
ok=1; want "longest prefix" || ok=skip
for spec in specs/features.yaml tests/codegen/specs/pools.yaml tests/codegen/specs/conv_pad.yaml \
            tests/torchref/cases/pool_ceil_overhang_max_l2.yaml; do
    [ $ok = skip ] && break
    for mode in none kernel full; do
        for dt in float32 float64; do
            d=$T/long_$(basename "$spec" .yaml)_${mode}_$dt
            if ! gen "$spec" "$d" --prefix $LONG --unroll $mode --dtype $dt ||
               ! gcc $STRICT -c $RT -I"$d" "$d/net.c" -o "$d/net.o" 2> "$d/cc.err"; then
                ok=0; fail "longest prefix $(basename "$spec") $mode $dt" "$(head -2 "$d/cnngen.err" "$d/cc.err" 2>/dev/null | tr '\n' ' ')"
            fi
        done
    done
done
[ $ok = 1 ] && pass "longest prefix (63 characters): 4 specs x 3 modes x 2 dtypes compile strict"

# --prefix, and two different networks in one program
d=$T/two; mkdir -p "$d"
if ! want "--prefix"; then :
elif "$CNNGEN" specs/lenet5.yaml -o "$d/a.c" --prefix netA 2>/dev/null &&
   "$CNNGEN" specs/cifar10.yaml -o "$d/b.c" --prefix netB 2>/dev/null; then
    cat >"$d/main.c" <<'EOF'
#include <stdio.h>
#include "a.h"
#include "b.h"
static netA_params pa, ga; static netA_workspace wa;
static netB_params pb, gb; static netB_workspace wb;
static netA_real ia[netA_INPUT_SIZE], ta[netA_OUTPUT_SIZE];
static netB_real ib[netB_INPUT_SIZE], tb[netB_OUTPUT_SIZE];
int main(void)
{
    netA_init(&pa, 1); netB_init(&pb, 2);
    ta[3] = 1; tb[4] = 1; ia[100] = 1; ib[7] = 1;
    netA_real la = netA_train_batch(&pa, ia, ta, 1, 0.01f, &ga, &wa);
    netB_real lb = netB_train_batch(&pb, ib, tb, 1, 0.01f, &gb, &wb);
    printf("%d %d\n", la > 0, lb > 0);
    return !(la > 0 && lb > 0 && netA_model.num_params == netA_NUM_PARAMS);
}
EOF
    if gcc $STRICT -O1 $RT -I"$d" "$d/main.c" "$d/a.c" "$d/b.c" $LIBS -o "$d/two" 2>"$d/err" && "$d/two" >/dev/null; then
        pass "--prefix: two networks link and train in one program"
    else fail "--prefix two networks" "$(head -5 "$d/err")"; fi
else fail "--prefix" "cnngen failed"; fi

# byte-identical output for the same input
d=$T/same
want "byte-identical" && gen specs/features.yaml "$d/1" && gen specs/features.yaml "$d/2" &&
if cmp -s "$d/1/net.c" "$d/2/net.c" && cmp -s "$d/1/net.h" "$d/2/net.h"; then
    pass "byte-identical output for the same input"
else fail "byte-identical output" "two runs differ"; fi

# sizeof(P_workspace) == the report's workspace bytes (json), for both dtypes
for spec in specs/lenet5.yaml specs/features.yaml specs/cifar10.yaml; do
    base=$(basename "$spec" .yaml)
    want "workspace size $base" || continue
    d=$T/ws_$base
    gen "$spec" "$d" && build_check "$d" || { fail "workspace size $base" "build"; continue; }
    rep=$("$CNNGEN" --report --format json "$spec" | grep -o '"workspace_bytes": *[0-9]*' | grep -o '[0-9]*$')
    # a plain number, or (P_VECTORS ? vectors : one lane): this host has vectors
    hdr=$(sed -n -e 's/^#define [A-Za-z0-9_]*_WORKSPACE_BYTES \([0-9][0-9]*\).*/\1/p' \
                 -e 's/^#define [A-Za-z0-9_]*_WORKSPACE_BYTES ([A-Za-z0-9_]*_VECTORS ? \([0-9]*\) : [0-9]*).*/\1/p' "$d/net.h")
    if [ -n "$rep" ] && [ "$rep" = "$hdr" ]; then pass "workspace size $base: report $rep = sizeof (checked at compile time)"
    elif [ -z "$rep" ]; then fail "workspace size $base" "report has no workspace_bytes field"
    else fail "workspace size $base" "report $rep, header $hdr"; fi
done

# ---------------------------------------------------------------- compile time
# CPU time (user + sys) of the compiler: on a shared, loaded machine the wall time
# measures the neighbours, not cnngen's output. Both are printed.
d=$T/lenet_time
if want "lenet5 compile time" && gen specs/lenet5.yaml "$d"; then
    TIMEFORMAT='%R %U %S'
    if { time gcc -O2 $RT -c "$d/net.c" -o "$d/net.o" 2>"$d/err"; } 2>"$d/time"; then
        read -r wall user sys <"$d/time"
        cpu=$(echo "$user + $sys" | bc)
        if [ "$(echo "$cpu < 10" | bc)" = 1 ]; then
            pass "lenet5 default compiles with gcc -O2 in ${cpu}s CPU (< 10 s; wall ${wall}s)"
        else fail "lenet5 compile time" "${cpu}s CPU >= 10 s (wall ${wall}s)"; fi
    else fail "lenet5 compile time" "compile failed: $(head -3 "$d/err")"; fi
fi
exit 0
