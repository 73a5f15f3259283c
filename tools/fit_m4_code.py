#!/usr/bin/env python3
"""Refits the Cortex-M4 code-size model of generator/budget.c (the M4_* weights).

For every spec in specs/ and each build (inference, training at --batch 2, some unroll
modes), it generates the C, compiles it with arm-none-eabi-gcc -Os as tests/mcu/mcu.py
does, reads .text and .rodata (less the const weights) of net.o, asks cnngen for each
compiled function's features (CNNGEN_M4_FEATURES=1) and its read-only data figure, and
fits the weights by non-negative least squares on the relative error of each build's
total. It prints the weights (tenths of a byte, for budget.c's enum), the worst ratio
in the sample and the worst when each spec is left out of the fit.

    /usr/bin/python3 tools/fit_m4_code.py [./cnngen]
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
NAMES = ["add", "acc", "cidx", "for", "param", "f64op", "cmp", "flit", "arrow"]


def builds():
    specs = sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")) +
                   glob.glob(os.path.join(ROOT, "specs", "mlperf_tiny", "*.yaml")))
    for s in specs:
        yield s, ["--inference-only"]
        yield s, ["--batch", "2"]
    for name, opts in [("lenet5", ["--inference-only", "--unroll", "none"]),
                       ("lenet5", ["--batch", "2", "--unroll", "none"]),
                       ("mlperf_tiny/ds_cnn", ["--inference-only", "--unroll", "none"]),
                       ("mlperf_tiny/resnet8", ["--batch", "2", "--unroll", "none"]),
                       ("keras_summary", ["--inference-only", "--unroll", "kernel"]),
                       ("perceptron", ["--batch", "2", "--unroll", "full"]),
                       ("cifar10", ["--batch", "2", "--unroll", "kernel"])]:
        yield os.path.join(ROOT, "specs", name + ".yaml"), opts


def measure(cnngen, spec, opts, wd):
    """(features summed over the compiled functions, cnngen's rodata figure, measured
    text + rodata bytes) of the build as generated, or None when the spec does not
    allow it"""
    c = os.path.join(wd, "net.c")
    env = dict(os.environ, CNNGEN_M4_FEATURES="1")
    p = subprocess.run([cnngen, spec, "-o", c, "--prefix", "net", "--arch", "cortex-m4",
                        "--flash-limit", "1G"] + opts, capture_output=True, text=True, env=env)
    if p.returncode:
        return None
    feats, rodata = np.zeros(len(NAMES)), 0
    for line in p.stderr.splitlines():
        w = line.split()
        if w and w[0] == "m4fn":
            feats += [int(x) for x in w[2:]]
        elif w and w[0] == "m4rodata":
            rodata = int(w[1])
    p = subprocess.run(["arm-none-eabi-gcc"] + M4 + ["-Os", "-std=c99", "-ffunction-sections",
                        "-fdata-sections", "-I", os.path.join(ROOT, "runtime"), "-I", wd, "-c", c,
                        "-o", os.path.join(wd, "net.o")], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("arm-none-eabi-gcc: " + p.stderr[:300])
    out = subprocess.run(["arm-none-eabi-size", "-A", os.path.join(wd, "net.o")],
                         capture_output=True, text=True).stdout
    meas = 0
    for line in out.splitlines():
        w = line.split()
        if len(w) >= 2 and w[1].isdigit() and (w[0].startswith(".text") or w[0].startswith(".rodata")):
            meas += int(w[1])
    return feats, rodata, meas


def nnls_rel(rows):
    """non-negative weights w minimising sum((f.w + r) / m - 1)^2 (dropping the most
    negative weight until none is)"""
    idx = list(range(len(NAMES)))
    while True:
        X = np.array([f[idx] / m for f, r, m in rows])
        y = np.array([1 - r / m for f, r, m in rows])
        w, *_ = np.linalg.lstsq(X, y, rcond=None)
        if len(idx) == 0 or w.min() >= 0:
            break
        idx.pop(int(np.argmin(w)))
    full = np.zeros(len(NAMES))
    full[idx] = w
    return full


def main():
    cnngen = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "cnngen")
    data = {}
    with tempfile.TemporaryDirectory() as wd:
        for spec, opts in builds():
            r = measure(cnngen, spec, opts, wd)
            if r is None:
                continue
            label = os.path.basename(spec)[:-5] + " " + " ".join(opts)
            data[label] = (spec, r)
            print("  %-60s %7d bytes" % (label, r[2]), file=sys.stderr)
    rows = [r for _, r in data.values()]
    w = nnls_rel(rows)
    print("weights (tenths of a byte): " + ", ".join("%s %d" % (n, round(10 * x)) for n, x in zip(NAMES, w)))
    wi = np.round(10 * w) / 10
    ratios = sorted(((f @ wi + r) / m, lab) for lab, (_, (f, r, m)) in data.items())
    print("in sample: worst %.3f (%s), %.3f (%s)" % (ratios[0] + ratios[-1]))
    loso = []
    for spec in sorted(set(s for s, _ in data.values())):
        ww = nnls_rel([r for s, r in data.values() if s != spec])
        loso += [((f @ ww + r) / m, lab) for lab, (s, (f, r, m)) in data.items() if s == spec]
    loso.sort()
    print("each spec left out of the fit: worst %.3f (%s), %.3f (%s)" % (loso[0] + loso[-1]))


if __name__ == "__main__":
    main()
