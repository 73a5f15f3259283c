"""check_mlperf.py - the MLPerf Tiny specs (specs/mlperf_tiny/) against the parameter
counts of their Keras reference models, written at the top of each spec as
`# Keras: N params, T trainable, B non-trainable` (Keras' summary: every kernel and
bias; BatchNormalization 4C, its moving mean and variance non-trainable). Two
independent counts must equal them: cnngen's report (total_params, trainable_params,
non_trainable_params) and the torch module torchnet.py builds from the spec
(Parameters trainable, batchnorm buffers non-trainable). One line per spec:
PASS|FAIL mlperf-params/<name>.

usage: check_mlperf.py CNNGEN SPEC...
"""
import json
import os
import re
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torchnet  # noqa: E402


def main():
    cnngen, specs = sys.argv[1], sys.argv[2:]
    nfail = 0
    for path in specs:
        name = os.path.splitext(os.path.basename(path))[0]
        text = open(path).read()
        m = re.search(r"# Keras: ([\d,]+) params[^,]*, ([\d,]+) trainable, ([\d,]+) non-trainable", text)
        why = None
        if not m:
            why = "no '# Keras: N params, T trainable, B non-trainable' line"
        else:
            want = [int(g.replace(",", "")) for g in m.groups()]
            p = subprocess.run([cnngen, "--report", "--format", "json", path],
                               capture_output=True, text=True)
            if p.returncode:
                why = "cnngen --report failed: " + p.stderr.strip()[:200]
            else:
                r = json.loads(p.stdout)
                got = [r["total_params"], r["trainable_params"], r["non_trainable_params"]]
                net = torchnet.TorchNet(torchnet.load_spec(path),
                                        names=[l["name"] for l in r["layers"]])
                tr = sum(t.numel() for _, t in net.param_list() if isinstance(t, torch.nn.Parameter))
                nt = sum(t.numel() for _, t in net.param_list()
                         if not isinstance(t, torch.nn.Parameter))
                if got != want:
                    why = "cnngen reports %s, Keras %s (total, trainable, non-trainable)" % (got, want)
                elif [tr + nt, tr, nt] != want:
                    why = "the torch module has %s, Keras %s" % ([tr + nt, tr, nt], want)
        if why:
            nfail += 1
            print("FAIL mlperf-params/%s: %s" % (name, why))
        else:
            print("PASS mlperf-params/%s: %s params, %s trainable, %s non-trainable"
                  % ((name,) + tuple(m.groups())))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
