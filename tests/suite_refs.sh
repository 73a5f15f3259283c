#!/usr/bin/env bash
# The committed PyTorch reference dumps (tests/refs/, the offline tier's): regenerated
# here by PyTorch (tests/refs/make_refs.py) and compared with the committed files (to
# 1e-12: they must be PyTorch's, not a capture of cnngen), then checked against the
# generated C as `make check` does (tests/refs/check.sh).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
PY=/usr/bin/python3
need_cnngen refs
if ! "$PY" -c 'import torch, numpy, yaml' 2>/dev/null; then
    echo "SKIP refs-current: $PY cannot import torch/numpy/yaml (run tools/deps.sh test); the committed dumps are NOT re-derived !!!"
else
    T=$(scratch_dir refs-make) || exit 1
    specs=()
    for d in tests/refs/*/; do specs+=("$d/spec.yaml"); done
    if "$PY" tests/refs/make_refs.py "$T" "${specs[@]}" > "$T/log" 2>&1; then
        cc -O1 -o "$T/cmpbin" tests/refs/cmpbin.c -lm
        for d in tests/refs/*/; do
            c=$(basename "$d"); bad=""
            for f in "$d"*.bin; do
                r=$("$T/cmpbin" "$f" "$T/$c/$(basename "$f")" 1e-12) || bad="$bad $(basename "$f"): $r;"
            done
            if [ -z "$bad" ]; then echo "PASS refs-current/$c: the committed dump is PyTorch's"
            else echo "FAIL refs-current/$c: differs from PyTorch's (re-run tests/refs/make_refs.py):$bad"; fi
        done
    else
        echo "FAIL refs-current: make_refs.py failed: $(tail -1 "$T/log")"
    fi
    rm -rf "$T"
fi
bash tests/refs/check.sh
