#!/usr/bin/env bash
# Hardening (issue 5). One line per check: PASS/FAIL/SKIP hardening/<name>.
#  - fuzz/regressions/*: every input the fuzzer ever crashed or hung on, replayed
#    through ./cnngen and build/cnngen-asan with every option mix: exit 0, or exit 1
#    with a positioned error, within 20 s, never a signal or a sanitizer report
#  - build/cnngen-asan (ASan+UBSan, make asan) on every spec, the front-end specs,
#    the codegen specs (report in every format, -o), the stack figures (--stack on both
#    targets, --stack-cc) and the bad-spec corpus: same exit status and same
#    diagnostics as ./cnngen, no sanitizer report, no leak
#  - valgrind memcheck on a sample (generator and generated code): no invalid access,
#    no uninitialised read, no leak of any kind
#  - hostile input refused quickly and in bounded memory (ulimit -v 1 GiB, 20 s):
#    1e9 filters, a million layers, 100000x100000 and 65536x65536 inputs, deep
#    nesting, alias bombs, int64 overflow, multi-gigabyte parameter counts, huge
#    kernels; --unroll full/kernel refused past their documented size
#  - safe output: an older net.c/net.h pair survives every failure (invalid spec,
#    refused unroll, write error), no temporary file is left, aliases of the spec
#  - random mutations of valid specs (tests/hardening/mutate.py), random valid specs
#    compile strictly and pass the gradient check (tests/hardening/props.py)
#  - softmax/CE/BCE/sigmoid at logits of +-1e4 vs PyTorch (tests/hardening/extreme.py)
#  - cppcheck finds nothing in the generated code; net.h's compile-time size checks
#    fire when a size is wrong; the report's stack figures bound gcc -fstack-usage
# Knobs: HARDENING_MUTANTS (400), HARDENING_PROPS (20), HARDENING_FAST=1 (fewer).
set -u
shopt -s nullglob
cd "$(dirname "$0")/.."
ROOT=$PWD
CN=$ROOT/cnngen
ASAN=$ROOT/build/cnngen-asan
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/cnngen-hardening.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
MUTANTS=${HARDENING_MUTANTS:-400}
PROPS=${HARDENING_PROPS:-20}
if [ "${HARDENING_FAST:-0}" = 1 ]; then MUTANTS=100; PROPS=6; fi

pass() { echo "PASS hardening/$1"; }
fail() { echo "FAIL hardening/$1: $2"; }
skip() { echo "SKIP hardening/$1: $2"; }
ok()   { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }

[ -x "$CN" ] || { fail build "./cnngen is missing (run make)"; exit 1; }

# ---- the sanitizer build
have_asan=0
SAN_CC=${SAN_CC:-$(command -v clang-14 || command -v clang)}
if [ -n "$SAN_CC" ] && command -v "$SAN_CC" >/dev/null; then
    if make -s SAN_CC="$SAN_CC" build/cnngen-asan >"$T/mk" 2>&1; then have_asan=1; pass asan_build
    else fail asan_build "make build/cnngen-asan: $(tail -3 "$T/mk" | tr '\n' '|')"; fi
else
    skip asan_build "clang not installed (tools/deps.sh test): NO sanitizer runs !!!"
fi
export ASAN_OPTIONS=detect_leaks=1:exitcode=86:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86

# run BIN ARGS... -> $rc, $T/so, $T/se; 124 = timeout (20 s)
run() { timeout 20 "$@" >"$T/so" 2>"$T/se"; rc=$?; }
# the sanitizers said something
san_said() { grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehavior' "$T/se"; }
positioned() { grep -qE '^[^:]+:[0-9]+:[0-9]+: error: ' "$T/se"; }

# ---- 1. fuzz regressions, every option mix, both binaries
OPTMIX=("" "--unroll full" "--unroll kernel" "--unroll none" "--inference-only" "--dtype float64" "--strict")
nreg=0; bad=""
for f in fuzz/regressions/*; do
    [ -f "$f" ] || continue
    nreg=$((nreg + 1))
    for bin in "$CN" $( [ $have_asan = 1 ] && echo "$ASAN"); do
        for o in "${OPTMIX[@]}"; do
            rm -f "$T/r.c" "$T/r.h"
            # shellcheck disable=SC2086
            run "$bin" $o "$f" -o "$T/r.c"
            if [ $rc = 0 ] && [ -f "$T/r.c" ] && [ -f "$T/r.h" ]; then continue; fi
            if [ $rc = 1 ] && positioned && ! san_said && [ ! -e "$T/r.c" ]; then continue; fi
            bad="$bad $(basename "$f")[${bin##*/} $o: exit $rc $(grep -m1 -E 'error|ERROR|runtime' "$T/se" | cut -c1-120)]"
        done
    done
