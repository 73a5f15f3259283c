"""check_shapes.py - cnngen's JSON report against a PyTorch forward pass.

For each spec (the given files, then N seeded random specs from randspec.py): run
`cnngen --report --format json SPEC`, build the network with torchnet.py (layer names
taken from the report, so that given and default names line up), run a forward pass
on a random input, and compare with the report: the input shape, every layer's type,
name (given names verbatim, default names by the rule documented in cnngen's README,
see torchnet.default_names), output shape, parameter count and, for conv2d and dense,
multiply-accumulates (conv: K*H2*W2*C*kh*kw, dense: in*units, as SPEC.md's LeNet-5
example counts them), the pads applied, the receptive field (rf += (window - 1) * jump,
jump *= stride; global pools and dense layers span the whole map), a warning exactly
where some input row or column is never read (reported on its own line,
torch-unread-warnings/...), and the total parameter count. Two PASS/FAIL lines per
spec (torch-shapes/..., torch-unread-warnings/...); one when the report is unusable.

usage: check_shapes.py CNNGEN WORKDIR [--random N] [--seed0 S] SPEC...
"""

import argparse
import json
import math
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import randspec  # noqa: E402
import torchnet  # noqa: E402


def torch_shape_list(t):
    return [int(v) for v in t.shape[1:]]


