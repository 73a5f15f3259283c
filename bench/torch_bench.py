#!/usr/bin/python3
"""torch_bench.py - the PyTorch side of `make bench`.

Builds the network of a cnngen YAML spec in PyTorch (independently of cnngen: the
spec is read with PyYAML and the layer semantics of SPEC.md section 2 are
re-implemented here), then:

  --check DIR      loads DIR/params.bin (the flat P_params the C harness wrote after
                   P_init, float32, spec order: weight then bias per layer, OIHW and
                   [units][in]) and DIR/input.bin, and compares the forward output
                   with DIR/output.bin (what the generated C computed). Exits 1 when
                   they differ, so every timing below is of the same function.
  --onnx FILE      exports the network (with the loss's output transform, e.g. the
                   softmax of softmax_cross_entropy, as P_forward has it) with a dynamic
                   batch axis; also writes FILE.identity.onnx (a one-node Identity
                   model used to measure the ONNX Runtime call overhead).
  --time           times inference (torch.no_grad) and SGD training steps
                   (zero_grad, forward, loss, backward, step) at each --batches size,
                   one thread (torch.set_num_threads(1)).

Timing: one warm-up phase, then --reps runs of a loop sized to take about
--min-time seconds; the figure is the median run, in microseconds per sample, of the
process CPU time (so time spent descheduled on a shared machine does not count); the
wall-clock runs are reported too.
Results: one JSON object per line on stdout.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml


def pair(v):
    if isinstance(v, (list, tuple)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def pads_for(padding, in_hw, k, stride, dil):
    """(top, left, bottom, right) as SPEC.md section 2 defines them."""
    if padding is None or padding == "valid":
        return (0, 0, 0, 0)
    if padding in ("same", "same_lower"):
        res = []
        for d in range(2):
            out = -(-in_hw[d] // stride[d])
            total = max((out - 1) * stride[d] + (k[d] - 1) * dil[d] + 1 - in_hw[d], 0)
            small = total // 2
            big = total - small
            res.append((small, big) if padding == "same" else (big, small))
        (t, b), (l, r) = res
        return (t, l, b, r)
    if isinstance(padding, int):
        return (padding,) * 4
    if isinstance(padding, (list, tuple)) and len(padding) == 2:
        return (int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1]))
    if isinstance(padding, (list, tuple)) and len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError("bad padding %r" % (padding,))


def out_size(n, lo, hi, k, s, d, ceil_mode=False):
    num = n + lo + hi - d * (k - 1) - 1
    o = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (o - 1) * s >= n + lo:  # a window starting in the bottom padding is dropped
        o -= 1
    return o


class L2Pool(nn.Module):
    def __init__(self, k, s, pads):
        super().__init__()
        self.k, self.s, self.pads = k, s, pads

    def forward(self, x):
        t, l, b, r = self.pads
        if any(self.pads):
            x = F.pad(x, (l, r, t, b))
        return torch.sqrt(F.avg_pool2d(x * x, self.k, self.s) * (self.k[0] * self.k[1]))


def activation(name, alpha):
    return {"none": None, "relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(),
            "leaky_relu": nn.LeakyReLU(alpha)}[name]


def build(spec):
    """Returns (body, param_modules, out_transform, loss_type, in_shape, macs)."""
    inp = spec["input"]
    c, h, w = int(inp["channels"]), int(inp["height"]), int(inp["width"])
    in_shape = (c, h, w)
    vec = False
    mods, params, macs = [], [], 0
    for L in spec["layers"]:
        t = L["type"]
        alpha = float(L.get("alpha", 0.01))
        if t == "conv2d":
            k = pair(L["kernel"]); s = pair(L.get("stride", 1)); d = pair(L.get("dilation", 1))
            pt, pl, pb, pr = pads_for(L.get("padding", "valid"), (h, w), k, s, d)
            conv = nn.Conv2d(c, int(L["filters"]), k, s, 0, d, bias=bool(L.get("bias", True)))
            if (pt, pl) == (pb, pr):
                conv.padding = (pt, pl)
            else:
                mods.append(nn.ZeroPad2d((pl, pr, pt, pb)))
            mods.append(conv); params.append(conv)
            h = out_size(h, pt, pb, k[0], s[0], d[0]); w = out_size(w, pl, pr, k[1], s[1], d[1])
            macs += conv.out_channels * h * w * c * k[0] * k[1]
            c = conv.out_channels
            a = activation(L.get("activation", "none"), alpha)
            if a is not None:
                mods.append(a)
        elif t in ("maxpool", "avgpool", "l2pool"):
            k = pair(L["size"]); s = pair(L.get("stride", L["size"]))
            cm = bool(L.get("ceil_mode", False))
            pt, pl, pb, pr = pads_for(L.get("padding", "valid"), (h, w), k, s, (1, 1))
            sym = (pt, pl) == (pb, pr)
            if t == "maxpool":
                if not sym:
                    mods.append(nn.ConstantPad2d((pl, pr, pt, pb), -math.inf)); pt = pl = 0
                mods.append(nn.MaxPool2d(k, s, (pt, pl), ceil_mode=cm))
            elif t == "avgpool":
                if not sym:
                    raise NotImplementedError("asymmetric avgpool padding")
                mods.append(nn.AvgPool2d(k, s, (pt, pl), ceil_mode=cm,
                                         count_include_pad=bool(L.get("count_include_pad", False))))
            else:
                if cm:
                    raise NotImplementedError("l2pool ceil_mode")
                mods.append(L2Pool(k, s, (pt, pl, pb, pr)))
            h = out_size(h, pt, pb, k[0], s[0], 1, cm); w = out_size(w, pl, pr, k[1], s[1], 1, cm)
        elif t == "global_avgpool":
            mods.append(nn.AdaptiveAvgPool2d(1)); h = w = 1
        elif t == "global_maxpool":
            mods.append(nn.AdaptiveMaxPool2d(1)); h = w = 1
        elif t == "flatten":
            mods.append(nn.Flatten()); c, h, w, vec = c * h * w, 1, 1, True
        elif t == "dense":
            if not vec:
                mods.append(nn.Flatten()); c, h, w, vec = c * h * w, 1, 1, True
            lin = nn.Linear(c, int(L["units"]), bias=bool(L.get("bias", True)))
            mods.append(lin); params.append(lin)
            macs += lin.in_features * lin.out_features
            c = lin.out_features
            a = activation(L.get("activation", "none"), alpha)
            if a is not None:
                mods.append(a)
        elif t in ("relu", "sigmoid", "tanh", "leaky_relu"):
            mods.append(activation(t, alpha))
        elif t == "softmax":
            if not vec:
                mods.append(nn.Flatten()); c, h, w, vec = c * h * w, 1, 1, True
            mods.append(nn.Softmax(dim=1))
        else:
            raise NotImplementedError("layer type %s" % t)
    loss = (spec.get("loss") or {}).get("type", "none")
    out_t = nn.Softmax(dim=1) if loss == "softmax_cross_entropy" else None
    return nn.Sequential(*mods), params, out_t, loss, in_shape, macs


def load_flat(params, flat):
    off = 0
    with torch.no_grad():
        for m in params:
            for p in (m.weight, m.bias):
                if p is None:
                    continue
                n = p.numel()
                p.copy_(torch.from_numpy(flat[off:off + n].reshape(p.shape)))
                off += n
    if off != flat.size:
        raise SystemExit("params.bin holds %d reals, the torch model has %d" % (flat.size, off))


def loss_fn(loss, out, target_idx, target_1h):
    if loss == "softmax_cross_entropy":
        return F.cross_entropy(out, target_idx)
    if loss == "cross_entropy":
        return F.nll_loss(torch.log(out), target_idx)
    if loss == "mse":
        return 0.5 * ((out - target_1h) ** 2).sum(1).mean()
    if loss == "binary_cross_entropy":
        return F.binary_cross_entropy(out, target_1h, reduction="sum") / out.shape[0]
    raise SystemExit("no loss in the spec: cannot time training")


def timeit(fn, per_call_samples, reps, min_time, warm_time):
    """Process CPU time per sample (time.process_time: all threads; descheduled time is
    not counted), and the wall clock alongside."""
    t0 = time.process_time()
    calls = 0
    while True:  # warm-up, and calibrate the loop length
        fn(); calls += 1
        el = time.process_time() - t0
        if el >= warm_time and calls >= 3:
            break
    iters = max(1, int(min_time / (max(el, 1e-6) / calls)))
    runs, wall = [], []
    for _ in range(reps):
        w = time.perf_counter()
        t = time.process_time()
        for _ in range(iters):
            fn()
        runs.append((time.process_time() - t) / (iters * per_call_samples) * 1e6)
        wall.append((time.perf_counter() - w) / (iters * per_call_samples) * 1e6)
    return statistics.median(runs), runs, iters, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--net", default=None)
    ap.add_argument("--impl", default="torch", help="label of the results (torch, torch-openblas)")
    ap.add_argument("--check", metavar="DIR")
    ap.add_argument("--onnx", metavar="FILE")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.2)
    ap.add_argument("--warm-time", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=1e-4)
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(1)
    with open(a.spec) as f:
        spec = yaml.safe_load(f)
    net = a.net or spec.get("name", os.path.basename(a.spec))
    body, params, out_t, loss, in_shape, macs = build(spec)
    infer = nn.Sequential(body, out_t) if out_t is not None else body
    nparams = sum(p.numel() for p in body.parameters())
    torch.zeros(2, 2) @ torch.zeros(2, 2)  # make sure the BLAS is loaded, then name it
    blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower() and ".so" in l})
    print(json.dumps({"impl": a.impl, "net": net, "kind": "info", "torch": torch.__version__,
                      "macs": macs, "params": nparams, "input": list(in_shape), "loss": loss,
                      "blas": blas}))
    sys.stdout.flush()

    if a.check:
        flat = np.fromfile(os.path.join(a.check, "params.bin"), dtype=np.float32)
        load_flat(params, flat)
        x = np.fromfile(os.path.join(a.check, "input.bin"), dtype=np.float32)
        want = np.fromfile(os.path.join(a.check, "output.bin"), dtype=np.float32)
        n = x.size // int(np.prod(in_shape))
        with torch.no_grad():
            got = infer(torch.from_numpy(x.reshape((n,) + in_shape))).numpy().reshape(-1)
        err = float(np.max(np.abs(got - want) / (np.abs(want) + 1e-3)))
        ok = got.shape == want.shape and err < 1e-3
        print(json.dumps({"impl": a.impl, "net": net, "kind": "check", "samples": n,
                          "max_rel_err": err, "ok": ok}))
        got.astype(np.float32).tofile(os.path.join(a.check, "torch_output.bin"))
        sys.stdout.flush()
        if not ok:
            print("torch_bench: generated C and PyTorch disagree on %s (max rel err %g)" % (net, err),
                  file=sys.stderr)
            sys.exit(1)

    if a.onnx:
        infer.eval()
        dummy = torch.zeros((1,) + in_shape)
        torch.onnx.export(infer, dummy, a.onnx, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          opset_version=13, do_constant_folding=True)
        import onnx
        from onnx import helper, TensorProto
        g = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "identity",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 1])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, a.onnx + ".identity.onnx")

    if a.time:
        outn = infer(torch.zeros((1,) + in_shape)).shape[1]
        for b in [int(s) for s in a.batches.split(",")]:
            g = torch.Generator().manual_seed(b)
            x = torch.rand((b,) + in_shape, generator=g)
            idx = torch.randint(0, outn, (b,), generator=g)
            t1h = F.one_hot(idx, outn).float()
            infer.eval()

            def inf():
                with torch.no_grad():
                    infer(x)
            med, runs, iters, wall = timeit(inf, b, a.reps, a.min_time, a.warm_time)
            print(json.dumps({"impl": a.impl, "net": net, "kind": "time", "what": "infer",
                              "batch": b, "us_per_sample": med, "runs": runs, "iters": iters,
                              "wall_runs": wall}))
            sys.stdout.flush()
            if loss == "none":
                continue
            model = body if loss == "softmax_cross_entropy" else infer
            model.train()
            opt = torch.optim.SGD(model.parameters(), lr=a.lr)

            def step():
                opt.zero_grad(set_to_none=True)
                l = loss_fn(loss, model(x), idx, t1h)
                l.backward()
                opt.step()
            med, runs, iters, wall = timeit(step, b, a.reps, a.min_time, a.warm_time)
            with torch.no_grad():
                lval = float(loss_fn(loss, model(x), idx, t1h))
            print(json.dumps({"impl": a.impl, "net": net, "kind": "time", "what": "train",
                              "batch": b, "us_per_sample": med, "runs": runs, "iters": iters,
                              "wall_runs": wall, "final_loss": lval}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
