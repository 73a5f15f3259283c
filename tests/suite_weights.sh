#!/usr/bin/env bash
# Weights in safetensors: PyTorch -> cnngen, cnngen -> PyTorch, round trips, and
# rejection of every kind of corrupt file (tests/weights/check_weights.py has the
# checks; st_check.c is their C side, built here against the generated LeNet-5 in
# float32 and float64). The reference is an independent PyTorch LeNet-5 and an
# independent numpy reader/writer of the format (tests/weights/stio.py).
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CC=${CC:-cc}
mkdir -p build
W=$(mktemp -d build/suite_weights.XXXXXX)
trap 'rm -rf "$W"' EXIT

# the runtime file itself: strict C99 under gcc and clang
for c in gcc clang; do
    if ! command -v $c >/dev/null; then echo "SKIP runtime_safetensors_$c: $c not installed"; continue; fi
    if out=$($c -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -Iruntime -c runtime/safetensors.c -o "$W/st_$c.o" 2>&1); then
        echo "PASS runtime_safetensors_$c"
    else
        echo "FAIL runtime_safetensors_$c: $(echo "$out" | head -3 | tr '\n' ' ')"
    fi
done

if ! $PY -c 'import torch, numpy' 2>/dev/null; then
    echo "SKIP weights: $PY lacks torch/numpy (Debian: python3-torch python3-numpy)"
    exit 0
fi

ok=1
for dt in float32 float64; do
    if ! out=$(./cnngen specs/lenet5.yaml --dtype $dt -o "$W/lenet5_$dt.c" 2>&1); then
        echo "FAIL generate_lenet5_$dt: $(echo "$out" | head -3 | tr '\n' ' ')"; ok=0; continue
    fi
    if ! out=$($CC -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -DMODEL=lenet5_model \
            -o "$W/st_check_$dt" tests/weights/st_check.c "$W/lenet5_$dt.c" \
            $(./cnngen --cflags) $(./cnngen --libs) 2>&1); then
        echo "FAIL build_st_check_$dt: $(echo "$out" | head -3 | tr '\n' ' ')"; ok=0; continue
    fi
    echo "PASS build_st_check_$dt"
done
[ $ok = 1 ] || exit 1
$PY tests/weights/check_weights.py "$W/st_check_float32" "$W/st_check_float64" "$W"
