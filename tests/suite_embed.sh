#!/usr/bin/env bash
# examples/embed: inference-only code with the weights compiled in (cnngen --weights)
# and static memory only.
#  - weights trained by the trainer -> the embedded program's predictions are the
#    trainer's and PyTorch's for the same weights; its probabilities are PyTorch's
#  - the initializer cnngen wrote holds the file's values bit for bit (parsed back
#    independently in Python)
#  - it builds warning-free under gcc and clang; neither its objects nor the generated
#    code call malloc/calloc/realloc/free
#  - cnngen --weights rejects a bad file (message naming the tensor, exit 2, no output)
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
D=/usr/share/datasets/fashion-mnist
mkdir -p build
W=$(mktemp -d build/suite_embed.XXXXXX)
W=$(cd "$W" && pwd)
trap 'rm -rf "$W"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
first() { printf '%s\n' "$1" | head -${2:-3} | tr '\n' ' '; }
N=1000

if [ ! -f $D/t10k-images-idx3-ubyte.gz ]; then
    echo "SKIP embed: $D missing (Debian: dataset-fashion-mnist)"; exit 0
fi
if ! $PY -c 'import torch, numpy' 2>/dev/null; then
    echo "SKIP embed: $PY lacks torch/numpy (Debian: python3-torch python3-numpy)"; exit 0
fi

# weights: a short training run with the trainer (its predictions are the reference)
if ! out=$(./cnngen specs/lenet5.yaml -o "$W/lenet5.c" 2>&1) ||
   ! out=$(cc -O2 -std=c99 -DMODEL=lenet5_model -o "$W/train" examples/train/train.c "$W/lenet5.c" \
           $(./cnngen --cflags) $(./cnngen --libs) -lz -lpthread -lm 2>&1) ||
   ! out=$("$W/train" --limit 2000 --epochs 1 --test-limit $N --seed 3 --save "$W/w.safetensors" \
           --predict "$W/train.pred" 2>&1); then
    fail trained_weights "$(first "$out" 5)"; exit 1
fi
pass trained_weights
$PY -c "
import sys; sys.path.insert(0, 'tests/weights'); import stio
stio.write_idx('$W/test.idx', stio.read_idx('$D/t10k-images-idx3-ubyte.gz')[:$N])"

for c in gcc clang; do
    if ! command -v $c >/dev/null; then echo "SKIP embed_build_$c: $c not installed"; continue; fi
    if out=$(make -s -C examples/embed CC=$c OUT="$W/$c" WEIGHTS="$W/w.safetensors" 2>&1); then
        pass embed_build_$c
    else
        fail embed_build_$c "$(first "$out" 5)"; continue
    fi
    E="$W/$c/embed"
    if "$E" "$W/test.idx" > "$W/$c.pred" 2>"$W/err" && cmp -s "$W/$c.pred" "$W/train.pred"; then
        pass "embed_predictions_equal_trainer_$c ($N images)"
    elif [ -s "$W/$c.pred" ] &&
         out=$($PY tests/weights/train_ref.py predict "$W/w.safetensors" "$W/test.idx" $N "$W/$c.pred" 2>&1); then
        # inference-only code may round differently: a class may flip on a near-tie only
        pass "embed_predictions_equal_trainer_$c (equal but for near-ties: $out)"
    else
        fail embed_predictions_equal_trainer_$c "$(head -2 "$W/err") $(cmp "$W/$c.pred" "$W/train.pred" 2>&1 | head -1)"
    fi
    if "$E" < "$W/test.idx" | cmp -s - "$W/$c.pred"; then
        pass embed_reads_stdin_$c
    else
        fail embed_reads_stdin_$c "predictions from standard input differ"
    fi
    heap=$(nm -u "$W/$c/embed.o" "$W/$c/net.o" | grep -wE 'malloc|calloc|realloc|free|aligned_alloc|posix_memalign' || true)
    if [ -z "$heap" ]; then
        pass no_heap_$c
    else
        fail no_heap_$c "$(echo $heap)"
    fi
