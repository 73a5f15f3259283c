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
rc=$?

# the loader under valgrind: no invalid access, no leak, on success and on failure
if command -v valgrind >/dev/null; then
    S="$W/st_check_float32"
    V="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
    head -c 3000 "$W/roundtrip_float32.safetensors" > "$W/vg_trunc.safetensors"
    { head -c 8 "$W/roundtrip_float32.safetensors"; printf '{"conv1.weight": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [0, 600]}, "x": [1, {'; } > "$W/vg_json.safetensors"
    printf '\x50\x00\x00\x00\x00\x00\x00\x00' | dd of="$W/vg_json.safetensors" bs=1 conv=notrunc 2>/dev/null
    ok=1; why=""
    for args in "roundtrip 5 $W/vg_rt.safetensors" "reject $W/vg_trunc.safetensors" "reject $W/vg_json.safetensors"; do
        $V $S $args > "$W/vg.out" 2>&1; r=$?
        if [ $r -ne 0 ]; then ok=0; why="$why [$args: exit $r: $(head -3 "$W/vg.out" | tr '\n' ' ')]"; fi
    done
    if [ $ok = 1 ]; then echo "PASS loader_valgrind_clean"; else echo "FAIL loader_valgrind_clean:$why"; rc=1; fi
else
    echo "SKIP loader_valgrind_clean: valgrind not installed"
fi
exit $rc
