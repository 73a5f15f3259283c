#!/usr/bin/env bash
# The trainer (examples/train/train.c) with the generated LeNet-5:
#  - it builds warning-free (C99, gcc and clang)
#  - its SGD with momentum and weight decay over two threads matches torch.optim.SGD
#    step for step (PyTorch reference: tests/weights/train_ref.py)
#  - a short real run on Fashion-MNIST: the loss falls, the accuracy is far above
#    chance, the CSV and SVG are written, a seed makes it reproducible
#  - saved weights reload to the same test accuracy, and their predictions are
#    PyTorch's for the same weights
#  - the IDX reader rejects malformed files with a message
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
CC=${CC:-cc}
D=/usr/share/datasets/fashion-mnist
mkdir -p build
W=$(mktemp -d build/suite_train.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
first() { printf '%s\n' "$1" | head -${2:-3} | tr '\n' ' '; }

if ! out=$(./cnngen specs/lenet5.yaml -o "$W/lenet5.c" 2>&1); then
    fail generate_lenet5 "$(first "$out")"; exit 1
fi
FLAGS="-std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -DMODEL=lenet5_model"
LIBS="$(./cnngen --libs) -lz -lpthread -lm"
for c in gcc clang; do
    if ! command -v $c >/dev/null; then echo "SKIP build_trainer_$c: $c not installed"; continue; fi
    if out=$($c $FLAGS -o "$W/train_$c" examples/train/train.c "$W/lenet5.c" $(./cnngen --cflags) $LIBS 2>&1); then
        pass build_trainer_$c
    else
        fail build_trainer_$c "$(first "$out")"
    fi
done
T="$W/train_gcc"
[ -x "$T" ] || T="$W/train_clang"
[ -x "$T" ] || exit 1

if [ ! -f $D/train-images-idx3-ubyte.gz ]; then
    echo "SKIP training: $D missing (Debian: dataset-fashion-mnist)"; exit 0
fi
havetorch=1
$PY -c 'import torch, numpy' 2>/dev/null || havetorch=0

# --- the update rule against torch.optim.SGD: 64 samples as one full batch, 3 steps
if [ $havetorch = 1 ]; then
    $PY tests/weights/train_ref.py init "$W/w0.safetensors"
    if out=$("$T" --load "$W/w0.safetensors" --limit 64 --batch 64 --epochs 3 --schedule const \
            --lr 0.05 --momentum 0.9 --weight-decay 0.001 --threads 2 --test-limit 10 \
            --save "$W/w3.safetensors" 2>&1) &&
       out=$($PY tests/weights/train_ref.py sgd "$W/w0.safetensors" "$W/w3.safetensors" \
            $D/train-images-idx3-ubyte.gz $D/train-labels-idx1-ubyte.gz 64 3 0.05 0.9 0.001 2>&1); then
        pass "sgd_momentum_matches_pytorch ($out)"
    else
        fail sgd_momentum_matches_pytorch "$(first "$out" 5)"
    fi
    # the same in float64 (the trainer's double path), to 1e-9
    if out=$(./cnngen specs/lenet5.yaml --dtype float64 -o "$W/lenet5_64.c" 2>&1) &&
       out=$(cc $FLAGS -o "$W/train64" examples/train/train.c "$W/lenet5_64.c" $(./cnngen --cflags) $LIBS 2>&1) &&
       $PY tests/weights/train_ref.py init "$W/w0_64.safetensors" f64 &&
       out=$("$W/train64" --load "$W/w0_64.safetensors" --limit 64 --batch 64 --epochs 3 --schedule const \
            --lr 0.05 --momentum 0.9 --weight-decay 0.001 --threads 2 --test-limit 10 \
            --save "$W/w3_64.safetensors" 2>&1) &&
       out=$($PY tests/weights/train_ref.py sgd "$W/w0_64.safetensors" "$W/w3_64.safetensors" \
            $D/train-images-idx3-ubyte.gz $D/train-labels-idx1-ubyte.gz 64 3 0.05 0.9 0.001 f64 2>&1); then
        pass "sgd_momentum_matches_pytorch_float64 ($out)"
    else
        fail sgd_momentum_matches_pytorch_float64 "$(first "$out" 5)"
    fi
else
    echo "SKIP sgd_momentum_matches_pytorch: $PY lacks torch"
fi

# --- a short real run
run() { "$T" --limit 3000 --epochs 1 --test-limit 2000 --seed 7 --threads 2 "$@"; }
if ! out=$(run --csv "$W/a.csv" --svg "$W/a.svg" --save "$W/a.safetensors" --predict "$W/a.pred" 2>&1); then
    fail short_run "$(first "$out" 5)"; exit 1
fi
pass short_run
acc=$(printf '%s\n' "$out" | sed -n 's/^test accuracy: \([0-9.]*\)%$/\1/p')
if [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 60) }'; then
    pass "short_run_accuracy ($acc% on 2000 test images after 3000 samples)"
else
    fail short_run_accuracy "test accuracy '$acc' below 60% (chance is 10%)"
fi
# loss: the first tenth of the epoch vs the last
read -r l0 l9 <<<"$(awk -F, '$1 == "step" { if (!n++) f = $5; l = $5 } END { print f, l }' "$W/a.csv")"
if [ -n "${l9:-}" ] && awk -v a="$l0" -v b="$l9" 'BEGIN { exit !(b < 0.6 * a) }'; then
    pass "loss_falls ($l0 -> $l9)"
else
    fail loss_falls "first interval $l0, last $l9"