def check_one(cnngen, path, label):
    spec = torchnet.load_spec(path)
    p = subprocess.run([cnngen, "--report", "--format", "json", path],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        lines = p.stderr.strip().splitlines()
        err = ([l for l in lines if ": error: " in l] + lines + ["(no message)"])[0]
        return "cnngen rejected a valid spec (exit %d): %s" % (p.returncode, err), False
    try:
        rep = json.loads(p.stdout)
    except ValueError as e:
        return "report is not JSON: %s" % e, False
    raw = spec.get("layers") or []
    jl = rep.get("layers")
    if not isinstance(jl, list) or len(jl) != len(raw):
        return "report has %s layers, spec has %d" % (
            len(jl) if isinstance(jl, list) else "no", len(raw)), False
    names = [l.get("name") for l in jl]
    wants = torchnet.default_names(raw)
    net = torchnet.TorchNet(spec, names=names, dtype=torch.float64)
    errs, werrs = [], []
    if "name" in spec and rep.get("name") != spec["name"]:
        errs.append("name %r vs spec %r" % (rep.get("name"), spec["name"]))
    if "dtype" in rep and rep["dtype"] != spec.get("dtype", "float32"):
        errs.append("dtype %r vs spec %r" % (rep["dtype"], spec.get("dtype", "float32")))
    if "loss" in rep and rep["loss"] not in ((net.loss_type or "none"), None):
        errs.append("loss %r vs spec %r" % (rep["loss"], net.loss_type or "none"))
    if "output" in rep and rep["output"] != list(net.output_shape):
        errs.append("output %s vs torch %s" % (rep["output"], list(net.output_shape)))
    if rep.get("input") != list(net.input_shape):
        errs.append("input %s vs %s" % (rep.get("input"), list(net.input_shape)))
    torch.manual_seed(0)
    x = torch.randn((2,) + net.input_shape, dtype=torch.float64)
    with torch.no_grad():
        _, outs = net(x, return_all=True)
    # receptive field, jump and map size of every value (-1: the input); a layer
    # starts from the widest of the values it reads
    state = {-1: ([1, 1], [1, 1], list(net.input_shape[1:]))}
    for i, (L, J, o) in enumerate(zip(net.layers, jl, outs)):
        rf = [max(state[v][0][a] for v in L.srcs) for a in (0, 1)]
        jump = [max(state[v][1][a] for v in L.srcs) for a in (0, 1)]
        hw = list(state[L.srcs[0]][2])
        where = "layer %d (%s %s)" % (i + 1, L.type, L.name)
        if J.get("type") != L.type:
            errs.append("%s: type %r" % (where, J.get("type")))
        want_name = wants[i]
        if J.get("name") != want_name:
            errs.append("%s: name %r, expected %r" % (where, J.get("name"), want_name))
        ts = torch_shape_list(o)
        if J.get("output") != ts:
            errs.append("%s: output %s, torch %s" % (where, J.get("output"), ts))
        tp = net.layer_params(L)
        if J.get("params") != tp:
            errs.append("%s: params %s, torch %d" % (where, J.get("params"), tp))
        if L.type == "conv2d":
            C = L.in_shape[0] // L.groups     # each filter sees C/groups channels
            m = ts[0] * ts[1] * ts[2] * C * L.k[0] * L.k[1]
        elif L.type == "dense":
            m = int(math.prod(L.in_shape)) * ts[0]
        elif L.type == "batchnorm":          # one multiply-add per element at inference
            m = int(math.prod(L.in_shape))
        else:
            m = None
        if m is not None and J.get("macs") != m:
            errs.append("%s: macs %s, expected %d" % (where, J.get("macs"), m))
        for key in ("receptive_field", "warnings"):
            if key not in J:
                errs.append("%s: no %r in the report" % (where, key))
        # pads actually applied, from our own reading of the padding forms
        if L.pads is not None and "pads" in J and J["pads"] != list(L.pads):
            errs.append("%s: pads %s, expected %s" % (where, J["pads"], list(L.pads)))
        # receptive field and jump on the input: rf += (effective window - 1) * jump,
        # jump *= stride; global pools and the first dense after a map take a window
        # over the whole map; flatten and activations move nothing
        if L.type == "conv2d" or L.type in torchnet.POOLS:
            dl = L.dil if L.type == "conv2d" else (1, 1)
            eff = [dl[a] * (L.k[a] - 1) + 1 for a in (0, 1)]
            rf = [rf[a] + (eff[a] - 1) * jump[a] for a in (0, 1)]
            jump = [jump[a] * L.s[a] for a in (0, 1)]
            hw = list(ts[1:])
        elif L.type in torchnet.GLOBAL_POOLS or L.type == "dense":
            rf = [rf[a] + (hw[a] - 1) * jump[a] for a in (0, 1)]
            jump = [jump[a] * hw[a] for a in (0, 1)]
            hw = [1, 1]
        state[i] = (rf, jump, hw)
        if J.get("receptive_field") != rf:
            errs.append("%s: receptive_field %s, expected %s"
                        % (where, J.get("receptive_field"), rf))
        # input rows/columns that no window reads (a division that is not exact, a
        # stride larger than the window, ...) are warned about, and only those
        if L.type == "conv2d" or L.type in torchnet.POOLS:
            dl = L.dil if L.type == "conv2d" else (1, 1)
            unread = []
            for a in (0, 1):
                read = set()
                for o_ in range(ts[1 + a]):
                    for u in range(L.k[a]):
                        read.add(o_ * L.s[a] + u * dl[a] - L.pads[a])
                miss = [r_ for r_ in range(L.in_shape[1 + a]) if r_ not in read]
                if miss:
                    unread.append("%s %s" % (("rows", "columns")[a], miss))
            if unread and not J.get("warnings"):
                werrs.append("%s: input %s never read, but no warning"
                             % (where, " and ".join(unread)))
            if not unread and J.get("warnings"):
                werrs.append("%s: warning %r, but every input row and column is read"
                            % (where, J["warnings"][0]))
    tot = net.num_params()
    if rep.get("total_params") != tot:
        errs.append("total_params %s, torch %d" % (rep.get("total_params"), tot))
    if "total_macs" not in rep:
        errs.append("no total_macs in the report")
    return summary(errs), summary(werrs)


def summary(errs):
    if not errs:
        return None
    return "; ".join(errs[:4]) + (" (+%d more)" % (len(errs) - 4) if len(errs) > 4 else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cnngen")
    ap.add_argument("workdir")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed0", type=int, default=1000)
    ap.add_argument("specs", nargs="*")
    a = ap.parse_intermixed_args()
    torch.set_num_threads(1)
    os.makedirs(a.workdir, exist_ok=True)
    jobs = [(s, "torch-shapes/" + s) for s in a.specs]
    for seed in range(a.seed0, a.seed0 + a.random):
        _, text, _ = randspec.gen(seed)
        path = os.path.join(a.workdir, "rand-%d.yaml" % seed)
        with open(path, "w") as f:
            f.write(text)
        jobs.append((path, "torch-shapes/rand-%d" % seed))
    nfail = 0
    for path, label in jobs:
        try:
            why, wwhy = check_one(a.cnngen, path, label)
        except Exception as e:  # a crash in the check is a failure, never a pass
            why, wwhy = "exception %s: %s" % (type(e).__name__, e), False
        for lab, w in ((label, why), (label.replace("torch-shapes/", "torch-unread-warnings/"),
                                      wwhy)):
            if w is False:      # the report was unusable: one FAIL line is enough
                continue
            if w:
                nfail += 1
                print("FAIL %s: %s [%s]" % (lab, w, path), flush=True)
            else:
                print("PASS %s" % lab, flush=True)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
