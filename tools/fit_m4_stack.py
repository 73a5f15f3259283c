#!/usr/bin/env python3
"""Refits the Cortex-M4 stack model of generator/stack.c (the M4S_* weights).

For every spec in specs/ and each build (inference, training at --batch 2), it
generates the C, compiles it with arm-none-eabi-gcc at -Os and -O2 with -fstack-usage,
and fits each function's frame (the larger of the two, less its arrays) to the
features cnngen prints for it (CNNGEN_M4_FEATURES=1: scalar real locals, distinct
large integer constants, parameters, float64, loop-invariant constant-subscript
reads), by non-negative least squares that weighs an under-estimate 30
times an over-estimate, so that the chains bound the stack the board uses
(tests/suite_mcu.sh checks that on QEMU). Prints the weights in tenths of a byte.

    /usr/bin/python3 tools/fit_m4_stack.py [./cnngen]
"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
NAMES = ["base", "real", "bigc", "param", "f64", "hoist"]


def frames(c, wd, level):
    """function -> bytes of its frame (gcc -fstack-usage)"""
    subprocess.run(["arm-none-eabi-gcc"] + M4 + [level, "-std=c99", "-fstack-usage", "-I",
                    os.path.join(ROOT, "runtime"), "-I", wd, "-c", c, "-o", os.path.join(wd, "net.o")],
                   check=True, capture_output=True)
    out = {}
    with open(os.path.join(wd, "net.su")) as fh:
        for line in fh:
            w = line.split("\t")
            out[w[0].split(":")[-1].split(".")[0]] = int(w[1])
    return out


def main():
    cnngen = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "cnngen")
    X, y = [], []
    specs = sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")) +
                   glob.glob(os.path.join(ROOT, "specs", "mlperf_tiny", "*.yaml")))
    with tempfile.TemporaryDirectory() as wd:
        c = os.path.join(wd, "net.c")
        for spec in specs:
            for opts in (["--inference-only"], ["--batch", "2"]):
                env = dict(os.environ, CNNGEN_M4_FEATURES="1")
                p = subprocess.run([cnngen, spec, "-o", c, "--prefix", "net", "--stack", "--arch",
                                    "cortex-m4"] + opts, capture_output=True, text=True, env=env)
                if p.returncode:
                    continue
                su = [frames(c, wd, "-Os"), frames(c, wd, "-O2")]
                for line in p.stderr.splitlines():
                    w = line.split()
                    if not w or w[0] != "m4stack" or not any(w[1] in s for s in su):
                        continue
                    real, cidx, bigc, nint, param, arr, calls, hoist, f64 = (int(v) for v in w[2:])
                    X.append([1, real, bigc, param, f64, hoist])
                    y.append(max(s.get(w[1], 0) for s in su) - arr)
            print("  %s" % os.path.basename(spec), file=sys.stderr)
    X, y = np.array(X, float), np.array(y, float)
    use = list(range(len(NAMES)))
    while True:                             # non-negative weights: drop the most negative
        wt = np.ones(len(y))
        for _ in range(40):
            cu, *_ = np.linalg.lstsq(X[:, use] * wt[:, None], y * wt, rcond=None)
            wt = np.where(X[:, use] @ cu - y < 0, 30.0, 1.0)
        if cu.min() >= 0:
            break
        use.pop(int(np.argmin(cu)))
    c = np.zeros(len(NAMES))
    c[use] = cu
    r = X @ c - y
    print("weights (tenths of a byte): " + ", ".join("%s %d" % (n, round(10 * v)) for n, v in zip(NAMES, c)))
    print("%d functions; under-estimated %d (worst %.0f bytes), mean error %.0f bytes"
          % (len(y), int((r < 0).sum()), -r.min(), abs(r).mean()))


if __name__ == "__main__":
    main()