fi
rows=$(grep -c '^step,' "$W/a.csv"); erows=$(grep -c '^epoch,' "$W/a.csv")
if head -1 "$W/a.csv" | grep -q '^kind,epoch,samples,lr,train_loss,train_acc,test_loss,test_acc,seconds$' &&
   [ "$rows" -ge 9 ] && [ "$erows" -eq 1 ]; then
    pass "csv_written ($rows step rows, $erows epoch row)"
else
    fail csv_written "header or rows wrong ($rows step rows, $erows epoch rows)"
fi
if $PY -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"); assert len([e for e in r.iter() if e.tag.endswith("polyline")]) >= 3' "$W/a.svg" 2>/dev/null; then
    pass svg_written
else
    fail svg_written "not a well-formed SVG with the curves"
fi

# --- reproducible: the same seed gives the same curve
if out2=$(run --csv "$W/b.csv" 2>&1) && cmp -s <(cut -d, -f1-8 "$W/a.csv") <(cut -d, -f1-8 "$W/b.csv"); then
    pass seeded_run_reproducible
else
    fail seeded_run_reproducible "two runs with --seed 7 differ"
fi

# --- saved weights reload to the same accuracy; predictions match PyTorch
if out2=$("$T" --load "$W/a.safetensors" --epochs 0 --test-limit 2000 --predict "$W/b.pred" 2>&1) &&
   acc2=$(printf '%s\n' "$out2" | sed -n 's/^test accuracy: \([0-9.]*\)%$/\1/p') &&
   [ "$acc2" = "$acc" ] && cmp -s "$W/a.pred" "$W/b.pred"; then
    pass "reload_same_accuracy ($acc2%)"
else
    fail reload_same_accuracy "after reload: '${acc2:-}' vs '$acc': $(first "$out2")"
fi
if [ $havetorch = 1 ]; then
    if out=$($PY tests/weights/train_ref.py predict "$W/a.safetensors" $D/t10k-images-idx3-ubyte.gz 2000 "$W/a.pred" 2>&1); then
        pass "predictions_match_pytorch ($out)"
    else
        fail predictions_match_pytorch "$(first "$out")"
    fi
fi

# --- malformed IDX files
idx() {   # idx FILE magic-type ndim dims... : writes a header only
    local f=$1 ty=$2 nd=$3; shift 3
    printf "\\x00\\x00\\x$ty\\x0$nd" > "$f"
    for d in "$@"; do printf "\\x$(printf %02x $((d>>24&255)))\\x$(printf %02x $((d>>16&255)))\\x$(printf %02x $((d>>8&255)))\\x$(printf %02x $((d&255)))" >> "$f"; done
}
L="$W/labels.idx"; I="$W/images.idx"
idx "$L" 08 1 3; printf '\x01\x02\x03' >> "$L"
idx "$I" 08 3 3 28 28; head -c $((3*28*28)) /dev/zero >> "$I"
check_bad() {   # check_bad NAME EXPECTED-TEXT IMAGES LABELS
    local out
    if out=$("$T" --epochs 0 --test-images "$3" --test-labels "$4" 2>&1); then
        fail "idx_rejects_$1" "accepted"
    elif printf '%s\n' "$out" | grep -q -- "$2"; then
        pass "idx_rejects_$1"
    else
        fail "idx_rejects_$1" "message lacks '$2': $(first "$out")"
    fi
}
if out=$("$T" --epochs 0 --test-images "$I" --test-labels "$L" 2>&1); then
    pass idx_accepts_plain_file
else
    fail idx_accepts_plain_file "$(first "$out")"
fi
idx "$W/b1" 01 1 3; printf '\x01\x02\x03' >> "$W/b1"; check_bad int_type "type 0x01" "$I" "$W/b1"
printf '\x08\x00\x08\x01' > "$W/b1"; check_bad bad_magic "magic" "$I" "$W/b1"
idx "$W/b2" 0D 1 3; head -c 12 /dev/zero >> "$W/b2"; check_bad float_type "type 0x0d" "$I" "$W/b2"
idx "$W/b3" 08 2 3 1; printf '\x01\x02\x03' >> "$W/b3"; check_bad wrong_ndim "dimensions" "$I" "$W/b3"
idx "$W/b4" 08 1 3; printf '\x01\x02' >> "$W/b4"; check_bad truncated "truncated" "$I" "$W/b4"
idx "$W/b5" 08 1 3; printf '\x01\x02\x03\x04' >> "$W/b5"; check_bad trailing "past what the header" "$I" "$W/b5"
idx "$W/b6" 08 1 4; printf '\x01\x02\x03\x04' >> "$W/b6"; check_bad count_mismatch "3 images but" "$I" "$W/b6"
idx "$W/b7" 08 1 3; printf '\x01\x0a\x03' >> "$W/b7"; check_bad label_range "label 10" "$I" "$W/b7"
printf '\x00\x00\x08' > "$W/b8"; check_bad short_header "IDX" "$I" "$W/b8"
idx "$W/b9" 08 1 3; printf '\x01\x02\x03' >> "$W/b9"; gzip -c "$W/b9" | head -c 20 > "$W/b9.gz"
check_bad gzip_truncated "truncated\|unexpected end" "$I" "$W/b9.gz"
gzip -c "$L" > "$W/ok.gz"
if out=$("$T" --epochs 0 --test-images "$I" --test-labels "$W/ok.gz" 2>&1); then
    pass idx_accepts_gzip
else
    fail idx_accepts_gzip "$(first "$out")"
fi
check_bad missing_file "cannot open" "$W/nonexistent" "$L"
