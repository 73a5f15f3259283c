# tests/lib.sh - sourced by the suites (from the top of the checkout, after their cd):
# the checks their preambles share. Not a suite itself (tests/run.sh runs suite_*.sh).

# need_cnngen NAME: FAIL NAME and exit 1 unless ./cnngen is built.
need_cnngen() {
    if [ ! -x ./cnngen ]; then
        echo "FAIL $1: ./cnngen is not built (run make)"
        exit 1
    fi
}

# scratch_dir TAG: a private temporary directory, printed (not build/: a concurrent
# `make clean` would pull it away); the suite keeps it when something failed.
scratch_dir() {
    mktemp -d "${TMPDIR:-/tmp}/cnngen-$1.XXXXXX"
}

# torchref_setup NAME WHAT: the preamble of the PyTorch cross-checks. Unless $PY imports
# torch, numpy and yaml: a loud SKIP NAME saying that WHAT is NOT cross-checked, and
# exit 0. Then need_cnngen NAME, and $work set to a scratch_dir (kept when something
# failed, to reproduce it).
torchref_setup() {
    if ! "$PY" -c 'import torch, numpy, yaml' 2>/dev/null; then
        echo "SKIP $1: $PY cannot import torch/numpy/yaml (run tools/deps.sh test); $2 NOT cross-checked !!!"
        exit 0
    fi
    need_cnngen "$1"
    work=$(scratch_dir torchref) || exit 1
}

# want NAME: true when the check NAME is to run: no filter (tests/run.sh SUITE FILTER
# exports CNNGEN_TEST_FILTER), or NAME matches it. Suites call it at the head of the
# loops over their cases, so a filtered run does only the work of the matching ones.
want() {
    [ -z "${CNNGEN_TEST_FILTER:-}" ] || printf '%s\n' "$1" | grep -qE -- "$CNNGEN_TEST_FILTER"
}