done
E="$W/gcc/embed"; [ -x "$E" ] || E="$W/clang/embed"
if [ -x "$E" ]; then
    if out=$($PY tests/weights/train_ref.py predict "$W/w.safetensors" "$W/test.idx" $N "$W/train.pred" 2>&1); then
        pass "embed_predictions_equal_pytorch ($out)"
    else
        fail embed_predictions_equal_pytorch "$(first "$out")"
    fi
    "$E" -p "$W/test.idx" > "$W/probs"
    if out=$($PY tests/weights/train_ref.py probs "$W/w.safetensors" "$W/test.idx" $N "$W/probs" 2>&1); then
        pass "embed_probabilities_equal_pytorch ($out)"
    else
        fail embed_probabilities_equal_pytorch "$(first "$out")"
    fi
    C=$(dirname "$E")/net.c
    if out=$($PY tests/weights/train_ref.py cinit "$C" lenet5 "$W/w.safetensors" 2>&1); then
        pass "weights_initializer_exact ($out)"
    else
        fail weights_initializer_exact "$(first "$out")"
    fi
    info=$("$E" --info)
    if printf '%s\n' "$info" | grep -q "^workspace: *[0-9]* bytes (static)"; then
        pass embed_info
    else
        fail embed_info "$(first "$info")"
    fi
    if printf 'garbage' | "$E" > /dev/null 2>"$W/err"; then
        fail embed_rejects_bad_input "accepted garbage"
    else
        pass embed_rejects_bad_input
    fi
fi

# float64: PyTorch double weights -> --weights initializer, bit-exact, compiles cleanly
$PY -c "
import sys; sys.path.insert(0, 'tests/weights'); import stio, torch
torch.manual_seed(4); m = stio.lenet5(torch.float64)
stio.write('$W/w64.safetensors', [(k, v.detach().numpy()) for k, v in m.state_dict().items()])"
if out=$(./cnngen specs/lenet5.yaml --dtype float64 --prefix net64 --weights "$W/w64.safetensors" -o "$W/net64.c" 2>&1) &&
   out=$(cc -std=c99 -Wall -Wextra -Wpedantic -Werror -O0 -c $(./cnngen --cflags) -o "$W/net64.o" "$W/net64.c" 2>&1) &&
   out=$($PY tests/weights/train_ref.py cinit "$W/net64.c" net64 "$W/w64.safetensors" 2>&1); then
    pass "weights_initializer_exact_float64 ($out)"
else
    fail weights_initializer_exact_float64 "$(first "$out")"
fi

# cnngen --weights with a bad file: exit 2, a message naming the tensor, no output
bad() {   # bad NAME FILE EXPECTED [cnngen options]
    local name=$1 f=$2 want=$3; shift 3
    rm -f "$W/bad.c" "$W/bad.h"
    out=$(./cnngen specs/lenet5.yaml --inference-only --weights "$f" "$@" -o "$W/bad.c" 2>&1); rc=$?
    if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q -- "$want" && [ ! -e "$W/bad.c" ] && [ ! -e "$W/bad.h" ]; then
        pass "weights_option_rejects_$name"
    else
        fail "weights_option_rejects_$name" "exit $rc, output: $(first "$out")"
    fi
}
head -c 1000 "$W/w.safetensors" > "$W/trunc.safetensors"
bad truncated "$W/trunc.safetensors" "beyond"
bad wrong_dtype "$W/w.safetensors" "dtype F32.*needs F64" --dtype float64
bad missing_file "$W/none.safetensors" "cannot open"
$PY - "$W" <<'PYEOF'
import sys
sys.path.insert(0, "tests/weights")
import numpy as np, stio
t, _ = stio.read(sys.argv[1] + "/w.safetensors")
t["fc2.bias"] = t["fc2.bias"][:80]
stio.write(sys.argv[1] + "/shape.safetensors", list(t.items()))
t, _ = stio.read(sys.argv[1] + "/w.safetensors")
t["fc3.bias"] = t["fc3.bias"].copy(); t["fc3.bias"][4] = np.nan
stio.write(sys.argv[1] + "/nan.safetensors", list(t.items()))
PYEOF
bad wrong_shape "$W/shape.safetensors" "fc2.bias: shape \[80\]"
bad nan "$W/nan.safetensors" "fc3.bias holds NaN"