done
[ -z "$bad" ]; ok fuzz_regressions $? "$bad"
[ $nreg -gt 0 ] || fail fuzz_regressions_present "fuzz/regressions/ is empty"

# ---- 2. the ASan+UBSan generator against ./cnngen
if [ $have_asan = 1 ]; then
    bad=""; n=0
    for s in specs/*.yaml tests/frontend/*.yaml tests/codegen/specs/*.yaml; do
        for mode in "--report" "--report --format markdown" "--report --format json" "--report --format dot" "-o $T/a.c" "--unroll kernel -o $T/a.c" "--inference-only --dtype float64 -o $T/a.c" "--emit pytorch -o $T/a.py"; do
            n=$((n + 1))
            # shellcheck disable=SC2086
            run "$CN" $mode "$s"; want=$rc; cp "$T/so" "$T/want.out"; cp "$T/se" "$T/want.err"
            # shellcheck disable=SC2086
            run "$ASAN" $mode "$s"
            if san_said || [ $rc != "$want" ] || ! cmp -s "$T/se" "$T/want.err" || ! cmp -s "$T/so" "$T/want.out"; then
                bad="$bad $s[$mode: exit $rc want $want $(grep -m1 -E 'ERROR|runtime error' "$T/se" | cut -c1-160)]"
            fi
        done
    done
    [ -z "$bad" ]; ok "asan_specs ($n runs)" $? "$bad"
    # the stack figures (both targets' models; --stack-cc with the host's gcc on three)
    bad=""; n=0
    for s in specs/*.yaml specs/mlperf_tiny/*.yaml; do
        modes=("--report --stack" "--report --stack --arch cortex-m4 --flash-limit 1G")
        case $s in specs/lenet5.yaml|specs/resblock.yaml|*/ds_cnn.yaml) modes+=("--report --stack-cc gcc") ;; esac
        for mode in "${modes[@]}"; do
            n=$((n + 1))
            # shellcheck disable=SC2086
            run "$CN" $mode "$s"; want=$rc; cp "$T/so" "$T/want.out"
            # shellcheck disable=SC2086
            run "$ASAN" $mode "$s"
            if san_said || [ $rc != "$want" ] || ! cmp -s "$T/so" "$T/want.out"; then
                bad="$bad $s[$mode: exit $rc want $want $(grep -m1 -E 'ERROR|runtime error' "$T/se" | cut -c1-160)]"
            fi
        done
    done
    [ -z "$bad" ]; ok "asan_stack ($n runs)" $? "$bad"
    bad=""; n=0
    for s in tests/bad/*.yaml; do
        n=$((n + 1))
        (cd tests/bad && timeout 20 "$ASAN" --check "$(basename "$s")" >/dev/null 2>"$T/se"); rc=$?
        exp=$(cat "${s%.yaml}.err" 2>/dev/null | head -1)
        if san_said || [ $rc != 1 ] || ! head -1 "$T/se" | grep -qF -- "$exp"; then
            bad="$bad $(basename "$s")[exit $rc: $(grep -m1 -E 'ERROR|runtime error|error' "$T/se" | cut -c1-160)]"
        fi
    done
    [ -z "$bad" ]; ok "asan_bad_corpus ($n specs)" $? "$bad"
    # the mutation property under the sanitizers too
    "$PY" tests/hardening/mutate.py "$ASAN" $((MUTANTS / 4)) 7 specs/*.yaml tests/codegen/specs/*.yaml \
        | sed 's/hardening\/mutations/hardening\/asan_mutations/'
fi

# ---- 3. valgrind memcheck
if command -v valgrind >/dev/null; then
    VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --track-origins=yes"
    bad=""
    vg() {   # want-exit args...
        local want=$1; shift
        timeout 300 $VG "$CN" "$@" >/dev/null 2>"$T/vg"; local r=$?
        if [ $r != "$want" ] || grep -q '^==[0-9]*==' "$T/vg"; then
            bad="$bad [$*: exit $r $(grep -m2 '^==' "$T/vg" | tr '\n' ' ' | cut -c1-200)]"
        fi
    }
    vg 0 specs/lenet5.yaml -o "$T/v.c"
    vg 0 --report --format json specs/cifar10.yaml
    vg 0 --unroll kernel specs/features.yaml -o "$T/v.c"
    vg 0 --report --format dot specs/features.yaml
    vg 1 tests/bad/billion_laughs.yaml -o "$T/v.c"
    vg 1 --check tests/bad/deep_nesting.yaml
    vg 1 --check tests/frontend/multi_errors.yaml
    vg 1 --check tests/bad/binary_elf.yaml
    vg 2 --check "$T/no_such.yaml"
    [ -z "$bad" ]; ok valgrind_generator $? "$bad"
    # the generated code: forward, backward, train_batch of LeNet-5 and the features net
    bad=""
    for s in specs/lenet5.yaml specs/features.yaml; do
        d=$T/vgc_$(basename "$s" .yaml); mkdir -p "$d"
        "$CN" "$s" -o "$d/net.c" 2>/dev/null
        m=$(sed -n 's/^extern const cnngen_model \([A-Za-z0-9_]*\);/\1/p' "$d/net.h")
        if ! cc -O1 -g -std=c99 -I"$ROOT/runtime" -I"$d" -DMODEL="$m" -include "$d/net.h" -o "$d/chk" \
                tests/codegen/check.c "$d/net.c" runtime/libcnngen.a -lm 2>"$T/cc"; then
            bad="$bad [$s: does not compile: $(head -2 "$T/cc")]"; continue
        fi
        # the driver (check.c) keeps its buffers to the end; the generated code allocates
        # nothing, so leaks are not its business here: invalid access and undefined
        # values are
        timeout 300 valgrind -q --error-exitcode=99 --leak-check=no --track-origins=yes \
            "$d/chk" run 3 >/dev/null 2>"$T/vg"; r=$?
        if [ $r != 0 ] || grep -q '^==[0-9]*==' "$T/vg"; then
            bad="$bad [$s: exit $r $(grep -m2 '^==' "$T/vg" | tr '\n' ' ' | cut -c1-200)]"
        fi
    done
    [ -z "$bad" ]; ok valgrind_generated_code $? "$bad"
else
    skip valgrind "valgrind not installed (tools/deps.sh test): NO memcheck runs !!!"
fi

# ---- 4. hostile input: refused with a clear error, fast, in bounded memory
H=$T/hostile; mkdir -p "$H"
# hostile NAME WANT_EXIT REGEX SPEC [options]: exit, message (REGEX "": no output on
# stderr at all), < 20 s, < 1 GiB
hostile() {
    local name=$1 want=$2 re=$3 spec=$4; shift 4
    local t0 t1
    t0=$(date +%s%N)
    ( ulimit -v 1048576; timeout 20 "$CN" "$@" "$spec" ) >/dev/null 2>"$T/se"; rc=$?
    t1=$(date +%s%N)
    if [ -z "$re" ]; then [ $rc = "$want" ] && [ ! -s "$T/se" ]
    else [ $rc = "$want" ] && grep -qE -- "$re" "$T/se"; fi
    ok "limit_$name" $? "exit $rc (want $want) after $(( (t1 - t0) / 1000000 )) ms: $(head -1 "$T/se" | cut -c1-200)"
}
printf 'input: {channels: 1, height: 28, width: 28}\nlayers:\n  - {type: conv2d, filters: 1000000000, kernel: 3}\n' > "$H/filters.yaml"
hostile filters_1e9 1 "filters.yaml:3:29: error: 'filters' is 1000000000, above the limit of 65536" "$H/filters.yaml" --check
"$PY" -c 'print("input: {channels: 1, height: 4, width: 4}\nlayers:"); print("  - {type: relu}\n" * 1000000, end="")' > "$H/million.yaml"
hostile million_layers 2 "is larger than 4194304 bytes" "$H/million.yaml" --check
"$PY" -c 'import sys; sys.stdout.write("input: {channels: 1, height: 4, width: 4}\nlayers: [" + "{type: relu}," * 250000 + "{type: relu}]\n")' > "$H/quarter_million.yaml"
hostile quarter_million_layers_flow 1 "error: the YAML has more than 200000 nodes" "$H/quarter_million.yaml" --check
"$PY" -c 'print("input: {channels: 1, height: 4, width: 4}\nlayers:"); print("  - {type: relu}\n" * 5000, end="")' > "$H/many.yaml"
hostile 5000_layers 1 "error: too many layers: 5000 \(the limit is 1024\)" "$H/many.yaml" -o "$H/x.c"
printf 'input: {channels: 1, height: 100000, width: 100000}\nlayers: [{type: flatten}]\n' > "$H/input_1e5.yaml"
hostile input_100000x100000 1 "error: 'height' is 100000, above the limit of 65536" "$H/input_1e5.yaml" --check
printf 'input: {channels: 1, height: 65536, width: 65536}\nlayers: [{type: flatten}]\n' > "$H/input_64k.yaml"
hostile input_65536x65536 1 "input_64k.yaml:1:8: error: the input 1x65536x65536 has 4294967296 elements, above the limit of 268435456" "$H/input_64k.yaml" --check
"$PY" -c 'import sys; sys.stdout.write("x: " + "[" * 2000000 + "]" * 2000000 + "\n")' > "$H/nest_flow.yaml"
hostile nesting_2M_flow 1 "error: the YAML is nested more than 32 levels deep" "$H/nest_flow.yaml" --check
"$PY" -c 'import sys; sys.stdout.write("x:\n" + "".join(" " * i + "- \n" for i in range(1, 2000)))' > "$H/nest_block.yaml"
hostile nesting_2000_block 1 "error: the YAML is nested more than 32 levels deep" "$H/nest_block.yaml" --check
"$PY" -c 'import sys; sys.stdout.write("x: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n")' > "$H/nest_map.yaml"
hostile nesting_1000_maps 1 "error: the YAML is nested more than 32 levels deep" "$H/nest_map.yaml" --check
"$PY" - "$H/laughs.yaml" <<'PYEOF'
import sys
lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for i in range(1, 30):
    lines.append('a%d: &a%d [%s]' % (i, i, ",".join(["*a%d" % (i - 1)] * 10)))
lines += ["input: {channels: 1, height: 4, width: 4}", "layers: *a29"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PYEOF
hostile alias_bomb_10e30 1 "error: YAML aliases \(\*a0\) are not supported" "$H/laughs.yaml" --check
printf 'base: &b {type: relu}\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n  - {<<: *b, name: r}\n' > "$H/merge.yaml"
hostile alias_merge_key 1 "error: YAML aliases \(\*b\) are not supported" "$H/merge.yaml" --check
printf 'input: {channels: 1, height: 28, width: 28}\nlayers:\n  - {type: conv2d, filters: 99999999999999999999, kernel: 3}\n' > "$H/i64.yaml"
hostile int64_overflow 1 "error: 'filters': 99999999999999999999 does not fit in a 64-bit integer" "$H/i64.yaml" --check
printf 'input: {channels: 1, height: 28, width: -9223372036854775809}\nlayers: [{type: flatten}]\n' > "$H/i64n.yaml"
hostile int64_overflow_negative 1 "error: 'width': -9223372036854775809 does not fit in a 64-bit integer" "$H/i64n.yaml" --check
printf 'input: {channels: 1, height: 28, width: 9223372036854775807}\nlayers: [{type: flatten}]\n' > "$H/i64max.yaml"
hostile int64_max 1 "error: 'width' is 9223372036854775807, above the limit of 65536" "$H/i64max.yaml" --check
printf 'input: {channels: 1, height: 28, width: 28}\nlayers:\n  - {type: leaky_relu, alpha: .nan}\n' > "$H/nan.yaml"
hostile alpha_nan 1 "error: 'alpha' must be a finite number of moderate size, got .nan" "$H/nan.yaml" --check
printf 'input: {channels: 1, height: 64, width: 64}\nlayers:\n  - {type: flatten}\n  - {type: dense, units: 65536}\n  - {type: dense, units: 65536}\n' > "$H/params.yaml"
hostile params_4G 1 "error: fc1: the parameter count reaches 268500992 here, above the limit of 268435456" "$H/params.yaml" -o "$H/x.c"
printf 'input: {channels: 65536, height: 3, width: 3}\nlayers:\n  - {type: conv2d, filters: 65536, kernel: 3}\n' > "$H/conv_params.yaml"
hostile params_conv_38G 1 "error: conv1: the parameter count reaches 38654771200 here" "$H/conv_params.yaml" -o "$H/x.c"
printf 'input: {channels: 1, height: 16384, width: 16384}\nlayers:\n  - {type: conv2d, filters: 1, kernel: 16384, bias: false}\n  - {type: flatten}\n' > "$H/kernel.yaml"
hostile unroll_kernel_huge 1 "kernel.yaml:3:5: error: conv1: --unroll kernel would spell out 268435456 taps .* use --unroll auto" "$H/kernel.yaml" --unroll kernel -o "$H/x.c"
hostile unroll_full_cifar10 1 "cifar10.yaml:6:5: error: conv1: --unroll full would spell out [0-9]+ terms .*limit for the whole network is 200000: use --unroll auto" specs/cifar10.yaml --unroll full -o "$H/x.c"
[ ! -e "$H/x.c" ] && [ ! -e "$H/x.h" ]; ok limit_refusals_write_nothing $? "$(ls "$H" | grep '^x\.')"
# the same huge kernel with the default unroll (auto -> none) is generated, quickly
hostile huge_kernel_auto_generates 0 "" "$H/kernel.yaml" -o "$H/k.c"
s=$(wc -c < "$H/k.c" 2>/dev/null || echo 0); [ "$s" -lt 200000 ]; ok huge_kernel_auto_small $? "net.c has $s bytes"
# at the limits but legal: a 1024-layer net and a 2^28-element tensor generate fast
"$PY" -c 'print("input: {channels: 1, height: 4, width: 4}\nlayers:"); print("  - {type: relu}\n" * 1024, end="")' > "$H/l1024.yaml"
hostile 1024_layers_generate 0 "" "$H/l1024.yaml" -o "$H/l.c"
printf 'input: {channels: 1, height: 16384, width: 16384}\nlayers:\n  - {type: conv2d, filters: 1, kernel: 3, padding: same}\n  - {type: maxpool, size: 2}\n  - {type: global_avgpool}\nloss: mse\n' > "$H/t28.yaml"
hostile tensor_2p28_generates 0 "" "$H/t28.yaml" -o "$H/t.c"

# ---- 5. safe output
O=$T/out; mkdir -p "$O"
oldpair() { echo "old c" > "$O/net.c"; echo "old h" > "$O/net.h"; }
pair_kept() { [ "$(cat "$O/net.c")" = "old c" ] && [ "$(cat "$O/net.h")" = "old h" ] && [ "$(ls -A "$O" | tr '\n' ' ')" = "net.c net.h " ]; }
oldpair; "$CN" tests/bad/unknown_key.yaml -o "$O/net.c" 2>/dev/null; rc=$?
[ $rc = 1 ] && pair_kept; ok out_pair_kept_invalid_spec $? "exit $rc, dir: $(ls -A "$O" | tr '\n' ' ')"
oldpair; "$CN" --unroll full specs/cifar10.yaml -o "$O/net.c" 2>/dev/null; rc=$?
[ $rc = 1 ] && pair_kept; ok out_pair_kept_unroll_refused $? "exit $rc, dir: $(ls -A "$O" | tr '\n' ' ')"
# a write error (file size limit: write() fails with EFBIG) half-way through
oldpair; ( trap '' XFSZ; ulimit -f 8; "$CN" specs/lenet5.yaml -o "$O/net.c" ) 2>"$T/se"; rc=$?
[ $rc = 2 ] && pair_kept && grep -q "cannot write" "$T/se"
ok out_pair_kept_write_error $? "exit $rc, dir: $(ls -A "$O" | tr '\n' ' '), $(head -1 "$T/se")"
oldpair; "$CN" specs/lenet5.yaml -o "$O/net.c" 2>/dev/null; rc=$?
[ $rc = 0 ] && grep -q '#include "net.h"' "$O/net.c" && grep -q 'lenet5_forward' "$O/net.h" && [ "$(ls -A "$O" | tr '\n' ' ')" = "net.c net.h " ]
ok out_pair_replaced $? "exit $rc, dir: $(ls -A "$O" | tr '\n' ' ')"
# the spec under another name: a symlink as -o, a symlink as the header, a ../ path
S=$T/spec; mkdir -p "$S/sub"; cp specs/lenet5.yaml "$S/net.yaml"
ln -sf net.yaml "$S/link.c"
"$CN" "$S/net.yaml" -o "$S/link.c" 2>"$T/se"; rc=$?
[ $rc = 2 ] && cmp -s specs/lenet5.yaml "$S/net.yaml" && grep -q "would overwrite the spec" "$T/se"
ok out_symlink_to_spec $? "exit $rc: $(head -1 "$T/se")"
ln -sf net.yaml "$S/gen.h"
"$CN" "$S/net.yaml" -o "$S/gen.c" 2>"$T/se"; rc=$?
[ $rc = 2 ] && cmp -s specs/lenet5.yaml "$S/net.yaml" && [ ! -e "$S/gen.c" ]
ok out_header_symlink_to_spec $? "exit $rc: $(head -1 "$T/se")"
cp specs/lenet5.yaml "$S/n.c"
"$CN" "$S/n.c" -o "$S/sub/../n.c" 2>"$T/se"; rc=$?
[ $rc = 2 ] && cmp -s specs/lenet5.yaml "$S/n.c"; ok out_dotdot_path_to_spec $? "exit $rc: $(head -1 "$T/se")"
mkdir -p "$S/hdir/net.h"
"$CN" specs/lenet5.yaml -o "$S/hdir/net.c" 2>"$T/se"; rc=$?
[ $rc = 2 ] && [ ! -e "$S/hdir/net.c" ] && grep -q "is a directory" "$T/se"
ok out_header_is_directory $? "exit $rc: $(head -1 "$T/se")"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$S/ro"; chmod 555 "$S/ro"
    "$CN" specs/lenet5.yaml -o "$S/ro/net.c" 2>"$T/se"; rc=$?
    [ $rc = 2 ] && [ -z "$(ls -A "$S/ro")" ] && grep -q "cannot write" "$T/se"
    ok out_readonly_dir $? "exit $rc: $(head -1 "$T/se")"
else   # root writes anywhere but not into /proc: covered by suite_frontend o_unwritable
    "$CN" specs/lenet5.yaml -o /proc/self/net.c 2>"$T/se"; rc=$?
    [ $rc = 2 ] && grep -qE "cannot write|does not exist|directory" "$T/se"
    ok out_unwritable_proc_self $? "exit $rc: $(head -1 "$T/se")"
fi
[ -z "$(find "$T" -name '.*.XXXXXX' -o -name '.net.*' -o -name '.gen.*' -o -name '.x.*' 2>/dev/null)" ]
ok out_no_temporary_left $? "$(find "$T" -name '.*' -type f | head -3 | tr '\n' ' ')"

# ---- 6. mutations and random valid specs
if [ -x "$PY" ] && "$PY" -c 'import yaml' 2>/dev/null; then
    "$PY" tests/hardening/mutate.py "$CN" "$MUTANTS" 1 specs/*.yaml tests/codegen/specs/*.yaml tests/frontend/*.yaml
    mkdir -p "$T/props"
    "$PY" tests/hardening/props.py "$CN" "$T/props" "$PROPS" 5000
else
    skip mutations "$PY with yaml missing: NO mutation/property tests !!!"
fi

# ---- 7. numerics at the edges vs PyTorch
if "$PY" -c 'import torch, numpy' 2>/dev/null; then
    mkdir -p "$T/ex"; "$PY" tests/hardening/extreme.py "$CN" "$T/ex"
else
    skip extreme_numerics "$PY cannot import torch/numpy: softmax/CE/BCE at +-1e4 NOT checked !!!"
fi
# ---- 8. generated-code checks: cppcheck, net.h's compile-time checks, stack figures
G=$T/gen; mkdir -p "$G"
if command -v cppcheck >/dev/null; then
    bad=""; files=""
    for s in specs/lenet5.yaml specs/features.yaml specs/sigmoid_cnn.yaml specs/perceptron.yaml; do
        b=$(basename "$s" .yaml)
        for u in auto none; do
            if "$CN" --unroll $u "$s" -o "$G/${b}_$u.c" 2>/dev/null; then files="$files $G/${b}_$u.c"
            else bad="$bad [$b $u: cnngen failed]"; fi
        done
    done
    # two levels, reported apart: warning/performance/portability (likely bugs) and style
    for lvl in warning,performance,portability style; do
        b2=$bad
        # shellcheck disable=SC2086
        cppcheck -j 2 --enable=$lvl --std=c99 --quiet \
            --max-configs=1 --suppress=toomanyconfigs -I runtime $files 2>"$T/cpp" >/dev/null
        [ $lvl = style ] && grep -vE '\[(missingInclude|toomanyconfigs)\]' "$T/cpp" > "$T/cpp2" && mv "$T/cpp2" "$T/cpp"
        n=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: (error|warning|style|performance|portability)' "$T/cpp")
        if [ "$n" != 0 ]; then
            b2="$b2 [$n findings in $(grep -oE '^[^ :]+' "$T/cpp" | sort -u | sed "s|$G/||" | tr '\n' ' ')- e.g. $(grep -E '^[^ ]+:[0-9]+:[0-9]+: ' "$T/cpp" | sed "s|$G/||" | awk -F'[][]' '!seen[$2]++' | head -4 | cut -c1-140 | tr '\n' '|')]"
        fi
        name=cppcheck_generated_code_${lvl%%,*}
        [ -z "$b2" ]; ok "$name" $? "$b2"
    done
else
    skip cppcheck "cppcheck not installed (tools/deps.sh test): generated code NOT linted !!!"
fi
# each compile-time check in net.h fires when the size it guards is wrong
"$CN" specs/lenet5.yaml -o "$G/h.c" 2>/dev/null
bad=""
for chk in PARAMS_BYTES:check_params_size WORKSPACE_BYTES:check_workspace_size NUM_PARAMS:check_params_flat INPUT_SIZE:check_input_size GRAD_BYTES:check_grad_size; do
    mac=${chk%%:*}; name=${chk#*:}
    grep -q "lenet5_$name\[" "$G/h.h" || { bad="$bad [no $name in net.h]"; continue; }
    mkdir -p "$G/$name"; cp "$G/h.c" "$G/$name/h.c"
    sed "s/^#define lenet5_$mac \([0-9]*\)/#define lenet5_$mac (\1 + 1)/" "$G/h.h" > "$G/$name/h.h"
    if cc -std=c99 -fsyntax-only -Iruntime "$G/$name/h.c" 2>"$T/cc"; then
        bad="$bad [$mac off by one: still compiles]"
    elif ! grep -q "$name" "$T/cc"; then
        bad="$bad [$mac off by one: error does not name $name: $(head -1 "$T/cc")]"
    fi
done
cc -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iruntime "$G/h.c" 2>"$T/cc" || bad="$bad [the intact pair does not compile: $(head -1 "$T/cc")]"
[ -z "$bad" ]; ok header_size_checks_fire $? "$bad"
# the report's stack figures bound gcc/clang -fstack-usage
if [ -x "$PY" ]; then
    "$PY" tests/hardening/stack_check.py "$CN" "$G" specs/lenet5.yaml specs/features.yaml
fi
"$CN" --report --stack specs/lenet5.yaml > "$T/st" 2>&1
grep -qE '^  lenet5_forward +[0-9,]+ +[0-9,]+$' "$T/st"; ok report_stack_text $? "$(grep -m3 forward "$T/st")"
exit 0
