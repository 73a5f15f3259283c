#!/usr/bin/env bash
# tests/refs/check.sh [CASE...] - the offline PyTorch diff of `make check`: for each
# reference dump in tests/refs/<case>/ (written by PyTorch: tests/refs/make_refs.py),
# generate the C of its spec (default options), run tests/tools/netdriver.c on the
# dump's parameters and inputs, and compare the forward output, the loss, every
# parameter gradient, the input gradient and one P_train_batch step with PyTorch's
# (float64, |c - torch| <= 1e-9 * max(1, |torch|)). No Python, no torch.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
need_cnngen refs
T=$(scratch_dir refs) || exit 1
trap 'rm -rf "$T"' EXIT
CC=${CC:-cc}
$CC -O1 -o "$T/cmpbin" tests/refs/cmpbin.c -lm || { echo "FAIL refs: cmpbin does not build"; exit 1; }
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=($(ls -d tests/refs/*/ | xargs -n1 basename))
for c in "${cases[@]}"; do
    want "refs/$c" || continue
    R=tests/refs/$c; d=$T/$c
    mkdir -p "$d"
    if ! ./cnngen "$R/spec.yaml" -o "$d/net.c" --prefix net 2> "$d/err"; then
        echo "FAIL refs/$c: cnngen: $(head -1 "$d/err")"; continue
    fi
    if ! $CC -O1 -std=c99 -I"$d" -DMODEL=net_model tests/tools/netdriver.c "$d/net.c" \
            $(./cnngen --cflags) $(./cnngen --libs) -lm -o "$d/drv" 2> "$d/err"; then
        echo "FAIL refs/$c: the driver does not build: $(head -1 "$d/err")"; continue
    fi
    for f in params input target batch_in batch_tg; do cp "$R/$f.bin" "$d/"; done
    read -r n lr < "$R/run.txt"
    if ! "$d/drv" "$d" "$n" "$lr" > "$d/out" 2>&1; then
        echo "FAIL refs/$c: the driver failed: $(head -1 "$d/out")"; continue
    fi
    bad=""
    for f in output loss grad grad_input batch_loss trained; do
        r=$("$T/cmpbin" "$R/want_$f.bin" "$d/$f.bin" 1e-9) || bad="$bad $f: $r;"
    done
    if [ -z "$bad" ]; then
        echo "PASS refs/$c: output, loss, gradients, input gradient, SGD step = PyTorch's"
    else
        echo "FAIL refs/$c:$bad"
    fi
done
